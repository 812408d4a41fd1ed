/* netns.h - network namespaces kept on a path (as `ip netns add` keeps
 * them): made by unshare and bound on a file, so that they outlive the
 * process that made them and can be joined by path. */
#ifndef TOTE_ENGINE_NETNS_H
#define TOTE_ENGINE_NETNS_H

#include <stdbool.h>

struct tote_err;

/* A new network namespace bound on path (its directory made); what an
 * earlier one left there is replaced.  An O_RDONLY fd of it. */
int eng_netns_make(const char *path, struct tote_err **err);
/* Whether path holds a namespace (a live container's). */
bool eng_netns_exists(const char *path);
/* Unbound and removed; what is not there is no error. */
void eng_netns_remove(const char *path);

#endif
