/* archive_lib.c - libarchive opened on first use (see archive_lib.h). */
#define ARCHIVE_LIB_IMPL
#include "image/archive_lib.h"

#include <locale.h>
#include <pthread.h>

#include "util/dlib.h"

static struct archive_lib lib;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* Also the locale: names in images are UTF-8 (pax headers say so), and
 * libarchive converts them to the locale's charset, which must then be
 * UTF-8 as well.  Set here, on first use, not in main: loading a locale
 * was a tenth of a millisecond of every command.  The first use is on the
 * main thread (pulls unpack after their download threads are joined). */
static void load(void) {
  if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
    setlocale(LC_CTYPE, "");
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
