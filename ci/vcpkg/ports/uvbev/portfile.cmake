# vcpkg port of uvbev, used as an overlay port from uvbev's own tree:
#   vcpkg install uvbev --overlay-ports=<uvbev>/ci/vcpkg/ports
#   vcpkg install "uvbev[core]" --overlay-ports=...      (no OpenSSL, no zlib)
# The source is the tree this port sits in (ci/vcpkg/ports/uvbev -> top).  A
# registry copy of this port would fetch a release instead, e.g.
#   vcpkg_from_github(OUT_SOURCE_PATH SOURCE_PATH REPO <owner>/uvbev REF v${VERSION} SHA512 ...)
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../../.." ABSOLUTE)
if(NOT EXISTS "${SOURCE_PATH}/cmake/UvbevInstall.cmake")
  message(FATAL_ERROR "uvbev overlay port: no uvbev source tree at ${SOURCE_PATH}")
endif()

vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
  FEATURES
    openssl UVBEV_WITH_OPENSSL
    zlib    UVBEV_WITH_ZLIB)

string(COMPARE EQUAL "${VCPKG_LIBRARY_LINKAGE}" "dynamic" UVBEV_SHARED)
string(COMPARE EQUAL "${VCPKG_LIBRARY_LINKAGE}" "static" UVBEV_STATIC)
string(COMPARE EQUAL "${VCPKG_LIBRARY_LINKAGE}" "static" UVBEV_LIBUV_STATIC)

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    ${FEATURE_OPTIONS}
    -DUVBEV_BUILD_SHARED=${UVBEV_SHARED}
    -DUVBEV_BUILD_STATIC=${UVBEV_STATIC}
    -DUVBEV_LIBUV_STATIC=${UVBEV_LIBUV_STATIC}
    -DUVBEV_BUILD_TESTS=OFF
    -DUVBEV_BUILD_EXAMPLES=OFF
    -DUVBEV_BUILD_BENCH=OFF
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME uvbev CONFIG_PATH lib/cmake/uvbev)
vcpkg_fixup_pkgconfig()

file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug/include" "${CURRENT_PACKAGES_DIR}/debug/share")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
if(EXISTS "${SOURCE_PATH}/LICENSE")
  vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
else()
  file(WRITE "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright"
    "uvbev ${VERSION}: see the license stated in the uvbev source tree.\n")
endif()
