/* SPDX-License-Identifier: MIT */
/* <event2/event-config.h> and libevent's export-macro spellings: what
 * libevent's own tests and samples include to learn the platform's facts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event-config.h>
#include <event2/visibility.h>
#include <event2/event.h>

#ifndef EVENT2_CORE_EXPORT_SYMBOL
#error "EVENT2_CORE_EXPORT_SYMBOL is not defined by <event2/visibility.h>"
#endif
#ifndef EVENT2_EXPORT_SYMBOL
#error "EVENT2_EXPORT_SYMBOL is not defined by <event2/visibility.h>"
#endif

/* A libevent-style declaration compiles with both spellings. */
EVENT2_CORE_EXPORT_SYMBOL int config_header_core_export_probe(void);
EVENT2_EXPORT_SYMBOL int config_header_export_probe(void);

static void sizes_match_the_compiler(void **state) {
  (void)state;
#if !defined(EVENT__SIZEOF_VOID_P) || !defined(EVENT__SIZEOF_INT) || !defined(EVENT__SIZEOF_SIZE_T)
  fail_msg("event-config.h lacks EVENT__SIZEOF_VOID_P/INT/SIZE_T");
#else
  assert_int_equal(EVENT__SIZEOF_VOID_P, sizeof(void *));
  assert_int_equal(EVENT__SIZEOF_INT, sizeof(int));
  assert_int_equal(EVENT__SIZEOF_SIZE_T, sizeof(size_t));
#endif
#ifdef EVENT__SIZEOF_LONG
  assert_int_equal(EVENT__SIZEOF_LONG, sizeof(long));
#else
  fail_msg("event-config.h lacks EVENT__SIZEOF_LONG");
#endif
#ifdef EVENT__SIZEOF_TIME_T /* libevent's Windows header has none */
  assert_int_equal(EVENT__SIZEOF_TIME_T, sizeof(time_t));
#endif
}

static void platform_headers_are_reported(void **state) {
  (void)state;
#ifndef _WIN32
#if !defined(EVENT__HAVE_SYS_SOCKET_H) || !defined(EVENT__HAVE_UNISTD_H) || \
    !defined(EVENT__HAVE_SYS_TIME_H) || !defined(EVENT__HAVE_NETINET_IN_H)
  fail_msg("event-config.h does not report the POSIX headers this platform has");
#endif
#endif
#ifdef __linux__
#if !defined(EVENT__HAVE_EPOLL) || !defined(EVENT__HAVE_SIGACTION) || !defined(EVENT__HAVE_PTHREADS)
  fail_msg("event-config.h does not report epoll/sigaction/pthreads on Linux");
#endif
#endif
}

static void version_agrees_with_event_h(void **state) {
  (void)state;
  assert_true(EVENT__NUMERIC_VERSION >= 0x02010000);
  assert_string_equal(EVENT__VERSION, LIBEVENT_VERSION);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(sizes_match_the_compiler),
      cmocka_unit_test(platform_headers_are_reported),
      cmocka_unit_test(version_agrees_with_event_h),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
