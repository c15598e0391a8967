/* Portable types and helpers (libevent 2.1's <event2/util.h>).
 * Functions are declared in the sections below the types. */
#ifndef UVBEV_EVENT2_UTIL_H_INCLUDED_
#define UVBEV_EVENT2_UTIL_H_INCLUDED_

#include <event2/visibility.h>
#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
#else
#include <sys/types.h>
#include <sys/time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netdb.h>
#include <unistd.h>
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

/* Socket errors.  EVUTIL_SOCKET_ERROR() is the last socket error of the calling
 * thread (errno on Unix, WSAGetLastError() on Windows); uvbev sets it from
 * libuv's error before an error callback, as libevent does from the OS. */
#ifdef _WIN32
#define EVUTIL_SOCKET_ERROR() WSAGetLastError()
#define EVUTIL_SET_SOCKET_ERROR(errcode)                                                           \
  do {                                                                                             \
    WSASetLastError(errcode);                                                                      \
  } while (0)
/* uvbev: typed as evutil_socket_t (signed), so that comparing an
 * evutil_socket_t with it does not warn; its value is INVALID_SOCKET's. */
#define EVUTIL_INVALID_SOCKET ((evutil_socket_t)INVALID_SOCKET)
#else
#include <errno.h>
#define EVUTIL_SOCKET_ERROR() (errno)
#define EVUTIL_SET_SOCKET_ERROR(errcode)                                                           \
  do {                                                                                             \
    errno = (errcode);                                                                             \
  } while (0)
#define EVUTIL_INVALID_SOCKET -1
#endif

/* The last socket error of sock (getsockopt SO_ERROR on Windows; on Unix the
 * thread's errno, as in libevent). */
UVBEV_API int evutil_socket_geterror(evutil_socket_t sock);
/* A human-readable description of a socket error code. The string stays valid
 * until the next call from the same thread (it may be a static buffer). */
UVBEV_API const char *evutil_socket_error_to_string(int errcode);

/* ---- sockets ---- */
/* Makes fd non-blocking.  Returns 0, or -1 on error. */
UVBEV_API int evutil_make_socket_nonblocking(evutil_socket_t sock);
/* Sets SO_REUSEADDR on a listening socket (a no-op on Windows, where it means
 * something else).  Returns 0, or -1 on error. */
UVBEV_API int evutil_make_listen_socket_reuseable(evutil_socket_t sock);
/* Sets SO_REUSEPORT where the platform has it.  Returns 0, or -1 on error
 * (also where unsupported). */
UVBEV_API int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock);
/* Sets close-on-exec (FD_CLOEXEC; a no-op on Windows).  Returns 0 or -1. */
UVBEV_API int evutil_make_socket_closeonexec(evutil_socket_t sock);
/* TCP_DEFER_ACCEPT where available.  Accepted: returns 0 (also where the
 * option does not exist), -1 only on a failed setsockopt. */
UVBEV_API int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock);
/* Closes a socket.  A socket accepted by a uvbev listener and not yet adopted
 * by a bufferevent is released through libuv (uvbev-specific: such a socket is
 * owned by a libuv handle).  Returns 0, or -1 on error. */
UVBEV_API int evutil_closesocket(evutil_socket_t sock);
#define EVUTIL_CLOSESOCKET(s) evutil_closesocket(s)
/* Creates a pair of connected sockets.  On Unix, socketpair(); on Windows
 * (family AF_INET or AF_UNIX) a connected loopback TCP pair.  Returns 0 and
 * fills sv[2], or -1. */
UVBEV_API int evutil_socketpair(int d, int type, int protocol, evutil_socket_t sv[2]);

/* ---- time ---- */
/* gettimeofday() for every platform.  tz must be NULL.  Returns 0 or -1. */
struct timezone;
UVBEV_API int evutil_gettimeofday(struct timeval *tv, struct timezone *tz);

#define evutil_timeradd(tvp, uvp, vvp)                                                             \
  do {                                                                                             \
    (vvp)->tv_sec = (tvp)->tv_sec + (uvp)->tv_sec;                                                 \
    (vvp)->tv_usec = (tvp)->tv_usec + (uvp)->tv_usec;                                              \
    if ((vvp)->tv_usec >= 1000000) {                                                               \
      (vvp)->tv_sec++;                                                                             \
      (vvp)->tv_usec -= 1000000;                                                                   \
    }                                                                                              \
  } while (0)
#define evutil_timersub(tvp, uvp, vvp)                                                             \
  do {                                                                                             \
    (vvp)->tv_sec = (tvp)->tv_sec - (uvp)->tv_sec;                                                 \
    (vvp)->tv_usec = (tvp)->tv_usec - (uvp)->tv_usec;                                              \
    if ((vvp)->tv_usec < 0) {                                                                      \
      (vvp)->tv_sec--;                                                                             \
      (vvp)->tv_usec += 1000000;                                                                   \
    }                                                                                              \
  } while (0)
#define evutil_timerclear(tvp) ((tvp)->tv_sec = (tvp)->tv_usec = 0)
#define evutil_timerisset(tvp) ((tvp)->tv_sec || (tvp)->tv_usec)
#define evutil_timercmp(tvp, uvp, cmp)                                                             \
  (((tvp)->tv_sec == (uvp)->tv_sec) ? ((tvp)->tv_usec cmp(uvp)->tv_usec)                           \
                                    : ((tvp)->tv_sec cmp(uvp)->tv_sec))

/* ---- strings and numbers ---- */
/* strtoll() for every platform. */
UVBEV_API ev_int64_t evutil_strtoll(const char *s, char **endptr, int base);
/* snprintf()/vsnprintf() that always NUL-terminate when buflen > 0 and
 * return the length the full output would have had (C99 semantics). */
UVBEV_API int evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
UVBEV_API int evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 0)))
#endif
    ;
/* Locale-independent ASCII case-insensitive comparisons. */
UVBEV_API int evutil_ascii_strcasecmp(const char *str1, const char *str2);
UVBEV_API int evutil_ascii_strncasecmp(const char *str1, const char *str2, size_t n);

#define evutil_offsetof(type, field) offsetof(type, field)
/* The structure that contains `ptr` as its member `field`. */
#define EVUTIL_UPCAST(ptr, type, field) ((type *)(((char *)(ptr)) - evutil_offsetof(type, field)))

/* ---- addresses ---- */
/* inet_ntop()/inet_pton() for every platform (AF_INET, AF_INET6). */
UVBEV_API const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len);
UVBEV_API int evutil_inet_pton(int af, const char *src, void *dst);
/* Parses "ip", "ip:port", "[ipv6]" or "[ipv6]:port" into out (at most
 * *outlen bytes; *outlen receives the size used).  Port 0 when absent.
 * Returns 0, or -1 on bad input. */
UVBEV_API int evutil_parse_sockaddr_port(const char *str, struct sockaddr *out, int *outlen);
/* Orders two addresses: by family, then address, then (if include_port)
 * port.  Returns <0, 0, >0. */
UVBEV_API int evutil_sockaddr_cmp(const struct sockaddr *sa1, const struct sockaddr *sa2,
                                  int include_port);

/* getaddrinfo.  uvbev always uses its own struct and constants (libevent's
 * portable fallback layout), so that user code compiled in strict C mode
 * (no struct addrinfo visible) and the library agree on every platform;
 * evutil_getaddrinfo translates to and from the platform's. */
struct evutil_addrinfo {
  int ai_flags;    /* EVUTIL_AI_* */
  int ai_family;   /* AF_* */
  int ai_socktype; /* SOCK_* */
  int ai_protocol; /* IPPROTO_* or 0 */
  size_t ai_addrlen;
  char *ai_canonname;
  struct sockaddr *ai_addr;
  struct evutil_addrinfo *ai_next;
};

#define EVUTIL_EAI_ADDRFAMILY -901
#define EVUTIL_EAI_AGAIN -902
#define EVUTIL_EAI_BADFLAGS -903
#define EVUTIL_EAI_FAIL -904
#define EVUTIL_EAI_FAMILY -905
#define EVUTIL_EAI_MEMORY -906
#define EVUTIL_EAI_NODATA -907
#define EVUTIL_EAI_NONAME -908
#define EVUTIL_EAI_SERVICE -909
#define EVUTIL_EAI_SOCKTYPE -910
#define EVUTIL_EAI_SYSTEM -911
#define EVUTIL_EAI_CANCEL -90001

#define EVUTIL_AI_PASSIVE 0x1000
#define EVUTIL_AI_CANONNAME 0x2000
#define EVUTIL_AI_NUMERICHOST 0x4000
#define EVUTIL_AI_NUMERICSERV 0x8000
#define EVUTIL_AI_V4MAPPED 0x10000
#define EVUTIL_AI_ALL 0x20000
#define EVUTIL_AI_ADDRCONFIG 0x40000

/* Synchronous (blocking) name resolution, the platform's getaddrinfo().
 * Returns 0 and sets *res (free with evutil_freeaddrinfo), or an
 * EVUTIL_EAI_* code.  NULL res or both nodename and servname NULL:
 * EVUTIL_EAI_NONAME. */
UVBEV_API int evutil_getaddrinfo(const char *nodename, const char *servname,
                                 const struct evutil_addrinfo *hints_in,
                                 struct evutil_addrinfo **res);
UVBEV_API void evutil_freeaddrinfo(struct evutil_addrinfo *ai);
/* Text for an EVUTIL_EAI_* code. */
UVBEV_API const char *evutil_gai_strerror(int err);

/* ---- randomness ---- */
/* Fills buf with n cryptographically strong random bytes (uv_random). */
UVBEV_API void evutil_secure_rng_get_bytes(void *buf, size_t n);
/* Seeding is done by the operating system: returns 0. */
UVBEV_API int evutil_secure_rng_init(void);
UVBEV_API int evutil_secure_rng_set_urandom_device_file(char *fname);
/* Accepted and ignored (the OS generator needs no extra entropy). */
UVBEV_API void evutil_secure_rng_add_bytes(const char *dat, size_t datlen);

#ifdef __cplusplus
}
#endif

#endif
