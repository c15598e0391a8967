/* SPDX-License-Identifier: MIT */
/* evbuffer callbacks: registration, flags, suspension, and running them now
 * or from the base's deferred queue (evbuffer_defer_callbacks). */
#include <stdlib.h>

#include "mm-internal.h"
#include "evbuffer-internal.h"

static void call_entry(struct evbuffer *buf, struct evbuffer_cb_entry *e,
                       const struct evbuffer_cb_info *info) {
  if (e->flags & EVBUFFER_CB_OBSOLETE_)
    e->cb.obsolete(buf, info->orig_size, info->orig_size + info->n_added - info->n_deleted, e->arg);
  else
    e->cb.fn(buf, info, e->arg);
}

static void remember_while_suspended(struct evbuffer_cb_entry *e,
                                     const struct evbuffer_cb_info *info) {
  e->susp_added += info->n_added;
  e->susp_deleted += info->n_deleted;
}

/* Runs every enabled callback once for the changes counted so far. */
static void run_callbacks(struct evbuffer *buf) {
  struct evbuffer_cb_info info;
  struct evbuffer_cb_entry *e, *next;
  if (buf->n_added_cb == 0 && buf->n_deleted_cb == 0) return;
  info.n_added = buf->n_added_cb;
  info.n_deleted = buf->n_deleted_cb;
  info.orig_size = buf->total_len + info.n_deleted - info.n_added;
  buf->n_added_cb = buf->n_deleted_cb = 0;
  /* A callback may remove itself (not others) and add callbacks at the head,
   * which this pass does not visit. */
  for (e = buf->callbacks; e != NULL; e = next) {
    next = e->next;
    if (!(e->flags & EVBUFFER_CB_ENABLED)) continue;
    if (e->flags & EVBUFFER_CB_SUSPENDED_)
      remember_while_suspended(e, &info);
    else
      call_entry(buf, e, &info);
  }
  /* A bufferevent's output tells its bufferevent last, where the entry it
   * would otherwise add (the oldest) would run. */
  if (buf->embed == EVBUFFER_EMBED_OUTPUT_) bev_core_buffer_changed_(buf, &info);
}

static void deferred_run(struct uvbev_deferred *d, void *arg) {
  struct evbuffer *buf = arg;
  (void)d;
  EVBUFFER_LOCK(buf);
  run_callbacks(buf);
  evbuffer_decref_and_unlock_(buf);
}

void evbuffer_run_or_defer_cbs_(struct evbuffer *buf) {
  if (buf->n_added_cb == 0 && buf->n_deleted_cb == 0) return;
  if (buf->deferral) {
    if (uvbev_deferred_schedule_(buf->deferral->base, &buf->deferral->d)) evbuffer_incref_(buf);
  } else
    run_callbacks(buf);
}

static void free_entries(struct evbuffer *buf) {
  while (buf->callbacks != NULL) {
    struct evbuffer_cb_entry *e = buf->callbacks;
    buf->callbacks = e->next;
    uvbev_free_(e);
  }
}

void evbuffer_cbs_free_(struct evbuffer *buf) {
  free_entries(buf);
  uvbev_free_(buf->deferral); /* not queued: a queued run holds a reference */
  buf->deferral = NULL;
}

int evbuffer_defer_callbacks(struct evbuffer *buf, struct event_base *base) {
  int cancelled = 0;
  if (buf == NULL || base == NULL) return -1;
  EVBUFFER_LOCK(buf);
  if (buf->deferral == NULL) {
    buf->deferral = uvbev_malloc_(sizeof(*buf->deferral));
    if (buf->deferral == NULL) {
      EVBUFFER_UNLOCK(buf);
      return -1;
    }
  } else
    cancelled = uvbev_deferred_cancel_(buf->deferral->base, &buf->deferral->d);
  buf->deferral->base = base;
  uvbev_deferred_init_(&buf->deferral->d, deferred_run, buf);
  if (cancelled) {
    evbuffer_decref_and_unlock_(buf); /* the run's; the user still holds one */
    return 0;
  }
  EVBUFFER_UNLOCK(buf);
  return 0;
}

static struct evbuffer_cb_entry *add_entry(struct evbuffer *buf, uint32_t flags) {
  struct evbuffer_cb_entry *e = uvbev_calloc_(1, sizeof(*e));
  if (e == NULL) return NULL;
  e->flags = flags;
  /* Newest first, as libevent. */
  e->next = buf->callbacks;
  buf->callbacks = e;
  return e;
}

struct evbuffer_cb_entry *evbuffer_add_cb(struct evbuffer *buf, evbuffer_cb_func cb, void *cbarg) {
  struct evbuffer_cb_entry *e;
  if (buf == NULL || cb == NULL) return NULL;
  EVBUFFER_LOCK(buf);
  e = add_entry(buf, EVBUFFER_CB_ENABLED);
  if (e != NULL) {
    e->cb.fn = cb;
    e->arg = cbarg;
  }
  EVBUFFER_UNLOCK(buf);
  return e;
}

/* Takes ent out of the list and frees it.  Returns 0, or -1 if ent is not
 * one of buf's entries (a user error that must not crash). */
static int free_entry(struct evbuffer *buf, struct evbuffer_cb_entry *ent) {
  struct evbuffer_cb_entry **link;
  for (link = &buf->callbacks; *link != NULL; link = &(*link)->next) {
    if (*link == ent) {
      *link = ent->next;
      uvbev_free_(ent);
      return 0;
    }
  }
  return -1;
}

int evbuffer_remove_cb_entry(struct evbuffer *buf, struct evbuffer_cb_entry *ent) {
  int r = -1;
  if (buf == NULL || ent == NULL) return -1;
  EVBUFFER_LOCK(buf);
  r = free_entry(buf, ent);
  EVBUFFER_UNLOCK(buf);
  return r;
}

int evbuffer_remove_cb(struct evbuffer *buf, evbuffer_cb_func cb, void *cbarg) {
  struct evbuffer_cb_entry *e;
  int r = -1;
  if (buf == NULL) return -1;
  EVBUFFER_LOCK(buf);
  for (e = buf->callbacks; e != NULL; e = e->next) {
    if (!(e->flags & EVBUFFER_CB_OBSOLETE_) && e->cb.fn == cb && e->arg == cbarg) {
      r = free_entry(buf, e);
      break;
    }
  }
  EVBUFFER_UNLOCK(buf);
  return r;
}

/* Only the public flag bits may be changed by users. */
static int change_flags(struct evbuffer *buf, struct evbuffer_cb_entry *cb, uint32_t flags,
                        int set) {
  if (buf == NULL || cb == NULL) return -1;
  flags &= EVBUFFER_CB_ENABLED;
  EVBUFFER_LOCK(buf);
  if (set)
    cb->flags |= flags;
  else
    cb->flags &= ~flags;
  EVBUFFER_UNLOCK(buf);
  return 0;
}

int evbuffer_cb_set_flags(struct evbuffer *buf, struct evbuffer_cb_entry *cb, ev_uint32_t flags) {
  return change_flags(buf, cb, flags, 1);
}

int evbuffer_cb_clear_flags(struct evbuffer *buf, struct evbuffer_cb_entry *cb, ev_uint32_t flags) {
  return change_flags(buf, cb, flags, 0);
}

void evbuffer_cb_suspend(struct evbuffer *buf, struct evbuffer_cb_entry *cb) {
  if (buf == NULL || cb == NULL) return;
  EVBUFFER_LOCK(buf);
  if (!(cb->flags & EVBUFFER_CB_SUSPENDED_)) {
    cb->flags |= EVBUFFER_CB_SUSPENDED_;
    cb->susp_added = cb->susp_deleted = 0;
  }
  EVBUFFER_UNLOCK(buf);
}

void evbuffer_cb_unsuspend(struct evbuffer *buf, struct evbuffer_cb_entry *cb) {
  struct evbuffer_cb_info info;
  if (buf == NULL || cb == NULL) return;
  EVBUFFER_LOCK(buf);
  if (cb->flags & EVBUFFER_CB_SUSPENDED_) {
    cb->flags &= ~EVBUFFER_CB_SUSPENDED_;
    info.n_added = cb->susp_added;
    info.n_deleted = cb->susp_deleted;
    /* Every change counts once, in the entry or still pending in the buffer
     * (as run_callbacks assumes): undo both (modulo SIZE_MAX + 1, exact). */
    info.orig_size =
        buf->total_len - buf->n_added_cb + buf->n_deleted_cb - info.n_added + info.n_deleted;
    cb->susp_added = cb->susp_deleted = 0;
    if ((info.n_added != 0 || info.n_deleted != 0) && (cb->flags & EVBUFFER_CB_ENABLED))
      call_entry(buf, cb, &info);
  }
  EVBUFFER_UNLOCK(buf);
}

int evbuffer_setcb(struct evbuffer *buf, evbuffer_cb cb, void *cbarg) {
  if (buf == NULL) return -1;
  EVBUFFER_LOCK(buf);
  free_entries(buf);
  if (cb != NULL) {
    struct evbuffer_cb_entry *e = add_entry(buf, EVBUFFER_CB_ENABLED | EVBUFFER_CB_OBSOLETE_);
    if (e == NULL) {
      EVBUFFER_UNLOCK(buf);
      return -1;
    }
    e->cb.obsolete = cb;
    e->arg = cbarg;
  }
  EVBUFFER_UNLOCK(buf);
  return 0;
}
