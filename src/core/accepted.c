/* SPDX-License-Identifier: MIT */
/* The accepted-handle registry (accepted-internal.h): process-wide list of
 * (base, fd, handle), locked by one mutex created on first use. */
#include <stdlib.h>

#include "mm-internal.h"
#include "accepted-internal.h"
#include "event-internal.h"
#include "list-internal.h"

struct accepted {
  struct uvbev_list node;
  struct event_base *base;
  evutil_socket_t fd;
  uv_stream_t *handle;
};

static uv_once_t once_ = UV_ONCE_INIT;
static uv_mutex_t mutex_;
static struct uvbev_list registry_;

static void registry_init(void) {
  uv_mutex_init(&mutex_);
  uvbev_list_init(&registry_);
}

static void on_closed(uv_handle_t *h) {
  uvbev_free_(h);
}

/* Finds and unlinks the entry for fd (and base, unless NULL); caller holds
 * the mutex. */
static struct accepted *registry_remove(struct event_base *base, evutil_socket_t fd) {
  struct uvbev_list *n;
  for (n = registry_.next; n != &registry_; n = n->next) {
    struct accepted *a = UVBEV_CONTAINER_OF(n, struct accepted, node);
    if (a->fd == fd && (!base || a->base == base)) {
      uvbev_list_remove(&a->node);
      return a;
    }
  }
  return NULL;
}

int uvbev_accepted_put_(struct event_base *base, evutil_socket_t fd, uv_stream_t *handle) {
  struct accepted *a = uvbev_malloc_(sizeof(*a));
  if (!a) return -1;
  uv_once(&once_, registry_init);
  a->base = base;
  a->fd = fd;
  a->handle = handle;
  uv_mutex_lock(&mutex_);
  uvbev_list_insert_tail(&registry_, &a->node);
  uv_mutex_unlock(&mutex_);
  return 0;
}

uv_stream_t *uvbev_accepted_take_(struct event_base *base, evutil_socket_t fd) {
  struct accepted *a;
  uv_stream_t *h = NULL;
  uv_once(&once_, registry_init);
  uv_mutex_lock(&mutex_);
  a = registry_remove(base, fd);
  uv_mutex_unlock(&mutex_);
  if (a) {
    h = a->handle;
    uvbev_free_(a);
  }
  return h;
}

int uvbev_accepted_close_(evutil_socket_t fd) {
  struct accepted *a;
  uv_once(&once_, registry_init);
  uv_mutex_lock(&mutex_);
  a = registry_remove(NULL, fd);
  uv_mutex_unlock(&mutex_);
  if (!a) return 0;
  uvbev_base_close_handle_(a->base, (uv_handle_t *)a->handle, on_closed);
  uvbev_free_(a);
  return 1;
}

void uvbev_accepted_close_all_(struct event_base *base) {
  uv_once(&once_, registry_init);
  for (;;) {
    struct uvbev_list *n;
    struct accepted *found = NULL;
    uv_mutex_lock(&mutex_);
    for (n = registry_.next; n != &registry_; n = n->next) {
      struct accepted *a = UVBEV_CONTAINER_OF(n, struct accepted, node);
      if (a->base == base) {
        uvbev_list_remove(&a->node);
        found = a;
        break;
      }
    }
    uv_mutex_unlock(&mutex_);
    if (!found) break;
    uvbev_base_close_handle_(base, (uv_handle_t *)found->handle, on_closed);
    uvbev_free_(found);
  }
}
