/* SPDX-License-Identifier: MIT */
/* The TLS layer (bufferevent_openssl_*), shared between bev_openssl.c (the
 * transform: handshake, record I/O, public API), bev_openssl_bio.c (the BIO
 * that carries the ciphertext) and bev_openssl_client.c (the uvbev client
 * helper).
 *
 * A TLS bufferevent is a filter (bev_filter-internal.h): struct bev_filter
 * first, then the SSL object and the handshake state.  The SSL object's
 * read and write BIO is one uvbev BIO that reads ciphertext from the
 * underlying's input and appends ciphertext to its output, so SSL_read and
 * SSL_write work on the evbuffers directly (one copy each way).
 *
 * Life: new -> handshaking (CONNECTING/ACCEPTING; the underlying reads even
 * if the user did not enable EV_READ) -> open (CONNECTED reported, the
 * transforms move data) -> [renegotiation: handshaking again] -> closed
 * (close_notify received: EOF) or failed (ERROR; no more I/O).  With
 * BEV_OPT_CLOSE_ON_FREE (or when uvbev made it) the last reference frees
 * the SSL object; without, bufferevent_free() detaches the BIO from the
 * bufferevent and leaves the SSL object to the caller.
 */
#ifndef UVBEV_BEV_OPENSSL_INTERNAL_H_
#define UVBEV_BEV_OPENSSL_INTERNAL_H_

#include <stdint.h>

#include <openssl/ssl.h>

#include "bev_filter-internal.h"
#include "event2/bufferevent_ssl.h"

#define BEV_OPENSSL_NUM_ERRORS 8

/* Write high watermark of the socket bufferevents uvbev makes under a TLS
 * layer (socket flavour, client helper): ciphertext queued ahead of the
 * kernel.  Enough to keep a socket busy between two loop iterations. */
#ifndef BEV_OPENSSL_SOCKET_WRITE_HIGH
#define BEV_OPENSSL_SOCKET_WRITE_HIGH (256 * 1024)
#endif

struct bev_openssl {
  struct bev_filter f; /* first: a bufferevent * is a bev_openssl * */
  SSL *ssl;
  unsigned handshaking : 1;      /* SSL_do_handshake drives the underlying's reads */
  unsigned failed : 1;           /* fatal TLS error reported: no more I/O */
  unsigned read_closed : 1;      /* close_notify (or allowed dirty EOF) seen */
  unsigned finish_wanted : 1;    /* BEV_FINISHED asked: close_notify once drained */
  unsigned shutdown_sent : 1;    /* our close_notify is written */
  unsigned write_wants_read : 1; /* SSL_write needs the peer's bytes first */
  unsigned allow_dirty : 1;
  unsigned free_ssl : 1;       /* SSL_free in destruct */
  unsigned socket_flavour : 1; /* the underlying is ours (socket_new) */
  uint64_t bio_written;        /* ciphertext bytes the BIO appended below, ever */
  unsigned n_errors;
  unsigned long errors[BEV_OPENSSL_NUM_ERRORS]; /* FIFO for get_openssl_error */
  unsigned long last_error;                     /* for uvbev_ssl_describe_error */
};

/* Makes the uvbev BIO for t and installs it as ssl's read and write BIO
 * (SSL_set_bio frees BIOs the SSL object had).  Returns 0 or -1. */
int bev_openssl_bio_attach_(struct bev_openssl *t);

/* Puts t's BIO back if the caller replaced ssl's BIO (libevent's regress
 * suite does, on the socket flavour): the bytes of a TLS bufferevent always
 * go through its underlying, which owns the socket.  Returns 0 or -1. */
int bev_openssl_bio_ensure_(struct bev_openssl *t);

/* ssl's BIO no longer refers to t (the SSL object outlives the bufferevent;
 * t is only compared, never read); it keeps the ciphertext of `unread` (t's
 * underlying input, or NULL) for the next TLS bufferevent on ssl. */
void bev_openssl_bio_detach_(SSL *ssl, const struct bev_openssl *t, struct evbuffer *unread);

/* Before a new TLS bufferevent takes over ssl: the ciphertext a detached BIO
 * of ours kept goes in front of dst (the new underlying's input). */
void bev_openssl_bio_reclaim_(SSL *ssl, struct evbuffer *dst);

/* The TLS bufferevent bev, or NULL if bev is another kind. */
struct bev_openssl *bev_openssl_upcast_(struct bufferevent *bev);

/* Builds a TLS layer over underlying (both constructors and the helper).
 * own_ssl: the layer frees ssl (the caller's BEV_OPT_CLOSE_ON_FREE, or uvbev
 * made it); options may carry BEV_OPT_CLOSE_ON_FREE for the underlying
 * alone (the socket flavour's own socket bufferevent).  On failure
 * returns NULL and leaves underlying and ssl to the caller. */
struct bufferevent *bev_openssl_new_(struct bufferevent *underlying, SSL *ssl,
                                     enum bufferevent_ssl_state state, int options, int own_ssl);

#endif
