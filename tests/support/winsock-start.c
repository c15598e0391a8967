/* SPDX-License-Identifier: MIT */
/* libevent requires a Windows program to start Winsock (WSAStartup) before
 * any socket call; every test does so before main(), so that tests which
 * make sockets before creating a base behave as they would on Windows with
 * libevent.  Nothing to do elsewhere. */
#ifdef _WIN32
#include <winsock2.h>

static void compat_start_winsock(void) {
  WSADATA data;
  WSAStartup(MAKEWORD(2, 2), &data);
}

#if defined(_MSC_VER)
#pragma section(".CRT$XCU", read)
__declspec(allocate(".CRT$XCU")) static void (*compat_start_winsock_ptr)(void) =
    compat_start_winsock;
#else
__attribute__((constructor)) static void compat_start_winsock_ctor(void) {
  compat_start_winsock();
}
#endif
#else
typedef int compat_winsock_start_unused; /* ISO C wants a non-empty file */
#endif
