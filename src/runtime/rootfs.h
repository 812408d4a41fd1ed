/* rootfs.h - the container's filesystem: mounts, devices, pivot_root, masks.
 *
 * The container init calls, in this order:
 *   rootfs_prepare()  in its new mount namespace, before pivot_root;
 *   rootfs_pivot()    to make the rootfs its root;
 *   rootfs_finalize() after the pivot (masked and read-only paths, ro root);
 * and rootfs_mount_console() after the pivot when process.terminal is set.
 *
 * Every path inside the rootfs is resolved inside it (see pathat.h) and every
 * mount is made onto the resulting fd (see mountfd.h): a symlink in the
 * rootfs cannot send a mount, a device or a mask outside of it.
 *
 * What the caller must have done before rootfs_prepare:
 *   - be in a new mount namespace (config->ns[RT_NS_MNT].present; refused
 *     otherwise, since it would change the host's mounts), and in the new
 *     user, cgroup, pid, net... namespaces of the config;
 *   - have moved the process into its cgroup (a bind of the container's own
 *     cgroup is found through /proc/self/cgroup when cgroup_path is NULL);
 *   - have the host's /proc mounted at /proc (it is: the namespace is a copy
 *     of the host's), and cwd = the bundle directory;
 *   - with a user namespace and an idmap/ridmap mount: have made that mount's
 *     tree in the parent with rootfs_open_mount_source() and passed it in
 *     mount_fds (inside the user namespace the kernel refuses the idmap).
 * Single-threaded, like the rest of the init: umask is briefly changed while
 * creating device nodes, and a short-lived child is forked for an idmap.
 * No fd is left open by these calls. */
#ifndef TOTE_RUNTIME_ROOTFS_H
#define TOTE_RUNTIME_ROOTFS_H

#include <stdbool.h>

struct rt_config;
struct rt_mount;
struct tote_err;

struct rootfs_ctx {
  const struct rt_config *config;
  const char *rootfs;      /* absolute host path of the rootfs directory (already resolved) */
  bool in_new_userns;      /* mknod is impossible: bind-mount device nodes from the host instead */
  bool new_cgroupns;       /* the process is in a new cgroup namespace */
  const char *cgroup_path; /* the container's cgroup path relative to each hierarchy root,
                              e.g. "/tote/ID" (may be NULL: use /proc/self/cgroup) */
  /* Optional, may be NULL: config->n_mounts entries; mount_fds[i] >= 0 is a
   * detached tree made for bind mount i by rootfs_open_mount_source() in the
   * parent, attached as it is instead of opening mounts[i].source here.  The
   * caller keeps ownership of the fds. */
  const int *mount_fds;
  /* Optional: called before the first cgroup or cgroup2 mount, for a caller
   * that is still being moved into its cgroup (init.c); nonzero fails. */
  int (*await_cgroup)(void *arg, struct tote_err **err);
  void *await_arg;
};

/* In the container's new mount namespace, cwd = the bundle directory
 * (relative bind sources resolve against it), before pivot_root: set the
 * propagation of "/" (MS_SLAVE|MS_REC by default, or linux.rootfsPropagation),
 * bind-mount the rootfs onto itself (MS_BIND|MS_REC), perform every mount of
 * config->mounts in order, and when /dev is not a bind mount: create the
 * default devices (/dev/null, zero, full, random, urandom, tty: 0666 root)
 * and linux.devices, and the /dev symlinks (fd, stdin, stdout, stderr; ptmx ->
 * pts/ptmx when a devpts is mounted; core -> /proc/kcore when a proc is). */
int rootfs_prepare(const struct rootfs_ctx *ctx, struct tote_err **err);

/* Make the rootfs the process's root: pivot_root(".", ".") then
 * umount2(".", MNT_DETACH) of the old root (made rslave first, so the
 * unmount does not propagate to the host); or with no_pivot, MS_MOVE the
 * rootfs onto "/" and chroot (runc's --no-pivot, weaker: the old root stays
 * in the namespace).  Afterwards cwd is "/". */
int rootfs_pivot(const struct rootfs_ctx *ctx, bool no_pivot, struct tote_err **err);

/* After the pivot: linux.maskedPaths (a file gets the container's /dev/null
 * bound over it, checked to be the 1:3 char device; a directory an empty
 * read-only tmpfs; missing paths are skipped), linux.readonlyPaths (bound
 * onto themselves, then made ro,nosuid,nodev,noexec keeping their other
 * flags; missing paths are skipped), root.readonly (the root made read-only,
 * keeping its other flags), and linux.rootfsPropagation applied to "/" again
 * (a shared propagation cannot survive pivot_root). */
int rootfs_finalize(const struct rootfs_ctx *ctx, struct tote_err **err);

/* After the pivot, when process.terminal: bind the pty (an fd of the pty's
 * replica side) onto /dev/console, created as an empty file if missing.  The
 * pty must be one of the container's devpts (opened from its /dev/ptmx after
 * the pivot): the kernel refuses to bind a file of another mount namespace. */
int rootfs_mount_console(int pty_fd, struct tote_err **err);

/* In the parent, with the host's privileges: a detached tree for bind mount
 * m of config c (source opened relative to cwd, idmap, flags and rro
 * applied), to pass to the init in rootfs_ctx.mount_fds.  Needed for idmap
 * when the container has a user namespace: the idmap must be set by a process
 * privileged over the source's filesystem.  Needs Linux 5.12. */
int rootfs_open_mount_source(const struct rt_config *c, const struct rt_mount *m,
                             struct tote_err **err);

#endif
