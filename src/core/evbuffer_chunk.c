/* SPDX-License-Identifier: MIT */
/* Chunks of an evbuffer: allocation, sizing, release (see evbuffer-internal.h
 * for the kinds and who may write into a chunk). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mm-internal.h"
#include "evbuffer-internal.h"

/* Rounds a chunk's memory up so that small chunks are powers of two (with the
 * header) and big ones whole pages: fewer odd-sized blocks for malloc. */
static size_t chunk_alloc_size(size_t size) {
  size_t total = sizeof(struct evbuffer_chunk) + size;
  size_t alloc = EVBUFFER_CHUNK_MIN;
  /* No object is bigger than PTRDIFF_MAX: refuse before malloc (libevent
   * caps chunks likewise), which also rules out overflow. */
  if (size > (size_t)PTRDIFF_MAX - sizeof(struct evbuffer_chunk) - 4095) return 0;
  if (total <= EVBUFFER_CHUNK_MAX_AUTO) {
    while (alloc < total)
      alloc <<= 1;
    return alloc;
  }
  alloc = (total + 4095) & ~(size_t)4095;
  return alloc < total ? 0 : alloc;
}

struct evbuffer_chunk *evbuffer_chunk_new_(size_t size) {
  size_t alloc = chunk_alloc_size(size);
  struct evbuffer_chunk *c;
  if (alloc == 0) return NULL;
  c = uvbev_malloc_(alloc);
  if (c == NULL) return NULL;
  c->next = NULL;
  c->mem = (unsigned char *)(c + 1);
  c->cap = alloc - sizeof(*c);
  c->misalign = 0;
  c->off = 0;
  c->refcnt = 1;
  c->kind = EVBUFFER_CHUNK_OWNED;
  c->flags = 0;
  return c;
}

void evbuffer_chunk_release_(struct evbuffer_chunk *c) {
  if (--c->refcnt > 0) return;
  switch (c->kind) {
  case EVBUFFER_CHUNK_REFERENCE:
    if (c->u.ref.fn != NULL) c->u.ref.fn(c->mem, c->cap, c->u.ref.arg);
    break;
  case EVBUFFER_CHUNK_SEGMENT:
    evbuffer_file_window_free_(c);
    evbuffer_segment_release_(c->u.seg);
    break;
  case EVBUFFER_CHUNK_FILE:
    evbuffer_segment_release_(c->u.seg);
    break;
  case EVBUFFER_CHUNK_VIEW:
    evbuffer_chunk_release_(c->u.parent);
    break;
  default:
    break;
  }
  uvbev_free_(c);
}

struct evbuffer_chunk *evbuffer_chunk_new_foreign_(int kind, const void *mem, size_t len) {
  struct evbuffer_chunk *c = uvbev_malloc_(sizeof(*c));
  if (c == NULL) return NULL;
  c->next = NULL;
  c->mem = (unsigned char *)(uintptr_t)mem; /* never written: not OWNED */
  c->cap = len;
  c->misalign = 0;
  c->off = len;
  c->refcnt = 1;
  c->kind = (unsigned char)kind;
  c->flags = 0;
  return c;
}
