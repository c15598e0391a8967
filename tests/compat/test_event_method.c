/* SPDX-License-Identifier: MIT */
/* Choosing the event method: event_config_avoid_method, the EVENT_NO<METHOD>
 * environment variables and EVENT_BASE_FLAG_IGNORE_ENV make a base take the
 * next supported method, or fail when none is left; what tmux does
 * (EVENT_NOEPOLL, then event_init) still gives a working base. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <event2/event.h>
#include <event2/event_compat.h>
#include "compat-util.h"

static void env_set(const char *name) {
#ifdef _WIN32
  _putenv_s(name, "1");
#else
  setenv(name, "1", 1);
#endif
}

static void env_unset(const char *name) {
#ifdef _WIN32
  _putenv_s(name, "");
#else
  unsetenv(name);
#endif
}

/* "EVENT_NO" + the method's name in upper case, as libevent spells it. */
static void env_name(const char *method, char *buf, size_t size) {
  size_t n = 0;
  const char *p;
  for (p = "EVENT_NO"; *p && n < size - 1; p++)
    buf[n++] = *p;
  for (p = method; *p && n < size - 1; p++)
    buf[n++] = (char)((*p >= 'a' && *p <= 'z') ? *p - 'a' + 'A' : *p);
  buf[n] = '\0';
}

static int count_methods(const char **methods) {
  int n = 0;
  while (methods[n])
    n++;
  return n;
}

static void unset_all_method_vars(void) {
  const char **m = event_get_supported_methods();
  char name[128];
  int i;
  for (i = 0; m[i]; i++) {
    env_name(m[i], name, sizeof(name));
    env_unset(name);
  }
}

static int in_list(const char **methods, const char *name) {
  int i;
  for (i = 0; methods[i]; i++)
    if (strcmp(methods[i], name) == 0) return 1;
  return 0;
}

static void avoiding_first_method_picks_another(void **state) {
  const char **methods = event_get_supported_methods();
  struct event_config *cfg = event_config_new();
  struct event_base *base;
  assert_non_null(methods);
  assert_non_null(methods[0]);
  assert_int_equal(event_config_avoid_method(cfg, methods[0]), 0);
  assert_int_equal(event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV), 0);
  base = event_base_new_with_config(cfg);
  if (count_methods(methods) > 1) {
    assert_non_null(base);
    assert_string_not_equal(event_base_get_method(base), methods[0]);
    assert_true(in_list(methods, event_base_get_method(base)));
    event_base_free(base);
  } else {
    assert_null(base);
  }
  event_config_free(cfg);
}

static void avoiding_every_method_fails(void **state) {
  const char **methods = event_get_supported_methods();
  struct event_config *cfg = event_config_new();
  int i;
  for (i = 0; methods[i]; i++)
    assert_int_equal(event_config_avoid_method(cfg, methods[i]), 0);
  event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
  assert_null(event_base_new_with_config(cfg));
  event_config_free(cfg);
}

static void avoiding_unknown_method_changes_nothing(void **state) {
  struct event_config *cfg = event_config_new();
  struct event_base *plain = event_base_new();
  struct event_base *base;
  assert_int_equal(event_config_avoid_method(cfg, "no such method"), 0);
  base = event_base_new_with_config(cfg);
  assert_non_null(base);
  assert_string_equal(event_base_get_method(base), event_base_get_method(plain));
  event_base_free(base);
  event_base_free(plain);
  event_config_free(cfg);
}

static void environment_disables_default_method(void **state) {
  struct event_config *cfg;
  struct event_base *base;
  char name[128], defaultname[128];
  int n_methods;
  unset_all_method_vars();
  /* libevent frees the previous list on each call: count it at once */
  n_methods = count_methods(event_get_supported_methods());
  base = event_base_new();
  assert_non_null(base);
  strncpy(defaultname, event_base_get_method(base), sizeof(defaultname) - 1);
  defaultname[sizeof(defaultname) - 1] = '\0';
  event_base_free(base);

  env_name(defaultname, name, sizeof(name));
  env_set(name);
  cfg = event_config_new();
  base = event_base_new_with_config(cfg);
  if (n_methods > 1) {
    assert_non_null(base);
    assert_string_not_equal(event_base_get_method(base), defaultname);
    event_base_free(base);
  } else {
    assert_null(base);
  }
  event_config_free(cfg);

  /* EVENT_BASE_FLAG_IGNORE_ENV: the variable is not looked at */
  cfg = event_config_new();
  event_config_set_flag(cfg, EVENT_BASE_FLAG_IGNORE_ENV);
  base = event_base_new_with_config(cfg);
  assert_non_null(base);
  assert_string_equal(event_base_get_method(base), defaultname);
  event_base_free(base);
  event_config_free(cfg);
  env_unset(name);
}

struct ready {
  struct event_base *base;
  short what;
  int *pending; /* callbacks still expected; the loop stops at 0 */
};

static void on_ready(evutil_socket_t fd, short what, void *arg) {
  struct ready *r = arg;
  r->what |= what;
  if (--*r->pending == 0) event_base_loopexit(r->base, NULL);
}

/* tmux on Linux: setenv("EVENT_NOEPOLL", "1", 1); event_init().  The base
 * must work: an fd event and a timer fire. */
static void tmux_noepoll_base_works(void **state) {
  evutil_socket_t sv[2];
  struct event_base *base;
  struct event *rev, *timer;
  struct timeval tv = {0, 1000};
  int pending = 2;
  struct ready got_read = {NULL, 0, &pending}, got_timer = {NULL, 0, &pending};
  unset_all_method_vars();
  env_set("EVENT_NOEPOLL");
  base = event_init();
  assert_non_null(base);
  assert_string_not_equal(event_base_get_method(base), "epoll");
  got_read.base = got_timer.base = base;
  assert_int_equal(cu_tcp_pair(sv), 0);
  assert_int_equal(send(sv[0], "x", 1, 0), 1);
  rev = event_new(base, sv[1], EV_READ, on_ready, &got_read);
  timer = evtimer_new(base, on_ready, &got_timer);
  assert_int_equal(event_add(rev, NULL), 0);
  assert_int_equal(evtimer_add(timer, &tv), 0);
  cu_dispatch_bounded(base, 5000);
  assert_int_equal(got_read.what, EV_READ);
  assert_int_equal(got_timer.what, EV_TIMEOUT);
  event_free(rev);
  event_free(timer);
  evutil_closesocket(sv[0]);
  evutil_closesocket(sv[1]);
  event_base_free(base);
  env_unset("EVENT_NOEPOLL");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(avoiding_first_method_picks_another),
      cmocka_unit_test(avoiding_every_method_fails),
      cmocka_unit_test(avoiding_unknown_method_changes_nothing),
      cmocka_unit_test(environment_disables_default_method),
      cmocka_unit_test(tmux_noepoll_base_works),
  };
  return cmocka_run_group_tests_name("compat_event_method (" COMPAT_IMPL_NAME ")", tests, NULL,
                                     NULL);
}
