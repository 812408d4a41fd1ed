/* rootfs_syscalls.h - thin wrappers over the syscalls the rootfs code needs
 * that glibc may lack (openat2, the new mount API, pivot_root, fchmodat2).
 *
 * They go through syscall(2) directly so that tote does not depend on the
 * glibc version for them, and each returns -1 with errno like the real call.
 * Only the rootfs code includes this header. */
#ifndef TOTE_RUNTIME_ROOTFS_SYSCALLS_H
#define TOTE_RUNTIME_ROOTFS_SYSCALLS_H

#include <fcntl.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef __NR_fchmodat2
#define __NR_fchmodat2 452 /* Linux 6.6; the same number on every architecture */
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif

static inline int sys_openat2(int dirfd, const char *path, struct open_how *how) {
  return (int)syscall(__NR_openat2, dirfd, path, how, sizeof *how);
}

static inline int sys_open_tree(int dirfd, const char *path, unsigned int flags) {
  return (int)syscall(__NR_open_tree, dirfd, path, flags);
}

static inline int sys_move_mount(int from_dirfd, const char *from_path, int to_dirfd,
                                 const char *to_path, unsigned int flags) {
  return (int)syscall(__NR_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
}

static inline int sys_mount_setattr(int dirfd, const char *path, unsigned int flags,
                                    struct mount_attr *attr) {
  return (int)syscall(__NR_mount_setattr, dirfd, path, flags, attr, sizeof *attr);
}

static inline int sys_fsopen(const char *fstype, unsigned int flags) {
  return (int)syscall(__NR_fsopen, fstype, flags);
}

static inline int sys_fsconfig(int fd, unsigned int cmd, const char *key, const void *value,
                               int aux) {
  return (int)syscall(__NR_fsconfig, fd, cmd, key, value, aux);
}

static inline int sys_fsmount(int fd, unsigned int flags, unsigned int attr_flags) {
  return (int)syscall(__NR_fsmount, fd, flags, attr_flags);
}

static inline int sys_pivot_root(const char *new_root, const char *put_old) {
  return (int)syscall(__NR_pivot_root, new_root, put_old);
}

static inline int sys_fchmodat2(int dirfd, const char *path, mode_t mode, int flags) {
  return (int)syscall(__NR_fchmodat2, dirfd, path, mode, flags);
}

#endif
