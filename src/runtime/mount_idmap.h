/* mount_idmap.h - the user namespace an idmapped mount is mapped through.
 *
 * mount_setattr(MOUNT_ATTR_IDMAP) takes a user namespace fd whose uid/gid
 * maps say how the mount translates ids.  We make one for the mount's maps:
 * a short-lived child unshares a user namespace, we write its maps (with
 * idmap.h's idmap_write) and open /proc/PID/ns/user, and the child exits. */
#ifndef TOTE_RUNTIME_MOUNT_IDMAP_H
#define TOTE_RUNTIME_MOUNT_IDMAP_H

#include <stddef.h>

struct rt_idmap;
struct tote_err;

/* A user namespace fd (O_CLOEXEC) with these maps.  Needs /proc and the
 * privilege to write the maps. */
int mount_idmap_userns_fd(const struct rt_idmap *uids, size_t n_uids, const struct rt_idmap *gids,
                          size_t n_gids, struct tote_err **err);

#endif
