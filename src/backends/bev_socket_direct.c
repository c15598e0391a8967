/* SPDX-License-Identifier: MIT */
/* Writing through: a layer above a socket bufferevent (TLS) hands bytes it
 * has in a buffer of its own (a sealed record in OpenSSL's write buffer)
 * straight to the kernel, when nothing is queued before them, instead of
 * copying them into the output for the deferred write.  What the kernel does
 * not take at once is the caller's to append to the output as before, so the
 * output still holds exactly the bytes not yet sent, in order, and
 * backpressure (the write high watermark, the bounded stacks of issue 18),
 * finishing a write on free and fault injection see the same stream.
 */
#include "bev_socket-internal.h"
#include "fault_inject-internal.h"
#include "ratelim-internal.h"

size_t bev_socket_write_direct_(struct bufferevent *bev, const void *data, size_t len) {
  struct bev_socket *s = bev_socket_upcast_(bev);
  struct bev_conn *c = s ? s->conn : NULL;
  ev_ssize_t budget;
  uv_buf_t buf;
  int r;
  if (!c || len == 0 || s->p.freed || s->p.unlinked) return 0;
  /* Only where write_out would write now, from the loop thread (libuv's
   * handles are not thread-safe), and only with nothing queued or in flight
   * before these bytes. */
  if (c->connecting || c->closing || c->writing || c->failed || c->detached ||
      c->shutdown_wanted || c->shutdown_started)
    return 0;
  if (evbuffer_get_length(bev->output) != 0 || !(bev_core_desired_io_(bev) & EV_WRITE) ||
      !bev_core_on_loop_(bev))
    return 0;
  budget = bev_ratelim_write_max_(&s->p); /* max_single_write, or the rate limit's */
  if (budget <= 0) return 0;
  if ((size_t)budget < len) len = (size_t)budget;
  if (len > UINT32_MAX) len = UINT32_MAX; /* uv_buf_t's length on Windows */
  buf = uv_buf_init((char *)data, (unsigned int)len);
  r = uvbev_fault_try_write_(&c->own.stream, &buf, 1); /* uv_try_write */
  if (r <= 0) return 0; /* EAGAIN, or an error write_out will meet and report */
  bev_ratelim_count_write_(&s->p, (size_t)r);
  return (size_t)r;
}
