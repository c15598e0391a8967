/* SPDX-License-Identifier: MIT */
/* Every EVENT2_*_EXPORT_SYMBOL spelling libevent's headers use (2.1's and
 * 2.2's per-library ones) is defined, so copied libevent-style declarations
 * compile against uvbev's headers. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/visibility.h>

#if !defined(EVENT2_EXPORT_SYMBOL) || !defined(EVENT2_CORE_EXPORT_SYMBOL) || \
    !defined(EVENT2_EXTRA_EXPORT_SYMBOL) || !defined(EVENT2_OPENSSL_EXPORT_SYMBOL) || \
    !defined(EVENT2_MBEDTLS_EXPORT_SYMBOL) || !defined(EVENT2_PTHREADS_EXPORT_SYMBOL)
#error "an EVENT2_*_EXPORT_SYMBOL macro is missing from <event2/visibility.h>"
#endif

EVENT2_CORE_EXPORT_SYMBOL int visibility_probe_core(void);
EVENT2_EXTRA_EXPORT_SYMBOL int visibility_probe_extra(void);
EVENT2_OPENSSL_EXPORT_SYMBOL int visibility_probe_openssl(void);
EVENT2_MBEDTLS_EXPORT_SYMBOL int visibility_probe_mbedtls(void);
EVENT2_PTHREADS_EXPORT_SYMBOL int visibility_probe_pthreads(void);

static void all_spellings_defined(void **state) {
  (void)state;
  /* The checks above are at compile time; reaching here is the test. */
  assert_true(1);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(all_spellings_defined)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
