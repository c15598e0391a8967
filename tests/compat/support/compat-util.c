#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <signal.h>
#include <cmocka.h>

#include "compat-util.h"

void cu_ignore_sigpipe(void) {
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
}

int cu_listen_loopback(evutil_socket_t *fd_out) {
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(sin);
  evutil_socket_t fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd == EVUTIL_INVALID_SOCKET) return -1;
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001);
  if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 16) != 0 ||
      getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
    evutil_closesocket(fd);
    return -1;
  }
  *fd_out = fd;
  return ntohs(sin.sin_port);
}

int cu_tcp_pair(evutil_socket_t sv[2]) {
  struct sockaddr_in sin;
  evutil_socket_t listener, a, b;
  int port = cu_listen_loopback(&listener);
  if (port < 0) return -1;
  a = socket(AF_INET, SOCK_STREAM, 0);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001);
  sin.sin_port = htons((unsigned short)port);
  if (a == EVUTIL_INVALID_SOCKET || connect(a, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
    evutil_closesocket(listener);
    if (a != EVUTIL_INVALID_SOCKET) evutil_closesocket(a);
    return -1;
  }
  b = accept(listener, NULL, NULL);
  evutil_closesocket(listener);
  if (b == EVUTIL_INVALID_SOCKET) {
    evutil_closesocket(a);
    return -1;
  }
  sv[0] = a;
  sv[1] = b;
  return 0;
}

static void on_safety_timeout(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  fail_msg("safety timeout: the test did not finish in %d ms", *(int *)arg);
}

struct event *cu_safety_timeout(struct event_base *base, int ms) {
  static int last_ms;
  struct timeval tv;
  struct event *ev;
  last_ms = ms;
  ev = evtimer_new(base, on_safety_timeout, &last_ms);
  tv.tv_sec = ms / 1000;
  tv.tv_usec = (ms % 1000) * 1000;
  if (ev) evtimer_add(ev, &tv);
  return ev;
}

long cu_now_ms(void) {
  struct timeval tv;
  evutil_gettimeofday(&tv, NULL);
  return (long)tv.tv_sec * 1000 + (long)(tv.tv_usec / 1000);
}
