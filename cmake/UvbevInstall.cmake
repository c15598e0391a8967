# SPDX-License-Identifier: MIT
# Install rules, CMake package and pkg-config file.
#
# Layout under the install prefix (see DESIGN.md, "Installing beside libevent"):
#   include/uvbev/event2/*.h        libevent-compatible headers (event-config.h generated)
#   include/uvbev/uvbev/*.h         uvbev's extensions and uvbev-config.h
#   include/uvbev/*.h               top-level compatibility headers (event.h, ...)
#   lib/libuvbev.so.X.Y / .a        (bin/libuvbev.dll + lib/libuvbev.dll.a on Windows)
#   lib/cmake/uvbev/                uvbevConfig.cmake and friends
#   lib/pkgconfig/uvbev.pc
# The include path users get is include/uvbev, so <event2/event.h> resolves to
# uvbev's header and a system libevent's headers are never touched.
#
# Install components, so that a prefix can hold the shared flavour, the static
# one, or both:
#   uvbev_common   headers, CMake config, pkg-config file
#   uvbev_shared   shared library, its import library / namelink, its targets file
#   uvbev_static   static library and its targets file
# `cmake --install` without --component installs everything that was built.
include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(UVBEV_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/uvbev
  CACHE STRING "Where uvbevConfig.cmake is installed, relative to the prefix")
set(UVBEV_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  CACHE STRING "Where uvbev.pc is installed, relative to the prefix")
set(_uvbev_incdir ${CMAKE_INSTALL_INCLUDEDIR}/uvbev)

# --- headers -------------------------------------------------------------------
# Directories are read at install time, so headers added later need no edit here.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/event2/
  DESTINATION ${_uvbev_incdir}/event2
  COMPONENT uvbev_common
  FILES_MATCHING PATTERN "*.h")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/uvbev/
  DESTINATION ${_uvbev_incdir}/uvbev
  COMPONENT uvbev_common
  FILES_MATCHING PATTERN "*.h")
install(FILES ${PROJECT_BINARY_DIR}/include/uvbev/uvbev-config.h
  DESTINATION ${_uvbev_incdir}/uvbev
  COMPONENT uvbev_common)
install(FILES ${PROJECT_BINARY_DIR}/include/event2/event-config.h
  DESTINATION ${_uvbev_incdir}/event2
  COMPONENT uvbev_common)
# The pre-2.0 top-level headers (event.h, evutil.h, ...), when present.
file(GLOB _uvbev_toplevel_headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/*.h)
if(_uvbev_toplevel_headers)
  install(FILES ${_uvbev_toplevel_headers} DESTINATION ${_uvbev_incdir} COMPONENT uvbev_common)
endif()

# --- libraries and their targets files -------------------------------------------
# One export set per flavour, each in its own file, so that a prefix holding
# only one flavour still loads.  The config includes the files that exist.
if(TARGET uvbev)
  set_target_properties(uvbev PROPERTIES EXPORT_NAME uvbev)
  install(TARGETS uvbev EXPORT uvbevSharedTargets
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT uvbev_shared
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT uvbev_shared
      NAMELINK_COMPONENT uvbev_shared
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT uvbev_shared)
  install(EXPORT uvbevSharedTargets
    NAMESPACE uvbev::
    FILE uvbevSharedTargets.cmake
    DESTINATION ${UVBEV_INSTALL_CMAKEDIR}
    COMPONENT uvbev_shared)
  if(MSVC)
    install(FILES $<TARGET_PDB_FILE:uvbev> DESTINATION ${CMAKE_INSTALL_BINDIR}
      COMPONENT uvbev_shared OPTIONAL)
  endif()
endif()
if(TARGET uvbev_static)
  set_target_properties(uvbev_static PROPERTIES EXPORT_NAME uvbev_static)
  install(TARGETS uvbev_static EXPORT uvbevStaticTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT uvbev_static)
  install(EXPORT uvbevStaticTargets
    NAMESPACE uvbev::
    FILE uvbevStaticTargets.cmake
    DESTINATION ${UVBEV_INSTALL_CMAKEDIR}
    COMPONENT uvbev_static)
endif()

# --- CMake package ---------------------------------------------------------------
# What the config must recreate before loading the targets files: the libuv
# interface target (however libuv was found here) and the optional dependencies.
set(UVBEV_CONFIG_WITH_OPENSSL ${UVBEV_WITH_OPENSSL})
set(UVBEV_CONFIG_WITH_ZLIB ${UVBEV_WITH_ZLIB})
set(UVBEV_CONFIG_LIBUV_STATIC ${UVBEV_LIBUV_STATIC})
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/uvbevConfig.cmake.in
  ${PROJECT_BINARY_DIR}/uvbevConfig.cmake
  INSTALL_DESTINATION ${UVBEV_INSTALL_CMAKEDIR}
  NO_SET_AND_CHECK_MACRO)
# 0.x releases may break the API at each minor version (the SOVERSION is
# major.minor for the same reason); from 1.0 on, the major version decides.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(_uvbev_compat SameMinorVersion)
else()
  set(_uvbev_compat SameMajorVersion)
endif()
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/uvbevConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY ${_uvbev_compat})
install(FILES
    ${PROJECT_BINARY_DIR}/uvbevConfig.cmake
    ${PROJECT_BINARY_DIR}/uvbevConfigVersion.cmake
    ${CMAKE_CURRENT_LIST_DIR}/UvbevFindLibuv.cmake
  DESTINATION ${UVBEV_INSTALL_CMAKEDIR}
  COMPONENT uvbev_common)

# --- pkg-config ------------------------------------------------------------------
# The .pc file locates the prefix from its own directory (${pcfiledir}), so an
# install moved elsewhere or made with `cmake --install --prefix` still works.
file(RELATIVE_PATH _uvbev_pc_to_prefix
  /uvbev_prefix/${UVBEV_INSTALL_PKGCONFIGDIR} /uvbev_prefix)
string(REGEX REPLACE "/$" "" _uvbev_pc_to_prefix "${_uvbev_pc_to_prefix}")
set(UVBEV_PC_PREFIX "\${pcfiledir}/${_uvbev_pc_to_prefix}")
set(UVBEV_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
set(UVBEV_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")

set(UVBEV_PC_REQUIRES_PRIVATE ${UVBEV_LIBUV_PC_MODULE})
if(UVBEV_WITH_OPENSSL)
  string(APPEND UVBEV_PC_REQUIRES_PRIVATE " libssl libcrypto")
endif()
if(UVBEV_WITH_ZLIB)
  string(APPEND UVBEV_PC_REQUIRES_PRIVATE " zlib")
endif()
set(UVBEV_PC_LIBS_PRIVATE "${CMAKE_THREAD_LIBS_INIT}")
set(UVBEV_PC_CFLAGS_PRIVATE "")
if(WIN32)
  string(APPEND UVBEV_PC_LIBS_PRIVATE " -lws2_32 -liphlpapi -luserenv")
  # The static library's declarations must not say dllimport.  pkgconf (the
  # pkg-config of MSYS2 and Debian) adds Cflags.private under --static;
  # freedesktop's pkg-config ignores it (pass -DUVBEV_STATIC yourself there).
  set(UVBEV_PC_CFLAGS_PRIVATE "-DUVBEV_STATIC")
endif()
string(STRIP "${UVBEV_PC_LIBS_PRIVATE}" UVBEV_PC_LIBS_PRIVATE)
# With only the static library built, its name may differ (MSVC: uvbev_static).
if(TARGET uvbev)
  set(UVBEV_PC_LIBNAME uvbev)
else()
  get_target_property(UVBEV_PC_LIBNAME uvbev_static OUTPUT_NAME)
  if(NOT UVBEV_PC_LIBNAME)
    set(UVBEV_PC_LIBNAME uvbev_static)
  endif()
  if(WIN32)
    set(UVBEV_PC_CFLAGS_EXTRA " -DUVBEV_STATIC")
  endif()
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/uvbev.pc.in ${PROJECT_BINARY_DIR}/uvbev.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/uvbev.pc
  DESTINATION ${UVBEV_INSTALL_PKGCONFIGDIR}
  COMPONENT uvbev_common)
