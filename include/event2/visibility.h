/* SPDX-License-Identifier: MIT */
/** @file
 * Symbol visibility for uvbev's public functions.
 *
 * Every public function is declared with UVBEV_API.  uvbev is built with
 * hidden visibility, so only these are exported from the shared library (and
 * from a Windows DLL, without a .def file).  Users of the static library get
 * UVBEV_STATIC defined by the CMake target / pkg-config file. */
#ifndef UVBEV_EVENT2_VISIBILITY_H_INCLUDED_
#define UVBEV_EVENT2_VISIBILITY_H_INCLUDED_

/** Marks a public function for export: visibility("default") with GCC and
 * Clang, __declspec(dllexport) while building the Windows DLL,
 * __declspec(dllimport) when using it, nothing with UVBEV_STATIC. */
#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(UVBEV_STATIC)
#    define UVBEV_API
#  elif defined(UVBEV_BUILDING)
#    define UVBEV_API __declspec(dllexport)
#  else
#    define UVBEV_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define UVBEV_API __attribute__((visibility("default")))
#else
#  define UVBEV_API
#endif

/* libevent's own spellings, for code that uses them in its headers.  libevent
 * splits its API over several libraries (core, extra, openssl, pthreads) and
 * marks each library's functions with its own macro; uvbev is one library, so
 * every one of them means UVBEV_API. */
#ifndef EVENT2_EXPORT_SYMBOL
#  define EVENT2_EXPORT_SYMBOL UVBEV_API /**< libevent's export macro: UVBEV_API */
#endif
#ifndef EVENT2_CORE_EXPORT_SYMBOL
#  define EVENT2_CORE_EXPORT_SYMBOL UVBEV_API /**< libevent's export macro: UVBEV_API */
#endif
#ifndef EVENT2_EXTRA_EXPORT_SYMBOL
#  define EVENT2_EXTRA_EXPORT_SYMBOL UVBEV_API /**< libevent's export macro: UVBEV_API */
#endif
#ifndef EVENT2_OPENSSL_EXPORT_SYMBOL
#  define EVENT2_OPENSSL_EXPORT_SYMBOL UVBEV_API /**< libevent's export macro: UVBEV_API */
#endif
#ifndef EVENT2_MBEDTLS_EXPORT_SYMBOL
#  define EVENT2_MBEDTLS_EXPORT_SYMBOL UVBEV_API /**< libevent's export macro: UVBEV_API */
#endif
#ifndef EVENT2_PTHREADS_EXPORT_SYMBOL
#  define EVENT2_PTHREADS_EXPORT_SYMBOL UVBEV_API /**< libevent's export macro: UVBEV_API */
#endif

#endif
