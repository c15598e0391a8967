/* Symbol visibility for uvbev's public functions.
 *
 * Every public function is declared with UVBEV_API.  uvbev is built with
 * hidden visibility, so only these are exported from the shared library (and
 * from a Windows DLL, without a .def file).  Users of the static library get
 * UVBEV_STATIC defined by the CMake target / pkg-config file. */
#ifndef UVBEV_EVENT2_VISIBILITY_H_INCLUDED_
#define UVBEV_EVENT2_VISIBILITY_H_INCLUDED_

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

/* libevent's own spelling, for code that uses it in its headers. */
#ifndef EVENT2_EXPORT_SYMBOL
#  define EVENT2_EXPORT_SYMBOL UVBEV_API
#endif

#endif
