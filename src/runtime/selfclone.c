/* selfclone.c - copy /proc/self/exe into a sealed memfd and fexecve it. */
#include "runtime/selfclone.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/xalloc.h"

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static bool is_sealed_copy(int fd) {
  int seals = fcntl(fd, F_GET_SEALS);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

int selfclone_ensure(char **argv, tote_err **err) {
  _cleanup_close_ int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (self < 0)
    return err_sys(err, "opening /proc/self/exe");
  if (is_sealed_copy(self))
    return 0;
  struct stat st;
  if (fstat(self, &st) < 0)
    return err_sys(err, "reading /proc/self/exe");
  _cleanup_close_ int mfd = memfd_create("tote-oci", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return err_sys(err, "memfd_create");
  off_t left = st.st_size;
  while (left > 0) {
    ssize_t n = sendfile(mfd, self, NULL, (size_t)left);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return err_sys(err, "copying the tote-oci binary");
    left -= n;
  }
  if (fcntl(mfd, F_ADD_SEALS, SEALS) < 0)
    return err_sys(err, "sealing the copy of the tote-oci binary");
  extern char **environ;
  fexecve(mfd, argv, environ);
  return err_sys(err, "executing the sealed copy of tote-oci");
}
