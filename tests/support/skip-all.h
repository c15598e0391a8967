/* SPDX-License-Identifier: MIT */
/* A test program whose subject does not exist on this platform (fork and
 * sigaction on Windows) reports itself skipped, with the reason; see
 * skip-all.c. */
#ifndef TESTS_SKIP_ALL_H
#define TESTS_SKIP_ALL_H

/* Runs a cmocka group named `group` whose one test is skipped, after
 * printing `why`.  Returns what main should return. */
int cu_skip_all(const char *group, const char *why);

#endif
