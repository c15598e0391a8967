/* SPDX-License-Identifier: MIT */
/* evbuffer: the chain, life cycle, flags, freezing, locking, adding,
 * draining, copying out and prepending.  Moving chunks between buffers is in
 * evbuffer_move.c, callbacks in evbuffer_cb.c, positions and searches in
 * evbuffer_search.c, reserved space in evbuffer_space.c. */
#include <stdlib.h>
#include <string.h>

#include "mm-internal.h"
#include "evbuffer-internal.h"

/* ---- chain primitives ----------------------------------------------------- */

void evbuffer_chain_append_(struct evbuffer *buf, struct evbuffer_chunk *c) {
  struct evbuffer_chunk *prev = buf->last_data;
  if (c->off == 0) {
    /* Free space: goes at the very end. */
    c->next = NULL;
    if (buf->last != NULL)
      buf->last->next = c;
    else
      buf->first = c;
    buf->last = c;
    return;
  }
  /* Data: right after the last data, before the empty chunks. */
  if (prev != NULL) {
    c->next = prev->next;
    prev->next = c;
  } else {
    c->next = buf->first;
    buf->first = c;
  }
  if (c->next == NULL) buf->last = c;
  buf->last_data = c;
}

void evbuffer_chain_prepend_(struct evbuffer *buf, struct evbuffer_chunk *c) {
  c->next = buf->first;
  buf->first = c;
  if (buf->last == NULL) buf->last = c;
  if (buf->last_data == NULL) buf->last_data = c;
}

/* Takes chunk c (whose predecessor is prev, NULL for the first) out of the
 * chain, and releases it (or detaches it if pinned). */
static void chain_unlink(struct evbuffer *buf, struct evbuffer_chunk *prev,
                         struct evbuffer_chunk *c) {
  if (prev != NULL)
    prev->next = c->next;
  else
    buf->first = c->next;
  if (buf->last == c) buf->last = prev;
  if (buf->last_data == c) buf->last_data = prev;
  if (c->flags & EVBUFFER_CHUNK_PINNED) {
    buf->pin_chunks--;
    c->next = buf->detached;
    buf->detached = c;
  } else {
    evbuffer_chunk_release_(c);
  }
}

struct evbuffer_chunk *evbuffer_chain_take_empty_tail_(struct evbuffer *buf) {
  struct evbuffer_chunk *prev = buf->last_data;
  struct evbuffer_chunk *c = prev != NULL ? prev->next : buf->first;
  if (prev != NULL)
    prev->next = NULL;
  else
    buf->first = NULL;
  buf->last = prev;
  return c;
}

void evbuffer_chain_free_empty_tail_(struct evbuffer *buf) {
  struct evbuffer_chunk *c = evbuffer_chain_take_empty_tail_(buf);
  while (c != NULL) {
    struct evbuffer_chunk *next = c->next;
    evbuffer_chunk_release_(c);
    c = next;
  }
}

/* Whether drained chunk c is kept as free space rather than freed: it must
 * be ours alone and not too big.  A buffer keeps one such chunk.  A
 * bufferevent's output that still holds data (`remaining` bytes after this
 * drain: a stream's output between refills) keeps up to EVBUFFER_SPARES_MAX:
 * a writer that drains several chunks per write and refills then reuses its
 * own memory, where freeing them let malloc give the heap's top back to the
 * system and fault it in again at the refill (a page fault per 4 KiB
 * streamed).  So an output keeps at most the memory it held at its peak
 * since it was last empty.  Other buffers keep one: an input that keeps a
 * partial message after a burst holds no more than before. */
static int keep_as_spare(const struct evbuffer *buf, const struct evbuffer_chunk *c,
                         size_t remaining) {
  const struct evbuffer_chunk *t = buf->last_data->next; /* the spares */
  int n = 0, max = remaining > 0 && buf->embed == EVBUFFER_EMBED_OUTPUT_ ? EVBUFFER_SPARES_MAX : 1;
  if (!evbuffer_chunk_can_move_(c) || c->cap > EVBUFFER_CHUNK_MAX_SPARE) return 0;
  for (; t != NULL && n < max; t = t->next)
    n++;
  return n < max;
}

/* An emptied buffer keeps one spare chunk: the others go back to malloc. */
static void free_extra_spares(struct evbuffer *buf) {
  struct evbuffer_chunk *c = buf->first, *next;
  if (c == NULL || c->next == NULL) return;
  next = c->next;
  c->next = NULL;
  buf->last = c;
  for (c = next; c != NULL; c = next) {
    next = c->next;
    evbuffer_chunk_release_(c);
  }
}

/* Moves chunk c (after prev, emptied) to the end of the chain. */
static void move_to_tail(struct evbuffer *buf, struct evbuffer_chunk *prev,
                         struct evbuffer_chunk *c) {
  if (prev != NULL)
    prev->next = c->next;
  else
    buf->first = c->next;
  c->next = NULL;
  buf->last->next = c;
  buf->last = c;
}

/* Removes n bytes (<= what follows prev) from the chunks after prev (NULL:
 * from the front).  Structural only: no length, counters or pin accounting.
 * A drained last chunk that may be reused is kept as free space. */
void evbuffer_chain_consume_after_(struct evbuffer *buf, struct evbuffer_chunk *prev, size_t n) {
  size_t remaining = buf->total_len - n; /* (a pullup keeps the n bytes) */
  while (n > 0) {
    struct evbuffer_chunk *c = prev != NULL ? prev->next : buf->first;
    if (c->off > n) {
      c->misalign += n;
      c->off -= n;
      return;
    }
    n -= c->off;
    if (keep_as_spare(buf, c, remaining)) {
      c->misalign = 0;
      c->off = 0;
      if (c == buf->last_data) {
        buf->last_data = prev;
        break;
      }
      move_to_tail(buf, prev, c);
      continue;
    }
    chain_unlink(buf, prev, c);
  }
  if (buf->last_data == NULL) free_extra_spares(buf);
}

size_t evbuffer_copy_from_(const struct evbuffer_chunk *c, size_t pos_in_chunk, void *out,
                           size_t datlen) {
  unsigned char *dst = out;
  size_t done = 0;
  while (c != NULL && done < datlen) {
    size_t avail = c->off - pos_in_chunk;
    size_t n = datlen - done < avail ? datlen - done : avail;
    if (c->kind == EVBUFFER_CHUNK_FILE) {
      /* Straight from the file: bounded by the caller's memory. */
      size_t got = evbuffer_file_read_(c, pos_in_chunk, dst + done, n);
      done += got;
      if (got < n) break;
    } else {
      memcpy(dst + done, c->mem + c->misalign + pos_in_chunk, n);
      done += n;
    }
    pos_in_chunk = 0;
    c = c->next;
  }
  return done;
}

/* ---- adding and draining, unlocked ------------------------------------------ */

/* The next chunk for datlen bytes still to append: as big as the data held
 * (see EVBUFFER_CHUNK_MAX_AUTO), never more than 64 KiB, so that a big
 * append fills several chunks that drains keep and reuse, where one chunk
 * its size would be past malloc's mmap threshold: a fresh mapping per write,
 * faulted in page by page (256 KiB writes streamed 46 % faster). */
static struct evbuffer_chunk *chunk_for_append(struct evbuffer *buf, size_t datlen) {
  size_t size = buf->total_len;
  if (size > EVBUFFER_CHUNK_MAX_AUTO) size = EVBUFFER_CHUNK_MAX_AUTO;
  if (datlen > EVBUFFER_CHUNK_MAX_AUTO) datlen = EVBUFFER_CHUNK_MAX_AUTO;
  if (size < datlen) size = datlen;
  return evbuffer_chunk_new_(size);
}

int evbuffer_add_raw_(struct evbuffer *buf, const void *data, size_t datlen) {
  const unsigned char *src = data;
  size_t left = datlen;
  struct evbuffer_chunk *c = buf->last_data;
  if (datlen == 0) return 0;
  if (buf->total_len + datlen < datlen) return -1;
  if (c == NULL) c = buf->first;
  while (left > 0) {
    size_t space;
    if (c == NULL) {
      c = chunk_for_append(buf, left);
      if (c == NULL) goto fail;
      evbuffer_chain_append_(buf, c);
    }
    space = evbuffer_chunk_tail_space_(c);
    if (space > 0) {
      size_t n = left < space ? left : space;
      memcpy(c->mem + c->misalign + c->off, src, n);
      c->off += n;
      src += n;
      left -= n;
      buf->last_data = c;
    }
    c = c->next;
  }
  buf->total_len += datlen;
  buf->n_added_cb += datlen;
  return 0;
fail:
  /* Keep what was copied: report it as added, like a short write. */
  buf->total_len += datlen - left;
  buf->n_added_cb += datlen - left;
  return -1;
}

void evbuffer_count_removed_(struct evbuffer *buf, size_t len) {
  if (buf->pin_open) {
    size_t d = len < buf->op.pin.remaining ? len : buf->op.pin.remaining;
    buf->op.pin.remaining -= d;
  }
  buf->total_len -= len;
  buf->n_deleted_cb += len;
}

void evbuffer_drain_raw_(struct evbuffer *buf, size_t len) {
  if (len == 0) return;
  evbuffer_chain_consume_after_(buf, NULL, len);
  evbuffer_count_removed_(buf, len);
}

/* ---- life cycle, flags, locking ---------------------------------------------- */

struct evbuffer *evbuffer_new(void) {
  struct evbuffer *buf = uvbev_calloc_(1, sizeof(*buf));
  if (buf == NULL) return NULL;
  buf->refcnt = 1;
  return buf;
}

/* A struct evbuffer must fit the room bufferevents keep for one. */
typedef char evbuffer_embed_fits_[sizeof(struct evbuffer) <= sizeof(struct evbuffer_embed_) ? 1 : -1];

struct evbuffer *evbuffer_embed_init_(struct evbuffer_embed_ *store, unsigned which) {
  struct evbuffer *buf = (struct evbuffer *)(void *)store;
  memset(buf, 0, sizeof(*buf));
  buf->refcnt = 1;
  buf->embed = which;
  return buf;
}

static void release_list(struct evbuffer_chunk *c) {
  while (c != NULL) {
    struct evbuffer_chunk *next = c->next;
    evbuffer_chunk_release_(c);
    c = next;
  }
}

void evbuffer_incref_(struct evbuffer *buf) {
  buf->refcnt++;
  if (buf->embed) bev_core_buffer_hold_(buf, buf->embed);
}

/* An embedded buffer's last reference: what it holds is released and it is
 * left empty with its one reference (usable: a buffer freed by mistake while
 * its bufferevent uses it does not crash, and is freed again with it); its
 * memory and lock go with the bufferevent's block (evbuffer_embed_free_). */
static void release_embedded(struct evbuffer *buf) {
  void *lock = buf->lock;
  unsigned which = buf->embed, own_lock = buf->own_lock;
  evbuffer_cbs_free_(buf);
  release_list(buf->first);
  release_list(buf->detached);
  memset(buf, 0, sizeof(*buf));
  buf->refcnt = 1;
  buf->embed = which;
  buf->lock = lock;
  buf->own_lock = own_lock;
}

void evbuffer_embed_free_(struct evbuffer *buf) {
  void *lock = buf->own_lock ? buf->lock : NULL;
  EVBUFFER_LOCK(buf);
  release_embedded(buf);
  EVBUFFER_UNLOCK(buf);
  if (lock != NULL) uvbev_lock_free_(lock);
}

void evbuffer_decref_and_unlock_(struct evbuffer *buf) {
  void *lock = buf->own_lock ? buf->lock : NULL;
  if (buf->embed) {
    unsigned which = buf->embed;
    if (buf->refcnt > 1) {
      buf->refcnt--;
      EVBUFFER_UNLOCK(buf);
      bev_core_buffer_unhold_(buf, which); /* may free buf */
      return;
    }
    release_embedded(buf);
    EVBUFFER_UNLOCK(buf);
    return;
  }
  if (--buf->refcnt > 0) {
    EVBUFFER_UNLOCK(buf);
    return;
  }
  evbuffer_cbs_free_(buf);
  release_list(buf->first);
  release_list(buf->detached);
  EVBUFFER_UNLOCK(buf);
  if (lock != NULL) uvbev_lock_free_(lock);
  uvbev_free_(buf);
}

void evbuffer_free(struct evbuffer *buf) {
  if (buf == NULL) return;
  EVBUFFER_LOCK(buf);
  evbuffer_decref_and_unlock_(buf);
}

int evbuffer_enable_locking(struct evbuffer *buf, void *lock) {
  if (buf == NULL || buf->lock != NULL) return -1;
  if (lock == NULL) {
    lock = uvbev_lock_new_();
    if (lock == NULL) return -1;
    buf->own_lock = 1;
  }
  buf->lock = lock;
  return 0;
}

void evbuffer_lock(struct evbuffer *buf) {
  if (buf != NULL) EVBUFFER_LOCK(buf);
}

void evbuffer_unlock(struct evbuffer *buf) {
  if (buf != NULL) EVBUFFER_UNLOCK(buf);
}

int evbuffer_set_flags(struct evbuffer *buf, ev_uint64_t flags) {
  if (buf == NULL) return -1;
  EVBUFFER_LOCK(buf);
  buf->flags |= (uint32_t)flags;
  EVBUFFER_UNLOCK(buf);
  return 0;
}

int evbuffer_clear_flags(struct evbuffer *buf, ev_uint64_t flags) {
  if (buf == NULL) return -1;
  EVBUFFER_LOCK(buf);
  buf->flags &= ~(uint32_t)flags;
  EVBUFFER_UNLOCK(buf);
  return 0;
}

static int set_freeze(struct evbuffer *buf, int at_front, unsigned value) {
  if (buf == NULL) return -1;
  EVBUFFER_LOCK(buf);
  if (at_front)
    buf->freeze_start = value;
  else
    buf->freeze_end = value;
  EVBUFFER_UNLOCK(buf);
  return 0;
}

int evbuffer_freeze(struct evbuffer *buf, int at_front) {
  return set_freeze(buf, at_front, 1);
}

int evbuffer_unfreeze(struct evbuffer *buf, int at_front) {
  return set_freeze(buf, at_front, 0);
}

size_t evbuffer_get_length(const struct evbuffer *buf) {
  size_t n;
  if (buf == NULL) return 0;
  /* The lock is not const; a length read is a single word anyway. */
  UVBEV_LOCK(buf->lock);
  n = buf->total_len;
  UVBEV_UNLOCK(buf->lock);
  return n;
}

size_t evbuffer_get_contiguous_space(const struct evbuffer *buf) {
  size_t n;
  if (buf == NULL) return 0;
  UVBEV_LOCK(buf->lock);
  n = buf->first != NULL ? buf->first->off : 0;
  /* An unread file chunk: what a pullup would load in one window. */
  if (n > 0 && buf->first->kind == EVBUFFER_CHUNK_FILE && n > EVBUFFER_FILE_WINDOW)
    n = EVBUFFER_FILE_WINDOW;
  UVBEV_UNLOCK(buf->lock);
  return n;
}

/* ---- public add / drain / copy ----------------------------------------------- */

int evbuffer_add(struct evbuffer *buf, const void *data, size_t datlen) {
  int r = -1;
  if (buf == NULL || (data == NULL && datlen > 0)) return -1;
  EVBUFFER_LOCK(buf);
  if (!buf->freeze_end) {
    struct evbuffer_chunk *c = buf->last_data;
    /* Fast path: the bytes fit in the free tail of the last data chunk
     * (not for nothing: that chunk may have no memory, an unread file). */
    if (c != NULL && datlen > 0 && evbuffer_chunk_tail_space_(c) >= datlen) {
      memcpy(c->mem + c->misalign + c->off, data, datlen);
      c->off += datlen;
      buf->total_len += datlen;
      buf->n_added_cb += datlen;
      r = 0;
    } else {
      r = evbuffer_add_raw_(buf, data, datlen);
    }
    evbuffer_invoke_cbs_(buf);
  }
  EVBUFFER_UNLOCK(buf);
  return r;
}

int evbuffer_drain(struct evbuffer *buf, size_t len) {
  if (buf == NULL) return -1;
  EVBUFFER_LOCK(buf);
  if (buf->freeze_start && buf->total_len > 0) { /* empty: 0, as libevent */
    EVBUFFER_UNLOCK(buf);
    return -1;
  }
  if (len > buf->total_len) len = buf->total_len;
  evbuffer_drain_raw_(buf, len);
  evbuffer_invoke_cbs_(buf);
  EVBUFFER_UNLOCK(buf);
  return 0;
}

ev_ssize_t evbuffer_copyout_from(struct evbuffer *buf, const struct evbuffer_ptr *pos,
                                 void *data_out, size_t datlen) {
  struct evbuffer_chunk *c;
  size_t in_chunk = 0;
  ev_ssize_t n = -1;
  if (buf == NULL || (data_out == NULL && datlen > 0)) return -1;
  EVBUFFER_LOCK(buf);
  if (pos == NULL) {
    c = buf->first;
  } else if (evbuffer_ptr_resolve_(buf, pos, &c, &in_chunk) < 0) {
    goto done;
  }
  n = 0;
  if (datlen == 0 || (size_t)(pos != NULL ? pos->pos : 0) == buf->total_len) goto done;
  /* As libevent: copying nothing succeeds even when the front is frozen. */
  if (buf->freeze_start) {
    n = -1;
    goto done;
  }
  {
    size_t want = buf->total_len - (size_t)(pos != NULL ? pos->pos : 0);
    if (want > datlen) want = datlen;
    /* Short only when a file segment could not be read: an error, not a
     * count that would make the caller drain bytes it never got. */
    if (evbuffer_copy_from_(c, in_chunk, data_out, want) == want)
      n = (ev_ssize_t)want;
    else
      n = -1;
  }
done:
  EVBUFFER_UNLOCK(buf);
  return n;
}

ev_ssize_t evbuffer_copyout(struct evbuffer *buf, void *data_out, size_t datlen) {
  return evbuffer_copyout_from(buf, NULL, data_out, datlen);
}

int evbuffer_remove(struct evbuffer *buf, void *data, size_t datlen) {
  ev_ssize_t n;
  if (buf == NULL) return -1;
  EVBUFFER_LOCK(buf);
  n = evbuffer_copyout_from(buf, NULL, data, datlen);
  if (n > 0 && evbuffer_drain(buf, (size_t)n) < 0) n = -1;
  EVBUFFER_UNLOCK(buf);
  return (int)n;
}

/* ---- prepend ------------------------------------------------------------------ */

/* Pinned bytes are being written by the socket layer: nothing may go before
 * them. */
static int front_is_writing(const struct evbuffer *buf) {
  return buf->pin_open && buf->op.pin.remaining > 0;
}

static int prepend_raw(struct evbuffer *buf, const void *data, size_t size) {
  struct evbuffer_chunk *c = buf->first;
  if (buf->total_len == 0) return evbuffer_add_raw_(buf, data, size);
  if (evbuffer_chunk_can_move_(c) && c->misalign >= size) {
    c->misalign -= size;
  } else {
    /* A new chunk with the data at its end, so later prepends fit too. */
    c = evbuffer_chunk_new_(size);
    if (c == NULL) return -1;
    c->misalign = c->cap - size;
    evbuffer_chain_prepend_(buf, c);
  }
  memcpy(c->mem + c->misalign, data, size);
  c->off += size;
  buf->total_len += size;
  buf->n_added_cb += size;
  return 0;
}

int evbuffer_prepend(struct evbuffer *buf, const void *data, size_t size) {
  int r = -1;
  if (buf == NULL || (data == NULL && size > 0)) return -1;
  if (size == 0) return 0; /* even when frozen, as libevent */
  EVBUFFER_LOCK(buf);
  if (!buf->freeze_start && !front_is_writing(buf)) {
    r = prepend_raw(buf, data, size);
    evbuffer_invoke_cbs_(buf);
  }
  EVBUFFER_UNLOCK(buf);
  return r;
}

int evbuffer_front_is_writing_(const struct evbuffer *buf) {
  return front_is_writing(buf);
}
