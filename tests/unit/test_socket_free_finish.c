/* SPDX-License-Identifier: MIT */
/* uvbev-only: a socket bufferevent that lets go of a descriptor that stays
 * open (no BEV_OPT_CLOSE_ON_FREE) finishes the write it had started before
 * closing its handle (bev_socket_finish.c), so the stream its owner goes on
 * with is never cut in the middle of a write (a TLS record, say).  libevent
 * promises only a prefix (compat_bev_socket_free_mid_write), so this is a
 * unit test: it checks uvbev's write boundary, and that the wait is bounded
 * (a peer that does not read) and absent at the base's shutdown. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "bev_socket-internal.h"
#include "evbuffer-uv-internal.h"
#include "loopback.h"

/* Far more than small socket buffers on both ends hold, in one
 * max_single_write. */
#define TOTAL (1024 * 1024)
#define MARK "<the owner's own bytes>"

struct fx {
  struct event_base *base;
  struct bufferevent *bev;
  evutil_socket_t sv[2];
  unsigned char *data;
  size_t write_end; /* where the write in flight ends in the stream */
  /* the peer's reader thread */
  uv_thread_t reader;
  unsigned char *got;
  size_t ngot;
  int eof;
};

static unsigned char pattern(size_t i) {
  return (unsigned char)(i * 7 + i / 251);
}

static void reader_main(void *arg) {
  struct fx *f = arg;
  size_t cap = TOTAL + sizeof(MARK);
  while (f->ngot < cap) {
    long n = (long)recv(f->sv[1], (char *)f->got + f->ngot, (int)(cap - f->ngot), 0);
    if (n == 0) f->eof = 1;
    if (n <= 0) break;
    f->ngot += (size_t)n;
  }
}

static void set_buffers(evutil_socket_t fd, int n) {
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, (const char *)&n, sizeof(n));
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, (const char *)&n, sizeof(n));
}

static void set_recv_timeout(evutil_socket_t fd, int ms) {
#ifdef _WIN32
  DWORD tv = (DWORD)ms;
#else
  struct timeval tv;
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
#endif
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, (const char *)&tv, sizeof(tv));
}

/* Bytes of c's write not sent yet (bev_socket_finish.c counts the same). */
static size_t unsent(struct bev_conn *c) {
  size_t n = uv_stream_get_write_queue_size(&c->own.stream);
#ifdef UVBEV_FAULT_INJECTION
  n += uvbev_fault_write_left_(&c->fault_w);
#endif
  return n;
}

/* A socket bufferevent on the test's own descriptor, given TOTAL bytes as
 * one write, run until the kernel holds all it can: the write has started
 * (bytes went out) and the rest waits in libuv. */
static int setup(void **state) {
  struct fx *f = calloc(1, sizeof(*f));
  size_t i;
  int k;
  struct bev_conn *c;
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  assert_non_null(f);
  f->base = event_base_new();
  f->data = malloc(TOTAL);
  f->got = malloc(TOTAL + sizeof(MARK));
  assert_non_null(f->base);
  assert_non_null(f->data);
  assert_non_null(f->got);
  for (i = 0; i < TOTAL; i++) f->data[i] = pattern(i);
  assert_int_equal(cu_tcp_pair(f->sv), 0);
  /* The writer's buffer only: the reader's keeps its size, whose window
   * would otherwise crawl once it reads (delayed acknowledgements). */
  set_buffers(f->sv[0], 4096);
  set_recv_timeout(f->sv[1], 10000);
  f->bev = bufferevent_socket_new(f->base, f->sv[0], 0);
  assert_non_null(f->bev);
  assert_int_equal(bufferevent_set_max_single_write(f->bev, TOTAL), 0);
  assert_int_equal(bufferevent_write(f->bev, f->data, TOTAL), 0);
  assert_int_equal(bufferevent_enable(f->bev, EV_WRITE), 0);
  c = bev_socket_upcast_(f->bev)->conn;
  assert_non_null(c);
  for (k = 0; k < 1000 && !c->writing; k++) event_base_loop(f->base, EVLOOP_NONBLOCK);
  assert_true(c->writing);
  /* Started: uv_try_write sent the head, or libuv some of the rest. */
  assert_true(c->write_begun || unsent(c) < evbuffer_uv_pinned_(f->bev->output));
  assert_true(unsent(c) > 0); /* and not finished */
  /* The write is the pin, at the output's head (a pin takes a bounded count
   * of chunks: maybe not all of TOTAL). */
  f->write_end = TOTAL - evbuffer_get_length(f->bev->output) + evbuffer_uv_pinned_(f->bev->output);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  struct fx *f = *state;
  if (f->bev) bufferevent_free(f->bev);
  evutil_closesocket(f->sv[0]);
  evutil_closesocket(f->sv[1]);
  if (f->base) event_base_free(f->base);
  free(f->data);
  free(f->got);
  free(f);
  return 0;
}

/* Reads the peer on a thread. */
static void start_reader(struct fx *f) {
  assert_int_equal(uv_thread_create(&f->reader, reader_main, f), 0);
}

/* The owner's bytes after the free, then its end of the stream; the reader
 * collects everything. */
static void owner_finishes(struct fx *f) {
  size_t sent = 0;
  int i;
  if (f->base) event_base_loop(f->base, EVLOOP_NONBLOCK); /* the handle's close */
  for (i = 0; i < 10000 && sent < strlen(MARK); i++) {
    long n = (long)send(f->sv[0], MARK + sent, (int)(strlen(MARK) - sent), 0);
    if (n > 0)
      sent += (size_t)n;
    else
      uv_sleep(1);
  }
  assert_int_equal(sent, strlen(MARK));
  shutdown(f->sv[0], 1); /* SHUT_WR, SD_SEND */
  assert_int_equal(uv_thread_join(&f->reader), 0);
  assert_true(f->eof);
}

/* The bytes before the owner's: a prefix of the data; returns its length. */
static size_t stream_prefix(struct fx *f) {
  size_t prefix;
  assert_true(f->ngot >= strlen(MARK));
  prefix = f->ngot - strlen(MARK);
  assert_true(prefix <= TOTAL);
  assert_memory_equal(f->got, f->data, prefix);
  assert_memory_equal(f->got + prefix, MARK, strlen(MARK));
  return prefix;
}

static void free_finishes_the_started_write(void **state) {
  struct fx *f = *state;
  start_reader(f);
  bufferevent_free(f->bev);
  f->bev = NULL;
  owner_finishes(f);
  assert_int_equal(stream_prefix(f), f->write_end); /* the whole write, then the owner's */
}

static void setfd_finishes_the_started_write_on_the_old_descriptor(void **state) {
  struct fx *f = *state;
  start_reader(f);
  assert_int_equal(bufferevent_setfd(f->bev, EVUTIL_INVALID_SOCKET), 0);
  owner_finishes(f);
  /* The write is over; the rest stays for the next descriptor, as in
   * libevent. */
  assert_int_equal(evbuffer_get_length(bufferevent_get_output(f->bev)), TOTAL - f->write_end);
  assert_int_equal(stream_prefix(f), f->write_end);
}

static void free_gives_up_on_a_peer_that_does_not_read(void **state) {
  struct fx *f = *state;
  uint64_t t0 = uv_hrtime(), ms;
  bufferevent_free(f->bev); /* nobody reads: the wait runs out */
  f->bev = NULL;
  ms = (uv_hrtime() - t0) / 1000000;
  assert_true(ms >= 500 && ms < 5000);
  start_reader(f);
  owner_finishes(f);
  assert_true(stream_prefix(f) < f->write_end); /* cut, as before: nothing after the owner's */
}

static void base_free_does_not_wait_for_the_peer(void **state) {
  struct fx *f = *state;
  uint64_t t0 = uv_hrtime();
  event_base_free(f->base); /* unlinks the bufferevent never freed */
  f->base = NULL;
  assert_true((uv_hrtime() - t0) / 1000000 < 500);
  bufferevent_free(f->bev); /* the user's late free releases the memory */
  f->bev = NULL;
  start_reader(f);
  owner_finishes(f);
  stream_prefix(f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(free_finishes_the_started_write, setup, teardown),
      cmocka_unit_test_setup_teardown(setfd_finishes_the_started_write_on_the_old_descriptor,
                                      setup, teardown),
      cmocka_unit_test_setup_teardown(free_gives_up_on_a_peer_that_does_not_read, setup, teardown),
      cmocka_unit_test_setup_teardown(base_free_does_not_wait_for_the_peer, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
