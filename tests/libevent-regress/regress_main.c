/* SPDX-License-Identifier: MIT */
/* The harness's main program for libevent 2.1.12's regression tests.
 *
 * It replaces libevent's test/regress_main.c, which reads libevent's
 * internals, with one written against the public API only: the test groups
 * in scope, the setup/cleanup that regress.h promises (basic_setup,
 * legacy_setup, the test_ok/pair/called globals, regress_make_tmpfile, ...),
 * the few regress_testutils.c helpers the in-scope tests use, and the
 * functions behind the shim headers in shim/ (the tests' PRNG, sleeping,
 * test-side locks, ASCII ctype).  Nothing here reads library state.
 *
 * The same file is built against libevent and against uvbev. */
#include "util-internal.h"
#include "evthread-internal.h"
#include "event-internal.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event2/event.h"
#include "event2/event_compat.h"
#include "event2/listener.h"
#include "event2/thread.h"
#include "event2/util.h"

#include "regress.h"
#include "regress_testutils.h"
#include "regress_thread.h"

/* ---- the groups in scope --------------------------------------------------- */

struct testgroup_t testgroups[] = {
	{ "main/", main_testcases },
	{ "evbuffer/", evbuffer_testcases },
	{ "signal/", signal_testcases },
	{ "util/", util_testcases },
	{ "bufferevent/", bufferevent_testcases },
	{ "thread/", thread_testcases },
	{ "listener/", listener_testcases },
#ifdef EVENT__HAVE_OPENSSL
	{ "ssl/", ssl_testcases },
#endif
	END_OF_GROUPS
};

/* ---- globals regress.h declares (regress.c defines pair/test_ok/...) -------- */

struct evutil_weakrand_state test_weakrand_state;
int in_legacy_test_wrapper = 0;
int libevent_tests_running_in_debug_mode = 0;
/* event_init()'s base, for shim/event-internal.h */
struct event_base *regress_current_base_ = NULL;

long
timeval_msec_diff(const struct timeval *start, const struct timeval *end)
{
	long ms = (long)(end->tv_sec - start->tv_sec) * 1000;
	return ms + ((long)(end->tv_usec - start->tv_usec) + 500) / 1000;
}

int
regress_make_tmpfile(const void *data, size_t datalen, char **filename_out)
{
	char name[] = "/tmp/uvbev-regress.XXXXXX";
	int fd;

	*filename_out = NULL;
	umask(0077);
	fd = mkstemp(name);
	if (fd == -1)
		return -1;
	unlink(name); /* the descriptor keeps it alive */
	if (write(fd, data, datalen) != (ssize_t)datalen) {
		close(fd);
		return -1;
	}
	lseek(fd, 0, SEEK_SET);
	return fd;
}

pid_t
regress_fork(void)
{
	return fork();
}

void
thread_setup(THREAD_T thread)
{
	(void)thread;
}

/* ---- setup and cleanup --------------------------------------------------- */

static void
ignore_log_cb(int severity, const char *msg)
{
	(void)severity;
	(void)msg;
}

static int
make_socketpair(evutil_socket_t pair_out[2])
{
	if (evutil_socketpair(AF_UNIX, SOCK_STREAM, 0, pair_out) == -1)
		return -1;
	if (evutil_make_socket_nonblocking(pair_out[0]) == -1 ||
	    evutil_make_socket_nonblocking(pair_out[1]) == -1)
		return -1;
	return 0;
}

void *
basic_test_setup(const struct testcase_t *testcase)
{
	struct basic_test_data *data;
	evutil_socket_t spair[2] = { -1, -1 };
	struct event_base *base = NULL;

	if (testcase->flags & TT_ENABLE_IOCP_FLAG)
		return (void *)TT_SKIP; /* Windows only */
	if ((testcase->flags & TT_ENABLE_DEBUG_MODE) &&
	    !libevent_tests_running_in_debug_mode) {
		event_enable_debug_mode();
		libevent_tests_running_in_debug_mode = 1;
	}
	if (testcase->flags & TT_NEED_THREADS) {
		if (!(testcase->flags & TT_FORK))
			return NULL;
		if (evthread_use_pthreads())
			exit(1);
	}
	if ((testcase->flags & TT_NEED_SOCKETPAIR) && make_socketpair(spair)) {
		perror("socketpair");
		exit(1);
	}
	if (testcase->flags & TT_NEED_BASE) {
		if (testcase->flags & TT_LEGACY)
			regress_current_base_ = base = event_init();
		else
			base = event_base_new();
		if (!base)
			exit(1);
	}
	if (testcase->flags & TT_NEED_DNS)
		return (void *)TT_SKIP; /* no DNS group in scope */
	if (testcase->flags & TT_NO_LOGS)
		event_set_log_callback(ignore_log_cb);

	data = calloc(1, sizeof(*data));
	if (!data)
		exit(1);
	data->base = base;
	data->pair[0] = spair[0];
	data->pair[1] = spair[1];
	data->setup_data = testcase->setup_data;
	return data;
}

int
basic_test_cleanup(const struct testcase_t *testcase, void *ptr)
{
	struct basic_test_data *data = ptr;

	if (testcase->flags & TT_NO_LOGS)
		event_set_log_callback(NULL);
	if (testcase->flags & TT_NEED_SOCKETPAIR) {
		if (data->pair[0] != -1)
			evutil_closesocket(data->pair[0]);
		if (data->pair[1] != -1)
			evutil_closesocket(data->pair[1]);
	}
	if ((testcase->flags & TT_NEED_BASE) && data->base)
		event_base_free(data->base);
	if (testcase->flags & TT_FORK)
		libevent_global_shutdown();
	free(data);
	return 1;
}

const struct testcase_setup_t basic_setup = {
	basic_test_setup, basic_test_cleanup
};

/* Legacy tests find their base and socketpair in globals and report
 * through test_ok. */
static void *
legacy_test_setup(const struct testcase_t *testcase)
{
	struct basic_test_data *data = basic_test_setup(testcase);
	if (data == (void *)TT_SKIP || data == NULL)
		return data;
	global_base = data->base;
	pair[0] = data->pair[0];
	pair[1] = data->pair[1];
	data->legacy_test_fn = (void (*)(void))testcase->setup_data;
	return data;
}

void
run_legacy_test_fn(void *ptr)
{
	struct basic_test_data *data = ptr;
	test_ok = called = 0;
	in_legacy_test_wrapper = 1;
	data->legacy_test_fn();
	in_legacy_test_wrapper = 0;
	if (!test_ok)
		tt_abort_msg("Legacy unit test failed");
end:
	test_ok = 0;
}

static int
legacy_test_cleanup(const struct testcase_t *testcase, void *ptr)
{
	int r = basic_test_cleanup(testcase, ptr);
	pair[0] = pair[1] = -1;
	global_base = regress_current_base_ = NULL;
	return r;
}

const struct testcase_setup_t legacy_setup = {
	legacy_test_setup, legacy_test_cleanup
};

/* ---- regress_testutils.h ------------------------------------------------- */

int
regress_get_socket_port(evutil_socket_t fd)
{
	struct sockaddr_storage ss;
	ev_socklen_t socklen = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &socklen) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

int
regress_get_listener_addr(struct evconnlistener *lev,
    struct sockaddr *sa, ev_socklen_t *socklen)
{
	evutil_socket_t s = evconnlistener_get_fd(lev);
	if (s <= 0)
		return -1;
	return getsockname(s, sa, socklen);
}

/* ---- the shims' functions (the shim headers) -------------------------------------- */

void
regress_internal_(const char *name)
{
	fprintf(stderr, "uses libevent-internal %s: this test must be excluded\n", name);
	fflush(NULL);
	abort();
}

int
regress_socket_connect_(evutil_socket_t *fd_ptr, const struct sockaddr *sa, int socklen)
{
	int made_fd = 0, e;

	if (*fd_ptr < 0) {
		*fd_ptr = socket(sa->sa_family, SOCK_STREAM, 0);
		if (*fd_ptr < 0)
			return -1;
		made_fd = 1;
		if (evutil_make_socket_nonblocking(*fd_ptr) < 0)
			goto err;
	}
	if (connect(*fd_ptr, sa, (socklen_t)socklen) == 0)
		return 1;
	e = errno;
	if (EVUTIL_ERR_CONNECT_RETRIABLE(e))
		return 0;
	if (EVUTIL_ERR_CONNECT_REFUSED(e))
		return 2;
err:
	if (made_fd) {
		evutil_closesocket(*fd_ptr);
		*fd_ptr = -1;
	}
	return -1;
}

void
regress_usleep_(const struct timeval *tv)
{
	struct timespec ts;
	if (!tv)
		return;
	ts.tv_sec = tv->tv_sec;
	ts.tv_nsec = (long)tv->tv_usec * 1000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

struct regress_cond_ {
	pthread_cond_t cond;
};

void *
regress_lock_new_(unsigned locktype)
{
	pthread_mutexattr_t attr;
	pthread_mutex_t *m = malloc(sizeof(*m));
	if (!m)
		return NULL;
	pthread_mutexattr_init(&attr);
	if (locktype & EVTHREAD_LOCKTYPE_RECURSIVE)
		pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	return m;
}

void
regress_lock_free_(void *lock)
{
	if (lock) {
		pthread_mutex_destroy(lock);
		free(lock);
	}
}

void
regress_lock_(void *lock)
{
	if (lock)
		pthread_mutex_lock(lock);
}

void
regress_unlock_(void *lock)
{
	if (lock)
		pthread_mutex_unlock(lock);
}

void *
regress_cond_new_(void)
{
	struct regress_cond_ *c = malloc(sizeof(*c));
	if (c)
		pthread_cond_init(&c->cond, NULL);
	return c;
}

void
regress_cond_free_(void *cond)
{
	struct regress_cond_ *c = cond;
	if (c) {
		pthread_cond_destroy(&c->cond);
		free(c);
	}
}

int
regress_cond_signal_(void *cond, int broadcast)
{
	struct regress_cond_ *c = cond;
	return broadcast ? pthread_cond_broadcast(&c->cond) : pthread_cond_signal(&c->cond);
}

int
regress_cond_wait_(void *cond, void *lock, const struct timeval *tv)
{
	struct regress_cond_ *c = cond;
	struct timespec ts;
	struct timeval now;
	int r;
	if (!tv)
		return pthread_cond_wait(&c->cond, lock) ? -1 : 0;
	gettimeofday(&now, NULL);
	ts.tv_sec = now.tv_sec + tv->tv_sec + (now.tv_usec + tv->tv_usec) / 1000000;
	ts.tv_nsec = ((now.tv_usec + tv->tv_usec) % 1000000) * 1000;
	r = pthread_cond_timedwait(&c->cond, lock, &ts);
	return r == ETIMEDOUT ? 1 : (r ? -1 : 0);
}

/* ---- main ----------------------------------------------------------------- */

int
main(int argc, const char **argv)
{
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return 1;
	if (!getenv("EVENT_NO_DEBUG_LOCKS"))
		evthread_enable_lock_debugging();
	if (getenv("EVENT_DEBUG_MODE")) {
		event_enable_debug_mode();
		libevent_tests_running_in_debug_mode = 1;
	}
	regress_weakrand_seed_(&test_weakrand_state, 0);
	if (tinytest_main(argc, argv, testgroups))
		return 1;
	libevent_global_shutdown();
	return 0;
}
