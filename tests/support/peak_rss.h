/* SPDX-License-Identifier: MIT */
/* The process's memory, for tests that bound it. */
#ifndef TESTS_PEAK_RSS_H
#define TESTS_PEAK_RSS_H

/* The peak resident set size of the process so far, in KiB (VmHWM on Linux,
 * ru_maxrss elsewhere on Unix, the peak working set on Windows), or -1 when
 * it cannot be read. */
long cu_peak_rss_kib(void);

#endif
