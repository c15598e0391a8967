/* SPDX-License-Identifier: MIT */
/* Shared by every fuzz target (libFuzzer and replay builds). */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_input.h"

void fuzz_fail_(const char *file, int line, const char *what) {
  fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
  abort();
}
