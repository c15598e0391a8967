/* SPDX-License-Identifier: MIT */
/** @file
 * uvbev's own extensions: libuv interoperation, and settings libevent lacks.
 * Every name starts uvbev_. */
#ifndef UVBEV_UVBEV_H_INCLUDED_
#define UVBEV_UVBEV_H_INCLUDED_

#include <uv.h>
#include <event2/visibility.h>
#include <uvbev/uvbev-config.h>

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;
struct bufferevent;

/** Creates a base on the caller's loop (borrowed: uvbev never closes it).  The
 * caller may keep running the loop with uv_run(): uvbev's callbacks fire from
 * it; event_base_dispatch() on the base works too.  event_base_free() closes
 * only uvbev's own handles (running the loop briefly so their close callbacks
 * run); the loop stays usable.  After fork(), event_reinit() on the base runs
 * uv_loop_fork() on this loop: the caller must not run it on the loop again.
 * @param loop an initialised libuv loop
 * @return the base, or NULL (NULL loop, or out of memory) */
UVBEV_API struct event_base *uvbev_base_new_with_loop(uv_loop_t *loop);

/** The loop the base runs on (its own or the borrowed one), or NULL for a NULL
 * base.  Do not uv_loop_close it while the base exists. */
UVBEV_API uv_loop_t *uvbev_base_get_loop(struct event_base *base);

/** uvbev's own version, e.g. "0.1.0" (event_get_version() reports the
 * libevent version uvbev is compatible with). */
UVBEV_API const char *uvbev_version(void);

/** Sets the connection attempt delay of Happy Eyeballs (RFC 8305) for the
 * socket under bev (bev itself, or the socket at the bottom of a TLS or
 * filter stack), used by the next bufferevent_socket_connect_hostname().
 *
 * Where libevent connects only to the first address of a name, uvbev, as
 * curl and Node.js do, looks up AAAA and A in parallel (for AF_UNSPEC),
 * tries IPv6 first then alternates the families, and starts the next
 * attempt when one fails or when this delay has passed with earlier ones
 * still pending; the first to connect wins, the others are closed.  A peer
 * that drops SYNs thus costs this delay, not the system's connect timeout.
 * The default is 250 ms; values from 1 to 9 count as 10 ms (RFC 8305's
 * minimum).  0 turns it off: one lookup of the family asked for, whose
 * addresses are tried one after another in the resolver's order, each after
 * the previous one failed.
 *
 * Either way the write timeout, when set, covers the whole connect (lookup
 * included: BEV_EVENT_TIMEOUT|BEV_EVENT_WRITING), and when every address
 * fails, BEV_EVENT_ERROR reports the error of the last attempt to fail in
 * EVUTIL_SOCKET_ERROR() (or the lookup's in
 * bufferevent_socket_get_dns_error() if there was no address).
 * @param bev a socket bufferevent or a layer over one
 * @param msec the delay in milliseconds, 0 to 60000
 * @return 0, or -1 (bev NULL or not over a socket, msec too large, out of
 *         memory) */
UVBEV_API int uvbev_bufferevent_set_connect_attempt_delay(struct bufferevent *bev, unsigned msec);

/** evbuffer_file_segment_new() flag (a uvbev extension): the segment's
 * windows are mapped views of the file instead of bytes read into memory.
 *
 * Without it (the default, and always for evbuffer_add_file) uvbev reads a
 * window of up to 256 KiB into memory where the bytes are needed, off the
 * loop thread on a socket's write path.  With it each window is mapped
 * read-only (mmap with PROT_READ and MAP_PRIVATE on Unix, CreateFileMapping
 * and MapViewOfFile on Windows) and unmapped when its bytes are drained: a
 * window kept by evbuffer_peek, evbuffer_search or evbuffer_readln (or by
 * evbuffer_pullup within one window: a longer pullup copies) is the
 * system's page cache, which it can reclaim, rather than the process's
 * memory, and a socket bufferevent writes straight from the view without a
 * trip through the thread pool.
 *
 * The price, and why it is not the default: a mapped page that is not in
 * the page cache is read from the disk by the thread that touches it, which
 * for a socket bufferevent is the loop thread, in the middle of a write
 * (on Unix the reads of a window's pages are started, not waited for, when
 * it is mapped: madvise MADV_WILLNEED, so that wait is shorter).
 * sendfile still comes first where it applies (a socket at the bottom of
 * the stack, see evbuffer_add_file), and EVBUF_FS_DISABLE_MMAP overrides
 * this flag.  A window that cannot be mapped (the file is shorter than the
 * segment, the descriptor is not a regular file, no address space) is read
 * instead, as without the flag (so is a file whose file system refuses
 * mmap, such as sysfs).  As with libevent's mapping, the file must
 * not shrink while mapped: on Unix, touching a page past the new end
 * raises SIGBUS.
 *
 * The value lies outside libevent's EVBUF_FS_* bits; libevent 2.1 ignores
 * it (and maps segments by default). */
#define UVBEV_EVBUF_FS_MMAP 0x10000u

#ifdef __cplusplus
}
#endif

#endif
