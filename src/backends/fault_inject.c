/* SPDX-License-Identifier: MIT */
/* Fault injection at the socket layer: built only with UVBEV_FAULT_INJECTION
 * (see fault_inject-internal.h for what it does and its environment).
 *
 * The choices come from a xorshift64* generator per thread, all threads
 * starting from the same seed: no lock, no data race between loops running
 * on several threads, and a single-threaded test sees the same faults on
 * every run with the same seed. */
#include <stdint.h>
#include <stdlib.h>

#include "fault_inject-internal.h"
#include "evbuffer-uv-internal.h"
#include "platform-internal.h"

/* A read or write cut short gets 1..FAULT_SMALL bytes half of the time: the kernel
 * taking a byte or a few at a time. */
#define FAULT_SMALL 8

static uv_once_t config_once = UV_ONCE_INIT;
static uint64_t config_seed = 1;
static unsigned config_rate = 30;

static UVBEV_THREAD_LOCAL uint64_t rng_state;
static UVBEV_THREAD_LOCAL unsigned long injected;

static void configure(void) {
  const char *seed = getenv("UVBEV_FAULT_SEED");
  const char *rate = getenv("UVBEV_FAULT_RATE");
  char *end;
  if (seed && *seed) {
    unsigned long long v = strtoull(seed, &end, 0);
    if (*end == '\0') config_seed = (uint64_t)v;
  }
  if (rate && *rate) {
    long v = strtol(rate, &end, 10);
    if (*end == '\0' && v >= 0 && v <= 100) config_rate = (unsigned)v;
  }
}

static uint64_t next_random(void) {
  if (rng_state == 0) {
    uv_once(&config_once, configure);
    /* splitmix64 of the seed: a seed of 0 or 1 still gives a good state. */
    rng_state = config_seed + 0x9E3779B97F4A7C15ull;
    rng_state = (rng_state ^ (rng_state >> 30)) * 0xBF58476D1CE4E5B9ull;
    rng_state = (rng_state ^ (rng_state >> 27)) * 0x94D049BB133111EBull;
    rng_state ^= rng_state >> 31;
    if (rng_state == 0) rng_state = 1;
  }
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545F4914F6CDD1Dull;
}

/* Whether to disturb this operation (counted when it is). */
static int disturb(void) {
  uint64_t roll = next_random() % 100; /* configures on first use */
  if (roll >= config_rate) return 0;
  injected++;
  return 1;
}

/* 1..len bytes (len > 0): often a few, else any share. */
static size_t short_len(size_t len) {
  size_t cap = len;
  if ((next_random() & 1) && cap > FAULT_SMALL) cap = FAULT_SMALL;
  return 1 + (size_t)(next_random() % cap);
}

void uvbev_fault_read_cut_(uv_buf_t *buf, int may_refuse) {
  size_t keep;
  if (buf->len == 0 || !disturb()) return;
  keep = may_refuse && (next_random() & 1) ? 0 : short_len(buf->len);
  *buf = uv_buf_init(buf->base, (unsigned int)keep); /* uv_buf_t.len is a ULONG on Windows */
}

/* Cuts bufs[0..n) to its first `keep` bytes (keep > 0, at most their total)
 * and returns the count of entries left. */
static unsigned cut_to(uv_buf_t *bufs, unsigned n, size_t keep) {
  unsigned i;
  for (i = 0; i < n; i++) {
    if (bufs[i].len >= keep) {
      bufs[i] = uv_buf_init(bufs[i].base, (unsigned int)keep);
      return i + 1;
    }
    keep -= bufs[i].len;
  }
  return n;
}

static size_t total_len(const uv_buf_t *bufs, unsigned n) {
  size_t total = 0;
  unsigned i;
  for (i = 0; i < n; i++) total += bufs[i].len;
  return total;
}

unsigned uvbev_fault_write_cut_(uv_buf_t *bufs, unsigned n) {
  size_t total = total_len(bufs, n);
  if (total == 0 || !disturb()) return n;
  if (next_random() & 1) return 0;
  return cut_to(bufs, n, short_len(total));
}

int uvbev_fault_try_write_(uv_stream_t *stream, const uv_buf_t *bufs, unsigned n) {
  uv_buf_t part[UVBEV_MAX_WRITE_BUFS];
  unsigned i, k;
  if (n > UVBEV_MAX_WRITE_BUFS) return uv_try_write(stream, bufs, n);
  for (i = 0; i < n; i++) part[i] = bufs[i];
  k = uvbev_fault_write_cut_(part, n);
  return k == 0 ? UV_EAGAIN : uv_try_write(stream, part, k);
}

/* ---- uv_write as a drip ---------------------------------------------------- */

static int drip_next(struct uvbev_fault_write *w, uv_stream_t *stream);

static void drip_done(uv_write_t *req, int status) {
  struct uvbev_fault_write *w = req->data;
  uv_stream_t *stream = req->handle;
  uv_write_cb cb;
  if (status == 0 && w->next < w->n) {
    status = uv_is_closing((uv_handle_t *)stream) ? UV_ECANCELED : drip_next(w, stream);
    if (status == 0) return;
  }
  cb = w->cb;
  w->cb = NULL;
  cb(w->outer, status);
}

/* Writes the next part of w->bufs (all that is left when undisturbed). */
static int drip_next(struct uvbev_fault_write *w, uv_stream_t *stream) {
  uv_buf_t part[sizeof(w->bufs) / sizeof(w->bufs[0])];
  unsigned i, k = w->n - w->next;
  size_t left, sent;
  int r;
  for (i = 0; i < k; i++) part[i] = w->bufs[w->next + i];
  left = total_len(part, k);
  k = cut_to(part, k, left > 0 && disturb() ? short_len(left) : left);
  sent = total_len(part, k);
  w->req.data = w;
  r = uv_write(&w->req, stream, part, k, drip_done);
  if (r < 0) return r;
  /* libuv copied part[]: step past what it now owns. */
  while (w->next < w->n && sent >= w->bufs[w->next].len) sent -= w->bufs[w->next++].len;
  if (sent > 0)
    w->bufs[w->next] = uv_buf_init(w->bufs[w->next].base + sent,
                                   (unsigned int)(w->bufs[w->next].len - sent));
  return 0;
}

int uvbev_fault_write_(struct uvbev_fault_write *w, uv_write_t *req, uv_stream_t *stream,
                       const uv_buf_t *bufs, unsigned n, uv_write_cb cb) {
  unsigned i;
  if (n == 0 || n > sizeof(w->bufs) / sizeof(w->bufs[0]) || total_len(bufs, n) == 0)
    return uv_write(req, stream, bufs, n, cb);
  for (i = 0; i < n; i++) w->bufs[i] = bufs[i];
  w->n = n;
  w->next = 0;
  w->outer = req;
  w->cb = cb;
  return drip_next(w, stream);
}

size_t uvbev_fault_write_left_(const struct uvbev_fault_write *w) {
  /* cb is set from uvbev_fault_write_ until the drip reports: a write that
   * went straight to uv_write leaves it NULL. */
  return w->cb ? total_len(w->bufs + w->next, w->n - w->next) : 0;
}

unsigned long uvbev_fault_injected_(void) {
  return injected;
}
