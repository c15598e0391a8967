/* SPDX-License-Identifier: MIT */
/* bufferevent_free without BEV_OPT_CLOSE_ON_FREE while the kernel holds part
 * of the output and the rest waits: the descriptor stays its owner's, and
 * the peer reads a prefix of what the bufferevent was given, then what the
 * owner writes once the free returned, and nothing of the bufferevent's
 * after that (libevent writes nothing once freed; a bufferevent that
 * finished its write later, from the loop, would put bytes in the middle of
 * the owner's).  How long the prefix is differs: libevent's ends where
 * write(2) stopped, uvbev's at the end of the write it had started
 * (unit_socket_free_finish checks that).  libevent API only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "compat-util.h"
#include "sock-util.h"
#include "thread-util.h"
#include "loopback.h"

/* Far more than small socket buffers on both ends hold, as one write. */
#define TOTAL (1024 * 1024)
#define MARK "<the owner's own bytes>"

struct reader {
  evutil_socket_t fd;
  unsigned char *buf;
  size_t got;
  int eof;
};

static void reader_main(void *arg) {
  struct reader *r = arg;
  r->got = su_read_all(r->fd, r->buf, TOTAL + sizeof(MARK), &r->eof);
}

static void small_buffers(evutil_socket_t fd) {
  int n = 4096;
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, (const char *)&n, sizeof(n));
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, (const char *)&n, sizeof(n));
}

/* Runs the loop until the output stops shrinking: the kernel took what it
 * holds and the rest waits (uvbev counts the bytes of a write in flight in
 * the output until the write is done, so it may not shrink at all). */
static void run_until_stalled(struct event_base *base, struct bufferevent *bev) {
  size_t last = 0;
  int i, same = 0;
  for (i = 0; i < 2000 && same < 10; i++) {
    size_t len;
    event_base_loop(base, EVLOOP_NONBLOCK);
    len = evbuffer_get_length(bufferevent_get_output(bev));
    same = i > 0 && len == last ? same + 1 : 0;
    last = len;
    tu_sleep_ms(1);
  }
  assert_int_equal(same, 10);
  assert_true(last > 0); /* the kernel could not take it all */
}

/* Sends all of MARK on the non-blocking fd (the reader makes room). */
static void send_mark(evutil_socket_t fd) {
  size_t sent = 0;
  int i;
  for (i = 0; i < 10000 && sent < strlen(MARK); i++) {
    long n = (long)send(fd, MARK + sent, (int)(strlen(MARK) - sent), 0);
    if (n > 0)
      sent += (size_t)n;
    else
      tu_sleep_ms(1);
  }
  assert_int_equal(sent, strlen(MARK));
}

static void owner_writes_after_free_mid_write_follow_a_prefix(void **state) {
  struct event_base *base = event_base_new();
  unsigned char *data = malloc(TOTAL);
  struct reader r;
  struct tu_thread *t;
  struct bufferevent *bev;
  evutil_socket_t sv[2];
  size_t prefix;
  (void)state;
  cu_ignore_sigpipe();
  assert_non_null(base);
  assert_non_null(data);
  assert_int_equal(cu_tcp_pair(sv), 0);
  small_buffers(sv[0]); /* the writer's only: the reader's window stays */
  evutil_make_socket_nonblocking(sv[0]); /* libevent writes with write(2) */
  su_fill_pattern(data, TOTAL, 0);
  bev = bufferevent_socket_new(base, sv[0], 0);
  assert_non_null(bev);
  assert_int_equal(bufferevent_set_max_single_write(bev, TOTAL), 0);
  assert_int_equal(bufferevent_write(bev, data, TOTAL), 0);
  assert_int_equal(bufferevent_enable(bev, EV_WRITE), 0);
  run_until_stalled(base, bev);

  memset(&r, 0, sizeof(r));
  r.fd = sv[1];
  r.buf = malloc(TOTAL + sizeof(MARK));
  assert_non_null(r.buf);
  su_set_recv_timeout(sv[1], 10000);
  t = tu_thread_start(reader_main, &r);
  bufferevent_free(bev);
  send_mark(sv[0]);
  event_base_loop(base, EVLOOP_NONBLOCK); /* the handle's close */
  shutdown(sv[0], 1);                     /* SHUT_WR, SD_SEND */
  tu_thread_join(t);

  assert_true(r.eof);
  assert_true(r.got >= strlen(MARK));
  prefix = r.got - strlen(MARK);
  assert_true(prefix > 0 && prefix <= TOTAL);
  assert_true(su_check_pattern(r.buf, prefix, 0));
  assert_memory_equal(r.buf + prefix, MARK, strlen(MARK));
  free(r.buf);
  free(data);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(owner_writes_after_free_mid_write_follow_a_prefix),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
