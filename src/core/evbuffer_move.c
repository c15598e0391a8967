/* SPDX-License-Identifier: MIT */
/* Moving bytes between evbuffers by moving chunks (add_buffer, remove_buffer,
 * prepend_buffer) and sharing them (add_buffer_reference).  Payload bytes are
 * copied only for the partial chunk at the end of a remove_buffer, or bytes
 * pinned by the socket layer (which must stay where libuv is reading them);
 * unread bytes of a file segment are not read then: dst shares the segment.
 * Whole chunks always move, however small, as in libevent: evbuffer_peek
 * sees the same extents, and a reference chunk keeps its cleanup for when
 * its bytes are really gone. */
#include <string.h>

#include "evbuffer-internal.h"

/* Locks two buffers in address order, so that two threads moving bytes in
 * opposite directions cannot deadlock. */
static void lock2(struct evbuffer *a, struct evbuffer *b) {
  if (a->lock == b->lock || b->lock == NULL) {
    EVBUFFER_LOCK(a);
  } else if (a->lock == NULL) {
    EVBUFFER_LOCK(b);
  } else if ((uintptr_t)a->lock < (uintptr_t)b->lock) {
    EVBUFFER_LOCK(a);
    EVBUFFER_LOCK(b);
  } else {
    EVBUFFER_LOCK(b);
    EVBUFFER_LOCK(a);
  }
}

static void unlock2(struct evbuffer *a, struct evbuffer *b) {
  EVBUFFER_UNLOCK(a);
  if (a->lock != b->lock) EVBUFFER_UNLOCK(b);
}

/* Links the list head..tail (all holding data) after dst's last data, before
 * its free chunks.  Lengths are the caller's business. */
static void link_after_data(struct evbuffer *dst, struct evbuffer_chunk *head,
                            struct evbuffer_chunk *tail) {
  struct evbuffer_chunk *after = dst->last_data != NULL ? dst->last_data->next : dst->first;
  if (dst->last_data != NULL)
    dst->last_data->next = head;
  else
    dst->first = head;
  tail->next = after;
  if (after == NULL) dst->last = tail;
  dst->last_data = tail;
}

/* Splices the chunks src->first..end (all holding data) out of src and after
 * dst's last data. */
static void splice_front_to_tail(struct evbuffer *dst, struct evbuffer *src,
                                 struct evbuffer_chunk *end) {
  struct evbuffer_chunk *head = src->first;
  src->first = end->next;
  if (src->last == end) src->last = NULL;
  if (src->last_data == end) src->last_data = NULL;
  link_after_data(dst, head, end);
}

/* A buffer whose chunks all moved away has no room left for its next add or
 * read: it takes the receiver's free chunk, when there is one, so that a
 * buffer moved into and then drained (bufferevent_read_buffer, pairs) and
 * the one it came from need no malloc in steady state.  Free chunks are not
 * data: peek and the other extents libevent shows do not change. */
static void hand_over_spare(struct evbuffer *dst, struct evbuffer *src) {
  struct evbuffer_chunk *prev = dst->last_data;
  struct evbuffer_chunk *c = prev != NULL ? prev->next : dst->first;
  if (c == NULL || !evbuffer_chunk_can_move_(c) || (dst->uv_reserved && dst->op.uv.chunk == c)) return;
  if (src->last != NULL && (src->last->off == 0 || evbuffer_chunk_tail_space_(src->last) > 0))
    return;
  if (prev != NULL)
    prev->next = c->next;
  else
    dst->first = c->next;
  if (dst->last == c) dst->last = prev;
  c->misalign = 0;
  evbuffer_chain_append_(src, c);
}

/* Copies n bytes from src's front to dst's end and drains them from src:
 * the path for pinned bytes.  Returns 0 or -1. */
static int copy_front(struct evbuffer *dst, struct evbuffer *src, size_t n) {
  struct evbuffer_chunk *c = src->first;
  size_t left = n;
  while (left > 0) {
    size_t k = c->off < left ? c->off : left;
    if (evbuffer_add_chunk_bytes_(dst, c, k) < 0) return -1;
    left -= k;
    c = c->next;
  }
  evbuffer_drain_raw_(src, n);
  return 0;
}

/* While libuv writes some of buf's chunks, they must not change buffer. */
static int must_copy_out(const struct evbuffer *buf) {
  return buf->pin_open;
}

/* Moves the first n bytes (0 < n <= src->total_len) of src to dst's end. */
static int move_front(struct evbuffer *dst, struct evbuffer *src, size_t n) {
  struct evbuffer_chunk *c, *end = NULL;
  size_t whole = 0;
  if (must_copy_out(src)) return copy_front(dst, src, n);
  if (n == src->total_len) {
    end = src->last_data; /* everything: no walk */
    whole = n;
  } else {
    for (c = src->first; c != NULL && c->off > 0 && whole + c->off <= n; c = c->next) {
      whole += c->off;
      end = c;
    }
  }
  if (end != NULL) {
    splice_front_to_tail(dst, src, end);
    hand_over_spare(dst, src);
    evbuffer_count_removed_(src, whole);
    dst->total_len += whole;
    dst->n_added_cb += whole;
  }
  if (n > whole) {
    if (evbuffer_add_chunk_bytes_(dst, src->first, n - whole) < 0) return -1;
    evbuffer_drain_raw_(src, n - whole);
  }
  return 0;
}

int evbuffer_add_buffer(struct evbuffer *outbuf, struct evbuffer *inbuf) {
  int r = -1;
  if (outbuf == NULL || inbuf == NULL) return -1;
  if (outbuf == inbuf) return 0; /* as libevent */
  lock2(outbuf, inbuf);
  if (inbuf->total_len == 0) {
    r = 0; /* even when frozen, as libevent */
  } else if (!inbuf->freeze_start && !outbuf->freeze_end) {
    r = move_front(outbuf, inbuf, inbuf->total_len);
    evbuffer_invoke_cbs_(inbuf);
    evbuffer_invoke_cbs_(outbuf);
  }
  unlock2(outbuf, inbuf);
  return r;
}

int evbuffer_remove_buffer(struct evbuffer *src, struct evbuffer *dst, size_t datlen) {
  int r = -1;
  if (src == NULL || dst == NULL) return -1;
  if (src == dst || datlen == 0) return 0; /* even when frozen, as libevent */
  lock2(src, dst);
  if (!src->freeze_start && !dst->freeze_end) {
    if (datlen > src->total_len) datlen = src->total_len;
    if (datlen > (size_t)EV_INT32_MAX) datlen = (size_t)EV_INT32_MAX;
    r = datlen == 0 ? 0 : move_front(dst, src, datlen);
    if (r == 0) r = (int)datlen;
    evbuffer_invoke_cbs_(src);
    evbuffer_invoke_cbs_(dst);
  }
  unlock2(src, dst);
  return r;
}

/* Moves every data chunk of src before dst's first chunk. */
static void splice_all_to_front(struct evbuffer *dst, struct evbuffer *src) {
  struct evbuffer_chunk *end = src->last_data;
  struct evbuffer_chunk *head = src->first;
  src->first = end->next;
  if (src->last == end) src->last = NULL;
  src->last_data = NULL;
  end->next = dst->first;
  dst->first = head;
  if (dst->last == NULL) dst->last = end;
  if (dst->last_data == NULL) dst->last_data = end;
}

static int prepend_copy(struct evbuffer *dst, struct evbuffer *src) {
  size_t n = src->total_len;
  struct evbuffer_chunk *c = evbuffer_chunk_new_(n);
  if (c == NULL) return -1;
  if (evbuffer_copy_from_(src->first, 0, c->mem, n) < n) { /* an unreadable file */
    evbuffer_chunk_release_(c);
    return -1;
  }
  c->off = n;
  evbuffer_chain_prepend_(dst, c);
  evbuffer_drain_raw_(src, n);
  return 0;
}

/* Moves all n bytes of src before dst's data. */
static int prepend_all(struct evbuffer *dst, struct evbuffer *src, size_t n) {
  if (dst->total_len == 0) return move_front(dst, src, n);
  if (must_copy_out(src)) {
    if (prepend_copy(dst, src) < 0) return -1;
  } else {
    splice_all_to_front(dst, src);
    hand_over_spare(dst, src);
    evbuffer_count_removed_(src, n);
  }
  dst->total_len += n;
  dst->n_added_cb += n;
  return 0;
}

int evbuffer_prepend_buffer(struct evbuffer *dst, struct evbuffer *src) {
  int r = 0;
  if (dst == NULL || src == NULL) return -1;
  if (dst == src) return 0; /* as libevent */
  lock2(dst, src);
  if (src->total_len == 0) /* 0 even when frozen, as libevent */
    goto done;
  if (src->freeze_start || dst->freeze_start || evbuffer_front_is_writing_(dst)) {
    r = -1;
    goto done;
  }
  r = prepend_all(dst, src, src->total_len);
  evbuffer_invoke_cbs_(src);
  evbuffer_invoke_cbs_(dst);
done:
  unlock2(dst, src);
  return r;
}

/* A chunk that shares the data of c. */
static struct evbuffer_chunk *view_of(struct evbuffer_chunk *c) {
  struct evbuffer_chunk *v =
      evbuffer_chunk_new_foreign_(EVBUFFER_CHUNK_VIEW, c->mem + c->misalign, c->off);
  if (v == NULL) return NULL;
  v->u.parent = c;
  c->refcnt++;
  return v;
}

/* As libevent: bytes that are themselves shared (views of another buffer,
 * file segments) cannot be referenced again, which also refuses cycles. */
static int can_reference(const struct evbuffer *buf) {
  const struct evbuffer_chunk *c;
  for (c = buf->first; c != NULL && c->off > 0; c = c->next)
    if (c->kind == EVBUFFER_CHUNK_VIEW || c->kind == EVBUFFER_CHUNK_SEGMENT ||
        c->kind == EVBUFFER_CHUNK_FILE)
      return 0;
  return 1;
}

static void release_chunks(struct evbuffer_chunk *c) {
  while (c != NULL) {
    struct evbuffer_chunk *next = c->next;
    evbuffer_chunk_release_(c);
    c = next;
  }
}

int evbuffer_add_buffer_reference(struct evbuffer *outbuf, struct evbuffer *inbuf) {
  struct evbuffer_chunk *c, *head = NULL, *tail = NULL;
  size_t n;
  int r = -1;
  if (outbuf == NULL || inbuf == NULL) return -1;
  lock2(outbuf, inbuf);
  n = inbuf->total_len;
  if (n == 0) { /* 0 even for itself or frozen, as libevent */
    r = 0;
    goto done;
  }
  if (outbuf->freeze_end || outbuf == inbuf || !can_reference(inbuf)) goto done;
  for (c = inbuf->first; c != NULL && c->off > 0; c = c->next) {
    struct evbuffer_chunk *v = view_of(c);
    if (v == NULL) {
      release_chunks(head);
      goto done;
    }
    if (tail != NULL)
      tail->next = v;
    else
      head = v;
    tail = v;
  }
  r = 0;
  if (head != NULL) {
    link_after_data(outbuf, head, tail);
    outbuf->total_len += n;
    outbuf->n_added_cb += n;
    evbuffer_invoke_cbs_(outbuf);
  }
done:
  unlock2(outbuf, inbuf);
  return r;
}
