/* SPDX-License-Identifier: MIT */
/* Shared pieces of the uvbev-only TLS unit tests (header-only, static inline;
 * included only by tests/unit/test_ssl_*.c, which link OpenSSL): a loopback
 * TCP pair, a safety timer, the test pattern, and the certificate helpers of
 * the compat tests. */
#ifndef SSL_RIG_H
#define SSL_RIG_H

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/util.h>

#include "../compat/ssl_cert_helper.h"
#include "loopback.h"

static inline void rig_ignore_sigpipe(void) {
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
}

/* A connected loopback TCP pair, both non-blocking.  Returns 0 or -1. */
static inline int rig_tcp_pair(evutil_socket_t sv[2]) {
  if (cu_tcp_pair(sv) < 0) return -1;
  evutil_make_socket_nonblocking(sv[0]);
  evutil_make_socket_nonblocking(sv[1]);
  return 0;
}

static inline void rig_on_safety(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  fail_msg("safety timeout: the test did not finish");
}

/* A timer failing the test after ms; event_free it before the base. */
static inline struct event *rig_safety(struct event_base *base, int ms) {
  struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
  struct event *ev = evtimer_new(base, rig_on_safety, NULL);
  if (ev) evtimer_add(ev, &tv);
  return ev;
}

static inline unsigned char rig_byte(size_t i) {
  return (unsigned char)((i * 7u + (i >> 11)) & 0xff);
}

static inline void rig_add_pattern(struct evbuffer *out, size_t offset, size_t n) {
  unsigned char buf[16384];
  while (n > 0) {
    size_t k = n < sizeof(buf) ? n : sizeof(buf);
    for (size_t i = 0; i < k; i++)
      buf[i] = rig_byte(offset + i);
    evbuffer_add(out, buf, k);
    offset += k;
    n -= k;
  }
}

/* Drains up to max bytes of in, comparing with the pattern from *offset;
 * returns the mismatches. */
static inline int rig_take(struct evbuffer *in, size_t max, size_t *offset) {
  unsigned char buf[16384];
  int bad = 0;
  while (max > 0 && evbuffer_get_length(in) > 0) {
    int n = evbuffer_remove(in, buf, max < sizeof(buf) ? max : sizeof(buf));
    if (n <= 0) break;
    for (int i = 0; i < n; i++)
      bad += buf[i] != rig_byte(*offset + (size_t)i);
    *offset += (size_t)n;
    max -= (size_t)n;
  }
  return bad;
}

#endif
