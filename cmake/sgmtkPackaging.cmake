# The installable SDK: `cmake --install <build> --prefix <prefix>` yields
#   <prefix>/bin/sgmtk                       the host (RPATH $ORIGIN/../<libdir>)
#   <prefix>/<libdir>/libsgmtk_core.so*      the core every plugin links
#   <prefix>/include/sgmtk/...               the public headers (+ sgmtk/testing/, the kit)
#   <prefix>/lib/sgmtk/plugins/*.so          the in-tree plugins, searched by the host by default
#   <prefix>/<libdir>/cmake/sgmtk/           sgmtkConfig.cmake, sgmtkConfigVersion.cmake,
#                                            sgmtkTargets.cmake (sgmtk::core),
#                                            sgmtkTestingTargets.cmake (sgmtk::testing),
#                                            sgmtkPlugin.cmake (sgmtk_add_plugin)
# so that a third party writes find_package(sgmtk REQUIRED) + sgmtk_add_plugin(...).
include(CMakePackageConfigHelpers)

set(SGMTK_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/sgmtk)

# The plugin ABI (sgmtk::abi_version in plugin.hpp), read from the header so that the package
# states the number the host will check and cannot drift from it.
file(STRINGS ${PROJECT_SOURCE_DIR}/core/include/sgmtk/plugin.hpp _sgmtk_abi_line
     REGEX "inline constexpr std::uint32_t abi_version = [0-9]+;")
# (file(STRINGS) escapes the line's ';' as '\;': capture the digits after '=' instead.)
string(REGEX MATCH "abi_version = ([0-9]+)" _sgmtk_abi_match "${_sgmtk_abi_line}")
set(SGMTK_ABI_VERSION "${CMAKE_MATCH_1}")
if(NOT SGMTK_ABI_VERSION)
  message(FATAL_ERROR "cannot read sgmtk::abi_version from core/include/sgmtk/plugin.hpp")
endif()

install(EXPORT sgmtkTargets NAMESPACE sgmtk:: DESTINATION ${SGMTK_INSTALL_CMAKEDIR} FILE sgmtkTargets.cmake)
if(TARGET sgmtk_testing)
  install(EXPORT sgmtkTestingTargets NAMESPACE sgmtk:: DESTINATION ${SGMTK_INSTALL_CMAKEDIR}
          FILE sgmtkTestingTargets.cmake)
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/sgmtkConfig.cmake.in
  ${PROJECT_BINARY_DIR}/sgmtkConfig.cmake
  INSTALL_DESTINATION ${SGMTK_INSTALL_CMAKEDIR}
  PATH_VARS SGMTK_INSTALL_PLUGIN_DIR CMAKE_INSTALL_BINDIR CMAKE_INSTALL_INCLUDEDIR)

# Compatibility rule: SameMinorVersion. While sgmtk is 0.x the plugin ABI (sgmtk::abi_version)
# may change between minor versions and never within one, so find_package(sgmtk 0.2) accepts
# 0.2.z only: a plugin configured against a compatible package is one the installed host loads.
# The host itself checks abi_version (and the descriptor size) at load time and names the SDK
# to rebuild against; this rule catches the mismatch earlier, at configure time.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/sgmtkConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)

install(FILES
  ${PROJECT_BINARY_DIR}/sgmtkConfig.cmake
  ${PROJECT_BINARY_DIR}/sgmtkConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/sgmtkPlugin.cmake
  DESTINATION ${SGMTK_INSTALL_CMAKEDIR})
