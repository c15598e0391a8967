/* SPDX-License-Identifier: MIT */
/* Loading file windows off the loop thread, for the socket write path
 * (contract in evbuffer-uv-internal.h).  A read of a file may block on the
 * disk: libuv's thread pool does it (uv_fs_read with a callback), and the
 * window joins the chain on the loop thread when it is done.
 *
 * The load holds what it reads for, not the chunk: the buffer may change
 * meanwhile (bytes drained, moved to another buffer, loaded by a peek).  So
 * it keeps the segment and the position it read, and on completion puts the
 * window into the first FILE chunk if that chunk still starts inside it;
 * otherwise the window is dropped.  It holds a reference on the buffer (and
 * the segment), so that evbuffer_free during the read is safe. */
#include <stdlib.h>

#include "mm-internal.h"
#include "evbuffer-internal.h"
#include "evbuffer-uv-internal.h"

struct file_load {
  uv_fs_t req;
  struct evbuffer *buf;
  struct evbuffer_file_segment *seg;
  size_t pos; /* position in seg of mem[0] */
  size_t len;
  unsigned char *mem;
  evbuffer_uv_loaded_cb cb;
  void *arg;
};

/* The first FILE chunk among the first `ahead` bytes of data, or NULL. */
static struct evbuffer_chunk *file_chunk_ahead(struct evbuffer *buf, size_t ahead) {
  struct evbuffer_chunk *c;
  size_t seen = 0;
  for (c = buf->first; c != NULL && c->off > 0 && seen < ahead; c = c->next) {
    if (c->kind == EVBUFFER_CHUNK_FILE) return c;
    seen += c->off;
  }
  return NULL;
}

/* Puts the window where it belongs, if anywhere; frees it otherwise. */
static void place_window(struct file_load *l, size_t got) {
  struct evbuffer_chunk *c = file_chunk_ahead(l->buf, (size_t)-1);
  if (c != NULL && c->u.seg == l->seg && c->misalign >= l->pos && c->misalign < l->pos + got)
    evbuffer_file_fill_(l->buf, c, l->mem, got, c->misalign - l->pos, 0); /* takes mem */
  else
    uvbev_free_(l->mem);
}

static void on_loaded(uv_fs_t *req) {
  struct file_load *l = req->data;
  struct evbuffer *buf = l->buf;
  ssize_t r = req->result;
  uv_fs_req_cleanup(req);
  EVBUFFER_LOCK(buf);
  buf->file_loading = 0;
  if (r > 0)
    place_window(l, (size_t)r);
  else
    uvbev_free_(l->mem);
  EVBUFFER_UNLOCK(buf);
  evbuffer_segment_release_(l->seg);
  /* A read of 0 bytes: the file is shorter than the segment said. */
  if (l->cb != NULL) l->cb(l->arg, r > 0 ? 0 : r == 0 ? UV_EOF : (int)r);
  EVBUFFER_LOCK(buf);
  evbuffer_decref_and_unlock_(buf);
  uvbev_free_(l);
}

/* Starts reading the first window of FILE chunk c.  Returns 1 or an error. */
static int start_load(struct evbuffer *buf, struct evbuffer_chunk *c, uv_loop_t *loop,
                      evbuffer_uv_loaded_cb cb, void *arg) {
  struct file_load *l = uvbev_calloc_(1, sizeof(*l));
  uv_buf_t b;
  int r;
  if (l == NULL) return UV_ENOMEM;
  l->len = c->off < EVBUFFER_FILE_WINDOW ? c->off : EVBUFFER_FILE_WINDOW;
  l->mem = uvbev_malloc_(l->len);
  if (l->mem == NULL) {
    uvbev_free_(l);
    return UV_ENOMEM;
  }
  l->buf = buf;
  l->seg = c->u.seg;
  l->pos = c->misalign;
  l->cb = cb;
  l->arg = arg;
  l->req.data = l;
  b = uv_buf_init((char *)l->mem, (unsigned)l->len);
  r = uv_fs_read(loop, &l->req, l->seg->fd, &b, 1, l->seg->offset + (int64_t)l->pos, on_loaded);
  if (r < 0) {
    uvbev_free_(l->mem);
    uvbev_free_(l);
    return r;
  }
  evbuffer_segment_incref_(l->seg);
  evbuffer_incref_(buf);
  buf->file_loading = 1;
  return 1;
}

int evbuffer_uv_load_ahead_(struct evbuffer *buf, uv_loop_t *loop, size_t ahead, int sendable_waits,
                            evbuffer_uv_loaded_cb cb, void *arg) {
  struct evbuffer_chunk *c;
  int r = 0;
  if (buf == NULL || loop == NULL) return 0;
  EVBUFFER_LOCK(buf);
  /* A window to be mapped is mapped by the pin that reaches it: nothing to
   * read ahead (unless its mapping failed: then it is read here). */
  if (!buf->file_loading && (c = file_chunk_ahead(buf, ahead)) != NULL && !evbuffer_file_maps_(c) &&
      !(sendable_waits && c != buf->first && !(c->u.seg->flags & EVBUF_FS_DISABLE_SENDFILE)))
    r = start_load(buf, c, loop, cb, arg);
  EVBUFFER_UNLOCK(buf);
  return r;
}
