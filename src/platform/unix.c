/* SPDX-License-Identifier: MIT */
/* Unix (platform-internal.h): the one translation between libuv's negative
 * error codes and errno, signal dispositions, process and thread ids, the C
 * library calls Windows names differently, the backend's name. */
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "platform-internal.h"

/* ---- errors: libuv's codes are -errno (except getaddrinfo's UV_EAI_*) ---- */

int uvbev_socket_error_from_uv_(int uv_err) {
  switch (uv_err) {
  case UV_EAI_AGAIN:
    return EAGAIN;
  case UV_EAI_MEMORY:
    return ENOMEM;
  case UV_EAI_NONAME:
  case UV_EAI_NODATA:
  case UV_EAI_FAIL:
    return EHOSTUNREACH;
  case UV_EAI_CANCELED:
    return ECANCELED;
  case UV_EOF:
    return ECONNRESET;
  default:
    return uv_err < 0 && uv_err > -4096 ? -uv_err : EINVAL;
  }
}

int uvbev_uv_error_from_socket_error_(int sock_err) {
  return -sock_err;
}

void uvbev_set_socket_error_from_uv_(int uv_err) {
  errno = uvbev_socket_error_from_uv_(uv_err);
}

/* ---- signals and processes ------------------------------------------------- */

int uvbev_sig_install_(int signum, void (*handler)(int), struct uvbev_sigsave *old) {
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = handler;
  sa.sa_flags = SA_RESTART;
  sigfillset(&sa.sa_mask);
  return sigaction(signum, &sa, &old->action) == 0 ? 0 : -1;
}

void uvbev_sig_restore_(int signum, const struct uvbev_sigsave *old) {
  sigaction(signum, &old->action, NULL);
}

void uvbev_sig_rearm_(int signum, void (*handler)(int)) {
  (void)signum;
  (void)handler;
}

long uvbev_process_id_(void) {
  return (long)getpid();
}

unsigned long uvbev_thread_self_id_(void) {
  return (unsigned long)(uintptr_t)pthread_self();
}

/* ---- the C library and the system ------------------------------------------ */

unsigned uvbev_if_nametoindex_(const char *name) {
  return (unsigned)if_nametoindex(name);
}

int uvbev_gmtime_(time_t t, struct tm *out) {
  return gmtime_r(&t, out) ? 0 : -1;
}

const char *uvbev_gai_strerror_(int err) {
  return gai_strerror(err);
}

#if defined(__linux__)
#define UVBEV_BACKEND_NAME "epoll"
#elif defined(__APPLE__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__) || \
    defined(__DragonFly__)
#define UVBEV_BACKEND_NAME "kqueue"
#elif defined(__sun)
#define UVBEV_BACKEND_NAME "event ports"
#elif defined(_AIX)
#define UVBEV_BACKEND_NAME "pollset"
#else
#define UVBEV_BACKEND_NAME "poll" /* no second "poll" in the method list */
#define UVBEV_BACKEND_IS_POLL 1
#endif

const char *uvbev_backend_name_(void) {
  return UVBEV_BACKEND_NAME;
}

const char **uvbev_methods_(void) {
#ifdef UVBEV_BACKEND_IS_POLL
  static const char *methods[] = {UVBEV_BACKEND_NAME, NULL};
#else
  static const char *methods[] = {UVBEV_BACKEND_NAME, "poll", NULL};
#endif
  return methods;
}
