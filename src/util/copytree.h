/* copytree.h - copying files and directory trees with *at() calls, as
 * docker fills a new volume from the image (owners kept) and as `tote cp`
 * copies (owners kept only when asked): files, directories, symlinks,
 * fifos and device nodes, with their modes (setuid included), times and
 * extended attributes.  Never follows a symlink; hard links are copied as
 * separate files. */
#ifndef TOTE_UTIL_COPYTREE_H
#define TOTE_UTIL_COPYTREE_H

struct tote_err;

enum {
  COPY_OWNERS = 1,  /* the source's uid and gid (else the copies are the caller's) */
  COPY_REPLACE = 2, /* what is in the way is replaced (a directory merged into); else an error */
};

/* Copy what is in src (a directory fd) into dst (a directory fd), and give
 * dst src's mode and times (and owner). */
int copy_tree_at(int src, int dst, unsigned flags, struct tote_err **err);
/* Copy the entry sname of directory sdir (a tree, when it is a directory)
 * to dname in ddir. */
int copy_entry_at(int sdir, const char *sname, int ddir, const char *dname, unsigned flags,
                  struct tote_err **err);

#endif
