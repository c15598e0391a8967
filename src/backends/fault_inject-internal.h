/* SPDX-License-Identifier: MIT */
/* Fault injection at the socket layer (build option UVBEV_FAULT_INJECTION,
 * off by default), as curl does in its debug builds: the socket kind's reads
 * and writes are made to see what a loaded kernel may do at any time, so
 * that the suite exercises the paths a fast loopback rarely takes: pins held
 * across partial writes, unpins of part of the pinned bytes, reads of one
 * byte at a time under filters and watermarks.
 *
 * Environment, read once per process:
 *   UVBEV_FAULT_SEED  seed of the pseudo-random choices (default 1); each
 *                     thread replays the sequence of this seed, so a run is
 *                     reproducible
 *   UVBEV_FAULT_RATE  percent (0..100, default 30) of the operations below
 *                     that are disturbed
 *
 * What a disturbed operation does:
 *   stream read (alloc callback)  the buffer offered to libuv is cut to a
 *                                 few bytes (1..len): a short read
 *   uv_try_write                  refused (EAGAIN, nothing written) or given
 *                                 only a prefix of the bytes (a short write)
 *   uv_write                      the pinned bytes leave in a drip of
 *                                 several writes of random prefixes, one per
 *                                 loop iteration, the pin held throughout,
 *                                 as libuv does when the kernel takes a few
 *                                 bytes at a time
 *   descriptor read / write       (bev_socket_fdio.c) EAGAIN, or a prefix
 *
 * Bytes are never lost, duplicated or reordered: only the way they travel
 * changes.  Without the option every hook is an inline pass-through.
 */
#ifndef UVBEV_FAULT_INJECT_INTERNAL_H_
#define UVBEV_FAULT_INJECT_INTERNAL_H_

#include <stddef.h>
#include <uv.h>

#ifdef UVBEV_FAULT_INJECTION

/* Cuts the space *buf offered for a read: unchanged, or (a disturbed read)
 * 1..len bytes, or 0 when may_refuse and the read is to see EAGAIN. */
void uvbev_fault_read_cut_(uv_buf_t *buf, int may_refuse);

/* Cuts bufs[0..n) in place to a prefix (at least one byte) and returns the
 * new count, n unchanged for an undisturbed write, or 0: the write is to see
 * EAGAIN. */
unsigned uvbev_fault_write_cut_(uv_buf_t *bufs, unsigned n);

/* uv_try_write, disturbed: UV_EAGAIN, or a short count.  bufs unchanged. */
int uvbev_fault_try_write_(uv_stream_t *stream, const uv_buf_t *bufs, unsigned n);

/* A drip of writes in progress: lives in the writer's struct (bev_conn), so
 * that injecting allocates nothing the allocation tests would count. */
struct uvbev_fault_write {
  uv_write_t req;    /* the part being written now */
  uv_write_t *outer; /* the caller's request, reported to cb */
  uv_write_cb cb;
  unsigned n, next;  /* bufs[next..n) are still to go */
  uv_buf_t bufs[16]; /* a copy: UVBEV_MAX_WRITE_BUFS entries at most */
};

/* uv_write(req, stream, bufs, n, cb), disturbed: the bytes may leave in
 * several writes of w->req; cb(req, status) runs once, after the last one
 * or the first failure (UV_ECANCELED when the handle closes).  req->data is
 * left to the caller.  n must not exceed the size of w->bufs. */
int uvbev_fault_write_(struct uvbev_fault_write *w, uv_write_t *req, uv_stream_t *stream,
                       const uv_buf_t *bufs, unsigned n, uv_write_cb cb);

/* Bytes of the drip in progress not yet handed to uv_write (0 when none
 * runs): with the part libuv still holds, what the write has left to send. */
size_t uvbev_fault_write_left_(const struct uvbev_fault_write *w);

/* Faults injected so far by the calling thread (for the tests). */
unsigned long uvbev_fault_injected_(void);

#else

static inline void uvbev_fault_read_cut_(uv_buf_t *buf, int may_refuse) {
  (void)buf;
  (void)may_refuse;
}

static inline unsigned uvbev_fault_write_cut_(uv_buf_t *bufs, unsigned n) {
  (void)bufs;
  return n;
}

static inline int uvbev_fault_try_write_(uv_stream_t *stream, const uv_buf_t *bufs, unsigned n) {
  return uv_try_write(stream, bufs, n);
}

#endif

#endif
