/* rootless.c - is this process rootless (see rootless.h). */
#include "util/rootless.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fs.h"
#include "util/xalloc.h"

/* In a user namespace other than the initial one, whose uid_map is the
 * whole range mapped onto itself. */
static bool in_user_namespace(void) {
  size_t len;
  _cleanup_free_ char *map = read_file_at(AT_FDCWD, "/proc/self/uid_map", &len, NULL);
  unsigned long inside, outside, size;
  if (map == NULL || sscanf(map, "%lu %lu %lu", &inside, &outside, &size) != 3)
    return false;
  return !(inside == 0 && outside == 0 && size == 4294967295UL);
}

/* The mark's uid, or -1 when there is none (or it is not a number). */
static long mark(void) {
  const char *v = getenv(ROOTLESS_ENV);
  char *end;
  if (v == NULL || *v == '\0')
    return -1;
  long uid = strtol(v, &end, 10);
  return *end == '\0' && uid > 0 ? uid : -1;
}

bool rootless(void) {
  static int cached = -1;
  if (geteuid() != 0)
    return true;
  if (cached < 0)
    cached = mark() > 0 && in_user_namespace();
  return cached;
}

uid_t rootless_uid(void) {
  return rootless() && geteuid() == 0 ? (uid_t)mark() : getuid();
}
