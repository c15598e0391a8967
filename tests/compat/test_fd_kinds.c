/* SPDX-License-Identifier: MIT */
/* Every descriptor libevent accepts works: bufferevents and events on pipes,
 * FIFOs, AF_UNIX socketpairs, ptys, regular files and /dev/null (tmux hands
 * libevent its stdin/stdout, whatever they are, and pty masters).
 *
 * libevent's epoll backend refuses regular files and /dev/null (EPERM) while
 * its poll backend reports them always ready, which is what uvbev does on
 * every backend.  So the bases here avoid epoll: libevent then runs on poll.
 * uvbev may honour the request or, having only its one backend, refuse it:
 * then its default base is the one to test.  libevent API only. */
#ifndef _WIN32
#define _XOPEN_SOURCE 700 /* posix_openpt, mkdtemp, mkfifo */
#define _DEFAULT_SOURCE
#endif
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "compat-util.h"

#ifndef _WIN32

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sock-util.h"

/* Bigger than one read or write of either library: a file moves in pieces. */
#define FK_BIG (200 * 1000)

static struct event_base *fd_base(void) {
  struct event_config *cfg = event_config_new();
  struct event_base *base;
  assert_non_null(cfg);
  event_config_avoid_method(cfg, "epoll");
  base = event_base_new_with_config(cfg);
  event_config_free(cfg);
  if (!base) base = event_base_new(); /* uvbev, if it has no other method */
  assert_non_null(base);
  return base;
}

/* A temporary file holding n pattern bytes, open for reading and writing at
 * offset 0 and already unlinked. */
static int temp_file(size_t n) {
  char path[] = "/tmp/uvbev-fdkinds-XXXXXX";
  unsigned char *buf = malloc(n ? n : 1);
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  unlink(path);
  assert_non_null(buf);
  su_fill_pattern(buf, n, 0);
  assert_int_equal(write(fd, buf, n), (ssize_t)n);
  assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
  free(buf);
  return fd;
}

/* Reads exactly n bytes from a blocking or non-blocking fd, waiting at most
 * 5 s for each piece; returns the count read. */
static size_t read_n(int fd, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    struct pollfd p;
    ssize_t r;
    p.fd = fd;
    p.events = POLLIN;
    if (poll(&p, 1, 5000) <= 0) break;
    r = read(fd, buf + got, n - got);
    if (r <= 0) break;
    got += (size_t)r;
  }
  return got;
}

/* ---- what a bufferevent saw ----------------------------------------------- */

struct fk_ctx {
  struct event_base *base;
  struct evbuffer *got;
  short what; /* the first event */
  int nevents;
  int err;      /* EVUTIL_SOCKET_ERROR() at that event */
  int writecbs; /* write callbacks */
  size_t left_at_writecb;
  int exit_on_drain;    /* loopexit when a write callback sees no output */
  size_t exit_at_bytes; /* loopexit once this much was read (0: never) */
  int close_fd_at_read; /* closed by the first read callback (-1: none) */
};

static void fk_init(struct fk_ctx *c) {
  memset(c, 0, sizeof(*c));
  c->base = fd_base();
  c->got = evbuffer_new();
  c->close_fd_at_read = -1;
  cu_ignore_sigpipe();
}

static void fk_done(struct fk_ctx *c) {
  evbuffer_free(c->got);
  event_base_free(c->base);
}

static void fk_read(struct bufferevent *bev, void *arg) {
  struct fk_ctx *c = arg;
  bufferevent_read_buffer(bev, c->got);
  if (c->exit_at_bytes && evbuffer_get_length(c->got) >= c->exit_at_bytes)
    event_base_loopexit(c->base, NULL);
  if (c->close_fd_at_read >= 0) {
    close(c->close_fd_at_read);
    c->close_fd_at_read = -1;
  }
}

static void fk_write(struct bufferevent *bev, void *arg) {
  struct fk_ctx *c = arg;
  c->writecbs++;
  c->left_at_writecb = evbuffer_get_length(bufferevent_get_output(bev));
  if (c->left_at_writecb == 0 && c->exit_on_drain) event_base_loopexit(c->base, NULL);
}

static void fk_event(struct bufferevent *bev, short what, void *arg) {
  struct fk_ctx *c = arg;
  (void)bev;
  if (c->nevents++ == 0) {
    c->what = what;
    c->err = EVUTIL_SOCKET_ERROR();
  }
  event_base_loopexit(c->base, NULL);
}

static struct bufferevent *fk_bev(struct fk_ctx *c, int fd, int options) {
  struct bufferevent *bev = bufferevent_socket_new(c->base, fd, options);
  assert_non_null(bev);
  assert_int_equal(bufferevent_getfd(bev), fd);
  bufferevent_setcb(bev, fk_read, fk_write, fk_event, c);
  return bev;
}

/* Reads fd through a bufferevent until its end: expects n pattern bytes,
 * then BEV_EVENT_EOF|BEV_EVENT_READING with reading disabled. */
static void expect_read_to_eof(int fd, int options, size_t n) {
  struct fk_ctx c;
  struct bufferevent *bev;
  unsigned char *buf = malloc(n ? n : 1);
  fk_init(&c);
  bev = fk_bev(&c, fd, options);
  bufferevent_enable(bev, EV_READ);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.nevents, 1);
  assert_int_equal(c.what, BEV_EVENT_EOF | BEV_EVENT_READING);
  assert_int_equal(bufferevent_get_enabled(bev) & EV_READ, 0);
  assert_int_equal(evbuffer_get_length(c.got), n);
  assert_int_equal(evbuffer_remove(c.got, buf, n), (int)n);
  assert_true(su_check_pattern(buf, n, 0));
  free(buf);
  bufferevent_free(bev);
  fk_done(&c);
}

/* Writes n pattern bytes to fd through a bufferevent; returns once the
 * write callback saw the output empty (the bufferevent is freed). */
static void write_through_bev(int fd, int options, size_t n) {
  struct fk_ctx c;
  struct bufferevent *bev;
  unsigned char *buf = malloc(n);
  assert_non_null(buf);
  su_fill_pattern(buf, n, 0);
  fk_init(&c);
  c.exit_on_drain = 1;
  bev = fk_bev(&c, fd, options);
  assert_int_equal(bufferevent_write(bev, buf, n), 0);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.nevents, 0);
  assert_true(c.writecbs >= 1);
  assert_int_equal(c.left_at_writecb, 0);
  free(buf);
  bufferevent_free(bev);
  fk_done(&c);
}

/* ---- pipes and FIFOs ------------------------------------------------------ */

static void pipe_read_end_gives_bytes_then_eof_when_the_writer_closes(void **state) {
  int p[2];
  unsigned char buf[1000];
  (void)state;
  assert_int_equal(pipe(p), 0);
  su_fill_pattern(buf, sizeof(buf), 0);
  assert_int_equal(write(p[1], buf, sizeof(buf)), (ssize_t)sizeof(buf));
  close(p[1]);
  expect_read_to_eof(p[0], BEV_OPT_CLOSE_ON_FREE, sizeof(buf));
}

static void pipe_write_end_delivers_the_bytes(void **state) {
  int p[2];
  char buf[1000], want[1000];
  (void)state;
  assert_int_equal(pipe(p), 0);
  write_through_bev(p[1], 0, sizeof(buf)); /* stays open without CLOSE_ON_FREE */
  close(p[1]);
  assert_int_equal(read_n(p[0], buf, sizeof(buf)), sizeof(buf));
  su_fill_pattern((unsigned char *)want, sizeof(want), 0);
  assert_memory_equal(buf, want, sizeof(buf));
  assert_int_equal(read(p[0], buf, 1), 0); /* the bufferevent's copy is closed too */
  close(p[0]);
}

static void pipe_write_without_reader_is_error_writing_epipe(void **state) {
  struct fk_ctx c;
  struct bufferevent *bev;
  int p[2];
  (void)state;
  assert_int_equal(pipe(p), 0);
  close(p[0]);
  fk_init(&c);
  bev = fk_bev(&c, p[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_write(bev, "lost", 4);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.nevents, 1);
  assert_int_equal(c.what, BEV_EVENT_ERROR | BEV_EVENT_WRITING);
  assert_int_equal(c.err, EPIPE);
  bufferevent_free(bev);
  fk_done(&c);
}

static void fifo_carries_bytes_between_two_bufferevents_then_eof(void **state) {
  char dir[] = "/tmp/uvbev-fifo-XXXXXX", path[64];
  int rfd, wfd;
  (void)state;
  assert_non_null(mkdtemp(dir));
  snprintf(path, sizeof(path), "%s/f", dir);
  assert_int_equal(mkfifo(path, 0600), 0);
  rfd = open(path, O_RDONLY | O_NONBLOCK);
  assert_true(rfd >= 0);
  wfd = open(path, O_WRONLY);
  assert_true(wfd >= 0);
  unlink(path);
  rmdir(dir);
  write_through_bev(wfd, BEV_OPT_CLOSE_ON_FREE, 5000); /* the writer is gone after it */
  expect_read_to_eof(rfd, BEV_OPT_CLOSE_ON_FREE, 5000);
}

/* ---- sockets --------------------------------------------------------------- */

static void socketpair_carries_bytes_both_ways(void **state) {
  struct fk_ctx c;
  struct bufferevent *a, *b;
  evutil_socket_t sv[2];
  (void)state;
  fk_init(&c);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  a = fk_bev(&c, (int)sv[0], BEV_OPT_CLOSE_ON_FREE);
  b = fk_bev(&c, (int)sv[1], BEV_OPT_CLOSE_ON_FREE);
  bufferevent_setcb(a, fk_read, NULL, fk_event, &c);
  bufferevent_setcb(b, fk_read, NULL, fk_event, &c);
  bufferevent_enable(a, EV_READ);
  bufferevent_enable(b, EV_READ);
  bufferevent_write(a, "ping", 4);
  bufferevent_write(b, "pong", 4);
  c.exit_at_bytes = 8; /* b reads ping, a reads pong, in either order */
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.nevents, 0);
  assert_int_equal(evbuffer_get_length(c.got), 8);
  assert_true(evbuffer_search(c.got, "ping", 4, NULL).pos >= 0);
  assert_true(evbuffer_search(c.got, "pong", 4, NULL).pos >= 0);
  bufferevent_free(a);
  bufferevent_free(b);
  fk_done(&c);
}

/* ---- ptys ------------------------------------------------------------------ */

/* A pty: its master and its slave (a terminal in canonical mode). */
static void open_pty(int *master, int *slave) {
  int m = posix_openpt(O_RDWR | O_NOCTTY);
  assert_true(m >= 0);
  assert_int_equal(grantpt(m), 0);
  assert_int_equal(unlockpt(m), 0);
  *slave = open(ptsname(m), O_RDWR | O_NOCTTY);
  assert_true(*slave >= 0);
  *master = m;
}

static void pty_master_reads_the_slave_then_error_reading_eio_when_it_closes(void **state) {
  struct fk_ctx c;
  struct bufferevent *bev;
  int m, s;
  (void)state;
  open_pty(&m, &s);
  fk_init(&c);
  bev = fk_bev(&c, m, 0); /* as tmux's window panes */
  bufferevent_enable(bev, EV_READ);
  assert_int_equal(write(s, "out", 3), 3);
  c.close_fd_at_read = s; /* the pane's program exits once its output is read */
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.nevents, 1);
  assert_int_equal(c.what, BEV_EVENT_ERROR | BEV_EVENT_READING);
  assert_int_equal(c.err, EIO);
  assert_true(evbuffer_get_length(c.got) >= 3);
  assert_memory_equal(evbuffer_pullup(c.got, 3), "out", 3);
  bufferevent_free(bev);
  close(m);
  fk_done(&c);
}

/* As a tmux window pane: a program runs on the slave and exits; the master
 * then fails with EIO. */
static void pty_master_error_reading_eio_when_the_child_exits(void **state) {
  struct fk_ctx c;
  struct bufferevent *bev;
  posix_spawn_file_actions_t fa;
  char *argv[] = {"/bin/sh", "-c", "printf out", NULL};
  pid_t pid;
  int m, s, status = 0;
  (void)state;
  open_pty(&m, &s);
  fk_init(&c);
  bev = fk_bev(&c, m, 0);
  bufferevent_enable(bev, EV_READ);
  assert_int_equal(posix_spawn_file_actions_init(&fa), 0);
  posix_spawn_file_actions_adddup2(&fa, s, 1);
  posix_spawn_file_actions_addclose(&fa, m);
  posix_spawn_file_actions_addclose(&fa, s);
  assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, NULL), 0);
  posix_spawn_file_actions_destroy(&fa);
  close(s);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_int_equal(c.nevents, 1);
  assert_int_equal(c.what, BEV_EVENT_ERROR | BEV_EVENT_READING);
  assert_int_equal(c.err, EIO);
  bufferevent_free(bev);
  close(m);
  fk_done(&c);
}

static void pty_master_writes_reach_the_slave_and_slave_reads_the_master(void **state) {
  struct fk_ctx c;
  struct bufferevent *mb, *sb;
  int m, s;
  char buf[16];
  (void)state;
  open_pty(&m, &s);
  /* the master writes a line; the slave (a terminal, as tmux's client stdin)
   * reads it through its own bufferevent */
  fk_init(&c);
  mb = fk_bev(&c, m, 0);
  sb = fk_bev(&c, s, 0);
  bufferevent_setcb(sb, fk_read, NULL, fk_event, &c);
  bufferevent_enable(sb, EV_READ);
  bufferevent_write(mb, "keys\n", 5);
  c.exit_at_bytes = 5;
  cu_dispatch_bounded(c.base, 5000);
  assert_true(c.writecbs >= 1);
  assert_int_equal(evbuffer_get_length(c.got), 5);
  assert_memory_equal(evbuffer_pullup(c.got, 5), "keys\n", 5);
  bufferevent_free(mb);
  bufferevent_free(sb);
  /* both descriptors stayed open (no BEV_OPT_CLOSE_ON_FREE) */
  assert_int_equal(write(m, "x\n", 2), 2);
  assert_int_equal(read_n(s, buf, 2), 2);
  close(s);
  close(m);
  fk_done(&c);
}

/* ---- regular files and /dev/null ------------------------------------------ */

static void regular_file_reads_its_bytes_then_eof(void **state) {
  (void)state;
  expect_read_to_eof(temp_file(FK_BIG), BEV_OPT_CLOSE_ON_FREE, FK_BIG);
}

static void empty_regular_file_is_eof_at_once(void **state) {
  (void)state;
  expect_read_to_eof(temp_file(0), BEV_OPT_CLOSE_ON_FREE, 0);
}

static void exit_at_the_watermark(struct bufferevent *bev, void *arg) {
  ++*(int *)arg;
  if (evbuffer_get_length(bufferevent_get_input(bev)) >= 1000)
    event_base_loopexit(bufferevent_get_base(bev), NULL);
}

/* An always-ready file stops being read at the read high watermark and
 * resumes once the user drains. */
static void regular_file_read_stops_at_the_high_watermark(void **state) {
  struct event_base *base = fd_base();
  struct bufferevent *bev = bufferevent_socket_new(base, temp_file(FK_BIG), BEV_OPT_CLOSE_ON_FREE);
  struct evbuffer *in = bufferevent_get_input(bev);
  int reads = 0, i;
  (void)state;
  bufferevent_setcb(bev, exit_at_the_watermark, NULL, NULL, &reads);
  bufferevent_setwatermark(bev, EV_READ, 0, 1000);
  bufferevent_enable(bev, EV_READ);
  cu_dispatch_bounded(base, 5000);
  assert_int_equal(evbuffer_get_length(in), 1000);
  for (i = 0; i < 10; i++)
    event_base_loop(base, EVLOOP_NONBLOCK);
  assert_int_equal(evbuffer_get_length(in), 1000); /* nothing read meanwhile */
  reads = 0;
  evbuffer_drain(in, 600);
  cu_dispatch_bounded(base, 5000);
  assert_true(reads >= 1);
  assert_int_equal(evbuffer_get_length(in), 1000);
  bufferevent_free(bev);
  event_base_loop(base, EVLOOP_NONBLOCK); /* libevent finalizes the bufferevent */
  event_base_free(base);
}

static void regular_file_takes_the_bytes_written(void **state) {
  int fd = temp_file(0);
  char *buf = malloc(FK_BIG + 1), *want = malloc(FK_BIG);
  (void)state;
  assert_non_null(buf);
  assert_non_null(want);
  write_through_bev(fd, 0, FK_BIG);
  assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
  assert_int_equal(read_n(fd, buf, FK_BIG + 1), FK_BIG);
  su_fill_pattern((unsigned char *)want, FK_BIG, 0);
  assert_memory_equal(buf, want, FK_BIG);
  close(fd);
  free(buf);
  free(want);
}

static void dev_null_takes_the_bytes_written_and_reads_eof(void **state) {
  int w = open("/dev/null", O_WRONLY);
  int r = open("/dev/null", O_RDONLY);
  (void)state;
  assert_true(w >= 0 && r >= 0);
  write_through_bev(w, BEV_OPT_CLOSE_ON_FREE, FK_BIG);
  expect_read_to_eof(r, BEV_OPT_CLOSE_ON_FREE, 0);
}

static void setfd_moves_a_bufferevent_from_a_socket_to_a_file(void **state) {
  struct fk_ctx c;
  struct bufferevent *bev;
  evutil_socket_t sv[2];
  int fd = temp_file(3000);
  (void)state;
  fk_init(&c);
  assert_int_equal(evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  bev = fk_bev(&c, (int)sv[0], 0);
  bufferevent_enable(bev, EV_READ);
  assert_int_equal(bufferevent_setfd(bev, fd), 0);
  assert_int_equal(bufferevent_getfd(bev), fd);
  bufferevent_enable(bev, EV_READ);
  cu_dispatch_bounded(c.base, 5000);
  assert_int_equal(c.what, BEV_EVENT_EOF | BEV_EVENT_READING);
  assert_int_equal(evbuffer_get_length(c.got), 3000);
  bufferevent_free(bev);
  close(fd);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  fk_done(&c);
}

/* ---- events ---------------------------------------------------------------- */

struct ev_seen {
  struct event *ev;
  short what;
  int calls;
};

static void count_until_three(evutil_socket_t fd, short what, void *arg) {
  struct ev_seen *s = arg;
  (void)fd;
  s->what |= what;
  if (++s->calls == 3) {
    event_del(s->ev);
    event_base_loopexit(event_get_base(s->ev), NULL); /* the safety timer stays */
  }
}

/* An EV_PERSIST event for `events` on fd fires (always ready) until deleted
 * after its third call, reporting what it asked for. */
static void expect_always_ready(int fd, short events) {
  struct event_base *base = fd_base();
  struct ev_seen s;
  memset(&s, 0, sizeof(s));
  s.ev = event_new(base, fd, events | EV_PERSIST, count_until_three, &s);
  assert_non_null(s.ev);
  assert_int_equal(event_add(s.ev, NULL), 0);
  cu_dispatch_bounded(base, 5000);
  assert_int_equal(s.calls, 3);
  assert_int_equal(s.what, events);
  event_free(s.ev);
  event_base_free(base);
}

static void event_on_a_regular_file_is_always_ready(void **state) {
  int fd = temp_file(10);
  (void)state;
  expect_always_ready(fd, EV_READ);
  expect_always_ready(fd, EV_WRITE);
  expect_always_ready(fd, EV_READ | EV_WRITE);
  close(fd);
}

static void event_on_dev_null_is_always_ready(void **state) {
  int fd = open("/dev/null", O_RDWR);
  (void)state;
  assert_true(fd >= 0);
  expect_always_ready(fd, EV_READ);
  expect_always_ready(fd, EV_READ | EV_WRITE);
  close(fd);
}

static void event_on_a_pipe_fires_when_readable(void **state) {
  struct event_base *base = fd_base();
  struct ev_seen s;
  int p[2];
  (void)state;
  assert_int_equal(pipe(p), 0);
  memset(&s, 0, sizeof(s));
  s.ev = event_new(base, p[0], EV_READ | EV_PERSIST, count_until_three, &s);
  assert_int_equal(event_add(s.ev, NULL), 0);
  assert_int_equal(write(p[1], "x", 1), 1); /* stays readable: level-triggered */
  cu_dispatch_bounded(base, 5000);
  assert_int_equal(s.calls, 3);
  assert_int_equal(s.what, EV_READ);
  event_free(s.ev);
  close(p[0]);
  close(p[1]);
  event_base_free(base);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(pipe_read_end_gives_bytes_then_eof_when_the_writer_closes),
      cmocka_unit_test(pipe_write_end_delivers_the_bytes),
      cmocka_unit_test(pipe_write_without_reader_is_error_writing_epipe),
      cmocka_unit_test(fifo_carries_bytes_between_two_bufferevents_then_eof),
      cmocka_unit_test(socketpair_carries_bytes_both_ways),
      cmocka_unit_test(pty_master_reads_the_slave_then_error_reading_eio_when_it_closes),
      cmocka_unit_test(pty_master_error_reading_eio_when_the_child_exits),
      cmocka_unit_test(pty_master_writes_reach_the_slave_and_slave_reads_the_master),
      cmocka_unit_test(regular_file_reads_its_bytes_then_eof),
      cmocka_unit_test(empty_regular_file_is_eof_at_once),
      cmocka_unit_test(regular_file_read_stops_at_the_high_watermark),
      cmocka_unit_test(regular_file_takes_the_bytes_written),
      cmocka_unit_test(dev_null_takes_the_bytes_written_and_reads_eof),
      cmocka_unit_test(setfd_moves_a_bufferevent_from_a_socket_to_a_file),
      cmocka_unit_test(event_on_a_regular_file_is_always_ready),
      cmocka_unit_test(event_on_dev_null_is_always_ready),
      cmocka_unit_test(event_on_a_pipe_fires_when_readable),
  };
  return cmocka_run_group_tests_name("fd_kinds(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}

#else /* _WIN32 */

static void posix_descriptors_only(void **state) {
  (void)state;
  skip(); /* Windows descriptors given to libevent are SOCKETs: no pipes,
             ptys or files there (the socket tests cover sockets). */
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(posix_descriptors_only)};
  return cmocka_run_group_tests_name("fd_kinds(" COMPAT_IMPL_NAME ")", tests, NULL, NULL);
}

#endif
