/* SPDX-License-Identifier: MIT */
/* The evbuffer <-> libuv adaptation used by the socket kind (and only by it).
 *
 * Read path, zero copy: libuv's alloc callback asks for space, which is the
 * free tail of the input evbuffer; the read callback commits what arrived.
 *
 *     alloc_cb:  evbuffer_uv_reserve_(input, suggested, chunk_size, cache, &buf)
 *     read_cb:   evbuffer_uv_commit_(input, nread > 0 ? nread : 0)
 *
 * Exactly one reservation is open at a time (libuv always follows an alloc
 * with its read callback).  Committing 0 gives the space back.  In steady
 * state the reservation reuses the tail chunk's free space: no malloc per read.
 *
 * Write path, zero copy: the leading chunks of the output evbuffer are handed
 * to one uv_write as a uv_buf_t array and stay pinned until the write
 * callback:
 *
 *     n = evbuffer_uv_pin_(output, bufs, UVBEV_MAX_WRITE_BUFS, max_bytes, &nbytes);
 *     uv_write(req, stream, bufs, n, cb)      (or uv_try_write first)
 *     cb:  evbuffer_uv_unpin_(output, nbytes_written)
 *
 * While bytes are pinned, the chunks holding them are never freed, moved or
 * written into.  Other operations keep their public meaning on the unpinned
 * part; an operation that would remove pinned bytes (drain/remove/
 * remove_buffer of the front) detaches them logically at once (length,
 * callbacks) while their memory lives until unpin.  Appends go after the
 * pinned range.  Only one pin may be open at a time.
 *
 * uv_buf_t has another field order on Windows: buffers are built with
 * evbuffer_uv_buf_() (below), never cast from struct evbuffer_iovec.
 */
#ifndef UVBEV_EVBUFFER_UV_INTERNAL_H_
#define UVBEV_EVBUFFER_UV_INTERNAL_H_

#include <stddef.h>
#include <uv.h>

#include "event2/util.h"

struct evbuffer;
struct evbuffer_chunk;

#define UVBEV_MAX_WRITE_BUFS 16

/* uv_buf_init() without a call into libuv on every read and write: the
 * fields are set by name, so either platform's order is right.  len is at
 * most UINT_MAX (the callers cap it: libuv's length is 32 bits on Windows). */
static inline uv_buf_t evbuffer_uv_buf_(char *base, size_t len) {
  uv_buf_t b;
  b.base = base;
  b.len = (unsigned)len;
  return b;
}

/* File segments (evbuffer_file_uv.c).  A pin stops before a chunk of a file
 * segment that is not read yet (the pin may then be empty with data in the
 * buffer), unless the segment maps its windows (UVBEV_EVBUF_FS_MMAP): the
 * pin then maps the window and pins it.  The writer asks for the next window to be read off the loop
 * thread, and writes again when it is in:
 *
 *     n = evbuffer_uv_pin_(...);
 *     evbuffer_uv_load_ahead_(output, loop, 2 * max_bytes, sendable_waits, cb, arg);
 *     cb(arg, status):  write again (status 0), or fail the write (< 0)
 *
 * Asking while the pinned bytes are written reads the next window in the
 * meantime; asking while a load runs does nothing (its callback comes). */
typedef void (*evbuffer_uv_loaded_cb)(void *arg, int status);

/* Starts reading, on loop's thread pool, the next window of the first
 * unread file segment chunk that starts within the first `ahead` bytes of
 * buf, unless a load is running, or (sendable_waits) the chunk is not at
 * the front and the system may send it from the file (no
 * EVBUF_FS_DISABLE_SENDFILE): it waits to reach the front, where
 * evbuffer_sendfile_ or a TransmitFile (evbuffer_file_pin_) sends it, and
 * is read here only if they do not.  Returns 1 if one started (cb runs once,
 * on the loop thread, with the buffer unlocked: status 0 when the window is
 * in the buffer or no longer needed, else the libuv error of the read,
 * UV_EOF if the file is shorter than the segment), 0 if there is nothing to
 * start, or a libuv error. */
int evbuffer_uv_load_ahead_(struct evbuffer *buf, uv_loop_t *loop, size_t ahead, int sendable_waits,
                            evbuffer_uv_loaded_cb cb, void *arg);

/* Sends up to max bytes of the file segment at the front of buf to socket
 * (or descriptor) fd with sendfile, unless the segment has
 * EVBUF_FS_DISABLE_SENDFILE, and drains them (callbacks fire).  Returns the
 * bytes sent; 0 if the file ends before the segment does; UV_ENOSYS if the
 * front is not such a segment or sendfile cannot send it (send another
 * way); UV_EAGAIN if fd would block; or another libuv error. */
int evbuffer_sendfile_(struct evbuffer *buf, evutil_socket_t fd, size_t max);

/* Non-zero when the front of buf is file bytes that evbuffer_sendfile_ or
 * evbuffer_file_pin_ would send: a cheap test before finding the descriptor. */
int evbuffer_front_is_file_(struct evbuffer *buf);

/* For a transfer the system runs on its own (TransmitFile): pins up to max
 * bytes of the file segment at the front of buf, under the conditions of
 * evbuffer_sendfile_, without reading them: a pin of no memory, ended by
 * evbuffer_uv_unpin_(buf, bytes sent) as any pin.  Fills *seg (a reference
 * the caller gives back with evbuffer_file_segment_free once the transfer
 * ended: the file stays open until then), *fd and *offset (in the file).
 * Returns the bytes pinned, 0 when the front is not such a segment (or a pin
 * is open). */
struct evbuffer_file_segment;
size_t evbuffer_file_pin_(struct evbuffer *buf, size_t max, struct evbuffer_file_segment **seg,
                          int *fd, int64_t *offset);

/* A loop's cache of empty one-page read chunks, shared by the connections
 * of that loop and touched by its thread only.  Connections that exchange
 * small messages give their read chunk back between messages (so an idle
 * connection holds no read buffer) and take one for the next read: a
 * message costs no malloc in steady state, and the cache never holds more
 * than EVBUFFER_UV_CACHE_MAX pages. */
struct evbuffer_uv_cache {
  struct evbuffer_chunk *head;
  unsigned n;
};
#define EVBUFFER_UV_CACHE_MAX 32

/* Fills *out with contiguous free space at the tail of buf and returns its
 * size, at most `suggested`: the free tail of the last data's chunk when it
 * has a few KiB, else free space kept after it when it has chunk_size bytes
 * (0: suggested), else a new chunk of chunk_size bytes, the kept space being
 * given back: a stream that outgrows a message-sized chunk is not held to
 * it.  A chunk_size of at most 4096 means a one-page chunk, taken from
 * `cache` when it has one (NULL: none).  Returns 0 (out->len = 0) on
 * allocation failure or when the tail is frozen. */
size_t evbuffer_uv_reserve_(struct evbuffer *buf, size_t suggested, size_t chunk_size,
                            struct evbuffer_uv_cache *cache, uv_buf_t *out);

/* Commits n (<= the size offered) bytes of the open reservation as data
 * (callbacks fire as for evbuffer_add) and closes it.  n = 0 gives the space
 * back.  Returns 0, or -1 if no reservation is open or n is too large. */
int evbuffer_uv_commit_(struct evbuffer *buf, size_t n);

/* Pins up to max_bytes of the leading data in up to maxbufs uv_buf_t entries
 * and returns the number of entries filled (0 when buf is empty or a pin is
 * already open); *npinned receives the byte count. */
int evbuffer_uv_pin_(struct evbuffer *buf, uv_buf_t *bufs, int maxbufs, size_t max_bytes,
                     size_t *npinned);

/* Ends the open pin: the first `written` pinned bytes (<= the pinned count)
 * are drained from the buffer if they are still there (callbacks fire), the
 * rest stay in the buffer, unpinned.  Returns 0, or -1 if no pin is open. */
int evbuffer_uv_unpin_(struct evbuffer *buf, size_t written);

/* Gives back the free space kept at the tail (chunks drained and kept for
 * the next reservation): one-page chunks go to `cache` while it has room,
 * the others are freed.  The socket layer calls it when the peer has gone
 * quiet and the user has drained everything, so that an idle connection
 * holds no read buffer (as in libevent, which frees chunks on drain) while a
 * streaming one reuses its chunk without a malloc per read. */
void evbuffer_uv_trim_(struct evbuffer *buf, struct evbuffer_uv_cache *cache);

/* Frees every chunk in the cache (the loop is going away). */
void evbuffer_uv_cache_clear_(struct evbuffer_uv_cache *cache);

/* Bytes currently pinned (0 when no pin is open). */
size_t evbuffer_uv_pinned_(const struct evbuffer *buf);

#endif
