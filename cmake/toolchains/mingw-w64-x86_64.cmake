# SPDX-License-Identifier: MIT
# Cross-compiling for 64-bit Windows with MinGW-w64 (Debian: gcc-mingw-w64-x86-64).
# Used by ci/cross-windows.sh:
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake
# Libraries built for the target (libuv, cmocka) are found through
# CMAKE_PREFIX_PATH / CMAKE_FIND_ROOT_PATH; Debian's mingw zlib lives in the
# compiler's own sysroot.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(UVBEV_MINGW_TRIPLE x86_64-w64-mingw32 CACHE STRING "MinGW-w64 target triple")
set(CMAKE_C_COMPILER ${UVBEV_MINGW_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${UVBEV_MINGW_TRIPLE}-g++)
set(CMAKE_RC_COMPILER ${UVBEV_MINGW_TRIPLE}-windres)

# Search headers and libraries only in the target's roots, programs only on the
# build machine.  CMAKE_PREFIX_PATH entries are re-rooted under these, so the
# cross prefix is listed here too (ci/cross-windows.sh passes it).
list(APPEND CMAKE_FIND_ROOT_PATH /usr/${UVBEV_MINGW_TRIPLE})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# No libgcc DLL to ship beside every test executable.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-static-libgcc")
set(CMAKE_MODULE_LINKER_FLAGS_INIT "-static-libgcc")

# Run cross-built programs (try_run, ctest) under wine when it is there.
find_program(UVBEV_WINE NAMES wine64 wine PATHS /usr/lib/wine NO_CMAKE_FIND_ROOT_PATH)
if(UVBEV_WINE)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${UVBEV_WINE})
endif()
