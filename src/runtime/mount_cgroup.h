/* mount_cgroup.h - a "cgroup" mount: the cgroup hierarchies as the
 * container should see them.
 *
 * Host with cgroup2 at /sys/fs/cgroup: in a new cgroup namespace a cgroup2
 * mount (it shows the namespace's root), else a bind of the container's own
 * cgroup directory.  Host with cgroup v1 (or hybrid): a tmpfs at the
 * destination and in it, for every hierarchy mounted in /sys/fs/cgroup, a
 * directory named as on the host ("cpu,cpuacct", "systemd", "unified") with a
 * cgroup/cgroup2 mount (new cgroup namespace) or a bind of the container's
 * cgroup in that hierarchy, plus symlinks "cpu" and "cpuacct" for co-mounted
 * controllers.  The mount's flags apply to every piece; "ro" makes the tmpfs
 * read-only last.
 *
 * The container's cgroup in a hierarchy is ctx->cgroup_path when that
 * directory exists there, else where /proc/self/cgroup says the process is. */
#ifndef TOTE_RUNTIME_MOUNT_CGROUP_H
#define TOTE_RUNTIME_MOUNT_CGROUP_H

#include <stdbool.h>

struct rootfs_ctx;
struct rt_mount;
struct tote_err;

int mount_cgroup(const struct rootfs_ctx *ctx, int rootfd, const struct rt_mount *m,
                   struct tote_err **err);

/* The cgroup2 case with the host's cgroup2 hierarchy at host_dir (exported
 * for tests on hybrid hosts, where it is /sys/fs/cgroup/unified). */
int mount_cgroup_v2(const struct rootfs_ctx *ctx, int rootfd, const struct rt_mount *m,
                      const char *host_dir, struct tote_err **err);

/* From the text of /proc/self/cgroup, the line of the hierarchy whose
 * superblock options are `super` ("rw,cpu,cpuacct"; NULL for cgroup2): its
 * controllers ("cpu,cpuacct", "name=systemd", "" for cgroup2) and the
 * process's path in it.  Both are allocated.  -1 (ENOENT) if none matches. */
int mount_cgroup_self(const char *proc_self_cgroup, const char *super, char **controllers,
                         char **path);

/* The directory of cgroup `path` in a hierarchy mounted at mountpoint whose
 * mountinfo root is `mount_root` ("/" usually); NULL (EXDEV) if the cgroup is
 * not under that root. */
char *mount_cgroup_host_dir(const char *mountpoint, const char *mount_root, const char *path);

#endif
