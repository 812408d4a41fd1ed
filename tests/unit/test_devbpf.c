/* test_devbpf.c - unit tests of src/runtime/cgroup_devbpf.c: the eBPF
 * device program for cgroup v2, generated, then loaded into the kernel and
 * attached to a cgroup2 directory the test makes (on a hybrid host the
 * cgroup2 mount holds no controller, but device programs work on any
 * cgroup2 cgroup); a child moved into it opens and mknods device nodes. */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/cgroup_internal.h"
#include "util/err.h"
#include "util/xalloc.h"

static void test_program_shape(void **state) {
  (void)state;
  struct bpf_insn *p = NULL;
  size_t len = 0;
  tote_err *err = NULL;
  /* no rule: the 6 loads and shifts, then "deny" */
  assert_int_equal(cg_devbpf_program(NULL, 0, &p, &len, &err), 0);
  assert_int_equal(len, 8);
  assert_int_equal(p[6].code, BPF_ALU64 | BPF_MOV | BPF_K);
  assert_int_equal(p[6].imm, 0);
  assert_int_equal(p[7].code, BPF_JMP | BPF_EXIT);
  free(p);
  /* "a" allowed: no condition, "return 1" decides all; no default after it */
  struct cg_dev_rule all = {.allow = true, .text = "a"};
  assert_int_equal(cg_devbpf_program(&all, 1, &p, &len, &err), 0);
  assert_int_equal(len, 8);
  assert_int_equal(p[6].imm, 1);
  free(p);
  /* every jump of a full rule lands on the next block */
  struct cg_dev_rule one = {.allow = true, .text = "c 1:3 rw"};
  assert_int_equal(cg_devbpf_program(&one, 1, &p, &len, &err), 0);
  for (size_t i = 6; i < len; i++)
    if (BPF_CLASS(p[i].code) == BPF_JMP32)
      assert_int_equal(i + 1 + (size_t)p[i].off, len - 2);
  free(p);
  struct cg_dev_rule bad = {.allow = true, .text = "x 1:3 rw"};
  assert_int_equal(cg_devbpf_program(&bad, 1, &p, &len, &err), -1);
  assert_non_null(strstr(err->msg, "x 1:3 rw"));
  err_free(&err);
}

/* A cgroup2 mount point from /proc/self/mountinfo, or NULL. */
static char *cgroup2_mount(void) {
  FILE *f = fopen("/proc/self/mountinfo", "re");
  char line[1024];
  char *found = NULL;
  while (f && !found && fgets(line, sizeof line, f)) {
    char mnt[512];
    const char *sep = strstr(line, " - cgroup2 ");
    if (sep && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1)
      found = xstrdup(mnt);
  }
  if (f)
    fclose(f);
  return found;
}

/* Open path with flags in the child: 0 or the errno. */
static int try_open(const char *path, int flags) {
  int fd = open(path, flags | O_CLOEXEC);
  if (fd < 0)
    return errno;
  close(fd);
  return 0;
}

static int try_mknod(const char *dir, mode_t type, dev_t dev) {
  char path[256];
  snprintf(path, sizeof path, "%s/node", dir);
  unlink(path);
  int r = mknod(path, type | 0600, dev) < 0 ? errno : 0;
  unlink(path);
  return r;
}

/* In the child, each check as one bit of the exit status: 0 = all as expected. */
static int child_checks(const char *tmp) {
  int bad = 0;
  bad |= (try_open("/dev/null", O_RDWR) != 0) << 0;     /* c 1:3 rwm */
  bad |= (try_open("/dev/zero", O_RDONLY) != 0) << 1;   /* c 1:5 r */
  bad |= (try_open("/dev/zero", O_WRONLY) != EPERM) << 2;
  bad |= (try_open("/dev/full", O_RDONLY) != 0) << 3;   /* c 1:7 rw, then deny w */
  bad |= (try_open("/dev/full", O_WRONLY) != EPERM) << 4;
  bad |= (try_open("/dev/urandom", O_RDONLY) != EPERM) << 5; /* c 1:9: no rule */
  bad |= (try_mknod(tmp, S_IFCHR, makedev(1, 3)) != 0) << 6; /* c *:* m */
  bad |= (try_mknod(tmp, S_IFBLK, makedev(7, 0)) != EPERM) << 7;
  return bad;
}

static void test_attach_and_enforce(void **state) {
  (void)state;
  if (geteuid() != 0)
    skip();
  _cleanup_free_ char *mnt = cgroup2_mount();
  if (mnt == NULL)
    skip();
  _cleanup_free_ char *dir = xasprintf("%s/tote-unit-devbpf-%d", mnt, (int)getpid());
  if (mkdir(dir, 0755) < 0)
    skip();
  char tmp[] = "/tmp/tote-devbpf-XXXXXX";
  assert_non_null(mkdtemp(tmp));
  const struct cg_dev_rule rules[] = {
      {false, "a"},          {true, "c 1:3 rwm"}, {true, "c 1:5 r"},
      {true, "c 1:7 rw"},    {false, "c 1:7 w"},  {true, "c *:* m"},
  };
  tote_err *err = NULL;
  int r = cg_devbpf_attach(dir, rules, sizeof rules / sizeof rules[0], &err);
  if (r < 0) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", err->msg);
    err_free(&err);
    rmdir(dir);
    fail_msg("%s", msg);
  }
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    _cleanup_free_ char *procs = xasprintf("%s/cgroup.procs", dir);
    int fd = open(procs, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, "0", 1) != 1)
      _exit(255);
    close(fd);
    _exit(child_checks(tmp));
  }
  int status;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  rmdir(tmp);
  assert_int_equal(rmdir(dir), 0); /* the child is gone: the cgroup is empty */
  assert_true(WIFEXITED(status));
  if (WEXITSTATUS(status) != 0)
    fail_msg("checks failed, bit mask %#x (see child_checks)", WEXITSTATUS(status));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_program_shape),
      cmocka_unit_test(test_attach_and_enforce),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
