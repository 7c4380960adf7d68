// The loader against deliberately broken plugins (tests/bad_plugins): every failure is reported
// with a clear reason and skipped; the good plugin still loads; libraries outlive their objects.
#include <sgmtk_engine/plugin_registry.hpp>

#include <gtest/gtest.h>

#include <memory>

namespace {

using sgmtk::engine::PluginRegistry;

std::string reason_for(const PluginRegistry& r, const std::string& file_part) {
  for (const auto& f : r.failures())
    if (f.file.find(file_part) != std::string::npos) return f.reason;
  return "";
}

PluginRegistry bad_folder() {
  PluginRegistry r;
  r.scan({SGMTK_BAD_PLUGIN_DIR});
  return r;
}

TEST(Registry, JunkFileIsReportedAndSkipped) {
  const auto r = bad_folder();
  EXPECT_NE(reason_for(r, "junk.so").find("cannot be loaded"), std::string::npos) << reason_for(r, "junk.so");
}

TEST(Registry, WrongAbiNamesBothVersionsAndWhatToRebuild) {
  const std::string why = reason_for(bad_folder(), "wrong_abi.so");
  // tests/bad_plugins/wrong_abi.cpp claims abi_version + 998.
  EXPECT_NE(why.find("built for plugin ABI " + std::to_string(sgmtk::abi_version + 998)), std::string::npos) << why;
  EXPECT_NE(why.find("speaks ABI " + std::to_string(sgmtk::abi_version)), std::string::npos) << why;
  EXPECT_NE(why.find("rebuild"), std::string::npos) << why;
}

TEST(Registry, LibraryWithoutDescriptorIsNotAPlugin) {
  const std::string why = reason_for(bad_folder(), "no_descriptor.so");
  EXPECT_NE(why.find("not an sgmtk plugin"), std::string::npos) << why;
}

TEST(Registry, MissingDependencyIsNamed) {
  const std::string why = reason_for(bad_folder(), "missing_dependency.so");
  EXPECT_NE(why.find("libsgmtk_vanishing.so"), std::string::npos) << why;
}

TEST(Registry, DuplicateNameNamesBothFiles) {
  const auto r = bad_folder();
  // Files are scanned in name order: duplicate_name.so comes before good_tracer.so.
  const std::string why = reason_for(r, "good_tracer.so");
  EXPECT_NE(why.find("duplicate plugin name 'tracer_target'"), std::string::npos) << why;
  EXPECT_NE(why.find("duplicate_name.so"), std::string::npos) << why;
}

TEST(Registry, ThrowingFactoryIsAClearErrorNotACrash) {
  const auto r = bad_folder();
  const auto* p = r.find(sgmtk::PluginKind::target, "throwing_target");
  ASSERT_NE(p, nullptr);
  try {
    r.make_target(*p, {});
    FAIL() << "expected an error";
  } catch (const sgmtk::Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("throwing_target"), std::string::npos) << what;
    EXPECT_NE(what.find("throwing_factory.so"), std::string::npos) << what;
    EXPECT_NE(what.find("deliberate failure"), std::string::npos) << what;
  }
}

TEST(Registry, GoodPluginsStillLoadNextToBadOnes) {
  const auto r = bad_folder();
  EXPECT_NE(r.find(sgmtk::PluginKind::target, "tracer_target"), nullptr);
  EXPECT_EQ(r.failures().size(), 5u);  // junk, wrong ABI, no descriptor, missing dependency, duplicate
}

TEST(Registry, ObjectKeepsItsLibraryLoadedAfterTheRegistryIsGone) {
  PluginRegistry only_tracer;
  only_tracer.load_file(std::string(SGMTK_BAD_PLUGIN_DIR) + "/good_tracer.so");
  const auto* p = only_tracer.find(sgmtk::PluginKind::target, "tracer_target");
  ASSERT_NE(p, nullptr);
  sgmtk::Params params;
  params.set("dim", std::int64_t{3});
  std::shared_ptr<sgmtk::Target> target = only_tracer.make_target(*p, params);
  only_tracer = PluginRegistry();  // drops the registry's reference to the library
  // good_tracer is built with -fno-gnu-unique: were the library unloaded, these calls would crash.
  EXPECT_EQ(target->dim(), 3);
  sgmtk::Matrix x = sgmtk::Matrix::Ones(3, 2), s(3, 2);
  target->score(0.5, x, s);
  EXPECT_DOUBLE_EQ(s(0, 0), -1.0);
  target.reset();  // the destructor runs from the still-mapped library, which is then released
}

TEST(Registry, UnknownParameterRejectedBeforeTheFactoryRuns) {
  PluginRegistry r;
  r.load_file(std::string(SGMTK_BAD_PLUGIN_DIR) + "/good_tracer.so");
  sgmtk::Params params;
  params.set("dimm", std::int64_t{3});
  try {
    r.make_target(*r.find(sgmtk::PluginKind::target, "tracer_target"), params);
    FAIL() << "expected an error";
  } catch (const sgmtk::ParamValueError& e) {
    EXPECT_EQ(e.key(), "dimm");
    EXPECT_NE(std::string(e.what()).find("did you mean 'dim'"), std::string::npos) << e.what();
  }
}

}  // namespace
