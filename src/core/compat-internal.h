/* SPDX-License-Identifier: MIT */
/* The few platform differences of uvbev, kept here so that no other file needs
 * #ifdef _WIN32: socket error codes, closing sockets, the one translation
 * of libuv's negative error codes into the platform's socket errors, signal
 * dispositions and the process id (fork detection). */
#ifndef UVBEV_COMPAT_INTERNAL_H_
#define UVBEV_COMPAT_INTERNAL_H_

#include <time.h>
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

/* The index of the network interface called name (if_nametoindex), 0 when
 * there is none. */
unsigned uvbev_if_nametoindex_(const char *name);

/* Breaks t down as UTC into *out (gmtime_r).  Returns 0, or -1. */
struct tm;
int uvbev_gmtime_(time_t t, struct tm *out);

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

/* The methods event_get_supported_methods() lists, NULL-terminated: the
 * backend, then "poll" (the same backend; see event.h) unless the backend
 * is poll itself.  Static, never written. */
const char **uvbev_methods_(void);

/* uv_os_sock_t <-> evutil_socket_t, without casts spread around. */
#define UVBEV_SOCK_TO_UV(fd) ((uv_os_sock_t)(fd))
#define UVBEV_SOCK_FROM_UV(s) ((evutil_socket_t)(s))

/* ---- descriptors (fd_os.c) ---- */

/* What a descriptor handed to libevent's API is, which decides how uvbev
 * watches it (libuv aborts when its poller refuses a descriptor, so a
 * descriptor goes only where it can be watched). */
enum uvbev_fd_kind {
  UVBEV_FD_INVALID,  /* not an open descriptor */
  UVBEV_FD_TCP,      /* a TCP socket (every socket on Windows): uv_tcp_t */
  UVBEV_FD_LOCAL,    /* an AF_UNIX stream socket, a pipe or a FIFO: uv_pipe_t */
  UVBEV_FD_POLLABLE, /* a tty or pty, another socket, a device: uv_poll_t,
                        or always ready if the poller refuses it */
  UVBEV_FD_FILE      /* a regular file (or directory, block device): always
                        ready, as libevent's poll backend reports it */
};

enum uvbev_fd_kind uvbev_fd_kind_(evutil_socket_t fd);

/* Non-zero when uv_poll_init failed with uv_err because the platform's poller
 * cannot watch that kind of descriptor (epoll: regular files, /dev/null),
 * which libevent's poll backend reports always ready. */
int uvbev_fd_unpollable_(int uv_err);

/* Buffers per uvbev_fd_write_ (more are ignored). */
#define UVBEV_FD_MAX_BUFS 16

/* One read() / writev() (recv / WSASend on Windows), retried on EINTR.
 * Return the bytes moved (0 from a read: end of file), or a libuv error
 * (UV_EAGAIN when it would block). */
int uvbev_fd_read_(evutil_socket_t fd, char *buf, size_t len);
int uvbev_fd_write_(evutil_socket_t fd, const uv_buf_t *bufs, int n);

#endif
