/* SPDX-License-Identifier: MIT */
/* The connect-then-eventcb client from libevent's documentation (the
 * bufferevent_socket_connect() example), API use unchanged.  The original
 * connects to 127.0.0.1:8080 and reports nothing; this one takes the host
 * address and port as arguments and prints what the event callback sees.
 *
 * Usage: seed_connect_client [ipv4-address] [port]   (default 127.0.0.1 8080)
 */
#include <event2/event.h>
#include <event2/bufferevent.h>
#include <event2/util.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <sys/socket.h>
#endif

static const char *host = "127.0.0.1";
static int port = 8080;
static int status = 1;

void eventcb(struct bufferevent *bev, short events, void *ptr)
{
    if (events & BEV_EVENT_CONNECTED) {
         /* We're connected to 127.0.0.1:8080.   Ordinarily we'd do
            something here, like start reading or writing. */
         printf("connected to %s:%d\n", host, port);
         status = 0;
    } else if (events & BEV_EVENT_ERROR) {
         /* An error occured while connecting. */
         printf("error connecting to %s:%d: %s\n", host, port,
                evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
    }
    /* not in the original: stop once we know */
    bufferevent_free(bev);
}

int main_loop(void)
{
    struct event_base *base;
    struct bufferevent *bev;
    struct sockaddr_in sin;

    base = event_base_new();

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    if (evutil_inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", host);
        event_base_free(base);
        return -1;
    }
    sin.sin_port = htons(port); /* Port 8080 */

    bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);

    bufferevent_setcb(bev, NULL, NULL, eventcb, NULL);

    if (bufferevent_socket_connect(bev,
        (struct sockaddr *)&sin, sizeof(sin)) < 0) {
        /* Error starting connection */
        bufferevent_free(bev);
        return -1;
    }

    event_base_dispatch(base);
    event_base_free(base);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        host = argv[1];
    if (argc > 2)
        port = atoi(argv[2]);
    if (main_loop() < 0)
        return 2;
    return status;
}
