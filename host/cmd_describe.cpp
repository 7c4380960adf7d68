#include "commands.hpp"

#include <iostream>

namespace sgmtk::host {

int cmd_describe(const PluginOptions& plugins, const std::string& name) {
  const engine::PluginRegistry registry = load_plugins(plugins);
  const engine::PluginInfo* p = registry.find_any(name);
  if (!p) {
    std::vector<std::string> all;
    for (const auto& q : registry.plugins()) all.push_back(q.name);
    std::cerr << "error: no plugin named '" << name << "'";
    const std::string guess = did_you_mean(name, all);
    if (!guess.empty()) std::cerr << "; did you mean '" << guess << "'?";
    std::cerr << " (`sgmtk list` shows them all)\n";
    return exit_usage;
  }
  std::cout << p->name << " (" << to_string(p->kind) << ", version " << p->version << ")\n"
            << "  " << p->summary << "\n  file: " << p->file << "\n\n"
            << p->doc << "\n\nparameters:\n";
  if (p->params.empty()) std::cout << "  (none)\n";
  for (const auto& s : p->params) {
    std::cout << "  " << s.name << "  (" << s.range_text() << "; "
              << (s.required()              ? std::string("required")
                  : s.default_value.has_value() ? "default " + format_value(*s.default_value)
                                                : std::string("optional, no default"))
              << ")\n"
              << "      " << s.doc << "\n";
  }
  if (p->kind == PluginKind::target) {
    // Constants depend on parameters: show them for the defaults when the target has no required ones.
    try {
      auto target = registry.make_target(*p, {});
      const auto constants = target->constants();
      if (!constants.empty()) {
        std::cout << "\nstructural constants (at the default parameters):\n";
        for (const auto& c : constants) std::cout << "  " << c.name << " = " << c.value << "   " << c.doc << "\n";
      }
    } catch (const std::exception&) {
      // Required parameters: constants are shown by `sgmtk probe` for given parameters.
    }
  }
  return exit_ok;
}

}  // namespace sgmtk::host
