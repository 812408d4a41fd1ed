/* devnodes.h - device nodes and the /dev symlinks inside the rootfs.
 *
 * The default devices of config-linux.md (null, zero, full, random, urandom,
 * tty: character devices, mode 0666, owned by root) and then linux.devices
 * are made with mknod; in a new user namespace, where mknod is refused, an
 * empty file is created and the host's node at the same path is bind-mounted
 * over it (fifos are still made with mknod: that needs no privilege).  Every
 * device's directory is resolved inside the rootfs and its last component is
 * never followed; a file already there must be the same device (type and
 * major:minor), else it is an error as the spec requires. */
#ifndef TOTE_RUNTIME_DEVNODES_H
#define TOTE_RUNTIME_DEVNODES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct rootfs_ctx;
struct rt_config;
struct rt_device;
struct tote_err;

/* The default devices. */
const struct rt_device *devnodes_defaults(size_t *n);
/* S_IFCHR ('c', 'u'), S_IFBLK ('b') or S_IFIFO ('p'); 0 for anything else. */
mode_t devnodes_file_type(char type);
/* Devices and /dev symlinks are made unless /dev is a bind mount. */
bool devnodes_needed(const struct rt_config *c);

/* The default devices, then linux.devices. */
int devnodes_create(const struct rootfs_ctx *ctx, int rootfd, struct tote_err **err);
/* /dev/fd, stdin, stdout, stderr -> /proc/self/fd...; /dev/ptmx -> pts/ptmx
 * when a devpts is mounted on /dev/pts; /dev/core -> /proc/kcore when a proc
 * is mounted on /proc.  An existing entry is kept (ptmx is replaced). */
int devnodes_symlinks(const struct rootfs_ctx *ctx, int rootfd, struct tote_err **err);

#endif
