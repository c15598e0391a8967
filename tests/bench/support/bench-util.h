/* SPDX-License-Identifier: MIT */
/* What every benchmark needs: a clock, the metric line that tests/bench/run.sh
 * parses, and loopback TCP pairs.  Libevent API only (built against both). */
#ifndef BENCH_UTIL_H
#define BENCH_UTIL_H

#include <event2/util.h>

/* Wall-clock seconds. */
double bench_now_s(void);

/* A monotonic clock in seconds, as fine as the system gives (for latencies). */
double bench_mono_s(void);
/* Sorts n round-trip times (seconds) and prints NAME_p50_us and NAME_p99_us. */
void bench_latency_metrics(const char *name, double *samples, size_t n);
/* One loopback connection echoing a 64-byte message `rounds` times, one at a
 * time: the round-trip latencies' median and 99th percentile (bench-pingpong.c). */
void bench_latency(const char *name, long rounds);
/* Prints "metric NAME VALUE UNIT higher|lower" (the format of run.sh). */
void bench_metric(const char *name, double value, const char *unit, const char *better);

/* Prints "bench: WHAT" and exits 1. */
void bench_die(const char *what);

/* A connected loopback TCP pair, both ends non-blocking.  The listening
 * socket is made once and kept; bench_tcp_pairs_done() closes it. */
void bench_tcp_pair(evutil_socket_t sv[2]);
void bench_tcp_pairs_done(void);

/* Installs a counting allocator with event_set_mem_functions: call it first
 * in main, before the library allocates anything. */
void bench_count_allocations(void);
/* Allocations (malloc, realloc, calloc through the library) so far. */
unsigned long bench_allocations(void);
/* Minor page faults of the process so far (0 where getrusage is missing). */
long bench_minor_faults(void);

/* 100 loopback connections (bufferevents made with `options`) each send a
 * 64-byte message that the other end echoes, `rounds` times; prints
 * messages per second as metric `name`, and per message the minor page
 * faults (`name`_faults_per_msg) and the library's allocations
 * (`name`_mallocs_per_msg, when bench_count_allocations was called). */
void bench_pingpong(const char *name, int options, long rounds);
/* Prints a ping-pong's figures as metrics: `name` (messages/s), and per
 * message `name`_faults_per_msg and `name`_mallocs_per_msg. */
void bench_pingpong_metrics(const char *name, long messages, double seconds, long faults,
                            unsigned long mallocs);
/* The same with `conns` connections. */
void bench_pingpong_n(const char *name, int options, int conns, long rounds);

/* The sweeps behind the charts (tests/bench/charts.sh), the same points for
 * every program (bench_socket and the limit programs): `which` is
 * "sweep-conns" (a ping-pong at 10 to 5,000 connections, the same number of
 * messages at each point, metric sweep_pingpong_c<N>) or "sweep-size" (a
 * stream written 64 B to 1 MiB at a time, metric sweep_stream_w<SIZE>).
 * Returns 1 if `which` named a sweep. */
typedef void (*bench_pingpong_fn)(const char *name, int conns, long rounds);
typedef void (*bench_stream_fn)(const char *name, size_t total, size_t write_size);
int bench_sweep(const char *which, int scale, bench_pingpong_fn pingpong, bench_stream_fn stream);
/* The 1 GiB stream rows, the same in every program, when `which` is NULL or
 * "stream": socket_stream_1gib (`copy`), socket_stream_1gib_noncopy
 * (`noncopy`), then both again named _sndbuf, their pairs' writer with
 * SO_SNDBUF at 128 KiB, as a program may set it: that bounds what the kernel
 * holds in flight, and so the memory a stream moves through (the kernel's
 * default size and autotuning otherwise). */
void bench_stream_rows(const char *which, int scale, bench_stream_fn copy, bench_stream_fn noncopy);
/* Raises the descriptor limit to its maximum; returns the connections (two
 * descriptors each) it allows, at most `want`. */
int bench_max_conns(int want);

#endif
