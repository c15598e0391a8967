/* SPDX-License-Identifier: MIT */
/* The pre-2.0 bufferevent functions, on top of the current ones. */
#include "bufferevent-internal.h"
#include "event2/bufferevent_compat.h"

struct bufferevent *bufferevent_new(evutil_socket_t fd, evbuffercb readcb, evbuffercb writecb,
                                    everrorcb errorcb, void *cbarg) {
  struct event_base *base = uvbev_current_base_();
  struct bufferevent *bev;
  if (!base)
    return NULL;
  bev = bufferevent_socket_new(base, fd, 0);
  if (bev)
    bufferevent_setcb(bev, readcb, writecb, errorcb, cbarg);
  return bev;
}

void bufferevent_settimeout(struct bufferevent *bev, int timeout_read, int timeout_write) {
  struct timeval tv_read = {0, 0}, tv_write = {0, 0};
  tv_read.tv_sec = timeout_read > 0 ? timeout_read : 0;
  tv_write.tv_sec = timeout_write > 0 ? timeout_write : 0;
  bufferevent_set_timeouts(bev, &tv_read, &tv_write);
}
