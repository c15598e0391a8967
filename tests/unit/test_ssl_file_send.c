/* SPDX-License-Identifier: MIT */
/* File segments through TLS (issue 18, uvbev-only): the TLS layer takes the
 * file's bytes through the read path (windows loaded as it peeks, no
 * sendfile), bounded like any other data.  A 256 MiB sparse file (peak RSS
 * far below its size, the loop keeps running) and a file of real bytes
 * (checksum) over TLS over a loopback socket, read or mapped
 * (UVBEV_EVBUF_FS_MMAP). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <uvbev/uvbev.h>

#include "ssl_rig.h"
#include "file_send_rig.h"

#define SPARSE_LEN ((size_t)256 << 20)
#define REAL_LEN ((size_t)(4u << 20) + 4321)

struct tls_run {
  struct fsr_run r;
  SSL_CTX *cctx, *sctx;
};

static struct bufferevent *tls_on(struct tls_run *t, evutil_socket_t fd, int is_client) {
  struct bufferevent *bev = bufferevent_socket_new(t->r.base, fd, BEV_OPT_CLOSE_ON_FREE);
  SSL *ssl = SSL_new(is_client ? t->cctx : t->sctx);
  assert_non_null(bev);
  assert_non_null(ssl);
  bev = bufferevent_openssl_filter_new(
      t->r.base, bev, ssl, is_client ? BUFFEREVENT_SSL_CONNECTING : BUFFEREVENT_SSL_ACCEPTING,
      BEV_OPT_CLOSE_ON_FREE);
  assert_non_null(bev);
  return bev;
}

static void send_over_tls(size_t len, int sparse, unsigned fs_flags) {
  struct tls_run t;
  evutil_socket_t sv[2];
  uint32_t sum;
  int fd = fsr_temp_file(len, sparse, &sum);
  if (fd < 0 && sparse) skip(); /* no sparse file here */
  assert_true(fd >= 0);
  memset(&t, 0, sizeof(t));
  rig_ignore_sigpipe();
  t.r.base = event_base_new();
  t.cctx = sch_client_ctx(0);
  t.sctx = sch_server_ctx(0);
  assert_int_equal(rig_tcp_pair(sv), 0);
  t.r.writer = tls_on(&t, sv[0], 1);
  t.r.reader = tls_on(&t, sv[1], 0);
  fsr_send(&t.r, fd, len, sparse, fs_flags);
  fsr_check_bounds(&t.r, fs_flags & UVBEV_EVBUF_FS_MMAP ? "over TLS, mapped" : "over TLS");
  if (sparse)
    assert_int_equal(t.r.nonzero, 0);
  else
    assert_int_equal(t.r.sum, sum);
  bufferevent_free(t.r.writer);
  bufferevent_free(t.r.reader);
  event_base_free(t.r.base);
  SSL_CTX_free(t.cctx);
  SSL_CTX_free(t.sctx);
}

static void sparse_file_streams_through_tls(void **state) {
  (void)state;
  send_over_tls(SPARSE_LEN, 1, 0);
}

static void real_file_arrives_intact_through_tls(void **state) {
  (void)state;
  send_over_tls(REAL_LEN, 0, 0);
}

static void mapped_file_arrives_intact_through_tls(void **state) {
  (void)state;
  send_over_tls(REAL_LEN, 0, UVBEV_EVBUF_FS_MMAP);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sparse_file_streams_through_tls),
      cmocka_unit_test(real_file_arrives_intact_through_tls),
      cmocka_unit_test(mapped_file_arrives_intact_through_tls),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
