/* process.c - limits, identity, capabilities and the final execve. */
#include "runtime/process.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/ioprio.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/seccomp.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const char *process_getenv(char *const *env, const char *key) {
  size_t n = strlen(key);
  for (char *const *e = env; e && *e; e++)
    if (strncmp(*e, key, n) == 0 && (*e)[n] == '=')
      return *e + n + 1;
  return NULL;
}

static int apply_rlimits(const struct rt_process *p, tote_err **err) {
  for (size_t i = 0; i < p->n_rlimits; i++) {
    const struct rt_rlimit *l = &p->rlimits[i];
    struct rlimit r = {.rlim_cur = l->soft, .rlim_max = l->hard};
    if (setrlimit(l->resource, &r) == 0)
      continue;
    if (errno == EPERM) {
      struct rlimit cur;
      getrlimit(l->resource, &cur);
      return err_sys(err, "setting %s to %ju/%ju: the hard limit cannot be raised above %ju "
                          "without CAP_SYS_RESOURCE", l->name, (uintmax_t)l->soft,
                     (uintmax_t)l->hard, (uintmax_t)cur.rlim_max);
    }
    return err_sys(err, "setting %s", l->name);
  }
  return 0;
}

struct sched_attr_v1 {
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

static int apply_scheduler(const struct rt_process *p, tote_err **err) {
  if (!p->has_scheduler)
    return 0;
  struct sched_attr_v1 a = {
      .size = sizeof a,
      .sched_policy = (uint32_t)p->sched_policy,
      .sched_flags = p->sched_flags,
      .sched_nice = p->sched_nice,
      .sched_priority = (uint32_t)p->sched_priority,
      .sched_runtime = p->sched_runtime,
      .sched_deadline = p->sched_deadline,
      .sched_period = p->sched_period,
  };
  if (syscall(SYS_sched_setattr, 0, &a, 0) < 0)
    return err_sys(err, "setting process.scheduler");
  return 0;
}

static int write_oom_score_adj(int value, tote_err **err) {
  char buf[16];
  int n = snprintf(buf, sizeof buf, "%d", value);
  _cleanup_close_ int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0 || write(fd, buf, (size_t)n) != n)
    return err_sys(err, "setting process.oomScoreAdj to %d", value);
  return 0;
}

int process_apply_limits(const struct rt_process *p, bool has_personality,
                         unsigned long pers, tote_err **err) {
  if (apply_rlimits(p, err) < 0)
    return -1;
  if (p->has_oom_score_adj && write_oom_score_adj(p->oom_score_adj, err) < 0)
    return -1;
  if (has_personality && personality(pers) < 0)
    return err_sys(err, "setting linux.personality");
  if (p->has_io_priority &&
      syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0,
              IOPRIO_PRIO_VALUE(p->io_priority_class, p->io_priority)) < 0)
    return err_sys(err, "setting process.ioPriority");
  return apply_scheduler(p, err);
}

/* false with errno: stat's, EACCES for what is no regular file (a
 * directory: execve's own answer), access's */
static bool is_executable_file(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0)
    return false;
  if (!S_ISREG(st.st_mode)) {
    errno = EACCES;
    return false;
  }
  return access(path, X_OK) == 0;
}

char *process_find_executable(const struct rt_process *p, tote_err **err) {
  const char *arg0 = p->args[0];
  if (strchr(arg0, '/') != NULL) {
    if (is_executable_file(arg0))
      return xstrdup(arg0);
    err_sys(err, "process.args[0] %s cannot be run", arg0);
    if (errno == 0 || errno == EACCES)
      err_set(err, EACCES, "process.args[0] %s is not an executable file", arg0);
    return NULL;
  }
  const char *path = process_getenv(p->env, "PATH");
  if (path == NULL)
    path = DEFAULT_PATH;
  _cleanup_free_ char *dirs = xstrdup(path);
  char *save = NULL;
  for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
    _cleanup_free_ char *cand = xasprintf("%s/%s", *d ? d : ".", arg0);
    if (is_executable_file(cand))
      return steal_ptr(&cand);
  }
  err_set(err, ENOENT, "process.args[0] %s: executable file not found in $PATH (%s)", arg0, path);
  return NULL;
}

static int set_caps(const struct rt_caps *c, tote_err **err) {
  int last = CAP_LAST_CAP;
  FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
  if (f) {
    if (fscanf(f, "%d", &last) != 1)
      last = CAP_LAST_CAP;
    fclose(f);
  }
  cap_t caps = cap_init();
  for (int v = 0; v <= last && v < 64; v++) {
    cap_value_t cv = v;
    if (c->effective & (1ULL << v))
      cap_set_flag(caps, CAP_EFFECTIVE, 1, &cv, CAP_SET);
    if (c->permitted & (1ULL << v))
      cap_set_flag(caps, CAP_PERMITTED, 1, &cv, CAP_SET);
    if (c->inheritable & (1ULL << v))
      cap_set_flag(caps, CAP_INHERITABLE, 1, &cv, CAP_SET);
  }
  int r = cap_set_proc(caps);
  cap_free(caps);
  if (r < 0)
    return err_sys(err, "setting process.capabilities");
  prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  for (int v = 0; v <= last && v < 64; v++)
    if ((c->ambient & (1ULL << v)) &&
        prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long)v, 0, 0) < 0)
      log_warn("process.capabilities.ambient: cannot raise capability %d: %s", v, strerror(errno));
  return 0;
}

static int drop_bounding(const struct rt_caps *c, tote_err **err) {
  for (int v = 0; v < 64; v++) {
    if (c->bounding & (1ULL << v))
      continue;
    if (prctl(PR_CAPBSET_READ, (unsigned long)v, 0, 0, 0) < 0)
      break; /* past the kernel's last capability */
    if (prctl(PR_CAPBSET_DROP, (unsigned long)v, 0, 0, 0) < 0 && errno != EINVAL)
      return err_sys(err, "dropping capability %d from the bounding set", v);
  }
  return 0;
}

static int switch_user(const struct rt_user *u, tote_err **err) {
  if (setgroups(u->n_additional_gids, u->additional_gids) < 0) {
    /* In a user namespace where setgroups is denied, only an empty list fails harmlessly. */
    if (!(errno == EPERM && u->n_additional_gids == 0))
      return err_sys(err, "setting process.user.additionalGids");
  }
  if (setresgid(u->gid, u->gid, u->gid) < 0)
    return err_sys(err, "setting process.user.gid %u (is it mapped in the user namespace?)",
                   (unsigned)u->gid);
  if (setresuid(u->uid, u->uid, u->uid) < 0)
    return err_sys(err, "setting process.user.uid %u (is it mapped in the user namespace?)",
                   (unsigned)u->uid);
  return 0;
}

/* HOME from the container's /etc/passwd when the config does not set it. */
static void set_home(const struct rt_process *p) {
  if (process_getenv(p->env, "HOME") != NULL)
    return;
  const char *home = "/";
  _cleanup_free_ char *data = read_file_at(AT_FDCWD, "/etc/passwd", NULL, NULL);
  char *save = NULL;
  for (char *line = data ? strtok_r(data, "\n", &save) : NULL; line;
       line = strtok_r(NULL, "\n", &save)) {
    char *f[7] = {0};
    int n = 0;
    for (char *s = line; n < 7; n++) {
      f[n] = s;
      s = strchr(s, ':');
      if (s == NULL)
        break;
      *s++ = '\0';
    }
    if (n >= 5 && f[2] && strtoul(f[2], NULL, 10) == p->user.uid && f[5]) {
      home = f[5];
      break;
    }
  }
  setenv("HOME", home, 1);
}

int process_apply_identity(const struct rt_process *p, tote_err **err) {
  const struct rt_caps *c = &p->caps;
  bool cwd_done = chdir(p->cwd) == 0;
  if (!cwd_done && errno != EACCES)
    return err_sys(err, "changing to process.cwd %s", p->cwd);
  if (c->present && drop_bounding(c, err) < 0)
    return -1;
  if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return err_sys(err, "prctl(PR_SET_KEEPCAPS)");
  if (switch_user(&p->user, err) < 0)
    return -1;
  prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  if (c->present && set_caps(c, err) < 0)
    return -1;
  if (!cwd_done && chdir(p->cwd) < 0)
    return err_sys(err, "changing to process.cwd %s as uid %u", p->cwd, (unsigned)p->user.uid);
  if (p->user.has_umask)
    umask(p->user.umask);
  return 0;
}

/* close_range() may be refused: a seccomp profile installed earlier (no
 * no_new_privs) that predates it, or an old kernel.  Then one fd at a time. */
static int cloexec_each_fd(int first, tote_err **err) {
  DIR *d = opendir("/proc/self/fd");
  if (d == NULL)
    return err_sys(err, "marking fds close-on-exec: close_range refused, /proc/self/fd unreadable");
  int self = dirfd(d);
  for (struct dirent *e; (e = readdir(d)) != NULL;) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] == '.' || fd < first || fd == self)
      continue;
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0 && fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0) {
      closedir(d);
      return err_sys(err, "marking fd %d close-on-exec", fd);
    }
  }
  closedir(d); /* its own fd was O_CLOEXEC */
  return 0;
}

int process_exec(const struct rt_process *p, const char *path, int preserve_fds,
                 const struct seccomp_prog *seccomp, tote_err **err) {
  clearenv();
  for (char **e = p->env; e && *e; e++)
    putenv(*e);
  set_home(p);
  if (p->no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return err_sys(err, "setting process.noNewPrivileges");
  /* Nothing of the runtime's may reach the container (CVE-2024-21626): every fd
   * past stdio and the preserved ones closes at exec. */
  if (syscall(SYS_close_range, 3 + preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC) < 0 &&
      cloexec_each_fd(3 + preserve_fds, err) < 0)
    return -1;
  for (int fd = 3; fd < 3 + preserve_fds; fd++) {
    int fl = fcntl(fd, F_GETFD);
    if (fl >= 0)
      fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
  }
  extern char **environ;
  int notify_fd;
  if (seccomp && seccomp_install(seccomp, &notify_fd, err) < 0)
    return -1;
  execve(path, p->args, environ);
  return err_sys(err, "executing %s", path);
}
