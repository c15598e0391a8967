# SPDX-License-Identifier: MIT
# Fuzz targets and the soak program (tests/fuzz, tests/soak; see README,
# "Reliability").
#   tests/fuzz/fuzz_NAME.c -> fuzz_NAME_replay, a plain program that feeds every
#       file of the generated seed corpus and of tests/fuzz/regressions/NAME/ to
#       the target once: the test fuzz_NAME of every build (GCC included).
#   With UVBEV_FUZZ=ON (clang) also fuzz_NAME, the libFuzzer program that
#       ci/fuzz.sh runs.
#   tests/soak/soak.c -> soak (run by ci/soak.sh, and briefly as test soak_short).
include_guard(GLOBAL)
option(UVBEV_FUZZ "Also build the libFuzzer targets (clang only)" OFF)

if(MSVC)
  return() # the replay program reads directories with <dirent.h>
endif()

set(_fuzz_dir ${PROJECT_SOURCE_DIR}/tests/fuzz)
set(_fuzz_corpus ${PROJECT_BINARY_DIR}/fuzz-corpus)
# The seed corpus is generated, never committed: a test fixture makes it.
add_test(NAME fuzz_corpus COMMAND sh ${_fuzz_dir}/make-corpus.sh ${_fuzz_corpus})
set_tests_properties(fuzz_corpus PROPERTIES FIXTURES_SETUP fuzz_corpus LABELS fuzz)

set(_fuzz_unbuilt)
if(NOT UVBEV_WITH_OPENSSL)
  list(APPEND _fuzz_unbuilt tls)
endif()
if(NOT UVBEV_WITH_ZLIB)
  list(APPEND _fuzz_unbuilt zlib)
endif()
file(GLOB _fuzz_targets CONFIGURE_DEPENDS ${_fuzz_dir}/fuzz_*.c)
foreach(_src IN LISTS _fuzz_targets)
  get_filename_component(_n ${_src} NAME_WE)
  string(REGEX REPLACE "^fuzz_" "" _n ${_n})
  if(_n IN_LIST _fuzz_unbuilt)
    continue()
  endif()
  set(_srcs ${_src} ${_fuzz_dir}/fuzz-check.c ${PROJECT_SOURCE_DIR}/tests/support/byte_model.c)
  set(_kinds replay)
  if(UVBEV_FUZZ)
    list(APPEND _kinds libfuzzer)
  endif()
  foreach(_kind IN LISTS _kinds)
    if(_kind STREQUAL "replay")
      set(_exe fuzz_${_n}_replay)
      add_executable(${_exe} ${_srcs} ${_fuzz_dir}/replay_main.c)
    else()
      set(_exe fuzz_${_n})
      add_executable(${_exe} ${_srcs})
      target_compile_options(${_exe} PRIVATE -fsanitize=fuzzer)
      target_link_options(${_exe} PRIVATE -fsanitize=fuzzer)
    endif()
    target_include_directories(${_exe} PRIVATE ${_fuzz_dir} ${PROJECT_SOURCE_DIR}/tests/support
      ${PROJECT_SOURCE_DIR}/tests/compat)
    target_compile_options(${_exe} PRIVATE ${UVBEV_WARNINGS})
    target_link_libraries(${_exe} PRIVATE uvbev_static)
  endforeach()
  add_test(NAME fuzz_${_n} COMMAND fuzz_${_n}_replay ${_fuzz_corpus}/${_n} ${_fuzz_dir}/regressions/${_n})
  set_tests_properties(fuzz_${_n} PROPERTIES TIMEOUT 300 ENVIRONMENT "${UVBEV_TEST_ENV}"
    FIXTURES_REQUIRED fuzz_corpus LABELS fuzz)
endforeach()

# The soak program: ci/soak.sh runs it in full under ASan; every build runs a
# short one (soak_short) so that it cannot rot.
if(UVBEV_WITH_OPENSSL AND UVBEV_WITH_ZLIB AND NOT WIN32)
  add_executable(soak ${PROJECT_SOURCE_DIR}/tests/soak/soak.c)
  target_include_directories(soak PRIVATE ${PROJECT_SOURCE_DIR}/tests/compat)
  target_compile_options(soak PRIVATE ${UVBEV_WARNINGS})
  target_link_libraries(soak PRIVATE uvbev_static OpenSSL::SSL OpenSSL::Crypto)
  add_test(NAME soak_short COMMAND soak -n 60 -c 20 -b 65536 -t 60)
  set_tests_properties(soak_short PROPERTIES TIMEOUT 120 ENVIRONMENT "${UVBEV_TEST_ENV}" LABELS soak)
endif()

# Allocation failure (tests/alloc/alloc_fail.c): every allocation of a client
# and server scenario failed in turn, in a fresh fork()ed process each time
# (skipped, exit 77, on Windows).  It links the static library to reach
# mm-internal.h (its marking layer between libuv and mm.c).
if(NOT WIN32)
  add_executable(alloc_fail ${PROJECT_SOURCE_DIR}/tests/alloc/alloc_fail.c)
  target_include_directories(alloc_fail PRIVATE ${PROJECT_SOURCE_DIR}/src/core
    ${PROJECT_SOURCE_DIR}/tests/compat)
  target_compile_options(alloc_fail PRIVATE ${UVBEV_WARNINGS})
  target_link_libraries(alloc_fail PRIVATE uvbev_static)
  if(UVBEV_WITH_ZLIB)
    target_compile_definitions(alloc_fail PRIVATE UVBEV_ALLOC_FAIL_ZLIB)
  endif()
  if(UVBEV_WITH_OPENSSL)
    target_compile_definitions(alloc_fail PRIVATE UVBEV_ALLOC_FAIL_TLS)
    target_link_libraries(alloc_fail PRIVATE OpenSSL::SSL OpenSSL::Crypto)
  endif()
  add_test(NAME alloc_fail COMMAND alloc_fail)
  set_tests_properties(alloc_fail PROPERTIES TIMEOUT 300 ENVIRONMENT "${UVBEV_TEST_ENV}"
    SKIP_RETURN_CODE ${UVBEV_TEST_SKIP_CODE} LABELS alloc)
endif()
