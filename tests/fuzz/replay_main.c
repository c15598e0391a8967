/* SPDX-License-Identifier: MIT */
/* A plain program around a fuzz target, so that builds without libFuzzer
 * (GCC, MSVC) still run it: every file named on the command line, or found
 * in a directory named there, is fed once to LLVMFuzzerTestOneInput.  The
 * test suite replays the seed corpus and tests/fuzz/regressions/ this way. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  uint8_t *data = NULL;
  size_t size = 0, cap = 0, n;
  if (!f) {
    perror(path);
    return -1;
  }
  do {
    if (size == cap) {
      uint8_t *more = realloc(data, cap = cap * 2 + 4096);
      if (!more) break;
      data = more;
    }
    n = fread(data + size, 1, cap - size, f);
    size += n;
  } while (n > 0);
  fclose(f);
  fprintf(stderr, "replaying %s\n", path); /* names the input if it fails */
  LLVMFuzzerTestOneInput(data ? data : (const uint8_t *)"", size);
  free(data);
  return 0;
}

/* Replays a file, or every regular file of a directory; returns how many. */
static int replay(const char *path) {
  struct stat st;
  DIR *dir;
  struct dirent *e;
  int count = 0;
  if (stat(path, &st) != 0) return 0; /* a missing regression folder is empty */
  if (!S_ISDIR(st.st_mode)) return replay_file(path) == 0;
  if (!(dir = opendir(path))) return 0;
  while ((e = readdir(dir)) != NULL) {
    char sub[4096];
    if (e->d_name[0] == '.') continue;
    snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
    if (stat(sub, &st) == 0 && S_ISREG(st.st_mode)) count += replay_file(sub) == 0;
  }
  closedir(dir);
  return count;
}

int main(int argc, char **argv) {
  int i, total = 0;
  for (i = 1; i < argc; i++)
    total += replay(argv[i]);
  printf("replayed %d inputs\n", total);
  return 0;
}
