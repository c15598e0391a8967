/* The few platform differences of uvbev, kept here so that no other file needs
 * #ifdef _WIN32: socket error codes, closing sockets, the one translation
 * of libuv's negative error codes into the platform's socket errors, signal
 * dispositions and the process id (fork detection). */
#ifndef UVBEV_COMPAT_INTERNAL_H_
#define UVBEV_COMPAT_INTERNAL_H_

#include <signal.h>
#include <uv.h>
#include "event2/util.h"

/* The platform socket error (errno value on Unix, WSA* code on Windows) that
 * corresponds to a libuv error code (negative).  The only such translation. */
int uvbev_socket_error_from_uv_(int uv_err);

/* Sets EVUTIL_SOCKET_ERROR() from a libuv error code, so that an event callback
 * that sees BEV_EVENT_ERROR can read the cause. */
void uvbev_set_socket_error_from_uv_(int uv_err);

/* The libuv error code (negative) for a platform socket error. */
int uvbev_uv_error_from_socket_error_(int sock_err);

/* Closes a socket without consulting the accepted-handle registry. */
int uvbev_closesocket_raw_(evutil_socket_t fd);

/* libuv's backend on this platform: "epoll", "kqueue", "iocp", ... */
const char *uvbev_backend_name_(void);

/* ---- signals and processes ------------------------------------------------ */

/* Signal numbers are below this. */
#define UVBEV_NSIG NSIG

/* A signal's disposition as uvbev found it: sigaction on Unix, the C
 * runtime's handler on Windows. */
struct uvbev_sigsave {
#ifdef _WIN32
  void (*handler)(int);
#else
  struct sigaction action;
#endif
};

/* Installs handler for signum and saves the disposition it replaces in *old.
 * Returns 0, or -1 (errno set) for a signal that cannot be caught. */
int uvbev_sig_install_(int signum, void (*handler)(int), struct uvbev_sigsave *old);

/* Puts back a disposition saved by uvbev_sig_install_. */
void uvbev_sig_restore_(int signum, const struct uvbev_sigsave *old);

/* Called first by the handler: Windows' C runtime resets a signal to SIG_DFL
 * before calling its handler, so it is installed again; a no-op on Unix. */
void uvbev_sig_rearm_(int signum, void (*handler)(int));

/* This process's id; async-signal-safe.  A base compares it with the id it
 * recorded to learn that it runs in a child after fork().  Constant on
 * Windows, which has no fork. */
long uvbev_process_id_(void);

/* uv_os_sock_t <-> evutil_socket_t, without casts spread around. */
#define UVBEV_SOCK_TO_UV(fd) ((uv_os_sock_t)(fd))
#define UVBEV_SOCK_FROM_UV(s) ((evutil_socket_t)(s))

#endif
