/* SPDX-License-Identifier: MIT */
/* evbuffer benchmark, libevent API only: built against uvbev (bench_evbuffer)
 * and libevent 2.1 (bench_evbuffer_libevent).  tests/bench/run.sh runs both.
 * Prints one line per figure:  metric <name> <value> <unit> <higher|lower> */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/util.h>

#include "bench-util.h"

/* Each scenario runs REPEAT times; the best figure of each is printed, which
 * filters out the noise of a shared machine (both libraries alike). */
#define REPEAT 3
#define MAX_METRICS 16

static struct {
  const char *name, *unit, *better;
  double best;
} metrics[MAX_METRICS];
static int nmetrics;

static void metric(const char *name, double value, const char *unit, const char *better) {
  int i;
  for (i = 0; i < nmetrics && strcmp(metrics[i].name, name) != 0; i++)
    ;
  if (i == nmetrics) {
    if (nmetrics == MAX_METRICS) abort();
    metrics[nmetrics].name = name;
    metrics[nmetrics].unit = unit;
    metrics[nmetrics].better = better;
    metrics[nmetrics++].best = value;
  } else if (strcmp(better, "higher") == 0 ? value > metrics[i].best : value < metrics[i].best) {
    metrics[i].best = value;
  }
}

static void print_metrics(void) {
  int i;
  for (i = 0; i < nmetrics; i++)
    printf("metric %s %.3f %s %s\n", metrics[i].name, metrics[i].best, metrics[i].unit,
           metrics[i].better);
}

/* Many small adds (one short line each), then readln of every line. */
static void small_adds_then_readln(void) {
  enum { lines = 2000000, variants = 1024 };
  static char text[variants][32];
  static size_t len[variants];
  struct evbuffer *buf = evbuffer_new();
  double t0, t1;
  size_t total = 0;
  int i;
  for (i = 0; i < variants; i++)
    len[i] = (size_t)snprintf(text[i], sizeof(text[i]), "GET /%d HTTP\r\n", i * 37);
  t0 = bench_now_s();
  for (i = 0; i < lines; i++)
    evbuffer_add(buf, text[i % variants], len[i % variants]);
  t1 = bench_now_s();
  for (i = 0; i < lines; i++) {
    size_t n;
    char *line = evbuffer_readln(buf, &n, EVBUFFER_EOL_CRLF);
    if (line == NULL) abort();
    total += n;
    free(line);
  }
  if (evbuffer_get_length(buf) != 0 || total == 0) abort();
  metric("small_add_ns_per_line", (t1 - t0) * 1e9 / lines, "ns", "lower");
  metric("readln_ns_per_line", (bench_now_s() - t1) * 1e9 / lines, "ns", "lower");
  evbuffer_free(buf);
}

/* 1 GiB through a pipeline of add_buffer moves: 4 KiB adds into a, a moved
 * into b, b moved into c every 256 KiB, c drained. */
static void add_buffer_pipeline(void) {
  const size_t total = (size_t)1 << 30, block = 4096;
  struct evbuffer *a = evbuffer_new(), *b = evbuffer_new(), *c = evbuffer_new();
  char *data = malloc(block);
  double t0;
  size_t done;
  memset(data, 'm', block);
  t0 = bench_now_s();
  for (done = 0; done < total; done += block) {
    evbuffer_add(a, data, block);
    evbuffer_add_buffer(b, a);
    if (evbuffer_get_length(b) >= 256 * 1024) {
      evbuffer_add_buffer(c, b);
      evbuffer_drain(c, evbuffer_get_length(c));
    }
  }
  metric("add_buffer_pipeline_GiBps", 1.0 / (bench_now_s() - t0), "GiB/s", "higher");
  free(data);
  evbuffer_free(a);
  evbuffer_free(b);
  evbuffer_free(c);
}

/* 1 GiB moved with add_buffer alone: 16 MiB bounced between two buffers. */
static void add_buffer_moves(void) {
  const size_t block = 64 * 1024, size = 16 * 1024 * 1024;
  struct evbuffer *x = evbuffer_new(), *y = evbuffer_new(), *scratch = evbuffer_new();
  char *data = malloc(block);
  double t0;
  size_t done;
  int i;
  memset(data, 'b', block);
  for (done = 0; done < size; done += block) {
    /* Separate chunks, as a read loop leaves them. */
    evbuffer_add(scratch, data, block);
    evbuffer_add_buffer(x, scratch);
  }
  t0 = bench_now_s();
  for (i = 0; i < 64; i++) {
    /* Half by remove_buffer (chunk by chunk), half by add_buffer. */
    while (evbuffer_get_length(x) > 0)
      evbuffer_remove_buffer(x, y, block);
    evbuffer_add_buffer(x, y);
  }
  metric("remove_buffer_moves_GiBps", 1.0 / (bench_now_s() - t0), "GiB/s", "higher");
  free(data);
  evbuffer_free(x);
  evbuffer_free(y);
  evbuffer_free(scratch);
}

/* add/drain of 64 KiB blocks, with a few blocks queued. */
static void add_drain_blocks(void) {
  const size_t block = 64 * 1024, rounds = 16384; /* 1 GiB */
  struct evbuffer *buf = evbuffer_new();
  char *data = malloc(block);
  double t0;
  size_t i;
  memset(data, 'd', block);
  for (i = 0; i < 4; i++)
    evbuffer_add(buf, data, block);
  t0 = bench_now_s();
  for (i = 0; i < rounds; i++) {
    evbuffer_add(buf, data, block);
    evbuffer_drain(buf, block);
  }
  metric("add_drain_64k_GiBps", 1.0 / (bench_now_s() - t0), "GiB/s", "higher");
  free(data);
  evbuffer_free(buf);
}

/* Search for a needle at the end of 16 MiB of text (4 KiB adds). */
static void search_16m(void) {
  const size_t size = 16 * 1024 * 1024, block = 4096;
  const char *needle = "needle-in-a-haystack";
  struct evbuffer *buf = evbuffer_new();
  char *data = malloc(block);
  unsigned seed = 12345;
  double t0;
  size_t i, done;
  int reps = 20;
  for (i = 0; i < block; i++) {
    seed = seed * 1103515245u + 12345u;
    data[i] = (char)('a' + (seed >> 16) % 26);
  }
  for (done = 0; done < size; done += block)
    evbuffer_add(buf, data, block);
  evbuffer_add(buf, needle, strlen(needle));
  t0 = bench_now_s();
  for (i = 0; i < (size_t)reps; i++) {
    struct evbuffer_ptr p = evbuffer_search(buf, needle, strlen(needle), NULL);
    if (p.pos != (ev_ssize_t)size) abort();
  }
  metric("search_16m_GiBps", reps * (size / 1073741824.0) / (bench_now_s() - t0), "GiB/s", "higher");
  free(data);
  evbuffer_free(buf);
}

int main(void) {
  int r;
  printf("# bench_evbuffer (%s), best of %d\n", BENCH_IMPL_NAME, REPEAT);
  for (r = 0; r < REPEAT; r++) {
    small_adds_then_readln();
    add_buffer_pipeline();
    add_buffer_moves();
    add_drain_blocks();
    search_16m();
  }
  print_metrics();
  return 0;
}
