/* SPDX-License-Identifier: MIT */
/* Free space at the end of an evbuffer (expand, reserve/commit, add_iovec,
 * add_printf) and making its start contiguous (pullup). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evbuffer-internal.h"

/* Moving this little data to the start of its chunk is cheaper than a new
 * chunk. */
#define EVBUFFER_MAX_REALIGN 2048
/* Copying this little data into a bigger chunk beats wasting c's tail. */
#define EVBUFFER_MAX_COPY_IN_EXPAND 4096

static struct evbuffer_chunk *first_free(struct evbuffer *buf) {
  return buf->last_data != NULL ? buf->last_data->next : buf->first;
}

/* Replaces the last data chunk c by a bigger one holding its data and `size`
 * free bytes: cheaper than leaving much of c's tail unused. */
static struct evbuffer_chunk *regrow(struct evbuffer *buf, struct evbuffer_chunk *c, size_t size) {
  struct evbuffer_chunk *n, *prev = NULL;
  if (c->off + size < size) return NULL;
  n = evbuffer_chunk_new_(c->off + size);
  if (n == NULL) return NULL;
  memcpy(n->mem, c->mem + c->misalign, c->off);
  n->off = c->off;
  if (buf->first != c)
    for (prev = buf->first; prev->next != c; prev = prev->next)
      ;
  n->next = c->next;
  if (prev != NULL)
    prev->next = n;
  else
    buf->first = n;
  if (buf->last == c) buf->last = n;
  buf->last_data = n;
  evbuffer_chunk_release_(c);
  return n;
}

struct evbuffer_chunk *evbuffer_chain_tail_for_(struct evbuffer *buf, size_t size) {
  struct evbuffer_chunk *c = buf->last_data;
  struct evbuffer_chunk *next = first_free(buf);
  if (c != NULL && evbuffer_chunk_tail_space_(c) >= size && evbuffer_chunk_tail_space_(c) > 0)
    return c;
  if (next != NULL && evbuffer_chunk_tail_space_(next) >= size) return next;
  if (c != NULL && evbuffer_chunk_can_move_(c) && c->off <= EVBUFFER_MAX_REALIGN &&
      c->cap - c->off >= size) {
    memmove(c->mem, c->mem + c->misalign, c->off);
    c->misalign = 0;
    return c;
  }
  evbuffer_chain_free_empty_tail_(buf);
  if (c != NULL && evbuffer_chunk_can_move_(c) && c->off <= EVBUFFER_MAX_COPY_IN_EXPAND &&
      evbuffer_chunk_tail_space_(c) >= c->cap / 8)
    return regrow(buf, c, size);
  c = evbuffer_chunk_new_(size);
  if (c == NULL) return NULL;
  evbuffer_chain_append_(buf, c);
  return c;
}

/* Frees the empty chunks between the last data and c, which is about to
 * receive data: the chain must not have holes. */
static void drop_empties_before(struct evbuffer *buf, struct evbuffer_chunk *c) {
  while (first_free(buf) != c && first_free(buf) != NULL) {
    struct evbuffer_chunk *e = first_free(buf);
    if (buf->last_data != NULL)
      buf->last_data->next = e->next;
    else
      buf->first = e->next;
    if (buf->last == e) buf->last = buf->last_data;
    evbuffer_chunk_release_(e);
  }
}

void evbuffer_chain_commit_(struct evbuffer *buf, struct evbuffer_chunk *c, size_t n) {
  if (n == 0) return;
  if (c != buf->last_data) drop_empties_before(buf, c);
  c->off += n;
  buf->last_data = c;
  buf->total_len += n;
  buf->n_added_cb += n;
}

int evbuffer_expand(struct evbuffer *buf, size_t datlen) {
  int r;
  if (buf == NULL) return -1;
  EVBUFFER_LOCK(buf);
  r = evbuffer_chain_tail_for_(buf, datlen) != NULL ? 0 : -1;
  EVBUFFER_UNLOCK(buf);
  return r;
}

static void set_vec(struct evbuffer_iovec *v, struct evbuffer_chunk *c) {
  v->iov_base = c->mem + c->misalign + c->off;
  v->iov_len = evbuffer_chunk_tail_space_(c);
}

/* The first chunk that takes appended bytes: the last data chunk while it
 * has free tail, else the first empty chunk after it (NULL: none). */
static struct evbuffer_chunk *first_with_space(struct evbuffer *buf) {
  struct evbuffer_chunk *c = buf->last_data;
  if (c != NULL && evbuffer_chunk_tail_space_(c) > 0) return c;
  return first_free(buf);
}

/* Makes the first n_vec chunks with free space hold `size` bytes, as
 * libevent does (so the extents handed out are libevent's): keep them if
 * they do; else add a chunk for the rest while fewer than n_vec are in use;
 * else replace every empty chunk by one big enough.  Never moves data. */
static int make_room(struct evbuffer *buf, size_t size, int n_vec) {
  struct evbuffer_chunk *c;
  size_t avail = 0;
  int used = 0;
  for (c = first_with_space(buf); c != NULL && used < n_vec && avail < size; c = c->next) {
    if (c->off == 0 && evbuffer_chunk_can_move_(c)) c->misalign = 0;
    avail += evbuffer_chunk_tail_space_(c);
    used++;
  }
  if (avail >= size) return 0;
  if (used == n_vec) {
    evbuffer_chain_free_empty_tail_(buf);
    avail = buf->last_data != NULL ? evbuffer_chunk_tail_space_(buf->last_data) : 0;
  }
  c = evbuffer_chunk_new_(size - avail);
  if (c == NULL) return -1;
  evbuffer_chain_append_(buf, c);
  return 0;
}

/* Several extents: the free space from the first chunk with some on, one
 * extent per chunk, until they hold `size` bytes (none for 0, as libevent). */
static int reserve_many(struct evbuffer *buf, size_t size, struct evbuffer_iovec *vec, int n_vec) {
  struct evbuffer_chunk *c;
  size_t got = 0;
  int i = 0;
  if (make_room(buf, size, n_vec) < 0) return -1;
  for (c = first_with_space(buf); c != NULL && i < n_vec && got < size; c = c->next, i++) {
    set_vec(&vec[i], c);
    got += vec[i].iov_len;
  }
  return i;
}

int evbuffer_reserve_space(struct evbuffer *buf, ev_ssize_t size, struct evbuffer_iovec *vec,
                           int n_vec) {
  int r = -1;
  if (buf == NULL || vec == NULL || n_vec < 1 || size < 0) return -1;
  EVBUFFER_LOCK(buf);
  if (!buf->freeze_end) {
    if (n_vec == 1) {
      struct evbuffer_chunk *c = evbuffer_chain_tail_for_(buf, (size_t)size);
      if (c != NULL) {
        set_vec(&vec[0], c);
        r = 1;
      }
    } else {
      r = reserve_many(buf, (size_t)size, vec, n_vec);
    }
  }
  EVBUFFER_UNLOCK(buf);
  return r;
}

/* The chunk whose free tail starts at p, searched from the last data on. */
static struct evbuffer_chunk *chunk_with_free_at(struct evbuffer *buf, const void *p) {
  struct evbuffer_chunk *c = buf->last_data != NULL ? buf->last_data : buf->first;
  for (; c != NULL; c = c->next) /* (an unread file chunk has no memory) */
    if (c->mem != NULL && (const unsigned char *)p == c->mem + c->misalign + c->off) return c;
  return NULL;
}

/* Non-zero when vec[0..n_vecs) lie at the start of the free tails of
 * consecutive chunks from c on. */
static int vecs_fit(const struct evbuffer_chunk *c, const struct evbuffer_iovec *vec, int n_vecs) {
  int i;
  for (i = 0; i < n_vecs; i++, c = c->next) {
    if (c == NULL || c->mem == NULL || vec[i].iov_base != c->mem + c->misalign + c->off ||
        vec[i].iov_len > evbuffer_chunk_tail_space_(c))
      return 0;
  }
  return 1;
}

int evbuffer_commit_space(struct evbuffer *buf, struct evbuffer_iovec *vec, int n_vecs) {
  struct evbuffer_chunk *c;
  int i, r = -1;
  if (buf == NULL || n_vecs < 0 || (vec == NULL && n_vecs > 0)) return -1;
  EVBUFFER_LOCK(buf);
  if (buf->freeze_end) goto done;
  r = 0;
  if (n_vecs == 0) goto done;
  r = -1;
  c = chunk_with_free_at(buf, vec[0].iov_base);
  if (c == NULL || !vecs_fit(c, vec, n_vecs)) goto done;
  for (i = 0; i < n_vecs; i++) {
    struct evbuffer_chunk *next = c->next; /* a commit frees only chunks before c */
    evbuffer_chain_commit_(buf, c, vec[i].iov_len);
    c = next;
  }
  evbuffer_invoke_cbs_(buf);
  r = 0;
done:
  EVBUFFER_UNLOCK(buf);
  return r;
}

size_t evbuffer_add_iovec(struct evbuffer *buf, struct evbuffer_iovec *vec, int n_vec) {
  size_t total = 0;
  int i;
  if (buf == NULL || n_vec < 0 || (vec == NULL && n_vec > 0)) return 0;
  for (i = 0; i < n_vec; i++)
    total += vec[i].iov_len;
  EVBUFFER_LOCK(buf);
  if (!buf->freeze_end && total > 0) {
    struct evbuffer_chunk *c = evbuffer_chain_tail_for_(buf, total);
    if (c == NULL) {
      total = 0;
    } else {
      for (i = 0; i < n_vec; i++) {
        memcpy(c->mem + c->misalign + c->off, vec[i].iov_base, vec[i].iov_len);
        evbuffer_chain_commit_(buf, c, vec[i].iov_len);
      }
      evbuffer_invoke_cbs_(buf);
    }
  } else {
    total = 0;
  }
  EVBUFFER_UNLOCK(buf);
  return total;
}

int evbuffer_add_vprintf(struct evbuffer *buf, const char *fmt, va_list ap) {
  int r = -1;
  size_t want = 64;
  if (buf == NULL || fmt == NULL) return -1;
  EVBUFFER_LOCK(buf);
  if (buf->freeze_end) goto done;
  for (;;) {
    struct evbuffer_chunk *c = evbuffer_chain_tail_for_(buf, want);
    size_t space;
    int n;
    va_list aq;
    if (c == NULL) goto done;
    space = evbuffer_chunk_tail_space_(c);
    va_copy(aq, ap);
    n = vsnprintf((char *)c->mem + c->misalign + c->off, space, fmt, aq);
    va_end(aq);
    if (n < 0) goto done;
    if ((size_t)n < space) {
      evbuffer_chain_commit_(buf, c, (size_t)n);
      r = n;
      break;
    }
    want = (size_t)n + 1; /* vsnprintf writes the NUL too */
  }
  evbuffer_invoke_cbs_(buf);
done:
  EVBUFFER_UNLOCK(buf);
  return r;
}

int evbuffer_add_printf(struct evbuffer *buf, const char *fmt, ...) {
  va_list ap;
  int r;
  va_start(ap, fmt);
  r = evbuffer_add_vprintf(buf, fmt, ap);
  va_end(ap);
  return r;
}

/* Gathers the first size bytes into one chunk at the front. */
static unsigned char *pullup_raw(struct evbuffer *buf, size_t size) {
  struct evbuffer_chunk *c = buf->first;
  size_t rest;
  /* An unread file chunk first: its first window may be all that is asked. */
  if (c->kind == EVBUFFER_CHUNK_FILE && evbuffer_file_load_(buf, c, 0) < 0) return NULL;
  if (c->off >= size) return c->mem + c->misalign;
  rest = size - c->off;
  if (evbuffer_chunk_can_move_(c) && c->cap - c->misalign - c->off >= rest) {
    /* Room after the data. */
  } else if (evbuffer_chunk_can_move_(c) && c->cap >= size) {
    memmove(c->mem, c->mem + c->misalign, c->off);
    c->misalign = 0;
  } else {
    struct evbuffer_chunk *n = evbuffer_chunk_new_(size);
    if (n == NULL) return NULL;
    n->off = evbuffer_copy_from_(c, 0, n->mem, size);
    if (n->off < size) { /* a file segment could not be read */
      evbuffer_chunk_release_(n);
      return NULL;
    }
    evbuffer_chain_consume_after_(buf, NULL, size);
    evbuffer_chain_prepend_(buf, n);
    if (buf->last_data == NULL || buf->last_data->off == 0) buf->last_data = n;
    return n->mem;
  }
  if (evbuffer_copy_from_(c->next, 0, c->mem + c->misalign + c->off, rest) < rest) return NULL;
  evbuffer_chain_consume_after_(buf, c, rest);
  c->off += rest;
  if (buf->last_data == NULL) buf->last_data = c;
  return c->mem + c->misalign;
}

unsigned char *evbuffer_pullup(struct evbuffer *buf, ev_ssize_t size) {
  unsigned char *p = NULL;
  if (buf == NULL) return NULL;
  EVBUFFER_LOCK(buf);
  if (size < 0) size = (ev_ssize_t)buf->total_len;
  if (size > 0 && (size_t)size <= buf->total_len) p = pullup_raw(buf, (size_t)size);
  EVBUFFER_UNLOCK(buf);
  return p;
}
