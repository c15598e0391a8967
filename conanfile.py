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
from conan.tools.microsoft import is_msvc

required_conan_version = ">=2.0"


class UvbevConan(ConanFile):
    name = "uvbev"
    version = "0.1.0"
    description = ("libevent 2.1's buffered-I/O API (bufferevents, evbuffers, "
                   "listeners, DNS connect, TLS and zlib filters) on libuv")
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
        "examples/*", "LICENSE*",
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
        self.test_requires("cmocka/[>=1.1.5 <2]")

    @property
    def _build_tests(self):
        return not self.conf.get("tools.build:skip_test", default=False, check_type=bool)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["UVBEV_BUILD_SHARED"] = bool(self.options.shared)
        tc.cache_variables["UVBEV_BUILD_STATIC"] = not self.options.shared
        tc.cache_variables["UVBEV_WITH_OPENSSL"] = bool(self.options.with_openssl)
        tc.cache_variables["UVBEV_WITH_ZLIB"] = bool(self.options.with_zlib)
        tc.cache_variables["UVBEV_BUILD_TESTS"] = self._build_tests
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
        # MSVC names the static library uvbev_static.lib (uvbev.lib is the
        # DLL's import library); every other toolchain calls both uvbev.
        static_msvc = is_msvc(self) and not self.options.shared
        self.cpp_info.libs = ["uvbev_static" if static_msvc else "uvbev"]
        if not self.options.shared:
            self.cpp_info.defines = ["UVBEV_STATIC"]
        self.cpp_info.requires = ["libuv::libuv"]
        if self.options.with_openssl:
            self.cpp_info.requires += ["openssl::ssl", "openssl::crypto"]
        if self.options.with_zlib:
            self.cpp_info.requires.append("zlib::zlib")
        if self.settings.os in ("Linux", "FreeBSD"):
            self.cpp_info.system_libs = ["pthread"]
        elif self.settings.os == "Windows":
            self.cpp_info.system_libs = ["ws2_32", "iphlpapi", "userenv"]
