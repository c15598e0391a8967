# SPDX-License-Identifier: MIT
# Finds libuv however it was installed and defines the imported target
# uvbev_libuv (an INTERFACE alias onto whatever was found):
#   - vcpkg / Conan / upstream >= 1.45: CMake package, targets libuv::uv, libuv::uv_a
#   - upstream 1.44: CMake package with bare targets uv, uv_a
#   - Debian (no CMake package): pkg-config module libuv (or libuv-static)
# UVBEV_LIBUV_STATIC prefers the static flavour where both exist.
# Sets UVBEV_LIBUV_PC_MODULE to the pkg-config module of the flavour found
# (libuv or libuv-static: a static libuv installs only libuv-static.pc), which
# uvbev.pc names in Requires.private.
include_guard(GLOBAL)

option(UVBEV_LIBUV_STATIC "Prefer a static libuv when both flavours exist" OFF)

if(NOT TARGET uvbev_libuv)
  set(_uvbev_uv_target "")
  find_package(libuv CONFIG QUIET)
  if(libuv_FOUND)
    if(UVBEV_LIBUV_STATIC)
      set(_uvbev_uv_candidates libuv::uv_a uv_a libuv::uv uv)
    else()
      set(_uvbev_uv_candidates libuv::uv uv libuv::uv_a uv_a)
    endif()
    foreach(_t IN LISTS _uvbev_uv_candidates)
      if(TARGET ${_t})
        set(_uvbev_uv_target ${_t})
        break()
      endif()
    endforeach()
  endif()

  add_library(uvbev_libuv INTERFACE IMPORTED GLOBAL)
  if(_uvbev_uv_target)
    set_target_properties(uvbev_libuv PROPERTIES INTERFACE_LINK_LIBRARIES ${_uvbev_uv_target})
    set(UVBEV_LIBUV_SOURCE "cmake:${_uvbev_uv_target}")
    get_target_property(_uvbev_uv_type ${_uvbev_uv_target} TYPE)
    if(_uvbev_uv_target MATCHES "uv_a$" OR _uvbev_uv_type STREQUAL "STATIC_LIBRARY")
      set(UVBEV_LIBUV_PC_MODULE libuv-static CACHE INTERNAL "")
    else()
      set(UVBEV_LIBUV_PC_MODULE libuv CACHE INTERNAL "")
    endif()
  else()
    find_package(PkgConfig REQUIRED)
    if(UVBEV_LIBUV_STATIC)
      pkg_check_modules(UVBEV_PC_LIBUV REQUIRED IMPORTED_TARGET libuv-static)
      set(UVBEV_LIBUV_PC_MODULE libuv-static CACHE INTERNAL "")
    else()
      pkg_check_modules(UVBEV_PC_LIBUV REQUIRED IMPORTED_TARGET libuv>=1.44)
      set(UVBEV_LIBUV_PC_MODULE libuv CACHE INTERNAL "")
    endif()
    set_target_properties(uvbev_libuv PROPERTIES INTERFACE_LINK_LIBRARIES PkgConfig::UVBEV_PC_LIBUV)
    set(UVBEV_LIBUV_SOURCE "pkg-config")
  endif()
  message(STATUS "uvbev: libuv from ${UVBEV_LIBUV_SOURCE}")
endif()
