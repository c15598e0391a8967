/* SPDX-License-Identifier: MIT */
/* gzip / gunzip through uvbev's zlib filter: stdin -> filter -> stdout, over a
 * bufferevent pair (no sockets).  A small tool and a short example of the
 * filter API; the tests check its output with the real gzip.
 *
 * Usage: zlib_gzip [-d] [-f gzip|zlib|raw] [-l LEVEL]
 *   -d  decompress (default: compress)
 *   -f  stream format (default gzip)
 *   -l  compression level 0..9
 * Exit status 0, or 1 with the reason on stderr (corrupt input, ...).
 */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <uvbev/zlib.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 65536

struct tool {
  struct event_base *base;
  struct bufferevent *pair[2];
  struct bufferevent *zbev;   /* zlib filter over pair[0] */
  struct bufferevent *source; /* where stdin goes: zbev (compress) or pair[1] */
  struct bufferevent *sink;   /* what goes to stdout: pair[1] or zbev */
  int status;
};

/* Feeds stdin, one chunk per write callback, and ends the stream at EOF. */
static void feed_stdin(struct bufferevent *bev, void *arg) {
  struct tool *t = arg;
  char buf[CHUNK];
  size_t n = fread(buf, 1, sizeof(buf), stdin);
  if (n > 0) {
    bufferevent_write(bev, buf, n);
    return;
  }
  bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
  bufferevent_flush(bev, EV_WRITE, BEV_FINISHED);
  (void)t;
}

static void drain_stdout(struct bufferevent *bev, void *arg) {
  struct evbuffer *in = bufferevent_get_input(bev);
  (void)arg;
  while (evbuffer_get_length(in) > 0) {
    struct evbuffer_iovec v;
    evbuffer_peek(in, -1, NULL, &v, 1);
    fwrite(v.iov_base, 1, v.iov_len, stdout);
    evbuffer_drain(in, v.iov_len);
  }
}

static void sink_event(struct bufferevent *bev, short what, void *arg) {
  struct tool *t = arg;
  if (what & BEV_EVENT_ERROR) {
    const char *why = uvbev_zlib_get_error(t->zbev);
    fprintf(stderr, "zlib_gzip: %s\n", why ? why : "error");
    t->status = 1;
  }
  drain_stdout(bev, arg);
  event_base_loopbreak(t->base);
}

static int parse_format(const char *s) {
  if (strcmp(s, "gzip") == 0) return UVBEV_ZLIB_FORMAT_GZIP;
  if (strcmp(s, "zlib") == 0) return UVBEV_ZLIB_FORMAT_ZLIB;
  if (strcmp(s, "raw") == 0) return UVBEV_ZLIB_FORMAT_RAW;
  return -1;
}

int main(int argc, char **argv) {
  struct tool t;
  struct uvbev_zlib_config cfg;
  int decompress = 0;
  memset(&t, 0, sizeof(t));
  uvbev_zlib_config_init(&cfg);
  cfg.format = UVBEV_ZLIB_FORMAT_GZIP;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-d") == 0)
      decompress = 1;
    else if (strcmp(argv[i], "-f") == 0 && i + 1 < argc && parse_format(argv[i + 1]) >= 0)
      cfg.format = parse_format(argv[++i]);
    else if (strcmp(argv[i], "-l") == 0 && i + 1 < argc)
      cfg.level = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: zlib_gzip [-d] [-f gzip|zlib|raw] [-l LEVEL]\n");
      return 2;
    }
  }
  t.base = event_base_new();
  if (!t.base || bufferevent_pair_new(t.base, 0, t.pair) < 0) return 1;
  t.zbev = uvbev_zlib_filter_new(t.pair[0], BEV_OPT_CLOSE_ON_FREE, &cfg);
  if (!t.zbev) {
    fprintf(stderr, "zlib_gzip: bad configuration\n");
    return 2;
  }
  t.source = decompress ? t.pair[1] : t.zbev;
  t.sink = decompress ? t.zbev : t.pair[1];
  bufferevent_setcb(t.source, NULL, feed_stdin, NULL, &t);
  bufferevent_setcb(t.sink, drain_stdout, NULL, sink_event, &t);
  bufferevent_enable(t.sink, EV_READ);
  bufferevent_enable(t.source, EV_WRITE);
  feed_stdin(t.source, &t);
  event_base_dispatch(t.base);
  bufferevent_free(t.zbev);
  bufferevent_free(t.pair[1]);
  event_base_free(t.base);
  fflush(stdout);
  return t.status;
}
