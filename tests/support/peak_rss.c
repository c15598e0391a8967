/* SPDX-License-Identifier: MIT */
/* Peak RSS of the test process (see peak_rss.h). */
#include <stdio.h>
#include <string.h>

#include "peak_rss.h"

#if defined(__linux__)
long cu_peak_rss_kib(void) {
  char line[256];
  long kib = -1;
  FILE *f = fopen("/proc/self/status", "r");
  if (f == NULL) return -1;
  while (fgets(line, sizeof(line), f) != NULL)
    if (strncmp(line, "VmHWM:", 6) == 0 && sscanf(line + 6, "%ld", &kib) == 1) break;
  fclose(f);
  return kib;
}
#elif !defined(_WIN32)
#include <sys/resource.h>
long cu_peak_rss_kib(void) {
  struct rusage ru;
  if (getrusage(RUSAGE_SELF, &ru) != 0) return -1;
#ifdef __APPLE__
  return (long)(ru.ru_maxrss / 1024); /* bytes on macOS */
#else
  return (long)ru.ru_maxrss;
#endif
}
#else
#include <windows.h>
#include <psapi.h>
long cu_peak_rss_kib(void) {
  PROCESS_MEMORY_COUNTERS pmc;
  /* K32GetProcessMemoryInfo: kernel32 itself, no psapi.lib to link. */
  if (!K32GetProcessMemoryInfo(GetCurrentProcess(), &pmc, sizeof(pmc))) return -1;
  return (long)(pmc.PeakWorkingSetSize / 1024);
}
#endif
