/* SPDX-License-Identifier: MIT */
/* The process's memory, for tests that bound it. */
#ifndef TESTS_PEAK_RSS_H
#define TESTS_PEAK_RSS_H

/* The peak resident set size of the process so far, in KiB (VmHWM on Linux,
 * ru_maxrss elsewhere on Unix), or -1 where it is not known (Windows). */
long cu_peak_rss_kib(void);

#endif
