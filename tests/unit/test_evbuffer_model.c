/* SPDX-License-Identifier: MIT */
/* Property test: random sequences of evbuffer operations, applied to two
 * evbuffers and to two flat byte arrays (the model), must agree after every
 * step; the chain's internal invariants are checked too.  Thousands of seeds,
 * bounded in time. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evbuffer-internal.h"
#include "evbuffer-uv-internal.h"
#include "byte_model.h"

static uint64_t rng_state;
static unsigned rnd(unsigned n) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return n ? (unsigned)(rng_state % n) : 0;
}

/* Random bytes from a small alphabet, so that lines and matches happen. */
static void fill(unsigned char *p, size_t n) {
  static const char alphabet[] = "abcab\r\n\0xyz";
  size_t i;
  for (i = 0; i < n; i++)
    p[i] = (unsigned char)alphabet[rnd(sizeof(alphabet) - 1)];
}

static size_t rnd_len(void) {
  switch (rnd(8)) {
  case 0:
    return 0;
  case 1:
    return rnd(70000);
  case 2:
    return rnd(5000);
  default:
    return rnd(64);
  }
}

static int refs_live;
static void ref_cleanup(const void *d, size_t n, void *arg) {
  (void)d;
  (void)n;
  free(arg);
  refs_live--;
}

/* Internal invariants of the chain, then equality with the model. */
static void check(struct evbuffer *buf, const struct model *m) {
  struct evbuffer_chunk *c, *last = NULL, *last_data = NULL;
  size_t total = 0;
  int seen_empty = 0;
  unsigned pinned = 0;
  unsigned char *tmp;
  for (c = buf->first; c != NULL; c = c->next) {
    assert_true(c->misalign + c->off <= c->cap);
    if (c->flags & EVBUFFER_CHUNK_PINNED) pinned++;
    if (c->off == 0) {
      seen_empty = 1;
    } else {
      assert_false(seen_empty); /* no empty chunk before data */
      last_data = c;
    }
    total += c->off;
    last = c;
  }
  assert_ptr_equal(buf->last, last);
  assert_ptr_equal(buf->last_data, last_data);
  assert_int_equal(total, buf->total_len);
  /* Pinned chunks never leave their buffer (only the pinned one has any). */
  assert_int_equal(pinned, buf->pin_open ? buf->pin_chunks : 0);
  assert_int_equal(evbuffer_get_length(buf), m->len);
  tmp = malloc(m->len + 1);
  assert_int_equal(evbuffer_copyout(buf, tmp, m->len + 1), (ev_ssize_t)m->len);
  assert_memory_equal(tmp, m->b, m->len);
  free(tmp);
}

struct world {
  struct evbuffer *buf[2];
  struct model m[2];
  size_t pin_total, pin_gone; /* pin on buf[0] */
  int pin_open;
  /* What libuv would be writing: the pinned extents and their bytes then. */
  uv_buf_t pinned[UVBEV_MAX_WRITE_BUFS];
  int npinned;
  unsigned char *pinned_copy;
};

/* Pinned memory must stay valid and unchanged until unpin, whatever the user
 * does meanwhile (ASan reports a use after free here). */
static void check_pinned(const struct world *w) {
  size_t off = 0;
  int k;
  for (k = 0; k < w->npinned; k++) {
    assert_memory_equal(w->pinned[k].base, w->pinned_copy + off, w->pinned[k].len);
    off += w->pinned[k].len;
  }
}

static void op_add(struct world *w, int i) {
  size_t n = rnd_len();
  unsigned char *d = malloc(n + 1);
  fill(d, n);
  switch (rnd(4)) {
  case 0: {
    char *ref = malloc(n + 1);
    memcpy(ref, d, n);
    refs_live++;
    assert_int_equal(evbuffer_add_reference(w->buf[i], ref, n, ref_cleanup, ref), 0);
    break;
  }
  case 1: {
    struct evbuffer_iovec v[3];
    size_t a = n / 3, b = n / 2;
    v[0].iov_base = d;
    v[0].iov_len = a;
    v[1].iov_base = d + a;
    v[1].iov_len = b - a;
    v[2].iov_base = d + b;
    v[2].iov_len = n - b;
    assert_int_equal(evbuffer_add_iovec(w->buf[i], v, 3), n);
    break;
  }
  default:
    assert_int_equal(evbuffer_add(w->buf[i], d, n), 0);
  }
  m_add(&w->m[i], d, n);
  free(d);
}

static void op_prepend(struct world *w, int i) {
  size_t n = rnd_len() % 3000;
  unsigned char *d = malloc(n + 1);
  int expect_fail = n > 0 && i == 0 && w->pin_open && w->pin_gone < w->pin_total;
  fill(d, n);
  if (expect_fail) {
    assert_int_equal(evbuffer_prepend(w->buf[i], d, n), -1);
  } else {
    assert_int_equal(evbuffer_prepend(w->buf[i], d, n), 0);
    m_prepend(&w->m[i], d, n);
  }
  free(d);
}

static void user_removed(struct world *w, int i, size_t n) {
  if (i == 0 && w->pin_open) {
    size_t left = w->pin_total - w->pin_gone;
    w->pin_gone += n < left ? n : left;
  }
}

static void op_drain(struct world *w, int i) {
  size_t n = rnd(3) == 0 ? w->m[i].len : rnd((unsigned)w->m[i].len + 10);
  if (rnd(2)) {
    unsigned char *d = malloc(n + 1);
    int got = evbuffer_remove(w->buf[i], d, n);
    size_t expect = n < w->m[i].len ? n : w->m[i].len;
    assert_int_equal(got, (int)expect);
    assert_memory_equal(d, w->m[i].b, expect);
    free(d);
  } else {
    assert_int_equal(evbuffer_drain(w->buf[i], n), 0);
  }
  if (n > w->m[i].len) n = w->m[i].len;
  user_removed(w, i, n);
  m_drain(&w->m[i], n);
}

/* Bytes that are shared already (views of a buffer, file segments) cannot be
 * referenced again, as in libevent. */
static int holds_shared(const struct evbuffer *buf) {
  const struct evbuffer_chunk *c;
  for (c = buf->first; c != NULL && c->off > 0; c = c->next)
    if (c->kind == EVBUFFER_CHUNK_VIEW || c->kind == EVBUFFER_CHUNK_SEGMENT) return 1;
  return 0;
}

static void op_move(struct world *w, int from) {
  int to = 1 - from;
  size_t n = w->m[from].len;
  int prepend_fails = w->pin_open && w->pin_gone < w->pin_total && to == 0;
  switch (rnd(4)) {
  case 0:
    assert_int_equal(evbuffer_add_buffer(w->buf[to], w->buf[from]), 0);
    break;
  case 1:
    n = rnd((unsigned)n + 5);
    if (n > w->m[from].len) n = w->m[from].len;
    assert_int_equal(evbuffer_remove_buffer(w->buf[from], w->buf[to], n), (int)n);
    break;
  case 2:
    if (prepend_fails && n > 0) {
      assert_int_equal(evbuffer_prepend_buffer(w->buf[to], w->buf[from]), -1);
      return;
    }
    assert_int_equal(evbuffer_prepend_buffer(w->buf[to], w->buf[from]), 0);
    m_prepend(&w->m[to], w->m[from].b, n);
    user_removed(w, from, n);
    m_drain(&w->m[from], n);
    return;
  default:
    if (n > 0 && holds_shared(w->buf[from])) {
      assert_int_equal(evbuffer_add_buffer_reference(w->buf[to], w->buf[from]), -1);
      return;
    }
    assert_int_equal(evbuffer_add_buffer_reference(w->buf[to], w->buf[from]), 0);
    m_add(&w->m[to], w->m[from].b, n);
    return;
  }
  m_add(&w->m[to], w->m[from].b, n);
  user_removed(w, from, n);
  m_drain(&w->m[from], n);
}

static void op_reserve(struct world *w, int i) {
  struct evbuffer_iovec v[4];
  size_t want = rnd_len() % 9000, have = 0;
  int nv = 1 + (int)rnd(4), got, k, commit;
  got = evbuffer_reserve_space(w->buf[i], (ev_ssize_t)want, v, nv);
  /* Several extents for nothing: none, as libevent. */
  assert_true(got >= (want == 0 && nv > 1 ? 0 : 1) && got <= nv);
  for (k = 0; k < got; k++)
    have += v[k].iov_len;
  assert_true(have >= want);
  /* Any prefix of the extents, each filled in part or whole. */
  commit = got > 1 && rnd(3) == 0 ? (int)rnd((unsigned)got + 1) : got;
  for (k = 0; k < commit; k++) {
    size_t use = rnd(3) == 0 ? v[k].iov_len : rnd((unsigned)v[k].iov_len + 1);
    if (k > 0 && rnd(4) == 0) use = 0;
    fill(v[k].iov_base, use);
    v[k].iov_len = use;
  }
  assert_int_equal(evbuffer_commit_space(w->buf[i], v, commit), 0);
  for (k = 0; k < commit; k++)
    m_add(&w->m[i], v[k].iov_base, v[k].iov_len);
}

static void op_pullup(struct world *w, int i) {
  ev_ssize_t n = rnd(4) == 0 ? -1 : (ev_ssize_t)rnd((unsigned)w->m[i].len + 3);
  unsigned char *p = evbuffer_pullup(w->buf[i], n);
  size_t want = n < 0 ? w->m[i].len : (size_t)n;
  if (want == 0 || want > w->m[i].len) {
    assert_null(p);
  } else {
    assert_non_null(p);
    assert_memory_equal(p, w->m[i].b, want);
    assert_true(evbuffer_get_contiguous_space(w->buf[i]) >= want);
  }
}

static void op_readln(struct world *w, int i) {
  int style = (int)rnd(5);
  size_t n = 77, eol_len = 0;
  long at = m_eol(&w->m[i], 0, style, &eol_len);
  char *line = evbuffer_readln(w->buf[i], &n, (enum evbuffer_eol_style)style);
  if (at < 0) {
    assert_null(line);
    return;
  }
  assert_non_null(line);
  assert_int_equal(n, (size_t)at);
  assert_memory_equal(line, w->m[i].b, n);
  assert_int_equal(line[n], '\0');
  free(line);
  user_removed(w, i, (size_t)at + eol_len);
  m_drain(&w->m[i], (size_t)at + eol_len);
}

static void op_search(struct world *w, int i) {
  struct model *m = &w->m[i];
  struct evbuffer_ptr start, end, r;
  size_t from = rnd((unsigned)m->len + 1), limit, wl = 1 + rnd(5), eol_len = 0, got_len = 9;
  unsigned char what[8];
  long expect;
  int style = (int)rnd(5);
  if (m->len > wl && rnd(2)) {
    memcpy(what, m->b + rnd((unsigned)(m->len - wl)), wl);
  } else {
    fill(what, wl);
  }
  assert_int_equal(evbuffer_ptr_set(w->buf[i], &start, from, EVBUFFER_PTR_SET), 0);
  limit = from + rnd((unsigned)(m->len - from + 1));
  assert_int_equal(evbuffer_ptr_set(w->buf[i], &end, limit, EVBUFFER_PTR_SET), 0);
  r = evbuffer_search_range(w->buf[i], (const char *)what, wl, &start, &end);
  expect = m_search(m, what, wl, from, limit);
  assert_int_equal(r.pos, expect);
  r = evbuffer_search(w->buf[i], (const char *)what, wl, &start);
  expect = m_search(m, what, wl, from, m->len);
  assert_int_equal(r.pos, expect);
  if (expect >= 0) {
    /* Searching on from just after the match. */
    struct evbuffer_ptr next = r;
    long expect2 = m_search(m, what, wl, (size_t)expect + 1, m->len);
    assert_int_equal(evbuffer_ptr_set(w->buf[i], &next, 1, EVBUFFER_PTR_ADD), 0);
    r = evbuffer_search(w->buf[i], (const char *)what, wl, &next);
    assert_int_equal(r.pos, expect2);
  }
  r = evbuffer_search_eol(w->buf[i], &start, &got_len, (enum evbuffer_eol_style)style);
  expect = m_eol(m, from, style, &eol_len);
  assert_int_equal(r.pos, expect);
  if (expect >= 0) assert_int_equal(got_len, eol_len);
}

static void op_peek(struct world *w, int i) {
  struct evbuffer_iovec v[64];
  struct evbuffer_ptr start;
  size_t from = rnd((unsigned)w->m[i].len + 1), off = from;
  int n, k, need;
  assert_int_equal(evbuffer_ptr_set(w->buf[i], &start, from, EVBUFFER_PTR_SET), 0);
  need = evbuffer_peek(w->buf[i], -1, &start, NULL, 0);
  n = evbuffer_peek(w->buf[i], -1, &start, v, 64);
  assert_int_equal(n, need > 64 ? 64 : need);
  for (k = 0; k < n; k++) {
    assert_true(off + v[k].iov_len <= w->m[i].len);
    assert_memory_equal(v[k].iov_base, w->m[i].b + off, v[k].iov_len);
    off += v[k].iov_len;
  }
  if (need <= 64) assert_int_equal(off, w->m[i].len);
}

static void op_printf(struct world *w, int i) {
  char tmp[64];
  int n = snprintf(tmp, sizeof(tmp), "%u-%s\n", rnd(100000), rnd(2) ? "x" : "yz");
  assert_int_equal(evbuffer_add_printf(w->buf[i], "%s", tmp), n);
  m_add(&w->m[i], tmp, (size_t)n);
}

/* The socket layer's paths, on buf[0]. */
static void op_uv(struct world *w) {
  if (!w->pin_open && rnd(2)) {
    uv_buf_t *bufs = w->pinned;
    size_t np = 0, off = 0;
    int n = evbuffer_uv_pin_(w->buf[0], bufs, 1 + (int)rnd(UVBEV_MAX_WRITE_BUFS), rnd_len() + 1,
                             &np),
        k;
    for (k = 0; k < n; k++) {
      assert_memory_equal(bufs[k].base, w->m[0].b + off, bufs[k].len);
      off += bufs[k].len;
    }
    assert_int_equal(off, np);
    if (n > 0) {
      w->pin_open = 1;
      w->pin_total = np;
      w->pin_gone = 0;
      w->npinned = n;
      w->pinned_copy = malloc(np);
      memcpy(w->pinned_copy, w->m[0].b, np);
    }
  } else if (w->pin_open) {
    size_t written = rnd((unsigned)w->pin_total + 1);
    size_t drain = written > w->pin_gone ? written - w->pin_gone : 0;
    check_pinned(w);
    assert_int_equal(evbuffer_uv_unpin_(w->buf[0], written), 0);
    m_drain(&w->m[0], drain);
    w->pin_open = 0;
    w->npinned = 0;
    free(w->pinned_copy);
    w->pinned_copy = NULL;
  } else {
    uv_buf_t b;
    size_t got = evbuffer_uv_reserve_(w->buf[0], 1 + rnd(70000), 0, NULL, &b), n;
    assert_true(got > 0);
    n = rnd((unsigned)got + 1);
    fill((unsigned char *)b.base, n);
    assert_int_equal(evbuffer_uv_commit_(w->buf[0], n), 0);
    m_add(&w->m[0], b.base, n);
  }
}

static int trace;

static void run_seed(uint64_t seed, int steps) {
  struct world w;
  int s, i;
  unsigned op;
  memset(&w, 0, sizeof(w));
  rng_state = seed * 2654435761u + 1;
  w.buf[0] = evbuffer_new();
  w.buf[1] = evbuffer_new();
  for (s = 0; s < steps; s++) {
    i = (int)rnd(2);
    op = rnd(13);
    if (trace)
      fprintf(stderr, "seed %llu step %d op %u on %d (len %zu/%zu pin %d)\n",
              (unsigned long long)seed, s, op, i, w.m[0].len, w.m[1].len, w.pin_open);
    switch (op) {
    case 0:
    case 1:
      op_add(&w, i);
      break;
    case 2:
      op_prepend(&w, i);
      break;
    case 3:
      op_drain(&w, i);
      break;
    case 4:
      op_move(&w, i);
      break;
    case 5:
      op_reserve(&w, i);
      break;
    case 6:
      op_pullup(&w, i);
      break;
    case 7:
      op_readln(&w, i);
      break;
    case 8:
      op_search(&w, i);
      break;
    case 9:
      op_peek(&w, i);
      break;
    case 10:
      op_printf(&w, i);
      break;
    default:
      op_uv(&w);
      break;
    }
    check(w.buf[0], &w.m[0]);
    check(w.buf[1], &w.m[1]);
    check_pinned(&w);
  }
  if (w.pin_open) evbuffer_uv_unpin_(w.buf[0], 0);
  free(w.pinned_copy);
  evbuffer_free(w.buf[0]);
  evbuffer_free(w.buf[1]);
  free(w.m[0].b);
  free(w.m[1].b);
  assert_int_equal(refs_live, 0);
}

/* Work is bounded by count, never by speed: MODEL_SEEDS (default 1000) seeds
 * of 60 operations each, the same set on every machine and under every
 * sanitizer. */
static void random_operations_agree_with_flat_model(void **state) {
  uint64_t seed, seeds = 1000;
  (void)state;
  trace = getenv("MODEL_TRACE") != NULL;
  if (getenv("MODEL_SEED") != NULL) {
    run_seed(strtoull(getenv("MODEL_SEED"), NULL, 10), 60);
    return;
  }
  if (getenv("MODEL_SEEDS") != NULL) seeds = strtoull(getenv("MODEL_SEEDS"), NULL, 10);
  for (seed = 1; seed <= seeds; seed++) {
    if (trace) fprintf(stderr, "seed %llu\n", (unsigned long long)seed);
    run_seed(seed, 60);
  }
  print_message("model: %llu seeds of 60 operations\n", (unsigned long long)seeds);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(random_operations_agree_with_flat_model),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
