/* SPDX-License-Identifier: MIT */
/* The platform layer: everything in uvbev that differs between Unix and
 * Windows, behind this one header, as libuv does it (src/unix, src/win).
 *
 * What belongs here: a call whose body differs by platform (socket options,
 * closing and duplicating sockets, raw descriptor I/O, error codes, signals,
 * process and thread ids, C library gaps such as gmtime_r or memmem), a
 * compiler's spelling of a C11 feature, and the public evutil_* functions
 * whose whole body is such a call.  What does not: anything that works the
 * same through libuv or the C library.
 *
 * Where it lives (CMake compiles the unix* set or the win* set, and the rest):
 *   unix.c / win.c            errors, signals, ids, time, names
 *   unix-fd.c / win-fd.c      what a descriptor is, raw reads and writes,
 *                             sendfile, mapped views of files
 *   win-xmit.c                TransmitFile off the loop (Windows only)
 *   unix-sock.c / win-sock.c  socket options, socketpair, dup, socket errors
 *   sock.c                    listener sockets: the same on both, written
 *                             only against <uv.h>'s socket headers
 *   memmem.c                  memmem, or a plain search without one
 * No other file under src/ tests _WIN32 (or __linux__, _MSC_VER, ...): a new
 * difference gets a function declared here and one body per platform. */
#ifndef UVBEV_PLATFORM_INTERNAL_H_
#define UVBEV_PLATFORM_INTERNAL_H_

#include <stddef.h>
#include <time.h>
#include <signal.h>
#include <uv.h> /* also the platform's socket headers (winsock2.h, sys/socket.h) */
#include "event2/util.h"
#include "event2/buffer.h"

/* ---- errors ---------------------------------------------------------------- */

/* The platform socket error (errno value on Unix, WSA* code on Windows) that
 * corresponds to a libuv error code (negative).  The only such translation. */
int uvbev_socket_error_from_uv_(int uv_err);

/* Sets EVUTIL_SOCKET_ERROR() from a libuv error code, so that an event callback
 * that sees BEV_EVENT_ERROR can read the cause. */
void uvbev_set_socket_error_from_uv_(int uv_err);

/* The libuv error code (negative) for a platform socket error. */
int uvbev_uv_error_from_socket_error_(int sock_err);

/* ---- sockets (unix-sock.c, win-sock.c, sock.c) ------------------------------ */

/* Also here, per platform: evutil_make_socket_nonblocking,
 * evutil_make_socket_closeonexec, evutil_make_listen_socket_reuseable,
 * evutil_make_listen_socket_reuseable_port,
 * evutil_make_tcp_listen_socket_deferred, evutil_socketpair,
 * evutil_socket_geterror and evutil_socket_error_to_string (event2/util.h). */

/* EVUTIL_INVALID_SOCKET as an evutil_socket_t (on Windows INVALID_SOCKET is
 * unsigned while evutil_socket_t is signed). */
#define UVBEV_NO_SOCKET ((evutil_socket_t)EVUTIL_INVALID_SOCKET)

/* evutil_socket_t -> uv_os_sock_t, without casts spread around. */
#define UVBEV_SOCK_TO_UV(fd) ((uv_os_sock_t)(fd))

/* Closes a socket (evutil_closesocket). */
int uvbev_closesocket_raw_(evutil_socket_t fd);

/* A second descriptor for the same socket, close-on-exec (dup on Unix,
 * WSADuplicateSocket on Windows), or UVBEV_NO_SOCKET.  libuv closes the
 * descriptor it watches; watching a duplicate leaves the caller's open. */
evutil_socket_t uvbev_sock_dup_(evutil_socket_t fd);

/* A non-blocking, close-on-exec stream socket of `family`, with
 * SO_KEEPALIVE (as libevent's listeners), or UVBEV_NO_SOCKET with the socket
 * error set. */
evutil_socket_t uvbev_sock_stream_(int family);

/* IPV6_V6ONLY on (LEV_OPT_BIND_IPV6ONLY): 0, or -1 with the socket error
 * set. */
int uvbev_sock_ipv6only_(evutil_socket_t fd);

/* listen(), bind(): 0, or -1 with the socket error set. */
int uvbev_sock_listen_(evutil_socket_t fd, int backlog);
int uvbev_sock_bind_(evutil_socket_t fd, const struct sockaddr *sa, int socklen);

/* accept() of one connection, made non-blocking (unless `blocking`) and
 * close-on-exec (if `cloexec`); *len in/out.  Returns the socket, or
 * UVBEV_NO_SOCKET with the socket error set. */
evutil_socket_t uvbev_sock_accept_(evutil_socket_t fd, struct sockaddr *sa, int *len, int blocking,
                                   int cloexec);

/* Non-zero if accept() failing with socket error `err` only means "not now"
 * (would block, interrupted, the peer gave up). */
int uvbev_sock_accept_retriable_(int err);

/* Room for any path uvbev_sock_local_path_ gives (sun_path is 104 or 108
 * bytes where it exists). */
#define UVBEV_SOCK_PATH_MAX 256

/* The file name of a local (AF_UNIX) address of socklen bytes, as a string in
 * path (size bytes): 0, or UV_EINVAL when sa is no such address, has no name
 * or an abstract one (libuv cannot connect to those), or the platform has no
 * AF_UNIX paths (Windows). */
int uvbev_sock_local_path_(const struct sockaddr *sa, int socklen, char *path, size_t size);

/* ---- descriptors (unix-fd.c, win-fd.c) --------------------------------------- */

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

/* Bytes of a stream's pending uv_writes that libuv has not handed to the
 * kernel yet.  Unix: libuv writes what the kernel takes at once and keeps
 * the rest, counted here, for later.  Windows: 0, as an overlapped WSASend
 * gives the kernel every byte of the write at once. */
size_t uvbev_stream_unsent_(const uv_stream_t *stream);

/* Lets the kernel finish a pending uv_write before its handle closes,
 * waiting until deadline (uv_hrtime's clock) at the most.  Unix: nothing to
 * wait for (what the kernel took is its own; libuv keeps the rest, counted
 * by uvbev_stream_unsent_).  Windows: an overlapped WSASend still pending
 * when its socket handle closes is cancelled, so this polls the request's
 * OVERLAPPED (public in uv/win.h) until it completed.  Returns 1 when no
 * part of the write is left with the kernel, 0 when the time ran out. */
int uvbev_write_settle_(const uv_write_t *req, uint64_t deadline);

/* Waits up to timeout_ms for the socket fd to take more bytes (poll /
 * WSAPoll): 1 when it may (or has an error a write will report), 0 when the
 * time ran out, or a libuv error. */
int uvbev_fd_wait_writable_(evutil_socket_t fd, int timeout_ms);

/* Extents per uvbev_fd_readv_ / uvbev_fd_writev_ at the most. */
#define UVBEV_FD_MAX_IOVECS 64

/* One readv() / writev() (WSARecv / WSASend on Windows: sockets only) for
 * evbuffer_read and evbuffer_write, retried on EINTR.  Return the bytes
 * moved (0 from a read: end of file), or -1 with the socket error set, as
 * libevent's evbuffer_read / evbuffer_write report it. */
int uvbev_fd_readv_(evutil_socket_t fd, struct evbuffer_iovec *v, int n);
int uvbev_fd_writev_(evutil_socket_t fd, struct evbuffer_iovec *v, int n);

/* sendfile() of up to len bytes of file file_fd from offset to descriptor
 * out (Linux, macOS, FreeBSD), retried on EINTR.  Returns the bytes sent (0:
 * the file ends at offset), UV_EAGAIN when out would block, UV_ENOSYS where
 * this system or this pair of descriptors has no sendfile (Windows, a pipe on
 * macOS: send the bytes another way), or another libuv error. */
int uvbev_fd_sendfile_(evutil_socket_t out, int file_fd, int64_t offset, size_t len);

/* TransmitFile (Windows): sending a file on a socket without blocking the
 * loop and without reading the file into the process.  An overlapped
 * TransmitFile whose completion is kept from libuv's completion port (the
 * event of its OVERLAPPED has the low bit set) and waited for by the
 * system's wait threads, which wake the loop (win-xmit.c).  Declared and
 * called only where UVBEV_HAS_XMIT: Unix has sendfile (uvbev_fd_sendfile_). */
struct uvbev_xmit;
#ifdef _WIN32
#define UVBEV_HAS_XMIT 1
#else
#define UVBEV_HAS_XMIT 0
#endif
#if UVBEV_HAS_XMIT

/* Runs once on the loop thread when a transfer ended: result is the bytes
 * sent (>= 0), or a libuv error (UV_ECANCELED, UV_ECONNRESET, ...). */
typedef void (*uvbev_xmit_cb)(void *arg, int result);

/* Starts sending up to len bytes of file file_fd (a C runtime descriptor)
 * from offset to the socket sock, which runs on loop (a uv_tcp_t's).  Fewer
 * bytes go when the file ends first.  Returns 1 with *out set (cb runs once
 * on loop's thread, unless the transfer is abandoned), 0 when the file ends
 * at offset (nothing sent), UV_ENOSYS when this system or this file cannot
 * (not Windows, not a disk file: send the bytes another way), or another
 * libuv error.  The caller keeps file_fd open until the end. */
int uvbev_xmit_start_(uv_loop_t *loop, evutil_socket_t sock, int file_fd, int64_t offset,
                      size_t len, uvbev_xmit_cb cb, void *arg, struct uvbev_xmit **out);

/* Waits until deadline (uv_hrtime's clock) at the most for x to complete
 * (its callback has not run yet: the loop is not run).  Returns 1 when it
 * completed, 0 when the time ran out. */
int uvbev_xmit_settle_(struct uvbev_xmit *x, uint64_t deadline);

/* Gives x up before its callback ran, with its socket still open: the
 * transfer is cancelled if it is still pending and waited for (bounded);
 * its callback never runs and x is freed once the system is done with it.
 * Call before the socket's handle closes.  Returns the bytes sent when any
 * were (some may leave before a cancel), else a libuv error (UV_ECANCELED;
 * UV_ETIMEDOUT: the cancel did not complete in time). */
int uvbev_xmit_abandon_(struct uvbev_xmit *x);
#endif

/* A read-only view of len (> 0) bytes of file file_fd from offset: mmap
 * (PROT_READ, MAP_PRIVATE) on Unix, CreateFileMapping and MapViewOfFile on
 * Windows (file_fd is a C runtime descriptor there).  A view starts on the
 * system's boundary (the page size on Unix, the allocation granularity on
 * Windows) at or before offset: the byte at offset is *skip bytes into it.
 * Returns the view (to give to uvbev_file_unmap_ with len + *skip), or NULL
 * when the range cannot be mapped: not a regular file, a range past the
 * file's end (touching it would raise SIGBUS on Unix), no address space.
 * The caller then reads the bytes instead. */
void *uvbev_file_map_(int file_fd, int64_t offset, size_t len, size_t *skip);

/* Unmaps a view of uvbev_file_map_ (size: its len + *skip). */
void uvbev_file_unmap_(void *view, size_t size);

/* ---- signals and processes (unix.c, win.c) ------------------------------------ */

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

/* The calling thread's id as the system knows it (pthread_self,
 * GetCurrentThreadId): uvbev's thread id when no evthread_set_id_callback
 * is set. */
unsigned long uvbev_thread_self_id_(void);

/* A variable each thread has its own copy of: C11's _Thread_local, spelt
 * __declspec(thread) by MSVC's own compiler. */
#if defined(_MSC_VER) && !defined(__clang__)
#define UVBEV_THREAD_LOCAL __declspec(thread)
#else
#define UVBEV_THREAD_LOCAL _Thread_local
#endif

/* ---- the C library and the system (unix.c, win.c) ------------------------------ */

/* The index of the network interface called name (if_nametoindex), 0 when
 * there is none. */
unsigned uvbev_if_nametoindex_(const char *name);

/* Breaks t down as UTC into *out (gmtime_r).  Returns 0, or -1. */
int uvbev_gmtime_(time_t t, struct tm *out);

/* The system's text for a getaddrinfo error code (gai_strerror). */
const char *uvbev_gai_strerror_(int err);

/* The first place where needle (nlen > 0 bytes) stands in hay (hlen bytes),
 * or NULL: the C library's memmem where it has one (sublinear on average),
 * a plain search elsewhere. */
const void *uvbev_memmem_(const void *hay, size_t hlen, const void *needle, size_t nlen);

/* libuv's backend on this platform: "epoll", "kqueue", "iocp", ... */
const char *uvbev_backend_name_(void);

/* The methods event_get_supported_methods() lists, NULL-terminated: the
 * backend, then "poll" (the same backend; see event.h) unless the backend
 * is poll itself.  Static, never written. */
const char **uvbev_methods_(void);

#endif
