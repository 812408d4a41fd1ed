/* pathat.h - resolve paths inside a root directory that is not trusted.
 *
 * Every path inside a container's rootfs is resolved as if the rootfs were
 * "/": symlinks (absolute or relative, in any component) and ".." can never
 * leave it.  With openat2(2) the kernel does this (RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS); where openat2 is missing (ENOSYS, Linux < 5.6) a
 * walk does it one component at a time with O_NOFOLLOW, reading each symlink
 * and resolving its target against the root, ".." against a stack of the
 * directories walked.  The walk resolves symlinks lexically, so a procfs magic
 * link is read as text and resolved inside the root, never jumped through.
 *
 * These are syscall-like: they return an fd (O_CLOEXEC) or -1 with errno set,
 * and the caller words the error.  `path` may be absolute or relative; both
 * are taken relative to the root. */
#ifndef TOTE_RUNTIME_PATHAT_H
#define TOTE_RUNTIME_PATHAT_H

#include <stdbool.h>
#include <sys/types.h>

/* Tests set this to take the path of a kernel without openat2 (the walk). */
extern bool pathat_force_enosys;

/* Open path inside rootfd with open flags (O_PATH, O_DIRECTORY, O_NOFOLLOW
 * for the last component, O_RDONLY...).  No O_CREAT: see below. */
int pathat_open(int rootfd, const char *path, int flags);

/* mkdir -p inside rootfd: missing components are created one at a time with
 * mkdirat (mode 0755, `mode` for the last), wherever the symlinks on the way
 * resolve inside the root.  Returns an O_PATH fd of the directory. */
int pathat_mkdir_all(int rootfd, const char *path, mode_t mode);

/* Like pathat_mkdir_all, but a missing last component is created as an empty
 * regular file (openat O_CREAT|O_EXCL|O_NOFOLLOW, `mode`).  Returns an O_PATH
 * fd of whatever is at path (an existing directory too: check its type). */
int pathat_mkfile(int rootfd, const char *path, mode_t mode);

/* Open the directory that holds path's last component (created when
 * `create`), and set *base to that component (free it).  The component is
 * never "", "." or "..": those give EINVAL.  For callers that must not follow
 * the last component (mknodat, symlinkat, fstatat AT_SYMLINK_NOFOLLOW). */
int pathat_open_parent(int rootfd, const char *path, bool create, char **base);

/* fchmod for an O_PATH fd: fchmodat2(AT_EMPTY_PATH), else via /proc/self/fd. */
int pathat_fchmod(int fd, mode_t mode);

/* The walk itself, exported for the unit tests: like pathat_open, never using
 * openat2. */
int pathat_walk(int rootfd, const char *path, int flags);

#endif
