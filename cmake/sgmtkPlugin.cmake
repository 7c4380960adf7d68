# sgmtk_add_plugin(<target> <sources>...)
#
# Builds one sgmtk plugin: a MODULE library named exactly <target>.so (no "lib" prefix), linked
# against sgmtk::core with every undefined symbol resolved at link time, hidden visibility, and
# the instruction set and Eigen settings that sgmtk::core exports. In the sgmtk build tree it
# lands in the plugin folder the host searches by default.
function(sgmtk_add_plugin target)
  add_library(${target} MODULE ${ARGN})
  target_link_libraries(${target} PRIVATE sgmtk::core)
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  if(DEFINED SGMTK_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${SGMTK_PLUGIN_OUTPUT_DIR})
  endif()
  if(DEFINED SGMTK_INSTALL_PLUGIN_DIR)
    install(TARGETS ${target} LIBRARY DESTINATION ${SGMTK_INSTALL_PLUGIN_DIR})
  endif()
  if(TARGET sgmtk_all_plugins)
    add_dependencies(sgmtk_all_plugins ${target})
  endif()
endfunction()
