/* export.h - `tote export`: a container's filesystem as one tar stream,
 * as docker export writes it: the merged view of its overlay (the image's
 * layers with its own changes, deletions applied), without what is
 * mounted on it at run time (/proc, /dev, volumes, binds). */
#ifndef TOTE_ENGINE_EXPORT_H
#define TOTE_ENGINE_EXPORT_H

struct tote_err;

/* Write the tree at rootfs (a directory: the mounted overlay) to fd as a
 * pax tar: every entry with its owner, mode, times and extended
 * attributes; symlinks as links; names relative to the root. */
int eng_export(const char *rootfs, int fd, struct tote_err **err);

#endif
