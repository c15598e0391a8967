/* SPDX-License-Identifier: MIT */
/* The minimal IPv4 client of the bufferevent notes in
 * /work/shared/seeds/003 ("最小可用示例"), API use unchanged: connect with
 * read/write timeouts, send an HTTP/1.1 request on CONNECTED, print the
 * answer, free on EOF/error/timeout.  The port (8080 in the original) may be
 * given as the first argument.  SIGPIPE is ignored, as every program that
 * writes to sockets should (the library leaves signal dispositions alone). */
#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include <event2/util.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

static void read_cb(struct bufferevent* bev, void* ctx) {
    char buf[4096];
    size_t n;
    (void)ctx;
    while ((n = bufferevent_read(bev, buf, sizeof(buf))) > 0) {
        fwrite(buf, 1, n, stdout);
    }
}

static void event_cb(struct bufferevent* bev, short what, void* ctx) {
    (void)ctx;
    if (what & BEV_EVENT_CONNECTED) {
        printf("[OK] connected\n");
        const char* msg = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        bufferevent_write(bev, msg, strlen(msg));
    }
    if (what & BEV_EVENT_EOF) {
        printf("[*] server closed\n");
        bufferevent_free(bev);
    }
    if (what & BEV_EVENT_ERROR) {
        int err = EVUTIL_SOCKET_ERROR();
        fprintf(stderr, "[ERR] %s\n", evutil_socket_error_to_string(err));
        bufferevent_free(bev);
    }
    if (what & BEV_EVENT_TIMEOUT) {
        printf("[!] timeout\n");
        bufferevent_free(bev);
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 8080;
#ifndef _WIN32
    signal(SIGPIPE, SIG_IGN);
#endif
    struct event_base* base = event_base_new();

    struct bufferevent* bev = bufferevent_socket_new(
        base, -1, BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
    bufferevent_setcb(bev, read_cb, NULL, event_cb, NULL);
    bufferevent_enable(bev, EV_READ | EV_WRITE);

    struct timeval rto = {10, 0}, wto = {10, 0};
    bufferevent_set_timeouts(bev, &rto, &wto);

    struct sockaddr_in sin;
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port   = htons(port);
    evutil_inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);

    if (bufferevent_socket_connect(bev, (struct sockaddr*)&sin, sizeof(sin)) < 0) {
        perror("connect");
        bufferevent_free(bev);
        event_base_free(base);
        return 1;
    }

    event_base_dispatch(base);

    event_base_free(base);
    return 0;
}
