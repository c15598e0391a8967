/* SPDX-License-Identifier: MIT */
/* struct evbuffer and its chunk chain: private to the src/core/evbuffer*.c
 * files.  Other modules use <event2/buffer.h> and evbuffer-uv-internal.h.
 *
 * The chain.  A singly linked list of chunks, first..last.  Each chunk views
 * `off` bytes of data at mem + misalign, inside `cap` bytes of memory.
 * Invariant: every chunk holding no data comes after the last chunk holding
 * data (`last_data`, NULL when the buffer is empty): such empty chunks are
 * free space kept for appends and reservations.  So the data is found from
 * `first` without skipping holes, and appends start at `last_data`.
 *
 * Chunk kinds.  OWNED chunks carry their memory right after the struct.
 * REFERENCE chunks view user memory and run the user's cleanup once when
 * released; VIEW chunks view another chunk's bytes (evbuffer_add_buffer_
 * reference) and hold a reference on it.  File segments are lazy: a FILE
 * chunk stands for bytes of a segment not read yet (mem is NULL, misalign is
 * the position in the segment, off the length), so a 4 GiB file costs one
 * header; a SEGMENT chunk holds one window of a segment read into memory it
 * owns (at most EVBUFFER_FILE_WINDOW bytes), or a view of the file mapped
 * over that window when the segment asks for it (UVBEV_EVBUF_FS_MMAP): the
 * view's pages are the system's page cache, not the process's memory, which
 * makes a window cheap to keep.  Both hold a reference on the segment.  A VIEW, SEGMENT or FILE chunk is never viewed in turn.
 *
 * Reading a FILE chunk (evbuffer_file.c).  The bytes of a FILE chunk exist
 * only once a window is loaded, which splits the chunk in place: the FILE
 * chunk keeps the bytes before the window, a SEGMENT chunk after it holds
 * the window, a new FILE chunk after that the rest.  The chunk a pointer
 * (evbuffer_ptr) names keeps its first bytes, so pointers stay valid.  Code
 * that reads chunk memory loads first: the cursor of evbuffer_search.c (peek,
 * search, lines), pullup; copies read the file straight into their
 * destination (evbuffer_copy_from_); moves share the segment instead of
 * reading it; the socket write path loads ahead on libuv's thread pool
 * (evbuffer_uv_load_ahead_) and pins no FILE chunk, except one it has just
 * mapped (a mapping reads nothing: the write touches the pages).
 * A chunk is freed when its reference count drops to zero: the count is 1
 * for the buffer that holds it plus 1 per VIEW on it.
 *
 * Who may touch a chunk's memory:
 *   - append into the free tail: OWNED, not shared and not pinned (as in
 *     libevent, where a referenced chunk turns immutable: appends to a buffer
 *     that another references go to a new chunk);
 *   - move the data inside the chunk or reuse it from offset 0 once empty:
 *     OWNED, not shared (refcnt 1) and not pinned.
 *
 * Pins (evbuffer-uv-internal.h).  The socket layer pins the leading chunks
 * while libuv writes them.  A pinned chunk that must leave the chain (drained,
 * pulled up) goes to the `detached` list instead of being freed, and is freed
 * when the pin ends.  While a pin is open, bytes leave for another buffer by
 * copy, never by moving chunks, so pinned chunks never change buffer.
 *
 * Callbacks.  n_added_cb/n_deleted_cb accumulate changes since callbacks last
 * ran; evbuffer_invoke_cbs_() runs them now or schedules the deferred run.
 */
#ifndef UVBEV_EVBUFFER_INTERNAL_H_
#define UVBEV_EVBUFFER_INTERNAL_H_

#include <stddef.h>
#include <stdint.h>

#include "event2/buffer.h"
#include "event2/buffer_compat.h"
#include "event-internal.h"
#include "thread-internal.h"
#include "evbuffer-embed-internal.h"

enum evbuffer_chunk_kind {
  EVBUFFER_CHUNK_OWNED,
  EVBUFFER_CHUNK_REFERENCE,
  EVBUFFER_CHUNK_SEGMENT,
  EVBUFFER_CHUNK_VIEW,
  EVBUFFER_CHUNK_FILE
};

/* The most bytes of a file segment one load reads into memory: big enough
 * that a thread-pool round trip per window costs little next to writing it,
 * small enough that a few windows in flight keep a sender's memory low. */
#define EVBUFFER_FILE_WINDOW (256 * 1024)

#define EVBUFFER_CHUNK_PINNED 0x01u
/* A SEGMENT chunk whose window is a mapped view of the file (mem is the
 * view, cap its size), unmapped when the chunk is freed; bytes read into
 * malloc'd memory otherwise. */
#define EVBUFFER_CHUNK_MAPPED 0x02u
/* A FILE chunk of a segment that maps (UVBEV_EVBUF_FS_MMAP) whose window
 * could not be mapped: it is read instead. */
#define EVBUFFER_CHUNK_NOMAP 0x04u

struct evbuffer_chunk {
  struct evbuffer_chunk *next;
  unsigned char *mem; /* start of the memory */
  size_t cap;         /* bytes of memory at mem */
  size_t misalign;    /* bytes before the data */
  size_t off;         /* bytes of data */
  unsigned refcnt;
  unsigned char kind;
  unsigned char flags;
  union {
    struct {
      evbuffer_ref_cleanup_cb fn;
      void *arg;
    } ref;
    struct evbuffer_file_segment *seg;
    struct evbuffer_chunk *parent;
  } u;
};

struct evbuffer_file_segment {
  unsigned refcnt;
  unsigned flags;
  int fd;
  int64_t offset; /* of the segment's first byte in the file */
  size_t length;
  void *lock;
  evbuffer_file_segment_cleanup_cb cleanup_cb;
  void *cleanup_arg;
};

/* Callback entry flags beyond the public EVBUFFER_CB_ENABLED. */
#define EVBUFFER_CB_OBSOLETE_ 0x10000u  /* set by evbuffer_setcb */
#define EVBUFFER_CB_SUSPENDED_ 0x20000u /* evbuffer_cb_suspend */

struct evbuffer_cb_entry {
  struct evbuffer_cb_entry *next; /* a singly linked list: removal looks the
                                     entry up anyway, to refuse a stranger */
  union {
    evbuffer_cb_func fn;
    evbuffer_cb obsolete;
  } cb;
  void *arg;
  uint32_t flags;
  /* Changes seen while suspended.  The size before them is not kept: it is
   * the length now less every change since (evbuffer_cb_unsuspend), which
   * makes an entry one malloc size class smaller. */
  size_t susp_added;
  size_t susp_deleted;
};

/* Deferred callback runs (evbuffer_defer_callbacks): allocated on the first
 * call, as few buffers use it and it would be a third of an idle buffer. */
struct evbuffer_deferral {
  struct uvbev_deferred d;
  struct event_base *base;
};

/* The 32-bit fields are grouped so that none is padded: an idle connection
 * holds two buffers, and at 136 bytes each one is a malloc size class
 * smaller than with plain size_t/unsigned fields. */
struct evbuffer {
  struct evbuffer_chunk *first;
  struct evbuffer_chunk *last;
  struct evbuffer_chunk *last_data; /* last chunk with off > 0, or NULL */
  size_t total_len;
  void *lock;

  uint32_t flags; /* evbuffer_set_flags; 32 bits kept, as libevent does */
  /* 1 for the user, +1 while a deferred callback run is queued (as in
   * libevent, a queued run outlives evbuffer_free and still happens), +1
   * while a file window loads (file_loading): never more than 3. */
  unsigned refcnt : 2;
  unsigned own_lock : 1;
  unsigned freeze_start : 1;
  unsigned freeze_end : 1;
  unsigned pin_open : 1;
  unsigned uv_reserved : 1;
  unsigned file_loading : 1; /* evbuffer_uv_load_ahead_'s read is running */
  /* EVBUFFER_EMBED_*_: stored in a bufferevent's block, whose reference
   * each extra reference holds (evbuffer-embed-internal.h); 0: malloc'd. */
  unsigned embed : 2;
  unsigned pin_chunks;       /* pinned chunks still in the chain */

  /* Callbacks. */
  struct evbuffer_cb_entry *callbacks; /* newest first */
  size_t n_added_cb;
  size_t n_deleted_cb;
  struct evbuffer_deferral *deferral; /* NULL: callbacks run at once */

  /* Chunks the buffer holds off the chain: pinned ones that left it (freed
   * when the pin ends) and zero-length references (kept until the buffer is
   * freed, as libevent does).  One list, as the second kind is rare. */
  struct evbuffer_chunk *detached;

  /* The socket layer's operation in progress: a pin (the write path, on a
   * bufferevent's output) or a read reservation (on its input).  Never both
   * on one buffer (each refuses while the other is open), so they share
   * their memory: 8 bytes less per buffer, two per connection. */
  union {
    struct {
      size_t total;     /* bytes pinned */
      size_t remaining; /* pinned bytes not yet removed from the buffer */
    } pin;              /* while pin_open */
    struct {
      struct evbuffer_chunk *chunk;
      unsigned len; /* bytes reserved (<= UINT_MAX) */
    } uv;           /* while uv_reserved */
  } op;
};

#define EVBUFFER_LOCK(b) UVBEV_LOCK((b)->lock)
#define EVBUFFER_UNLOCK(b) UVBEV_UNLOCK((b)->lock)

/* Size limits of chunks that uvbev allocates for appends: a new chunk is as
 * big as the data already buffered (within these limits), so a buffer that
 * accumulates small appends gets few chunks and one emptied at each step
 * stays small; a bigger append fills several. */
#define EVBUFFER_CHUNK_MIN 1024
#define EVBUFFER_CHUNK_MAX_AUTO (64 * 1024)
/* A drained chunk up to this size (a 64 KiB read or append chunk with its
 * header) is kept as free tail space instead of being freed: no malloc per
 * read or per block in steady state.  A bufferevent's output that still
 * holds data keeps up to EVBUFFER_SPARES_MAX of them, other buffers and an
 * emptied output a single one (evbuffer.c).  The price: an idle buffer that once held data keeps up to
 * EVBUFFER_CHUNK_MAX_SPARE bytes until freed. */
#define EVBUFFER_CHUNK_MAX_SPARE (72 * 1024)
#define EVBUFFER_SPARES_MAX 16

/* ---- chunks (evbuffer_chunk.c) ------------------------------------------- */

/* An OWNED chunk with room for at least `size` bytes (rounded up). */
struct evbuffer_chunk *evbuffer_chunk_new_(size_t size);
/* A header-only chunk of the given kind showing len bytes at mem, which the
 * buffer never writes; the caller sets the owner (u). */
struct evbuffer_chunk *evbuffer_chunk_new_foreign_(int kind, const void *mem, size_t len);
/* Drops one reference; frees the chunk (running its cleanup) at zero. */
void evbuffer_chunk_release_(struct evbuffer_chunk *c);
/* Free bytes after the data, 0 unless appending into the chunk is allowed. */
static inline size_t evbuffer_chunk_tail_space_(const struct evbuffer_chunk *c) {
  if (c->kind != EVBUFFER_CHUNK_OWNED || c->refcnt != 1 || (c->flags & EVBUFFER_CHUNK_PINNED))
    return 0;
  return c->cap - c->misalign - c->off;
}
/* Non-zero when the chunk's data may be moved inside its memory. */
static inline int evbuffer_chunk_can_move_(const struct evbuffer_chunk *c) {
  return c->kind == EVBUFFER_CHUNK_OWNED && c->refcnt == 1 && !(c->flags & EVBUFFER_CHUNK_PINNED);
}

/* ---- chain (evbuffer.c) --------------------------------------------------- */

/* Appends chunk c (data or empty) after the last data, keeping the invariant
 * (empty chunks after last_data are freed, except when c is empty). */
void evbuffer_chain_append_(struct evbuffer *buf, struct evbuffer_chunk *c);
/* Inserts chunk c (with data) at the front. */
void evbuffer_chain_prepend_(struct evbuffer *buf, struct evbuffer_chunk *c);
/* Removes n bytes from the chunks after prev (NULL: from the front): the
 * chunk structure only, no length, counter or pin accounting. */
void evbuffer_chain_consume_after_(struct evbuffer *buf, struct evbuffer_chunk *prev, size_t n);
/* Non-zero while pinned bytes are at the front (nothing may go before). */
int evbuffer_front_is_writing_(const struct evbuffer *buf);
/* Takes the empty chunks after last_data out of the chain and returns them,
 * linked (none is pinned: pins cover data only). */
struct evbuffer_chunk *evbuffer_chain_take_empty_tail_(struct evbuffer *buf);
/* Frees the empty chunks after last_data. */
void evbuffer_chain_free_empty_tail_(struct evbuffer *buf);
/* Copies datlen bytes to the end, without locking, freeze test or callbacks
 * (the caller does those).  Returns 0 or -1. */
int evbuffer_add_raw_(struct evbuffer *buf, const void *data, size_t datlen);
/* Drains len (<= total_len) bytes from the front, without locking, freeze
 * test or callbacks (only the counters). */
void evbuffer_drain_raw_(struct evbuffer *buf, size_t len);
/* Accounts for len bytes removed from the front: length, callback counter,
 * pinned bytes still present. */
void evbuffer_count_removed_(struct evbuffer *buf, size_t len);
/* Copies up to datlen bytes starting at chunk c, offset pos_in_chunk. */
size_t evbuffer_copy_from_(const struct evbuffer_chunk *c, size_t pos_in_chunk, void *out,
                           size_t datlen);
/* Makes sure there is a chunk after last_data (or last_data itself) with at
 * least `size` contiguous bytes of tail space, and returns it; NULL on
 * allocation failure. */
struct evbuffer_chunk *evbuffer_chain_tail_for_(struct evbuffer *buf, size_t size);
/* Commits n bytes of tail space in chunk c as data (counters updated). */
void evbuffer_chain_commit_(struct evbuffer *buf, struct evbuffer_chunk *c, size_t n);

/* ---- callbacks (evbuffer_cb.c) --------------------------------------------- */

/* Runs the callbacks for the changes counted so far, or schedules them when
 * deferred.  Called with the lock held. */
void evbuffer_run_or_defer_cbs_(struct evbuffer *buf);
static inline void evbuffer_invoke_cbs_(struct evbuffer *buf) {
  if (buf->callbacks == NULL && buf->embed != EVBUFFER_EMBED_OUTPUT_)
    buf->n_added_cb = buf->n_deleted_cb = 0; /* the common case: no call */
  else
    evbuffer_run_or_defer_cbs_(buf);
}
/* Frees every callback entry and the deferral state. */
void evbuffer_cbs_free_(struct evbuffer *buf);
/* Takes an extra reference (a queued run, a load), with the lock held. */
void evbuffer_incref_(struct evbuffer *buf);
/* Drops a reference taken with the lock held, and releases the lock; frees
 * the buffer at zero (evbuffer.c). */
void evbuffer_decref_and_unlock_(struct evbuffer *buf);

/* ---- segments (evbuffer_ref.c) --------------------------------------------- */

/* Drops one reference on a segment; frees it (fd, cleanup callback) at zero. */
void evbuffer_segment_release_(struct evbuffer_file_segment *seg);

/* ---- lazy file chunks (evbuffer_file.c) ------------------------------------ */

/* A FILE chunk showing len bytes of seg from position pos, holding a
 * reference on seg; NULL on allocation failure. */
struct evbuffer_chunk *evbuffer_file_chunk_new_(struct evbuffer_file_segment *seg, size_t pos,
                                                size_t len);
/* Loads the window of FILE chunk c (in buf's chain) that starts at offset
 * pos of its data, reading the file on this thread.  Afterwards the byte at
 * pos is the first of a SEGMENT chunk after c (pos > 0) or of c itself.
 * Returns 0, or -1 (read error, short file, no memory: the chain is valid,
 * with the bytes still unread). */
int evbuffer_file_load_(struct evbuffer *buf, struct evbuffer_chunk *c, size_t pos);
/* Turns FILE chunk c into a SEGMENT chunk over the window mem (cap bytes,
 * c's first byte at mem + at), which it takes; what the window does not
 * cover stays a FILE chunk after c.  mapped: EVBUFFER_CHUNK_MAPPED when mem
 * is a view of the file, else 0 (malloc'd).  Returns 0, or -1 (mem freed). */
int evbuffer_file_fill_(struct evbuffer *buf, struct evbuffer_chunk *c, unsigned char *mem,
                        size_t cap, size_t at, unsigned mapped);
/* Non-zero when the window of FILE chunk c is to be mapped rather than
 * read: its segment has UVBEV_EVBUF_FS_MMAP, not EVBUF_FS_DISABLE_MMAP, and
 * no mapping of c failed. */
int evbuffer_file_maps_(const struct evbuffer_chunk *c);
/* Maps the first window of FILE chunk c (in buf's chain) when it is to be
 * mapped (evbuffer_file_maps_): c becomes a SEGMENT chunk over the view.
 * Reads nothing.  Returns 0, or -1 (not to be mapped, or the mapping failed:
 * c is marked so and stays unread, to be read instead). */
int evbuffer_file_map_(struct evbuffer *buf, struct evbuffer_chunk *c);
/* Frees the memory of SEGMENT chunk c's window: unmaps a view, frees bytes
 * read. */
void evbuffer_file_window_free_(struct evbuffer_chunk *c);
/* Reads n bytes from offset pos of FILE chunk c into out; returns the count
 * read (less on a read error or a short file). */
size_t evbuffer_file_read_(const struct evbuffer_chunk *c, size_t pos, void *out, size_t n);
/* Appends the first n bytes of chunk c's data to dst: a FILE chunk's by
 * sharing its segment (no read), others by copying.  Returns 0 or -1. */
int evbuffer_add_chunk_bytes_(struct evbuffer *dst, const struct evbuffer_chunk *c, size_t n);
/* How much of want a gathered write should take from the front of buf: up
 * to one window into the first unread file chunk, so that the peek behind
 * the write loads one window, not as many as it has vectors. */
size_t evbuffer_file_write_cap_(const struct evbuffer *buf, size_t want);
/* Takes one more reference on a segment (evbuffer_ref.c). */
void evbuffer_segment_incref_(struct evbuffer_file_segment *seg);

/* ---- positions (evbuffer_search.c) ----------------------------------------- */

/* Resolves a user position to chunk/offset.  Returns 0, or -1 if invalid. */
int evbuffer_ptr_resolve_(struct evbuffer *buf, const struct evbuffer_ptr *p,
                          struct evbuffer_chunk **c, size_t *pos_in_chunk);

#endif
