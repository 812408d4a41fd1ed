// gcc -std=gnu17 -D_GNU_SOURCE -Wall -Wextra -Isrc tests/unit/test_rootfs.c src/runtime/rootfs.c src/runtime/mounts.c src/runtime/mountfd.c src/runtime/mountinfo.c src/runtime/mount_cgroup.c src/runtime/mount_idmap.c src/runtime/idmap.c src/runtime/devnodes.c src/runtime/pathat.c src/util/*.c $(pkg-config --cflags --libs cmocka jansson) -o /tmp/test_rootfs
/* test_rootfs.c - unit tests of the rootfs code (rootfs.c, mounts.c,
 * mountfd.c, mountinfo.c, mount_cgroup.c, mount_idmap.c, devnodes.c,
 * pathat.c).
 *
 * The pure logic (mountinfo parsing, flag translation, path and cgroup
 * helpers) and the path resolution on a temp directory run as any user.  As
 * root, each mount test runs in a forked child that unshares its mount
 * namespace and makes "/" private, so that nothing it mounts reaches the
 * host; the child reports a failed check over a pipe and exits non-zero, and
 * the parent fails the test with that message.  Each test's temp directory
 * (made by the parent) is removed by the teardown, pass or fail.  The mount
 * tests run three ways: with openat2, with openat2 forced to ENOSYS (the
 * component walk), and with the new mount API forced off (mount(2) on
 * /proc/self/fd). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/magic.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/config.h"
#include "runtime/devnodes.h"
#include "runtime/mount_cgroup.h"
#include "runtime/mount_idmap.h"
#include "runtime/mountfd.h"
#include "runtime/mountinfo.h"
#include "runtime/mounts.h"
#include "runtime/pathat.h"
#include "runtime/rootfs.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* ------------------------------------------------------------------------ */
/* Pure logic                                                                */
/* ------------------------------------------------------------------------ */

static const char sample_mountinfo[] =
    "26 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard\n"
    "36 26 98:0 /mnt1 /mnt\\040two rw,noatime master:1 shared:7 - ext3 /dev/root "
    "rw,errors=continue\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
    "41 30 0:38 /a\\134b /x rw - cgroup cgroup rw,cpu,cpuacct\n";

static void test_mountinfo_parse(void **state) {
  (void)state;
  struct mountinfo mi;
  assert_int_equal(mountinfo_parse(sample_mountinfo, &mi), 0);
  assert_int_equal(mi.n, 4);
  assert_int_equal(mi.entries[0].id, 26);
  assert_int_equal(mi.entries[0].parent, 1);
  assert_int_equal(mi.entries[0].major, 254);
  assert_string_equal(mi.entries[0].mountpoint, "/");
  assert_string_equal(mi.entries[0].optional, "shared:1");
  assert_string_equal(mi.entries[0].fstype, "ext4");
  assert_string_equal(mi.entries[0].super, "rw,discard");
  assert_string_equal(mi.entries[1].mountpoint, "/mnt two");
  assert_string_equal(mi.entries[1].root, "/mnt1");
  assert_string_equal(mi.entries[1].optional, "master:1 shared:7");
  assert_string_equal(mi.entries[1].source, "/dev/root");
  assert_string_equal(mi.entries[2].optional, "");
  assert_string_equal(mi.entries[3].root, "/a\\b");
  assert_ptr_equal(mountinfo_by_id(&mi, 40), &mi.entries[2]);
  assert_null(mountinfo_by_id(&mi, 99));
  assert_ptr_equal(mountinfo_by_mountpoint(&mi, "/x"), &mi.entries[3]);
  assert_true(mountinfo_has_tag(mi.entries[1].optional, "shared"));
  assert_true(mountinfo_has_tag(mi.entries[1].optional, "master"));
  assert_false(mountinfo_has_tag(mi.entries[2].optional, "shared"));
  assert_true(mountinfo_has_option(mi.entries[3].super, "cpuacct"));
  assert_false(mountinfo_has_option(mi.entries[3].super, "cpuac"));
  mountinfo_free(&mi);

  assert_int_equal(mountinfo_parse("1 2 3:4 / /x rw\n", &mi), -1);
  assert_int_equal(errno, EINVAL);
  assert_int_equal(mountinfo_parse("", &mi), 0);
  assert_int_equal(mi.n, 0);
}

static void test_attr_from_ms(void **state) {
  (void)state;
  struct mount_attr a;
  mountfd_attr_from_ms(MS_RDONLY | MS_NOSUID, MS_NODEV, 0, &a);
  assert_int_equal(a.attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID);
  assert_int_equal(a.attr_clr, MOUNT_ATTR_NODEV);

  mountfd_attr_from_ms(MS_NOATIME, 0, 0, &a);
  assert_int_equal(a.attr_set, MOUNT_ATTR_NOATIME);
  assert_int_equal(a.attr_clr, MOUNT_ATTR__ATIME);
  mountfd_attr_from_ms(MS_STRICTATIME | MS_NODIRATIME, 0, 0, &a);
  assert_int_equal(a.attr_set, MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_NODIRATIME);

  /* "atime" (clears noatime): back to relatime */
  mountfd_attr_from_ms(0, MS_NOATIME, 0, &a);
  assert_int_equal(a.attr_set, MOUNT_ATTR_RELATIME);
  assert_int_equal(a.attr_clr, MOUNT_ATTR__ATIME);

  /* in a user namespace, what the source has stays: "suid" on a nosuid
   * source and "atime" on a noatime source change nothing */
  mountfd_attr_from_ms(MS_RDONLY, MS_NOSUID | MS_NOATIME, MS_NOSUID | MS_NOATIME, &a);
  assert_int_equal(a.attr_set, MOUNT_ATTR_RDONLY);
  assert_int_equal(a.attr_clr, 0);
  /* but an explicit atime mode is asked for */
  mountfd_attr_from_ms(MS_STRICTATIME, 0, MS_NOATIME, &a);
  assert_int_equal(a.attr_set, MOUNT_ATTR_STRICTATIME);

  mountfd_attr_from_ms(0, 0, 0, &a);
  assert_int_equal(a.attr_set, 0);
  assert_int_equal(a.attr_clr, 0);
}

static void test_ms_statvfs_apply(void **state) {
  (void)state;
  assert_int_equal(mountfd_ms_from_statvfs(ST_RDONLY | ST_NOSUID | ST_RELATIME),
                   MS_RDONLY | MS_NOSUID | MS_RELATIME);
  assert_int_equal(mountfd_ms_from_statvfs(ST_NODEV | ST_NOATIME), MS_NODEV | MS_NOATIME);
  assert_int_equal(mountfd_ms_from_statvfs(ST_NOEXEC), MS_NOEXEC | MS_STRICTATIME);

  struct mount_attr a;
  mountfd_attr_from_ms(MS_RDONLY | MS_NOATIME, MS_NOSUID, 0, &a);
  assert_int_equal(mountfd_ms_apply(MS_NOSUID | MS_NODEV | MS_RELATIME, &a),
                   MS_RDONLY | MS_NODEV | MS_NOATIME);
  mountfd_attr_from_ms(MS_NOEXEC, 0, 0, &a);
  assert_int_equal(mountfd_ms_apply(MS_NOSUID | MS_STRICTATIME, &a),
                   MS_NOSUID | MS_NOEXEC | MS_STRICTATIME);
}

static void test_rec_attr(void **state) {
  (void)state;
  struct mount_attr a;
  mountfd_rec_attr(MOUNT_ATTR_NOSUID, MOUNT_ATTR_NODEV, true, &a);
  assert_int_equal(a.attr_set, MOUNT_ATTR_NOSUID | MOUNT_ATTR_RDONLY);
  assert_int_equal(a.attr_clr, MOUNT_ATTR_NODEV);
  /* rnoatime: the atime field is cleared as a whole */
  mountfd_rec_attr(MOUNT_ATTR_NOATIME, 0, false, &a);
  assert_int_equal(a.attr_set, MOUNT_ATTR_NOATIME);
  assert_int_equal(a.attr_clr, MOUNT_ATTR__ATIME);
  /* ratime (clears noatime): relatime */
  mountfd_rec_attr(0, MOUNT_ATTR_NOATIME, false, &a);
  assert_int_equal(a.attr_set, MOUNT_ATTR_RELATIME);
  assert_int_equal(a.attr_clr, MOUNT_ATTR__ATIME);
  /* rrw next to rro: rro wins (the parser keeps only the last anyway) */
  mountfd_rec_attr(0, MOUNT_ATTR_RDONLY, true, &a);
  assert_int_equal(a.attr_set, MOUNT_ATTR_RDONLY);
  assert_int_equal(a.attr_clr, 0);
  mountfd_rec_attr(0, 0, false, &a);
  assert_int_equal(a.attr_set | a.attr_clr, 0);
}

static struct rt_mount mk(const char *type, const char *src, const char *dst, unsigned long flags,
                          const char *data) {
  return (struct rt_mount){.type = (char *)type,
                           .source = (char *)src,
                           .destination = (char *)dst,
                           .flags = flags,
                           .data = (char *)data};
}

static void test_mount_helpers(void **state) {
  (void)state;
  assert_true(mounts_same_path("/dev", "/dev"));
  assert_true(mounts_same_path("//dev/./", "/dev"));
  assert_true(mounts_same_path("dev", "/dev"));
  assert_false(mounts_same_path("/dev/pts", "/dev"));
  assert_false(mounts_same_path("/devx", "/dev"));
  assert_true(mounts_same_path("/", ""));

  struct rt_mount m = mk(NULL, "/dev", "/dev/", MS_BIND | MS_REC, NULL);
  assert_true(mounts_is_dev_bind(&m));
  m = mk("tmpfs", "tmpfs", "/dev", 0, NULL);
  assert_false(mounts_is_dev_bind(&m));

  _cleanup_free_ char *d = mounts_describe(&m);
  assert_string_equal(d, "mounting tmpfs on /dev");
  m = mk("none", "/data", "/mnt", MS_BIND, NULL);
  _cleanup_free_ char *b = mounts_describe(&m);
  assert_string_equal(b, "mounting /data on /mnt");

  struct rt_config c = {0};
  struct rootfs_ctx ctx = {.config = &c, .in_new_userns = true};
  assert_true(mounts_sysfs_needs_bind(&ctx));
  c.ns[RT_NS_NET].present = true;
  assert_false(mounts_sysfs_needs_bind(&ctx));
  ctx.in_new_userns = false;
  c.ns[RT_NS_NET].present = false;
  assert_false(mounts_sysfs_needs_bind(&ctx));
}

static void test_devnodes_tables(void **state) {
  (void)state;
  size_t n;
  const struct rt_device *d = devnodes_defaults(&n);
  assert_int_equal(n, 6);
  const char *want[] = {"/dev/null", "/dev/zero", "/dev/full",
                        "/dev/random", "/dev/urandom", "/dev/tty"};
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(d[i].path, want[i]);
    assert_int_equal(d[i].type, 'c');
    assert_int_equal(d[i].file_mode, 0666);
  }
  assert_int_equal(d[5].major, 5);
  assert_int_equal(d[5].minor, 0);
  assert_int_equal(devnodes_file_type('c'), S_IFCHR);
  assert_int_equal(devnodes_file_type('u'), S_IFCHR);
  assert_int_equal(devnodes_file_type('b'), S_IFBLK);
  assert_int_equal(devnodes_file_type('p'), S_IFIFO);
  assert_int_equal(devnodes_file_type('x'), 0);

  struct rt_mount ms[2] = {mk("tmpfs", "tmpfs", "/dev", 0, NULL),
                           mk("bind", "/dev", "/dev", MS_BIND, NULL)};
  struct rt_config c = {.mounts = ms, .n_mounts = 1};
  assert_true(devnodes_needed(&c));
  c.n_mounts = 2;
  assert_false(devnodes_needed(&c));
}

static void test_cgroup_helpers(void **state) {
  (void)state;
  const char *self = "9:name=systemd:/sys\n4:memory:/a/b\n2:cpu,cpuacct:/c\n0::/v2\n";
  char *ctrls = NULL, *path = NULL;
  assert_int_equal(mount_cgroup_self(self, "rw,cpu,cpuacct", &ctrls, &path), 0);
  assert_string_equal(ctrls, "cpu,cpuacct");
  assert_string_equal(path, "/c");
  free(ctrls), free(path);
  assert_int_equal(mount_cgroup_self(self, "rw,nosuid,name=systemd,xattr", &ctrls, &path), 0);
  assert_string_equal(ctrls, "name=systemd");
  assert_string_equal(path, "/sys");
  free(ctrls), free(path);
  assert_int_equal(mount_cgroup_self(self, NULL, &ctrls, &path), 0);
  assert_string_equal(ctrls, "");
  assert_string_equal(path, "/v2");
  free(ctrls), free(path);
  assert_int_equal(mount_cgroup_self(self, "rw,pids", &ctrls, &path), -1);

  char *dir = mount_cgroup_host_dir("/sys/fs/cgroup/memory", "/", "/a/b");
  assert_string_equal(dir, "/sys/fs/cgroup/memory/a/b");
  free(dir);
  dir = mount_cgroup_host_dir("/sys/fs/cgroup/memory", "/", "/");
  assert_string_equal(dir, "/sys/fs/cgroup/memory");
  free(dir);
  dir = mount_cgroup_host_dir("/cg", "/a", "/a/b/c");
  assert_string_equal(dir, "/cg/b/c");
  free(dir);
  assert_null(mount_cgroup_host_dir("/cg", "/a", "/ab/c"));
  assert_int_equal(errno, EXDEV);
}

/* ------------------------------------------------------------------------ */
/* Fixture: a temp dir with a bundle, a rootfs and host-side sources          */
/* ------------------------------------------------------------------------ */

struct fx {
  char dir[64];     /* /tmp/tote-rootfs-XXXXXX */
  char bundle[128]; /* dir/bundle */
  char rootfs[160]; /* dir/bundle/rootfs */
  char host[128];   /* dir/host */
};

static void put_file(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
}

static void mkdirs(const char *base, const char *const *rel) {
  for (; *rel; rel++) {
    _cleanup_free_ char *p = xasprintf("%s/%s", base, *rel);
    assert_int_equal(mkdir(p, 0755), 0);
  }
}

static void link_at(const char *base, const char *name, const char *target) {
  _cleanup_free_ char *p = xasprintf("%s/%s", base, name);
  assert_int_equal(symlink(target, p), 0);
}

static void file_at(const char *base, const char *name, const char *text) {
  _cleanup_free_ char *p = xasprintf("%s/%s", base, name);
  put_file(p, text);
}

static int fx_setup(void **state) {
  struct fx *f = xzalloc(sizeof *f);
  strcpy(f->dir, "/tmp/tote-rootfs-XXXXXX");
  if (mkdtemp(f->dir) == NULL)
    return -1;
  snprintf(f->bundle, sizeof f->bundle, "%s/bundle", f->dir);
  snprintf(f->rootfs, sizeof f->rootfs, "%s/rootfs", f->bundle);
  snprintf(f->host, sizeof f->host, "%s/host", f->dir);
  static const char *const top[] = {"bundle", "bundle/rootfs", "bundle/data", "host",
                                    "host/src", "host/src/sub", "host/lower", "host/upper",
                                    "host/work", "host/idsrc", "host/locked", NULL};
  mkdirs(f->dir, top);
  static const char *const in_root[] = {"etc", "tmp", "dev", "proc", "sys", "maskdir",
                                        "rwdir", "baddev", NULL};
  mkdirs(f->rootfs, in_root);
  file_at(f->rootfs, "etc/marker", "rootfs etc\n");
  file_at(f->rootfs, "maskdir/secret", "secret\n");
  file_at(f->rootfs, "maskfile", "secret\n");
  file_at(f->rootfs, "file", "a regular file\n");
  file_at(f->rootfs, "baddev/null", "not a device\n");
  link_at(f->rootfs, "escape_etc", "/etc");
  link_at(f->rootfs, "up", "../../..");
  link_at(f->rootfs, "loop1", "loop2");
  link_at(f->rootfs, "loop2", "loop1");
  link_at(f->rootfs, "dangling", "/nowhere-tote-test/file");
  link_at(f->rootfs, "rel", "etc/../etc");
  file_at(f->bundle, "data/hello", "hello\n");
  file_at(f->host, "src/file.txt", "host file\n");
  file_at(f->host, "lower/from-lower", "lower\n");
  file_at(f->host, "idsrc/file", "owned by root\n");
  *state = f;
  return 0;
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw) {
  (void)st, (void)ftw;
  return type == FTW_DP ? rmdir(path) : unlink(path);
}

static int fx_teardown(void **state) {
  struct fx *f = *state;
  /* FTW_MOUNT: never walk into a mount (mounts only ever exist in children) */
  int r = nftw(f->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
  free(f);
  return r;
}

/* ------------------------------------------------------------------------ */
/* Path resolution inside a root (no privileges needed)                      */
/* ------------------------------------------------------------------------ */

static bool same_file(int fd, int dirfd, const char *rel) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && fstatat(dirfd, rel, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
         a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void check_resolves(int rootfd, const char *path, const char *expect_rel) {
  int fd = pathat_open(rootfd, path, O_PATH);
  if (fd < 0)
    fail_msg("%s: %s", path, strerror(errno));
  if (!same_file(fd, rootfd, expect_rel))
    fail_msg("%s did not resolve to %s", path, expect_rel);
  close(fd);
}

static void check_fails(int rootfd, const char *path, int flags, int want_errno) {
  int fd = pathat_open(rootfd, path, flags);
  if (fd >= 0)
    fail_msg("%s resolved, expected %s", path, strerror(want_errno));
  if (errno != want_errno)
    fail_msg("%s: %s, expected %s", path, strerror(errno), strerror(want_errno));
}

static void pathat_cases(struct fx *f) {
  _cleanup_close_ int rootfd = open(f->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  assert_true(rootfd >= 0);
  check_resolves(rootfd, "/escape_etc/marker", "etc/marker");
  check_resolves(rootfd, "escape_etc", "etc");
  check_resolves(rootfd, "/up/etc", "etc");
  check_resolves(rootfd, "/up/up/up/escape_etc/marker", "etc/marker");
  check_resolves(rootfd, "../../../../etc/marker", "etc/marker");
  check_resolves(rootfd, "/rel/marker", "etc/marker");
  check_resolves(rootfd, "/", ".");
  check_resolves(rootfd, "/etc/", "etc");
  check_resolves(rootfd, "/etc/..", ".");
  check_fails(rootfd, "/loop1", O_PATH, ELOOP);
  check_fails(rootfd, "/file/x", O_PATH, ENOTDIR);
  check_fails(rootfd, "/file/", O_PATH, ENOTDIR);
  check_fails(rootfd, "/etc/missing", O_PATH, ENOENT);
  check_fails(rootfd, "/dangling", O_PATH, ENOENT);
  check_fails(rootfd, "/file", O_PATH | O_DIRECTORY, ENOTDIR);

  /* O_NOFOLLOW: the symlink itself */
  int fd = pathat_open(rootfd, "/escape_etc", O_PATH | O_NOFOLLOW);
  assert_true(fd >= 0);
  struct stat st;
  assert_int_equal(fstat(fd, &st), 0);
  assert_true(S_ISLNK(st.st_mode));
  close(fd);

  /* a real open, not only O_PATH */
  fd = pathat_open(rootfd, "/escape_etc/marker", O_RDONLY);
  assert_true(fd >= 0);
  char buf[32] = "";
  assert_true(read(fd, buf, sizeof buf - 1) > 0);
  assert_string_equal(buf, "rootfs etc\n");
  close(fd);

  /* creating through symlinks stays inside */
  fd = pathat_mkdir_all(rootfd, "/up/new-tote-test/a/b", 0700);
  assert_true(fd >= 0);
  assert_true(same_file(fd, rootfd, "new-tote-test/a/b"));
  assert_int_equal(fstatat(rootfd, "new-tote-test/a/b", &st, 0), 0);
  assert_int_equal(st.st_mode & 07777, 0700);
  close(fd);
  assert_int_equal(access("/new-tote-test", F_OK), -1);

  fd = pathat_mkdir_all(rootfd, "/escape_etc/sub-tote-test", 0755);
  assert_true(fd >= 0);
  assert_true(same_file(fd, rootfd, "etc/sub-tote-test"));
  close(fd);
  assert_int_equal(access("/etc/sub-tote-test", F_OK), -1);

  /* a file through a dangling symlink: created where it points, inside */
  fd = pathat_mkfile(rootfd, "/dangling", 0600);
  assert_true(fd >= 0);
  assert_true(same_file(fd, rootfd, "nowhere-tote-test/file"));
  close(fd);
  assert_int_equal(access("/nowhere-tote-test", F_OK), -1);

  /* an existing directory comes back as it is */
  fd = pathat_mkfile(rootfd, "/etc", 0600);
  assert_true(fd >= 0);
  assert_true(same_file(fd, rootfd, "etc"));
  close(fd);

  fd = pathat_mkdir_all(rootfd, "/file/sub", 0755);
  assert_int_equal(fd, -1);
  assert_int_equal(errno, ENOTDIR);

  char *base = NULL;
  fd = pathat_open_parent(rootfd, "/escape_etc/marker", false, &base);
  assert_true(fd >= 0);
  assert_true(same_file(fd, rootfd, "etc"));
  assert_string_equal(base, "marker");
  free(base);
  close(fd);
  fd = pathat_open_parent(rootfd, "/up/parent-tote-test/node/", true, &base);
  assert_true(fd >= 0);
  assert_true(same_file(fd, rootfd, "parent-tote-test"));
  assert_string_equal(base, "node");
  free(base);
  close(fd);
  assert_int_equal(pathat_open_parent(rootfd, "/etc/..", false, &base), -1);
  assert_int_equal(errno, EINVAL);
  assert_int_equal(pathat_open_parent(rootfd, "/", false, &base), -1);
}

static void test_pathat_openat2(void **state) {
  pathat_force_enosys = false;
  pathat_cases(*state);
}

static void test_pathat_walk(void **state) {
  pathat_force_enosys = true;
  pathat_cases(*state);
  pathat_force_enosys = false;
}

/* The walk and openat2 agree, on every path of a list. */
static void test_pathat_walk_matches_openat2(void **state) {
  struct fx *f = *state;
  _cleanup_close_ int rootfd = open(f->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  static const char *const paths[] = {
      "/",         "etc",           "/etc/marker", "/escape_etc", "/escape_etc/../etc/marker",
      "/up",       "/up/../..",     "/rel",        "/loop1",      "/file/x",
      "/dangling", "//etc//marker", "/./etc/.",    "/maskdir/secret/", NULL};
  for (const char *const *p = paths; *p; p++) {
    errno = 0;
    int a = pathat_open(rootfd, *p, O_PATH);
    int ea = errno;
    errno = 0;
    int b = pathat_walk(rootfd, *p, O_PATH);
    int eb = errno;
    if ((a < 0) != (b < 0) || (a < 0 && ea != eb))
      fail_msg("%s: openat2 %d (%s), walk %d (%s)", *p, a, strerror(ea), b, strerror(eb));
    if (a >= 0) {
      struct stat sa, sb;
      assert_int_equal(fstat(a, &sa), 0);
      assert_int_equal(fstat(b, &sb), 0);
      if (sa.st_ino != sb.st_ino)
        fail_msg("%s: openat2 and the walk reach different files", *p);
      close(a);
      close(b);
    }
  }
}

/* ------------------------------------------------------------------------ */
/* Running a test in a child with its own mount namespace                     */
/* ------------------------------------------------------------------------ */

static int report_fd = -1;

static __attribute__((noreturn, format(printf, 2, 3))) void child_fail(int line,
                                                                        const char *fmt, ...) {
  char buf[4096];
  int n = snprintf(buf, sizeof buf, "line %d: ", line);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
  va_end(ap);
  (void)!write(report_fd, buf, strlen(buf));
  _exit(1);
}

#define CHECK(cond)                                                                              \
  do {                                                                                           \
    if (!(cond))                                                                                 \
      child_fail(__LINE__, "%s (errno: %s)", #cond, strerror(errno));                            \
  } while (0)

#define CHECKF(cond, ...)                                                                        \
  do {                                                                                           \
    if (!(cond))                                                                                 \
      child_fail(__LINE__, __VA_ARGS__);                                                         \
  } while (0)

/* Call fn(args..., &err) and fail on error with the error's message. */
#define TRY(fn, ...)                                                                             \
  do {                                                                                           \
    tote_err *err_ = NULL;                                                                       \
    if (fn(__VA_ARGS__, &err_) < 0)                                                              \
      child_fail(__LINE__, "%s: %s", #fn, err_ ? err_->msg : "(no error)");                     \
  } while (0)

/* Call fn(args..., &err), which must fail with exactly this message. */
#define EXPECT_ERR(want, fn, ...)                                                                 \
  do {                                                                                           \
    tote_err *err_ = NULL;                                                                       \
    if (fn(__VA_ARGS__, &err_) >= 0)                                                             \
      child_fail(__LINE__, "%s succeeded, expected \"%s\"", #fn, want);                          \
    if (err_ == NULL || strcmp(err_->msg, want) != 0)                                             \
      child_fail(__LINE__, "got \"%s\"\n  expected \"%s\"", err_ ? err_->msg : "(none)", want);  \
    err_free(&err_);                                                                             \
  } while (0)

enum child_mode {
  MODE_DEFAULT = 0,
  MODE_NO_OPENAT2 = 1,  /* pathat_force_enosys */
  MODE_LEGACY_MOUNT = 2 /* mountfd_force_legacy */
};

static void run_child(struct fx *f, void (*fn)(struct fx *), int mode) {
  if (geteuid() != 0)
    skip();
  int p[2];
  assert_int_equal(pipe2(p, O_CLOEXEC), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(p[0]);
    report_fd = p[1];
    alarm(60);
    pathat_force_enosys = mode & MODE_NO_OPENAT2;
    mountfd_force_legacy = mode & MODE_LEGACY_MOUNT;
    CHECK(unshare(CLONE_NEWNS) == 0);
    CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0);
    CHECK(chdir(f->bundle) == 0);
    fn(f);
    _exit(0);
  }
  close(p[1]);
  char msg[4096] = "";
  size_t n = 0;
  ssize_t r;
  while (n < sizeof msg - 1 && (r = read(p[0], msg + n, sizeof msg - 1 - n)) > 0)
    n += (size_t)r;
  msg[n] = '\0';
  close(p[0]);
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  if (WIFSIGNALED(status))
    fail_msg("child killed by signal %d %s", WTERMSIG(status), msg);
  if (WEXITSTATUS(status) != 0)
    fail_msg("%s", msg[0] ? msg : "child failed without a message");
}

/* --- helpers for the children (they may leak: the child exits) --- */

static char *R(struct fx *f, const char *rel) { return xasprintf("%s%s", f->rootfs, rel); }

/* The topmost mount at a path, from a fresh read of mountinfo. */
static const struct mountinfo_entry *mnt_at(const char *path) {
  static struct mountinfo mi;
  mountinfo_free(&mi);
  tote_err *err = NULL;
  if (mountinfo_read(&mi, &err) < 0)
    child_fail(__LINE__, "%s", err->msg);
  return mountinfo_by_mountpoint(&mi, path);
}

static void check_mount(const char *path, const char *fstype, const char *opts) {
  const struct mountinfo_entry *e = mnt_at(path);
  CHECKF(e != NULL, "no mount at %s", path);
  CHECKF(fstype == NULL || strcmp(e->fstype, fstype) == 0, "%s is %s, not %s", path, e->fstype,
         fstype);
  _cleanup_free_ char *copy = xstrdup(opts ? opts : "");
  char *save = NULL;
  for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
    CHECKF(mountinfo_has_option(e->options, o) || mountinfo_has_option(e->super, o),
           "%s: option %s missing from \"%s\" / \"%s\"", path, o, e->options, e->super);
}

static void check_node(const char *path, mode_t type, unsigned maj, unsigned min, mode_t perm) {
  struct stat st;
  CHECKF(lstat(path, &st) == 0, "%s: %s", path, strerror(errno));
  CHECKF((st.st_mode & S_IFMT) == type, "%s: wrong file type %o", path, st.st_mode & S_IFMT);
  if (type != S_IFIFO)
    CHECKF(major(st.st_rdev) == maj && minor(st.st_rdev) == min, "%s: device %u:%u", path,
           major(st.st_rdev), minor(st.st_rdev));
  CHECKF((st.st_mode & 07777) == perm, "%s: mode %o, expected %o", path, st.st_mode & 07777,
         perm);
}

static void check_link(const char *path, const char *target) {
  char buf[256];
  ssize_t n = readlink(path, buf, sizeof buf - 1);
  CHECKF(n >= 0, "%s: %s", path, strerror(errno));
  buf[n] = '\0';
  CHECKF(strcmp(buf, target) == 0, "%s -> %s, expected %s", path, buf, target);
}

/* statfs type (0: any) and statvfs flags that must be set. */
static void check_fs(const char *path, long magic, unsigned long flags) {
  struct statfs sfs;
  struct statvfs sv;
  CHECKF(statfs(path, &sfs) == 0 && statvfs(path, &sv) == 0, "%s: %s", path, strerror(errno));
  CHECKF(magic == 0 || sfs.f_type == magic, "%s: filesystem %lx, expected %lx", path,
         (long)sfs.f_type, magic);
  CHECKF((sv.f_flag & flags) == flags, "%s: flags %lx, expected %lx set", path, sv.f_flag, flags);
}

static void check_erofs(const char *dir) {
  _cleanup_free_ char *p = xasprintf("%s/tote-write-test", dir);
  int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  CHECKF(fd < 0 && errno == EROFS, "writing in %s: %s", dir,
         fd < 0 ? strerror(errno) : "it worked");
}

static void check_writable(const char *dir) {
  _cleanup_free_ char *p = xasprintf("%s/tote-write-test", dir);
  int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  CHECKF(fd >= 0, "writing in %s: %s", dir, strerror(errno));
  close(fd);
  unlink(p);
}

static size_t dir_entries(const char *path) {
  DIR *d = opendir(path);
  CHECKF(d != NULL, "%s: %s", path, strerror(errno));
  size_t n = 0;
  for (struct dirent *e; (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      n++;
  closedir(d);
  return n;
}

static bool proc_has_fs(const char *fs) {
  _cleanup_free_ char *text = NULL;
  tote_err *err = NULL;
  text = read_file_at(AT_FDCWD, "/proc/filesystems", NULL, &err);
  err_free(&err);
  _cleanup_free_ char *word = xasprintf("\t%s\n", fs);
  return text && strstr(text, word);
}

/* A config with a mount namespace and these mounts. */
struct cfg {
  struct rt_config c;
  struct rt_mount m[32];
  struct rt_device d[8];
};

static struct rt_mount *add(struct cfg *g, struct rt_mount m) {
  g->m[g->c.n_mounts] = m;
  g->c.mounts = g->m;
  return &g->m[g->c.n_mounts++];
}

static void add_dev(struct cfg *g, struct rt_device d) {
  g->d[g->c.n_devices++] = d;
  g->c.devices = g->d;
}

static void cfg_init(struct cfg *g) {
  memset(g, 0, sizeof *g);
  g->c.ns[RT_NS_MNT].present = true;
}

#define NOSUID_NOEXEC_NODEV (MS_NOSUID | MS_NOEXEC | MS_NODEV)

/* The mounts of a typical container, plus the tricky ones. */
static void full_config(struct cfg *g, struct fx *f, bool with_rro) {
  cfg_init(g);
  add(g, mk("proc", "proc", "/proc", NOSUID_NOEXEC_NODEV, NULL));
  add(g, mk("tmpfs", "tmpfs", "/dev", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k"));
  add(g, mk("devpts", "devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
            "newinstance,ptmxmode=0666,mode=0620,gid=5"));
  add(g, mk("tmpfs", "shm", "/dev/shm", NOSUID_NOEXEC_NODEV, "mode=1777,size=65536k"));
  if (proc_has_fs("mqueue"))
    add(g, mk("mqueue", "mqueue", "/dev/mqueue", NOSUID_NOEXEC_NODEV, NULL));
  add(g, mk("sysfs", "sysfs", "/sys", NOSUID_NOEXEC_NODEV | MS_RDONLY, NULL));
  add(g, mk("cgroup", "cgroup", "/sys/fs/cgroup",
            NOSUID_NOEXEC_NODEV | MS_RELATIME | MS_RDONLY, NULL));
  add(g, mk("tmpfs", "tmpfs", "/tmp", MS_NOSUID | MS_STRICTATIME, "size=65536k,mode=755"));
  /* through a symlink to /etc: must land on the rootfs's etc */
  add(g, mk("tmpfs", "tmpfs", "/escape_etc", MS_NOSUID, "size=1m"));
  /* relative source, through a symlink to ../../.. : lands on /data */
  add(g, mk("none", "data", "/up/data", MS_BIND | MS_REC | MS_RDONLY, NULL));
  /* a file, into a directory that does not exist yet */
  _cleanup_free_ char *src_file = xasprintf("%s/src/file.txt", f->host);
  add(g, mk(NULL, xstrdup(src_file), "/etc2/file.txt", MS_BIND | MS_NOSUID | MS_NODEV, NULL));
  /* rbind ro: only the top is read-only */
  _cleanup_free_ char *src = xasprintf("%s/src", f->host);
  add(g, mk("bind", xstrdup(src), "/rbind-ro", MS_BIND | MS_REC | MS_RDONLY, NULL));
  if (with_rro) {
    struct rt_mount *r = add(g, mk("bind", xstrdup(src), "/rro", MS_BIND | MS_REC, NULL));
    r->rro = true;
    r->rec_attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOATIME; /* rnoatime */
  }
  add(g, mk("bind", xstrdup(src), "/shared", MS_BIND | MS_REC, NULL))->propagation = MS_SHARED;
  add(g, mk("bind", xstrdup(src), "/noatime", MS_BIND | MS_NOATIME | MS_NOEXEC, NULL));
  _cleanup_free_ char *ovl = xasprintf("lowerdir=%s/lower,upperdir=%s/upper,workdir=%s/work",
                                       f->host, f->host, f->host);
  add(g, mk("overlay", "overlay", "/ovl", 0, xstrdup(ovl)));

  add_dev(g, (struct rt_device){.path = "/dev/fuse", .type = 'c', .major = 10, .minor = 229,
                                .has_mode = true, .file_mode = 0666, .has_uid = true,
                                .uid = 1000, .has_gid = true, .gid = 1001});
  add_dev(g, (struct rt_device){.path = "/dev/myfifo", .type = 'p', .has_mode = true,
                                .file_mode = 0600});
  add_dev(g, (struct rt_device){.path = "/up/mydev/null2", .type = 'c', .major = 1, .minor = 3,
                                .has_mode = true, .file_mode = 0640});

  static char *masked[] = {"/proc/kcore", "/maskdir", "/maskfile", "/escape_etc/../nonexistent",
                           "/proc/acpi", NULL};
  static char *readonly[] = {"/proc/sys", "/rwdir", "/nonexistent2", NULL};
  g->c.masked_paths = masked;
  g->c.readonly_paths = readonly;
  g->c.root_readonly = true;
}

static void check_cgroups(struct fx *f, bool cgroupns) {
  struct statfs sfs;
  CHECK(statfs("/sys/fs/cgroup", &sfs) == 0);
  _cleanup_free_ char *cg = R(f, "/sys/fs/cgroup");
  if (sfs.f_type == CGROUP2_SUPER_MAGIC) {
    check_mount(cg, "cgroup2", "ro");
    return;
  }
  check_mount(cg, "tmpfs", "ro,nosuid,nodev,noexec");
  /* every hierarchy of the host, named as on the host */
  static struct mountinfo host;
  tote_err *err = NULL;
  CHECK(mountinfo_read(&host, &err) == 0);
  _cleanup_free_ char *self = read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL, &err);
  size_t seen = 0;
  for (size_t i = 0; i < host.n; i++) {
    const struct mountinfo_entry *e = &host.entries[i];
    if (strncmp(e->mountpoint, "/sys/fs/cgroup/", 15) != 0 ||
        (strcmp(e->fstype, "cgroup") && strcmp(e->fstype, "cgroup2")))
      continue;
    _cleanup_free_ char *dest = xasprintf("%s/%s", cg, e->mountpoint + 15);
    check_mount(dest, e->fstype, "ro,nosuid,nodev,noexec");
    const struct mountinfo_entry *c = mnt_at(dest);
    char *ctrls, *path;
    CHECK(mount_cgroup_self(self, strcmp(e->fstype, "cgroup2") ? e->super : NULL, &ctrls,
                            &path) == 0);
    const char *want = cgroupns ? "/" : path;
    CHECKF(strcmp(c->root, want) == 0, "%s shows %s, expected %s", dest, c->root, want);
    seen++;
  }
  CHECKF(seen > 0, "no cgroup hierarchies were checked");
}

/* After rootfs_prepare with full_config. */
static void check_prepared(struct fx *f, struct cfg *g, bool with_rro) {
  check_mount(R(f, "/proc"), "proc", "nosuid,nodev,noexec");
  check_mount(R(f, "/dev"), "tmpfs", "nosuid,mode=755,size=65536k");
  check_mount(R(f, "/dev/pts"), "devpts", "nosuid,noexec,mode=620,ptmxmode=666,gid=5");
  check_mount(R(f, "/dev/shm"), "tmpfs", "nosuid,nodev,noexec,size=65536k");
  if (proc_has_fs("mqueue"))
    check_mount(R(f, "/dev/mqueue"), "mqueue", "nosuid,nodev,noexec");
  check_mount(R(f, "/sys"), "sysfs", "ro,nosuid,nodev,noexec");
  check_cgroups(f, false);
  check_mount(R(f, "/tmp"), "tmpfs", "nosuid,size=65536k,mode=755");

  /* the symlink to /etc: the tmpfs is on the rootfs's etc, the host's is untouched */
  check_mount(R(f, "/etc"), "tmpfs", "nosuid");
  CHECK(access(R(f, "/etc/marker"), F_OK) < 0 && errno == ENOENT);
  CHECKF(mnt_at("/etc") == NULL, "something was mounted on the host's /etc");
  CHECK(access("/etc/passwd", F_OK) == 0);
  CHECK(access("/escape_etc", F_OK) < 0);

  /* the bind through ../../.. landed on /data, read-only; its source is not */
  check_mount(R(f, "/data"), NULL, "ro");
  CHECK(access(R(f, "/data/hello"), R_OK) == 0);
  check_erofs(R(f, "/data"));
  check_writable(xasprintf("%s/data", f->bundle));

  check_mount(R(f, "/etc2/file.txt"), NULL, "nosuid,nodev");
  check_mount(R(f, "/rbind-ro"), NULL, "ro");
  check_mount(R(f, "/rbind-ro/sub"), "tmpfs", "rw");
  check_erofs(R(f, "/rbind-ro"));
  check_writable(R(f, "/rbind-ro/sub"));
  if (with_rro) {
    check_mount(R(f, "/rro"), NULL, "ro");
    check_mount(R(f, "/rro/sub"), "tmpfs", "ro,nosuid,noatime");
    check_erofs(R(f, "/rro/sub"));
  }
  const struct mountinfo_entry *sh = mnt_at(R(f, "/shared"));
  CHECKF(sh && mountinfo_has_tag(sh->optional, "shared"), "/shared is not shared");
  check_mount(R(f, "/noatime"), NULL, "noatime,noexec");
  check_mount(R(f, "/ovl"), "overlay", "");
  CHECK(access(R(f, "/ovl/from-lower"), R_OK) == 0);
  check_writable(R(f, "/ovl"));

  check_node(R(f, "/dev/null"), S_IFCHR, 1, 3, 0666);
  check_node(R(f, "/dev/zero"), S_IFCHR, 1, 5, 0666);
  check_node(R(f, "/dev/full"), S_IFCHR, 1, 7, 0666);
  check_node(R(f, "/dev/random"), S_IFCHR, 1, 8, 0666);
  check_node(R(f, "/dev/urandom"), S_IFCHR, 1, 9, 0666);
  check_node(R(f, "/dev/tty"), S_IFCHR, 5, 0, 0666);
  check_node(R(f, "/dev/fuse"), S_IFCHR, 10, 229, 0666);
  check_node(R(f, "/dev/myfifo"), S_IFIFO, 0, 0, 0600);
  check_node(R(f, "/mydev/null2"), S_IFCHR, 1, 3, 0640);
  struct stat st;
  CHECK(stat(R(f, "/dev/fuse"), &st) == 0 && st.st_uid == 1000 && st.st_gid == 1001);
  check_link(R(f, "/dev/fd"), "/proc/self/fd");
  check_link(R(f, "/dev/stdin"), "/proc/self/fd/0");
  check_link(R(f, "/dev/stdout"), "/proc/self/fd/1");
  check_link(R(f, "/dev/stderr"), "/proc/self/fd/2");
  check_link(R(f, "/dev/ptmx"), "pts/ptmx");
  check_link(R(f, "/dev/core"), "/proc/kcore");
  (void)g;
}

/* After rootfs_pivot and rootfs_finalize with full_config. */
static void check_finalized(struct fx *f) {
  char cwd[256];
  CHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);
  CHECKF(access(f->dir, F_OK) < 0, "the host's %s is visible after the pivot", f->dir);
  CHECK(access("/data/hello", R_OK) == 0);
  CHECKF(mnt_at(f->rootfs) == NULL, "the old root is still mounted");

  /* masked: a file reads empty, a directory is an empty read-only tmpfs */
  char buf[16];
  int fd = open("/maskfile", O_RDONLY | O_CLOEXEC);
  CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 0);
  close(fd);
  check_node("/maskfile", S_IFCHR, 1, 3, 0666);
  CHECK(dir_entries("/maskdir") == 0);
  check_mount("/maskdir", "tmpfs", "ro");
  check_erofs("/maskdir");
  if (access("/proc/acpi", F_OK) == 0)
    check_mount("/proc/acpi", "tmpfs", "ro");

  /* read-only paths keep working, read-only, with nosuid,nodev,noexec */
  check_mount("/proc/sys", "proc", "ro,nosuid,nodev,noexec");
  CHECK(access("/proc/sys/kernel/hostname", R_OK) == 0);
  fd = open("/proc/sys/kernel/hostname", O_WRONLY | O_CLOEXEC);
  CHECK(fd < 0 && errno == EROFS);
  check_mount("/rwdir", NULL, "ro,nosuid,nodev,noexec");
  check_erofs("/rwdir");

  /* a read-only root, and what is mounted on it still writable */
  check_mount("/", NULL, "ro");
  check_erofs("/");
  check_writable("/tmp");
  check_writable("/dev/shm");
  CHECK(access("/dev/null", W_OK) == 0);
}

static void child_full(struct fx *f, bool with_rro) {
  /* a submount in the bind source, for the rbind and rro checks */
  CHECK(mount("tmpfs", xasprintf("%s/src/sub", f->host), "tmpfs", 0, "size=1m") == 0);
  struct cfg g;
  full_config(&g, f, with_rro);
  struct rootfs_ctx ctx = {.config = &g.c, .rootfs = f->rootfs};
  TRY(rootfs_prepare, &ctx);
  check_prepared(f, &g, with_rro);
  TRY(rootfs_pivot, &ctx, false);
  TRY(rootfs_finalize, &ctx);
  check_finalized(f);
}

static void child_full_rro(struct fx *f) { child_full(f, true); }
static void child_full_no_rro(struct fx *f) { child_full(f, false); }

static void test_rootfs_full(void **state) { run_child(*state, child_full_rro, MODE_DEFAULT); }

static void test_rootfs_full_no_openat2(void **state) {
  run_child(*state, child_full_rro, MODE_NO_OPENAT2);
}

static void test_rootfs_full_legacy_mount_api(void **state) {
  run_child(*state, child_full_no_rro, MODE_LEGACY_MOUNT);
}

static void test_rootfs_full_legacy_no_openat2(void **state) {
  run_child(*state, child_full_no_rro, MODE_LEGACY_MOUNT | MODE_NO_OPENAT2);
}

/* --- no_pivot --- */

static void child_no_pivot(struct fx *f) {
  struct cfg g;
  cfg_init(&g);
  add(&g, mk("tmpfs", "tmpfs", "/tmp", 0, NULL));
  struct rootfs_ctx ctx = {.config = &g.c, .rootfs = f->rootfs};
  struct stat before, after;
  CHECK(stat(f->rootfs, &before) == 0);
  TRY(rootfs_prepare, &ctx);
  TRY(rootfs_pivot, &ctx, true);
  CHECK(stat("/", &after) == 0);
  CHECK(before.st_ino == after.st_ino && before.st_dev == after.st_dev);
  char cwd[256];
  CHECK(getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);
  struct statfs sfs;
  CHECK(statfs("/tmp", &sfs) == 0 && sfs.f_type == TMPFS_MAGIC);
  CHECK(access("/etc/marker", R_OK) == 0);
  TRY(rootfs_finalize, &ctx);
}

static void test_rootfs_no_pivot(void **state) { run_child(*state, child_no_pivot, 0); }

/* --- errors: one clear line naming the mount --- */

static void prepare_one(struct fx *f, struct rt_mount m, tote_err **err, int *ret) {
  struct cfg g;
  cfg_init(&g);
  add(&g, m);
  struct rootfs_ctx ctx = {.config = &g.c, .rootfs = f->rootfs};
  *ret = rootfs_prepare(&ctx, err);
}

static int prepare_mount(struct fx *f, struct rt_mount m, tote_err **err) {
  int r;
  prepare_one(f, m, err, &r);
  return r;
}

static int prepare_config(struct fx *f, struct cfg *g, tote_err **err) {
  struct rootfs_ctx ctx = {.config = &g->c, .rootfs = f->rootfs};
  return rootfs_prepare(&ctx, err);
}

static void child_errors(struct fx *f) {
  EXPECT_ERR("mounting tmpfs on /tmp: Invalid argument", prepare_mount, f,
             mk("tmpfs", "tmpfs", "/tmp", 0, "size=bogus"));
  EXPECT_ERR("mounting nonexistent-src on /x: No such file or directory", prepare_mount, f,
             mk(NULL, "nonexistent-src", "/x", MS_BIND, NULL));
  EXPECT_ERR("mounting nosuchfs on /y: No such device", prepare_mount, f,
             mk("nosuchfs", "none", "/y", 0, NULL));
  EXPECT_ERR("mounting tmpfs on /file/x: creating the mount point: Not a directory",
             prepare_mount, f, mk("tmpfs", "tmpfs", "/file/x", 0, NULL));
  EXPECT_ERR("mounting tmpfs on /loop1: creating the mount point: Too many levels of symbolic "
             "links",
             prepare_mount, f, mk("tmpfs", "tmpfs", "/loop1", 0, NULL));
  EXPECT_ERR("mounting data on /file: creating the mount point: Not a directory", prepare_mount,
             f, mk(NULL, "data", "/file", MS_BIND, NULL));
  EXPECT_ERR("mounting data/hello on /etc: the source is a file and the mount point a directory",
             prepare_mount, f, mk(NULL, "data/hello", "/etc", MS_BIND, NULL));
  EXPECT_ERR("mounting (no source) on /z: a bind mount needs a source", prepare_mount, f,
             mk(NULL, NULL, "/z", MS_BIND, NULL));
  EXPECT_ERR("mounting (no type) on /z: no type, and not a bind mount", prepare_mount, f,
             mk(NULL, "x", "/z", 0, NULL));

  struct rt_mount idm = mk(NULL, "data", "/idm", MS_BIND, NULL);
  idm.idmap = true;
  EXPECT_ERR("mounting data on /idm: option idmap needs uidMappings and gidMappings, or a user "
             "namespace",
             prepare_mount, f, idm);
  struct cfg gi;
  cfg_init(&gi);
  add(&gi, idm);
  struct rootfs_ctx uctx = {.config = &gi.c, .rootfs = f->rootfs, .in_new_userns = true};
  EXPECT_ERR("mounting data on /idm: option idmap: in a user namespace the mount must be "
             "prepared by the runtime's parent (rootfs_open_mount_source)",
             rootfs_prepare, &uctx);
  idm = mk("tmpfs", "tmpfs", "/idm", 0, NULL);
  idm.idmap = true;
  EXPECT_ERR("mounting tmpfs on /idm: option idmap is only supported on bind mounts",
             prepare_mount, f, idm);

  struct cfg g;
  cfg_init(&g);
  add_dev(&g, (struct rt_device){.path = "/baddev/null", .type = 'c', .major = 1, .minor = 3});
  EXPECT_ERR("creating device /baddev/null: a file that is not this device is in the way",
             prepare_config, f, &g);
  cfg_init(&g);
  add_dev(&g, (struct rt_device){.path = "/dev/..", .type = 'c', .major = 1, .minor = 3});
  EXPECT_ERR("creating device /dev/..: creating its directory: Invalid argument", prepare_config,
             f, &g);

  cfg_init(&g);
  g.c.ns[RT_NS_MNT].present = false;
  EXPECT_ERR("preparing the rootfs: the container has no mount namespace of its own",
             prepare_config, f, &g);
}

static void test_rootfs_errors(void **state) { run_child(*state, child_errors, 0); }

static void child_legacy_rro(struct fx *f) {
  struct rt_mount m = mk(NULL, "data", "/rro", MS_BIND, NULL);
  m.rro = true;
  EXPECT_ERR("mounting data on /rro: recursive mount options (rro, rnosuid...) need "
             "mount_setattr (Linux 5.12)",
             prepare_mount, f, m);
}

static void test_rootfs_legacy_refuses_rro(void **state) {
  run_child(*state, child_legacy_rro, MODE_LEGACY_MOUNT);
}

/* --- "remount" --- */

static void child_remount(struct fx *f) {
  struct cfg g;
  cfg_init(&g);
  add(&g, mk(NULL, "data", "/rm-bind", MS_BIND | MS_NOSUID, NULL));
  add(&g, mk(NULL, NULL, "/rm-bind", MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOEXEC, NULL));
  add(&g, mk("tmpfs", "tmpfs", "/rm-tmpfs", MS_NODEV, "size=1m"));
  add(&g, mk("tmpfs", "tmpfs", "/rm-tmpfs", MS_REMOUNT | MS_RDONLY | MS_NODEV, "size=2m"));
  struct rootfs_ctx ctx = {.config = &g.c, .rootfs = f->rootfs};
  TRY(rootfs_prepare, &ctx);
  check_mount(R(f, "/rm-bind"), NULL, "ro,nosuid,noexec");
  check_erofs(R(f, "/rm-bind"));
  check_writable(xasprintf("%s/data", f->bundle));
  check_mount(R(f, "/rm-tmpfs"), "tmpfs", "ro,nodev,size=2048k");
  check_erofs(R(f, "/rm-tmpfs"));
  /* nothing there to remount */
  cfg_init(&g);
  add(&g, mk(NULL, NULL, "/no-such-dir", MS_BIND | MS_REMOUNT | MS_RDONLY, NULL));
  EXPECT_ERR("mounting (no source) on /no-such-dir: resolving the mount point: No such file or "
             "directory",
             prepare_config, f, &g);
}

static void test_rootfs_remount(void **state) { run_child(*state, child_remount, 0); }

static void test_rootfs_remount_legacy(void **state) {
  run_child(*state, child_remount, MODE_LEGACY_MOUNT);
}

/* --- in_new_userns, without a real user namespace: binds instead --- */

static void child_userns_style(struct fx *f) {
  struct cfg g;
  cfg_init(&g);
  add(&g, mk("tmpfs", "tmpfs", "/dev", MS_NOSUID, "mode=755"));
  add(&g, mk("sysfs", "sysfs", "/sys", NOSUID_NOEXEC_NODEV | MS_RDONLY, NULL));
  add_dev(&g, (struct rt_device){.path = "/dev/myfifo", .type = 'p', .has_mode = true,
                                 .file_mode = 0600});
  struct rootfs_ctx ctx = {.config = &g.c, .rootfs = f->rootfs, .in_new_userns = true};
  TRY(rootfs_prepare, &ctx);
  /* sysfs became an rbind of the host's /sys: its submounts came along */
  check_mount(R(f, "/sys"), "sysfs", "ro,nosuid,nodev,noexec");
  CHECKF(mnt_at(R(f, "/sys/fs/cgroup")) != NULL, "/sys is not an rbind of the host's");
  /* devices are binds of the host's nodes */
  const struct mountinfo_entry *e = mnt_at(R(f, "/dev/null"));
  CHECKF(e && strcmp(e->root, "/null") == 0, "/dev/null is not a bind of the host's");
  check_node(R(f, "/dev/null"), S_IFCHR, 1, 3, 0666);
  CHECK(mnt_at(R(f, "/dev/tty")) != NULL);
  /* a fifo needs no privilege: made in place */
  check_node(R(f, "/dev/myfifo"), S_IFIFO, 0, 0, 0600);
  CHECK(mnt_at(R(f, "/dev/myfifo")) == NULL);
}

static void test_rootfs_userns_style(void **state) {
  run_child(*state, child_userns_style, 0);
}

/* --- a real user namespace: the copied mounts' flags are locked --- */

static void child_real_userns(struct fx *f) {
  _cleanup_free_ char *locked = xasprintf("%s/locked", f->host);
  CHECK(mount("tmpfs", locked, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m") == 0);
  put_file(xasprintf("%s/f", locked), "x");
  struct rt_idmap map = {.container_id = 0, .host_id = 0, .size = 65536};
  tote_err *err = NULL;
  int userns = mount_idmap_userns_fd(&map, 1, &map, 1, &err);
  CHECKF(userns >= 0, "%s", err ? err->msg : "");
  CHECK(setns(userns, CLONE_NEWUSER) == 0);
  CHECK(unshare(CLONE_NEWNS) == 0); /* its mounts are now locked */

  struct cfg g;
  cfg_init(&g);
  add(&g, mk("tmpfs", "tmpfs", "/dev", MS_NOSUID, "mode=755"));
  add(&g, mk("sysfs", "sysfs", "/sys", NOSUID_NOEXEC_NODEV | MS_RDONLY, NULL));
  /* "suid" asks to clear a locked nosuid: kept, as runc does */
  struct rt_mount *b = add(&g, mk(NULL, xstrdup(locked), "/locked", MS_BIND | MS_RDONLY, NULL));
  b->clear = MS_NOSUID;
  add(&g, mk("tmpfs", "tmpfs", "/tmp", 0, NULL));
  static char *masked[] = {"/maskdir", "/maskfile", NULL};
  g.c.masked_paths = masked;
  g.c.root_readonly = true;
  g.c.ns[RT_NS_USER].present = true;
  struct rootfs_ctx ctx = {.config = &g.c, .rootfs = f->rootfs, .in_new_userns = true};
  TRY(rootfs_prepare, &ctx);
  check_mount(R(f, "/locked"), "tmpfs", "ro,nosuid,nodev");
  check_mount(R(f, "/sys"), "sysfs", "ro");
  const struct mountinfo_entry *e = mnt_at(R(f, "/dev/null"));
  CHECKF(e && strcmp(e->root, "/null") == 0, "/dev/null is not a bind of the host's");
  TRY(rootfs_pivot, &ctx, false);
  TRY(rootfs_finalize, &ctx);
  /* no /proc in here (a user namespace cannot mount the host pid namespace's) */
  check_fs("/", 0, ST_RDONLY);
  check_fs("/maskdir", TMPFS_MAGIC, ST_RDONLY);
  CHECK(dir_entries("/maskdir") == 0);
  check_node("/maskfile", S_IFCHR, 1, 3, 0666);
  check_fs("/locked", TMPFS_MAGIC, ST_RDONLY | ST_NOSUID | ST_NODEV);
  check_writable("/tmp");
}

static void test_rootfs_real_userns(void **state) { run_child(*state, child_real_userns, 0); }

/* --- idmapped binds --- */

static void check_idmapped(struct fx *f, const char *dest) {
  struct stat st;
  _cleanup_free_ char *p = xasprintf("%s%s/file", f->rootfs, dest);
  CHECK(stat(p, &st) == 0);
  CHECKF(st.st_uid == 1000 && st.st_gid == 1000, "%s is owned by %u:%u through the idmap", p,
         st.st_uid, st.st_gid);
  _cleanup_free_ char *src = xasprintf("%s/idsrc/file", f->host);
  CHECK(stat(src, &st) == 0 && st.st_uid == 0);
}

static void child_idmap(struct fx *f) {
  static struct rt_idmap map = {.container_id = 0, .host_id = 1000, .size = 1};
  _cleanup_free_ char *src = xasprintf("%s/idsrc", f->host);
  struct cfg g;
  cfg_init(&g);
  struct rt_mount *m = add(&g, mk(NULL, xstrdup(src), "/idmapped", MS_BIND | MS_REC, NULL));
  m->idmap = true;
  m->uid_mappings = m->gid_mappings = &map;
  m->n_uid_mappings = m->n_gid_mappings = 1;
  /* opened by "the parent" and handed over as a detached tree */
  struct rt_mount *m2 = add(&g, *m);
  m2->destination = "/idmapped-fd";
  int fds[2] = {-1, -1};
  tote_err *err = NULL;
  fds[1] = rootfs_open_mount_source(&g.c, m2, &err);
  CHECKF(fds[1] >= 0, "%s", err ? err->msg : "");
  struct rootfs_ctx ctx = {.config = &g.c, .rootfs = f->rootfs, .mount_fds = fds};
  TRY(rootfs_prepare, &ctx);
  check_idmapped(f, "/idmapped");
  check_idmapped(f, "/idmapped-fd");
  close(fds[1]);
}

static void test_rootfs_idmap(void **state) { run_child(*state, child_idmap, 0); }

/* --- cgroups --- */

static void child_cgroup_ns(struct fx *f) {
  CHECK(unshare(CLONE_NEWCGROUP) == 0);
  struct cfg g;
  cfg_init(&g);
  add(&g, mk("sysfs", "sysfs", "/sys", NOSUID_NOEXEC_NODEV | MS_RDONLY, NULL));
  add(&g, mk("cgroup", "cgroup", "/sys/fs/cgroup", NOSUID_NOEXEC_NODEV | MS_RDONLY, NULL));
  struct rootfs_ctx ctx = {.config = &g.c, .rootfs = f->rootfs, .new_cgroupns = true};
  TRY(rootfs_prepare, &ctx);
  check_cgroups(f, true);
}

static void test_cgroup_new_ns(void **state) { run_child(*state, child_cgroup_ns, 0); }

static void child_cgroup_path(struct fx *f) {
  struct cfg g;
  cfg_init(&g);
  add(&g, mk("cgroup", "cgroup", "/cg", NOSUID_NOEXEC_NODEV | MS_RDONLY, NULL));
  /* a cgroup_path that exists in no hierarchy: each falls back to /proc/self/cgroup */
  struct rootfs_ctx ctx = {.config = &g.c, .rootfs = f->rootfs,
                           .cgroup_path = "/tote-test-no-such-cgroup"};
  TRY(rootfs_prepare, &ctx);
  struct statfs sfs;
  CHECK(statfs("/sys/fs/cgroup", &sfs) == 0);
  if (sfs.f_type == CGROUP2_SUPER_MAGIC)
    return;
  /* "/" exists everywhere: every hierarchy shows its root */
  cfg_init(&g);
  add(&g, mk("cgroup", "cgroup", "/cg-root", NOSUID_NOEXEC_NODEV, NULL));
  ctx.cgroup_path = "/";
  TRY(rootfs_prepare, &ctx);
  check_mount(R(f, "/cg-root"), "tmpfs", "rw");
  static struct mountinfo host;
  tote_err *err = NULL;
  CHECK(mountinfo_read(&host, &err) == 0);
  size_t seen = 0;
  for (size_t i = 0; i < host.n; i++) {
    const struct mountinfo_entry *h = &host.entries[i];
    if (strncmp(h->mountpoint, "/sys/fs/cgroup/", 15) != 0 ||
        (strcmp(h->fstype, "cgroup") && strcmp(h->fstype, "cgroup2")))
      continue;
    _cleanup_free_ char *dest = xasprintf("%s/cg-root/%s", f->rootfs, h->mountpoint + 15);
    const struct mountinfo_entry *e = mnt_at(dest);
    CHECKF(e && strcmp(e->root, "/") == 0, "%s shows %s", dest, e ? e->root : "nothing");
    seen++;
  }
  CHECK(seen > 0);
}

static void test_cgroup_path(void **state) { run_child(*state, child_cgroup_path, 0); }

static const char *host_cgroup2(void) {
  struct statfs sfs;
  if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
    return "/sys/fs/cgroup";
  if (statfs("/sys/fs/cgroup/unified", &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC)
    return "/sys/fs/cgroup/unified";
  return NULL;
}

static void child_cgroup_v2(struct fx *f) {
  const char *host = host_cgroup2();
  struct rt_mount m = mk("cgroup", "cgroup", "/cg2", NOSUID_NOEXEC_NODEV | MS_RDONLY, NULL);
  struct rt_config c = {0};
  struct rootfs_ctx ctx = {.config = &c, .rootfs = f->rootfs};
  int rootfd = open(f->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  CHECK(rootfd >= 0);
  TRY(mount_cgroup_v2, &ctx, rootfd, &m, host);
  tote_err *err = NULL;
  _cleanup_free_ char *self = read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL, &err);
  char *ctrls, *path;
  CHECK(mount_cgroup_self(self, NULL, &ctrls, &path) == 0);
  const struct mountinfo_entry *e = mnt_at(R(f, "/cg2"));
  CHECKF(e && strcmp(e->fstype, "cgroup2") == 0 && strcmp(e->root, path) == 0,
         "the bind shows %s, expected %s", e ? e->root : "nothing", path);
  check_mount(R(f, "/cg2"), "cgroup2", "ro,nosuid,nodev,noexec");

  CHECK(unshare(CLONE_NEWCGROUP) == 0);
  ctx.new_cgroupns = true;
  m.destination = "/cg2ns";
  TRY(mount_cgroup_v2, &ctx, rootfd, &m, host);
  e = mnt_at(R(f, "/cg2ns"));
  CHECKF(e && strcmp(e->root, "/") == 0, "the cgroup2 mount shows %s", e ? e->root : "nothing");
  check_mount(R(f, "/cg2ns"), "cgroup2", "ro,nosuid,nodev,noexec");
  close(rootfd);
}

static void test_cgroup_v2(void **state) {
  if (host_cgroup2() == NULL)
    skip();
  run_child(*state, child_cgroup_v2, 0);
}

/* --- the console --- */

static void child_console(struct fx *f) {
  struct cfg g;
  cfg_init(&g);
  add(&g, mk("tmpfs", "tmpfs", "/dev", MS_NOSUID, "mode=755"));
  add(&g, mk("devpts", "devpts", "/dev/pts", MS_NOSUID, "newinstance,ptmxmode=0666,mode=0620"));
  struct rootfs_ctx ctx = {.config = &g.c, .rootfs = f->rootfs};
  /* a pty of the host's devpts: it cannot be bound once we have pivoted */
  int host_ptmx = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  char host_name[64];
  CHECK(host_ptmx >= 0 && unlockpt(host_ptmx) == 0);
  CHECK(ptsname_r(host_ptmx, host_name, sizeof host_name) == 0);
  int host_pty = open(host_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  CHECK(host_pty >= 0);
  TRY(rootfs_prepare, &ctx);
  TRY(rootfs_pivot, &ctx, false);
  /* the pty of the container's own devpts, as the init opens it */
  int ptmx = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  CHECK(ptmx >= 0 && unlockpt(ptmx) == 0);
  char name[64];
  CHECK(ptsname_r(ptmx, name, sizeof name) == 0);
  int pty = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  CHECK(pty >= 0);
  EXPECT_ERR("mounting the console on /dev/console: Invalid argument (a pty from outside the "
             "container's mount namespace? open it from its /dev/ptmx after the pivot)",
             rootfs_mount_console, host_pty);
  TRY(rootfs_mount_console, pty);
  struct stat a, b;
  CHECK(fstat(pty, &a) == 0 && stat("/dev/console", &b) == 0);
  CHECK(a.st_rdev == b.st_rdev && S_ISCHR(b.st_mode));
}

static void test_rootfs_console(void **state) { run_child(*state, child_console, 0); }

/* --- the parent of a shared rootfs: pivot_root still works --- */

static void child_shared_propagation(struct fx *f) {
  struct cfg g;
  cfg_init(&g);
  g.c.rootfs_propagation = MS_SHARED | MS_REC;
  add(&g, mk("proc", "proc", "/proc", 0, NULL));
  add(&g, mk("tmpfs", "tmpfs", "/tmp", 0, NULL));
  struct rootfs_ctx ctx = {.config = &g.c, .rootfs = f->rootfs};
  TRY(rootfs_prepare, &ctx);
  TRY(rootfs_pivot, &ctx, false);
  TRY(rootfs_finalize, &ctx);
  const struct mountinfo_entry *e = mnt_at("/");
  CHECKF(e && mountinfo_has_tag(e->optional, "shared"), "/ is not shared after finalize");
}

static void test_rootfs_shared_propagation(void **state) {
  run_child(*state, child_shared_propagation, 0);
}

/* ------------------------------------------------------------------------ */

#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mountinfo_parse),
      cmocka_unit_test(test_attr_from_ms),
      cmocka_unit_test(test_ms_statvfs_apply),
      cmocka_unit_test(test_rec_attr),
      cmocka_unit_test(test_mount_helpers),
      cmocka_unit_test(test_devnodes_tables),
      cmocka_unit_test(test_cgroup_helpers),
      FX(test_pathat_openat2),
      FX(test_pathat_walk),
      FX(test_pathat_walk_matches_openat2),
      FX(test_rootfs_full),
      FX(test_rootfs_full_no_openat2),
      FX(test_rootfs_full_legacy_mount_api),
      FX(test_rootfs_full_legacy_no_openat2),
      FX(test_rootfs_no_pivot),
      FX(test_rootfs_errors),
      FX(test_rootfs_legacy_refuses_rro),
      FX(test_rootfs_remount),
      FX(test_rootfs_remount_legacy),
      FX(test_rootfs_userns_style),
      FX(test_rootfs_real_userns),
      FX(test_rootfs_idmap),
      FX(test_cgroup_new_ns),
      FX(test_cgroup_path),
      FX(test_cgroup_v2),
      FX(test_rootfs_console),
      FX(test_rootfs_shared_propagation),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
