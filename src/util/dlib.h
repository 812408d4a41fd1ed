/* dlib.h - a shared library opened on first use.
 *
 * tote links the libraries every command needs; the big ones that only some
 * commands need (libcurl, libarchive, libnftables, libcrypto) are opened with
 * dlopen when first called, so that `tote ps` or `tote run` does not pay the
 * dynamic linker for them (with their own dependencies they were 3 ms of
 * each command's start). */
#ifndef TOTE_UTIL_DLIB_H
#define TOTE_UTIL_DLIB_H

#include <stddef.h>

struct dlib_sym {
  const char *name;
  void *slot; /* the address of the function pointer to fill */
};

/* Opens soname and fills every slot; on failure prints one line naming the
 * library and the Debian package that has it, and exits with 125 (tote's
 * "tote itself failed"). */
void dlib_load(const char *soname, const char *package, const struct dlib_sym *syms, size_t n);

#endif
