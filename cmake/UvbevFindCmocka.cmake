# SPDX-License-Identifier: MIT
# cmocka 1.1.6+ (vcpkg, Conan) exports cmocka::cmocka; Debian's 1.1.5 exports
# only CMOCKA_LIBRARIES/CMOCKA_INCLUDE_DIR (and a pkg-config file).
# Defines the imported target uvbev_cmocka.
include_guard(GLOBAL)
if(NOT TARGET uvbev_cmocka)
  add_library(uvbev_cmocka INTERFACE IMPORTED GLOBAL)
  find_package(cmocka CONFIG QUIET)
  if(TARGET cmocka::cmocka)
    set_target_properties(uvbev_cmocka PROPERTIES INTERFACE_LINK_LIBRARIES cmocka::cmocka)
  elseif(CMOCKA_LIBRARIES OR CMOCKA_LIBRARY)
    if(NOT CMOCKA_LIBRARIES)
      set(CMOCKA_LIBRARIES ${CMOCKA_LIBRARY})
    endif()
    set_target_properties(uvbev_cmocka PROPERTIES
      INTERFACE_LINK_LIBRARIES "${CMOCKA_LIBRARIES}"
      INTERFACE_INCLUDE_DIRECTORIES "${CMOCKA_INCLUDE_DIR}")
  else()
    find_package(PkgConfig REQUIRED)
    pkg_check_modules(UVBEV_PC_CMOCKA REQUIRED IMPORTED_TARGET cmocka)
    set_target_properties(uvbev_cmocka PROPERTIES INTERFACE_LINK_LIBRARIES PkgConfig::UVBEV_PC_CMOCKA)
  endif()
endif()
