/* cp.h - `tote cp`: files and directory trees between a container and the
 * host, with docker cp's rules: a directory SRC makes DEST (or DEST/SRC's
 * name when DEST is a directory that exists), SRC/. copies its contents,
 * a file goes into a DEST directory or becomes DEST; what is in the way is
 * replaced, directories merged.  Owners become the caller's (root) unless
 * archive (-a) keeps them.  The container's side is resolved beneath its
 * root (symlinks in it cannot lead out): for a running container through
 * /proc/PID/root, so its volumes and tmpfs mounts are seen as it sees them;
 * for one that does not run, in its overlay, mounted for the copy. */
#ifndef TOTE_ENGINE_CP_H
#define TOTE_ENGINE_CP_H

#include <stdbool.h>

struct tote_err;

struct eng_cp_side {
  int rootfd;       /* the container's root (resolved beneath), or -1 for the host's paths */
  const char *path; /* for the host: relative to the working directory */
};

int eng_cp(const struct eng_cp_side *src, const struct eng_cp_side *dst, bool archive,
           struct tote_err **err);

#endif
