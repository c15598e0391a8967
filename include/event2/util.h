/* SPDX-License-Identifier: MIT */
/** @file
 * Portable types and helpers (libevent 2.1's <event2/util.h>).
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

typedef uint64_t ev_uint64_t;   /**< unsigned 64-bit integer */
typedef int64_t ev_int64_t;     /**< signed 64-bit integer */
typedef uint32_t ev_uint32_t;   /**< unsigned 32-bit integer */
typedef int32_t ev_int32_t;     /**< signed 32-bit integer */
typedef uint16_t ev_uint16_t;   /**< unsigned 16-bit integer */
typedef int16_t ev_int16_t;     /**< signed 16-bit integer */
typedef uint8_t ev_uint8_t;     /**< unsigned 8-bit integer */
typedef int8_t ev_int8_t;       /**< signed 8-bit integer */
typedef uintptr_t ev_uintptr_t; /**< unsigned integer that holds a pointer */
typedef intptr_t ev_intptr_t;   /**< signed integer that holds a pointer */

#ifdef _WIN32
typedef intptr_t evutil_socket_t;
typedef intptr_t ev_ssize_t;
typedef int64_t ev_off_t;
typedef int ev_socklen_t;
#else
/** A socket: an int file descriptor on Unix, a SOCKET (as intptr_t) on
 * Windows. */
typedef int evutil_socket_t;
/** Signed size: ssize_t on Unix, intptr_t on Windows. */
typedef ssize_t ev_ssize_t;
/** A file offset: off_t on Unix, a 64-bit integer on Windows. */
typedef off_t ev_off_t;
/** The length of a socket address: socklen_t on Unix, int on Windows. */
typedef socklen_t ev_socklen_t;
#endif

#define EV_UINT64_MAX UINT64_MAX /**< largest ev_uint64_t */
#define EV_INT64_MAX INT64_MAX   /**< largest ev_int64_t */
#define EV_INT64_MIN INT64_MIN   /**< smallest ev_int64_t */
#define EV_UINT32_MAX UINT32_MAX /**< largest ev_uint32_t */
#define EV_INT32_MAX INT32_MAX   /**< largest ev_int32_t */
#define EV_INT32_MIN INT32_MIN   /**< smallest ev_int32_t */
#define EV_UINT16_MAX UINT16_MAX /**< largest ev_uint16_t */
#define EV_INT16_MAX INT16_MAX   /**< largest ev_int16_t */
#define EV_INT16_MIN INT16_MIN   /**< smallest ev_int16_t */
#define EV_UINT8_MAX UINT8_MAX   /**< largest ev_uint8_t */
#define EV_INT8_MAX INT8_MAX     /**< largest ev_int8_t */
#define EV_INT8_MIN INT8_MIN     /**< smallest ev_int8_t */
#define EV_SIZE_MAX SIZE_MAX     /**< largest size_t */
#define EV_SSIZE_MAX ((ev_ssize_t)(SIZE_MAX >> 1)) /**< largest ev_ssize_t */
#define EV_SSIZE_MIN ((-EV_SSIZE_MAX) - 1)         /**< smallest ev_ssize_t */

/* ---- socket errors ------------------------------------------------------ */

/* uvbev sets the calling thread's socket error from libuv's error before it
 * reports BEV_EVENT_ERROR or an accept error, as libevent does from the OS. */
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
/** The last socket error of the calling thread: errno on Unix,
 * WSAGetLastError() on Windows. */
#define EVUTIL_SOCKET_ERROR() (errno)
/** Sets the calling thread's socket error (errno, or WSASetLastError()). */
#define EVUTIL_SET_SOCKET_ERROR(errcode)                                                           \
  do {                                                                                             \
    errno = (errcode);                                                                             \
  } while (0)
/** No socket: -1 on Unix, INVALID_SOCKET on Windows (there typed as a signed
 * evutil_socket_t, so that comparisons do not warn). */
#define EVUTIL_INVALID_SOCKET -1
#endif

/** The last socket error of sock (getsockopt SO_ERROR on Windows; on Unix the
 * thread's errno, as in libevent).
 * @param sock the socket
 * @return the error code */
UVBEV_API int evutil_socket_geterror(evutil_socket_t sock);
/** A human-readable description of a socket error code.
 * @param errcode an error code, as EVUTIL_SOCKET_ERROR() returns
 * @return the text; it stays valid until the next call from the same thread
 *   (it may be a static buffer) */
UVBEV_API const char *evutil_socket_error_to_string(int errcode);

/* ---- sockets ---- */
/** Makes fd non-blocking.  Returns 0, or -1 on error. */
UVBEV_API int evutil_make_socket_nonblocking(evutil_socket_t sock);
/** Sets SO_REUSEADDR on a listening socket (a no-op on Windows, where it means
 * something else).  Returns 0, or -1 on error. */
UVBEV_API int evutil_make_listen_socket_reuseable(evutil_socket_t sock);
/** Sets SO_REUSEPORT where the platform has it.  Returns 0, or -1 on error
 * (also where unsupported). */
UVBEV_API int evutil_make_listen_socket_reuseable_port(evutil_socket_t sock);
/**
 * Makes an IPv6 socket accept IPv6 only (IPV6_V6ONLY), so that an IPv4
 * socket can bind the same port; call it before bind().
 *
 * @param sock an AF_INET6 socket
 * @return 0, or -1 on error (not an IPv6 socket, bad descriptor, ...)
 */
UVBEV_API int evutil_make_listen_socket_ipv6only(evutil_socket_t sock);
/** Sets close-on-exec (FD_CLOEXEC; a no-op on Windows).  Returns 0 or -1. */
UVBEV_API int evutil_make_socket_closeonexec(evutil_socket_t sock);
/** TCP_DEFER_ACCEPT where available.  Accepted: returns 0 (also where the
 * option does not exist), -1 only on a failed setsockopt. */
UVBEV_API int evutil_make_tcp_listen_socket_deferred(evutil_socket_t sock);
/** Closes a socket.  A socket accepted by a uvbev listener and not yet adopted
 * by a bufferevent is released through libuv (uvbev-specific: such a socket is
 * owned by a libuv handle).  Returns 0, or -1 on error. */
UVBEV_API int evutil_closesocket(evutil_socket_t sock);
/** Old name of evutil_closesocket(). */
#define EVUTIL_CLOSESOCKET(s) evutil_closesocket(s)
/** Creates a pair of connected sockets.  On Unix, socketpair(); on Windows
 * (family AF_INET or AF_UNIX) a connected loopback TCP pair.  Returns 0 and
 * fills sv[2], or -1. */
UVBEV_API int evutil_socketpair(int d, int type, int protocol, evutil_socket_t sv[2]);

/* ---- time ---- */
struct timezone;
/** gettimeofday() for every platform.
 * @param tv receives the wall-clock time
 * @param tz must be NULL
 * @return 0, or -1 on error */
UVBEV_API int evutil_gettimeofday(struct timeval *tv, struct timezone *tz);

/** *vvp = *tvp + *uvp, for struct timevals (vvp may be tvp or uvp). */
#define evutil_timeradd(tvp, uvp, vvp)                                                             \
  do {                                                                                             \
    (vvp)->tv_sec = (tvp)->tv_sec + (uvp)->tv_sec;                                                 \
    (vvp)->tv_usec = (tvp)->tv_usec + (uvp)->tv_usec;                                              \
    if ((vvp)->tv_usec >= 1000000) {                                                               \
      (vvp)->tv_sec++;                                                                             \
      (vvp)->tv_usec -= 1000000;                                                                   \
    }                                                                                              \
  } while (0)
/** *vvp = *tvp - *uvp, for struct timevals (vvp may be tvp or uvp). */
#define evutil_timersub(tvp, uvp, vvp)                                                             \
  do {                                                                                             \
    (vvp)->tv_sec = (tvp)->tv_sec - (uvp)->tv_sec;                                                 \
    (vvp)->tv_usec = (tvp)->tv_usec - (uvp)->tv_usec;                                              \
    if ((vvp)->tv_usec < 0) {                                                                      \
      (vvp)->tv_sec--;                                                                             \
      (vvp)->tv_usec += 1000000;                                                                   \
    }                                                                                              \
  } while (0)
/**
 * A monotonic clock: never runs backwards, not tied to the calendar.  Opaque;
 * allocate one with evutil_monotonic_timer_new() and configure it with
 * evutil_configure_monotonic_time() before evutil_gettime_monotonic().
 */
struct evutil_monotonic_timer;
/** evutil_configure_monotonic_time() flag: the most precise clock there is. */
#define EV_MONOT_PRECISE 1
/** evutil_configure_monotonic_time() flag: the portable fallback, the
 * system's wall clock kept from running backwards. */
#define EV_MONOT_FALLBACK 2

/** Allocates a monotonic timer (NULL when out of memory).  Configure it with
 * evutil_configure_monotonic_time(); free it with
 * evutil_monotonic_timer_free(). */
UVBEV_API struct evutil_monotonic_timer *evutil_monotonic_timer_new(void);
/** Frees a timer from evutil_monotonic_timer_new() (NULL is ignored). */
UVBEV_API void evutil_monotonic_timer_free(struct evutil_monotonic_timer *timer);
/**
 * Chooses the clock of a timer and starts it.
 *
 * @param timer from evutil_monotonic_timer_new()
 * @param flags 0, EV_MONOT_PRECISE or EV_MONOT_FALLBACK (fallback wins)
 * @return 0, or -1 if timer is NULL
 */
UVBEV_API int evutil_configure_monotonic_time(struct evutil_monotonic_timer *timer, int flags);
/**
 * Reads a configured monotonic timer.  Successive readings never decrease;
 * their origin is arbitrary, so only differences mean something.  A timer
 * must not be read from two threads at once.
 *
 * @return 0 and *tp set, or -1 if timer or tp is NULL
 */
UVBEV_API int evutil_gettime_monotonic(struct evutil_monotonic_timer *timer, struct timeval *tp);

struct tm;
/**
 * Formats a date as RFC 1123 (HTTP's "Sun, 06 Nov 1994 08:49:37 GMT").
 *
 * @param date receives the NUL-terminated text, truncated to datelen - 1
 *   characters
 * @param datelen size of date
 * @param tm the date in UTC (NULL: now)
 * @return the length of the full text (29 for four-digit years; truncated
 *   if >= datelen), or -1 if tm holds an impossible weekday, month or year,
 *   or date is NULL with datelen > 0
 */
UVBEV_API int evutil_date_rfc1123(char *date, const size_t datelen, const struct tm *tm);

/** Sets a struct timeval to zero. */
#define evutil_timerclear(tvp) ((tvp)->tv_sec = (tvp)->tv_usec = 0)
/** Non-zero if a struct timeval is not zero. */
#define evutil_timerisset(tvp) ((tvp)->tv_sec || (tvp)->tv_usec)
/** Compares two normalised struct timevals with the operator cmp (<, ==,
 * >, ...): evutil_timercmp(a, b, <) is true when a is earlier than b. */
#define evutil_timercmp(tvp, uvp, cmp)                                                             \
  (((tvp)->tv_sec == (uvp)->tv_sec) ? ((tvp)->tv_usec cmp(uvp)->tv_usec)                           \
                                    : ((tvp)->tv_sec cmp(uvp)->tv_sec))

/* ---- strings and numbers ---- */
/** strtoll() for every platform.
 * @param s the text
 * @param endptr if not NULL, receives where parsing stopped
 * @param base the radix, as for strtoll()
 * @return the number */
UVBEV_API ev_int64_t evutil_strtoll(const char *s, char **endptr, int base);
/** snprintf() that always NUL-terminates when buflen > 0.
 * @param buf where to write
 * @param buflen the size of buf
 * @param format the printf format
 * @return the length the full output would have had (C99 semantics), or -1
 *   on error */
UVBEV_API int evutil_snprintf(char *buf, size_t buflen, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/** vsnprintf() that always NUL-terminates when buflen > 0.
 * @param buf where to write
 * @param buflen the size of buf
 * @param format the printf format
 * @param ap its arguments
 * @return the length the full output would have had, or -1 on error */
UVBEV_API int evutil_vsnprintf(char *buf, size_t buflen, const char *format, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 0)))
#endif
    ;
/** strcasecmp() that ignores the locale: only ASCII letters fold.
 * @return <0, 0 or >0, as strcmp() */
UVBEV_API int evutil_ascii_strcasecmp(const char *str1, const char *str2);
/** strncasecmp() that ignores the locale: compares at most n characters.
 * @return <0, 0 or >0, as strncmp() */
UVBEV_API int evutil_ascii_strncasecmp(const char *str1, const char *str2, size_t n);

/** offsetof(), under libevent's name. */
#define evutil_offsetof(type, field) offsetof(type, field)

/* ---- addresses ---- */
/** inet_ntop() for every platform: formats an AF_INET or AF_INET6 address.
 * @return dst, or NULL on error (unsupported family, dst too small) */
UVBEV_API const char *evutil_inet_ntop(int af, const void *src, char *dst, size_t len);
/** inet_pton() for every platform (AF_INET, AF_INET6).
 * @return 1 when src parsed, 0 when it is not an address (an IPv6 zone id
 *   "%eth0" included: see evutil_inet_pton_scope()), -1 for an unsupported
 *   family */
UVBEV_API int evutil_inet_pton(int af, const char *src, void *dst);
/**
 * evutil_inet_pton() that also accepts an IPv6 zone id: "fe80::1%eth0"
 * (an interface name) or "fe80::1%2" (an interface index).
 *
 * @param af AF_INET or AF_INET6
 * @param src the text
 * @param dst receives the address (struct in_addr or struct in6_addr)
 * @param indexp receives the zone's interface index (0 without a zone)
 * @return 1 when src parsed; 0 when it did not or names no interface of
 *   this host; -1 for an unsupported family
 */
UVBEV_API int evutil_inet_pton_scope(int af, const char *src, void *dst, unsigned *indexp);
/** Parses "ip", "ip:port", "[ipv6]" or "[ipv6]:port" into out (at most
 * *outlen bytes; *outlen receives the size used).  Port 0 when absent.  An
 * IPv6 address may carry a zone id ("[fe80::1%eth0]:80", see
 * evutil_inet_pton_scope()), which sets sin6_scope_id.
 * Returns 0, or -1 on bad input (an unknown zone included). */
UVBEV_API int evutil_parse_sockaddr_port(const char *str, struct sockaddr *out, int *outlen);
/** Orders two addresses: by family, then address, then (if include_port)
 * port.  Returns <0, 0, >0. */
UVBEV_API int evutil_sockaddr_cmp(const struct sockaddr *sa1, const struct sockaddr *sa2,
                                  int include_port);

/** getaddrinfo.
 *
 * struct evutil_addrinfo is the platform's struct addrinfo (on Windows
 * ws2tcpip's, which ADDRINFOA names too), exactly as in libevent: code may
 * pass a struct addrinfo to evutil_getaddrinfo() and hand its results to
 * freeaddrinfo() or to anything else that takes the platform's type.
 *
 * The EVUTIL_AI_* flags and EVUTIL_EAI_* codes are the platform's AI_* and
 * EAI_* values, so that they mix with code that uses those names and
 * gai_strerror() reads the codes.  Only a value the compiler cannot see
 * (strict ISO C mode hides <netdb.h>'s POSIX names; a platform without
 * EAI_ADDRFAMILY, ...) falls back to libevent's portable number.  Compile
 * code that uses them with POSIX visible (the compiler's default mode, or
 * _POSIX_C_SOURCE >= 200112L), as uvbev itself is: the fallback numbers are
 * not what the library returns. */
#define evutil_addrinfo addrinfo

/** @name evutil_getaddrinfo() error codes
 * Returned by evutil_getaddrinfo() and passed to evdns_getaddrinfo()
 * callbacks; 0 is success.  Each is the platform's EAI_* value of the same
 * name where the compiler sees one. */
/** @{ */
/** The host has no address of the requested family. */
#ifdef EAI_ADDRFAMILY
#define EVUTIL_EAI_ADDRFAMILY EAI_ADDRFAMILY
#else
#define EVUTIL_EAI_ADDRFAMILY -901
#endif
/** Temporary failure of name resolution: try again later. */
#ifdef EAI_AGAIN
#define EVUTIL_EAI_AGAIN EAI_AGAIN
#else
#define EVUTIL_EAI_AGAIN -902
#endif
/** Invalid ai_flags in the hints. */
#ifdef EAI_BADFLAGS
#define EVUTIL_EAI_BADFLAGS EAI_BADFLAGS
#else
#define EVUTIL_EAI_BADFLAGS -903
#endif
/** Permanent failure of name resolution. */
#ifdef EAI_FAIL
#define EVUTIL_EAI_FAIL EAI_FAIL
#else
#define EVUTIL_EAI_FAIL -904
#endif
/** The address family is not supported. */
#ifdef EAI_FAMILY
#define EVUTIL_EAI_FAMILY EAI_FAMILY
#else
#define EVUTIL_EAI_FAMILY -905
#endif
/** Out of memory. */
#ifdef EAI_MEMORY
#define EVUTIL_EAI_MEMORY EAI_MEMORY
#else
#define EVUTIL_EAI_MEMORY -906
#endif
/* Some Windows SDKs define EAI_NODATA as EAI_NONAME: keep the two apart. */
/** The name is known but has no address. */
#if defined(EAI_NODATA) && (!defined(EAI_NONAME) || EAI_NODATA != EAI_NONAME)
#define EVUTIL_EAI_NODATA EAI_NODATA
#else
#define EVUTIL_EAI_NODATA -907
#endif
/** The name or service is not known (also: both are NULL). */
#ifdef EAI_NONAME
#define EVUTIL_EAI_NONAME EAI_NONAME
#else
#define EVUTIL_EAI_NONAME -908
#endif
/** The service is not available for the socket type. */
#ifdef EAI_SERVICE
#define EVUTIL_EAI_SERVICE EAI_SERVICE
#else
#define EVUTIL_EAI_SERVICE -909
#endif
/** The socket type is not supported. */
#ifdef EAI_SOCKTYPE
#define EVUTIL_EAI_SOCKTYPE EAI_SOCKTYPE
#else
#define EVUTIL_EAI_SOCKTYPE -910
#endif
/** A system error: see errno. */
#ifdef EAI_SYSTEM
#define EVUTIL_EAI_SYSTEM EAI_SYSTEM
#else
#define EVUTIL_EAI_SYSTEM -911
#endif
/** A request cancelled before it finished (evdns_getaddrinfo_cancel()). */
#define EVUTIL_EAI_CANCEL -90001
/** @} */

/** @name evutil_getaddrinfo() hint flags
 * For the ai_flags of the hints; each is the platform's AI_* value of the
 * same name where the compiler sees one. */
/** @{ */
/** With a NULL nodename: the wildcard address, for bind(). */
#ifdef AI_PASSIVE
#define EVUTIL_AI_PASSIVE AI_PASSIVE
#else
#define EVUTIL_AI_PASSIVE 0x1000
#endif
/** Ask for the canonical name in the first result's ai_canonname. */
#ifdef AI_CANONNAME
#define EVUTIL_AI_CANONNAME AI_CANONNAME
#else
#define EVUTIL_AI_CANONNAME 0x2000
#endif
/** nodename must be a numeric address; no lookup is made. */
#ifdef AI_NUMERICHOST
#define EVUTIL_AI_NUMERICHOST AI_NUMERICHOST
#else
#define EVUTIL_AI_NUMERICHOST 0x4000
#endif
/** servname must be a port number; no service lookup is made. */
#ifdef AI_NUMERICSERV
#define EVUTIL_AI_NUMERICSERV AI_NUMERICSERV
#else
#define EVUTIL_AI_NUMERICSERV 0x8000
#endif
/** With AF_INET6 and no IPv6 address: IPv4-mapped IPv6 addresses. */
#ifdef AI_V4MAPPED
#define EVUTIL_AI_V4MAPPED AI_V4MAPPED
#else
#define EVUTIL_AI_V4MAPPED 0x10000
#endif
/** With EVUTIL_AI_V4MAPPED: IPv6 and IPv4-mapped addresses both. */
#ifdef AI_ALL
#define EVUTIL_AI_ALL AI_ALL
#else
#define EVUTIL_AI_ALL 0x20000
#endif
/** Only families for which the host has a configured address. */
#ifdef AI_ADDRCONFIG
#define EVUTIL_AI_ADDRCONFIG AI_ADDRCONFIG
#else
#define EVUTIL_AI_ADDRCONFIG 0x40000
#endif
/** @} */

/**
 * Resolves a name and/or service synchronously (it blocks): the platform's
 * getaddrinfo().  For a non-blocking lookup see evdns_getaddrinfo().
 *
 * @param nodename host name or numeric address (NULL: the local host, or
 *   the wildcard address with EVUTIL_AI_PASSIVE)
 * @param servname service name or port number (NULL: port 0)
 * @param hints_in family, socket type, protocol and EVUTIL_AI_* flags
 *   (NULL: anything); its other fields are ignored
 * @param res receives the list, to be released with evutil_freeaddrinfo()
 * @return 0, or an EVUTIL_EAI_* code (*res is then NULL); both names NULL:
 *   EVUTIL_EAI_NONAME
 */
UVBEV_API int evutil_getaddrinfo(const char *nodename, const char *servname,
                                 const struct evutil_addrinfo *hints_in,
                                 struct evutil_addrinfo **res);
/** Releases a list from evutil_getaddrinfo() or evdns_getaddrinfo() (the
 * platform's freeaddrinfo()).  NULL is ignored. */
UVBEV_API void evutil_freeaddrinfo(struct evutil_addrinfo *ai);
/** A description of an EVUTIL_EAI_* code (never NULL). */
UVBEV_API const char *evutil_gai_strerror(int err);

/* ---- randomness ---- */
/** Fills buf with n cryptographically strong random bytes (uv_random()).
 * @param buf where to write
 * @param n the number of bytes */
UVBEV_API void evutil_secure_rng_get_bytes(void *buf, size_t n);
/** Accepted: the operating system seeds its own generator.
 * @return 0 */
UVBEV_API int evutil_secure_rng_init(void);
/** Accepted: uvbev reads no device file, it uses the operating system's
 * generator.
 * @param fname a path (not used)
 * @return 0, or -1 for NULL */
UVBEV_API int evutil_secure_rng_set_urandom_device_file(char *fname);
/** Accepted and ignored (the OS generator needs no extra entropy). */
UVBEV_API void evutil_secure_rng_add_bytes(const char *dat, size_t datlen);

#ifdef __cplusplus
}
#endif

#endif
