/* SPDX-License-Identifier: MIT */
/* uvbev-only: a TLS socket-flavour bufferevent freed without
 * BEV_OPT_CLOSE_ON_FREE while its socket holds records beyond the write in
 * flight (a peer slower than the writer) sends them all before letting go
 * (bev_socket_release_sends_all_): the SSL object the caller keeps counts
 * them as sent, so a record lost or cut would break the stream of the next
 * TLS bufferevent on the same SSL object and socket.  libevent's SSL writes
 * its records to the socket itself; uvbev's sit in a socket bufferevent,
 * which is why this is uvbev's own test.  The peer's bytes are captured raw
 * and decrypted afterwards by the server's SSL object: the data's prefix,
 * then the next bufferevent's bytes, with no TLS error. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "ssl_rig.h" /* first: on Windows OpenSSL must follow <windows.h> */
#include <openssl/err.h>
#include "bev_socket-internal.h"
#include "evbuffer-uv-internal.h"

/* Far more than the records the socket bufferevent holds, which are far
 * more than one write. */
#define TOTAL (2 * 1024 * 1024)
#define MARK "<the next bufferevent's bytes>"
#define CAP (TOTAL + 64 * 1024)

struct fx {
  struct event_base *base;
  SSL_CTX *cctx, *sctx;
  SSL *cssl, *sssl;
  evutil_socket_t sv[2];
  int connected;
  uv_thread_t reader;
  unsigned char *got;
  size_t ngot;
  int eof;
};

static void on_event(struct bufferevent *bev, short what, void *arg) {
  struct fx *f = arg;
  (void)bev;
  if ((what & BEV_EVENT_CONNECTED) && ++f->connected == 2) event_base_loopexit(f->base, NULL);
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) fail_msg("handshake failed: 0x%x", what);
}

/* The peer's raw bytes, on a thread, until end of stream (bounded). */
static void reader_main(void *arg) {
  struct fx *f = arg;
  int idle;
  for (idle = 0; idle < 10000 && f->ngot < CAP;) {
    long n = (long)recv(f->sv[1], (char *)f->got + f->ngot, (int)(CAP - f->ngot), 0);
    if (n == 0) {
      f->eof = 1;
      break;
    }
    if (n > 0) {
      f->ngot += (size_t)n;
      idle = 0;
    } else {
      uv_sleep(1); /* non-blocking: nothing yet */
      idle++;
    }
  }
}

static void set_buffers(evutil_socket_t fd, int n) {
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, (const char *)&n, sizeof(n));
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, (const char *)&n, sizeof(n));
}

static struct bufferevent *tls_new(struct fx *f, evutil_socket_t fd, SSL *ssl,
                                   enum bufferevent_ssl_state state) {
  struct bufferevent *bev = bufferevent_openssl_socket_new(f->base, fd, ssl, state, 0);
  assert_non_null(bev);
  bufferevent_setcb(bev, NULL, NULL, on_event, f);
  assert_int_equal(bufferevent_enable(bev, EV_READ | EV_WRITE), 0);
  return bev;
}

/* A handshake between two TLS bufferevents, freed: the caller keeps the SSL
 * objects and the sockets. */
static void handshake(struct fx *f) {
  struct event *safety = rig_safety(f->base, 10000);
  struct bufferevent *c = tls_new(f, f->sv[0], f->cssl, BUFFEREVENT_SSL_CONNECTING);
  struct bufferevent *s = tls_new(f, f->sv[1], f->sssl, BUFFEREVENT_SSL_ACCEPTING);
  event_base_dispatch(f->base);
  assert_int_equal(f->connected, 2);
  bufferevent_free(c);
  bufferevent_free(s);
  event_base_loop(f->base, EVLOOP_NONBLOCK);
  event_free(safety);
}

/* Runs the loop until the client's output stops shrinking (the kernel full,
 * the socket bufferevent at its watermark); returns its socket's output. */
static struct evbuffer *run_until_stalled(struct fx *f, struct bufferevent *bev) {
  size_t last = 0;
  int i, same = 0;
  for (i = 0; i < 3000 && same < 10; i++) {
    size_t len;
    event_base_loop(f->base, EVLOOP_NONBLOCK);
    len = evbuffer_get_length(bufferevent_get_output(bev));
    same = len < TOTAL && len == last ? same + 1 : 0;
    last = len;
    uv_sleep(1);
  }
  assert_int_equal(same, 10);
  return bev_socket_bottom_(bev)->p.bev.output;
}

/* Decrypts what the peer got with the server's SSL object: returns the
 * plaintext's length in *n (a malloc'ed buffer), failing on a TLS error. */
static unsigned char *decrypt(struct fx *f, size_t *n) {
  BIO *mem = BIO_new_mem_buf(f->got, (int)f->ngot);
  unsigned char *plain = malloc(CAP);
  int r;
  assert_non_null(mem);
  assert_non_null(plain);
  BIO_set_mem_eof_return(mem, -1); /* the end: "retry", not EOF */
  SSL_set_bio(f->sssl, mem, mem);
  *n = 0;
  while ((r = SSL_read(f->sssl, plain + *n, (int)(CAP - *n))) > 0) *n += (size_t)r;
  r = SSL_get_error(f->sssl, r);
  if (r != SSL_ERROR_WANT_READ) /* a record lost or cut: bad record MAC, say */
    fail_msg("TLS error %d (%s) after %zu bytes of plaintext", r,
             ERR_reason_error_string(ERR_peek_error()), *n);
  return plain;
}

static void free_sends_every_record_before_the_next_bufferevent(void **state) {
  struct fx f;
  struct bufferevent *bev;
  struct evbuffer *records;
  unsigned char *plain;
  size_t n, prefix, i;
  (void)state;
  memset(&f, 0, sizeof(f));
  rig_ignore_sigpipe();
  f.base = event_base_new();
  f.cctx = sch_client_ctx(0);
  f.sctx = sch_server_ctx(0);
  f.cssl = SSL_new(f.cctx);
  f.sssl = SSL_new(f.sctx);
  f.got = malloc(CAP);
  assert_non_null(f.got);
  assert_int_equal(rig_tcp_pair(f.sv), 0);
  handshake(&f);

  set_buffers(f.sv[0], 4096); /* the writer's only: the reader's window stays */
  bev = tls_new(&f, f.sv[0], f.cssl, BUFFEREVENT_SSL_OPEN);
  rig_add_pattern(bufferevent_get_output(bev), 0, TOTAL);
  records = run_until_stalled(&f, bev);
  /* Records wait behind the write in flight: the case this is about. */
  assert_true(evbuffer_get_length(records) > evbuffer_uv_pinned_(records));

  assert_int_equal(uv_thread_create(&f.reader, reader_main, &f), 0);
  bufferevent_free(bev);
  bev = tls_new(&f, f.sv[0], f.cssl, BUFFEREVENT_SSL_OPEN);
  assert_int_equal(bufferevent_write(bev, MARK, strlen(MARK)), 0);
  for (i = 0; i < 2000 && evbuffer_get_length(bev_socket_bottom_(bev)->p.bev.output) +
                                  evbuffer_get_length(bufferevent_get_output(bev)) > 0;
       i++)
    event_base_loop(f.base, EVLOOP_NONBLOCK);
  bufferevent_free(bev);
  event_base_loop(f.base, EVLOOP_NONBLOCK);
  shutdown(f.sv[0], 1); /* SHUT_WR, SD_SEND */
  assert_int_equal(uv_thread_join(&f.reader), 0);
  assert_true(f.eof);

  plain = decrypt(&f, &n);
  assert_true(n >= strlen(MARK));
  prefix = n - strlen(MARK);
  assert_true(prefix > 0 && prefix < TOTAL);
  for (i = 0; i < prefix; i++)
    if (plain[i] != rig_byte(i)) fail_msg("plaintext differs at %zu", i);
  assert_memory_equal(plain + prefix, MARK, strlen(MARK));

  free(plain);
  free(f.got);
  SSL_free(f.cssl);
  SSL_free(f.sssl);
  SSL_CTX_free(f.cctx);
  SSL_CTX_free(f.sctx);
  evutil_closesocket(f.sv[0]);
  evutil_closesocket(f.sv[1]);
  event_base_free(f.base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(free_sends_every_record_before_the_next_bufferevent),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
