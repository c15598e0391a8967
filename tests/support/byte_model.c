/* SPDX-License-Identifier: MIT */
/* The flat byte-array model of an evbuffer (see byte_model.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "byte_model.h"

static void m_reserve(struct model *m, size_t n) {
  if (m->len + n > m->cap) {
    m->cap = (m->len + n) * 2 + 16;
    m->b = realloc(m->b, m->cap);
    if (!m->b) {
      fprintf(stderr, "byte model: out of memory\n");
      abort();
    }
  }
}

void m_add(struct model *m, const void *d, size_t n) {
  m_reserve(m, n);
  if (n) memcpy(m->b + m->len, d, n);
  m->len += n;
}

void m_prepend(struct model *m, const void *d, size_t n) {
  m_reserve(m, n);
  if (m->len) memmove(m->b + n, m->b, m->len);
  if (n) memcpy(m->b, d, n);
  m->len += n;
}

void m_drain(struct model *m, size_t n) {
  if (n > m->len) n = m->len;
  if (m->len > n) memmove(m->b, m->b + n, m->len - n);
  m->len -= n;
}

void m_free(struct model *m) {
  free(m->b);
  m->b = NULL;
  m->len = m->cap = 0;
}

/* Length of the end of line of `style` that starts at i, or 0 if none does. */
static size_t eol_at(const struct model *m, size_t i, int style) {
  unsigned char ch = m->b[i];
  int crlf = ch == '\r' && i + 1 < m->len && m->b[i + 1] == '\n';
  size_t j;
  switch (style) {
  case EVBUFFER_EOL_ANY:
    for (j = i; j < m->len && (m->b[j] == '\r' || m->b[j] == '\n'); j++)
      ;
    return j - i;
  case EVBUFFER_EOL_CRLF:
    return ch == '\n' ? 1 : crlf ? 2 : 0;
  case EVBUFFER_EOL_CRLF_STRICT:
    return crlf ? 2 : 0;
  case EVBUFFER_EOL_LF:
    return ch == '\n';
  default: /* EVBUFFER_EOL_NUL */
    return ch == '\0';
  }
}

long m_eol(const struct model *m, size_t from, int style, size_t *eol_len) {
  size_t i;
  for (i = from; i < m->len; i++) {
    size_t n = eol_at(m, i, style);
    if (n) {
      *eol_len = n;
      return (long)i;
    }
  }
  return -1;
}

long m_search(const struct model *m, const unsigned char *w, size_t wl, size_t from, size_t limit) {
  size_t i;
  for (i = from; i + wl <= limit; i++)
    if (memcmp(m->b + i, w, wl) == 0) return (long)i;
  return -1;
}
