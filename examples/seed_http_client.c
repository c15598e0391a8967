/* SPDX-License-Identifier: MIT */
/* The trivial HTTP 0.x client from libevent's documentation ("Fast portable
 * non-blocking network programming with Libevent", bufferevents chapter),
 * API use unchanged; uvbev builds it as is.  One addition: an optional third
 * argument, the port (the original always uses 80), so that the demo can
 * fetch from a local server.
 *
 * Don't copy this code: it is an awful way to do HTTP (the original says so
 * too; see evhttp). */
#include <event2/dns.h>
#include <event2/bufferevent.h>
#include <event2/buffer.h>
#include <event2/util.h>
#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>

void readcb(struct bufferevent *bev, void *ptr)
{
    char buf[1024];
    int n;
    struct evbuffer *input = bufferevent_get_input(bev);
    while ((n = evbuffer_remove(input, buf, sizeof(buf))) > 0) {
        fwrite(buf, 1, n, stdout);
    }
}

void eventcb(struct bufferevent *bev, short events, void *ptr)
{
    if (events & BEV_EVENT_CONNECTED) {
         printf("Connect okay.\n");
    } else if (events & (BEV_EVENT_ERROR|BEV_EVENT_EOF)) {
         struct event_base *base = ptr;
         if (events & BEV_EVENT_ERROR) {
                 int err = bufferevent_socket_get_dns_error(bev);
                 if (err)
                         printf("DNS error: %s\n", evutil_gai_strerror(err));
         }
         printf("Closing\n");
         bufferevent_free(bev);
         event_base_loopexit(base, NULL);
    }
}

int main(int argc, char **argv)
{
    struct event_base *base;
    struct evdns_base *dns_base;
    struct bufferevent *bev;
    int port = 80;

    if (argc != 3 && argc != 4) {
        printf("Trivial HTTP 0.x client\n"
               "Syntax: %s [hostname] [resource] [port]\n"
               "Example: %s www.google.com /\n",argv[0],argv[0]);
        return 1;
    }
    if (argc == 4)
        port = atoi(argv[3]);

    base = event_base_new();
    dns_base = evdns_base_new(base, 1);

    bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev, readcb, NULL, eventcb, base);
    bufferevent_enable(bev, EV_READ|EV_WRITE);
    evbuffer_add_printf(bufferevent_get_output(bev), "GET %s\r\n", argv[2]);
    bufferevent_socket_connect_hostname(
        bev, dns_base, AF_UNSPEC, argv[1], port);
    event_base_dispatch(base);

    /* not in the original: tidy up so that leak checkers stay quiet */
    evdns_base_free(dns_base, 0);
    event_base_free(base);
    return 0;
}
