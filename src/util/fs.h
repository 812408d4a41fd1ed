/* fs.h - small fd-based file helpers. */
#ifndef TOTE_UTIL_FS_H
#define TOTE_UTIL_FS_H

#include <dirent.h>
#include <stddef.h>
#include <sys/types.h>

struct tote_err;

/* Read a whole file (at dirfd, or AT_FDCWD) into a NUL-terminated buffer. */
char *read_file_at(int dirfd, const char *path, size_t *len, struct tote_err **err);
/* Write data to path (O_TRUNC|O_CREAT) relative to dirfd. */
int write_file_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                  struct tote_err **err);
/* Write to a temp file beside path and rename it over path: readers see the
 * old or the new content, never half of it.  No fsync: what tote writes this
 * way (state.json, pid files) describes processes, which do not outlive a
 * crash of the machine either; a flush would cost every create a disk
 * round trip where the state root is not tmpfs. */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                         struct tote_err **err);
/* The same for a file that need not survive a crash at all (a runtime's
 * state, a --rm container's record): an existing regular file is swapped
 * with the temp file (RENAME_EXCHANGE) and the old one unlinked, because
 * ext4 flushes the data of a file renamed over another (auto_da_alloc):
 * 0.17 ms against 0.03 ms per write on this host's disk. */
int write_file_volatile_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                           struct tote_err **err);
/* An exclusive flock on fd, waited for (EINTR retried); on failure fd is
 * closed and -1 returned with err naming path.  Returns fd. */
int lock_exclusive(int fd, const char *path, struct tote_err **err);
/* mkdir -p of an absolute or dirfd-relative path; EEXIST is fine. */
int mkdir_p(const char *path, mode_t mode, struct tote_err **err);
/* rm -rf of name below parent, never following a symlink; -1 with errno
 * when the last step fails (what it could not remove stays). */
int remove_tree_at(int parent, const char *name);
/* A directory stream of dirfd's directory with an offset of its own (a
 * dup of dirfd would share dirfd's, left at the end by a listing before);
 * NULL with errno on error. */
DIR *dir_open_at(int dirfd);
/* The bytes of the regular files under name in parent (symlinks not
 * followed), as docker counts sizes; 0 when there is nothing. */
long long tree_size_at(int parent, const char *name);
/* Write everything or fail (EINTR retried). */
int write_all_fd(int fd, const void *data, size_t len);
/* Read everything from fd (until EOF) into a NUL-terminated buffer; NULL on error. */
char *read_all_fd(int fd, size_t *len);

#endif
