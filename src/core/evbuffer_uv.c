/* SPDX-License-Identifier: MIT */
/* The evbuffer side of libuv's read and write paths (the contract is in
 * evbuffer-uv-internal.h): reservations of tail space for uv_read_start's
 * alloc callback, and pins of the leading chunks for uv_write. */
#include <limits.h>

#include "evbuffer-internal.h"
#include "evbuffer-uv-internal.h"

/* Reads of up to this many bytes are message reads, into one-page chunks. */
#define EVBUFFER_UV_SMALL_READ 4096
/* The capacity of a one-page chunk (header and bytes in 4096). */
#define EVBUFFER_UV_PAGE_CAP (4096 - sizeof(struct evbuffer_chunk))
/* Free space after the last data worth a read of its own. */
#define EVBUFFER_UV_MIN_FILL 2048

static int is_page_chunk(const struct evbuffer_chunk *c) {
  return c->kind == EVBUFFER_CHUNK_OWNED && c->cap == EVBUFFER_UV_PAGE_CAP &&
         c->mem == (const unsigned char *)(c + 1);
}

/* Gives empty chunks back: to the cache while it has room, else to malloc. */
static void give_back(struct evbuffer_chunk *c, struct evbuffer_uv_cache *cache) {
  while (c != NULL) {
    struct evbuffer_chunk *next = c->next;
    if (cache != NULL && cache->n < EVBUFFER_UV_CACHE_MAX && c->refcnt == 1 && is_page_chunk(c)) {
      c->next = cache->head;
      cache->head = c;
      cache->n++;
    } else {
      evbuffer_chunk_release_(c);
    }
    c = next;
  }
}

static struct evbuffer_chunk *new_read_chunk(size_t size, struct evbuffer_uv_cache *cache) {
  struct evbuffer_chunk *c;
  if (size > EVBUFFER_UV_SMALL_READ) return evbuffer_chunk_new_(size);
  if (cache == NULL || cache->head == NULL) return evbuffer_chunk_new_(EVBUFFER_UV_PAGE_CAP);
  c = cache->head;
  cache->head = c->next;
  cache->n--;
  c->next = NULL;
  c->misalign = c->off = 0;
  c->flags = 0;
  return c;
}

/* The chunk the next read goes into (see evbuffer_uv_reserve_); size is
 * what a new chunk would be given, at most suggested. */
static struct evbuffer_chunk *read_chunk(struct evbuffer *buf, size_t size,
                                         struct evbuffer_uv_cache *cache) {
  size_t fill = size < EVBUFFER_UV_MIN_FILL ? size : EVBUFFER_UV_MIN_FILL;
  size_t whole = size;
  struct evbuffer_chunk *c = buf->last_data;
  if (size <= EVBUFFER_UV_SMALL_READ && whole > EVBUFFER_UV_PAGE_CAP) whole = EVBUFFER_UV_PAGE_CAP;
  if (c != NULL && evbuffer_chunk_tail_space_(c) >= fill) return c;
  c = c != NULL ? c->next : buf->first;
  if (c != NULL && evbuffer_chunk_tail_space_(c) >= whole) return c;
  give_back(evbuffer_chain_take_empty_tail_(buf), cache);
  c = new_read_chunk(size, cache);
  if (c != NULL) evbuffer_chain_append_(buf, c);
  return c;
}

size_t evbuffer_uv_reserve_(struct evbuffer *buf, size_t suggested, size_t chunk_size,
                            struct evbuffer_uv_cache *cache, uv_buf_t *out) {
  struct evbuffer_chunk *c;
  size_t len = 0;
  *out = evbuffer_uv_buf_(NULL, 0);
  if (buf == NULL || suggested == 0) return 0;
  if (chunk_size == 0 || chunk_size > suggested) chunk_size = suggested;
  EVBUFFER_LOCK(buf);
  if (buf->freeze_end || buf->uv_reserved || buf->pin_open) goto done; /* op is one's */
  c = read_chunk(buf, chunk_size, cache);
  if (c == NULL) goto done;
  len = evbuffer_chunk_tail_space_(c);
  if (len > suggested) len = suggested;
  if (len > UINT_MAX) len = UINT_MAX;
  *out = evbuffer_uv_buf_((char *)c->mem + c->misalign + c->off, len);
  buf->uv_reserved = 1;
  buf->op.uv.chunk = c;
  buf->op.uv.len = (unsigned)len;
done:
  EVBUFFER_UNLOCK(buf);
  return len;
}

int evbuffer_uv_commit_(struct evbuffer *buf, size_t n) {
  int r = -1;
  if (buf == NULL) return -1;
  EVBUFFER_LOCK(buf);
  if (buf->uv_reserved && n <= buf->op.uv.len) {
    buf->uv_reserved = 0;
    r = 0;
    if (n > 0) {
      evbuffer_chain_commit_(buf, buf->op.uv.chunk, n);
      evbuffer_invoke_cbs_(buf);
    }
    buf->op.uv.chunk = NULL;
    buf->op.uv.len = 0;
  }
  EVBUFFER_UNLOCK(buf);
  return r;
}

int evbuffer_uv_pin_(struct evbuffer *buf, uv_buf_t *bufs, int maxbufs, size_t max_bytes,
                     size_t *npinned) {
  struct evbuffer_chunk *c;
  size_t total = 0;
  int n = 0;
  if (npinned != NULL) *npinned = 0;
  if (buf == NULL || bufs == NULL || maxbufs <= 0) return 0;
  EVBUFFER_LOCK(buf);
  if (buf->pin_open || buf->uv_reserved) goto done; /* op is one's */
  for (c = buf->first; c != NULL && c->off > 0 && n < maxbufs && total < max_bytes; c = c->next) {
    size_t len;
    /* Not read yet: mapped here (UVBEV_EVBUF_FS_MMAP), or evbuffer_uv_load_ahead_ reads it. */
    if (c->kind == EVBUFFER_CHUNK_FILE && evbuffer_file_map_(buf, c) < 0) break;
    len = c->off;
    if (len > max_bytes - total) len = max_bytes - total;
    if (len > UINT_MAX) len = UINT_MAX;
    bufs[n++] = evbuffer_uv_buf_((char *)c->mem + c->misalign, len);
    c->flags |= EVBUFFER_CHUNK_PINNED;
    total += len;
  }
  if (n > 0) {
    buf->pin_open = 1;
    buf->pin_chunks = (unsigned)n;
    buf->op.pin.total = total;
    buf->op.pin.remaining = total;
  }
  if (npinned != NULL) *npinned = total;
done:
  EVBUFFER_UNLOCK(buf);
  return n;
}

/* The pin ended: frees the pinned chunks that left the chain (the other
 * detached chunks, zero-length references, stay until the buffer goes). */
static void free_detached(struct evbuffer *buf) {
  struct evbuffer_chunk **link = &buf->detached;
  while (*link != NULL) {
    struct evbuffer_chunk *c = *link;
    if (c->flags & EVBUFFER_CHUNK_PINNED) {
      *link = c->next;
      c->flags &= (unsigned char)~EVBUFFER_CHUNK_PINNED;
      evbuffer_chunk_release_(c);
    } else {
      link = &c->next;
    }
  }
}

int evbuffer_uv_unpin_(struct evbuffer *buf, size_t written) {
  struct evbuffer_chunk *c;
  size_t gone;
  if (buf == NULL) return -1;
  EVBUFFER_LOCK(buf);
  if (!buf->pin_open) {
    EVBUFFER_UNLOCK(buf);
    return -1;
  }
  if (written > buf->op.pin.total) written = buf->op.pin.total;
  /* Bytes the user already removed need no second drain. */
  gone = buf->op.pin.total - buf->op.pin.remaining;
  /* Pinned chunks lead the chain, after at most the chunks prepended or
   * pulled up since: stop once all are found. */
  for (c = buf->first; c != NULL && buf->pin_chunks > 0; c = c->next) {
    if (c->flags & EVBUFFER_CHUNK_PINNED) {
      c->flags &= (unsigned char)~EVBUFFER_CHUNK_PINNED;
      buf->pin_chunks--;
    }
  }
  buf->pin_open = 0;
  buf->op.pin.total = buf->op.pin.remaining = 0;
  free_detached(buf);
  if (written > gone) {
    evbuffer_drain_raw_(buf, written - gone);
    evbuffer_invoke_cbs_(buf);
  }
  EVBUFFER_UNLOCK(buf);
  return 0;
}

size_t evbuffer_uv_pinned_(const struct evbuffer *buf) {
  size_t n;
  if (buf == NULL) return 0;
  UVBEV_LOCK(buf->lock);
  n = buf->pin_open ? buf->op.pin.total : 0;
  UVBEV_UNLOCK(buf->lock);
  return n;
}

void evbuffer_uv_trim_(struct evbuffer *buf, struct evbuffer_uv_cache *cache) {
  if (buf == NULL) return;
  EVBUFFER_LOCK(buf);
  if (!buf->uv_reserved) give_back(evbuffer_chain_take_empty_tail_(buf), cache);
  EVBUFFER_UNLOCK(buf);
}

void evbuffer_uv_cache_clear_(struct evbuffer_uv_cache *cache) {
  while (cache->head != NULL) {
    struct evbuffer_chunk *c = cache->head;
    cache->head = c->next;
    evbuffer_chunk_release_(c);
  }
  cache->n = 0;
}
