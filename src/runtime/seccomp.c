/* seccomp.c - build the container's seccomp filter, install it, and hand a
 * notify fd to the seccomp agent.  See seccomp.h for when each runs. */
#include "runtime/seccomp.h"

#include <errno.h>
#include <jansson.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/config.h"
#include "runtime/seccomp_cache.h"
#include "util/err.h"
#include "util/log.h"
#include "util/unixsock.h"
#include "util/xalloc.h"

static uint32_t scmp_action(enum rt_scmp_action a, uint32_t errno_ret) {
  switch (a) {
  case RT_SCMP_KILL_THREAD: return SCMP_ACT_KILL_THREAD;
  case RT_SCMP_KILL_PROCESS: return SCMP_ACT_KILL_PROCESS;
  case RT_SCMP_TRAP: return SCMP_ACT_TRAP;
  case RT_SCMP_ERRNO: return SCMP_ACT_ERRNO(errno_ret);
  case RT_SCMP_TRACE: return SCMP_ACT_TRACE(errno_ret);
  case RT_SCMP_ALLOW: return SCMP_ACT_ALLOW;
  case RT_SCMP_LOG: return SCMP_ACT_LOG;
  case RT_SCMP_NOTIFY: return SCMP_ACT_NOTIFY;
  }
  return SCMP_ACT_KILL_PROCESS;
}

static bool distinct_indexes(const struct rt_seccomp_rule *r) {
  unsigned seen = 0;
  for (size_t i = 0; i < r->n_args; i++) {
    if (seen & (1u << r->args[i].index))
      return false;
    seen |= 1u << r->args[i].index;
  }
  return true;
}

/* One rule for syscall nr.  Conditions on distinct arguments must all hold
 * (one libseccomp rule); several on the same argument are alternatives (a
 * rule each), as runc reads them. */
static int add_rule(scmp_filter_ctx ctx, uint32_t act, int nr, const struct rt_seccomp_rule *r) {
  struct scmp_arg_cmp cmp[6];
  if (r->n_args == 0)
    return seccomp_rule_add_array(ctx, act, nr, 0, NULL);
  if (r->n_args <= 6 && distinct_indexes(r)) {
    for (size_t i = 0; i < r->n_args; i++)
      cmp[i] = (struct scmp_arg_cmp){r->args[i].index, (enum scmp_compare)r->args[i].op,
                                     r->args[i].value, r->args[i].value_two};
    return seccomp_rule_add_array(ctx, act, nr, (unsigned)r->n_args, cmp);
  }
  for (size_t i = 0; i < r->n_args; i++) {
    cmp[0] = (struct scmp_arg_cmp){r->args[i].index, (enum scmp_compare)r->args[i].op,
                                   r->args[i].value, r->args[i].value_two};
    int rc = seccomp_rule_add_array(ctx, act, nr, 1, cmp);
    if (rc < 0)
      return rc;
  }
  return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct rt_seccomp *s, tote_err **err) {
  uint32_t def = scmp_action(s->default_action, s->default_errno);
  for (size_t i = 0; i < s->n_rules; i++) {
    const struct rt_seccomp_rule *r = &s->rules[i];
    uint32_t act = scmp_action(r->action, r->errno_ret);
    if (act == def) /* libseccomp refuses it, and it changes nothing */
      continue;
    for (char **name = r->names; *name; name++) {
      int nr = seccomp_syscall_resolve_name(*name);
      if (nr == __NR_SCMP_ERROR) {
        log_debug("linux.seccomp.syscalls[%zu]: %s is not a syscall libseccomp knows: skipped", i,
                  *name);
        continue;
      }
      int rc = add_rule(ctx, act, nr, r);
      if (rc < 0)
        return err_set(err, -rc, "linux.seccomp.syscalls[%zu]: adding the rule for %s: %s", i,
                       *name, strerror(-rc));
    }
  }
  return 0;
}

/* The finished BPF program, read back from libseccomp through a memfd. */
static int export_prog(scmp_filter_ctx ctx, struct seccomp_prog *out, tote_err **err) {
  _cleanup_close_ int fd = memfd_create("tote-seccomp", MFD_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "linux.seccomp: creating a memfd for the filter");
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc < 0)
    return err_set(err, -rc, "linux.seccomp: building the filter: %s", strerror(-rc));
  struct stat st;
  if (fstat(fd, &st) < 0)
    return err_sys(err, "linux.seccomp: reading the filter back");
  size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
  if (n == 0 || n > BPF_MAXINSNS)
    return err_set(err, E2BIG, "linux.seccomp: the filter has %zu instructions, the kernel takes "
                               "at most %d", n, BPF_MAXINSNS);
  out->insns = xcalloc_array(n, sizeof *out->insns);
  if (pread(fd, out->insns, n * sizeof *out->insns, 0) != (ssize_t)(n * sizeof *out->insns)) {
    free(out->insns);
    out->insns = NULL;
    return err_sys(err, "linux.seccomp: reading the filter back");
  }
  out->len = (unsigned short)n;
  return 0;
}

static int build(scmp_filter_ctx ctx, const struct rt_seccomp *s, tote_err **err) {
  for (size_t i = 0; i < s->n_arches; i++) {
    int rc = seccomp_arch_add(ctx, s->arches[i]);
    if (rc < 0 && rc != -EEXIST)
      return err_set(err, -rc, "linux.seccomp.architectures[%zu]: %s", i, strerror(-rc));
  }
  /* a binary tree of syscalls: long profiles (docker's has 350 names)
   * cost a few comparisons per syscall instead of hundreds */
  seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
  return add_rules(ctx, s, err);
}

/* The program for s, compiled by libseccomp (and kept in the cache). */
static int compile(const struct rt_seccomp *s, const char *key, struct seccomp_prog *out,
                   tote_err **err) {
  scmp_filter_ctx ctx = seccomp_init(scmp_action(s->default_action, s->default_errno));
  if (ctx == NULL)
    return err_set(err, EINVAL, "linux.seccomp: libseccomp cannot make a filter with "
                                "defaultAction %s", rt_scmp_action_name(s->default_action));
  int r = build(ctx, s, err);
  if (r == 0)
    r = export_prog(ctx, out, err);
  seccomp_release(ctx);
  if (r == 0)
    seccomp_cache_put(key, out->insns, out->len);
  return r;
}

int seccomp_compile(const struct rt_seccomp *s, struct seccomp_prog *out, tote_err **err) {
  memset(out, 0, sizeof *out);
  _cleanup_free_ char *key = seccomp_cache_key(s);
  if (seccomp_cache_get(key, &out->insns, &out->len) < 0 && compile(s, key, out, err) < 0)
    return -1;
  out->notify = s->notify;
  out->flags = s->flags;
  /* The container process has one thread, so TSYNC holds without the flag,
   * which the kernel refuses next to NEW_LISTENER.  WAIT_KILLABLE_RECV
   * changes how notified syscalls wait: without a listener there are none,
   * and the kernel refuses the flag alone. */
  if (out->notify)
    out->flags = (out->flags & ~(unsigned)SECCOMP_FILTER_FLAG_TSYNC) |
                 SECCOMP_FILTER_FLAG_NEW_LISTENER;
  else
    out->flags &= ~(unsigned)SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV;
  return 0;
}

void seccomp_prog_free(struct seccomp_prog *p) {
  free(p->insns);
  p->insns = NULL;
}

enum seccomp_when seccomp_install_point(const struct seccomp_prog *prog, bool no_new_privs) {
  if (prog == NULL || !no_new_privs)
    return SECCOMP_BEFORE_IDENTITY;
  return prog->notify ? SECCOMP_BEFORE_READY : SECCOMP_BEFORE_EXEC;
}

int seccomp_install(const struct seccomp_prog *prog, int *notify_fd, tote_err **err) {
  *notify_fd = -1;
  struct sock_fprog fp = {.len = prog->len, .filter = prog->insns};
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->flags, &fp);
  if (r < 0) {
    if (errno == EINVAL && prog->flags)
      return err_sys(err, "linux.seccomp: the kernel refused the filter (does it know every one "
                          "of linux.seccomp.flags?)");
    if (errno == EACCES)
      return err_sys(err, "linux.seccomp: loading the filter needs process.noNewPrivileges or "
                          "CAP_SYS_ADMIN");
    return err_sys(err, "linux.seccomp: loading the filter");
  }
  if (prog->notify)
    *notify_fd = (int)r;
  return 0;
}

bool seccomp_kernel_has_flag(unsigned flag) {
  /* with a NULL program a known flag fails on the pointer, an unknown one
   * first; WAIT_KILLABLE_RECV is only valid next to NEW_LISTENER */
  if (flag & SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
    flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
  return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

int seccomp_send_to_agent(const struct rt_seccomp *s, int notify_fd, pid_t pid,
                          const char *state_json, tote_err **err) {
  json_t *state = json_loads(state_json, 0, NULL);
  json_t *msg = json_pack("{s:s, s:[s], s:i, s:o}", "ociVersion", RT_OCI_VERSION, "fds", "seccompFd",
                          "pid", (json_int_t)pid, "state", state ? state : json_object());
  if (s->listener_metadata)
    json_object_set_new(msg, "metadata", json_string(s->listener_metadata));
  _cleanup_free_ char *text = json_dumps(msg, JSON_COMPACT);
  json_decref(msg);
  _cleanup_close_ int sock = unix_connect(s->listener_path, err);
  if (sock < 0 || unix_send_fd(sock, notify_fd, text, err) < 0)
    return err_wrap(err, "linux.seccomp.listenerPath %s", s->listener_path), -1;
  return 0;
}
