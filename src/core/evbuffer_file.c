/* SPDX-License-Identifier: MIT */
/* Lazy file chunks (the scheme is at the top of evbuffer-internal.h): a FILE
 * chunk is read only when its bytes are needed, one bounded window at a
 * time, so that adding a big file costs neither its size in memory nor the
 * time to read it.  Reads here are synchronous, on the caller's thread (the
 * user's peek or search, a filter taking the bytes of its upper layer); the
 * socket write path loads on libuv's thread pool (evbuffer_file_uv.c).
 * Files are read through libuv's file calls, which take CRT descriptors on
 * Windows.  Where the system has sendfile, a FILE chunk at the front goes
 * to a socket without being read here at all (evbuffer_sendfile_); on
 * Windows the socket kind sends it with TransmitFile, the bytes pinned
 * without memory meanwhile (evbuffer_file_pin_).
 *
 * A segment made with UVBEV_EVBUF_FS_MMAP has its windows mapped instead of
 * read (evbuffer_file_map_), wherever a window is loaded: the page cache
 * holds the bytes, so windows kept by a peek or a search cost no memory of
 * the process, and the thread that touches a page not cached waits for the
 * disk.  A window that cannot be mapped (a file shorter than the segment, a
 * descriptor that is not a regular file) is read as without the flag. */
#include <stdlib.h>

#include <uv.h>

#include "uvbev/uvbev.h"

#include "mm-internal.h"
#include "evbuffer-internal.h"
#include "evbuffer-uv-internal.h"
#include "platform-internal.h"

struct evbuffer_chunk *evbuffer_file_chunk_new_(struct evbuffer_file_segment *seg, size_t pos,
                                                size_t len) {
  struct evbuffer_chunk *c = evbuffer_chunk_new_foreign_(EVBUFFER_CHUNK_FILE, NULL, len);
  if (c == NULL) return NULL;
  c->cap = 0; /* no memory: nothing may be written or pinned */
  c->misalign = pos;
  c->u.seg = seg;
  evbuffer_segment_incref_(seg);
  return c;
}

/* Links n (holding data) right after c. */
static void insert_after(struct evbuffer *buf, struct evbuffer_chunk *c, struct evbuffer_chunk *n) {
  n->next = c->next;
  c->next = n;
  if (buf->last == c) buf->last = n;
  if (buf->last_data == c) buf->last_data = n;
}

/* Splits FILE chunk c at offset at (0 < at < c->off): c keeps the bytes
 * before, a new FILE chunk after it the rest, which it returns (NULL: no
 * memory, nothing changed). */
static struct evbuffer_chunk *split(struct evbuffer *buf, struct evbuffer_chunk *c, size_t at) {
  struct evbuffer_chunk *n = evbuffer_file_chunk_new_(c->u.seg, c->misalign + at, c->off - at);
  if (n == NULL) return NULL;
  c->off = at;
  insert_after(buf, c, n);
  return n;
}

/* Frees a window: unmaps a view, frees bytes read. */
static void window_free(unsigned char *mem, size_t cap, unsigned mapped) {
  if (mapped)
    uvbev_file_unmap_(mem, cap);
  else
    uvbev_free_(mem);
}

void evbuffer_file_window_free_(struct evbuffer_chunk *c) {
  window_free(c->mem, c->cap, c->flags & EVBUFFER_CHUNK_MAPPED);
}

int evbuffer_file_fill_(struct evbuffer *buf, struct evbuffer_chunk *c, unsigned char *mem,
                        size_t cap, size_t at, unsigned mapped) {
  size_t n = c->off < cap - at ? c->off : cap - at;
  if (n < c->off && split(buf, c, n) == NULL) {
    window_free(mem, cap, mapped);
    return -1;
  }
  c->kind = EVBUFFER_CHUNK_SEGMENT;
  c->flags = (unsigned char)mapped; /* a FILE chunk is never pinned */
  c->mem = mem;
  c->cap = cap;
  c->misalign = at;
  c->off = n;
  return 0;
}

int evbuffer_file_maps_(const struct evbuffer_chunk *c) {
  unsigned fs = c->u.seg->flags & (UVBEV_EVBUF_FS_MMAP | EVBUF_FS_DISABLE_MMAP);
  return fs == UVBEV_EVBUF_FS_MMAP && !(c->flags & EVBUFFER_CHUNK_NOMAP);
}

int evbuffer_file_map_(struct evbuffer *buf, struct evbuffer_chunk *c) {
  const struct evbuffer_file_segment *seg = c->u.seg;
  size_t len = c->off < EVBUFFER_FILE_WINDOW ? c->off : EVBUFFER_FILE_WINDOW, skip = 0;
  unsigned char *view;
  if (!evbuffer_file_maps_(c)) return -1;
  view = uvbev_file_map_(seg->fd, seg->offset + (int64_t)c->misalign, len, &skip);
  if (view != NULL &&
      evbuffer_file_fill_(buf, c, view, skip + len, skip, EVBUFFER_CHUNK_MAPPED) == 0)
    return 0;
  /* Unchanged (fill failing leaves c as it was): read it, as a writer that
   * waits for a mapping would wait for ever. */
  c->flags |= EVBUFFER_CHUNK_NOMAP;
  return -1;
}

/* Reads n bytes at position pos of seg into out; returns the count read. */
static size_t read_at(const struct evbuffer_file_segment *seg, size_t pos, unsigned char *out,
                      size_t n) {
  size_t done = 0;
  while (done < n) {
    uv_fs_t req;
    size_t want = n - done < 0x40000000u ? n - done : 0x40000000u;
    uv_buf_t b = uv_buf_init((char *)out + done, (unsigned)want);
    int r = uv_fs_read(NULL, &req, seg->fd, &b, 1, seg->offset + (int64_t)(pos + done), NULL);
    uv_fs_req_cleanup(&req);
    if (r <= 0) break; /* an error, or the file is shorter than the segment */
    done += (size_t)r;
  }
  return done;
}

size_t evbuffer_file_read_(const struct evbuffer_chunk *c, size_t pos, void *out, size_t n) {
  return read_at(c->u.seg, c->misalign + pos, out, n);
}

int evbuffer_file_load_(struct evbuffer *buf, struct evbuffer_chunk *c, size_t pos) {
  unsigned char *mem;
  size_t len;
  if (pos > 0 && (c = split(buf, c, pos)) == NULL) return -1;
  if (evbuffer_file_map_(buf, c) == 0) return 0;
  len = c->off < EVBUFFER_FILE_WINDOW ? c->off : EVBUFFER_FILE_WINDOW;
  mem = uvbev_malloc_(len);
  if (mem == NULL) return -1;
  if (read_at(c->u.seg, c->misalign, mem, len) != len) {
    uvbev_free_(mem);
    return -1;
  }
  return evbuffer_file_fill_(buf, c, mem, len, 0, 0);
}

int evbuffer_add_chunk_bytes_(struct evbuffer *dst, const struct evbuffer_chunk *c, size_t n) {
  struct evbuffer_chunk *f;
  if (c->kind != EVBUFFER_CHUNK_FILE) return evbuffer_add_raw_(dst, c->mem + c->misalign, n);
  f = evbuffer_file_chunk_new_(c->u.seg, c->misalign, n);
  if (f == NULL) return -1;
  evbuffer_chain_append_(dst, f);
  dst->total_len += n;
  dst->n_added_cb += n;
  return 0;
}

/* The FILE chunk at the front of buf if the system may send it from the
 * file (sendfile, TransmitFile), else NULL. */
static struct evbuffer_chunk *front_to_send(struct evbuffer *buf, size_t max) {
  struct evbuffer_chunk *c = buf->first;
  if (c == NULL || c->off == 0 || c->kind != EVBUFFER_CHUNK_FILE || buf->freeze_start ||
      buf->pin_open || buf->uv_reserved || (c->u.seg->flags & EVBUF_FS_DISABLE_SENDFILE) ||
      max == 0)
    return NULL;
  return c;
}

int evbuffer_front_is_file_(struct evbuffer *buf) {
  int r;
  EVBUFFER_LOCK(buf);
  r = front_to_send(buf, 1) != NULL;
  EVBUFFER_UNLOCK(buf);
  return r;
}

int evbuffer_sendfile_(struct evbuffer *buf, evutil_socket_t fd, size_t max) {
  struct evbuffer_chunk *c;
  int r = UV_ENOSYS;
  EVBUFFER_LOCK(buf);
  if ((c = front_to_send(buf, max)) == NULL) goto done;
  r = uvbev_fd_sendfile_(fd, c->u.seg->fd, c->u.seg->offset + (int64_t)c->misalign,
                         c->off < max ? c->off : max);
  if (r > 0) {
    evbuffer_drain_raw_(buf, (size_t)r);
    evbuffer_invoke_cbs_(buf);
  }
done:
  EVBUFFER_UNLOCK(buf);
  return r;
}

/* A pin of no chunk (evbuffer_uv.c's pin, with no chunk flagged): the
 * system reads the bytes from the file, so no memory is held, while the
 * pin's accounting still applies: what the user removes meanwhile is
 * counted (op.pin.remaining), nothing goes before the bytes, and the unpin
 * drains what was sent and is still there. */
size_t evbuffer_file_pin_(struct evbuffer *buf, size_t max, struct evbuffer_file_segment **seg,
                          int *fd, int64_t *offset) {
  struct evbuffer_chunk *c;
  size_t n = 0;
  EVBUFFER_LOCK(buf);
  if ((c = front_to_send(buf, max)) != NULL) {
    n = c->off < max ? c->off : max;
    *seg = c->u.seg;
    *fd = c->u.seg->fd;
    *offset = c->u.seg->offset + (int64_t)c->misalign;
    evbuffer_segment_incref_(c->u.seg);
    buf->pin_open = 1;
    buf->pin_chunks = 0;
    buf->op.pin.total = n;
    buf->op.pin.remaining = n;
  }
  EVBUFFER_UNLOCK(buf);
  return n;
}

size_t evbuffer_file_write_cap_(const struct evbuffer *buf, size_t want) {
  const struct evbuffer_chunk *c;
  size_t seen = 0;
  for (c = buf->first; c != NULL && c->off > 0 && seen < want; c = c->next) {
    if (c->kind == EVBUFFER_CHUNK_FILE) {
      seen += c->off < EVBUFFER_FILE_WINDOW ? c->off : EVBUFFER_FILE_WINDOW;
      break;
    }
    seen += c->off;
  }
  return seen < want ? seen : want;
}
