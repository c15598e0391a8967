# SPDX-License-Identifier: MIT
# Test layout (a new test file needs no edit here):
#   tests/unit/test_NAME.c    -> unit_NAME, linked to the static library, may use
#                                internal headers (src/*) and uvbev extensions.
#   tests/compat/test_NAME.c  -> compat_NAME against uvbev (shared library, so
#                                only exported symbols are reachable) and, when
#                                libevent 2.1 is found, compat_NAME_libevent
#                                against libevent itself: the oracle.
#   tests/*/support/*.c       -> helpers compiled into every test of that folder;
#   tests/support/*.c         -> helpers compiled into every unit and compat test.
# A compat test whose name contains "ssl" also links OpenSSL (and
# libevent_openssl); one whose name contains "thread" links libevent_pthreads.
include_guard(GLOBAL)
include(UvbevFindCmocka)

# UVBEV_TEST_ORACLE=OFF keeps the suite self-contained (package builds):
# nothing is found outside the dependencies uvbev itself declares.
option(UVBEV_TEST_ORACLE "Also build the compat tests against the system's libevent 2.1" ON)
set(UVBEV_ORACLE_LIBEVENT_FOUND FALSE)
if(UVBEV_TEST_ORACLE)
  find_package(PkgConfig)
  if(PkgConfig_FOUND)
    pkg_check_modules(UVBEV_ORACLE_LIBEVENT IMPORTED_TARGET libevent>=2.1)
    pkg_check_modules(UVBEV_ORACLE_LIBEVENT_PTHREADS IMPORTED_TARGET libevent_pthreads>=2.1)
    pkg_check_modules(UVBEV_ORACLE_LIBEVENT_OPENSSL IMPORTED_TARGET libevent_openssl>=2.1)
  endif()
endif()
set(UVBEV_TEST_ORACLE_FOUND ${UVBEV_ORACLE_LIBEVENT_FOUND})
message(STATUS "uvbev: libevent oracle for compat tests: ${UVBEV_TEST_ORACLE_FOUND}")

set(UVBEV_TEST_ENV
  "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1"
  "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
  "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1"
  "UVBEV_SOURCE_DIR=${PROJECT_SOURCE_DIR}")

# A test that cannot run here (no IPv6 loopback, no gzip, a feature left out)
# exits with 77 and CTest reports it as skipped, never as passed.
set(UVBEV_TEST_SKIP_CODE 77)
function(uvbev_add_test name)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT 180 ENVIRONMENT "${UVBEV_TEST_ENV}"
    SKIP_RETURN_CODE ${UVBEV_TEST_SKIP_CODE} ${ARGN})
endfunction()

if(TARGET uvbev)
  set(UVBEV_COMPAT_LIB uvbev)
else()
  set(UVBEV_COMPAT_LIB uvbev_static)
endif()

file(GLOB _common_support CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/support/*.c)

# unit tests
file(GLOB _unit_support CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit/support/*.c)
list(APPEND _unit_support ${_common_support})
file(GLOB _unit_tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/unit/test_*.c)
foreach(_src IN LISTS _unit_tests)
  get_filename_component(_n ${_src} NAME_WE)
  string(REGEX REPLACE "^test_" "" _n ${_n})
  if((NOT UVBEV_WITH_OPENSSL AND _n MATCHES "ssl") OR (NOT UVBEV_WITH_ZLIB AND _n MATCHES "zlib"))
    continue()
  endif()
  add_executable(unit_${_n} ${_src} ${_unit_support})
  target_include_directories(unit_${_n} PRIVATE
    ${PROJECT_SOURCE_DIR}/src/core ${PROJECT_SOURCE_DIR}/src/backends
    ${PROJECT_SOURCE_DIR}/src/filters ${PROJECT_SOURCE_DIR}/src/platform
    ${PROJECT_SOURCE_DIR}/tests/unit/support
    ${PROJECT_SOURCE_DIR}/tests/support)
  target_compile_options(unit_${_n} PRIVATE ${UVBEV_WARNINGS})
  target_link_libraries(unit_${_n} PRIVATE uvbev_static uvbev_cmocka)
  # Internal headers change with it (struct bev_conn): as the library sees them.
  target_compile_definitions(unit_${_n} PRIVATE $<$<BOOL:${UVBEV_FAULT_INJECTION}>:UVBEV_FAULT_INJECTION>)
  uvbev_add_test(unit_${_n} LABELS unit)
endforeach()

# compat tests, twice
file(GLOB _compat_support CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/compat/support/*.c)
list(APPEND _compat_support ${_common_support})
file(GLOB _compat_tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/compat/test_*.c)
foreach(_src IN LISTS _compat_tests)
  get_filename_component(_n ${_src} NAME_WE)
  string(REGEX REPLACE "^test_" "" _n ${_n})
  if(NOT UVBEV_WITH_OPENSSL AND _n MATCHES "ssl")
    continue()
  endif()
  add_executable(compat_${_n} ${_src} ${_compat_support})
  target_include_directories(compat_${_n} PRIVATE ${PROJECT_SOURCE_DIR}/tests/compat/support
    ${PROJECT_SOURCE_DIR}/tests/support)
  target_compile_options(compat_${_n} PRIVATE ${UVBEV_WARNINGS})
  target_compile_definitions(compat_${_n} PRIVATE COMPAT_IMPL_NAME="uvbev")
  target_link_libraries(compat_${_n} PRIVATE ${UVBEV_COMPAT_LIB} uvbev_cmocka Threads::Threads)
  if(_n MATCHES "ssl")
    target_link_libraries(compat_${_n} PRIVATE OpenSSL::SSL OpenSSL::Crypto)
  endif()
  uvbev_add_test(compat_${_n} LABELS compat)

  if(UVBEV_TEST_ORACLE_FOUND)
    if(_n MATCHES "ssl" AND NOT UVBEV_ORACLE_LIBEVENT_OPENSSL_FOUND)
      continue()
    endif()
    # On Windows evthread_use_windows_threads is part of libevent itself.
    if(_n MATCHES "thread" AND NOT WIN32 AND NOT UVBEV_ORACLE_LIBEVENT_PTHREADS_FOUND)
      continue()
    endif()
    add_executable(compat_${_n}_libevent ${_src} ${_compat_support})
    target_include_directories(compat_${_n}_libevent PRIVATE ${PROJECT_SOURCE_DIR}/tests/compat/support
      ${PROJECT_SOURCE_DIR}/tests/support)
    target_compile_options(compat_${_n}_libevent PRIVATE ${UVBEV_WARNINGS})
    target_compile_definitions(compat_${_n}_libevent PRIVATE COMPAT_IMPL_NAME="libevent")
    # libevent.pc names Winsock only for static links; the tests call it too.
    target_link_libraries(compat_${_n}_libevent PRIVATE PkgConfig::UVBEV_ORACLE_LIBEVENT uvbev_cmocka Threads::Threads
      $<$<BOOL:${WIN32}>:ws2_32>)
    if(_n MATCHES "ssl")
      target_link_libraries(compat_${_n}_libevent PRIVATE PkgConfig::UVBEV_ORACLE_LIBEVENT_OPENSSL OpenSSL::SSL OpenSSL::Crypto)
    endif()
    if(_n MATCHES "thread" AND NOT WIN32)
      target_link_libraries(compat_${_n}_libevent PRIVATE PkgConfig::UVBEV_ORACLE_LIBEVENT_PTHREADS)
    endif()
    uvbev_add_test(compat_${_n}_libevent LABELS oracle)
  endif()
endforeach()

# scripted tests: tests/scripts/test_*.sh run with the build dir as $1
file(GLOB _script_tests CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/scripts/test_*.sh)
foreach(_src IN LISTS _script_tests)
  get_filename_component(_n ${_src} NAME_WE)
  string(REGEX REPLACE "^test_" "" _n ${_n})
  add_test(NAME script_${_n} COMMAND bash ${_src} ${PROJECT_BINARY_DIR})
  set_tests_properties(script_${_n} PROPERTIES TIMEOUT 300 ENVIRONMENT "${UVBEV_TEST_ENV}" LABELS script
    SKIP_RETURN_CODE ${UVBEV_TEST_SKIP_CODE})
endforeach()
