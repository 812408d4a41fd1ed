/* layer_fuzzer.c - libFuzzer entry point for layer archives.
 *
 * Each input is a layer blob (tar, gzip'd, zstd'd...): written to a memfd
 * and unpacked by img_layer_extract_fd() into a fresh directory
 * base/in.XXXXXX, next to a sentinel directory base/outside.  Besides
 * ASan/UBSan/LeakSanitizer findings, it aborts when
 *   - the result breaks the error convention (an error iff failure, prefixed
 *     by the name the blob was given);
 *   - anything landed outside base/in.XXXXXX: base must hold nothing but it
 *     and outside/, outside/ must stay empty, and so must the rest of the
 *     jail below (what layer.h promises: "../", absolute names and symlinks
 *     never lead a write out of the layer).
 * The directory is removed after each input.
 *
 * The jail.  Unpacking runs in a worker thread of its own (the fuzzer is
 * usually root, and a symlink to "/" followed by a write must not reach the
 * host's /): the thread unshares its fs struct and mount namespace, mounts
 * a 64 MB tmpfs (no fsync, bounded decompression bombs, nodev) on the
 * jail's directory, binds /proc/self/fd at proc/self/fd in it (layer.c sets
 * xattrs through /proc/self/fd/N/NAME) and chroots there; the rest of the
 * process (libFuzzer writing its corpus and artifacts) keeps the host's
 * root.  Not run as root, the fuzzer first makes a user namespace where its
 * uid is root (archives' other owners then fail to chown).  Without
 * CAP_SYS_ADMIN the jail is a plain chroot into a directory under $TMPDIR
 * (xattrs then fail with ENOENT).  Without CAP_SYS_CHROOT there is no jail:
 * as root the fuzzer then refuses to run, otherwise it warns.  A crash in
 * the jail writes its artifact from the worker, whose cwd is the host's: an
 * absolute -artifact_prefix or -exact_artifact_path is therefore turned into
 * one relative to the cwd at start.
 *
 * Anything made outside the layer directory aborts (a tree of directories
 * made through a planted symlink was such a bug, found here; fixed in
 * layer.c's open_parent).  TOTE_FUZZ_ORACLES=0 in the environment reports
 * a tree of directories outside once instead, and goes on.
 *
 * Build: make fuzz.  Run: tests/fuzz/run.sh [SECONDS]. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sanitizer/common_interface_defs.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/archive_lib.h"
#include "image/layer.h"
#include "util/err.h"
#include "util/fs.h"

#define FUZZER "layer_fuzzer"
#include "report.h"

#define WHAT "layer blob"

static bool strict;              /* TOTE_FUZZ_ORACLES: the known bug aborts */
static char host_dir[PATH_MAX];  /* the jail's directory as the host sees it */
static const char *prefix = "";  /* the jail as the worker sees it: "" (chrooted) or host_dir */
static bool jailed, have_proc;
static int rootfd = -1, basefd = -1, outsidefd = -1; /* the worker's */
static pthread_t worker;
static sem_t go, done;
static int input_fd = -1;
static char *rewritten[2];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---- the jail (in the worker) ---- */

static int mkdir_in(const char *path) {
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s/%s", host_dir, path);
  return mkdir(p, 0700) == 0 || errno == EEXIST ? 0 : -1;
}

static void enter_jail(void) {
  /* this thread's own root and cwd, so that chroot leaves the others be */
  if (unshare(CLONE_FS) < 0)
    broken("unshare(CLONE_FS): %s", strerror(errno));
  bool ns = unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
  if (ns)
    mount("tote-layer-fuzz", host_dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
          "size=64m,mode=0700");
  if (mkdir_in("base") < 0 || mkdir_in("base/outside") < 0)
    broken("creating %s/base/outside: %s", host_dir, strerror(errno));
  if (ns && mkdir_in("proc") == 0 && mkdir_in("proc/self") == 0 && mkdir_in("proc/self/fd") == 0) {
    char fd_dir[PATH_MAX];
    snprintf(fd_dir, sizeof fd_dir, "%s/proc/self/fd", host_dir);
    have_proc = mount("/proc/self/fd", fd_dir, NULL, MS_BIND, NULL) == 0;
  }
  /* no chdir: the cwd stays the host's, where artifacts go */
  jailed = chroot(host_dir) == 0;
  prefix = jailed ? "" : host_dir;
  char p[PATH_MAX];
  snprintf(p, sizeof p, "%s/", prefix);
  rootfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  snprintf(p, sizeof p, "%s/base", prefix);
  basefd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  snprintf(p, sizeof p, "%s/base/outside", prefix);
  outsidefd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0 || basefd < 0 || outsidefd < 0)
    broken("opening the jail %s: %s", host_dir, strerror(errno));
}

/* ---- what landed where it should not ---- */

/* Whether the tree at parent/name is directories only (what the known bug
 * leaves). */
static bool only_dirs(int parent, const char *name) {
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return false;
  DIR *d = fdopendir(fd);
  if (d == NULL) {
    close(fd);
    return false;
  }
  bool ok = true;
  for (struct dirent *de; ok && (de = readdir(d));)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      ok = only_dirs(dirfd(d), de->d_name);
  closedir(d);
  return ok;
}

/* Every entry of parent (the jail's where) not in allowed (NULL-ended) got
 * there from the archive. */
static void stray(int parent, const char *where, const char *const *allowed) {
  int fd = fcntl(parent, F_DUPFD_CLOEXEC, 0);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL)
    broken("listing %s: %s", where, strerror(errno));
  rewinddir(d);
  for (struct dirent *de; (de = readdir(d));) {
    if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
      continue;
    bool ok = false;
    for (const char *const *a = allowed; *a && !ok; a++)
      ok = strcmp(*a, de->d_name) == 0;
    if (ok)
      continue;
    if (strict || !only_dirs(parent, de->d_name))
      broken("escape: %s/%s was written outside the layer", where, de->d_name);
    static bool said;
    if (!said)
      dprintf(report_fd, "layer_fuzzer: known bug (not counted as a crash; TOTE_FUZZ_ORACLES=1 "
                         "aborts): directory %s/%s made outside the layer through a symlink\n",
              where, de->d_name);
    said = true;
    remove_tree_at(parent, de->d_name);
  }
  closedir(d);
}

static void check_outside(const char *layer) {
  static const char *const none[] = {NULL};
  const char *const base[] = {"outside", layer, NULL};
  static const char *const top[] = {"base", "proc", NULL};
  static const char *const proc[] = {"self", NULL};
  static const char *const self[] = {"fd", NULL};
  stray(outsidefd, "base/outside", none);
  stray(basefd, "base", base);
  stray(rootfd, jailed ? "(jail)" : host_dir, top);
  int p = openat(rootfd, "proc", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int s = p >= 0 ? openat(p, "self", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
  if (p >= 0)
    stray(p, "proc", proc);
  if (s >= 0)
    stray(s, "proc/self", self);
  if (s >= 0)
    close(s);
  if (p >= 0)
    close(p);
}

/* Give owner rwx back to every directory of the tree (not needed as root). */
static void unlock_tree(int parent, const char *name) {
  fchmodat(parent, name, 0700, 0);
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (d == NULL) {
    if (fd >= 0)
      close(fd);
    return;
  }
  for (struct dirent *de; (de = readdir(d));)
    if (de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      unlock_tree(dirfd(d), de->d_name);
  closedir(d);
}

/* ---- one input (in the worker) ---- */

static void one(void) {
  char dir[PATH_MAX];
  snprintf(dir, sizeof dir, "%s/base/in.XXXXXX", prefix);
  if (mkdtemp(dir) == NULL)
    broken("mkdtemp %s: %s", dir, strerror(errno));
  const char *name = strrchr(dir, '/') + 1;
  int dirfd = openat(basefd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirfd < 0)
    broken("opening %s: %s", dir, strerror(errno));

  tote_err *err = NULL;
  int r = img_layer_extract_fd(input_fd, dirfd, WHAT, &err);
  if ((r < 0) != (err != NULL) || (r != 0 && r != -1))
    broken("img_layer_extract_fd returned %d with error %p", r, (void *)err);
  if (err != NULL && strncmp(err->msg, WHAT, strlen(WHAT)) != 0)
    broken("error does not start with \"%s\": %s", WHAT, err->msg);
  err_free(&err);
  close(dirfd);

  check_outside(name);
  if (remove_tree_at(basefd, name) < 0) {
    unlock_tree(basefd, name);
    if (remove_tree_at(basefd, name) < 0)
      broken("cannot remove %s: %s", dir, strerror(errno));
  }
}

static void *work(void *arg) {
  (void)arg;
  /* libFuzzer's -timeout alarm is for the fuzzing thread */
  sigset_t s;
  sigemptyset(&s);
  sigaddset(&s, SIGALRM);
  pthread_sigmask(SIG_BLOCK, &s, NULL);
  enter_jail();
  sem_post(&done);
  for (;;) {
    while (sem_wait(&go) < 0)
      ;
    one();
    sem_post(&done);
  }
  return NULL;
}

/* ---- libFuzzer ---- */

static void write_proc(const char *path, const char *text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (write(fd, text, strlen(text)) < 0)
      dprintf(report_fd, "layer_fuzzer: writing %s: %s\n", path, strerror(errno));
    close(fd);
  }
}

/* Not root: a user namespace where our uid is root, so that the worker can
 * build the jail.  Only a process of one thread may enter one: this runs
 * before the worker starts. */
static void user_namespace(void) {
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (uid == 0 || unshare(CLONE_NEWUSER) < 0)
    return;
  char map[64];
  snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
  write_proc("/proc/self/uid_map", map);
  write_proc("/proc/self/setgroups", "deny");
  snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
  write_proc("/proc/self/gid_map", map);
}

static void cleanup(void) {
  /* the tmpfs and the bind are the worker's: the host sees plain directories */
  if (host_dir[0] != '\0')
    remove_tree_at(AT_FDCWD, host_dir);
}

/* -artifact_prefix=/abs/... as a path relative to the cwd: the worker, which
 * may crash, has the host's cwd but the jail's root. */
static void relative_artifacts(int argc, char **argv) {
  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == NULL)
    return;
  size_t up = 0;
  for (const char *c = cwd; *c; c++)
    up += *c == '/' && c[1] != '\0' && c[1] != '/';
  static const char *const flags[] = {"-artifact_prefix=", "-exact_artifact_path="};
  for (int i = 1; i < argc; i++)
    for (size_t f = 0; f < 2; f++) {
      size_t n = strlen(flags[f]);
      if (strncmp(argv[i], flags[f], n) != 0 || argv[i][n] != '/' || rewritten[f] != NULL)
        continue;
      size_t len = n + 3 * up + strlen(argv[i] + n) + 2;
      char *s = rewritten[f] = malloc(len), *o = s + n;
      memcpy(s, flags[f], n);
      for (size_t k = 0; k < up; k++, o += 3)
        memcpy(o, "../", 3);
      snprintf(o, len - (size_t)(o - s), "%s", argv[i] + n + 1);
      argv[i] = s;
    }
}

/* libFuzzer's -close_fd_mask=2 closes stderr after this runs; keep a copy
 * for the messages. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  report_init();
  const char *o = getenv("TOTE_FUZZ_ORACLES");
  strict = o == NULL || strcmp(o, "0") != 0;
  bool root = geteuid() == 0;
  user_namespace();
  const char *tmp = getenv("TMPDIR");
  snprintf(host_dir, sizeof host_dir, "%s/tote-layer-fuzz.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(host_dir) == NULL) {
    dprintf(report_fd, "layer_fuzzer: mkdtemp %s: %s\n", host_dir, strerror(errno));
    exit(1);
  }
  atexit(cleanup);
  /* start the sanitizers' symbolizer (llvm-symbolizer) now: in the jail
   * there is none to start, and crash reports would be addresses only */
  char sym[256];
  __sanitizer_symbolize_pc(__builtin_return_address(0), "%p %F %L", sym, sizeof sym);
  /* libarchive is opened on first use (util/dlib.h): now, while the
   * library can be found */
  (void)archive_lib();
  sem_init(&go, 0, 0);
  sem_init(&done, 0, 0);
  if (pthread_create(&worker, NULL, work, NULL) != 0) {
    dprintf(report_fd, "layer_fuzzer: cannot start the worker thread\n");
    exit(1);
  }
  while (sem_wait(&done) < 0)
    ;
  if (!jailed && root) {
    dprintf(report_fd, "layer_fuzzer: no jail (chroot refused: no CAP_SYS_CHROOT?): as root the "
                       "known bug would make directories anywhere in the host's /; not run\n");
    exit(1);
  }
  if (!jailed)
    dprintf(report_fd, "layer_fuzzer: WARNING: no jail (no user namespace, chroot refused): an "
                       "archive escaping through an absolute symlink writes where you can, "
                       "undetected\n");
  else if (!have_proc)
    dprintf(report_fd, "layer_fuzzer: no mount namespace: the jail has no /proc/self/fd, so "
                       "entries with xattrs fail\n");
  if (jailed)
    relative_artifacts(*argc, *argv);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  input_fd = memfd_create("layer", MFD_CLOEXEC);
  if (input_fd < 0 || write_all_fd(input_fd, data, size) < 0 || lseek(input_fd, 0, SEEK_SET) != 0)
    broken("memfd: %s", strerror(errno));
  sem_post(&go);
  while (sem_wait(&done) < 0)
    ;
  close(input_fd);
  input_fd = -1;
  return 0;
}
