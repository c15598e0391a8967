/* SPDX-License-Identifier: MIT */
/* Shared by every benchmark; see bench-util.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/resource.h>
#include <time.h>
#endif

#include <event2/event.h>

#include "bench-util.h"

static int pair_sndbuf; /* bench_tcp_pair's writer SO_SNDBUF, 0 for the kernel's: bench_stream_rows */

int bench_sweep(const char *which, int scale, bench_pingpong_fn pingpong, bench_stream_fn stream) {
  static const int conns[] = {10, 50, 100, 200, 500, 1000, 2000, 5000};
  static const size_t sizes[] = {64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};
  char name[64];
  size_t i;
  if (which && !strcmp(which, "sweep-conns")) {
    int max = bench_max_conns(5000);
    for (i = 0; i < sizeof(conns) / sizeof(conns[0]) && conns[i] <= max; i++) {
      long rounds = 200000L / conns[i] / scale; /* the same messages at each point */
      snprintf(name, sizeof(name), "sweep_pingpong_c%d", conns[i]);
      pingpong(name, conns[i], rounds < 2 ? 2 : rounds);
    }
    return 1;
  }
  if (which && !strcmp(which, "sweep-size")) {
    for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
      size_t bytes = sizes[i] << 20; /* a million writes, at most 256 MiB */
      if (bytes > ((size_t)256 << 20)) bytes = (size_t)256 << 20;
      snprintf(name, sizeof(name), "sweep_stream_w%zu", sizes[i]);
      stream(name, bytes / (size_t)scale, sizes[i]);
    }
    return 1;
  }
  return 0;
}

void bench_stream_rows(const char *which, int scale, bench_stream_fn copy, bench_stream_fn noncopy) {
  size_t total = ((size_t)1 << 30) / (size_t)scale;
  if (which && strcmp(which, "stream")) return;
  copy("socket_stream_1gib", total, 64 * 1024);
  noncopy("socket_stream_1gib_noncopy", total, 64 * 1024);
  pair_sndbuf = 128 * 1024;
  copy("socket_stream_1gib_sndbuf", total, 64 * 1024);
  noncopy("socket_stream_1gib_noncopy_sndbuf", total, 64 * 1024);
  pair_sndbuf = 0;
}

int bench_max_conns(int want) {
#ifndef _WIN32
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < 2L * want + 64)
      want = (int)(((long)rl.rlim_cur - 64) / 2);
  }
#endif
  return want;
}

void bench_pingpong_metrics(const char *name, long messages, double seconds, long faults,
                            unsigned long mallocs) {
  char metric[128];
  bench_metric(name, (double)messages / seconds, "messages/s", "higher");
  snprintf(metric, sizeof(metric), "%s_faults_per_msg", name);
  bench_metric(metric, (double)faults / (double)messages, "faults", "lower");
  snprintf(metric, sizeof(metric), "%s_mallocs_per_msg", name);
  bench_metric(metric, (double)mallocs / (double)messages, "mallocs", "lower");
}

static unsigned long allocations;

static void *count_malloc(size_t n) {
  allocations++;
  return malloc(n);
}

static void *count_realloc(void *p, size_t n) {
  allocations++;
  return realloc(p, n);
}

void bench_count_allocations(void) {
  event_set_mem_functions(count_malloc, count_realloc, free);
}

unsigned long bench_allocations(void) {
  return allocations;
}

long bench_minor_faults(void) {
#ifndef _WIN32
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) == 0) return ru.ru_minflt;
#endif
  return 0;
}

double bench_now_s(void) {
  struct timeval tv;
  evutil_gettimeofday(&tv, NULL);
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

double bench_mono_s(void) {
#if defined(CLOCK_MONOTONIC) && !defined(_WIN32)
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) == 0) return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
#endif
  return bench_now_s();
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

void bench_latency_metrics(const char *name, double *samples, size_t n) {
  char metric[128];
  if (n == 0) bench_die("latency: no sample");
  qsort(samples, n, sizeof(*samples), cmp_double);
  snprintf(metric, sizeof(metric), "%s_p50_us", name);
  bench_metric(metric, samples[n / 2] * 1e6, "us", "lower");
  snprintf(metric, sizeof(metric), "%s_p99_us", name);
  bench_metric(metric, samples[n * 99 / 100] * 1e6, "us", "lower");
}

void bench_metric(const char *name, double value, const char *unit, const char *better) {
  printf("metric %s %.3f %s %s\n", name, value, unit, better);
  fflush(stdout);
}

void bench_die(const char *what) {
  fprintf(stderr, "bench: %s\n", what);
  exit(1);
}

static evutil_socket_t listen_fd = EVUTIL_INVALID_SOCKET;
static struct sockaddr_in listen_sin;

static void bench_listen_once(void) {
  ev_socklen_t len = sizeof(listen_sin);
  if (listen_fd != EVUTIL_INVALID_SOCKET) return;
  listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  memset(&listen_sin, 0, sizeof(listen_sin));
  listen_sin.sin_family = AF_INET;
  listen_sin.sin_addr.s_addr = htonl(0x7f000001);
  if (listen_fd == EVUTIL_INVALID_SOCKET ||
      bind(listen_fd, (struct sockaddr *)&listen_sin, sizeof(listen_sin)) != 0 ||
      listen(listen_fd, 128) != 0 ||
      getsockname(listen_fd, (struct sockaddr *)&listen_sin, &len) != 0)
    bench_die("listen");
}

void bench_tcp_pair(evutil_socket_t sv[2]) {
  bench_listen_once();
  sv[0] = socket(AF_INET, SOCK_STREAM, 0);
  if (sv[0] == EVUTIL_INVALID_SOCKET ||
      connect(sv[0], (struct sockaddr *)&listen_sin, sizeof(listen_sin)) != 0)
    bench_die("connect");
  sv[1] = accept(listen_fd, NULL, NULL);
  if (sv[1] == EVUTIL_INVALID_SOCKET) bench_die("accept");
  if (pair_sndbuf > 0 && setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, (const char *)&pair_sndbuf,
                                    sizeof(pair_sndbuf)) != 0)
    bench_die("SO_SNDBUF");
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
}

void bench_tcp_pairs_done(void) {
  if (listen_fd == EVUTIL_INVALID_SOCKET) return;
  evutil_closesocket(listen_fd);
  listen_fd = EVUTIL_INVALID_SOCKET;
}
