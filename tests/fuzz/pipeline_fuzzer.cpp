// libFuzzer target over the pipeline loader: TOML text in, parse_pipeline + plan_pipeline against
// the build's plugins, validation out. The contract under test (README "Errors point into the
// file"): whatever the text, the loader either accepts it or throws a ConfigError whose message
// starts `fuzz.toml:<line>:<col>: error: `. Anything else -- another exception type, an unlocated
// message, a crash, a sanitizer report, a hang, a leak -- is a finding, and we abort so that
// libFuzzer saves the input.
//
// Run (see tests/fuzz/README.md): build-fuzz/tests/fuzz/sgmtk_pipeline_fuzzer tests/fuzz/corpus
#include <sgmtk_engine/config_error.hpp>
#include <sgmtk_engine/config_loader.hpp>
#include <sgmtk_engine/plugin_registry.hpp>
#include <sgmtk_engine/run_plan.hpp>

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view kName = "fuzz.toml";

// Loaded once: scanning dlopen()s every plugin, far too slow per input. The registry is
// immutable after the scan and plan_pipeline only reads it. Deliberately leaked so that no
// plugin is unloaded before LeakSanitizer's exit-time report symbolizes its frames.
const sgmtk::engine::PluginRegistry& registry() {
  static const auto* r = [] {
    auto* reg = new sgmtk::engine::PluginRegistry;
    reg->scan({SGMTK_FUZZ_PLUGIN_DIR});
    if (reg->plugins().empty()) {
      std::fprintf(stderr, "pipeline_fuzzer: no plugins in %s: the fuzzer would only test 'unknown plugin'\n",
                   SGMTK_FUZZ_PLUGIN_DIR);
      std::abort();
    }
    return reg;
  }();
  return *r;
}

// `^fuzz.toml:\d+:\d+: error: ` without <regex> (this runs for every input).
bool located(std::string_view m) {
  if (m.substr(0, kName.size()) != kName) return false;
  m.remove_prefix(kName.size());
  for (int field = 0; field < 2; ++field) {
    if (m.empty() || m.front() != ':') return false;
    m.remove_prefix(1);
    std::size_t digits = 0;
    while (digits < m.size() && std::isdigit(static_cast<unsigned char>(m[digits]))) ++digits;
    if (digits == 0) return false;
    m.remove_prefix(digits);
  }
  return m.substr(0, 9) == ": error: ";
}

// Planning checks the memory estimate before it builds any target, so a valid `dim = 20202`
// (once 3.3 GB at plan time, found by this fuzzer) is refused in microseconds: well under
// libFuzzer's 2 GB RSS limit.
sgmtk::engine::MemoryBudget fuzz_budget() {
  sgmtk::engine::MemoryBudget b;
  b.limit_bytes = 512ull << 20;
  b.limit_source = "the fuzzer's budget";
  return b;
}

[[noreturn]] void finding(const char* what, const char* message) {
  std::fprintf(stderr, "pipeline_fuzzer FINDING: %s: %s\n", what, message);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  registry();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto spec = sgmtk::engine::parse_pipeline(text, std::string(kName));
    // A plan holds the constructed targets, samplers and metrics; it goes out of scope here.
    (void)sgmtk::engine::plan_pipeline(spec, registry(), fuzz_budget());
  } catch (const sgmtk::engine::ConfigError& e) {
    if (!located(e.what())) finding("ConfigError without a file:line:col location", e.what());
  } catch (const std::exception& e) {
    finding("an exception other than ConfigError escaped the loader", e.what());
  } catch (...) {
    finding("a non-std exception escaped the loader", "(unknown)");
  }
  return 0;
}
