/* SPDX-License-Identifier: MIT */
/* event_base_init_common_timeout: per-base named durations.
 *
 * libevent hands out a timeval whose tv_usec carries a marker, the index of
 * the duration in the base's table and the microseconds, so that event_add
 * recognises it, and its regression suite checks that encoding.  uvbev
 * keeps it: the values and the pointers are the same as libevent's (one
 * table entry per distinct duration, stable for the base's life, at most
 * 256).  libuv's timers need no separate queue for them, so event_add just
 * decodes the duration. */
#include <stdlib.h>

#include "mm-internal.h"
#include "base-internal.h"
#include "log-internal.h"
#include "thread-internal.h"

#define CT_MAGIC 0x50000000
#define CT_MAGIC_MASK 0xf0000000
#define CT_IDX_MASK 0x0ff00000
#define CT_IDX_SHIFT 20
#define CT_USEC_MASK 0x000fffff
#define CT_MAX 256

struct uvbev_common_timeouts {
  int n;
  struct timeval tv[CT_MAX]; /* encoded; handed out by address */
};

static int ct_index(const struct timeval *tv) {
  return (int)(((unsigned long)tv->tv_usec & CT_IDX_MASK) >> CT_IDX_SHIFT);
}

static int ct_has_magic(const struct timeval *tv) {
  return ((unsigned long)tv->tv_usec & CT_MAGIC_MASK) == CT_MAGIC;
}

/* The table entry tv names on base, or -1 (call with the lock held). */
static int ct_lookup(struct event_base *base, const struct timeval *tv) {
  struct uvbev_common_timeouts *ct = base->common_timeouts;
  int i;
  if (!ct || !ct_has_magic(tv)) return -1;
  i = ct_index(tv);
  return i < ct->n && ct->tv[i].tv_sec == tv->tv_sec && ct->tv[i].tv_usec == tv->tv_usec ? i : -1;
}

/* The entry for a plain duration, added if new, or -1 (lock held). */
static int ct_find_or_add(struct event_base *base, long sec, long usec) {
  struct uvbev_common_timeouts *ct = base->common_timeouts;
  int i;
  if (!ct) {
    ct = base->common_timeouts = uvbev_calloc_(1, sizeof(*ct));
    if (!ct) return -1;
  }
  for (i = 0; i < ct->n; i++)
    if (ct->tv[i].tv_sec == sec && (ct->tv[i].tv_usec & CT_USEC_MASK) == usec) return i;
  if (ct->n == CT_MAX) {
    uvbev_warn_("event_base_init_common_timeout: too many common timeouts (%d)", CT_MAX);
    return -1;
  }
  ct->tv[i].tv_sec = sec;
  ct->tv[i].tv_usec = usec | CT_MAGIC | ((long)i << CT_IDX_SHIFT);
  ct->n++;
  return i;
}

const struct timeval *event_base_init_common_timeout(struct event_base *base,
                                                     const struct timeval *duration) {
  const struct timeval *result = NULL;
  long sec, usec;
  int i;
  if (!base || !duration || duration->tv_sec < 0) return NULL;
  UVBEV_LOCK(base->lock);
  i = ct_lookup(base, duration);
  if (i < 0 && duration->tv_usec >= 0 && !ct_has_magic(duration)) {
    sec = (long)duration->tv_sec + (long)(duration->tv_usec / 1000000);
    usec = (long)(duration->tv_usec % 1000000);
    i = ct_find_or_add(base, sec, usec);
  }
  if (i >= 0) result = &base->common_timeouts->tv[i];
  UVBEV_UNLOCK(base->lock);
  return result;
}

int uvbev_common_timeout_decode_(struct event_base *base, const struct timeval *tv,
                                 struct timeval *out) {
  int i;
  if (!ct_has_magic(tv)) return 0; /* the usual case: no lock */
  UVBEV_LOCK(base->lock);
  i = ct_lookup(base, tv);
  UVBEV_UNLOCK(base->lock);
  if (i < 0) return 0;
  out->tv_sec = tv->tv_sec;
  out->tv_usec = (long)tv->tv_usec & CT_USEC_MASK;
  return 1;
}

void uvbev_common_timeouts_free_(struct event_base *base) {
  uvbev_free_(base->common_timeouts);
  base->common_timeouts = NULL;
}
