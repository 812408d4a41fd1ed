/* export.c - a container's filesystem as a tar stream (see export.h). */
#include "engine/export.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "image/archive_lib.h"
#include "util/err.h"
#include "util/xalloc.h"

/* The entry's data, read from the file it names on disk. */
static int copy_data(struct archive *disk, struct archive *out, const char *name,
                     tote_err **err) {
  const void *buf;
  size_t len;
  la_int64_t off;
  int r;
  while ((r = archive_read_data_block(disk, &buf, &len, &off)) == ARCHIVE_OK)
    if (archive_write_data(out, buf, len) != (la_ssize_t)len)
      return err_set(err, 0, "writing %s: %s", name, archive_error_string(out));
  return r == ARCHIVE_EOF ? 0 : err_set(err, 0, "reading %s: %s", name,
                                        archive_error_string(disk));
}

/* One entry of the walk: its name made relative to the root, written. */
static int one(struct archive *disk, struct archive *out, struct archive_entry *e, size_t skip,
               tote_err **err) {
  const char *path = archive_entry_pathname(e);
  const char *rel = strlen(path) > skip ? path + skip : ".";
  while (*rel == '/')
    rel++;
  _cleanup_free_ char *name = xstrdup(*rel ? rel : ".");
  archive_entry_set_pathname(e, name);
  if (archive_write_header(out, e) != ARCHIVE_OK)
    return err_set(err, 0, "writing %s: %s", name, archive_error_string(out));
  if (archive_entry_filetype(e) == AE_IFREG && archive_entry_size(e) > 0)
    return copy_data(disk, out, name, err);
  return 0;
}

int eng_export(const char *rootfs, int fd, tote_err **err) {
  struct archive *disk = archive_read_disk_new();
  struct archive *out = archive_write_new();
  archive_read_disk_set_symlink_physical(disk); /* a link is a link, never followed */
  /* the rootfs is one mount; anything mounted below it is not the container's */
  archive_read_disk_set_behavior(disk, ARCHIVE_READDISK_NO_TRAVERSE_MOUNTS);
  archive_read_disk_set_standard_lookup(disk);
  archive_write_set_format_pax_restricted(out);
  int r = 0;
  if (archive_write_open_fd(out, fd) != ARCHIVE_OK)
    r = err_set(err, 0, "writing the archive: %s", archive_error_string(out));
  else if (archive_read_disk_open(disk, rootfs) != ARCHIVE_OK)
    r = err_set(err, 0, "reading %s: %s", rootfs, archive_error_string(disk));
  size_t skip = strlen(rootfs);
  while (r == 0) {
    struct archive_entry *e = archive_entry_new();
    int h = archive_read_next_header2(disk, e);
    if (h == ARCHIVE_EOF) {
      archive_entry_free(e);
      break;
    }
    if (h != ARCHIVE_OK && h != ARCHIVE_WARN)
      r = err_set(err, 0, "reading %s: %s", rootfs, archive_error_string(disk));
    else
      r = one(disk, out, e, skip, err);
    if (r == 0)
      archive_read_disk_descend(disk);
    archive_entry_free(e);
  }
  if (r == 0 && archive_write_close(out) != ARCHIVE_OK)
    r = err_set(err, 0, "writing the archive: %s", archive_error_string(out));
  archive_read_free(disk);
  archive_write_free(out);
  return r;
}
