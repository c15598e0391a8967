/* SPDX-License-Identifier: MIT */
/* The BIO under a TLS bufferevent's SSL object: reads take ciphertext from
 * the underlying bufferevent's input, writes append it to the underlying's
 * output.  A read with nothing buffered asks OpenSSL to retry later, or says
 * end of stream once the underlying reported EOF.  Writes always succeed:
 * backpressure is applied above, by how much plaintext the output transform
 * hands to SSL_write (the underlying's write high watermark).
 *
 * The BIO refers to its bufferevent through its state (BIO data); a
 * detached BIO (the bufferevent is gone but the caller keeps the SSL object,
 * no BEV_OPT_CLOSE_ON_FREE) fails every call.  Detaching keeps the ciphertext
 * the underlying had read and OpenSSL had not: a later TLS bufferevent on the
 * same SSL object and socket (libevent's socket BIO would have left it in the
 * kernel) starts with it, so no record is lost between the two.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>

#include "mm-internal.h"
#include "bev_openssl-internal.h"

static BIO_METHOD *bev_openssl_bio_method;
static int bev_openssl_bio_type;
static uv_once_t bev_openssl_bio_once = UV_ONCE_INIT;

/* BIO data. */
struct bev_openssl_bio {
  struct bev_openssl *t;     /* NULL once detached */
  struct evbuffer *leftover; /* detached: ciphertext not consumed yet, or NULL */
};

static struct bev_openssl *bev_openssl_bio_owner(BIO *b) {
  struct bev_openssl_bio *state = BIO_get_data(b);
  return state ? state->t : NULL;
}

static struct evbuffer *bev_openssl_bio_buffer(BIO *b, int input) {
  struct bev_openssl *t = bev_openssl_bio_owner(b);
  if (!t || !t->f.underlying) return NULL;
  return input ? t->f.underlying->input : t->f.underlying->output;
}

static int bev_openssl_bio_write(BIO *b, const char *in, int inl) {
  struct evbuffer *out = bev_openssl_bio_buffer(b, 0);
  struct bev_openssl *t = bev_openssl_bio_owner(b);
  BIO_clear_retry_flags(b);
  if (!out || inl < 0) return -1;
  if (evbuffer_add(out, in, (size_t)inl) < 0) return -1;
  t->bio_written += (uint64_t)inl;
  return inl;
}

static int bev_openssl_bio_read(BIO *b, char *out, int outl) {
  struct evbuffer *in = bev_openssl_bio_buffer(b, 1);
  struct bev_openssl *t = bev_openssl_bio_owner(b);
  BIO_clear_retry_flags(b);
  if (!in || outl < 0) return -1;
  if (evbuffer_get_length(in) == 0) {
    if (bev_filter_below_eof_(&t->f))
      return 0; /* the transport ended: OpenSSL decides if that is clean */
    BIO_set_retry_read(b);
    return -1;
  }
  return evbuffer_remove(in, out, (size_t)outl);
}

static int bev_openssl_bio_puts(BIO *b, const char *s) {
  size_t n = strlen(s);
  return bev_openssl_bio_write(b, s, n > INT_MAX ? INT_MAX : (int)n);
}

static long bev_openssl_bio_ctrl(BIO *b, int cmd, long num, void *ptr) {
  struct evbuffer *in;
  (void)num;
  (void)ptr;
  switch (cmd) {
  case BIO_CTRL_FLUSH:
    return 1; /* the underlying sends on its own */
  case BIO_CTRL_PENDING:
    in = bev_openssl_bio_buffer(b, 1);
    return in ? (long)evbuffer_get_length(in) : 0;
  case BIO_CTRL_WPENDING:
    return 0;
  case BIO_CTRL_GET_CLOSE:
    return BIO_get_shutdown(b);
  case BIO_CTRL_SET_CLOSE:
    BIO_set_shutdown(b, (int)num);
    return 1;
  case BIO_C_GET_FD:
    return -1; /* no descriptor: the bytes go through a bufferevent */
  default:
    return 0;
  }
}

static int bev_openssl_bio_create(BIO *b) {
  struct bev_openssl_bio *state = uvbev_calloc_(1, sizeof(*state));
  if (!state) return 0;
  BIO_set_data(b, state);
  BIO_set_init(b, 1);
  return 1;
}

static int bev_openssl_bio_destroy(BIO *b) {
  struct bev_openssl_bio *state = b ? BIO_get_data(b) : NULL;
  if (!state) return 1;
  if (state->leftover) evbuffer_free(state->leftover);
  uvbev_free_(state);
  BIO_set_data(b, NULL);
  return 1;
}

static void bev_openssl_bio_make_method(void) {
  int type = BIO_get_new_index() | BIO_TYPE_SOURCE_SINK;
  BIO_METHOD *m = BIO_meth_new(type, "uvbev evbuffer");
  if (!m) return;
  if (!BIO_meth_set_write(m, bev_openssl_bio_write) ||
      !BIO_meth_set_read(m, bev_openssl_bio_read) || !BIO_meth_set_puts(m, bev_openssl_bio_puts) ||
      !BIO_meth_set_ctrl(m, bev_openssl_bio_ctrl) ||
      !BIO_meth_set_create(m, bev_openssl_bio_create) ||
      !BIO_meth_set_destroy(m, bev_openssl_bio_destroy)) {
    BIO_meth_free(m);
    return;
  }
  /* Made once per process and kept: OpenSSL frees nothing of it at exit, and
   * SSL objects the caller keeps may use it after every bufferevent is gone. */
  bev_openssl_bio_type = type;
  bev_openssl_bio_method = m;
}

int bev_openssl_bio_attach_(struct bev_openssl *t) {
  BIO *b;
  uv_once(&bev_openssl_bio_once, bev_openssl_bio_make_method);
  if (!bev_openssl_bio_method) return -1;
  b = BIO_new(bev_openssl_bio_method);
  if (!b) return -1;
  ((struct bev_openssl_bio *)BIO_get_data(b))->t = t;
  SSL_set_bio(t->ssl, b, b); /* same BIO both ways: it adopts our one reference */
  return 0;
}

/* ssl's read BIO state if it is one of ours, else NULL. */
static struct bev_openssl_bio *bev_openssl_bio_of(SSL *ssl) {
  BIO *b = SSL_get_rbio(ssl);
  if (!b || !bev_openssl_bio_method || BIO_method_type(b) != bev_openssl_bio_type) return NULL;
  return BIO_get_data(b);
}

void bev_openssl_bio_detach_(SSL *ssl, const struct bev_openssl *t, struct evbuffer *unread) {
  struct bev_openssl_bio *state = bev_openssl_bio_of(ssl);
  if (!state || state->t != t) return; /* another bufferevent has it now */
  state->t = NULL;
  if (!unread || evbuffer_get_length(unread) == 0) return;
  if (!state->leftover) state->leftover = evbuffer_new();
  if (state->leftover) evbuffer_add_buffer(state->leftover, unread);
}

int bev_openssl_bio_ensure_(struct bev_openssl *t) {
  struct bev_openssl_bio *state = bev_openssl_bio_of(t->ssl);
  return state && state->t == t ? 0 : bev_openssl_bio_attach_(t);
}

void bev_openssl_bio_reclaim_(SSL *ssl, struct evbuffer *dst) {
  struct bev_openssl_bio *state = bev_openssl_bio_of(ssl);
  if (state && !state->t && state->leftover) evbuffer_prepend_buffer(dst, state->leftover);
}
