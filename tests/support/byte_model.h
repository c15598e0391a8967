/* SPDX-License-Identifier: MIT */
/* A flat byte array that models an evbuffer's contents: the reference that
 * the evbuffer property test (tests/unit/test_evbuffer_model.c) and the
 * evbuffer fuzz target (tests/fuzz/fuzz_evbuffer.c) compare evbuffers with.
 * Plain C, no evbuffer code: what it says is the definition of "right". */
#ifndef BYTE_MODEL_H
#define BYTE_MODEL_H

#include <stddef.h>

struct model {
  unsigned char *b;
  size_t len, cap;
};

/** Appends n bytes (aborts if out of memory: a test cannot go on then). */
void m_add(struct model *m, const void *d, size_t n);
/** Inserts n bytes at the front. */
void m_prepend(struct model *m, const void *d, size_t n);
/** Removes up to n bytes from the front. */
void m_drain(struct model *m, size_t n);
/** The first end of line of `style` (enum evbuffer_eol_style) at or after
 * `from`: its position and *eol_len, or -1 if there is none. */
long m_eol(const struct model *m, size_t from, int style, size_t *eol_len);
/** The first occurrence of w[0..wl) starting in [from, limit - wl], or -1. */
long m_search(const struct model *m, const unsigned char *w, size_t wl, size_t from, size_t limit);
/** Frees the array and empties the model. */
void m_free(struct model *m);

#endif
