/* SPDX-License-Identifier: MIT */
/* File segments on the socket write path.  The output may hold file
 * segments not read yet (evbuffer_add_file): a pin stops before them, and
 * reading them on the loop thread could block it on the disk.  So each time
 * the writer pins, it asks the output to read the next window on libuv's
 * thread pool (evbuffer_uv_load_ahead_), while the pinned bytes are written;
 * when the window is in, writing resumes through the reconcile deferred.
 * The load holds a reference on the bufferevent, as a pending write does. */
#include "bev_socket-internal.h"
#include "evbuffer-uv-internal.h"
#include "event-internal.h"

/* How far ahead of the front a window is read: the next one or two while
 * one is written, so that the disk and the socket work at once while a
 * sender holds at most a few windows of the file. */
#define BEV_SOCKET_FILE_AHEAD (512 * 1024)

static void on_file_loaded(void *arg, int status) {
  struct bev_socket *s = arg;
  struct bufferevent *bev = &s->p.bev;
  bev_core_incref_and_lock_(bev);
  if (!s->p.freed) {
    if (status < 0)
      bev_socket_write_failed_(s, status); /* the file could not be read */
    else
      bev_core_reconcile_later_(bev, BEV_RC_OUTPUT);
  }
  bev_core_decref_and_unlock_(bev);
  bev_core_decref_(bev); /* the load's */
}

int bev_socket_file_ahead_(struct bev_socket *s) {
  struct bufferevent *bev = &s->p.bev;
  int r = evbuffer_uv_load_ahead_(bev->output, uvbev_base_loop_(bev->ev_base),
                                  BEV_SOCKET_FILE_AHEAD, on_file_loaded, s);
  if (r == 1) bev_core_incref_(bev);
  return r < 0 ? r : 0;
}
