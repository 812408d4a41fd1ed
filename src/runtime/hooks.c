/* hooks.c - fork, exec and wait for each hook, bounded by its timeout. */
#include "runtime/hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime/state.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

static const char *const kind_names[RT_HOOK_COUNT] = {
    "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"};

const char *hook_kind_name(enum rt_hook_kind kind) { return kind_names[kind]; }

static void exec_hook(const struct rt_hook *h, int stdin_fd) {
  static char *const empty_env[] = {NULL};
  char *const default_args[] = {h->path, NULL};
  if (dup2(stdin_fd, 0) < 0)
    _exit(127);
  /* Keep stdout/stderr: a hook's output goes where the runtime's goes. */
  syscall(SYS_close_range, 3, ~0U, 0);
  execve(h->path, h->args ? h->args : default_args, h->env ? h->env : empty_env);
  _exit(127);
}

/* Wait for pid, at most timeout seconds (0 = forever); kill it on timeout. */
static int wait_hook(pid_t pid, int timeout, int *status, bool *timed_out) {
  *timed_out = false;
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd >= 0 && timeout > 0) {
    struct pollfd p = {.fd = pidfd, .events = POLLIN};
    int r;
    do
      r = poll(&p, 1, timeout * 1000);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
      *timed_out = true;
      kill(pid, SIGKILL);
    }
  }
  if (pidfd >= 0)
    close(pidfd);
  while (waitpid(pid, status, 0) < 0)
    if (errno != EINTR)
      return -1;
  return 0;
}

static int run_one(const struct rt_hook *h, enum rt_hook_kind kind, size_t index,
                   const char *state_json, tote_err **err) {
  int pipefd[2];
  if (pipe2(pipefd, O_CLOEXEC) < 0)
    return err_sys(err, "%s hook %zu: creating a pipe", kind_names[kind], index);
  pid_t pid = fork();
  if (pid < 0) {
    close(pipefd[0]);
    close(pipefd[1]);
    return err_sys(err, "%s hook %zu: fork", kind_names[kind], index);
  }
  if (pid == 0) {
    close(pipefd[1]);
    exec_hook(h, pipefd[0]);
  }
  close(pipefd[0]);
  /* A hook that does not read its stdin must not block us: ignore EPIPE. */
  void (*old)(int) = signal(SIGPIPE, SIG_IGN);
  write_all_fd(pipefd[1], state_json, strlen(state_json));
  close(pipefd[1]);
  signal(SIGPIPE, old);
  int status = 0;
  bool timed_out;
  if (wait_hook(pid, h->timeout, &status, &timed_out) < 0)
    return err_sys(err, "%s hook %s: waiting", kind_names[kind], h->path);
  if (timed_out)
    return err_set(err, ETIMEDOUT, "%s hook %s did not finish within %d s", kind_names[kind],
                   h->path, h->timeout);
  if (WIFSIGNALED(status))
    return err_set(err, 0, "%s hook %s was killed by signal %d", kind_names[kind], h->path,
                   WTERMSIG(status));
  if (WEXITSTATUS(status) == 127 && access(h->path, X_OK) < 0)
    return err_sys(err, "%s hook %s cannot be run", kind_names[kind], h->path);
  if (WEXITSTATUS(status) != 0)
    return err_set(err, 0, "%s hook %s exited with status %d", kind_names[kind], h->path,
                   WEXITSTATUS(status));
  return 0;
}

int hooks_run(const struct rt_hooks *hooks, enum rt_hook_kind kind, const char *state_json,
              tote_err **err) {
  bool warn_only = kind == RT_HOOK_POSTSTART || kind == RT_HOOK_POSTSTOP;
  for (size_t i = 0; i < hooks->count[kind]; i++) {
    tote_err *e = NULL;
    if (run_one(&hooks->list[kind][i], kind, i, state_json, &e) == 0)
      continue;
    if (!warn_only) {
      err_free(err);
      if (err)
        *err = e;
      else
        err_free(&e);
      return -1;
    }
    log_warn("%s", e->msg);
    err_free(&e);
  }
  return 0;
}

void hooks_run_stored(const struct rt_state *st, enum rt_hook_kind kind, int status) {
  if (!(st->hook_kinds & (1u << kind)))
    return; /* none: config.json need not be read */
  tote_err *err = NULL;
  struct rt_config *c = config_load(st->dirfd, "config.json", &err);
  if (c == NULL) {
    log_warn("%s hooks: %s", kind_names[kind], err->msg);
    err_free(&err);
    return;
  }
  if (c->hooks.count[kind] > 0) {
    char *json = state_json_text(st, (enum rt_status)status);
    hooks_run(&c->hooks, kind, json, NULL);
    free(json);
  }
  config_free(c);
}
