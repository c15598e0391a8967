/* SPDX-License-Identifier: MIT */
/* Evbuffers stored inside a bufferevent's memory block (its input and
 * output), so that a bufferevent is one allocation.
 *
 * Lifetime rule.  An evbuffer's references beyond the user's (a queued
 * deferred callback run, a file window loading: evbuffer-internal.h) would
 * let it outlive the block it lives in.  So an embedded buffer's extra
 * references each hold a reference on its bufferevent too: taken when the
 * buffer's count goes above one, dropped (after the buffer's lock is
 * released) when it comes back down.  The bufferevent therefore reaches its
 * last reference only once its buffers hold nothing but the user's one, and
 * frees them with the block.  evbuffer_free on an embedded buffer (a user
 * error) releases what it holds and leaves it empty and usable.
 *
 * The output of a bufferevent also reports added bytes to the core
 * directly (bev_core_buffer_changed_), after its callback entries, instead
 * of through an entry of its own: one allocation less per bufferevent, and
 * an entry evbuffer_setcb cannot remove.
 */
#ifndef UVBEV_EVBUFFER_EMBED_INTERNAL_H_
#define UVBEV_EVBUFFER_EMBED_INTERNAL_H_

#include <stddef.h>

#include "event2/buffer.h"

/* Room for a struct evbuffer (evbuffer.c checks that it fits), aligned for
 * pointers and sizes. */
#define EVBUFFER_EMBED_SIZE_ 112
struct evbuffer_embed_ {
  union {
    void *align_p;
    size_t align_z;
    unsigned char bytes[EVBUFFER_EMBED_SIZE_];
  } u;
};

/* Which buffer of its bufferevent an embedded buffer is. */
#define EVBUFFER_EMBED_INPUT_ 1u
#define EVBUFFER_EMBED_OUTPUT_ 2u

/* Makes an empty buffer in `store` (zeroed or not) and returns it. */
struct evbuffer *evbuffer_embed_init_(struct evbuffer_embed_ *store, unsigned which);
/* The block holding buf goes (no extra reference left): releases what buf
 * holds, and its lock if it made one (evbuffer_enable_locking(buf, NULL)). */
void evbuffer_embed_free_(struct evbuffer *buf);

/* ---- implemented by the bufferevent core (bufferevent.c), called by the
 * evbuffer files for an embedded buffer `which` ------------------------------- */

/* The buffer took an extra reference: take one on the bufferevent. */
void bev_core_buffer_hold_(struct evbuffer *buf, unsigned which);
/* The buffer dropped an extra reference (its lock released): drop the
 * bufferevent's, which may free the block holding buf. */
void bev_core_buffer_unhold_(struct evbuffer *buf, unsigned which);
/* The output's callbacks ran for `info` (its lock held). */
void bev_core_buffer_changed_(struct evbuffer *buf, const struct evbuffer_cb_info *info);

#endif
