/* copytree.h - a directory's contents copied into another directory, as
 * docker fills a new volume from the image: files, directories, symlinks,
 * fifos and device nodes, with their owners, modes (setuid included),
 * times and extended attributes.  Never follows a symlink; hard links are
 * copied as separate files. */
#ifndef TOTE_UTIL_COPYTREE_H
#define TOTE_UTIL_COPYTREE_H

struct tote_err;

/* Copy what is in src (a directory fd) into dst (a directory fd), and give
 * dst src's owner, mode and times.  What exists in dst already is an error
 * naming it. */
int copy_tree_at(int src, int dst, struct tote_err **err);

#endif
