/* SPDX-License-Identifier: MIT */
/** @file
 * uvbev extension: a correct TLS client in one call, and TLS shutdown.
 *
 * uvbev_ssl_client_new() and uvbev_ssl_client_connect() make a TLS client
 * bufferevent (see <event2/bufferevent_ssl.h>) that
 *   - sends the host name as SNI (not for IP address literals),
 *   - verifies the server's certificate chain against the system trust store
 *     (SSL_CTX_set_default_verify_paths) or the caller's CA file / SSL_CTX,
 *   - verifies that the certificate is for that host name (or IP address),
 *   - refuses protocols older than TLS 1.2 (when uvbev makes the SSL_CTX).
 * A failed verification is BEV_EVENT_ERROR; uvbev_ssl_describe_error() then
 * says why in words ("certificate verify failed: Hostname mismatch").
 * The SSL object belongs to the bufferevent: it is freed with it whatever the
 * options.
 *
 * Users include <openssl/ssl.h> themselves when they use struct ssl_ctx_st.
 * Only available when uvbev was built with UVBEV_WITH_OPENSSL
 * (<uvbev/uvbev-config.h>).
 */
#ifndef UVBEV_SSL_H_INCLUDED_
#define UVBEV_SSL_H_INCLUDED_

#include <stddef.h>
#include <event2/visibility.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bufferevent;
struct event_base;
struct evdns_base;
struct ssl_ctx_st;

/**
 * Optional settings of the client helper.  Zero it (memset or `= {0}`) and
 * set what you need; a NULL config means all defaults.
 */
struct uvbev_ssl_client_config {
  /** Use this context (the caller keeps it; it may be shared by many
      connections, which saves loading the trust store each time).  uvbev
      still turns on peer and host name verification on the SSL object.
      NULL: uvbev makes a context for this connection. */
  struct ssl_ctx_st *ctx;
  /** When ctx is NULL: trust the certificates of this PEM file instead of the
      system trust store (tests, private CAs).  NULL: the system store. */
  const char *ca_file;
};

/**
 * Creates a TLS client over an existing bufferevent (a socket that is
 * connected or still connecting, a pair, a filter...).
 *
 * @param base the event_base (underlying's)
 * @param underlying the transport; the TLS layer takes over its callbacks
 * @param hostname the server's name (SNI and verification); must not be NULL
 * @param config NULL or the settings above
 * @param options BEV_OPT_*; BEV_OPT_CLOSE_ON_FREE frees underlying with it
 * @return the TLS bufferevent (handshake started), or NULL on bad arguments
 *   or when OpenSSL could not set up the context
 */
UVBEV_API struct bufferevent *
uvbev_ssl_client_new(struct event_base *base, struct bufferevent *underlying, const char *hostname,
                     const struct uvbev_ssl_client_config *config, int options);

/**
 * Resolves hostname, connects a new socket bufferevent to it and runs a TLS
 * client over it (uvbev_ssl_client_new); the socket is closed with the TLS
 * bufferevent.  BEV_EVENT_CONNECTED comes after the handshake; a failed name
 * lookup or connect is BEV_EVENT_ERROR as for
 * bufferevent_socket_connect_hostname().
 *
 * @param base the event_base
 * @param dns_base ignored by uvbev (as in bufferevent_socket_connect_hostname)
 * @param hostname the server's name or address literal
 * @param port the TCP port, 1..65535
 * @param config NULL or the settings above
 * @param options BEV_OPT_* for the TLS bufferevent (BEV_OPT_CLOSE_ON_FREE is
 *   implied for the socket)
 * @return the TLS bufferevent, or NULL
 */
UVBEV_API struct bufferevent *
uvbev_ssl_client_connect(struct event_base *base, struct evdns_base *dns_base, const char *hostname,
                         int port, const struct uvbev_ssl_client_config *config, int options);

/**
 * Closes the TLS session cleanly: encrypts what is pending, sends
 * close_notify, then half-closes the underlying (BEV_FINISHED).  The same as
 * bufferevent_flush(bev, EV_WRITE, BEV_FINISHED).  If the handshake is still
 * running, this happens when it completes.  Free the bufferevent when the
 * peer's EOF arrives (a peer answers close_notify with its own) or after a
 * linger timeout of your choosing: as in libevent, bufferevent_free() drops
 * what the socket has not written yet, close_notify included.
 *
 * @param bev a TLS bufferevent
 * @return 0, or -1 if bev is not a TLS bufferevent or the layer failed
 */
UVBEV_API int uvbev_ssl_shutdown(struct bufferevent *bev);

/**
 * Writes a readable reason for the last TLS failure of bev into buf: the
 * certificate verification result when that is what failed, else OpenSSL's
 * text for the last error recorded (it does not consume the errors that
 * bufferevent_get_openssl_error() returns).
 *
 * @param bev a TLS bufferevent
 * @param buf where to write (always NUL-terminated when len > 0)
 * @param len size of buf
 * @return buf, or NULL if bev is not TLS or buf is NULL / len is 0
 */
UVBEV_API const char *uvbev_ssl_describe_error(struct bufferevent *bev, char *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif
