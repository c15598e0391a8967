/* SPDX-License-Identifier: MIT */
/* File segments whose windows are mapped views of the file (issue 18,
 * uvbev-only: UVBEV_EVBUF_FS_MMAP is uvbev's flag).  The bytes of a mapped
 * segment are the file's through every way of reading a buffer (copyout,
 * peek, search and pullup across windows, moves between buffers), over a
 * socket and through a filter layer; views go when their bytes are drained,
 * so a 256 MiB file streams with a few views at a time, and views kept by a
 * search cost no anonymous memory.  EVBUF_FS_DISABLE_MMAP wins, and
 * evbuffer_add_file never maps.  What cannot be mapped is read: a file that
 * refuses mmap, a segment that runs past the end of its file (mapping it
 * would raise SIGBUS on Unix).
 *
 * Which bytes are views is seen from outside the library: the mappings of
 * the file in /proc/self/maps on Linux, VirtualQuery on Windows; elsewhere
 * those checks are left out and the bytes are still checked. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/bufferevent.h>
#include <uvbev/uvbev.h>

#include "file_send_rig.h"

#ifdef _WIN32
#include <windows.h>
#else
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#endif
#ifdef __linux__
#include <sys/sysmacros.h>
#endif

#define WINDOW ((size_t)256 * 1024)
#define FILE_LEN (4 * WINDOW + 12345)
#define SEG_AT 1000 /* the segment starts off a page boundary */
#define SEG_LEN (FILE_LEN - SEG_AT)
#define REAL_LEN ((size_t)(8u << 20) + 4321)
#define SPARSE_LEN ((size_t)256 << 20)
#define MMAP_ONLY (UVBEV_EVBUF_FS_MMAP | EVBUF_FS_DISABLE_SENDFILE)

/* ---- what is mapped ---------------------------------------------------------- */

/* A file as /proc/self/maps names it (Linux). */
struct file_id {
  unsigned dev_major, dev_minor;
  unsigned long long ino;
};

static struct file_id file_id_of(int fd) {
  struct file_id id = {0, 0, 0};
#ifdef __linux__
  struct stat st;
  assert_int_equal(fstat(fd, &st), 0);
  id.dev_major = major(st.st_dev);
  id.dev_minor = minor(st.st_dev);
  id.ino = (unsigned long long)st.st_ino;
#else
  (void)fd;
#endif
  return id;
}

/* Bytes of file id mapped into this process now, and whether p lies in one
 * of its mappings (*inside), from /proc/self/maps; -1 where it cannot be
 * told (not Linux). */
static long mapped_bytes_at(const struct file_id *id, const void *p, int *inside) {
#ifdef __linux__
  char line[4200];
  long n = 0;
  FILE *f = fopen("/proc/self/maps", "r");
  assert_non_null(f);
  if (inside != NULL) *inside = 0;
  while (fgets(line, sizeof(line), f) != NULL) {
    unsigned long lo, hi;
    unsigned maj, min;
    unsigned long long ino;
    if (sscanf(line, "%lx-%lx %*s %*s %x:%x %llu", &lo, &hi, &maj, &min, &ino) != 5 ||
        ino != id->ino || maj != id->dev_major || min != id->dev_minor)
      continue;
    n += (long)(hi - lo);
    if (inside != NULL && (uintptr_t)p >= lo && (uintptr_t)p < hi) *inside = 1;
  }
  fclose(f);
  return n;
#else
  (void)id;
  (void)p;
  (void)inside;
  return -1;
#endif
}

static long mapped_bytes(const struct file_id *id) {
  return mapped_bytes_at(id, NULL, NULL);
}

/* 1 when p lies in a view of file id, 0 when not, -1 where it cannot be
 * told. */
static int is_view(const struct file_id *id, const void *p) {
#ifdef _WIN32
  MEMORY_BASIC_INFORMATION mbi;
  (void)id;
  assert_true(VirtualQuery(p, &mbi, sizeof(mbi)) != 0);
  return mbi.Type == MEM_MAPPED;
#else
  int inside = 0;
  return mapped_bytes_at(id, p, &inside) < 0 ? -1 : inside;
#endif
}

/* Anonymous memory of the process in KiB (Linux: RssAnon), or -1. */
static long rss_anon_kib(void) {
  long kib = -1;
#ifdef __linux__
  char line[256];
  FILE *f = fopen("/proc/self/status", "r");
  assert_non_null(f);
  while (fgets(line, sizeof(line), f) != NULL)
    if (sscanf(line, "RssAnon: %ld", &kib) == 1) break;
  fclose(f);
#endif
  return kib;
}

/* ---- a buffer holding a segment ------------------------------------------------ */

/* A buffer holding SEG_LEN bytes of a new file of FILE_LEN pseudo-random
 * bytes (fsr_byte), from SEG_AT, as a segment with fs_flags (the buffer
 * owns it, CLOSE_ON_FREE); *id names the file. */
static struct evbuffer *segment_buffer(unsigned fs_flags, struct file_id *id) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_file_segment *seg;
  uint32_t sum;
  int fd = fsr_temp_file(FILE_LEN, 0, &sum);
  assert_true(fd >= 0);
  *id = file_id_of(fd);
  seg = evbuffer_file_segment_new(fd, SEG_AT, -1, EVBUF_FS_CLOSE_ON_FREE | fs_flags);
  assert_non_null(seg);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, -1), 0);
  evbuffer_file_segment_free(seg);
  assert_int_equal(evbuffer_get_length(buf), SEG_LEN);
  return buf;
}

/* p holds n bytes of the file from position `at` of the segment. */
static void assert_file_bytes(const void *p, size_t at, size_t n) {
  const unsigned char *b = p;
  size_t i;
  for (i = 0; i < n; i++)
    if (b[i] != fsr_byte(SEG_AT + at + i))
      fail_msg("byte %lu of the segment", (unsigned long)(at + i));
}

/* Peeks all of buf (windows load), checks the bytes; returns the extents
 * and how many of them are views (-1: cannot be told). */
static int peek_all(struct evbuffer *buf, const struct file_id *id, int *views) {
  struct evbuffer_iovec v[16];
  size_t at = 0;
  int n = evbuffer_peek(buf, -1, NULL, v, 16), i;
  *views = 0;
  for (i = 0; i < n; i++) {
    int view = is_view(id, v[i].iov_base);
    assert_true(v[i].iov_len > 0 && v[i].iov_len <= WINDOW);
    assert_file_bytes(v[i].iov_base, at, v[i].iov_len);
    at += v[i].iov_len;
    *views = view < 0 || *views < 0 ? -1 : *views + view;
  }
  return n;
}

/* The buffer drained, no view of the file is left. */
static void drain_and_free(struct evbuffer *buf, const struct file_id *id) {
  assert_int_equal(evbuffer_drain(buf, evbuffer_get_length(buf)), 0);
  if (mapped_bytes(id) >= 0) assert_int_equal(mapped_bytes(id), 0);
  evbuffer_free(buf);
}

/* ---- the bytes of a mapped segment ---------------------------------------------- */

static void copyout_gives_the_file(void **state) {
  struct file_id id;
  struct evbuffer *buf = segment_buffer(UVBEV_EVBUF_FS_MMAP, &id);
  unsigned char *out = malloc(SEG_LEN);
  (void)state;
  assert_non_null(out);
  assert_int_equal(evbuffer_copyout(buf, out, SEG_LEN), SEG_LEN);
  assert_file_bytes(out, 0, SEG_LEN);
  free(out);
  drain_and_free(buf, &id);
}

/* Every extent a peek gives is a view of the file, one window each. */
static void peek_gives_views_of_the_file(void **state) {
  struct file_id id;
  struct evbuffer *buf = segment_buffer(UVBEV_EVBUF_FS_MMAP, &id);
  int views;
  (void)state;
  assert_int_equal(peek_all(buf, &id, &views), 5);
  if (views >= 0) assert_int_equal(views, 5);
  if (mapped_bytes(&id) >= 0) assert_true(mapped_bytes(&id) >= (long)SEG_LEN);
  drain_and_free(buf, &id);
}

/* 16 bytes across the boundary of the second and third windows, searched
 * before any window is loaded. */
static void search_finds_bytes_across_a_window_boundary(void **state) {
  struct file_id id;
  struct evbuffer *buf = segment_buffer(UVBEV_EVBUF_FS_MMAP, &id);
  unsigned char what[16];
  struct evbuffer_ptr p;
  size_t i;
  (void)state;
  for (i = 0; i < sizeof(what); i++)
    what[i] = fsr_byte(SEG_AT + 2 * WINDOW - 8 + i);
  p = evbuffer_search(buf, (const char *)what, sizeof(what), NULL);
  assert_int_equal(p.pos, 2 * WINDOW - 8);
  drain_and_free(buf, &id);
}

static void pullup_joins_windows(void **state) {
  struct file_id id;
  struct evbuffer *buf = segment_buffer(UVBEV_EVBUF_FS_MMAP, &id);
  unsigned char *p;
  (void)state;
  p = evbuffer_pullup(buf, WINDOW + 5000);
  assert_non_null(p);
  assert_file_bytes(p, 0, WINDOW + 5000);
  p = evbuffer_pullup(buf, -1);
  assert_non_null(p);
  assert_file_bytes(p, 0, SEG_LEN);
  drain_and_free(buf, &id);
}

/* Views move between buffers with the bytes, and go once drained there. */
static void views_move_between_buffers(void **state) {
  struct file_id id;
  struct evbuffer *src = segment_buffer(UVBEV_EVBUF_FS_MMAP, &id);
  struct evbuffer *mid = evbuffer_new(), *dst = evbuffer_new();
  unsigned char *out = malloc(SEG_LEN);
  struct evbuffer_iovec v[2];
  (void)state;
  assert_non_null(out);
  assert_int_equal(evbuffer_peek(src, 2 * WINDOW, NULL, v, 2), 2); /* two windows mapped */
  assert_int_equal(evbuffer_remove_buffer(src, mid, WINDOW + 777), WINDOW + 777);
  assert_int_equal(evbuffer_add_buffer(dst, src), 0);
  assert_int_equal(evbuffer_get_length(src), 0);
  assert_int_equal(evbuffer_remove(mid, out, SEG_LEN), WINDOW + 777);
  assert_int_equal(evbuffer_copyout(dst, out + WINDOW + 777, SEG_LEN), SEG_LEN - WINDOW - 777);
  assert_file_bytes(out, 0, SEG_LEN);
  free(out);
  evbuffer_free(src);
  evbuffer_free(mid);
  /* dst starts with the rest of the second window, which moved as a view. */
  assert_int_equal(evbuffer_peek(dst, 1, NULL, v, 1), 1);
  if (is_view(&id, v[0].iov_base) >= 0) assert_int_equal(is_view(&id, v[0].iov_base), 1);
  drain_and_free(dst, &id);
}

/* EVBUF_FS_DISABLE_MMAP over UVBEV_EVBUF_FS_MMAP, and evbuffer_add_file:
 * the windows are read into memory, nothing is mapped. */
static void nothing_maps_unless_asked(void **state) {
  struct file_id id;
  struct evbuffer *buf = segment_buffer(UVBEV_EVBUF_FS_MMAP | EVBUF_FS_DISABLE_MMAP, &id);
  uint32_t sum;
  int views, fd;
  (void)state;
  assert_int_equal(peek_all(buf, &id, &views), 5);
  if (views >= 0) assert_int_equal(views, 0);
  drain_and_free(buf, &id);
  buf = evbuffer_new();
  fd = fsr_temp_file(FILE_LEN, 0, &sum);
  assert_true(fd >= 0);
  id = file_id_of(fd);
  assert_int_equal(evbuffer_add_file(buf, fd, SEG_AT, -1), 0);
  assert_int_equal(peek_all(buf, &id, &views), 5);
  if (views >= 0) assert_int_equal(views, 0);
  drain_and_free(buf, &id);
}

static void count_cleanup(struct evbuffer_file_segment const *seg, int flags, void *arg) {
  (void)seg;
  (void)flags;
  ++*(int *)arg;
}

/* 8 MiB mapped window by window: the descriptor is closed once the last
 * view is gone, not before. */
static void close_on_free_closes_after_the_last_view(void **state) {
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_file_segment *seg;
  struct evbuffer_iovec v[64];
  uint32_t sum;
  int cleaned = 0, n, i;
  int fd = fsr_temp_file(REAL_LEN, 0, &sum);
  struct file_id id = file_id_of(fd);
  (void)state;
  seg = evbuffer_file_segment_new(fd, 0, -1, EVBUF_FS_CLOSE_ON_FREE | UVBEV_EVBUF_FS_MMAP);
  assert_non_null(seg);
  evbuffer_file_segment_add_cleanup_cb(seg, count_cleanup, &cleaned);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, -1), 0);
  evbuffer_file_segment_free(seg);
  n = evbuffer_peek(buf, -1, NULL, v, 64);
  assert_int_equal(n, (int)((REAL_LEN + WINDOW - 1) / WINDOW));
  for (i = 0; i < n; i++)
    if (is_view(&id, v[i].iov_base) == 0) fail_msg("extent %d is not a view", i);
  assert_int_equal(evbuffer_drain(buf, REAL_LEN / 2), 0);
  assert_int_equal(cleaned, 0);
#ifndef _WIN32
  assert_true(fcntl(fd, F_GETFD) != -1);
#endif
  evbuffer_free(buf);
  assert_int_equal(cleaned, 1);
#ifndef _WIN32
  assert_int_equal(fcntl(fd, F_GETFD), -1); /* before anything opens a descriptor */
  assert_int_equal(errno, EBADF);
#endif
  if (mapped_bytes(&id) >= 0) assert_int_equal(mapped_bytes(&id), 0);
}

/* ---- what cannot be mapped is read ---------------------------------------------- */

/* A regular file that refuses mmap (a sysfs attribute, Linux): read. */
static void file_refusing_mmap_is_read(void **state) {
#ifdef __linux__
  static const char *const paths[] = {"/sys/devices/system/cpu/possible",
                                      "/sys/kernel/mm/transparent_hugepage/enabled"};
  char want[256], out[256];
  struct evbuffer *buf;
  struct evbuffer_file_segment *seg;
  struct evbuffer_iovec v;
  ssize_t n = -1;
  size_t k;
  int fd = -1;
  (void)state;
  for (k = 0; k < sizeof(paths) / sizeof(paths[0]) && n <= 0; k++) {
    if (fd >= 0) close(fd);
    fd = open(paths[k], O_RDONLY);
    n = fd >= 0 ? pread(fd, want, sizeof(want), 0) : -1;
  }
  if (n <= 0) skip(); /* no sysfs here */
  seg = evbuffer_file_segment_new(fd, 0, n, EVBUF_FS_CLOSE_ON_FREE | MMAP_ONLY);
  assert_non_null(seg);
  buf = evbuffer_new();
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, -1), 0);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, -1), 0);
  evbuffer_file_segment_free(seg);
  assert_int_equal(evbuffer_peek(buf, n, NULL, &v, 1), 1);
  assert_int_equal(v.iov_len, n);
  assert_memory_equal(v.iov_base, want, (size_t)n);
  assert_int_equal(evbuffer_drain(buf, (size_t)n), 0);
  assert_int_equal(evbuffer_remove(buf, out, sizeof(out)), n);
  assert_memory_equal(out, want, (size_t)n);
  evbuffer_free(buf);
#else
  (void)state;
  skip(); /* no file known to refuse mmap */
#endif
}

/* Also on the socket write path, where a window that cannot be mapped is
 * read on the thread pool instead. */
static void file_refusing_mmap_is_sent(void **state) {
#ifdef __linux__
  struct fsr_run r;
  struct evbuffer_file_segment *seg;
  char want[256];
  int fd = open("/sys/devices/system/cpu/possible", O_RDONLY);
  ssize_t n = fd >= 0 ? pread(fd, want, sizeof(want), 0) : -1;
  (void)state;
  if (n <= 0) skip(); /* no sysfs here */
  memset(&r, 0, sizeof(r));
  fsr_socket_pair(&r);
  /* Its size says 4096: the segment is what it holds. */
  seg = evbuffer_file_segment_new(fd, 0, n, EVBUF_FS_CLOSE_ON_FREE | MMAP_ONLY);
  assert_non_null(seg);
  assert_int_equal(evbuffer_add_file_segment(bufferevent_get_output(r.writer), seg, 0, -1), 0);
  evbuffer_file_segment_free(seg);
  fsr_send(&r, -1, (size_t)n, 0, 0);
  assert_int_equal(r.errors, 0);
  assert_int_equal(r.received, n);
  assert_int_equal(r.sum, fsr_fnv(2166136261u, (const unsigned char *)want, (size_t)n));
  fsr_free(&r);
#else
  (void)state;
  skip(); /* no file known to refuse mmap */
#endif
}

/* A segment longer than its file: the windows inside the file are views,
 * the one past its end is not mapped (on Unix touching it would raise
 * SIGBUS) but read, short: a peek stops there, a send sends what the file
 * holds then fails the write. */
static void segment_past_the_end_is_not_mapped(void **state) {
  struct fsr_run r;
  struct evbuffer_file_segment *seg;
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_iovec v[8];
  uint32_t sum;
  int fd = fsr_temp_file(3 * WINDOW + 100, 0, &sum), i;
  struct file_id id = file_id_of(fd);
  (void)state;
  seg = evbuffer_file_segment_new(fd, 0, 4 * WINDOW, EVBUF_FS_CLOSE_ON_FREE | MMAP_ONLY);
  assert_non_null(seg);
  assert_int_equal(evbuffer_add_file_segment(buf, seg, 0, -1), 0);
  assert_int_equal(evbuffer_peek(buf, -1, NULL, v, 8), 3);
  for (i = 0; i < 3; i++)
    if (is_view(&id, v[i].iov_base) == 0) fail_msg("window %d is not a view", i);
  evbuffer_free(buf);
  assert_int_equal(fsr_send_to_event(&r, seg), BEV_EVENT_ERROR | BEV_EVENT_WRITING);
  assert_int_equal(evbuffer_get_length(bufferevent_get_output(r.writer)), WINDOW - 100);
  fsr_free(&r);
}

/* ---- sending ----------------------------------------------------------------------- */

static void real_file_mapped_arrives_intact(unsigned fs_flags, int filtered, const char *what) {
  struct fsr_run r;
  uint32_t sum;
  int fd = fsr_temp_file(REAL_LEN, 0, &sum);
  assert_true(fd >= 0);
  memset(&r, 0, sizeof(r));
  fsr_socket_pair(&r);
  if (filtered) {
    r.writer = bufferevent_filter_new(r.writer, NULL, NULL, BEV_OPT_CLOSE_ON_FREE, NULL, NULL);
    assert_non_null(r.writer);
  }
  fsr_send(&r, fd, REAL_LEN, 0, fs_flags);
  fsr_check_bounds(&r, what);
  assert_int_equal(r.sum, sum);
  fsr_free(&r);
}

/* Views written with uv_write. */
static void mapped_file_arrives_intact_over_a_socket(void **state) {
  (void)state;
  real_file_mapped_arrives_intact(MMAP_ONLY, 0, "mapped, no sendfile");
}

/* sendfile first, views when the socket is full. */
static void mapped_file_arrives_intact_with_sendfile(void **state) {
  (void)state;
  real_file_mapped_arrives_intact(UVBEV_EVBUF_FS_MMAP, 0, "mapped, sendfile allowed");
}

/* The filter takes the views through the read path. */
static void mapped_file_arrives_intact_through_a_filter(void **state) {
  (void)state;
  real_file_mapped_arrives_intact(MMAP_ONLY, 1, "mapped, through a filter");
}

struct view_watch {
  struct file_id id;
  long max_mapped;
};

static void on_watch(evutil_socket_t fd, short what, void *arg) {
  struct view_watch *w = arg;
  long n = mapped_bytes(&w->id);
  (void)fd;
  (void)what;
  if (n > w->max_mapped) w->max_mapped = n;
}

/* 256 MiB sparse sent from views: the views go as their bytes are written
 * (a sampled count of mapped bytes stays at a few windows: a write pins
 * 64 KiB, in the window being written and the next), so peak RSS, which
 * counts the file pages mapped, stays far below the file's size.  Writes are
 * held to 64 KiB: with the default (a whole window per write) a window is
 * mapped and written within one loop iteration, and the sampling timer,
 * which runs while the loop waits for the next window, would see none. */
static void sparse_file_streams_from_few_views(void **state) {
  struct timeval five_ms = {0, 5000};
  struct view_watch w;
  struct fsr_run r;
  struct event *watch;
  uint32_t sum;
  int fd = fsr_temp_file(SPARSE_LEN, 1, &sum);
  (void)state;
  if (fd < 0) skip(); /* no sparse file here */
  w.id = file_id_of(fd);
  w.max_mapped = 0;
  memset(&r, 0, sizeof(r));
  fsr_socket_pair(&r);
  assert_int_equal(bufferevent_set_max_single_write(r.writer, 64 * 1024), 0);
  watch = event_new(r.base, -1, EV_PERSIST, on_watch, &w);
  event_add(watch, &five_ms);
  fsr_send(&r, fd, SPARSE_LEN, 1, MMAP_ONLY);
  event_free(watch);
  print_message("most bytes of the file mapped at once (sampled): %ld KiB\n", w.max_mapped / 1024);
  fsr_check_bounds(&r, "256 MiB sparse, mapped");
  assert_int_equal(r.nonzero, 0);
  if (mapped_bytes(&w.id) >= 0) {
    assert_true(w.max_mapped > 0); /* views were used */
    assert_true(w.max_mapped <= (long)(4 * WINDOW));
    assert_int_equal(mapped_bytes(&w.id), 0); /* all written: none left */
  }
  fsr_free(&r);
}

/* A search through 64 MiB keeps every window it loaded, as views: the
 * process's anonymous memory does not grow by the file's size (read
 * windows would make it). */
static void windows_kept_by_a_search_are_not_anonymous_memory(void **state) {
  size_t len = (size_t)64 << 20;
  struct evbuffer *buf = evbuffer_new();
  struct evbuffer_ptr p;
  struct file_id id;
  uint32_t sum;
  long before, after;
  int fd = fsr_temp_file(len, 1, &sum);
  (void)state;
  if (fd < 0) skip(); /* no sparse file here */
  id = file_id_of(fd);
  assert_int_equal(fsr_add_file(buf, fd, UVBEV_EVBUF_FS_MMAP), 0);
  before = rss_anon_kib();
  p = evbuffer_search(buf, "x", 1, NULL);
  after = rss_anon_kib();
  assert_int_equal(p.pos, -1);
  print_message("search through 64 MiB mapped: anonymous memory %ld -> %ld KiB\n", before, after);
  if (before >= 0) assert_true(after - before < 16 * 1024);
  if (mapped_bytes(&id) >= 0) assert_true(mapped_bytes(&id) >= (long)len);
  drain_and_free(buf, &id);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(copyout_gives_the_file),
      cmocka_unit_test(peek_gives_views_of_the_file),
      cmocka_unit_test(search_finds_bytes_across_a_window_boundary),
      cmocka_unit_test(pullup_joins_windows),
      cmocka_unit_test(views_move_between_buffers),
      cmocka_unit_test(nothing_maps_unless_asked),
      cmocka_unit_test(close_on_free_closes_after_the_last_view),
      cmocka_unit_test(file_refusing_mmap_is_read),
      cmocka_unit_test(file_refusing_mmap_is_sent),
      cmocka_unit_test(segment_past_the_end_is_not_mapped),
      cmocka_unit_test(mapped_file_arrives_intact_over_a_socket),
      cmocka_unit_test(mapped_file_arrives_intact_with_sendfile),
      cmocka_unit_test(mapped_file_arrives_intact_through_a_filter),
      cmocka_unit_test(sparse_file_streams_from_few_views),
      cmocka_unit_test(windows_kept_by_a_search_are_not_anonymous_memory),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
