/* SPDX-License-Identifier: MIT */
/* uvbev's TLS client helper (<uvbev/ssl.h>): an SSL object set up the way a
 * client should be (SNI, chain and host name verification, TLS >= 1.2) under
 * a TLS layer, in one call. */
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "bev_openssl-internal.h"
#include "uvbev/ssl.h"

/* A context for one connection: system trust store or the caller's CA file. */
static SSL_CTX *client_ctx_new(const char *ca_file) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  int ok;
  if (!ctx) return NULL;
  ok = SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1;
  if (ok)
    ok = ca_file ? SSL_CTX_load_verify_locations(ctx, ca_file, NULL) == 1
                 : SSL_CTX_set_default_verify_paths(ctx) == 1;
  if (!ok) {
    SSL_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

/* 1 if name is an IPv4 or IPv6 address literal (no SNI for those). */
static int is_ip_literal(const char *name) {
  unsigned char buf[16];
  return evutil_inet_pton(AF_INET, name, buf) == 1 || evutil_inet_pton(AF_INET6, name, buf) == 1;
}

/* An SSL object for hostname, verifying the peer; NULL on failure. */
static SSL *client_ssl_new(const char *hostname, const struct uvbev_ssl_client_config *cfg) {
  SSL_CTX *ctx = cfg && cfg->ctx ? cfg->ctx : client_ctx_new(cfg ? cfg->ca_file : NULL);
  SSL *ssl;
  int ok;
  if (!ctx) return NULL;
  ssl = SSL_new(ctx);
  if (ctx != (cfg ? cfg->ctx : NULL))
    SSL_CTX_free(ctx); /* the SSL object holds its own reference */
  if (!ssl) return NULL;
  SSL_set_verify(ssl, SSL_VERIFY_PEER, NULL);
  if (is_ip_literal(hostname)) {
    ok = X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), hostname) == 1;
  } else {
    ok = SSL_set_tlsext_host_name(ssl, hostname) == 1 && SSL_set1_host(ssl, hostname) == 1;
    if (ok) /* no "*.com" style partial wildcards */
      SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  }
  if (!ok) {
    SSL_free(ssl);
    return NULL;
  }
  return ssl;
}

struct bufferevent *uvbev_ssl_client_new(struct event_base *base, struct bufferevent *underlying,
                                         const char *hostname,
                                         const struct uvbev_ssl_client_config *config,
                                         int options) {
  struct bufferevent *bev;
  SSL *ssl;
  if (!base || !underlying || underlying->ev_base != base || !hostname || !*hostname) return NULL;
  ssl = client_ssl_new(hostname, config);
  if (!ssl) {
    ERR_clear_error();
    return NULL;
  }
  bev = bev_openssl_new_(underlying, ssl, BUFFEREVENT_SSL_CONNECTING, options, 1);
  if (!bev) SSL_free(ssl);
  return bev;
}

struct bufferevent *uvbev_ssl_client_connect(struct event_base *base, struct evdns_base *dns_base,
                                             const char *hostname, int port,
                                             const struct uvbev_ssl_client_config *config,
                                             int options) {
  struct bufferevent *under, *bev;
  if (!base || !hostname || port < 1 || port > 65535) return NULL;
  under = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE | (options & BEV_OPT_THREADSAFE));
  if (!under) return NULL;
  bufferevent_setwatermark(under, EV_WRITE, 0, BEV_OPENSSL_SOCKET_WRITE_HIGH);
  bev = uvbev_ssl_client_new(base, under, hostname, config, options | BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    bufferevent_free(under);
    return NULL;
  }
  /* The layer owns under's callbacks now: a lookup or connect failure comes up
   * as BEV_EVENT_ERROR through it. */
  if (bufferevent_socket_connect_hostname(under, dns_base, AF_UNSPEC, hostname, port) < 0) {
    bufferevent_free(bev);
    return NULL;
  }
  return bev;
}
