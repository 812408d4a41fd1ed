/* archive_lib.h - libarchive, opened on first use (util/dlib.h).
 *
 * Include this instead of <archive.h> and <archive_entry.h>: the calls keep
 * their names, each one a function pointer filled when the first is made.
 * A function not listed here does not compile: add it to the list. */
#ifndef TOTE_IMAGE_ARCHIVE_LIB_H
#define TOTE_IMAGE_ARCHIVE_LIB_H

#include <archive.h>
#include <archive_entry.h>

#define ARCHIVE_LIB_FUNCS(X) \
  X(archive_entry_atime) \
  X(archive_entry_atime_is_set) \
  X(archive_entry_atime_nsec) \
  X(archive_entry_filetype) \
  X(archive_entry_free) \
  X(archive_entry_gid) \
  X(archive_entry_hardlink) \
  X(archive_entry_hardlink_utf8) \
  X(archive_entry_mtime) \
  X(archive_entry_mtime_nsec) \
  X(archive_entry_new) \
  X(archive_entry_pathname) \
  X(archive_entry_pathname_utf8) \
  X(archive_entry_perm) \
  X(archive_entry_rdev) \
  X(archive_entry_set_filetype) \
  X(archive_entry_set_mtime) \
  X(archive_entry_set_pathname) \
  X(archive_entry_set_perm) \
  X(archive_entry_set_size) \
  X(archive_entry_size) \
  X(archive_entry_symlink) \
  X(archive_entry_symlink_utf8) \
  X(archive_entry_uid) \
  X(archive_entry_xattr_next) \
  X(archive_entry_xattr_reset) \
  X(archive_error_string) \
  X(archive_read_data) \
  X(archive_read_data_block) \
  X(archive_read_disk_descend) \
  X(archive_read_disk_new) \
  X(archive_read_disk_open) \
  X(archive_read_disk_set_behavior) \
  X(archive_read_disk_set_standard_lookup) \
  X(archive_read_disk_set_symlink_physical) \
  X(archive_read_free) \
  X(archive_read_new) \
  X(archive_read_next_header) \
  X(archive_read_next_header2) \
  X(archive_read_open_fd) \
  X(archive_read_support_filter_all) \
  X(archive_read_support_format_raw) \
  X(archive_read_support_format_tar) \
  X(archive_write_close) \
  X(archive_write_data) \
  X(archive_write_free) \
  X(archive_write_header) \
  X(archive_write_new) \
  X(archive_write_open_fd) \
  X(archive_write_set_format_pax_restricted)

struct archive_lib {
#define ARCHIVE_LIB_MEMBER(name) __typeof__(name) *name;
  ARCHIVE_LIB_FUNCS(ARCHIVE_LIB_MEMBER)
#undef ARCHIVE_LIB_MEMBER
};

const struct archive_lib *archive_lib(void);

#ifndef ARCHIVE_LIB_IMPL
#define archive_entry_atime (archive_lib()->archive_entry_atime)
#define archive_entry_atime_is_set (archive_lib()->archive_entry_atime_is_set)
#define archive_entry_atime_nsec (archive_lib()->archive_entry_atime_nsec)
#define archive_entry_filetype (archive_lib()->archive_entry_filetype)
#define archive_entry_free (archive_lib()->archive_entry_free)
#define archive_entry_gid (archive_lib()->archive_entry_gid)
#define archive_entry_hardlink (archive_lib()->archive_entry_hardlink)
#define archive_entry_hardlink_utf8 (archive_lib()->archive_entry_hardlink_utf8)
#define archive_entry_mtime (archive_lib()->archive_entry_mtime)
#define archive_entry_mtime_nsec (archive_lib()->archive_entry_mtime_nsec)
#define archive_entry_new (archive_lib()->archive_entry_new)
#define archive_entry_pathname (archive_lib()->archive_entry_pathname)
#define archive_entry_pathname_utf8 (archive_lib()->archive_entry_pathname_utf8)
#define archive_entry_perm (archive_lib()->archive_entry_perm)
#define archive_entry_rdev (archive_lib()->archive_entry_rdev)
#define archive_entry_set_filetype (archive_lib()->archive_entry_set_filetype)
#define archive_entry_set_mtime (archive_lib()->archive_entry_set_mtime)
#define archive_entry_set_pathname (archive_lib()->archive_entry_set_pathname)
#define archive_entry_set_perm (archive_lib()->archive_entry_set_perm)
#define archive_entry_set_size (archive_lib()->archive_entry_set_size)
#define archive_entry_size (archive_lib()->archive_entry_size)
#define archive_entry_symlink (archive_lib()->archive_entry_symlink)
#define archive_entry_symlink_utf8 (archive_lib()->archive_entry_symlink_utf8)
#define archive_entry_uid (archive_lib()->archive_entry_uid)
#define archive_entry_xattr_next (archive_lib()->archive_entry_xattr_next)
#define archive_entry_xattr_reset (archive_lib()->archive_entry_xattr_reset)
#define archive_error_string (archive_lib()->archive_error_string)
#define archive_read_data (archive_lib()->archive_read_data)
#define archive_read_data_block (archive_lib()->archive_read_data_block)
#define archive_read_disk_descend (archive_lib()->archive_read_disk_descend)
#define archive_read_disk_new (archive_lib()->archive_read_disk_new)
#define archive_read_disk_open (archive_lib()->archive_read_disk_open)
#define archive_read_disk_set_behavior (archive_lib()->archive_read_disk_set_behavior)
#define archive_read_disk_set_standard_lookup (archive_lib()->archive_read_disk_set_standard_lookup)
#define archive_read_disk_set_symlink_physical (archive_lib()->archive_read_disk_set_symlink_physical)
#define archive_read_free (archive_lib()->archive_read_free)
#define archive_read_new (archive_lib()->archive_read_new)
#define archive_read_next_header (archive_lib()->archive_read_next_header)
#define archive_read_next_header2 (archive_lib()->archive_read_next_header2)
#define archive_read_open_fd (archive_lib()->archive_read_open_fd)
#define archive_read_support_filter_all (archive_lib()->archive_read_support_filter_all)
#define archive_read_support_format_raw (archive_lib()->archive_read_support_format_raw)
#define archive_read_support_format_tar (archive_lib()->archive_read_support_format_tar)
#define archive_write_close (archive_lib()->archive_write_close)
#define archive_write_data (archive_lib()->archive_write_data)
#define archive_write_free (archive_lib()->archive_write_free)
#define archive_write_header (archive_lib()->archive_write_header)
#define archive_write_new (archive_lib()->archive_write_new)
#define archive_write_open_fd (archive_lib()->archive_write_open_fd)
#define archive_write_set_format_pax_restricted (archive_lib()->archive_write_set_format_pax_restricted)
#endif

#endif
