/* userns.h - a user's own user namespace, as podman makes one: root in it
 * is the user, and ids 1, 2, ... are the user's subordinate ids from
 * /etc/subuid and /etc/subgid, mapped by newuidmap and newgidmap (package
 * uidmap).  In it a rootless tote keeps the owners of an image's files (a
 * file of uid 1000 is, on disk, the 1000th subordinate id: the range's
 * start + 999) and may remove them again.  A user without ranges is not
 * moved: the files are then all the user's (docs/tote.md). */
#ifndef TOTE_ENGINE_USERNS_H
#define TOTE_ENGINE_USERNS_H

#include <stddef.h>
#include <sys/types.h>

struct rt_idmap;
struct tote_err;

/* The maps for the user (name, or uid as a number) from the text of a
 * subordinate id file: 0 -> outside (the user's own id), then each of the
 * user's ranges in the file's order from id 1 on.  *n is 1 when the user
 * has no range.  Lines that are not name:start:count are skipped. */
void eng_subid_maps(const char *text, const char *name, uid_t uid, unsigned outside,
                    struct rt_idmap **maps, size_t *n);

/* Move this process into the user's namespace when it is not root, is not
 * in it already, and the user has ranges in both files.  Call it while
 * single-threaded.  0 when moved or nothing is to be done, -1 with err
 * (no user namespace can be made, or newuidmap/newgidmap failed). */
int eng_userns_enter(struct tote_err **err);

#endif
