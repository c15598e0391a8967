/* Portable types and helpers (libevent 2.1's <event2/util.h>).
 * Functions are declared in the sections below the types. */
#ifndef UVBEV_EVENT2_UTIL_H_INCLUDED_
#define UVBEV_EVENT2_UTIL_H_INCLUDED_

#include <event2/visibility.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifdef _WIN32
#  include <winsock2.h>
#  include <ws2tcpip.h>
#else
#  include <sys/types.h>
#  include <sys/time.h>
#  include <sys/socket.h>
#  include <netinet/in.h>
#  include <netdb.h>
#  include <unistd.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- types ------------------------------------------------------------ */

typedef uint64_t ev_uint64_t;
typedef int64_t ev_int64_t;
typedef uint32_t ev_uint32_t;
typedef int32_t ev_int32_t;
typedef uint16_t ev_uint16_t;
typedef int16_t ev_int16_t;
typedef uint8_t ev_uint8_t;
typedef int8_t ev_int8_t;
typedef uintptr_t ev_uintptr_t;
typedef intptr_t ev_intptr_t;

#ifdef _WIN32
typedef intptr_t evutil_socket_t;
typedef intptr_t ev_ssize_t;
typedef int64_t ev_off_t;
typedef int ev_socklen_t;
#else
typedef int evutil_socket_t;
typedef ssize_t ev_ssize_t;
typedef off_t ev_off_t;
typedef socklen_t ev_socklen_t;
#endif
typedef ev_socklen_t evutil_socklen_t; /* not in libevent 2.1; kept internal-friendly */

#define EV_UINT64_MAX UINT64_MAX
#define EV_INT64_MAX INT64_MAX
#define EV_INT64_MIN INT64_MIN
#define EV_UINT32_MAX UINT32_MAX
#define EV_INT32_MAX INT32_MAX
#define EV_INT32_MIN INT32_MIN
#define EV_UINT16_MAX UINT16_MAX
#define EV_INT16_MAX INT16_MAX
#define EV_INT16_MIN INT16_MIN
#define EV_UINT8_MAX UINT8_MAX
#define EV_INT8_MAX INT8_MAX
#define EV_INT8_MIN INT8_MIN
#define EV_SIZE_MAX SIZE_MAX
#define EV_SSIZE_MAX ((ev_ssize_t)(SIZE_MAX >> 1))
#define EV_SSIZE_MIN ((-EV_SSIZE_MAX) - 1)

/* ---- functions: added by the event-loop work (issue 2) ---------------- */

#ifdef __cplusplus
}
#endif

#endif
