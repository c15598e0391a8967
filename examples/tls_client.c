/* SPDX-License-Identifier: MIT */
/* A TLS client in a few lines with uvbev's helper (<uvbev/ssl.h>): the server
 * certificate is verified against the system trust store (or --ca FILE) and
 * the host name; SNI is sent.
 *
 *   tls_client HOST PORT [--ca FILE]
 *
 * Sends what it reads on stdin, then closes the TLS session cleanly
 * (close_notify); writes what the server sends to stdout.  Exits 0 when the
 * server closes cleanly, 1 on any error (the reason on stderr). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <uvbev/ssl.h>

static int status = 1;

static void on_read(struct bufferevent *bev, void *arg) {
  struct evbuffer *in = bufferevent_get_input(bev);
  (void)arg;
  while (evbuffer_get_length(in) > 0) {
    char buf[16384];
    int n = evbuffer_remove(in, buf, sizeof(buf));
    if (n > 0) fwrite(buf, 1, (size_t)n, stdout);
  }
}

static void on_event(struct bufferevent *bev, short what, void *arg) {
  char reason[256];
  (void)arg;
  if (what & BEV_EVENT_CONNECTED) {
    fprintf(stderr, "tls_client: connected, %s\n",
            SSL_get_version(bufferevent_openssl_get_ssl(bev)));
    return;
  }
  if (what & BEV_EVENT_EOF) {
    on_read(bev, NULL);
    status = 0;
  } else if (what & BEV_EVENT_ERROR) {
    uvbev_ssl_describe_error(bev, reason, sizeof(reason));
    fprintf(stderr, "tls_client: error: %s (%s)\n", reason,
            evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
  } else if (what & BEV_EVENT_TIMEOUT) {
    fprintf(stderr, "tls_client: timed out\n");
  }
  event_base_loopexit(bufferevent_get_base(bev), NULL);
}

int main(int argc, char **argv) {
  struct uvbev_ssl_client_config cfg;
  struct event_base *base;
  struct bufferevent *bev;
  struct timeval idle = {30, 0};
  char buf[16384];
  size_t n;
#ifndef _WIN32
  signal(SIGPIPE, SIG_IGN);
#endif
  if (argc != 3 && !(argc == 5 && strcmp(argv[3], "--ca") == 0)) {
    fprintf(stderr, "usage: %s HOST PORT [--ca FILE]\n", argv[0]);
    return 2;
  }
  memset(&cfg, 0, sizeof(cfg));
  if (argc == 5) cfg.ca_file = argv[4];
  base = event_base_new();
  bev = base ? uvbev_ssl_client_connect(base, NULL, argv[1], atoi(argv[2]), &cfg, 0) : NULL;
  if (!bev) {
    fprintf(stderr, "tls_client: cannot start (bad arguments or TLS setup)\n");
    if (base) event_base_free(base);
    return 1;
  }
  bufferevent_setcb(bev, on_read, NULL, on_event, NULL);
  bufferevent_set_timeouts(bev, &idle, &idle);
  bufferevent_enable(bev, EV_READ | EV_WRITE);
  /* Queued now, sent once the handshake has completed. */
  while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
    bufferevent_write(bev, buf, n);
  uvbev_ssl_shutdown(bev); /* close_notify after the data */
  event_base_dispatch(base);
  bufferevent_free(bev);
  event_base_free(base);
  fflush(stdout);
  return status;
}
