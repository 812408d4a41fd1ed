/* archive_lib.c - libarchive opened on first use (see archive_lib.h). */
#define ARCHIVE_LIB_IMPL
#include "image/archive_lib.h"

#include <pthread.h>

#include "util/dlib.h"

static struct archive_lib lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void) {
  static const struct dlib_sym syms[] = {
#define ARCHIVE_LIB_SYM(name) {#name, &lib.name},
      ARCHIVE_LIB_FUNCS(ARCHIVE_LIB_SYM)
#undef ARCHIVE_LIB_SYM
  };
  dlib_load("libarchive.so.13", "libarchive13", syms, sizeof syms / sizeof syms[0]);
}

const struct archive_lib *archive_lib(void) {
  pthread_once(&once, load);
  return &lib;
}
