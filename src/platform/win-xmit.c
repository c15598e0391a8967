/* SPDX-License-Identifier: MIT */
/* TransmitFile without blocking the loop (platform-internal.h): Windows'
 * sendfile.
 *
 * libuv's completion port owns the socket, and a completion it did not ask
 * for would reach it as one of its own requests.  So the OVERLAPPED's event
 * has its low bit set: the system then signals the event and posts nothing
 * to the port.  A wait registered on the event (the system's wait threads:
 * no thread of libuv's pool is held while a slow peer reads) wakes the loop
 * through a uv_async_t of the transfer's own, whose callback reports the
 * result on the loop thread and closes it; the transfer is freed in the
 * close callback.
 *
 * A transfer given up (its bufferevent freed or its socket replaced) is
 * cancelled (CancelIoEx) and waited for, bounded: the kernel writes into
 * the OVERLAPPED until the operation completes, so the memory must live
 * that long.  Cancelling a send on a socket completes at once; if it did
 * not within XMIT_CANCEL_WAIT_MS the transfer is left allocated (a few
 * hundred bytes, never touched again by us) rather than freed under the
 * kernel's hands. */
#include <io.h>
#include <stdint.h>
#include <winsock2.h>
#include <mswsock.h>
#include <windows.h>

#include "mm-internal.h"
#include "platform-internal.h"

/* How long a given-up transfer's cancellation may take. */
#define XMIT_CANCEL_WAIT_MS 2000

struct uvbev_xmit {
  OVERLAPPED ov; /* first: the kernel's while pending */
  HANDLE event;  /* manual reset; ov.hEvent is it with the low bit set */
  HANDLE wait;   /* RegisterWaitForSingleObject's */
  SOCKET sock;
  uv_async_t async; /* wakes the loop once the event is signalled */
  uvbev_xmit_cb cb; /* NULL once abandoned */
  void *arg;
};

static void xmit_freed(uv_handle_t *h) {
  struct uvbev_xmit *x = h->data;
  CloseHandle(x->event);
  uvbev_free_(x);
}

/* The system's wait thread: the transfer completed. */
static void CALLBACK xmit_signalled(PVOID arg, BOOLEAN timed_out) {
  struct uvbev_xmit *x = arg;
  (void)timed_out;
  uv_async_send(&x->async);
}

/* The completed transfer's libuv error (0: none); *sent gets the bytes that
 * went out, which an error or a cancel may follow. */
static int xmit_result(struct uvbev_xmit *x, int *sent) {
  DWORD n = 0;
  BOOL ok = GetOverlappedResult((HANDLE)x->sock, &x->ov, &n, FALSE);
  int err = ok ? 0 : uv_translate_sys_error((int)GetLastError());
  *sent = n > INT32_MAX ? INT32_MAX : (int)n;
  return err;
}

static void xmit_done(uv_async_t *a) {
  struct uvbev_xmit *x = a->data;
  uvbev_xmit_cb cb = x->cb;
  /* The wait fired once (WT_EXECUTEONLYONCE); unregistering it, waiting
   * for its callback to return, means nothing sends to the async again. */
  UnregisterWaitEx(x->wait, INVALID_HANDLE_VALUE);
  x->wait = NULL;
  if (cb != NULL) {
    int sent, err = xmit_result(x, &sent);
    cb(x->arg, err < 0 ? err : sent);
  }
  uv_close((uv_handle_t *)&x->async, xmit_freed);
}

/* The length of file (a disk file) from offset, or -1 if it is not one. */
static int64_t file_left(HANDLE file, int64_t offset) {
  LARGE_INTEGER size;
  if (GetFileType(file) != FILE_TYPE_DISK || !GetFileSizeEx(file, &size)) return -1;
  return size.QuadPart > offset ? size.QuadPart - offset : 0;
}

static LPFN_TRANSMITFILE transmit_file_fn(SOCKET sock) {
  GUID id = WSAID_TRANSMITFILE;
  LPFN_TRANSMITFILE fn = NULL;
  DWORD got = 0;
  if (WSAIoctl(sock, SIO_GET_EXTENSION_FUNCTION_POINTER, &id, sizeof(id), &fn, sizeof(fn), &got,
               NULL, NULL) != 0)
    return NULL;
  return fn;
}

int uvbev_xmit_start_(uv_loop_t *loop, evutil_socket_t sock, int file_fd, int64_t offset,
                      size_t len, uvbev_xmit_cb cb, void *arg, struct uvbev_xmit **out) {
  HANDLE file = (HANDLE)_get_osfhandle(file_fd);
  LPFN_TRANSMITFILE transmit;
  struct uvbev_xmit *x;
  int64_t left;
  int r, done;
  *out = NULL;
  if (file == INVALID_HANDLE_VALUE || offset < 0) return UV_ENOSYS;
  if ((left = file_left(file, offset)) < 0) return UV_ENOSYS; /* a pipe: read it instead */
  if (left == 0 || len == 0) return 0;
  if ((uint64_t)len > (uint64_t)left) len = (size_t)left;
  if (len > 0x7ffffffeu) len = 0x7ffffffeu; /* TransmitFile's limit */
  if ((transmit = transmit_file_fn((SOCKET)sock)) == NULL) return UV_ENOSYS;
  if ((x = uvbev_calloc_(1, sizeof(*x))) == NULL) return UV_ENOMEM;
  x->sock = (SOCKET)sock;
  x->cb = cb;
  x->arg = arg;
  x->event = CreateEventW(NULL, TRUE, FALSE, NULL);
  if (x->event == NULL) {
    uvbev_free_(x);
    return UV_ENOMEM;
  }
  if ((r = uv_async_init(loop, &x->async, xmit_done)) < 0) {
    CloseHandle(x->event);
    uvbev_free_(x);
    return r;
  }
  x->async.data = x;
  x->ov.Offset = (DWORD)((uint64_t)offset & 0xffffffffu);
  x->ov.OffsetHigh = (DWORD)((uint64_t)offset >> 32);
  x->ov.hEvent = (HANDLE)((uintptr_t)x->event | 1); /* not to libuv's port */
  if (!transmit((SOCKET)sock, file, (DWORD)len, 0, &x->ov, NULL, 0)) {
    int err = WSAGetLastError();
    if (err != WSA_IO_PENDING && err != ERROR_IO_PENDING) {
      x->cb = NULL;
      uv_close((uv_handle_t *)&x->async, xmit_freed);
      return uv_translate_sys_error(err);
    }
  }
  /* Pending, or done already (the event is signalled either way). */
  if (!RegisterWaitForSingleObject(&x->wait, x->event, xmit_signalled, x, INFINITE,
                                   WT_EXECUTEONLYONCE | WT_EXECUTEINWAITTHREAD)) {
    int err = uv_translate_sys_error((int)GetLastError());
    x->wait = NULL;
    x->cb = NULL;
    CancelIoEx((HANDLE)x->sock, &x->ov);
    done = WaitForSingleObject(x->event, XMIT_CANCEL_WAIT_MS) == WAIT_OBJECT_0;
    /* Freed once the kernel let go of it, else left (see the top). */
    uv_close((uv_handle_t *)&x->async, done ? xmit_freed : NULL);
    return err;
  }
  *out = x;
  return 1;
}

int uvbev_xmit_settle_(struct uvbev_xmit *x, uint64_t deadline) {
  while (WaitForSingleObject(x->event, 0) != WAIT_OBJECT_0) {
    uint64_t now = uv_hrtime();
    DWORD ms;
    if (now >= deadline) return 0;
    ms = (DWORD)((deadline - now + 999999) / 1000000);
    WaitForSingleObject(x->event, ms);
  }
  return 1;
}

int uvbev_xmit_abandon_(struct uvbev_xmit *x) {
  int sent, err;
  x->cb = NULL;
  if (WaitForSingleObject(x->event, 0) != WAIT_OBJECT_0) {
    CancelIoEx((HANDLE)x->sock, &x->ov);
    if (WaitForSingleObject(x->event, XMIT_CANCEL_WAIT_MS) != WAIT_OBJECT_0) {
      /* Still the kernel's: it stays allocated (see the top of the file). */
      if (x->wait != NULL) UnregisterWaitEx(x->wait, INVALID_HANDLE_VALUE);
      x->wait = NULL;
      uv_close((uv_handle_t *)&x->async, NULL);
      return UV_ETIMEDOUT;
    }
  }
  err = xmit_result(x, &sent);
  /* Completed: no wait may send to the async once it is closed (its
   * pending send, if any, is dropped by the close). */
  if (x->wait != NULL) UnregisterWaitEx(x->wait, INVALID_HANDLE_VALUE);
  x->wait = NULL;
  uv_close((uv_handle_t *)&x->async, xmit_freed);
  return sent > 0 ? sent : err;
}
