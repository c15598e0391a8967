/* SPDX-License-Identifier: MIT */
/* Fuzz target: the input is a program of evbuffer operations on two buffers
 * (file segments among the data added);
 * after every operation both buffers must hold exactly what two flat byte
 * arrays (tests/support/byte_model.c) hold, every result must be what the
 * model predicts, and each reference's cleanup runs exactly once. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <uvbev/uvbev.h>

#include "byte_model.h"
#include "fuzz_input.h"

#ifdef _WIN32
#include <io.h>
#define dup _dup
#else
#include <unistd.h>
#endif

struct ref {
  int cleanups;
  unsigned char data[];
};

struct world {
  struct fuzz_input in;
  struct evbuffer *buf[2];
  struct model m[2];
  int frozen_front[2], frozen_end[2];
  int refs_made, refs_cleaned;
};

static struct world *cleanup_world;

static void ref_cleanup(const void *data, size_t len, void *arg) {
  struct ref *r = arg;
  (void)data;
  (void)len;
  FUZZ_CHECK(r->cleanups == 0);
  r->cleanups++;
  cleanup_world->refs_cleaned++;
  free(r);
}

/* Data for an add: either input bytes, or a long generated run (so chunks
 * fill and split) from a small alphabet (so lines and matches happen).  Runs
 * stop once the buffers hold MAX_HELD bytes: every step checks every byte,
 * and a fuzzer must stay fast. */
#define MAX_HELD (256u << 10)
static const unsigned char *op_data(struct world *w, unsigned char *scratch, size_t *n) {
  unsigned sel = fi_byte(&w->in);
  if ((sel & 0x80) && w->m[0].len + w->m[1].len > MAX_HELD) {
    fi_u16(&w->in);
    *n = 0;
    return scratch;
  }
  if (sel & 0x80) {
    static const char alphabet[] = "ab\r\nab\0x\n";
    size_t len = (size_t)fi_u16(&w->in) + (sel & 0x40 ? 65536 : 0), i; /* past a chunk */
    for (i = 0; i < len; i++)
      scratch[i] = (unsigned char)alphabet[(i * 7 + sel) % (sizeof(alphabet) - 1)];
    *n = len;
    return scratch;
  }
  return fi_take(&w->in, sel, n);
}

/* Length and contents agree with the model: read with copyout, which reads
 * unread file bytes without loading them (so the next operation still meets
 * them unread), or with peek when the front is frozen (copyout refuses it
 * then, as on libevent). */
static void check(struct world *w, int i) {
  struct model *m = &w->m[i];
  size_t len = m->len, off = 0;
  unsigned char one;
  struct evbuffer_iovec v[64];
  int n, k;
  FUZZ_CHECK(evbuffer_get_length(w->buf[i]) == len);
  FUZZ_CHECK(evbuffer_get_contiguous_space(w->buf[i]) <= len);
  if (!w->frozen_front[i]) {
    unsigned char *all = malloc(len + 1);
    FUZZ_CHECK(all != NULL && evbuffer_copyout(w->buf[i], all, len) == (ev_ssize_t)len);
    FUZZ_CHECK(len == 0 || memcmp(all, m->b, len) == 0);
    free(all);
    return;
  }
  n = evbuffer_peek(w->buf[i], -1, NULL, v, 64);
  FUZZ_CHECK(n >= 0 && (len == 0) == (n == 0));
  for (k = 0; k < n && k < 64; k++) {
    FUZZ_CHECK(off + v[k].iov_len <= len);
    FUZZ_CHECK(memcmp(v[k].iov_base, m->b + off, v[k].iov_len) == 0);
    off += v[k].iov_len;
  }
  FUZZ_CHECK(n > 64 || off == len);
  FUZZ_CHECK(evbuffer_copyout(w->buf[i], &one, 1) == (len ? -1 : 0));
}

/* A file the file-segment adds take ranges of: bytes of the same small
 * alphabet as generated runs, so that lines and matches cross into them. */
#define FILE_LEN (1u << 20)
static int file_fd = -1;
static unsigned char *file_bytes;

static int the_file(void) {
  static const char alphabet[] = "ab\r\nab\0x\n";
  uint32_t x = 88172645u;
  size_t i;
  FILE *f;
  if (file_fd >= 0) return file_fd;
  file_bytes = malloc(FILE_LEN);
  FUZZ_CHECK(file_bytes != NULL);
  for (i = 0; i < FILE_LEN; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    file_bytes[i] = (unsigned char)alphabet[x % (sizeof(alphabet) - 1)];
  }
  f = tmpfile();
  FUZZ_CHECK(f != NULL && fwrite(file_bytes, 1, FILE_LEN, f) == FILE_LEN && fflush(f) == 0);
  file_fd = dup(fileno(f)); /* kept for the process's life, as the fuzzer's */
  fclose(f);
  FUZZ_CHECK(file_fd >= 0);
  return file_fd;
}

/* Adds a range of the file (up to 4 x 64 KiB) as a segment, half of the
 * time without sendfile, half of the time with its windows mapped
 * (UVBEV_EVBUF_FS_MMAP): lazy chunks for every later operation. */
static void op_add_file(struct world *w, int i) {
  unsigned sel = fi_byte(&w->in);
  size_t off = (size_t)fi_u16(&w->in) * 16, len = (size_t)fi_u16(&w->in) * ((sel & 3) + 1);
  struct evbuffer_file_segment *seg;
  int r;
  if (off > FILE_LEN) off = FILE_LEN;
  if (len > FILE_LEN - off) len = FILE_LEN - off;
  if (w->m[0].len + w->m[1].len + len > 2 * MAX_HELD) return;
  seg = evbuffer_file_segment_new(the_file(), 0, FILE_LEN,
                                  (sel & 4 ? EVBUF_FS_DISABLE_SENDFILE : 0) |
                                      (sel & 8 ? UVBEV_EVBUF_FS_MMAP : 0));
  FUZZ_CHECK(seg != NULL);
  r = evbuffer_add_file_segment(w->buf[i], seg, (ev_off_t)off, (ev_off_t)len);
  evbuffer_file_segment_free(seg);
  if (len > 0) FUZZ_CHECK(r == (w->frozen_end[i] ? -1 : 0));
  if (r == 0) m_add(&w->m[i], file_bytes + off, len);
}

/* kind 0 add, 1 prepend, 2 reference or (sel_file & 0x80) file segment. */
static void op_add(struct world *w, int i, unsigned kind, unsigned sel_file,
                   unsigned char *scratch) {
  size_t n;
  const unsigned char *d;
  int r, fails = kind == 1 ? w->frozen_front[i] : w->frozen_end[i];
  if (kind == 2 && (sel_file & 0x80)) {
    op_add_file(w, i);
    return;
  }
  d = op_data(w, scratch, &n);
  if (kind == 2) { /* a reference, freed by its cleanup */
    struct ref *ref = malloc(sizeof(*ref) + n + 1);
    FUZZ_CHECK(ref != NULL);
    ref->cleanups = 0;
    memcpy(ref->data, d, n);
    w->refs_made++;
    r = evbuffer_add_reference(w->buf[i], ref->data, n, ref_cleanup, ref);
    if (r != 0 && ref->cleanups == 0) { /* refused: still ours */
      w->refs_made--;
      free(ref);
    }
  } else {
    r = kind == 1 ? evbuffer_prepend(w->buf[i], d, n) : evbuffer_add(w->buf[i], d, n);
  }
  if (n == 0 && fails) return; /* zero-length on a frozen buffer: not asserted here */
  FUZZ_CHECK(r == (fails ? -1 : 0));
  if (r != 0) return;
  if (kind == 1)
    m_prepend(&w->m[i], d, n);
  else
    m_add(&w->m[i], d, n);
}

static void op_move(struct world *w, int from, unsigned kind) {
  int to = 1 - from, r;
  size_t n = w->m[from].len;
  int fails = w->frozen_front[from] || w->frozen_end[to];
  if (kind == 0) {
    r = evbuffer_add_buffer(w->buf[to], w->buf[from]);
  } else {
    size_t want = fi_u16(&w->in);
    if (want < n) n = want;
    r = evbuffer_remove_buffer(w->buf[from], w->buf[to], want);
    if (!fails) FUZZ_CHECK(r == (int)n);
  }
  if (n == 0) return;
  if (fails) {
    FUZZ_CHECK(r == -1);
    return;
  }
  FUZZ_CHECK(r >= 0);
  m_add(&w->m[to], w->m[from].b, n);
  m_drain(&w->m[from], n);
}

static void op_drain(struct world *w, int i, int by_remove) {
  size_t want = fi_u16(&w->in), n = want < w->m[i].len ? want : w->m[i].len;
  if (by_remove) {
    unsigned char *d = malloc(want + 1);
    int r = evbuffer_remove(w->buf[i], d, want);
    if (w->frozen_front[i] && n) {
      FUZZ_CHECK(r == -1);
    } else if (!w->frozen_front[i]) {
      FUZZ_CHECK(r == (int)n);
      FUZZ_CHECK(n == 0 || memcmp(d, w->m[i].b, n) == 0);
    }
    free(d);
  } else {
    int r = evbuffer_drain(w->buf[i], want);
    if (w->frozen_front[i] && n) FUZZ_CHECK(r == -1);
    if (!w->frozen_front[i]) FUZZ_CHECK(r == 0);
  }
  if (!w->frozen_front[i]) m_drain(&w->m[i], n);
}

static void op_pullup(struct world *w, int i) {
  unsigned sel = fi_u16(&w->in);
  ev_ssize_t n = sel == 0xffff ? -1 : (ev_ssize_t)sel;
  size_t want = n < 0 ? w->m[i].len : (size_t)n;
  unsigned char *p = evbuffer_pullup(w->buf[i], n);
  if (want > w->m[i].len || want == 0) {
    FUZZ_CHECK(p == NULL || want == 0);
    return;
  }
  FUZZ_CHECK(p != NULL);
  FUZZ_CHECK(memcmp(p, w->m[i].b, want) == 0);
  FUZZ_CHECK(evbuffer_get_contiguous_space(w->buf[i]) >= want);
}

/* Reserves space in 1-3 vectors, fills a prefix of it, commits that. */
static void op_reserve(struct world *w, int i) {
  struct evbuffer_iovec v[3];
  size_t want = fi_u16(&w->in), use = fi_u16(&w->in), room = 0;
  int nv = 1 + (int)(fi_byte(&w->in) % 3), got, k, used = 0;
  got = evbuffer_reserve_space(w->buf[i], (ev_ssize_t)want, v, nv);
  if (w->frozen_end[i]) {
    FUZZ_CHECK(got == -1);
    return;
  }
  /* Several extents for nothing: none, as on libevent. */
  FUZZ_CHECK(got >= (want == 0 && nv > 1 ? 0 : 1) && got <= nv);
  for (k = 0; k < got; k++)
    room += v[k].iov_len;
  FUZZ_CHECK(room >= want);
  if (use > room) use = room;
  for (k = 0; k < got && use > 0; k++, used++) {
    size_t n = v[k].iov_len < use ? v[k].iov_len : use;
    memset(v[k].iov_base, 'a' + k, n);
    v[k].iov_len = n;
    use -= n;
  }
  FUZZ_CHECK(evbuffer_commit_space(w->buf[i], v, used) == 0);
  for (k = 0; k < used; k++)
    m_add(&w->m[i], v[k].iov_base, v[k].iov_len);
}

static void op_readln(struct world *w, int i) {
  int style = (int)(fi_byte(&w->in) % 5);
  size_t n = 77, eol_len = 0;
  long at = m_eol(&w->m[i], 0, style, &eol_len);
  char *line = evbuffer_readln(w->buf[i], &n, (enum evbuffer_eol_style)style);
  if (at < 0 || w->frozen_front[i]) {
    FUZZ_CHECK(line == NULL);
    return;
  }
  FUZZ_CHECK(line != NULL);
  FUZZ_CHECK(n == (size_t)at && line[n] == '\0');
  FUZZ_CHECK(n == 0 || memcmp(line, w->m[i].b, n) == 0);
  free(line);
  m_drain(&w->m[i], (size_t)at + eol_len);
}

/* A needle the input rarely spells: the model's bytes around the first chunk
 * boundary after `from`, up to wl on each side, so that matches straddling
 * chunks are searched for on every run that has two chunks.  Consumes no
 * input, so corpora keep their meaning. */
static void search_straddle(struct world *w, int i, size_t from, size_t wl) {
  const struct model *m = &w->m[i];
  struct evbuffer_iovec v[2];
  struct evbuffer_ptr start, r;
  size_t b, lo, n;
  FUZZ_CHECK(evbuffer_ptr_set(w->buf[i], &start, from, EVBUFFER_PTR_SET) == 0);
  if (evbuffer_peek(w->buf[i], -1, &start, v, 2) < 2 || v[0].iov_len == 0) return;
  b = from + v[0].iov_len;
  lo = b - (wl < v[0].iov_len ? wl : v[0].iov_len);
  n = b - lo + (wl < v[1].iov_len ? wl : v[1].iov_len);
  r = evbuffer_search(w->buf[i], (const char *)m->b + lo, n, &start);
  FUZZ_CHECK(r.pos == (ev_ssize_t)m_search(m, m->b + lo, n, from, m->len));
}

/* search, search_range and search_eol from an offset, against the model. */
static void op_search(struct world *w, int i) {
  struct model *m = &w->m[i];
  struct evbuffer_ptr start, end, r;
  size_t from = fi_u16(&w->in) % (m->len + 1), limit = from + fi_u16(&w->in), wl, eol_len = 0;
  const unsigned char *what = fi_take(&w->in, fi_byte(&w->in) % 6 + 1, &wl);
  int style = (int)(fi_byte(&w->in) % 5);
  long expect;
  if (limit > m->len) limit = m->len;
  FUZZ_CHECK(evbuffer_ptr_set(w->buf[i], &start, from, EVBUFFER_PTR_SET) == 0);
  FUZZ_CHECK(evbuffer_ptr_set(w->buf[i], &end, limit, EVBUFFER_PTR_SET) == 0);
  FUZZ_CHECK(evbuffer_ptr_set(w->buf[i], &r, m->len + 1, EVBUFFER_PTR_SET) == -1);
  if (wl == 0) return;
  r = evbuffer_search_range(w->buf[i], (const char *)what, wl, &start, &end);
  expect = m_search(m, what, wl, from, limit);
  FUZZ_CHECK(r.pos == (ev_ssize_t)expect);
  r = evbuffer_search(w->buf[i], (const char *)what, wl, &start);
  expect = m_search(m, what, wl, from, m->len);
  FUZZ_CHECK(r.pos == (ev_ssize_t)expect);
  r = evbuffer_search_eol(w->buf[i], &start, &eol_len, (enum evbuffer_eol_style)style);
  expect = m_eol(m, from, style, &eol_len);
  FUZZ_CHECK(r.pos == (ev_ssize_t)expect);
  search_straddle(w, i, from, wl);
}

/* peek and copyout_from from an offset: same bytes as the model. */
static void op_peek(struct world *w, int i) {
  struct model *m = &w->m[i];
  struct evbuffer_iovec v[16];
  struct evbuffer_ptr start;
  size_t from = fi_u16(&w->in) % (m->len + 1), want = fi_u16(&w->in), off = from;
  unsigned char *tmp = malloc(want + 1);
  int n, k;
  ev_ssize_t got;
  FUZZ_CHECK(evbuffer_ptr_set(w->buf[i], &start, from, EVBUFFER_PTR_SET) == 0);
  n = evbuffer_peek(w->buf[i], -1, &start, v, 16);
  FUZZ_CHECK(n >= 0);
  for (k = 0; k < n && k < 16; k++) {
    FUZZ_CHECK(off + v[k].iov_len <= m->len);
    FUZZ_CHECK(v[k].iov_len == 0 || memcmp(v[k].iov_base, m->b + off, v[k].iov_len) == 0);
    off += v[k].iov_len;
  }
  if (n <= 16) FUZZ_CHECK(off == m->len);
  got = evbuffer_copyout_from(w->buf[i], &start, tmp, want);
  if (want > m->len - from) want = m->len - from;
  if (w->frozen_front[i] && want > 0) want = (size_t)-1; /* refused, as on libevent */
  FUZZ_CHECK(got == (ev_ssize_t)want);
  FUZZ_CHECK(got <= 0 || memcmp(tmp, m->b + from, want) == 0);
  free(tmp);
}

static void op_freeze(struct world *w, int i) {
  unsigned sel = fi_byte(&w->in);
  int front = sel & 1, on = (sel >> 1) & 1;
  if (on)
    FUZZ_CHECK(evbuffer_freeze(w->buf[i], front) == 0);
  else
    FUZZ_CHECK(evbuffer_unfreeze(w->buf[i], front) == 0);
  if (front)
    w->frozen_front[i] = on;
  else
    w->frozen_end[i] = on;
}

static void step(struct world *w, unsigned char *scratch) {
  unsigned op = fi_byte(&w->in);
  int i = op & 1;
  switch ((op >> 1) % 12) {
  case 0:
  case 1:
  case 2:
    op_add(w, i, (op >> 1) % 12, op, scratch);
    break;
  case 3:
  case 4:
    op_move(w, i, (op >> 1) % 12 - 3);
    break;
  case 5:
    op_drain(w, i, op & 0x80);
    break;
  case 6:
    op_pullup(w, i);
    break;
  case 7:
    op_reserve(w, i);
    break;
  case 8:
    op_readln(w, i);
    break;
  case 9:
    op_search(w, i);
    op_peek(w, i);
    break;
  case 10:
    op_freeze(w, i);
    break;
  default:
    FUZZ_CHECK(evbuffer_expand(w->buf[i], fi_u16(&w->in)) == 0);
    break;
  }
  check(w, 0);
  check(w, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static unsigned char scratch[2 * 65536];
  struct world w;
  int steps;
  memset(&w, 0, sizeof(w));
  w.in.p = data;
  w.in.left = size;
  cleanup_world = &w;
  w.buf[0] = evbuffer_new();
  w.buf[1] = evbuffer_new();
  FUZZ_CHECK(w.buf[0] && w.buf[1]);
  for (steps = 0; w.in.left > 0 && steps < 1000; steps++)
    step(&w, scratch);
  evbuffer_free(w.buf[0]);
  evbuffer_free(w.buf[1]);
  FUZZ_CHECK(w.refs_cleaned == w.refs_made);
  m_free(&w.m[0]);
  m_free(&w.m[1]);
  return 0;
}
