/* SPDX-License-Identifier: MIT */
/** @file
 * TLS bufferevents over OpenSSL (libevent 2.1's <event2/bufferevent_ssl.h>,
 * implemented on libuv by uvbev).
 *
 * Users include <openssl/ssl.h> themselves; this header only names
 * struct ssl_st.
 *
 * In uvbev, TLS is a layer: the SSL object runs over a BIO that reads the
 * ciphertext from the underlying bufferevent's input and appends ciphertext to
 * its output, so a TLS bufferevent stacks on a socket, a pair, a filter (zlib)
 * or another TLS bufferevent.  The socket flavour is a TLS layer over a socket
 * bufferevent that uvbev creates and frees.
 *
 * Behaviour (the same as libevent's unless said otherwise):
 *   - BEV_EVENT_CONNECTED is reported when the handshake has completed (also
 *     after a renegotiation started with bufferevent_ssl_renegotiate()), not
 *     when the TCP connection does.  The handshake runs whether or not the
 *     user enabled EV_READ.  What the user writes before it completes is
 *     encrypted and sent after it.
 *   - A failed handshake (bad certificate, wrong protocol), garbage from the
 *     peer, or any other TLS failure: BEV_EVENT_ERROR|BEV_EVENT_READING (or
 *     WRITING), the OpenSSL errors on bufferevent_get_openssl_error(), and the
 *     thread's OpenSSL error queue left empty.  The layer does no more I/O.
 *   - The peer's close_notify: BEV_EVENT_EOF|BEV_EVENT_READING.  The peer
 *     closing the transport without close_notify (a "dirty" shutdown):
 *     BEV_EVENT_ERROR|BEV_EVENT_READING, or BEV_EVENT_EOF|BEV_EVENT_READING
 *     when allowed with bufferevent_openssl_set_allow_dirty_shutdown().
 *     uvbev recognises both the OpenSSL 1.1 (SSL_ERROR_SYSCALL) and the
 *     OpenSSL 3 (SSL_R_UNEXPECTED_EOF_WHILE_READING) way of saying it;
 *     libevent 2.1 reports the OpenSSL 3 form as an error even when allowed.
 *   - uvbev extension: bufferevent_flush(bev, EV_WRITE, BEV_FINISHED) encrypts
 *     everything pending, sends close_notify, then flushes the underlying with
 *     BEV_FINISHED (a socket half-closes once written).  libevent 2.1 sends no
 *     close_notify.  uvbev_ssl_shutdown() in <uvbev/ssl.h> is the same call.
 *     bufferevent_free() sends nothing more (as in libevent): free after the
 *     peer's EOF, or after a linger timeout.
 *   - The read high watermark bounds the decrypted input; the underlying's
 *     write high watermark bounds the ciphertext queued below (backpressure).
 *   - BEV_OPT_CLOSE_ON_FREE: bufferevent_free() also calls SSL_free() on the
 *     SSL object and frees the underlying bufferevent (filter flavour) or
 *     closes the socket (socket flavour).  Without it the SSL object stays
 *     the caller's (its BIO is then detached from the freed bufferevent, and
 *     the caller may free the SSL object as soon as bufferevent_free()
 *     returns) and the underlying / socket stays open.  A new TLS bufferevent
 *     on the same SSL object and socket (e.g. BUFFEREVENT_SSL_OPEN after a
 *     handshake) continues the stream: ciphertext the old one had read and
 *     not decrypted is kept with the SSL object for it.
 *   - No write callback runs before BEV_EVENT_CONNECTED, and after it only
 *     when the user's data drained to the write low watermark.
 *   - A NULL base is the one event_init() made.
 */
#ifndef UVBEV_EVENT2_BUFFEREVENT_SSL_H_INCLUDED_
#define UVBEV_EVENT2_BUFFEREVENT_SSL_H_INCLUDED_

#include <event2/visibility.h>
#include <event2/bufferevent.h>
#include <event2/util.h>

#ifdef __cplusplus
extern "C" {
#endif

/** What OpenSSL's SSL objects are underneath. */
struct ssl_st;

/** The state of the SSL object given to a constructor. */
enum bufferevent_ssl_state {
  BUFFEREVENT_SSL_OPEN = 0,       /**< handshake done already */
  BUFFEREVENT_SSL_CONNECTING = 1, /**< we are the client; start the handshake */
  BUFFEREVENT_SSL_ACCEPTING = 2   /**< we are the server; wait for the client */
};

/**
 * Creates a TLS bufferevent that sends its data over another bufferevent.
 *
 * The TLS layer takes over underlying's callbacks and enables its reading and
 * writing.  The SSL object's BIOs are replaced by uvbev's.
 *
 * @param base the event_base; must be underlying's (NULL: underlying's)
 * @param underlying the bufferevent that carries the ciphertext
 * @param ssl the SSL object (from SSL_new)
 * @param state BUFFEREVENT_SSL_CONNECTING, _ACCEPTING or _OPEN
 * @param options BEV_OPT_* (see the top of this file for CLOSE_ON_FREE)
 * @return the new bufferevent, or NULL on bad arguments or out of memory
 */
UVBEV_API struct bufferevent *
bufferevent_openssl_filter_new(struct event_base *base, struct bufferevent *underlying,
                               struct ssl_st *ssl, enum bufferevent_ssl_state state, int options);

/**
 * Creates a TLS bufferevent over a socket.
 *
 * @param base the event_base
 * @param fd a connected socket, or -1: then the socket is taken from the SSL
 *   object's socket BIO if it has one, made by bufferevent_socket_connect()
 *   or bufferevent_socket_connect_hostname() called on the returned
 *   bufferevent (BEV_EVENT_CONNECTED then comes after the handshake), or set
 *   later with bufferevent_setfd()
 * @param ssl the SSL object (from SSL_new)
 * @param state BUFFEREVENT_SSL_CONNECTING, _ACCEPTING or _OPEN
 * @param options BEV_OPT_* (see the top of this file for CLOSE_ON_FREE)
 * @return the new bufferevent, or NULL on failure (also when fd differs from
 *   the socket of the SSL object's BIO)
 *
 * bufferevent_get_underlying() returns NULL for it, as in libevent.  At most
 * 256 KiB of ciphertext waits in the socket layer; the rest of a backlog
 * stays plaintext in the output, so the write callback follows the socket.
 */
UVBEV_API struct bufferevent *bufferevent_openssl_socket_new(struct event_base *base,
                                                             evutil_socket_t fd, struct ssl_st *ssl,
                                                             enum bufferevent_ssl_state state,
                                                             int options);

/**
 * Whether a transport close without close_notify is reported as EOF (1) or
 * as an error (0, the default).
 *
 * @param bev a TLS bufferevent
 * @return 1 or 0 (also 0 when bev is not a TLS bufferevent)
 */
UVBEV_API int bufferevent_openssl_get_allow_dirty_shutdown(struct bufferevent *bev);

/**
 * Sets whether a transport close without close_notify ("dirty" shutdown) is
 * reported as BEV_EVENT_EOF (allow_dirty_shutdown != 0) or BEV_EVENT_ERROR.
 *
 * @param bev a TLS bufferevent (anything else is ignored)
 * @param allow_dirty_shutdown 0 or 1
 */
UVBEV_API void bufferevent_openssl_set_allow_dirty_shutdown(struct bufferevent *bev,
                                                            int allow_dirty_shutdown);

/**
 * The SSL object of a TLS bufferevent.
 *
 * @param bufev a TLS bufferevent
 * @return its SSL object, or NULL if bufev is not a TLS bufferevent
 */
UVBEV_API struct ssl_st *bufferevent_openssl_get_ssl(struct bufferevent *bufev);

/**
 * Starts a renegotiation (TLS 1.2 and older; TLS 1.3 has none).  The layer is
 * in its handshake again: writes wait, and BEV_EVENT_CONNECTED is reported
 * when it completes.
 *
 * @param bev a TLS bufferevent whose handshake has completed
 * @return 0 if the renegotiation started, -1 otherwise (not a TLS
 *   bufferevent, handshake in progress, TLS 1.3, failed layer)
 */
UVBEV_API int bufferevent_ssl_renegotiate(struct bufferevent *bev);

/**
 * Takes the oldest OpenSSL error recorded by a TLS bufferevent (when it
 * reported BEV_EVENT_ERROR).  Call repeatedly to see them all; decode with
 * ERR_error_string_n().  A failure that OpenSSL did not explain on its error
 * queue is recorded as the SSL_get_error() code (e.g. SSL_ERROR_SYSCALL).
 *
 * @param bev a TLS bufferevent
 * @return the error, or 0 when there is none left (or bev is not TLS)
 */
UVBEV_API unsigned long bufferevent_get_openssl_error(struct bufferevent *bev);

#ifdef __cplusplus
}
#endif

#endif
