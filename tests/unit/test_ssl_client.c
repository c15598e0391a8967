/* SPDX-License-Identifier: MIT */
/* The TLS client helper and TLS shutdown (uvbev extensions, <uvbev/ssl.h>):
 * verification against a CA file, the system store and a caller's SSL_CTX,
 * SNI, wrong-host and expired certificates with a readable reason,
 * close_notify on BEV_FINISHED, SSL ownership, bad arguments. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>

#include <event2/listener.h>
#include <uvbev/ssl.h>

#include "ssl_rig.h"

/* ---- a TLS echo server on loopback that records SNI ---------------------------- */

struct srv {
  struct event_base *base;
  struct evconnlistener *listener;
  SSL_CTX *ctx;
  X509 *cert; /* to trust on the client side */
  int port;
  struct bufferevent *conn; /* the one accepted connection */
  char sni[256];
  int sni_calls;
  short events;
  size_t got;
  int bad;
  int received_close_notify;
};

struct cli {
  struct bufferevent *bev;
  short events;
  int connected;
  char reason[256];
  long verify;
  size_t got;
};

static int on_servername(SSL *ssl, int *al, void *arg) {
  struct srv *s = arg;
  const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  (void)al;
  s->sni_calls++;
  snprintf(s->sni, sizeof(s->sni), "%s", name ? name : "");
  return SSL_TLSEXT_ERR_OK;
}

static void srv_read(struct bufferevent *bev, void *arg) {
  struct srv *s = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  size_t n = evbuffer_get_length(in);
  s->got += n;
  evbuffer_add_buffer(bufferevent_get_output(bev), in);
}

static void srv_event(struct bufferevent *bev, short what, void *arg) {
  struct srv *s = arg;
  s->events |= what;
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
    SSL *ssl = bufferevent_openssl_get_ssl(bev);
    s->received_close_notify = (SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN) != 0;
    event_base_loopexit(s->base, NULL);
  }
}

static void srv_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                       void *arg) {
  struct srv *s = arg;
  (void)l;
  (void)sa;
  (void)len;
  if (s->conn) {
    evutil_closesocket(fd);
    return;
  }
  s->conn = bufferevent_openssl_socket_new(s->base, fd, SSL_new(s->ctx), BUFFEREVENT_SSL_ACCEPTING,
                                           BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(s->conn);
  bufferevent_setcb(s->conn, srv_read, NULL, srv_event, s);
  bufferevent_enable(s->conn, EV_READ | EV_WRITE);
}

/* A server whose certificate is for cn/san, valid from..to seconds from now. */
static void srv_start(struct srv *s, struct event_base *base, const char *cn, const char *san,
                      long from_s, long to_s) {
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  memset(s, 0, sizeof(*s));
  s->base = base;
  s->ctx = sch_server_ctx_ex(cn, san, from_s, to_s, 0, &s->cert);
  assert_non_null(s->ctx);
  SSL_CTX_set_tlsext_servername_callback(s->ctx, on_servername);
  SSL_CTX_set_tlsext_servername_arg(s->ctx, s);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001);
  s->listener = evconnlistener_new_bind(base, srv_accept, s, LEV_OPT_CLOSE_ON_FREE, 8,
                                        (struct sockaddr *)&sin, sizeof(sin));
  assert_non_null(s->listener);
  assert_int_equal(getsockname(evconnlistener_get_fd(s->listener), (struct sockaddr *)&sin, &len),
                   0);
  s->port = ntohs(sin.sin_port);
}

static void srv_stop(struct srv *s) {
  if (s->conn) bufferevent_free(s->conn);
  evconnlistener_free(s->listener);
  SSL_CTX_free(s->ctx);
  X509_free(s->cert);
}

static void cli_read(struct bufferevent *bev, void *arg) {
  struct cli *c = arg;
  struct evbuffer *in = bufferevent_get_input(bev);
  c->got += evbuffer_get_length(in);
  evbuffer_drain(in, evbuffer_get_length(in));
  event_base_loopexit(bufferevent_get_base(bev), NULL);
}

static void cli_event(struct bufferevent *bev, short what, void *arg) {
  struct cli *c = arg;
  c->events |= what;
  if (what & BEV_EVENT_CONNECTED) {
    c->connected++;
    bufferevent_write(bev, "hello", 5);
  }
  if (what & BEV_EVENT_ERROR) {
    uvbev_ssl_describe_error(bev, c->reason, sizeof(c->reason));
    c->verify = SSL_get_verify_result(bufferevent_openssl_get_ssl(bev));
  }
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF))
    event_base_loopexit(bufferevent_get_base(bev), NULL);
}

/* A client SSL_CTX that trusts only the server's certificate. */
static SSL_CTX *trusting_ctx(X509 *cert) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  assert_non_null(ctx);
  assert_int_equal(X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), cert), 1);
  return ctx;
}

/* The helper over a socket bufferevent connecting to 127.0.0.1:port. */
static struct bufferevent *helper_over_socket(struct event_base *base, int port, const char *host,
                                              const struct uvbev_ssl_client_config *cfg) {
  struct sockaddr_in sin;
  struct bufferevent *under = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE), *bev;
  assert_non_null(under);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001);
  sin.sin_port = htons((unsigned short)port);
  assert_int_equal(bufferevent_socket_connect(under, (struct sockaddr *)&sin, sizeof(sin)), 0);
  bev = uvbev_ssl_client_new(base, under, host, cfg, BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(bev);
  return bev;
}

static void run(struct event_base *base, struct cli *c) {
  struct event *safety = rig_safety(base, 10000);
  bufferevent_setcb(c->bev, cli_read, NULL, cli_event, c);
  bufferevent_enable(c->bev, EV_READ | EV_WRITE);
  event_base_dispatch(base);
  event_free(safety);
}

/* ---- tests ------------------------------------------------------------------------ */

static void helper_connect_verifies_with_ca_file_and_sends_sni(void **state) {
  struct event_base *base = event_base_new();
  struct srv s;
  struct cli c;
  struct uvbev_ssl_client_config cfg;
  char path[64];
  (void)state;
  rig_ignore_sigpipe();
  srv_start(&s, base, "localhost", "DNS:localhost,IP:127.0.0.1", -60, 86400);
  snprintf(path, sizeof(path), "uvbev_test_ca_%d.pem", s.port);
  assert_int_equal(sch_write_pem(s.cert, path), 0);
  memset(&cfg, 0, sizeof(cfg));
  cfg.ca_file = path;
  memset(&c, 0, sizeof(c));
  c.bev = uvbev_ssl_client_connect(base, NULL, "localhost", s.port, &cfg, 0);
  assert_non_null(c.bev);
  run(base, &c);
  remove(path);
  assert_int_equal(c.connected, 1);
  assert_int_equal(c.events & BEV_EVENT_ERROR, 0);
  assert_int_equal(c.got, 5);
  assert_string_equal(s.sni, "localhost");
  bufferevent_free(c.bev);
  srv_stop(&s);
  event_base_free(base);
}

static void helper_verifies_ip_literal_without_sni(void **state) {
  struct event_base *base = event_base_new();
  struct srv s;
  struct cli c;
  struct uvbev_ssl_client_config cfg;
  (void)state;
  rig_ignore_sigpipe();
  srv_start(&s, base, "localhost", "DNS:localhost,IP:127.0.0.1", -60, 86400);
  memset(&cfg, 0, sizeof(cfg));
  cfg.ctx = trusting_ctx(s.cert);
  memset(&c, 0, sizeof(c));
  c.bev = helper_over_socket(base, s.port, "127.0.0.1", &cfg);
  run(base, &c);
  assert_int_equal(c.connected, 1);
  assert_int_equal(c.got, 5);
  assert_string_equal(s.sni, ""); /* no SNI for an address */
  bufferevent_free(c.bev);
  SSL_CTX_free(cfg.ctx); /* the caller's: still valid after the bufferevent */
  srv_stop(&s);
  event_base_free(base);
}

static void expect_verify_failure(const char *cn, const char *san, long from_s, long to_s,
                                  const char *host, int use_system_store, long want_verify,
                                  const char *want_words) {
  struct event_base *base = event_base_new();
  struct srv s;
  struct cli c;
  struct uvbev_ssl_client_config cfg;
  rig_ignore_sigpipe();
  srv_start(&s, base, cn, san, from_s, to_s);
  memset(&cfg, 0, sizeof(cfg));
  if (!use_system_store) cfg.ctx = trusting_ctx(s.cert);
  memset(&c, 0, sizeof(c));
  c.bev = helper_over_socket(base, s.port, host, use_system_store ? NULL : &cfg);
  run(base, &c);
  assert_int_equal(c.connected, 0);
  assert_true(c.events & BEV_EVENT_ERROR);
  assert_int_equal(c.verify, want_verify);
  assert_non_null(strstr(c.reason, want_words));
  assert_true(bufferevent_get_openssl_error(c.bev) != 0);
  assert_int_equal(ERR_peek_error(), 0);
  bufferevent_free(c.bev);
  SSL_CTX_free(cfg.ctx);
  srv_stop(&s);
  event_base_free(base);
}

static void helper_rejects_wrong_host_with_readable_reason(void **state) {
  (void)state;
  expect_verify_failure("localhost", "DNS:localhost,IP:127.0.0.1", -60, 86400, "wrong.example", 0,
                        X509_V_ERR_HOSTNAME_MISMATCH, "hostname mismatch");
}

static void helper_rejects_expired_certificate_with_readable_reason(void **state) {
  (void)state;
  expect_verify_failure("localhost", "DNS:localhost,IP:127.0.0.1", -2 * 86400, -86400, "localhost",
                        0, X509_V_ERR_CERT_HAS_EXPIRED, "expired");
}

static void helper_rejects_self_signed_against_system_store(void **state) {
  (void)state;
  expect_verify_failure("localhost", "DNS:localhost,IP:127.0.0.1", -60, 86400, "localhost", 1,
                        X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, "self-signed");
}

/* close_notify on BEV_FINISHED: the server sees a clean EOF (not a dirty
 * one: it does not allow those) after every byte. */
static void run_shutdown(int before_handshake) {
  struct event_base *base = event_base_new();
  struct srv s;
  struct cli c;
  struct uvbev_ssl_client_config cfg;
  struct event *safety;
  rig_ignore_sigpipe();
  srv_start(&s, base, "localhost", "DNS:localhost,IP:127.0.0.1", -60, 86400);
  memset(&cfg, 0, sizeof(cfg));
  cfg.ctx = trusting_ctx(s.cert);
  memset(&c, 0, sizeof(c));
  c.bev = helper_over_socket(base, s.port, "localhost", &cfg);
  rig_add_pattern(bufferevent_get_output(c.bev), 0, 100000);
  if (before_handshake) {
    assert_int_equal(uvbev_ssl_shutdown(c.bev), 0);
  } else {
    run(base, &c); /* until the echo of "hello" */
    assert_int_equal(c.connected, 1);
    assert_int_equal(bufferevent_flush(c.bev, EV_WRITE, BEV_FINISHED) >= 0, 1);
  }
  safety = rig_safety(base, 10000);
  bufferevent_setcb(c.bev, NULL, NULL, NULL, NULL);
  event_base_dispatch(base); /* until the server's EOF */
  event_free(safety);
  assert_int_equal(s.events & (BEV_EVENT_EOF | BEV_EVENT_ERROR), BEV_EVENT_EOF);
  assert_true(s.received_close_notify);
  assert_int_equal(s.got, before_handshake ? 100000 : 100005);
  bufferevent_free(c.bev);
  SSL_CTX_free(cfg.ctx);
  srv_stop(&s);
  event_base_free(base);
}

static void finished_flush_sends_close_notify(void **state) {
  (void)state;
  run_shutdown(0);
}

static void shutdown_before_handshake_sends_data_then_close_notify(void **state) {
  (void)state;
  run_shutdown(1);
}

/* Without BEV_OPT_CLOSE_ON_FREE the SSL object and the underlying stay the
 * caller's (ASan would see a double free or a use after free otherwise);
 * with it, both go (LeakSanitizer would see them otherwise). */
static void ssl_object_ownership_follows_close_on_free(void **state) {
  struct event_base *base = event_base_new();
  struct bufferevent *pair[2], *tls;
  SSL_CTX *ctx = sch_client_ctx(0);
  SSL *ssl = SSL_new(ctx);
  (void)state;
  assert_int_equal(bufferevent_pair_new(base, 0, pair), 0);
  tls = bufferevent_openssl_filter_new(base, pair[0], ssl, BUFFEREVENT_SSL_CONNECTING, 0);
  assert_non_null(tls);
  assert_ptr_equal(bufferevent_openssl_get_ssl(tls), ssl);
  assert_ptr_equal(bufferevent_get_underlying(tls), pair[0]);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_true(evbuffer_get_length(bufferevent_get_input(pair[1])) > 0); /* ClientHello */
  bufferevent_free(tls);
  event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(bufferevent_write(pair[0], "x", 1), 0); /* still usable */
  assert_true(SSL_get_rbio(ssl) != NULL);
  SSL_free(ssl);

  tls = bufferevent_openssl_filter_new(base, pair[0], SSL_new(ctx), BUFFEREVENT_SSL_CONNECTING,
                                       BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(tls);
  bufferevent_free(tls); /* frees the SSL object and pair[0] */
  bufferevent_free(pair[1]);
  SSL_CTX_free(ctx);
  event_base_free(base);
}

static void bad_arguments_are_refused(void **state) {
  struct event_base *base = event_base_new(), *other = event_base_new();
  struct bufferevent *pair[2];
  SSL_CTX *ctx = sch_client_ctx(0);
  SSL *ssl = SSL_new(ctx);
  char buf[8];
  (void)state;
  assert_int_equal(bufferevent_pair_new(base, 0, pair), 0);
  assert_null(uvbev_ssl_client_new(NULL, pair[0], "x", NULL, 0));
  assert_null(uvbev_ssl_client_new(base, NULL, "x", NULL, 0));
  assert_null(uvbev_ssl_client_new(base, pair[0], NULL, NULL, 0));
  assert_null(uvbev_ssl_client_new(base, pair[0], "", NULL, 0));
  assert_null(uvbev_ssl_client_new(other, pair[0], "x", NULL, 0));
  assert_null(uvbev_ssl_client_connect(base, NULL, "localhost", 0, NULL, 0));
  assert_null(uvbev_ssl_client_connect(base, NULL, NULL, 443, NULL, 0));
  assert_null(bufferevent_openssl_filter_new(base, pair[0], NULL, BUFFEREVENT_SSL_OPEN, 0));
  assert_null(bufferevent_openssl_filter_new(other, pair[0], ssl, BUFFEREVENT_SSL_OPEN, 0));
  assert_null(bufferevent_openssl_filter_new(base, NULL, ssl, BUFFEREVENT_SSL_OPEN, 0));
  assert_null(bufferevent_openssl_filter_new(base, pair[0], ssl, (enum bufferevent_ssl_state)7, 0));
  assert_null(bufferevent_openssl_socket_new(NULL, -1, ssl, BUFFEREVENT_SSL_OPEN, 0));
  assert_null(bufferevent_openssl_socket_new(base, -1, NULL, BUFFEREVENT_SSL_OPEN, 0));
  assert_int_equal(uvbev_ssl_shutdown(pair[0]), -1);
  assert_int_equal(uvbev_ssl_shutdown(NULL), -1);
  assert_null(uvbev_ssl_describe_error(pair[0], buf, sizeof(buf)));
  assert_null(bufferevent_openssl_get_ssl(NULL));
  assert_int_equal(bufferevent_get_openssl_error(NULL), 0);
  assert_int_equal(bufferevent_ssl_renegotiate(NULL), -1);
  assert_int_equal(bufferevent_openssl_get_allow_dirty_shutdown(NULL), 0);
  bufferevent_openssl_set_allow_dirty_shutdown(NULL, 1);
  bufferevent_openssl_set_allow_dirty_shutdown(pair[0], 1);
  SSL_free(ssl);
  SSL_CTX_free(ctx);
  bufferevent_free(pair[0]);
  bufferevent_free(pair[1]);
  event_base_free(base);
  event_base_free(other);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(helper_connect_verifies_with_ca_file_and_sends_sni),
      cmocka_unit_test(helper_verifies_ip_literal_without_sni),
      cmocka_unit_test(helper_rejects_wrong_host_with_readable_reason),
      cmocka_unit_test(helper_rejects_expired_certificate_with_readable_reason),
      cmocka_unit_test(helper_rejects_self_signed_against_system_store),
      cmocka_unit_test(finished_flush_sends_close_notify),
      cmocka_unit_test(shutdown_before_handshake_sends_data_then_close_notify),
      cmocka_unit_test(ssl_object_ownership_follows_close_on_free),
      cmocka_unit_test(bad_arguments_are_refused),
  };
  return cmocka_run_group_tests_name("ssl_client", tests, NULL, NULL);
}
