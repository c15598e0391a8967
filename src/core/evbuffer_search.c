/* SPDX-License-Identifier: MIT */
/* Positions, searches, lines and peeking.  Nothing here re-packs the buffer
 * (no pullup): searches walk the chunks, comparing across their boundaries.
 * The cursor is where unread file segment bytes are loaded: a cursor that
 * comes to rest in a FILE chunk loads the window it points at, so every
 * reader of k->c's memory finds it there. */
#include <stdlib.h>
#include <string.h>

#include "mm-internal.h"
#include "evbuffer-internal.h"
#include "platform-internal.h"

/* A cursor over the data of buf: chunk c, offset `in` within its data,
 * absolute position pos.  c is NULL at the end, or where a file could not be
 * read (the bytes after are out of reach: searches fail there).  With `load`
 * off, the cursor only counts (positions, peek's extents past its vectors)
 * and may rest in an unread FILE chunk. */
struct cursor {
  struct evbuffer *buf;
  struct evbuffer_chunk *c;
  size_t in;
  size_t pos;
  int load;
};

/* Moves the cursor to the next chunk holding data when it sits at the end of
 * its chunk, and loads the window it points at in a FILE chunk. */
static void cursor_normalize(struct cursor *k) {
  for (;;) {
    while (k->c != NULL && k->in >= k->c->off) {
      k->in -= k->c->off;
      k->c = k->c->next;
      if (k->c != NULL && k->c->off == 0) k->c = NULL; /* only free space follows */
    }
    if (k->c == NULL || k->c->kind != EVBUFFER_CHUNK_FILE || !k->load) return;
    /* The window at `in` starts after c now (in > 0), or is c: go again. */
    if (evbuffer_file_load_(k->buf, k->c, k->in) < 0) k->c = NULL;
  }
}

static void cursor_start(struct evbuffer *buf, struct cursor *k, int load) {
  k->buf = buf;
  k->c = buf->total_len > 0 ? buf->first : NULL;
  k->in = 0;
  k->pos = 0;
  k->load = load;
  cursor_normalize(k);
}

static void cursor_advance(struct cursor *k, size_t n) {
  k->in += n;
  k->pos += n;
  cursor_normalize(k);
}

static void ptr_from_cursor(struct evbuffer_ptr *p, const struct cursor *k) {
  p->pos = (ev_ssize_t)k->pos;
  p->internal_.chain = k->c;
  p->internal_.pos_in_chain = k->c != NULL ? k->in : 0;
}

static void ptr_not_found(struct evbuffer_ptr *p) {
  p->pos = -1;
  p->internal_.chain = NULL;
  p->internal_.pos_in_chain = 0;
}

static int cursor_from_ptr(struct evbuffer *buf, const struct evbuffer_ptr *p, struct cursor *k,
                           int load) {
  if (p == NULL) {
    cursor_start(buf, k, load);
    return 0;
  }
  if (p->pos < 0 || (size_t)p->pos > buf->total_len) return -1;
  if (p->internal_.chain == NULL) {
    /* At the end (or a position built without a chunk): walk to it. */
    cursor_start(buf, k, 0);
    k->load = load;
    cursor_advance(k, (size_t)p->pos);
    return 0;
  }
  k->buf = buf;
  k->load = load;
  k->c = p->internal_.chain;
  k->in = p->internal_.pos_in_chain;
  k->pos = (size_t)p->pos;
  cursor_normalize(k);
  return 0;
}

int evbuffer_ptr_resolve_(struct evbuffer *buf, const struct evbuffer_ptr *p,
                          struct evbuffer_chunk **c, size_t *pos_in_chunk) {
  struct cursor k;
  /* No load: evbuffer_copy_from_ reads unread file bytes itself. */
  if (cursor_from_ptr(buf, p, &k, 0) < 0) return -1;
  *c = k.c;
  *pos_in_chunk = k.in;
  return 0;
}

int evbuffer_ptr_set(struct evbuffer *buf, struct evbuffer_ptr *ptr, size_t position,
                     enum evbuffer_ptr_how how) {
  struct cursor k;
  int r = -1;
  if (buf == NULL || ptr == NULL) return -1;
  EVBUFFER_LOCK(buf);
  if (how == EVBUFFER_PTR_SET) {
    cursor_start(buf, &k, 0);
  } else if (how != EVBUFFER_PTR_ADD || cursor_from_ptr(buf, ptr, &k, 0) < 0) {
    goto fail;
  }
  if (position > buf->total_len - k.pos) goto fail;
  cursor_advance(&k, position);
  ptr_from_cursor(ptr, &k);
  r = 0;
  goto done;
fail:
  ptr_not_found(ptr);
done:
  EVBUFFER_UNLOCK(buf);
  return r;
}

/* Non-zero when the len bytes at offset `in` of k's chunk equal what
 * (across chunks). */
static int match_at(const struct cursor *k, size_t in, const unsigned char *what, size_t len) {
  struct cursor t = *k;
  t.pos += in - t.in;
  t.in = in;
  while (len > 0) {
    size_t n;
    if (t.c == NULL) return 0;
    n = t.c->off - t.in < len ? t.c->off - t.in : len;
    if (memcmp(t.c->mem + t.c->misalign + t.in, what, n) != 0) return 0;
    what += n;
    len -= n;
    cursor_advance(&t, n);
  }
  return 1;
}

/* Finds what (len > 0) from k on; the match must end by `limit`.  Leaves k at
 * the match and returns 0, or returns -1.  The inner loop stays inside one
 * chunk: memchr for the first byte, memcmp for the rest. */
static int search_from(struct cursor *k, const unsigned char *what, size_t len, size_t limit) {
  while (k->c != NULL && k->pos + len <= limit) {
    const unsigned char *data = k->c->mem + k->c->misalign;
    size_t off = k->c->off;
    size_t last = limit - len - k->pos + k->in + 1; /* starts must be below */
    size_t end = last < off ? last : off;
    const unsigned char *p = data + k->in, *stop = data + end;
    /* Starts whose match lies inside the chunk: the C library's substring
     * search (sublinear on average).  Starts straddling the boundary below. */
    if (len > 1 && off >= len && k->in <= off - len) {
      size_t inside_end = off - len + 1 < end ? off - len + 1 : end;
      const unsigned char *m =
          uvbev_memmem_(p, (size_t)(data + inside_end - p) + len - 1, what, len);
      if (m != NULL) {
        k->pos += (size_t)(m - data) - k->in;
        k->in = (size_t)(m - data);
        return 0;
      }
      p = data + inside_end;
    }
    while (p < stop && (p = memchr(p, what[0], (size_t)(stop - p))) != NULL) {
      size_t i = (size_t)(p - data);
      if (i + len <= off ? memcmp(p + 1, what + 1, len - 1) == 0 : match_at(k, i, what, len)) {
        k->pos += i - k->in;
        k->in = i;
        return 0;
      }
      p++;
    }
    cursor_advance(k, end - k->in);
  }
  return -1;
}

struct evbuffer_ptr evbuffer_search_range(struct evbuffer *buf, const char *what, size_t len,
                                          const struct evbuffer_ptr *start,
                                          const struct evbuffer_ptr *end) {
  struct evbuffer_ptr r;
  struct cursor k;
  size_t limit;
  ptr_not_found(&r);
  if (buf == NULL || (what == NULL && len > 0)) return r;
  EVBUFFER_LOCK(buf);
  limit = buf->total_len;
  if (end != NULL && end->pos >= 0 && (size_t)end->pos < limit) limit = (size_t)end->pos;
  if (cursor_from_ptr(buf, start, &k, len > 0) == 0 &&
      (len == 0 ? k.pos <= limit : search_from(&k, (const unsigned char *)what, len, limit) == 0))
    ptr_from_cursor(&r, &k);
  EVBUFFER_UNLOCK(buf);
  return r;
}

struct evbuffer_ptr evbuffer_search(struct evbuffer *buf, const char *what, size_t len,
                                    const struct evbuffer_ptr *start) {
  return evbuffer_search_range(buf, what, len, start, NULL);
}

/* ---- end of line -------------------------------------------------------------- */

static unsigned char byte_at(const struct cursor *k) {
  return k->c->mem[k->c->misalign + k->in];
}

/* Moves k to the first byte equal to a or b; returns -1 if none. */
static int find_either(struct cursor *k, unsigned char a, unsigned char b) {
  while (k->c != NULL) {
    const unsigned char *data = k->c->mem + k->c->misalign;
    size_t i;
    for (i = k->in; i < k->c->off; i++) {
      if (data[i] == a || data[i] == b) {
        k->pos += i - k->in;
        k->in = i;
        return 0;
      }
    }
    cursor_advance(k, k->c->off - k->in);
  }
  return -1;
}

static int find_byte(struct cursor *k, unsigned char a) {
  while (k->c != NULL) {
    const unsigned char *data = k->c->mem + k->c->misalign;
    const unsigned char *p = memchr(data + k->in, a, k->c->off - k->in);
    if (p != NULL) {
      k->pos += (size_t)(p - data) - k->in;
      k->in = (size_t)(p - data);
      return 0;
    }
    cursor_advance(k, k->c->off - k->in);
  }
  return -1;
}

/* Finds the end of line from k; sets *eol_len.  Returns 0 or -1. */
static int find_eol(struct cursor *k, size_t *eol_len, enum evbuffer_eol_style style) {
  struct cursor t;
  switch (style) {
  case EVBUFFER_EOL_ANY:
    if (find_either(k, '\r', '\n') < 0) return -1;
    t = *k;
    *eol_len = 0;
    while (t.c != NULL && (byte_at(&t) == '\r' || byte_at(&t) == '\n')) {
      ++*eol_len;
      cursor_advance(&t, 1);
    }
    return 0;
  case EVBUFFER_EOL_CRLF:
    /* An LF, or a CR right before an LF; a lone CR belongs to the line. */
    while (find_either(k, '\r', '\n') == 0) {
      if (byte_at(k) == '\n') {
        *eol_len = 1;
        return 0;
      }
      t = *k;
      cursor_advance(&t, 1);
      if (t.c != NULL && byte_at(&t) == '\n') {
        *eol_len = 2;
        return 0;
      }
      cursor_advance(k, 1);
    }
    return -1;
  case EVBUFFER_EOL_CRLF_STRICT:
    *eol_len = 2;
    return search_from(k, (const unsigned char *)"\r\n", 2, (size_t)-1);
  case EVBUFFER_EOL_LF:
    *eol_len = 1;
    return find_byte(k, '\n');
  case EVBUFFER_EOL_NUL:
    *eol_len = 1;
    return find_byte(k, '\0');
  default:
    return -1;
  }
}

struct evbuffer_ptr evbuffer_search_eol(struct evbuffer *buf, struct evbuffer_ptr *start,
                                        size_t *eol_len_out, enum evbuffer_eol_style eol_style) {
  struct evbuffer_ptr r;
  struct cursor k;
  size_t eol_len = 0;
  ptr_not_found(&r);
  if (buf == NULL) return r;
  EVBUFFER_LOCK(buf);
  if (cursor_from_ptr(buf, start, &k, 1) == 0 && find_eol(&k, &eol_len, eol_style) == 0) {
    ptr_from_cursor(&r, &k);
    if (eol_len_out != NULL) *eol_len_out = eol_len;
  } else if (eol_len_out != NULL) {
    *eol_len_out = 0;
  }
  EVBUFFER_UNLOCK(buf);
  return r;
}

char *evbuffer_readln(struct evbuffer *buf, size_t *n_read_out, enum evbuffer_eol_style eol_style) {
  struct cursor k;
  size_t eol_len = 0;
  char *line = NULL;
  if (n_read_out != NULL) *n_read_out = 0;
  if (buf == NULL) return NULL;
  EVBUFFER_LOCK(buf);
  if (buf->freeze_start) goto done;
  cursor_start(buf, &k, 1);
  if (find_eol(&k, &eol_len, eol_style) < 0) goto done;
  line = uvbev_malloc_(k.pos + 1);
  if (line == NULL) goto done;
  evbuffer_copy_from_(buf->first, 0, line, k.pos);
  line[k.pos] = '\0';
  if (n_read_out != NULL) *n_read_out = k.pos;
  /* The line, then its end: two changes for callbacks, as libevent. */
  evbuffer_drain_raw_(buf, k.pos);
  evbuffer_invoke_cbs_(buf);
  evbuffer_drain_raw_(buf, eol_len);
  evbuffer_invoke_cbs_(buf);
done:
  EVBUFFER_UNLOCK(buf);
  return line;
}

char *evbuffer_readline(struct evbuffer *buf) {
  return evbuffer_readln(buf, NULL, EVBUFFER_EOL_ANY);
}

unsigned char *evbuffer_find(struct evbuffer *buf, const unsigned char *what, size_t len) {
  struct evbuffer_ptr p;
  unsigned char *r = NULL;
  if (buf == NULL) return NULL;
  EVBUFFER_LOCK(buf);
  p = evbuffer_search(buf, (const char *)what, len, NULL);
  if (p.pos >= 0) {
    r = evbuffer_pullup(buf, p.pos + (ev_ssize_t)len);
    if (r != NULL) r += p.pos;
  }
  EVBUFFER_UNLOCK(buf);
  return r;
}

/* ---- peek ----------------------------------------------------------------------- */

int evbuffer_peek(struct evbuffer *buf, ev_ssize_t len, struct evbuffer_ptr *start_at,
                  struct evbuffer_iovec *vec_out, int n_vec) {
  struct cursor k;
  size_t seen = 0;
  int idx = 0;
  if (buf == NULL || n_vec < 0 || (vec_out == NULL && n_vec > 0)) return -1;
  EVBUFFER_LOCK(buf);
  if (cursor_from_ptr(buf, start_at, &k, n_vec > 0) < 0) {
    EVBUFFER_UNLOCK(buf);
    return -1;
  }
  if (len < 0 && n_vec == 0) len = (ev_ssize_t)(buf->total_len - k.pos);
  while (k.c != NULL) {
    size_t n = k.c->off - k.in;
    if (len >= 0 && seen >= (size_t)len) break;
    if (idx < n_vec) {
      vec_out[idx].iov_base = k.c->mem + k.c->misalign + k.in;
      vec_out[idx].iov_len = n;
    } else if (len < 0) {
      break;
    } else if (k.c->kind == EVBUFFER_CHUNK_FILE && n > EVBUFFER_FILE_WINDOW) {
      n = EVBUFFER_FILE_WINDOW; /* counted as the window a load would make */
    }
    ++idx;
    seen += n;
    /* Extents past the vectors are only counted: nothing is read for them. */
    k.load = idx < n_vec;
    cursor_advance(&k, n);
  }
  EVBUFFER_UNLOCK(buf);
  return idx;
}
