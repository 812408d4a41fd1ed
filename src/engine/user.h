/* user.h - `-u USER` of tote run and tote exec, resolved as docker resolves
 * it, in the container's own /etc/passwd and /etc/group (opened beneath its
 * rootfs: a symlink there cannot lead to the host's). */
#ifndef TOTE_ENGINE_USER_H
#define TOTE_ENGINE_USER_H

#include <stddef.h>

struct tote_err;

/* "name", "uid", "name:group", "uid:gid" -> uid and gid, as docker reads
 * them: a user name's gid is its passwd entry's; a bare uid without an
 * entry gets gid 0. */
int eng_resolve_user(int rootfd, const char *spec, long *uid, long *gid, struct tote_err **err);

/* The supplementary groups of spec, once eng_resolve_user made it uid and
 * gid, as docker gives them: gid first, then, when spec names no group, the
 * group of each /etc/group line that lists the user's name (its passwd
 * entry's, for a uid), each once.  *gids is malloc'd; returns how many. */
size_t eng_user_groups(int rootfd, const char *spec, long uid, long gid, long **gids);

#endif
