/* netns.c - namespaces bound on files (see netns.h). */
#include "engine/netns.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

int eng_netns_make(const char *path, tote_err **err) {
  _cleanup_free_ char *dir = xstrdup(path);
  *strrchr(dir, '/') = '\0';
  if (mkdir_p(dir, 0711, err) < 0)
    return -1;
  umount2(path, MNT_DETACH); /* a namespace an earlier run left */
  int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0444);
  if (fd < 0)
    return err_sys(err, "creating %s", path);
  close(fd);
  _cleanup_close_ int own = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
  if (own < 0)
    return err_sys(err, "opening our network namespace");
  if (unshare(CLONE_NEWNET) < 0) {
    int e = errno;
    unlink(path);
    errno = e;
    return err_sys(err, "making a network namespace");
  }
  int r = mount("/proc/thread-self/ns/net", path, NULL, MS_BIND, NULL);
  int e = errno;
  if (setns(own, CLONE_NEWNET) < 0)
    abort(); /* in the wrong namespace, nothing we do after is safe */
  if (r < 0) {
    unlink(path);
    errno = e;
    return err_sys(err, "binding the network namespace on %s", path);
  }
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    e = errno;
    eng_netns_remove(path);
    errno = e;
    return err_sys(err, "opening %s", path);
  }
  return fd;
}

bool eng_netns_exists(const char *path) {
  struct statfs st;
  return statfs(path, &st) == 0 && st.f_type == NSFS_MAGIC;
}

void eng_netns_remove(const char *path) {
  if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT)
    log_warn("unmounting %s: %s", path, strerror(errno));
  if (unlink(path) < 0 && errno != ENOENT)
    log_warn("removing %s: %s", path, strerror(errno));
}
