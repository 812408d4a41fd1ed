/* idmap.h - writing a user namespace's uid and gid maps from the parent. */
#ifndef TOTE_RUNTIME_IDMAP_H
#define TOTE_RUNTIME_IDMAP_H

#include <stddef.h>
#include <sys/types.h>

#include "runtime/config.h"

struct tote_err;

/* Write uid_map/gid_map of pid.  As root the maps are written directly; as
 * an unprivileged user a map of only our own id is written directly (after
 * setgroups "deny"), anything larger goes through newuidmap/newgidmap. */
int idmap_write(pid_t pid, const struct rt_idmap *uids, size_t n_uids, const struct rt_idmap *gids,
                size_t n_gids, struct tote_err **err);
/* "0 1000 1\n..." as the kernel wants it (exported for unit tests). */
char *idmap_format(const struct rt_idmap *m, size_t n);

#endif
