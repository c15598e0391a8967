/* SPDX-License-Identifier: MIT */
/* Allocation failure: a client and a server on loopback (evconnlistener,
 * socket bufferevents, optionally under the zlib filter or TLS filters)
 * exchange four framed messages of 1000, 3000, 6000 and 100000 bytes ("MSG
 * <len>\r\n" + payload, echoed, read back with evbuffer_readln) and check
 * every byte, with the Nth allocation failing.  Each side waits for a whole
 * message before it moves it, and uvbev reads into reused chunks, so the
 * allocations do not depend on how TCP splits the bytes: the count is checked
 * to be the same run after run.
 *
 *   alloc_fail                 the sweep (the ctest test alloc_fail)
 *   alloc_fail KIND MODE N     one child run by hand: KIND plain|zlib|tls,
 *                              MODE count|nth|from (count: N unused)
 *
 * event_set_mem_functions() must come before uvbev allocates anything, so
 * every run is a fresh process: the driver fork()s a child per run (no uvbev
 * call happens in the driver) and waits for it with a time bound (killed
 * after CHILD_SECONDS = failure).  For each KIND:
 *   1. count: no failure injected; the scenario must succeed (every byte
 *      back, and equal) and make C > 0 allocations, the same C twice, and the
 *      same C with libuv's allocations going straight through mm.c (see
 *      below): so that "the Nth allocation" names the same call in every run;
 *   2. for every N in 1..C: "nth" (only allocation N fails) and "from"
 *      (every allocation from N on fails).  Each run must reach allocation N
 *      (a failure was injected) and end either in full success or with the
 *      failure reported through the API (a NULL or -1 return, or
 *      BEV_EVENT_ERROR), having freed everything it made (LeakSanitizer, in
 *      the ASan build, fails the child's exit status otherwise), with no
 *      crash, no sanitizer report and no hang.
 *
 * libuv's own aborts.  The only allocation of libuv that this scenario can
 * fail and that libuv does not survive is the growth of a loop's watcher
 * array: uv__io_start() (libuv 1.44 src/unix/core.c, maybe_resize) calls
 * uv__reallocf() and abort()s on NULL.  It runs inside uv_loop_init() (the
 * signal pipe's watcher, through uv_signal_init), uv_async_init(),
 * uv_read_start(), uv_listen(), uv_poll_start() and uv_tcp_connect(),
 * whenever a descriptor is higher than any the loop watched before.  It is
 * libuv's only realloc on Linux outside IPC descriptor passing and
 * uv_fs_readlink, neither of which uvbev uses.  Rather than skip these Ns,
 * the test tells them apart exactly: it puts a marking layer between libuv
 * and mm.c's functions (uv_replace_allocator with functions that set
 * `in_libuv` and call uvbev_malloc_ etc., which is what mm.c installs
 * itself, plus a mark), and a child that dies of SIGABRT passes only if the
 * last allocation it made was a libuv realloc that the test failed (nothing
 * was allocated between that failure and the abort).  Any other abort, and
 * any other signal, fails the test.  The driver prints those Ns.
 *
 * OpenSSL's and zlib's allocations are their own and are never failed. */
#ifdef _WIN32
#include <stdio.h>
int main(void) {
  printf("alloc_fail: needs fork(); skipped on Windows\n");
  return 77;
}
#else
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <uv.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "mm-internal.h"

#ifdef UVBEV_ALLOC_FAIL_ZLIB
#include <uvbev/zlib.h>
#endif
#ifdef UVBEV_ALLOC_FAIL_TLS
#include <event2/bufferevent_ssl.h>

#include "ssl_cert_helper.h"
#endif

#define ROUNDS 4
#define CHILD_SECONDS 20 /* the driver kills a child after this: a failure */
#define SAFETY_SECONDS 5 /* the scenario's own timer: a hang is a failure */

/* Child exit statuses (1 is ASan's, 23 LeakSanitizer's). */
enum { EXIT_SUCCESS_FULL = 0, EXIT_REPORTED = 10, EXIT_UNREPORTED = 20, EXIT_SETUP = 30 };

enum kind { PLAIN, ZLIB, TLS, KINDS };
static const char *const kind_name[KINDS] = {"plain", "zlib", "tls"};
enum mode { COUNT, NTH, FROM, DIRECT };
static const char *const mode_name[] = {"count", "nth", "from", "direct"};

/* What a child tells the driver, in memory shared across fork(). */
struct record {
  long count;                    /* allocations seen (malloc, realloc) */
  long libuv_count;              /* of which libuv's */
  long injected;                 /* failures injected */
  int last_failed_libuv_realloc; /* the last allocation was a libuv realloc we failed */
  size_t last_size;              /* its size */
  char phase[40];                /* the uvbev call that made the first failed allocation */
  long libuv_index;              /* which of libuv's allocations that was (0: uvbev's) */
  int reported;                  /* a failure came back through the API */
  char why[96];                  /* the first unreported problem */
  size_t sent, received;
};

static struct record *rec;
static long fail_at; /* 0: never */
static enum mode mode;
static int in_libuv;
static const char *phase = "start"; /* the uvbev call the scenario is in */

static int should_fail(int is_realloc) {
  long k = ++rec->count;
  int fail = fail_at > 0 && (mode == NTH ? k == fail_at : mode == FROM && k >= fail_at);
  if (in_libuv) rec->libuv_count++;
  rec->last_failed_libuv_realloc = fail && in_libuv && is_realloc;
  if (fail && rec->injected++ == 0) {
    snprintf(rec->phase, sizeof(rec->phase), "%s", phase);
    rec->libuv_index = in_libuv ? rec->libuv_count : 0;
  }
  return fail;
}

static void *test_malloc(size_t n) {
  rec->last_size = n;
  return should_fail(0) ? NULL : malloc(n);
}

static void *test_realloc(void *p, size_t n) {
  if (n == 0) { /* a free, not an allocation */
    free(p);
    return NULL;
  }
  rec->last_size = n;
  return should_fail(1) ? NULL : realloc(p, n);
}

static void test_free(void *p) {
  free(p);
}

/* The marking layer between libuv and mm.c (see the top of the file). */
static void *uv_malloc_mark(size_t n) {
  void *p;
  in_libuv++;
  p = uvbev_malloc_(n);
  in_libuv--;
  return p;
}

static void *uv_realloc_mark(void *p, size_t n) {
  void *q;
  in_libuv++;
  q = uvbev_realloc_(p, n);
  in_libuv--;
  return q;
}

static void *uv_calloc_mark(size_t count, size_t size) {
  void *p;
  in_libuv++;
  p = uvbev_calloc_(count ? count : 1, size ? size : 1); /* as mm.c's uv_calloc_hook */
  in_libuv--;
  return p;
}

static void uv_free_mark(void *p) {
  uvbev_free_(p);
}

/* ---- the scenario (a child) ------------------------------------------------------------ */

#ifdef UVBEV_ALLOC_FAIL_TLS
static SSL_CTX *server_ctx, *client_ctx;
#endif

struct side {
  struct bufferevent *bev;
  int is_client;
  int round;
  long expect; /* payload bytes of the current message still to come; -1: header */
};

static struct {
  struct event_base *base;
  struct event *safety;
  struct evconnlistener *listener;
  struct sockaddr_in addr;
  enum kind kind;
  struct side client, server;
  int done, timed_out;
} s;

static const size_t round_len[ROUNDS] = {1000, 3000, 6000, 100000};
static unsigned char pattern[100000];

static void reported(void) {
  rec->reported = 1;
}

static void unreported(const char *why) {
  if (!rec->why[0]) snprintf(rec->why, sizeof(rec->why), "%s", why);
}

static void stop(void) {
  event_base_loopbreak(s.base); /* never allocates */
}

static void server_drop(void) {
  if (s.server.bev) bufferevent_free(s.server.bev);
  s.server.bev = NULL;
}

/* A layer ends its blocks (zlib) when asked; plain sockets have nothing to flush. */
static int flush(struct bufferevent *bev) {
  if (s.kind != ZLIB) return 0;
  return bufferevent_flush(bev, EV_WRITE, BEV_FLUSH) < 0 ? -1 : 0;
}

static int client_send(void) {
  size_t len = round_len[s.client.round];
  struct evbuffer *out = bufferevent_get_output(s.client.bev);
  if (evbuffer_add_printf(out, "MSG %zu\r\n", len) < 0 ||
      bufferevent_write(s.client.bev, pattern, len) != 0 || flush(s.client.bev) != 0)
    return -1;
  rec->sent += len;
  return 0;
}

/* The header line of a message, or -1 (nothing yet: *failed 0; a failure reported: 1). */
static long read_header(struct evbuffer *in, int *failed) {
  struct evbuffer_ptr eol = evbuffer_search_eol(in, NULL, NULL, EVBUFFER_EOL_CRLF);
  char *line;
  size_t len = 0;
  int ok;
  *failed = 0;
  if (eol.pos < 0) return -1;
  line = evbuffer_readln(in, NULL, EVBUFFER_EOL_CRLF);
  if (!line) { /* the line is there: NULL can only be a failed allocation */
    reported();
    *failed = 1;
    return -1;
  }
  ok = sscanf(line, "MSG %zu", &len) == 1;
  test_free(line); /* returned memory belongs to the user's allocator */
  if (!ok) {
    unreported("garbled header");
    *failed = 1;
    return -1;
  }
  return (long)len;
}

static void client_read(struct bufferevent *bev, void *arg) {
  struct evbuffer *in = bufferevent_get_input(bev);
  static unsigned char buf[100000];
  int failed;
  (void)arg;
  for (;;) {
    if (s.client.expect < 0) {
      s.client.expect = read_header(in, &failed);
      if (failed) {
        stop();
        return;
      }
      if (s.client.expect < 0) return;
      if ((size_t)s.client.expect != round_len[s.client.round]) {
        unreported("wrong length back");
        stop();
        return;
      }
    }
    if (evbuffer_get_length(in) < (size_t)s.client.expect) return;
    if (evbuffer_remove(in, buf, (size_t)s.client.expect) != (int)s.client.expect ||
        memcmp(buf, pattern, (size_t)s.client.expect) != 0) {
      unreported("payload changed");
      stop();
      return;
    }
    rec->received += (size_t)s.client.expect;
    s.client.expect = -1;
    if (++s.client.round == ROUNDS) {
      s.done = 1;
      stop();
      return;
    }
    if (client_send() != 0) {
      reported();
      stop();
      return;
    }
  }
}

static void client_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  (void)arg;
  if (what & BEV_EVENT_CONNECTED) return;
  if (what & BEV_EVENT_ERROR)
    reported();
  else if (!rec->reported) /* the server only closes after a failure it saw */
    unreported("EOF at the client with no failure reported");
  stop();
}

static void server_read(struct bufferevent *bev, void *arg) {
  struct evbuffer *in = bufferevent_get_input(bev), *out = bufferevent_get_output(bev);
  int failed;
  (void)arg;
  for (;;) {
    if (s.server.expect < 0) {
      s.server.expect = read_header(in, &failed);
      if (failed) {
        server_drop();
        return;
      }
      if (s.server.expect < 0) return;
      if (evbuffer_add_printf(out, "MSG %ld\r\n", s.server.expect) < 0) {
        reported();
        server_drop();
        return;
      }
    }
    if (evbuffer_get_length(in) < (size_t)s.server.expect) return;
    if (evbuffer_remove_buffer(in, out, (size_t)s.server.expect) != (int)s.server.expect ||
        flush(bev) != 0) {
      reported();
      server_drop();
      return;
    }
    s.server.expect = -1;
  }
}

static void server_event(struct bufferevent *bev, short what, void *arg) {
  (void)bev;
  (void)arg;
  if (what & BEV_EVENT_ERROR) reported();
  if (what & (BEV_EVENT_ERROR | BEV_EVENT_EOF)) server_drop();
}

/* The kind's stack over sock (a socket bufferevent), or NULL having freed
 * sock. */
static struct bufferevent *stack(struct bufferevent *sock, int accepting) {
  struct bufferevent *bev = sock;
#ifdef UVBEV_ALLOC_FAIL_TLS
  SSL *ssl;
#endif
  if (s.kind == ZLIB) {
#ifdef UVBEV_ALLOC_FAIL_ZLIB
    bev = uvbev_zlib_filter_new(sock, BEV_OPT_CLOSE_ON_FREE, NULL);
#endif
  } else if (s.kind == TLS) {
#ifdef UVBEV_ALLOC_FAIL_TLS
    ssl = SSL_new(accepting ? server_ctx : client_ctx);
    bev = ssl ? bufferevent_openssl_filter_new(s.base, sock, ssl,
                                               accepting ? BUFFEREVENT_SSL_ACCEPTING
                                                         : BUFFEREVENT_SSL_CONNECTING,
                                               BEV_OPT_CLOSE_ON_FREE)
              : NULL;
    if (!bev && ssl) SSL_free(ssl); /* not taken on failure */
#endif
  }
  if (!bev) bufferevent_free(sock);
  return bev;
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg) {
  struct bufferevent *sock;
  (void)l;
  (void)sa;
  (void)len;
  (void)arg;
  if (s.server.bev) { /* one connection only */
    evutil_closesocket(fd);
    unreported("a second connection");
    return;
  }
  sock = bufferevent_socket_new(s.base, fd, BEV_OPT_CLOSE_ON_FREE);
  if (!sock) {
    evutil_closesocket(fd); /* still ours, as with libevent */
    reported();
    return;
  }
  s.server.bev = stack(sock, 1);
  if (!s.server.bev) {
    reported();
    return;
  }
  bufferevent_setcb(s.server.bev, server_read, NULL, server_event, NULL);
  if (bufferevent_enable(s.server.bev, EV_READ | EV_WRITE) != 0) {
    reported();
    server_drop();
  }
}

static void on_listener_error(struct evconnlistener *l, void *arg) {
  (void)l;
  (void)arg;
  reported();
  stop();
}

static void on_safety(evutil_socket_t fd, short what, void *arg) {
  (void)fd;
  (void)what;
  (void)arg;
  s.timed_out = 1;
  unreported("timed out");
  stop();
}

static int listen_loopback(void) {
  struct sockaddr_in sin;
  ev_socklen_t len = sizeof(s.addr);
  memset(&sin, 0, sizeof(sin));
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0x7f000001);
  s.listener =
      evconnlistener_new_bind(s.base, on_accept, NULL, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 8,
                              (struct sockaddr *)&sin, (int)sizeof(sin));
  if (!s.listener) return -1;
  evconnlistener_set_error_cb(s.listener, on_listener_error);
  if (getsockname(evconnlistener_get_fd(s.listener), (struct sockaddr *)&s.addr, &len) != 0) {
    unreported("getsockname");
    return -1;
  }
  return 0;
}

/* Builds everything, runs the exchange, frees everything. */
static void scenario(void) {
  struct timeval limit = {SAFETY_SECONDS, 0};
  struct bufferevent *sock;
  s.client.expect = s.server.expect = -1;
  phase = "event_base_new";
  s.base = event_base_new();
  phase = "setup";
  if (!s.base) {
    reported();
    return;
  }
  s.safety = evtimer_new(s.base, on_safety, NULL);
  if (!s.safety || event_add(s.safety, &limit) != 0 || listen_loopback() != 0) {
    reported();
    goto out;
  }
  sock = bufferevent_socket_new(s.base, -1, BEV_OPT_CLOSE_ON_FREE);
  if (!sock) {
    reported();
    goto out;
  }
  if (bufferevent_socket_connect(sock, (struct sockaddr *)&s.addr, (int)sizeof(s.addr)) != 0) {
    bufferevent_free(sock);
    reported();
    goto out;
  }
  s.client.bev = stack(sock, 0);
  if (!s.client.bev) {
    reported();
    goto out;
  }
  bufferevent_setcb(s.client.bev, client_read, NULL, client_event, NULL);
  if (bufferevent_enable(s.client.bev, EV_READ | EV_WRITE) != 0 || client_send() != 0) {
    reported();
    goto out;
  }
  phase = "event_base_dispatch";
  if (event_base_dispatch(s.base) < 0) reported();
out:
  phase = "freeing";
  if (s.client.bev) bufferevent_free(s.client.bev);
  server_drop();
  if (s.listener) evconnlistener_free(s.listener);
  if (s.safety) event_free(s.safety);
  event_base_free(s.base);
}

static int child(enum kind kind, enum mode m, long n) {
  size_t i;
  s.kind = kind;
  mode = m;
  fail_at = m == NTH || m == FROM ? n : 0;
  for (i = 0; i < sizeof(pattern); i++)
    pattern[i] = (unsigned char)(i * 2654435761u >> 13);
  event_set_mem_functions(test_malloc, test_realloc, test_free);
  if (m != DIRECT)
    uv_replace_allocator(uv_malloc_mark, uv_realloc_mark, uv_calloc_mark, uv_free_mark);
  scenario();
  if (rec->why[0]) return EXIT_UNREPORTED;
  if (rec->reported) return EXIT_REPORTED;
  if (!s.done || rec->received != rec->sent) {
    unreported("ended early with no failure reported");
    return EXIT_UNREPORTED;
  }
  return EXIT_SUCCESS_FULL;
}

/* ---- the driver ------------------------------------------------------------------------ */

enum outcome { OUT_SUCCESS, OUT_REPORTED, OUT_LIBUV_ABORT, OUT_BAD };

/* Runs one child; fills *r with its record.  Returns the outcome, printing why
 * it is OUT_BAD. */
static enum outcome run(enum kind kind, enum mode m, long n, struct record *r) {
  pid_t pid;
  int status = 0, code;
  struct timespec tick = {0, 200000};
  long waited_us = 0;
  memset(rec, 0, sizeof(*rec));
  fflush(stdout);
  fflush(stderr);
  pid = fork();
  if (pid < 0) {
    perror("alloc_fail: fork");
    exit(1);
  }
  if (pid == 0) exit(child(kind, m, n)); /* exit(), not _exit(): LeakSanitizer runs at exit */
  for (;;) {
    pid_t w = waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      perror("alloc_fail: waitpid");
      exit(1);
    }
    if (waited_us > CHILD_SECONDS * 1000000L) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      *r = *rec;
      printf("FAIL %s %s N=%ld: no end after %d s (killed)\n", kind_name[kind], mode_name[m], n,
             CHILD_SECONDS);
      return OUT_BAD;
    }
    nanosleep(&tick, NULL);
    waited_us += 200;
  }
  *r = *rec;
  if (WIFSIGNALED(status)) {
    if (WTERMSIG(status) == SIGABRT && r->last_failed_libuv_realloc) return OUT_LIBUV_ABORT;
    printf("FAIL %s %s N=%ld: killed by signal %d (last allocation: %s)\n", kind_name[kind],
           mode_name[m], n, WTERMSIG(status),
           r->last_failed_libuv_realloc ? "a failed libuv realloc" : "not a failed libuv realloc");
    return OUT_BAD;
  }
  code = WEXITSTATUS(status);
  if (code == EXIT_SUCCESS_FULL) return OUT_SUCCESS;
  if (code == EXIT_REPORTED) return OUT_REPORTED;
  printf("FAIL %s %s N=%ld: exit status %d (%s)%s%s\n", kind_name[kind], mode_name[m], n, code,
         code == EXIT_UNREPORTED ? "failure not reported through the API"
         : code == 23            ? "LeakSanitizer: leak"
         : code == 1             ? "sanitizer report or error"
                                 : "?",
         r->why[0] ? ": " : "", r->why);
  return OUT_BAD;
}

/* The whole sweep for one kind; returns the number of failed runs. */
static int sweep(enum kind kind) {
  struct record r, r2;
  long c, n, libuv_c;
  int bad = 0, m;
  if (run(kind, COUNT, 0, &r) != OUT_SUCCESS || r.count <= 0 || r.received != r.sent ||
      r.received == 0) {
    printf("FAIL %s: the scenario without failures did not succeed (%ld allocations, %zu of %zu "
           "bytes back)\n",
           kind_name[kind], r.count, r.received, r.sent);
    return 1;
  }
  c = r.count;
  libuv_c = r.libuv_count;
  if (run(kind, COUNT, 0, &r2) != OUT_SUCCESS || r2.count != c ||
      run(kind, DIRECT, 0, &r2) != OUT_SUCCESS || r2.count != c) {
    printf("FAIL %s: the number of allocations is not the same in every run (%ld, then %ld)\n",
           kind_name[kind], c, r2.count);
    return 1;
  }
  if (libuv_c <= 0) {
    printf("FAIL %s: no allocation of libuv's came through event_set_mem_functions\n",
           kind_name[kind]);
    return 1;
  }
  for (m = NTH; m <= FROM; m++) {
    long counts[4] = {0, 0, 0, 0};
    char aborts[1024];
    size_t used = 0;
    aborts[0] = 0;
    for (n = 1; n <= c; n++) {
      enum outcome o = run(kind, (enum mode)m, n, &r);
      if (o != OUT_BAD && r.injected == 0) {
        printf("FAIL %s %s N=%ld: allocation %ld never came (only %ld)\n", kind_name[kind],
               mode_name[m], n, n, r.count);
        o = OUT_BAD;
      }
      if (o == OUT_LIBUV_ABORT && used + 96 < sizeof(aborts))
        used += (size_t)snprintf(aborts + used, sizeof(aborts) - used,
                                 " N=%ld (libuv's allocation #%ld, %zu B, in %s)", n, r.libuv_index,
                                 r.last_size, r.phase);
      counts[o]++;
      bad += o == OUT_BAD;
    }
    printf("%s, %s: N=1..%ld: %ld succeeded anyway, %ld reported the failure, %ld aborted in "
           "libuv's uv__io_start (watcher array realloc):%s, %ld FAILED\n",
           kind_name[kind],
           m == NTH ? "only allocation N fails" : "every allocation from N on fails", c,
           counts[OUT_SUCCESS], counts[OUT_REPORTED], counts[OUT_LIBUV_ABORT],
           aborts[0] ? aborts : " none", counts[OUT_BAD]);
  }
  printf("%s: %ld allocations (%ld of them libuv's) in the scenario\n", kind_name[kind], c,
         libuv_c);
  return bad;
}

static int parse_kind(const char *name) {
  int k;
  for (k = 0; k < KINDS; k++)
    if (strcmp(name, kind_name[k]) == 0) return k;
  return -1;
}

int main(int argc, char **argv) {
  int bad = 0, k, kinds[KINDS], nk = 0;
  rec = mmap(NULL, sizeof(*rec), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (rec == MAP_FAILED) {
    perror("alloc_fail: mmap");
    return 1;
  }
  signal(SIGPIPE, SIG_IGN);
#ifdef UVBEV_ALLOC_FAIL_TLS
  server_ctx = sch_server_ctx(0);
  client_ctx = sch_client_ctx(0);
  if (!server_ctx || !client_ctx) {
    fprintf(stderr, "alloc_fail: no TLS contexts\n");
    return 1;
  }
  /* No session tickets: the server's flight is the same in every run. */
  SSL_CTX_set_num_tickets(server_ctx, 0);
#endif
  if (argc == 4) { /* one child, in this process */
    int kind = parse_kind(argv[1]), m;
    for (m = COUNT; m <= DIRECT; m++)
      if (strcmp(argv[2], mode_name[m]) == 0) break;
    if (kind < 0 || m > DIRECT) return 2;
    k = child((enum kind)kind, (enum mode)m, atol(argv[3]));
    printf("%s %s %s: exit %d, %ld allocations (%ld libuv's), %ld failed, %zu/%zu bytes%s%s\n",
           argv[1], argv[2], argv[3], k, rec->count, rec->libuv_count, rec->injected, rec->received,
           rec->sent, rec->why[0] ? ": " : "", rec->why);
    return k;
  }
  kinds[nk++] = PLAIN;
#ifdef UVBEV_ALLOC_FAIL_ZLIB
  kinds[nk++] = ZLIB;
#endif
#ifdef UVBEV_ALLOC_FAIL_TLS
  kinds[nk++] = TLS;
#endif
  for (k = 0; k < nk; k++)
    bad += sweep((enum kind)kinds[k]);
  printf("alloc_fail: %s\n", bad ? "FAILED" : "ok");
  return bad ? 1 : 0;
}
#endif
