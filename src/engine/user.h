/* user.h - `-u USER` of tote run and tote exec, resolved as docker resolves
 * it, in the container's own /etc/passwd and /etc/group (opened beneath its
 * rootfs: a symlink there cannot lead to the host's). */
#ifndef TOTE_ENGINE_USER_H
#define TOTE_ENGINE_USER_H

struct tote_err;

/* "name", "uid", "name:group", "uid:gid" -> uid and gid, as docker reads
 * them: a user name's gid is its passwd entry's; a bare uid without an
 * entry gets gid 0. */
int eng_resolve_user(int rootfd, const char *spec, long *uid, long *gid, struct tote_err **err);

#endif
