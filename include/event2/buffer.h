/* SPDX-License-Identifier: MIT */
/** @file
 * Buffers of bytes for network I/O (libevent 2.1's <event2/buffer.h>).
 *
 * An evbuffer is a queue of bytes stored as a chain of memory chunks:
 * appending, prepending and draining never move the bytes already there,
 * evbuffer_add_buffer() moves chunks instead of copying bytes, and
 * evbuffer_add_reference() / file segments add memory the buffer does not
 * own.  Because the bytes may live in several chunks, read them with
 * evbuffer_peek() (no copy), evbuffer_copyout() (copy) or evbuffer_pullup()
 * (makes a prefix contiguous, copying when needed).
 *
 * In uvbev the chain is also what feeds libuv: a socket bufferevent reads
 * into the free tail of its input buffer and writes its output buffer's
 * leading chunks with one uv_write, without copying the payload.
 *
 * Positions (struct evbuffer_ptr) are invalidated by any call that adds,
 * removes or re-packs bytes.
 */
#ifndef UVBEV_EVENT2_BUFFER_H_INCLUDED_
#define UVBEV_EVENT2_BUFFER_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/util.h>
#include <stdarg.h>
#include <stddef.h>
#ifndef _WIN32
#include <sys/types.h>
#include <sys/uio.h>
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct event_base;

/** An opaque buffer of bytes. */
struct evbuffer;

/** A position inside an evbuffer, from its start up to just after its end.
 * Set it only with evbuffer_ptr_set() or from a search result; `pos` is the
 * offset from the start of the buffer, or -1 for "not found".  The
 * internal_ fields are private. */
struct evbuffer_ptr {
  ev_ssize_t pos; /**< offset from the start of the buffer, -1: not found */
  /** private: where pos lies in the chain of chunks */
  struct {
    void *chain;
    size_t pos_in_chain;
  } internal_;
};

/** One extent of memory inside an evbuffer, for evbuffer_peek(),
 * evbuffer_reserve_space() and evbuffer_add_iovec().  On platforms with
 * <sys/uio.h> it is struct iovec itself (as in libevent), so it can be passed
 * to readv/writev; elsewhere (Windows) it is a struct with the same fields. */
#ifndef _WIN32
#define evbuffer_iovec iovec
/** Defined when struct evbuffer_iovec is the platform's struct iovec. */
#define EVBUFFER_IOVEC_IS_NATIVE_
#else
struct evbuffer_iovec {
  void *iov_base; /**< start of the extent */
  size_t iov_len; /**< its length in bytes */
};
#endif

/* ---- life cycle, locking, flags ------------------------------------------ */

/** Allocates an empty evbuffer.
 * @return the new buffer, or NULL on allocation failure. */
UVBEV_API struct evbuffer *evbuffer_new(void);

/** Frees an evbuffer and every chunk it holds: cleanup callbacks of
 * references and file segments it still holds run now.  Its callbacks do not
 * run.  NULL is ignored.
 * @param buf the buffer to free */
UVBEV_API void evbuffer_free(struct evbuffer *buf);

/** Makes an evbuffer safe to use from several threads: every operation takes
 * the lock, and callbacks run with it held (beware of deadlocks).
 * @param buf the buffer
 * @param lock a recursive lock made by uvbev's thread layer to share (it is
 *   not freed with the buffer), or NULL to allocate a new one (which needs
 *   threading enabled with evthread_use_pthreads() or the like first)
 * @return 0 on success, -1 if the buffer already has a lock or none could be
 *   allocated. */
UVBEV_API int evbuffer_enable_locking(struct evbuffer *buf, void *lock);

/** Acquires the buffer's lock (recursive); no effect without locking.
 * @param buf the buffer */
UVBEV_API void evbuffer_lock(struct evbuffer *buf);

/** Releases the buffer's lock; no effect without locking.
 * @param buf the buffer */
UVBEV_API void evbuffer_unlock(struct evbuffer *buf);

/** Flag for evbuffer_set_flags(): the buffer's bytes are only ever written to
 * a file descriptor, so file segments may be sent without reading them into
 * memory.  uvbev accepts and reports the flag; its file segments are always
 * read into memory, so the flag changes nothing else. */
#define EVBUFFER_FLAG_DRAINS_TO_FD 1

/** Sets flags (EVBUFFER_FLAG_*) on a buffer.
 * @param buf the buffer
 * @param flags the flags to set; others are left as they are
 * @return 0 on success, -1 on failure. */
UVBEV_API int evbuffer_set_flags(struct evbuffer *buf, ev_uint64_t flags);

/** Clears flags (EVBUFFER_FLAG_*) on a buffer.
 * @param buf the buffer
 * @param flags the flags to clear
 * @return 0 on success, -1 on failure. */
UVBEV_API int evbuffer_clear_flags(struct evbuffer *buf, ev_uint64_t flags);

/** Prevents operations from modifying one end of the buffer.  With the front
 * frozen, draining, removing, copying out, reading lines, prepending and
 * writing to a descriptor fail; with the back frozen, adding, reserving, committing and
 * reading from a descriptor fail.  Freezes do not nest.
 * @param buf the buffer
 * @param at_front non-zero for the front, zero for the back
 * @return 0 on success, -1 on failure. */
UVBEV_API int evbuffer_freeze(struct evbuffer *buf, int at_front);

/** Undoes evbuffer_freeze() for one end.
 * @param buf the buffer
 * @param at_front non-zero for the front, zero for the back
 * @return 0 on success, -1 on failure. */
UVBEV_API int evbuffer_unfreeze(struct evbuffer *buf, int at_front);

/** Makes the buffer's callbacks run from base's loop (its deferred-callback
 * queue, once per loop iteration) instead of inside the call that changed the
 * buffer.  Changes made before they run are reported together, in one
 * evbuffer_cb_info per callback.
 * @param buf the buffer
 * @param base the event base whose loop runs the callbacks
 * @return 0 on success, -1 on failure. */
UVBEV_API int evbuffer_defer_callbacks(struct evbuffer *buf, struct event_base *base);

/* ---- size and space -------------------------------------------------------- */

/** @return the number of bytes stored in buf (0 for NULL). */
UVBEV_API size_t evbuffer_get_length(const struct evbuffer *buf);

/** @return the number of bytes stored contiguously in the first chunk of
 *   buf, 0 when it is empty.  That many bytes can be read through
 *   evbuffer_pullup() without any copy. */
UVBEV_API size_t evbuffer_get_contiguous_space(const struct evbuffer *buf);

/** Makes room for datlen more bytes in one chunk at the end of the buffer, so
 * that appending them needs no allocation.
 * @param buf the buffer
 * @param datlen the number of bytes to make room for
 * @return 0 on success, -1 on failure. */
UVBEV_API int evbuffer_expand(struct evbuffer *buf, size_t datlen);

/** Reserves writable space at the end of the buffer, as one or two extents
 * that the caller fills and then commits with evbuffer_commit_space().  The
 * extents may be larger than asked; asking again before committing returns
 * the same space.  Nothing else may modify the buffer in between.
 * @param buf the buffer
 * @param size the number of bytes wanted, at least
 * @param vec where to store the extents
 * @param n_vec the number of entries in vec (>= 1; with 1 the space is one
 *   contiguous extent; with more, as many extents as chunks are used, each
 *   one chunk's free space, up to n_vec, as libevent hands them out)
 * @return the number of extents filled (0 when size is 0 and n_vec > 1), or
 *   -1 on failure (back frozen, allocation failure, bad arguments). */
UVBEV_API int evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size,
                                     struct evbuffer_iovec *vec, int n_vec);

/** Commits bytes written into space given by evbuffer_reserve_space(): they
 * become part of the buffer.  To commit less than was reserved, lower the
 * iov_len of the extents, or pass fewer (a prefix of them).
 * @param buf the buffer
 * @param vec the extents as returned by evbuffer_reserve_space(), with
 *   iov_len set to the number of bytes written in each
 * @param n_vecs the number of extents
 * @return 0 on success, -1 if the extents do not match the reserved space or
 *   the back is frozen. */
UVBEV_API int evbuffer_commit_space(struct evbuffer *buf, struct evbuffer_iovec *vec, int n_vecs);

/** Makes the first size bytes of the buffer contiguous, copying them into one
 * chunk when they are not already.
 * @param buf the buffer
 * @param size the number of bytes, or -1 for the whole buffer
 * @return a pointer to the first byte, or NULL if size is larger than the
 *   buffer (or it is empty, or allocation failed). */
UVBEV_API unsigned char *evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size);

/* ---- adding ---------------------------------------------------------------- */

/** Appends a copy of datlen bytes.
 * @param buf the buffer
 * @param data the bytes
 * @param datlen their number
 * @return 0 on success, -1 on failure (back frozen, allocation failure). */
UVBEV_API int evbuffer_add(struct evbuffer *buf, const void *data, size_t datlen);

/** Moves every byte of inbuf to the end of outbuf, by moving chunks (no copy
 * of the bytes).  inbuf ends empty.
 * @param outbuf the destination
 * @param inbuf the source
 * @return 0 on success (also, as in libevent, when inbuf is empty or is
 *   outbuf), -1 on failure (outbuf's back or inbuf's front frozen). */
UVBEV_API int evbuffer_add_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf);

/** Appends the bytes of inbuf to outbuf without copying them and without
 * removing them from inbuf: outbuf refers to inbuf's chunks, whose memory
 * lives until both buffers are done with it.  Adding the same bytes to outbuf
 * twice and later changes to inbuf are safe.
 * @param outbuf the destination
 * @param inbuf the source (unchanged)
 * @return 0 on success, -1 on failure.  Unlike libevent, uvbev also accepts
 *   an inbuf that holds file segments or buffer references. */
UVBEV_API int evbuffer_add_buffer_reference(struct evbuffer *outbuf, struct evbuffer *inbuf);

/** Cleanup callback of evbuffer_add_reference(): called once, with the
 * arguments given there, when the buffer no longer uses the memory. */
typedef void (*evbuffer_ref_cleanup_cb)(const void *data, size_t datalen, void *extra);

/** Appends datlen bytes of the caller's memory without copying them.  The
 * memory must stay valid and unchanged until cleanupfn is called (once, when
 * the last of these bytes is drained or the buffer freed).
 * @param outbuf the buffer
 * @param data the memory
 * @param datlen its length
 * @param cleanupfn called when the memory is no longer used, or NULL
 * @param cleanupfn_arg its last argument
 * @return 0 on success, -1 on failure (then cleanupfn is not called). */
UVBEV_API int evbuffer_add_reference(struct evbuffer *outbuf, const void *data, size_t datlen,
                                     evbuffer_ref_cleanup_cb cleanupfn, void *cleanupfn_arg);

/** Appends a formatted string (printf), without its terminating NUL.
 * @param buf the buffer
 * @param fmt the printf format
 * @return the number of bytes added, or -1 on failure. */
UVBEV_API int evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/** Appends a formatted string (vprintf), without its terminating NUL.
 * @param buf the buffer
 * @param fmt the printf format
 * @param ap its arguments
 * @return the number of bytes added, or -1 on failure. */
UVBEV_API int evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap)
#ifdef __GNUC__
    __attribute__((format(printf, 2, 0)))
#endif
    ;

/** Appends copies of n_vec extents, all into one chunk.
 * @param buf the buffer
 * @param vec the extents
 * @param n_vec their number
 * @return the number of bytes added (0 on failure). */
UVBEV_API size_t evbuffer_add_iovec(struct evbuffer *buf, struct evbuffer_iovec *vec, int n_vec);

/** Inserts a copy of size bytes at the start of the buffer.
 * @param buf the buffer
 * @param data the bytes
 * @param size their number
 * @return 0 on success, -1 on failure (front frozen; in uvbev also while the
 *   socket layer is writing the buffer's first bytes). */
UVBEV_API int evbuffer_prepend(struct evbuffer *buf, const void *data, size_t size);

/** Moves every byte of src to the start of dst (moving chunks).
 * @param dst the destination
 * @param src the source, emptied
 * @return 0 on success (also when src is empty), -1 on failure (either
 *   front frozen; in uvbev also while the socket layer is writing dst's first
 *   bytes). */
UVBEV_API int evbuffer_prepend_buffer(struct evbuffer *dst, struct evbuffer *src);

/* ---- removing -------------------------------------------------------------- */

/** Removes len bytes (or all, if fewer) from the start of the buffer.
 * @param buf the buffer
 * @param len the number of bytes
 * @return 0 on success, -1 on failure (front frozen). */
UVBEV_API int evbuffer_drain(struct evbuffer *buf, size_t len);

/** Copies up to datlen bytes from the start of the buffer and drains them.
 * @param buf the buffer
 * @param data where to copy
 * @param datlen the room at data
 * @return the number of bytes removed, or -1 on failure. */
UVBEV_API int evbuffer_remove(struct evbuffer *buf, void *data, size_t datlen);

/** Copies up to datlen bytes from the start of the buffer, leaving it as it
 * is.
 * @param buf the buffer
 * @param data_out where to copy
 * @param datlen the room at data_out
 * @return the number of bytes copied, or -1 on failure (front frozen). */
UVBEV_API ev_ssize_t evbuffer_copyout(struct evbuffer *buf, void *data_out, size_t datlen);

/** Copies up to datlen bytes starting at pos, leaving the buffer as it is.
 * @param buf the buffer
 * @param pos where to start (NULL: the start of the buffer)
 * @param data_out where to copy
 * @param datlen the room at data_out
 * @return the number of bytes copied, or -1 on failure (pos invalid, front
 *   frozen). */
UVBEV_API ev_ssize_t evbuffer_copyout_from(struct evbuffer *buf, const struct evbuffer_ptr *pos,
                                           void *data_out, size_t datlen);

/** Moves up to datlen bytes from the start of src to the end of dst, moving
 * whole chunks and copying at most a part of one.
 * @param src the source
 * @param dst the destination
 * @param datlen the maximum number of bytes
 * @return the number of bytes moved (0 when src is dst, as libevent), or -1
 *   on failure (src's front or dst's back frozen). */
UVBEV_API int evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst, size_t datlen);

/** What ends a line for evbuffer_readln() and evbuffer_search_eol(). */
enum evbuffer_eol_style {
  /** Any sequence of CR and LF characters (a poor choice for protocols). */
  EVBUFFER_EOL_ANY,
  /** An LF, optionally preceded by a CR (the usual choice for text
   * protocols). */
  EVBUFFER_EOL_CRLF,
  /** A CR followed by an LF. */
  EVBUFFER_EOL_CRLF_STRICT,
  /** An LF. */
  EVBUFFER_EOL_LF,
  /** A NUL byte. */
  EVBUFFER_EOL_NUL
};

/** Removes one line from the start of the buffer.
 * @param buf the buffer
 * @param n_read_out if not NULL, receives the length of the line (without
 *   the end of line)
 * @param eol_style what ends a line
 * @return the line, NUL-terminated, without its end of line, allocated by
 *   uvbev's allocator: release it with free(), or with the free_fn given to
 *   event_set_mem_functions() if one was; or NULL when the buffer holds no
 *   complete line (or its front is frozen, or allocation failed). */
UVBEV_API char *evbuffer_readln(struct evbuffer *buf, size_t *n_read_out,
                                enum evbuffer_eol_style eol_style);

/* ---- files ----------------------------------------------------------------- */

/** Appends length bytes of file fd from offset.  The buffer owns fd from
 * then on, and closes it once the bytes are no longer used (or at once if
 * the call fails, as libevent does).
 *
 * uvbev reads nothing here (libevent maps the file, reads it all, or keeps
 * it for sendfile): the bytes are read when they are needed, at most 256 KiB
 * at a time, so a file of any size costs a few windows of memory, not its
 * size.  Every buffer operation works on them:
 *   - a socket bufferevent sends them with sendfile (Linux, macOS, FreeBSD)
 *     when it is the bottom of the stack and the output starts with the
 *     file, else reads the next window on libuv's thread pool while it
 *     writes the previous one: the loop is never blocked on the disk,
 *     except by sendfile reading a file the system has not cached (use
 *     evbuffer_file_segment_new with EVBUF_FS_DISABLE_SENDFILE to keep
 *     every read off the loop thread);
 *   - evbuffer_write / evbuffer_write_atmost use sendfile likewise;
 *   - TLS and filter layers take the bytes a window at a time, like any
 *     other data;
 *   - evbuffer_remove / copyout read the file straight into the caller's
 *     memory; evbuffer_add_buffer / remove_buffer / prepend_buffer move the
 *     range without reading it;
 *   - evbuffer_peek, evbuffer_search*, evbuffer_readln and evbuffer_pullup
 *     read (on the calling thread) the windows they look at, which then stay
 *     in the buffer until drained: a search through a whole file holds all
 *     of it, in memory, unless the segment maps its windows (the uvbev
 *     extension UVBEV_EVBUF_FS_MMAP of <uvbev/uvbev.h>: then they are views
 *     of the page cache).
 * uvbev maps no file unless asked with UVBEV_EVBUF_FS_MMAP (libevent maps
 * by default): evbuffer_add_file never does.
 * A file shorter than the range makes the send fail (BEV_EVENT_ERROR |
 * BEV_EVENT_WRITING) once the file's bytes are sent, and a copy return -1.
 * The file must not change while the buffer holds the range.
 * @param buf the buffer
 * @param fd a file descriptor (a C runtime descriptor on Windows)
 * @param offset where to start in the file
 * @param length the number of bytes, or -1 for up to the end of the file
 * @return 0 on success, -1 on failure. */
UVBEV_API int evbuffer_add_file(struct evbuffer *buf, int fd, ev_off_t offset, ev_off_t length);

/** A range of a file that can be added to one or more evbuffers. */
struct evbuffer_file_segment;

/** evbuffer_file_segment_new() flag: close the fd when the segment is freed
 * and no buffer uses it any more. */
#define EVBUF_FS_CLOSE_ON_FREE 0x01
/** evbuffer_file_segment_new() flag: do not mmap.  uvbev maps a segment's
 * windows only when asked with its extension UVBEV_EVBUF_FS_MMAP
 * (<uvbev/uvbev.h>); this flag overrides that one, so the windows are read
 * into memory. */
#define EVBUF_FS_DISABLE_MMAP 0x02
/** evbuffer_file_segment_new() flag: do not use sendfile: a socket
 * bufferevent then reads every window of the segment on libuv's thread pool
 * (never on the loop thread), and evbuffer_write reads it on the calling
 * thread. */
#define EVBUF_FS_DISABLE_SENDFILE 0x04
/** evbuffer_file_segment_new() flag: no lock for the segment; it and the
 * buffers holding it are used by one thread at a time. */
#define EVBUF_FS_DISABLE_LOCKING 0x08

/** Cleanup callback of a file segment: called once, when the segment is
 * freed and no buffer uses it any more, after the fd was closed (with
 * EVBUF_FS_CLOSE_ON_FREE). */
typedef void (*evbuffer_file_segment_cleanup_cb)(struct evbuffer_file_segment const *seg, int flags,
                                                 void *arg);

/** Creates a file segment holding length bytes of fd from offset.  uvbev
 * reads nothing now: the ranges added to buffers are read when needed, in
 * bounded windows (see evbuffer_add_file).
 * @param fd an open file (a C runtime descriptor on Windows)
 * @param offset where the segment starts in the file
 * @param length its length, or -1 for up to the end of the file (libevent
 *   2.1 takes the file's whole size then, also past the end when offset is
 *   not 0)
 * @param flags EVBUF_FS_* flags, and uvbev's UVBEV_EVBUF_FS_MMAP
 * @return the segment, or NULL on failure (the fd is then not closed). */
UVBEV_API struct evbuffer_file_segment *evbuffer_file_segment_new(int fd, ev_off_t offset,
                                                                  ev_off_t length, unsigned flags);

/** Drops the caller's reference to a segment; it is freed once no buffer
 * uses it.  NULL is ignored.
 * @param seg the segment */
UVBEV_API void evbuffer_file_segment_free(struct evbuffer_file_segment *seg);

/** Sets the callback run when the segment is finally freed.
 * @param seg the segment
 * @param cb the callback
 * @param arg its last argument */
UVBEV_API void evbuffer_file_segment_add_cleanup_cb(struct evbuffer_file_segment *seg,
                                                    evbuffer_file_segment_cleanup_cb cb, void *arg);

/** Appends part of a segment without copying or reading it (it is read
 * when needed, as evbuffer_add_file describes).
 * @param buf the buffer
 * @param seg the segment (it may be added several times, to several buffers)
 * @param offset the offset within the segment (not the file)
 * @param length the number of bytes, or -1 for the rest of the segment
 * @return 0 on success, -1 on failure (range outside the segment). */
UVBEV_API int evbuffer_add_file_segment(struct evbuffer *buf, struct evbuffer_file_segment *seg,
                                        ev_off_t offset, ev_off_t length);

/* ---- descriptor I/O -------------------------------------------------------- */

/** Writes the buffer's bytes to a socket (any descriptor except on Windows)
 * and drains what was written.
 * @param buf the buffer
 * @param fd the descriptor
 * @return the number of bytes written, or -1 on error (errno /
 *   EVUTIL_SOCKET_ERROR() says why) or when there was nothing to write
 *   (as libevent). */
UVBEV_API int evbuffer_write(struct evbuffer *buf, evutil_socket_t fd);

/** Like evbuffer_write(), writing at most howmuch bytes.
 * @param buf the buffer
 * @param fd the descriptor
 * @param howmuch the maximum number of bytes, or -1 for all
 * @return the number of bytes written, or -1 on error. */
UVBEV_API int evbuffer_write_atmost(struct evbuffer *buf, evutil_socket_t fd, ev_ssize_t howmuch);

/** Reads from a socket (any descriptor except on Windows) to the end of the
 * buffer, with one system call.
 * @param buf the buffer
 * @param fd the descriptor
 * @param howmuch the maximum number of bytes; negative or too large means
 *   as much as one read takes (4096 bytes, as libevent)
 * @return the number of bytes read, 0 at end of file, -1 on error. */
UVBEV_API int evbuffer_read(struct evbuffer *buf, evutil_socket_t fd, int howmuch);

/* ---- searching and peeking ------------------------------------------------- */

/** Finds the first occurrence of len bytes what at or after start.
 * @param buf the buffer
 * @param what the bytes to look for
 * @param len their number
 * @param start where to start (NULL: the start of the buffer)
 * @return its position, with pos -1 if not found. */
UVBEV_API struct evbuffer_ptr evbuffer_search(struct evbuffer *buf, const char *what, size_t len,
                                              const struct evbuffer_ptr *start);

/** Like evbuffer_search(), but the occurrence must end at or before end.
 * @param buf the buffer
 * @param what the bytes to look for
 * @param len their number
 * @param start where to start (NULL: the start of the buffer)
 * @param end where the occurrence must end by (NULL: the end of the buffer)
 * @return its position, with pos -1 if not found. */
UVBEV_API struct evbuffer_ptr evbuffer_search_range(struct evbuffer *buf, const char *what,
                                                    size_t len, const struct evbuffer_ptr *start,
                                                    const struct evbuffer_ptr *end);

/** How evbuffer_ptr_set() moves a position. */
enum evbuffer_ptr_how {
  /** To the given offset from the start of the buffer. */
  EVBUFFER_PTR_SET,
  /** Forward by the given number of bytes. */
  EVBUFFER_PTR_ADD
};

/** Sets or advances a position.  It may end just after the last byte, not
 * further.
 * @param buf the buffer
 * @param ptr the position (may be uninitialised with EVBUFFER_PTR_SET)
 * @param position the offset or the increment
 * @param how EVBUFFER_PTR_SET or EVBUFFER_PTR_ADD
 * @return 0 on success, -1 if the result would be past the end (then
 *   ptr->pos is -1). */
UVBEV_API int evbuffer_ptr_set(struct evbuffer *buf, struct evbuffer_ptr *ptr, size_t position,
                               enum evbuffer_ptr_how how);

/** Finds the first end of line at or after start.
 * @param buf the buffer
 * @param start where to start (NULL: the start of the buffer)
 * @param eol_len_out if not NULL, receives the length of the end of line
 * @param eol_style what ends a line
 * @return its position, with pos -1 if not found. */
UVBEV_API struct evbuffer_ptr evbuffer_search_eol(struct evbuffer *buf, struct evbuffer_ptr *start,
                                                  size_t *eol_len_out,
                                                  enum evbuffer_eol_style eol_style);

/** Points extents at the buffer's bytes without copying them.
 * @param buf the buffer
 * @param len the number of bytes wanted, or -1 for as many as vec_out holds
 * @param start_at where to start (NULL: the start of the buffer)
 * @param vec_out where to store the extents (may be NULL if n_vec is 0)
 * @param n_vec its number of entries; 0 to count only
 * @return the number of extents needed for the bytes wanted (may exceed
 *   n_vec; the last extent filled may hold more than wanted). */
UVBEV_API int evbuffer_peek(struct evbuffer *buf, ev_ssize_t len, struct evbuffer_ptr *start_at,
                            struct evbuffer_iovec *vec_out, int n_vec);

/* ---- callbacks ------------------------------------------------------------- */

/** How the buffer changed since the callbacks last ran. */
struct evbuffer_cb_info {
  /** The length when callbacks last ran. */
  size_t orig_size;
  /** Bytes added since. */
  size_t n_added;
  /** Bytes removed since. */
  size_t n_deleted;
};

/** A callback run after bytes are added to or removed from a buffer.  It may
 * add callbacks, remove itself, and change the buffer (which runs the
 * callbacks again, recursively); it must not remove another callback. */
typedef void (*evbuffer_cb_func)(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                                 void *arg);

/** A handle on a callback of a buffer. */
struct evbuffer_cb_entry;

/** Adds a callback (enabled).  Callbacks run most recently added first.
 * @param buf the buffer
 * @param cb the callback
 * @param cbarg its last argument
 * @return a handle, or NULL on failure. */
UVBEV_API struct evbuffer_cb_entry *evbuffer_add_cb(struct evbuffer *buf, evbuffer_cb_func cb,
                                                    void *cbarg);

/** Removes a callback by its handle (which becomes invalid).
 * @param buf the buffer
 * @param ent the handle
 * @return 0 if removed, -1 if not found. */
UVBEV_API int evbuffer_remove_cb_entry(struct evbuffer *buf, struct evbuffer_cb_entry *ent);

/** Removes the first callback with this function and argument.
 * @param buf the buffer
 * @param cb the callback
 * @param cbarg its argument
 * @return 0 if removed, -1 if not found. */
UVBEV_API int evbuffer_remove_cb(struct evbuffer *buf, evbuffer_cb_func cb, void *cbarg);

/** Flag of a callback: set when it runs. */
#define EVBUFFER_CB_ENABLED 1

/** Sets flags on a callback (EVBUFFER_CB_ENABLED enables it).
 * @param buf the buffer
 * @param cb the callback's handle
 * @param flags the flags to set
 * @return 0 on success, -1 on failure. */
UVBEV_API int evbuffer_cb_set_flags(struct evbuffer *buf, struct evbuffer_cb_entry *cb,
                                    ev_uint32_t flags);

/** Clears flags on a callback (EVBUFFER_CB_ENABLED disables it: changes are
 * then not reported to it, ever).
 * @param buf the buffer
 * @param cb the callback's handle
 * @param flags the flags to clear
 * @return 0 on success, -1 on failure. */
UVBEV_API int evbuffer_cb_clear_flags(struct evbuffer *buf, struct evbuffer_cb_entry *cb,
                                      ev_uint32_t flags);

/** Suspends a callback: it does not run, but the changes made meanwhile are
 * reported to it, once, by evbuffer_cb_unsuspend().  libevent 2.1 declares
 * this function only inside "#if 0"; uvbev provides it.
 * @param buf the buffer
 * @param cb the callback's handle */
UVBEV_API void evbuffer_cb_suspend(struct evbuffer *buf, struct evbuffer_cb_entry *cb);

/** Ends a suspension: if the buffer changed meanwhile, the callback runs
 * once now with the changes accumulated.  (uvbev; see evbuffer_cb_suspend.)
 * @param buf the buffer
 * @param cb the callback's handle */
UVBEV_API void evbuffer_cb_unsuspend(struct evbuffer *buf, struct evbuffer_cb_entry *cb);

#ifdef __cplusplus
}
#endif

#endif
