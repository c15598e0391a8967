# SPDX-License-Identifier: MIT
"""Conan 2 recipe for uvbev: libevent's buffered-I/O API on libuv.

    conan create . --build=missing                       # static, OpenSSL, zlib
    conan create . -o "uvbev/*:shared=True" --build=missing
    conan create . -o "uvbev/*:with_openssl=False" --build=missing

Consumers get find_package(uvbev CONFIG) with target uvbev::uvbev, and the
pkg-config module uvbev; both put <prefix>/include/uvbev on the include path,
so <event2/event.h> resolves to uvbev's header.
"""
import os

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, rmdir

required_conan_version = ">=2.0"


class UvbevConan(ConanFile):
    name = "uvbev"
    version = "0.1.0"
    description = ("libevent 2.1's buffered-I/O API (bufferevents, evbuffers, "
                   "listeners, DNS connect, TLS and zlib filters) on libuv")
    license = "MIT"
    topics = ("libevent", "libuv", "bufferevent", "networking", "asynchronous")
    package_type = "library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "shared": [True, False],
        "fPIC": [True, False],
        "with_openssl": [True, False],
        "with_zlib": [True, False],
    }
    default_options = {
        "shared": False,
        "fPIC": True,
        "with_openssl": True,
        "with_zlib": True,
    }
    exports_sources = (
        "CMakeLists.txt", "cmake/*", "include/*", "src/*", "tests/*",
        "examples/*", "LICENSE*", "ci/check-exports.sh",
    )

    def config_options(self):
        if self.settings.os == "Windows":
            del self.options.fPIC

    def configure(self):
        if self.options.shared:
            self.options.rm_safe("fPIC")
        # C library: the C++ settings do not matter.
        self.settings.rm_safe("compiler.cppstd")
        self.settings.rm_safe("compiler.libcxx")

    def layout(self):
        cmake_layout(self)

    def requirements(self):
        # uvbev/uvbev.h exposes uv_loop_t, bufferevent_ssl.h exposes SSL.
        self.requires("libuv/[>=1.44 <2]", transitive_headers=True)
        if self.options.with_openssl:
            self.requires("openssl/[>=1.1.1 <4]", transitive_headers=True)
        if self.options.with_zlib:
            self.requires("zlib/[>=1.2.11 <2]")

    def build_requirements(self):
        if self._build_tests:
            self.test_requires("cmocka/[>=1.1.5 <2]")

    @property
    def _build_tests(self):
        # The suite runs inside `conan create` unless tools.build:skip_test
        # is set; it then needs nothing outside Conan's graph (cmocka is a
        # test_requires, and the libevent oracle builds are off).
        return not self.conf.get("tools.build:skip_test", default=False, check_type=bool)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["UVBEV_BUILD_SHARED"] = bool(self.options.shared)
        tc.cache_variables["UVBEV_BUILD_STATIC"] = not self.options.shared
        tc.cache_variables["UVBEV_WITH_OPENSSL"] = bool(self.options.with_openssl)
        tc.cache_variables["UVBEV_WITH_ZLIB"] = bool(self.options.with_zlib)
        tc.cache_variables["UVBEV_BUILD_TESTS"] = self._build_tests
        tc.cache_variables["UVBEV_TEST_ORACLE"] = False
        # fPIC reaches CMake as CMAKE_POSITION_INDEPENDENT_CODE (CMakeToolchain),
        # which uvbev's static-only build follows.
        tc.cache_variables["UVBEV_BUILD_EXAMPLES"] = False
        tc.cache_variables["UVBEV_BUILD_BENCH"] = False
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()
        if self._build_tests:
            cmake.test()

    def package(self):
        copy(self, "LICENSE*", src=self.source_folder,
             dst=os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # Conan generates its own CMake and pkg-config files from package_info.
        rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "lib", "pkgconfig"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "uvbev")
        self.cpp_info.set_property("cmake_target_name", "uvbev::uvbev")
        self.cpp_info.set_property("pkg_config_name", "uvbev")
        self.cpp_info.includedirs = [os.path.join("include", "uvbev")]
        # A package holds one flavour, so the library is uvbev (.a, .lib or
        # the DLL's import library) with every toolchain, clang-cl included.
        self.cpp_info.libs = ["uvbev"]
        if not self.options.shared:
            self.cpp_info.defines = ["UVBEV_STATIC"]
            # As uvbev's own CMake package: uvbev::uvbev_static names the
            # static flavour explicitly.
            self.cpp_info.set_property("cmake_target_aliases", ["uvbev::uvbev_static"])
        self.cpp_info.requires = ["libuv::libuv"]
        if self.options.with_openssl:
            self.cpp_info.requires += ["openssl::ssl", "openssl::crypto"]
        if self.options.with_zlib:
            self.cpp_info.requires.append("zlib::zlib")
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
        elif self.settings.os == "Windows":
            self.cpp_info.system_libs = ["ws2_32", "iphlpapi", "userenv"]
