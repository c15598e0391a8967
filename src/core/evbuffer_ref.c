/* SPDX-License-Identifier: MIT */
/* Memory an evbuffer does not own: references to user memory and file
 * segments.  A segment is not read when created or added: each range added
 * is a lazy FILE chunk holding a reference on the segment, read in bounded
 * windows when its bytes are needed (evbuffer_file.c).  File calls go
 * through libuv's synchronous API (portable: CRT descriptors on Windows). */
#include <stdlib.h>

#include <uv.h>

#include "mm-internal.h"
#include "evbuffer-internal.h"

/* Appends a chunk of memory the buffer does not own, under its lock. */
static void append_foreign(struct evbuffer *buf, struct evbuffer_chunk *c) {
  evbuffer_chain_append_(buf, c);
  buf->total_len += c->off;
  buf->n_added_cb += c->off;
  evbuffer_invoke_cbs_(buf);
}

int evbuffer_add_reference(struct evbuffer *outbuf, const void *data, size_t datlen,
                           evbuffer_ref_cleanup_cb cleanupfn, void *cleanupfn_arg) {
  struct evbuffer_chunk *c;
  int r = -1;
  if (outbuf == NULL || (data == NULL && datlen > 0)) return -1;
  EVBUFFER_LOCK(outbuf);
  if (outbuf->freeze_end) goto done;
  c = evbuffer_chunk_new_foreign_(EVBUFFER_CHUNK_REFERENCE, data, datlen);
  if (c == NULL) goto done;
  c->u.ref.fn = cleanupfn;
  c->u.ref.arg = cleanupfn_arg;
  if (datlen == 0) {
    /* No bytes to chain; released with the buffer, as libevent does. */
    c->next = outbuf->detached;
    outbuf->detached = c;
  } else {
    append_foreign(outbuf, c);
  }
  r = 0;
done:
  EVBUFFER_UNLOCK(outbuf);
  return r;
}

/* ---- file segments --------------------------------------------------------------- */

static int64_t file_size(int fd) {
  uv_fs_t req;
  int64_t size = -1;
  if (uv_fs_fstat(NULL, &req, fd, NULL) == 0) size = (int64_t)req.statbuf.st_size;
  uv_fs_req_cleanup(&req);
  return size;
}

static void close_fd(int fd) {
  uv_fs_t req;
  uv_fs_close(NULL, &req, fd, NULL);
  uv_fs_req_cleanup(&req);
}

struct evbuffer_file_segment *evbuffer_file_segment_new(int fd, ev_off_t offset, ev_off_t length,
                                                        unsigned flags) {
  struct evbuffer_file_segment *seg;
  if (fd < 0 || offset < 0) return NULL;
  if (length < 0) {
    int64_t size = file_size(fd);
    if (size < 0 || size < (int64_t)offset) return NULL;
    length = (ev_off_t)(size - (int64_t)offset);
  }
  /* Lengths are size_t in the chain: refuse what a buffer could not hold. */
  if ((uint64_t)length > (uint64_t)PTRDIFF_MAX) return NULL;
  seg = uvbev_calloc_(1, sizeof(*seg));
  if (seg == NULL) return NULL;
  seg->refcnt = 1;
  seg->flags = flags;
  seg->fd = fd;
  seg->offset = (int64_t)offset;
  seg->length = (size_t)length;
  if (!(flags & EVBUF_FS_DISABLE_LOCKING)) seg->lock = uvbev_lock_new_();
  return seg;
}

void evbuffer_segment_incref_(struct evbuffer_file_segment *seg) {
  UVBEV_LOCK(seg->lock);
  seg->refcnt++;
  UVBEV_UNLOCK(seg->lock);
}

void evbuffer_segment_release_(struct evbuffer_file_segment *seg) {
  unsigned left;
  UVBEV_LOCK(seg->lock);
  left = --seg->refcnt;
  UVBEV_UNLOCK(seg->lock);
  if (left > 0) return;
  if ((seg->flags & EVBUF_FS_CLOSE_ON_FREE) && seg->fd >= 0) close_fd(seg->fd);
  if (seg->cleanup_cb != NULL) seg->cleanup_cb(seg, (int)seg->flags, seg->cleanup_arg);
  if (seg->lock != NULL) uvbev_lock_free_(seg->lock);
  uvbev_free_(seg);
}

void evbuffer_file_segment_free(struct evbuffer_file_segment *seg) {
  if (seg != NULL) evbuffer_segment_release_(seg);
}

void evbuffer_file_segment_add_cleanup_cb(struct evbuffer_file_segment *seg,
                                          evbuffer_file_segment_cleanup_cb cb, void *arg) {
  if (seg == NULL) return;
  UVBEV_LOCK(seg->lock);
  seg->cleanup_cb = cb;
  seg->cleanup_arg = arg;
  UVBEV_UNLOCK(seg->lock);
}

int evbuffer_add_file_segment(struct evbuffer *buf, struct evbuffer_file_segment *seg,
                              ev_off_t offset, ev_off_t length) {
  struct evbuffer_chunk *c;
  int r = -1;
  if (buf == NULL || seg == NULL || offset < 0 || (uint64_t)offset > seg->length) return -1;
  if (length < 0) length = (ev_off_t)(seg->length - (size_t)offset);
  if ((uint64_t)length > seg->length - (size_t)offset) return -1;
  EVBUFFER_LOCK(buf);
  if (buf->freeze_end) goto done;
  r = 0;
  if (length == 0) goto done;
  r = -1;
  if (buf->total_len + (size_t)length < buf->total_len) goto done;
  c = evbuffer_file_chunk_new_(seg, (size_t)offset, (size_t)length);
  if (c == NULL) goto done;
  append_foreign(buf, c);
  r = 0;
done:
  EVBUFFER_UNLOCK(buf);
  return r;
}

int evbuffer_add_file(struct evbuffer *buf, int fd, ev_off_t offset, ev_off_t length) {
  struct evbuffer_file_segment *seg;
  int r;
  if (buf == NULL) return -1;
  seg = evbuffer_file_segment_new(fd, offset, length, EVBUF_FS_CLOSE_ON_FREE);
  if (seg == NULL) return -1;
  r = evbuffer_add_file_segment(buf, seg, 0, -1);
  evbuffer_file_segment_free(seg);
  return r;
}
