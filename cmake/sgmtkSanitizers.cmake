# Sanitizer builds: -DSGMTK_SANITIZE=address,undefined (any list the compiler's -fsanitize=
# accepts). Empty (the default) changes nothing.
#
# The flags are global (add_compile_options/add_link_options), not INTERFACE options of
# sgmtk::core, because everything must agree: the core, the engine, the host, the tests AND every
# plugin -- plugins are dlopen'ed into a sanitized host, and an uninstrumented plugin would hide
# exactly the out-of-bounds accesses we are looking for. This file is included before any target
# is defined, so every target of this build gets them.
#
# Runtime placement: the ASan runtime must be in the executable (it intercepts malloc before any
# plugin is loaded). GCC links libasan.so into executables and shared libraries alike, so the
# plugins' -Wl,--no-undefined is satisfied. Clang links a static runtime into executables only,
# which leaves __asan_*/__ubsan_* undefined in libsgmtk_core.so and the plugins (and
# --no-undefined fails): with clang we use -shared-libasan and record the runtime's folder as an
# rpath, so both kinds of binaries resolve the one shared runtime.
set(SGMTK_SANITIZE "" CACHE STRING "Sanitizers for every target, e.g. address,undefined (empty: none)")

if(SGMTK_SANITIZE)
  string(REPLACE ";" "," _sgmtk_sanitize "${SGMTK_SANITIZE}")
  message(STATUS "sgmtk: sanitizers: ${_sgmtk_sanitize}")
  add_compile_options(
    -fsanitize=${_sgmtk_sanitize}
    # Readable stack traces at a small cost; -g1 is line tables only (fast to build and link).
    -fno-omit-frame-pointer -g1
    # A UB report must fail the test that caused it, not scroll by (UBSAN_OPTIONS
    # halt_on_error=1 only matters for checks compiled as recoverable).
    -fno-sanitize-recover=all
    # Assertions (Eigen's dimension checks included) are part of what a sanitizer build checks,
    # whatever CMAKE_BUILD_TYPE says: they come after -DNDEBUG on the command line.
    -UNDEBUG)
  add_link_options(-fsanitize=${_sgmtk_sanitize})
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang" AND _sgmtk_sanitize MATCHES "address")
    add_compile_options(-shared-libasan)
    add_link_options(-shared-libasan)
    execute_process(
      COMMAND ${CMAKE_CXX_COMPILER} -print-file-name=libclang_rt.asan-${CMAKE_SYSTEM_PROCESSOR}.so
      OUTPUT_VARIABLE _sgmtk_asan_rt OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT EXISTS "${_sgmtk_asan_rt}")
      message(FATAL_ERROR "SGMTK_SANITIZE: clang's shared ASan runtime not found "
                          "(${_sgmtk_asan_rt}); on Debian 12: apt-get install libclang-rt-14-dev")
    endif()
    get_filename_component(_sgmtk_asan_rt_dir "${_sgmtk_asan_rt}" DIRECTORY)
    add_link_options("LINKER:-rpath,${_sgmtk_asan_rt_dir}")
  endif()
endif()
