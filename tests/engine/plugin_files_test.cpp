// What the registry does with files that are not loadable plugins: a truncated real plugin (its
// ELF headers point past the end: dlopen would die of SIGBUS), a FIFO named x.so (dlopen would
// block forever), a folder the user named that does not exist. Each is a reported failure or a
// clear error, never a crash or a hang.
#include "command.hpp"

#include <sgmtk_engine/plugin_registry.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using sgmtk::engine::PluginRegistry;

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("sgmtk_plugin_files_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string reason_for(const PluginRegistry& r, const std::string& file_name) {
  for (const auto& f : r.failures())
    if (fs::path(f.file).filename() == file_name) return f.reason;
  return "";
}

TEST(PluginFiles, TruncatedPluginIsReportedNotLoaded) {
  const fs::path d = fresh_dir("truncated");
  std::ifstream in(fs::path(SGMTK_TEST_PLUGIN_DIR) / "gaussian.so", std::ios::binary);
  std::string head(20000, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  std::ofstream(d / "broken.so", std::ios::binary) << head;
  PluginRegistry r;
  r.scan({d.string()});  // before the check, this died of SIGBUS inside dlopen
  EXPECT_TRUE(r.plugins().empty());
  EXPECT_NE(reason_for(r, "broken.so").find("past the end of the file"), std::string::npos) << reason_for(r, "broken.so");
  fs::remove_all(d);
}

TEST(PluginFiles, FifoNamedSoIsSkippedWithoutBlocking) {
  const fs::path d = fresh_dir("fifo");
  ASSERT_EQ(::mkfifo((d / "x.so").c_str(), 0644), 0);
  PluginRegistry r;
  r.scan({d.string()});  // before the check, this blocked forever opening the FIFO
  EXPECT_NE(reason_for(r, "x.so").find("not a regular file"), std::string::npos) << reason_for(r, "x.so");
  fs::remove_all(d);
}

TEST(PluginFiles, NamedFolderThatDoesNotExistIsAnError) {
  PluginRegistry r;
  EXPECT_THROW(r.scan({"/nonexistent/sgmtk/plugins"}, PluginRegistry::MissingFolder::error), sgmtk::Error);
  r.scan({"/nonexistent/sgmtk/plugins"}, PluginRegistry::MissingFolder::report);
  EXPECT_NE(reason_for(r, "plugins").find("does not exist"), std::string::npos);
  const auto cli = sgmtk::testing::run_command(std::string(SGMTK_BINARY) + " list --plugin-dir /nonexistent/sgmtk/plugins");
  EXPECT_EQ(cli.exit_code, 2) << cli.output;
  EXPECT_NE(cli.output.find("/nonexistent/sgmtk/plugins does not exist"), std::string::npos) << cli.output;
}

TEST(PluginFiles, CommandsStillWorkBesideABrokenPlugin) {
  const fs::path d = fresh_dir("cli");
  std::ofstream(d / "junk.so") << "not an ELF file";
  ASSERT_EQ(::mkfifo((d / "x.so").c_str(), 0644), 0);
  const auto r = sgmtk::testing::run_command("timeout 20 " + std::string(SGMTK_BINARY) + " list --verbose --plugin-dir " + d.string());
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("euler_maruyama"), std::string::npos) << r.output;
  fs::remove_all(d);
}

}  // namespace
