/* SPDX-License-Identifier: MIT */
/* Reading a fuzzer's byte string as a sequence of small decisions.  Running
 * out of input reads zeros, so every byte string is a valid program. */
#ifndef FUZZ_INPUT_H
#define FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct fuzz_input {
  const uint8_t *p;
  size_t left;
};

static inline unsigned fi_byte(struct fuzz_input *in) {
  if (in->left == 0) return 0;
  in->left--;
  return *in->p++;
}

static inline unsigned fi_u16(struct fuzz_input *in) {
  unsigned hi = fi_byte(in);
  return (hi << 8) | fi_byte(in);
}

/* Takes up to n bytes of input as data; *got says how many there were. */
static inline const uint8_t *fi_take(struct fuzz_input *in, size_t n, size_t *got) {
  const uint8_t *p = in->p;
  if (n > in->left) n = in->left;
  in->p += n;
  in->left -= n;
  *got = n;
  return p;
}

/* A fuzz target must not abort on a legitimate input; this reports a real
 * disagreement and aborts, which libFuzzer and the replay program both
 * report as a failure with the input that caused it. */
#define FUZZ_CHECK(cond)                                                                           \
  do {                                                                                             \
    if (!(cond)) fuzz_fail_(__FILE__, __LINE__, #cond);                                            \
  } while (0)

void fuzz_fail_(const char *file, int line, const char *what);

#endif
