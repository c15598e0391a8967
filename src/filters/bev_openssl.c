/* SPDX-License-Identifier: MIT */
/* TLS bufferevents: an OpenSSL SSL object as a layer of the filter machinery
 * (see bev_openssl-internal.h for the life of one, bev_filter-internal.h for
 * the machinery).
 *
 * Output: the transform hands the user's plaintext to SSL_write, whose
 * records the BIO appends to the underlying's output; it hands no more than
 * the underlying's write high watermark leaves room for.  Input: SSL_read
 * pulls records from the underlying's input through the BIO and decrypts
 * straight into space reserved in the layer's input, no further than its read
 * high watermark; what it does not return stays in OpenSSL and is asked for
 * again when the user drains (the machinery's "limited" rule).
 *
 * The handshake does not go through the transforms: while it runs, the
 * pre_input op takes the underlying's reads and calls SSL_do_handshake, the
 * underlying reads whatever the user enabled (the handshaking op), and the
 * output transform holds the user's data.  When it completes:
 * BEV_EVENT_CONNECTED, reads go to the input pump again, and both pumps run.
 *
 * Errors: every OpenSSL call starts with an empty error queue and every
 * failure moves the queue into the bufferevent (bufferevent_get_openssl_error),
 * so nothing is left on the thread's queue.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "mm-internal.h"
#include "bev_openssl-internal.h"
#include "bev_socket-internal.h"
#include "ratelim-internal.h"
#include "uvbev/ssl.h"

static const struct bev_filter_xform bev_openssl_xform;

static struct bufferevent *tls_bev(struct bev_openssl *t) {
  return &t->f.p.bev;
}

struct bev_openssl *bev_openssl_upcast_(struct bufferevent *bev) {
  return (struct bev_openssl *)bev_filter_of_(bev, &bev_openssl_xform);
}

/* ---- errors ------------------------------------------------------------------ */

static void tls_put_error(struct bev_openssl *t, unsigned long e) {
  t->last_error = e;
  if (t->n_errors < BEV_OPENSSL_NUM_ERRORS) t->errors[t->n_errors++] = e;
}

/* Moves the thread's OpenSSL error queue into t; when it is empty, records
 * the SSL_get_error() code so that the failure is never silent. */
static void tls_collect_errors(struct bev_openssl *t, int ssl_err) {
  unsigned long e;
  int any = 0;
  while ((e = ERR_get_error()) != 0) {
    tls_put_error(t, e);
    any = 1;
  }
  if (!any) tls_put_error(t, (unsigned long)ssl_err);
}

/* A transport EOF without close_notify, in any OpenSSL version's words. */
static int tls_is_dirty_eof(struct bev_openssl *t, int ssl_err) {
  unsigned long e = ERR_peek_error();
  if (ssl_err == SSL_ERROR_ZERO_RETURN) return !(SSL_get_shutdown(t->ssl) & SSL_RECEIVED_SHUTDOWN);
  if (ssl_err == SSL_ERROR_SYSCALL) return e == 0;
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
  if (ssl_err == SSL_ERROR_SSL)
    return ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING;
#endif
  return 0;
}

/* A fatal TLS error in direction `what`: record it, stop, tell the user. */
static void tls_fail(struct bev_openssl *t, short what, int ssl_err) {
  tls_collect_errors(t, ssl_err);
  t->failed = 1;
  t->handshaking = 0;
  bev_filter_fail_(&t->f, what);
}

/* ---- flushing below ---------------------------------------------------------------- */

/* TLS writes whole records: after a batch, the layer below is asked to pass
 * them on now (BEV_FLUSH), so that a compressing filter under TLS does not
 * sit on a handshake flight.  A socket ignores BEV_FLUSH. */
static void tls_flush_below_if_wrote(struct bev_openssl *t, uint64_t written_before) {
  if (t->bio_written != written_before && t->f.underlying && !t->f.p.unlinked)
    bufferevent_flush(t->f.underlying, EV_WRITE, BEV_FLUSH);
}

/* ---- the handshake --------------------------------------------------------------- */

/* The handshake reads whatever the user enabled. */
static void tls_begin_handshake_reads(struct bev_openssl *t) {
  t->handshaking = 1;
  bev_filter_read_below_(&t->f, 1);
}

static void tls_handshake_done(struct bev_openssl *t) {
  struct bufferevent *bev = tls_bev(t);
  t->handshaking = 0;
  bev_filter_read_below_(&t->f, 0); /* reading below follows EV_READ again */
  bev_core_run_eventcb_(bev, BEV_EVENT_CONNECTED, 0);
  if (t->f.p.unlinked || t->failed) return;
  if (t->finish_wanted)
    bufferevent_flush(bev, EV_WRITE, BEV_FINISHED);
  else
    bev_filter_pump_output_(&t->f, BEV_NORMAL);
  /* Application data may have come with the last handshake flight. */
  if (!t->f.p.unlinked && evbuffer_get_length(t->f.underlying->input) > 0)
    bev_filter_pump_input_(&t->f, BEV_NORMAL);
}

/* One step of the handshake with what the underlying holds now.  The caller
 * holds a reference on the bufferevent. */
static void tls_handshake_step(struct bev_openssl *t) {
  uint64_t before = t->bio_written;
  int r, err;
  if (!t->handshaking || t->failed) return;
  if (bev_openssl_bio_ensure_(t) < 0) {
    tls_fail(t, EV_READ, SSL_ERROR_SYSCALL);
    return;
  }
  ERR_clear_error();
  r = SSL_do_handshake(t->ssl);
  tls_flush_below_if_wrote(t, before); /* our flight, or our alert */
  if (r == 1) {
    tls_handshake_done(t);
    return;
  }
  err = SSL_get_error(t->ssl, r);
  if ((err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) && !bev_filter_below_eof_(&t->f))
    return; /* wait for the peer: nothing runs until the underlying reads */
  tls_fail(t, EV_READ, err);
}

/* The underlying read: the handshake takes it while it runs. */
static int tls_pre_input(struct bev_filter *f) {
  struct bev_openssl *t = (struct bev_openssl *)f;
  if (!t->handshaking) return 0;
  tls_handshake_step(t);
  return 1;
}

static int tls_handshaking(struct bev_filter *f) {
  return ((struct bev_openssl *)f)->handshaking;
}

/* ---- the transforms ------------------------------------------------------------------ */

/* After SSL_write needed the peer's bytes (renegotiation), input that arrived
 * lets the output move again. */
static void tls_retry_output(struct bev_openssl *t) {
  if (t->write_wants_read) {
    t->write_wants_read = 0;
    bev_filter_schedule_(&t->f, EV_WRITE);
  }
}

static void tls_send_close_notify(struct bev_openssl *t) {
  if (t->shutdown_sent) return;
  t->shutdown_sent = 1;
  ERR_clear_error();
  if (SSL_shutdown(t->ssl) < 0)
    ERR_clear_error(); /* nothing to recover: the alert was written or not */
  bev_filter_flush_down_(&t->f, BEV_FINISHED); /* the machinery half-closes below */
}

/* SSL_get_error needs an empty error queue before each SSL call.  It is
 * nearly always empty already: ERR_clear_error wipes all its slots, which
 * showed at 1.8 % of a TLS stream's time, so it runs only when needed. */
static void tls_clear_errors(void) {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

/* Plaintext for one SSL_write: a contiguous piece of src, no more than the
 * room the underlying has (a record adds at most this much). */
#define TLS_RECORD_OVERHEAD 64
#define TLS_MAX_WRITE (256 * 1024)

static enum bufferevent_filter_result tls_output_records(struct bev_openssl *t,
                                                         struct evbuffer *src, struct evbuffer *dst,
                                                         ev_ssize_t dst_limit, size_t start);

static enum bufferevent_filter_result tls_output(struct bev_filter *f, struct evbuffer *src,
                                                 struct evbuffer *dst, ev_ssize_t dst_limit,
                                                 enum bufferevent_flush_mode mode) {
  struct bev_openssl *t = (struct bev_openssl *)f;
  /* dst may also shrink meanwhile (a filter below moves it on at once). */
  size_t start = evbuffer_get_length(dst);
  uint64_t before = t->bio_written;
  enum bufferevent_filter_result res;
  if (mode == BEV_FINISHED) t->finish_wanted = 1;
  if (t->handshaking || t->failed || t->shutdown_sent)
    return BEV_OK; /* held until the handshake completes; kept after a failure */
  res = tls_output_records(t, src, dst, dst_limit, start);
  if (res == BEV_OK && t->finish_wanted && evbuffer_get_length(src) == 0) tls_send_close_notify(t);
  if (t->bio_written != before)
    bev_filter_flush_down_(f, BEV_FLUSH); /* the machinery passes it down after the pump */
  return res;
}

/* What a rate limit set on the TLS bufferevent itself lets one SSL_read or
 * SSL_write move (libevent's TLS layer counts its plaintext against it), or
 * `want` when none is set.  0: the bucket is empty and the direction is
 * suspended until it refills. */
static size_t tls_rate_cap(struct bev_openssl *t, int is_write, size_t want) {
  ev_ssize_t max;
  if (!t->f.p.rate_limiting) return want;
  max = is_write ? bev_ratelim_write_max_(&t->f.p) : bev_ratelim_read_max_(&t->f.p);
  return (size_t)max < want ? (size_t)max : want;
}

/* SSL_write of src's plaintext while dst (the underlying's output) has room
 * (dst_limit counts from its length `start`). */
static enum bufferevent_filter_result tls_output_records(struct bev_openssl *t,
                                                         struct evbuffer *src, struct evbuffer *dst,
                                                         ev_ssize_t dst_limit, size_t start) {
  while (evbuffer_get_length(src) > 0) {
    struct evbuffer_iovec v;
    size_t n, len = evbuffer_get_length(dst), made = len > start ? len - start : 0;
    int r, err;
    if (dst_limit >= 0 && made >= (size_t)dst_limit) break;
    if (evbuffer_peek(src, -1, NULL, &v, 1) < 1) break;
    n = v.iov_len < TLS_MAX_WRITE ? v.iov_len : TLS_MAX_WRITE;
    if (dst_limit >= 0) {
      size_t room = (size_t)dst_limit - made;
      room = room > TLS_RECORD_OVERHEAD ? room - TLS_RECORD_OVERHEAD : 1;
      if (n > room) n = room;
    }
    if ((n = tls_rate_cap(t, 1, n)) == 0) break;
    tls_clear_errors();
    r = SSL_write(t->ssl, v.iov_base, (int)n);
    if (r > 0) {
      evbuffer_drain(src, (size_t)r);
      bev_ratelim_count_write_(&t->f.p, (size_t)r);
      continue;
    }
    err = SSL_get_error(t->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      t->write_wants_read = 1;
      return BEV_OK;
    }
    tls_collect_errors(t, err);
    t->failed = 1;
    return BEV_ERROR;
  }
  return BEV_OK;
}

/* SSL_read said the stream ended (or broke).  Returns the transform result. */
static enum bufferevent_filter_result tls_input_end(struct bev_openssl *t, struct evbuffer *src,
                                                    int err) {
  if (err == SSL_ERROR_ZERO_RETURN && !tls_is_dirty_eof(t, err)) {
    ERR_clear_error();
  } else if (tls_is_dirty_eof(t, err) && t->allow_dirty) {
    ERR_clear_error();
  } else {
    tls_collect_errors(t, err);
    t->failed = 1;
    return BEV_ERROR;
  }
  /* EOF for the user once this pump ends (the machinery's rule); bytes after
   * close_notify mean nothing. */
  t->read_closed = 1;
  bev_filter_end_input_(&t->f);
  evbuffer_drain(src, evbuffer_get_length(src));
  return BEV_OK;
}

/* One record's plaintext: reservations of this size pack a chunk full. */
#define TLS_MAX_READ 16384

/* SSL_read into dst while OpenSSL has plaintext and dst has room. */
static enum bufferevent_filter_result tls_input_records(struct bev_openssl *t, struct evbuffer *src,
                                                        struct evbuffer *dst,
                                                        ev_ssize_t dst_limit) {
  size_t made = 0;
  for (;;) {
    struct evbuffer_iovec v;
    size_t want = TLS_MAX_READ;
    int r, err;
    if (dst_limit >= 0) {
      if (made >= (size_t)dst_limit) break;
      if ((size_t)dst_limit - made < want) want = (size_t)dst_limit - made;
    }
    if ((want = tls_rate_cap(t, 0, want)) == 0) break;
    if (evbuffer_reserve_space(dst, (ev_ssize_t)want, &v, 1) < 1) {
      t->failed = 1; /* out of memory */
      return BEV_ERROR;
    }
    if (v.iov_len > want) v.iov_len = want;
    tls_clear_errors();
    r = SSL_read(t->ssl, v.iov_base, (int)v.iov_len);
    if (r > 0) {
      v.iov_len = (size_t)r;
      evbuffer_commit_space(dst, &v, 1);
      made += (size_t)r;
      bev_ratelim_count_read_(&t->f.p, (size_t)r);
      /* Nothing left below or inside OpenSSL: another SSL_read could only
       * say WANT_READ (half of all SSL_read calls under h2load).  After the
       * transport's EOF it tells a clean close from a dirty one: ask it. */
      if (evbuffer_get_length(src) == 0 && !SSL_has_pending(t->ssl) &&
          !bev_filter_below_eof_(&t->f))
        break;
      continue;
    }
    evbuffer_commit_space(dst, NULL, 0);
    err = SSL_get_error(t->ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) break;
    if (err == SSL_ERROR_ZERO_RETURN || err == SSL_ERROR_SYSCALL || err == SSL_ERROR_SSL)
      return tls_input_end(t, src, err);
    tls_collect_errors(t, err);
    t->failed = 1;
    return BEV_ERROR;
  }
  return BEV_OK;
}

static enum bufferevent_filter_result tls_input(struct bev_filter *f, struct evbuffer *src,
                                                struct evbuffer *dst, ev_ssize_t dst_limit,
                                                enum bufferevent_flush_mode mode) {
  struct bev_openssl *t = (struct bev_openssl *)f;
  uint64_t before = t->bio_written;
  enum bufferevent_filter_result res;
  (void)mode;
  if (t->handshaking || t->failed || t->read_closed) return BEV_OK;
  res = tls_input_records(t, src, dst, dst_limit);
  /* Reading may answer (renegotiation, key update, alerts). */
  tls_flush_below_if_wrote(t, before);
  if (res == BEV_OK) tls_retry_output(t);
  return res;
}

/* Events from the underlying: its CONNECTED is only TCP's while the handshake
 * runs; EOF during the handshake fails it; after it, the machinery's EOF path
 * runs the input transform, which tells close_notify from a dirty close. */
static int tls_on_under_event(struct bev_filter *f, short what) {
  struct bev_openssl *t = (struct bev_openssl *)f;
  if (what & BEV_EVENT_CONNECTED) return t->handshaking || t->failed;
  if ((what & BEV_EVENT_EOF) && t->handshaking) {
    tls_handshake_step(t); /* the machinery marked the EOF: the BIO says so */
    return 1;
  }
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) {
    if (what & BEV_EVENT_ERROR) t->failed = 1;
    t->handshaking = 0;
  }
  return 0;
}

/* Without ownership the caller may free the SSL object as soon as
 * bufferevent_free returns: it was detached then (tls_detach), and is not
 * touched here. */
static void tls_destruct(struct bev_filter *f) {
  struct bev_openssl *t = (struct bev_openssl *)f;
  if (t->ssl && t->free_ssl) SSL_free(t->ssl);
  t->ssl = NULL;
}

static void tls_detach(struct bev_filter *f) {
  struct bev_openssl *t = (struct bev_openssl *)f;
  struct bufferevent *under = f->underlying;
  if (t->free_ssl) return;
  /* The caller keeps the SSL object: from now on it is theirs alone. */
  bev_openssl_bio_detach_(t->ssl, t, under->input);
  t->ssl = NULL;
  t->failed = 1; /* the transforms and the handshake stop here */
  if (t->socket_flavour) bufferevent_disable(under, EV_READ); /* nothing more to keep */
}

static int tls_flush(struct bev_filter *f, short iotype, enum bufferevent_flush_mode mode) {
  struct bev_openssl *t = (struct bev_openssl *)f;
  if (t->failed) return -1;
  if ((iotype & EV_WRITE) && mode == BEV_FINISHED && t->handshaking) {
    t->finish_wanted = 1; /* done when the handshake completes */
    iotype &= ~EV_WRITE;
    if (!iotype) return 0;
  }
  return bev_filter_def_flush_(f, iotype, mode);
}

static int tls_ctrl(struct bev_filter *f, enum bev_ctrl_op op, union bev_ctrl_data *data) {
  struct bev_openssl *t = (struct bev_openssl *)f;
  if (op == BEV_CTRL_GET_UNDERLYING && t->socket_flavour)
    return -1; /* as libevent: the socket flavour has no underlying */
  if (op == BEV_CTRL_SET_FD && !t->socket_flavour)
    return 0; /* as libevent: the filter flavour's socket is its underlying's business */
  return bev_filter_def_ctrl_(f, op, data);
}

static const struct bev_filter_xform bev_openssl_xform = {
    .output = tls_output,
    .input = tls_input,
    .pre_input = tls_pre_input,
    .handshaking = tls_handshaking,
    .event = tls_on_under_event,
    .flush = tls_flush,
    .ctrl = tls_ctrl,
    .detach = tls_detach,
    .destruct = tls_destruct,
};

/* ---- construction ---------------------------------------------------------------------- */

struct bufferevent *bev_openssl_new_(struct bufferevent *underlying, SSL *ssl,
                                     enum bufferevent_ssl_state state, int options, int own_ssl) {
  struct bev_openssl *t;
  struct bufferevent *bev;
  if (!underlying || !ssl ||
      (state != BUFFEREVENT_SSL_OPEN && state != BUFFEREVENT_SSL_CONNECTING &&
       state != BUFFEREVENT_SSL_ACCEPTING))
    return NULL;
  t = uvbev_calloc_(1, sizeof(*t));
  if (!t) return NULL;
  t->ssl = ssl;
  bev_openssl_bio_reclaim_(ssl, underlying->input);
  if (bev_openssl_bio_attach_(t) < 0) {
    uvbev_free_(t);
    return NULL;
  }
  /* Records of any size may be handed to SSL_write, from any address. */
  SSL_set_mode(ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  if (bev_filter_init_(&t->f, &bev_openssl_xform, underlying, options) < 0) {
    bev_openssl_bio_detach_(ssl, t, NULL); /* t is gone: only compared */
    return NULL;
  }
  bev = tls_bev(t);
  BEV_LOCK(bev);
  t->free_ssl = own_ssl ? 1 : 0;
  if (state != BUFFEREVENT_SSL_OPEN) {
    if (state == BUFFEREVENT_SSL_CONNECTING)
      SSL_set_connect_state(ssl);
    else
      SSL_set_accept_state(ssl);
    tls_begin_handshake_reads(t);
    bev_core_incref_(bev);
    tls_handshake_step(t); /* a client's first flight is queued at once */
    BEV_UNLOCK(bev);
    bev_core_decref_(bev);
    return bev;
  }
  BEV_UNLOCK(bev);
  return bev;
}

struct bufferevent *bufferevent_openssl_filter_new(struct event_base *base,
                                                   struct bufferevent *underlying,
                                                   struct ssl_st *ssl,
                                                   enum bufferevent_ssl_state state, int options) {
  /* A NULL base: the layer lives on its underlying's base, as every filter. */
  if (!underlying || (base && underlying->ev_base != base)) return NULL;
  return bev_openssl_new_(underlying, ssl, state, options, (options & BEV_OPT_CLOSE_ON_FREE) != 0);
}

/* The socket a descriptor BIO of ssl holds (which then must not close it),
 * or -1. */
static evutil_socket_t tls_ssl_socket(SSL *ssl) {
  BIO *b = SSL_get_wbio(ssl);
  long fd = b && (BIO_method_type(b) & BIO_TYPE_DESCRIPTOR) ? BIO_get_fd(b, NULL) : -1;
  return fd < 0 ? (evutil_socket_t)-1 : (evutil_socket_t)fd;
}

struct bufferevent *bufferevent_openssl_socket_new(struct event_base *base, evutil_socket_t fd,
                                                   struct ssl_st *ssl,
                                                   enum bufferevent_ssl_state state, int options) {
  struct bufferevent *under, *bev;
  evutil_socket_t have;
  if (!ssl) return NULL; /* a NULL base: bufferevent_socket_new decides */
  have = tls_ssl_socket(ssl);
  if (have != (evutil_socket_t)-1) {
    if (fd != (evutil_socket_t)-1 && fd != have)
      return NULL; /* two different sockets: as libevent, refuse */
    fd = have;
    (void)BIO_set_close(SSL_get_wbio(ssl), BIO_NOCLOSE);
  }
  under = bufferevent_socket_new(base, fd, options & (BEV_OPT_CLOSE_ON_FREE | BEV_OPT_THREADSAFE));
  if (!under) return NULL;
  /* Ciphertext waits in the socket only up to this much; the rest stays
   * plaintext in the layer's output, as with libevent's socket flavour, so a
   * slow peer bounds memory and the write callback means "sent". */
  bufferevent_setwatermark(under, EV_WRITE, 0, BEV_OPENSSL_SOCKET_WRITE_HIGH);
  /* The caller keeps the SSL object and the socket: the records in the
   * socket's output are sent as far as the SSL object knows, and must reach
   * the peer before whatever its next writer sends (libevent's SSL writes
   * them to the socket itself). */
  if (!(options & BEV_OPT_CLOSE_ON_FREE)) bev_socket_release_sends_all_(under);
  /* The socket bufferevent is ours: always freed with the TLS layer.  The
   * SSL object and the socket are the caller's unless BEV_OPT_CLOSE_ON_FREE
   * (the socket bufferevent watches a duplicate without it). */
  bev = bev_openssl_new_(under, ssl, state, options | BEV_OPT_CLOSE_ON_FREE,
                         (options & BEV_OPT_CLOSE_ON_FREE) != 0);
  if (!bev) {
    bufferevent_free(under);
    return NULL;
  }
  ((struct bev_openssl *)bev)->socket_flavour = 1;
  /* libevent's socket flavour disarms the write timeout with nothing to
   * write, as a socket (bufferevent_timeout.c). */
  ((struct bev_openssl *)bev)->f.p.write_tm_idle = 0;
  ((struct bev_openssl *)bev)->f.output_batched = 1; /* bev_filter-internal.h */
  return bev;
}

/* ---- the rest of the public API ------------------------------------------------------------ */

int bufferevent_openssl_get_allow_dirty_shutdown(struct bufferevent *bev) {
  struct bev_openssl *t = bev_openssl_upcast_(bev);
  int r;
  if (!t) return 0;
  BEV_LOCK(bev);
  r = t->allow_dirty;
  BEV_UNLOCK(bev);
  return r;
}

void bufferevent_openssl_set_allow_dirty_shutdown(struct bufferevent *bev,
                                                  int allow_dirty_shutdown) {
  struct bev_openssl *t = bev_openssl_upcast_(bev);
  if (!t) return;
  BEV_LOCK(bev);
  t->allow_dirty = allow_dirty_shutdown ? 1 : 0;
  BEV_UNLOCK(bev);
}

struct ssl_st *bufferevent_openssl_get_ssl(struct bufferevent *bufev) {
  struct bev_openssl *t = bev_openssl_upcast_(bufev);
  return t ? t->ssl : NULL;
}

int bufferevent_ssl_renegotiate(struct bufferevent *bev) {
  struct bev_openssl *t = bev_openssl_upcast_(bev);
  int r = -1;
  if (!t) return -1;
  bev_core_incref_and_lock_(bev);
  if (!t->handshaking && !t->failed && !t->shutdown_sent && !t->f.p.unlinked) {
    ERR_clear_error();
    if (SSL_renegotiate(t->ssl) == 1) {
      tls_begin_handshake_reads(t);
      tls_handshake_step(t);
      r = 0;
    } else {
      ERR_clear_error(); /* e.g. TLS 1.3: nothing happened */
    }
  }
  bev_core_decref_and_unlock_(bev);
  return r;
}

unsigned long bufferevent_get_openssl_error(struct bufferevent *bev) {
  struct bev_openssl *t = bev_openssl_upcast_(bev);
  unsigned long e = 0;
  if (!t) return 0;
  BEV_LOCK(bev);
  if (t->n_errors > 0) {
    e = t->errors[0];
    memmove(t->errors, t->errors + 1, (t->n_errors - 1) * sizeof(t->errors[0]));
    t->n_errors--;
  }
  BEV_UNLOCK(bev);
  return e;
}

int uvbev_ssl_shutdown(struct bufferevent *bev) {
  if (!bev_openssl_upcast_(bev)) return -1;
  return bufferevent_flush(bev, EV_WRITE, BEV_FINISHED) < 0 ? -1 : 0;
}

const char *uvbev_ssl_describe_error(struct bufferevent *bev, char *buf, size_t len) {
  struct bev_openssl *t = bev_openssl_upcast_(bev);
  long vr;
  if (!t || !buf || len == 0) return NULL;
  BEV_LOCK(bev);
  vr = t->ssl ? SSL_get_verify_result(t->ssl) : X509_V_OK;
  if (vr != X509_V_OK)
    snprintf(buf, len, "certificate verify failed: %s", X509_verify_cert_error_string(vr));
  else if (t->last_error > 0xff)
    ERR_error_string_n(t->last_error, buf, len);
  else if (t->last_error)
    snprintf(buf, len, "TLS failure (SSL_get_error %lu, transport closed or failed)",
             t->last_error);
  else
    snprintf(buf, len, "no TLS error");
  BEV_UNLOCK(bev);
  return buf;
}
