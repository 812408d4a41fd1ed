/* monitor.c - the process that runs one container and outlives the
 * command that started it (see monitor.h). */
#include "engine/monitor.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdnoreturn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/attach.h"
#include "engine/container.h"
#include "engine/ctrlog.h"
#include "engine/lifecycle.h"
#include "engine/netattach.h"
#include "engine/run.h"
#include "runtime/runtime.h"
#include "runtime/selfclone.h"
#include "runtime/spawn.h"
#include "runtime/terminal.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/unixsock.h"
#include "util/xalloc.h"

/* After the init exits, how long the output may still come (from a process
 * outside the container that holds a pipe) before the monitor stops reading. */
#define DRAIN_MS 2000

static const char *const stream_names[2] = {"stdout", "stderr"};

struct mon {
  const struct eng_monitor_opts *o;
  struct rt_context rt;
  int cdir, dfd, lockfd, status_fd, sigfd;
  int pipe_r[2]; /* the container's stdout and stderr */
  int attach[2]; /* their copies to an attached command, or -1 */
  struct eng_linebuf lb[2];
  struct eng_log log;
  pid_t init;
  bool tty, interactive; /* the record's -t and -i */
  int master;            /* -t: the pty's master (its output is stream 0), else -1 */
  int stdin_w;           /* -i without -t: the container's stdin pipe, else -1 */
  bool locked;      /* monitor.lock is ours */
  time_t started_at; /* CLOCK_MONOTONIC seconds of the last start */
  struct eng_attach_srv asrv; /* tote attach's commands */
  long delay_ms;    /* the last wait before a restart */
};

/* ---- the monitor's side ---- */

static void report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(int fd, const char *fmt, ...) {
  if (fd < 0)
    return;
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *line = xvasprintf(fmt, ap);
  va_end(ap);
  write_all_fd(fd, line, strlen(line));
}

static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* Close every fd from 3 up but those in keep (-1 entries ignored). */
static void close_all_but(int *keep, int n) {
  int k[8], m = 0;
  for (int i = 0; i < n && m < 8; i++)
    if (keep[i] >= 3)
      k[m++] = keep[i];
  qsort(k, (size_t)m, sizeof k[0], cmp_int);
  unsigned first = 3;
  for (int i = 0; i < m; i++) {
    if ((unsigned)k[i] > first)
      syscall(SYS_close_range, first, (unsigned)k[i] - 1, 0);
    first = (unsigned)k[i] + 1;
  }
  syscall(SYS_close_range, first, ~0U, 0);
}

/* A session of its own, a subreaper for what the container leaves, and
 * no death by the hangups, broken pipes and keyboard signals meant for the
 * command: blocked rather than ignored, since an ignored signal would stay
 * ignored in the container's processes (the runtime clears the mask). */
static int become_monitor(struct mon *m, tote_err **err) {
  setsid();
  if (chdir("/") < 0) /* pin no directory of the command's */
    return err_sys(err, "changing to /");
  prctl(PR_SET_NAME, "tote-monitor", 0, 0, 0);
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
    return err_sys(err, "becoming a subreaper");
  sigset_t set;
  sigemptyset(&set);
  int sigs[] = {SIGHUP, SIGPIPE, SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGCHLD};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
    sigaddset(&set, sigs[i]);
  sigprocmask(SIG_SETMASK, &set, NULL);
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  if ((m->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
    return err_sys(err, "signalfd");
  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (devnull < 0)
    return err_sys(err, "opening /dev/null");
  for (int fd = 0; fd < 3; fd++)
    dup2(devnull, fd);
  close(devnull);
  return 0;
}

/* The container's directory, and the lock that says a monitor lives. */
static int open_container(struct mon *m, tote_err **err) {
  _cleanup_free_ char *dir = xasprintf("%s/containers/%s", m->o->root, m->o->id);
  if ((m->cdir = eng_containers_dir(m->o->root, err)) < 0)
    return -1;
  m->dfd = openat(m->cdir, m->o->id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (m->dfd < 0)
    return err_sys(err, "opening %s", dir);
  m->lockfd = openat(m->dfd, ENG_MONITOR_LOCK, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (m->lockfd < 0)
    return err_sys(err, "opening %s/%s", dir, ENG_MONITOR_LOCK);
  if (flock(m->lockfd, LOCK_EX | LOCK_NB) < 0)
    return err_set(err, 0, "container %.12s has a monitor already (it runs, or is being "
                           "cleaned up): see tote ps -a", m->o->id);
  m->locked = true;
  unlinkat(m->dfd, ENG_STOP_MARK, 0); /* started again: the policy holds again */
  if (ftruncate(m->lockfd, 0) < 0)
    return err_sys(err, "truncating %s/%s", dir, ENG_MONITOR_LOCK);
  json_t *c = eng_load(m->cdir, m->o->id);
  long long max = c ? json_integer_value(json_object_get(c, "log_max_size")) : 0;
  m->tty = json_is_true(json_object_get(c, "tty"));
  m->interactive = json_is_true(json_object_get(c, "interactive"));
  json_decref(c);
  if (c == NULL)
    return err_set(err, 0, "%s/container.json is missing or unreadable", dir);
  if (eng_log_open(&m->log, m->dfd, max) < 0)
    return err_sys(err, "opening %s/%s", dir, ENG_LOG_FILE);
  return 0;
}

/* The container's stdin during create: /dev/null, or with -i (and no -t)
 * a pipe whose write end the monitor keeps (m->stdin_w).  -1 on error. */
static int stdin_for(struct mon *m, tote_err **err) {
  if (!m->interactive || m->tty)
    return open("/dev/null", O_RDONLY | O_CLOEXEC);
  int in[2];
  if (pipe2(in, O_CLOEXEC) < 0)
    return err_sys(err, "pipe");
  m->stdin_w = in[1];
  return in[0];
}

/* Create and start the container with stdin on /dev/null (or a pipe for
 * -i) and its stdout and stderr on our pipes (or a pty for -t, whose
 * master the runtime sends us over a socket pair); our own 0, 1 and 2 go
 * back to /dev/null after. */
static int start_container(struct mon *m, tote_err **err) {
  int out[2], errp[2], sv[2] = {-1, -1};
  if (pipe2(out, O_CLOEXEC) < 0)
    return err_sys(err, "pipe");
  if (pipe2(errp, O_CLOEXEC) < 0) {
    close(out[0]);
    close(out[1]);
    return err_sys(err, "pipe");
  }
  m->pipe_r[0] = out[0];
  m->pipe_r[1] = errp[0];
  int in = stdin_for(m, err);
  if (in < 0 || (m->tty && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)) {
    close(out[1]);
    close(errp[1]);
    if (in >= 0)
      close(in);
    return in < 0 ? -1 : err_sys(err, "socketpair");
  }
  int saved = fcntl(1, F_DUPFD_CLOEXEC, 3);
  dup2(in, 0);
  dup2(out[1], 1);
  dup2(errp[1], 2);
  close(in);
  close(out[1]);
  close(errp[1]);
  /* a state the runtime kept from a monitor that died: ours now (locked) */
  eng_rt_forget(m->o->state_root, m->o->id);
  _cleanup_free_ char *bundle = xasprintf("%s/containers/%s", m->o->root, m->o->id);
  struct rt_create_opts co = {.id = m->o->id, .bundle = bundle, .use_console_fd = m->tty,
                              .console_fd = sv[1], .init_pid = &m->init};
  m->init = 0;
  int r = rt_create(&m->rt, &co, err);
  bool created = r == 0;
  if (r == 0 && m->tty && unix_recv_fd(sv[0], &m->master, err) < 0)
    r = -1;
  /* the init's pid (while it waits to be started: once started it may be
   * gone before we could ask) */
  if (r == 0 && m->init <= 0)
    r = err_set(err, 0, "container %.12s: the runtime names no init pid", m->o->id);
  if (r == 0)
    r = rt_start(&m->rt, m->o->id, err);
  if (r < 0 && created)
    eng_rt_forget(m->o->state_root, m->o->id);
  for (int fd = 0; fd < 3; fd++)
    dup2(saved, fd);
  close(saved);
  for (int i = 0; i < 2; i++)
    if (sv[i] >= 0)
      close(sv[i]);
  if (r < 0)
    return ENG_RUNTIME_FAILED;
  if (m->tty) { /* the output comes from the pty: its stream is "stdout", as docker's */
    close(m->pipe_r[0]);
    m->pipe_r[0] = fcntl(m->master, F_DUPFD_CLOEXEC, 3);
  }
  return 0;
}

/* The container's network, made before the runtime creates it (kept
 * across --restart's re-creates). */
static int net_up(struct mon *m, tote_err **err) {
  json_t *c = eng_load(m->cdir, m->o->id);
  if (c == NULL)
    return err_set(err, 0, "containers/%s/container.json is gone", m->o->id);
  int r = eng_net_up(m->o->root, m->cdir, c, err);
  json_decref(c);
  return r;
}

/* The record says the container runs: its pid and ours. */
static int record_running(struct mon *m, tote_err **err) {
  json_t *c = eng_load(m->cdir, m->o->id);
  if (c == NULL)
    return err_set(err, 0, "containers/%s/container.json is gone", m->o->id);
  char now[64];
  rfc3339_now(now, sizeof now);
  json_object_set_new(c, "state", json_string("running"));
  json_object_set_new(c, "started", json_string(now));
  json_object_set_new(c, "pid", json_integer(m->init));
  json_object_set_new(c, "monitor_pid", json_integer(getpid()));
  json_object_set_new(c, "oom_killed", json_false());
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  m->started_at = t.tv_sec;
  int r = eng_save(m->cdir, c, err);
  json_decref(c);
  return r;
}

/* Create or start failed: a new container goes (as tote run left none
 * that never ran), one started again stays as it was. */
static void fail(struct mon *m, int r, tote_err *err) {
  json_t *c = m->locked ? eng_load(m->cdir, m->o->id) : NULL;
  if (c && !m->o->keep_on_failure) {
    eng_discard(m->o->root, m->cdir, c, true);
  } else if (c) {
    eng_unmount_rootfs(c);
    eng_net_down(m->o->root, c);
    tote_err *e = NULL;
    if (eng_save(m->cdir, c, &e) < 0)
      err_free(&e);
  }
  json_decref(c);
  report(m->status_fd, "error %c %d %s\n", r == ENG_RUNTIME_FAILED ? 'R' : 'E',
         err ? err->errnum : 0, err && err->msg ? err->msg : "the monitor failed");
}

struct line_ctx {
  struct mon *m;
  int stream;
};

static void log_line(void *arg, const char *data, size_t len) {
  struct line_ctx *lc = arg;
  if (eng_log_write(&lc->m->log, stream_names[lc->stream], data, len) < 0)
    log_warn("writing %s: %s", ENG_LOG_FILE, strerror(errno));
}

static void close_stream(struct mon *m, int i) {
  struct line_ctx lc = {m, i};
  eng_linebuf_flush(&m->lb[i], log_line, &lc);
  close(m->pipe_r[i]);
  m->pipe_r[i] = -1;
  if (m->attach[i] >= 0)
    close(m->attach[i]);
  m->attach[i] = -1;
}

/* One read of a stream: logged by lines, copied as it came to the
 * attached command (dropped when that command has gone). */
static void pump_stream(struct mon *m, int i) {
  char buf[65536];
  ssize_t n = read(m->pipe_r[i], buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0) {
    close_stream(m, i);
    return;
  }
  struct line_ctx lc = {m, i};
  eng_linebuf_feed(&m->lb[i], buf, (size_t)n, log_line, &lc);
  eng_attach_output(&m->asrv, i == 0 ? ATTACH_STDOUT : ATTACH_STDERR, buf, (size_t)n);
  if (m->attach[i] >= 0 && write_all_fd(m->attach[i], buf, (size_t)n) < 0) {
    close(m->attach[i]);
    m->attach[i] = -1;
  }
}

/* Reap every child (we are a subreaper); true once the init is reaped. */
static bool reap(struct mon *m, int *status) {
  struct signalfd_siginfo si;
  while (read(m->sigfd, &si, sizeof si) == sizeof si)
    ;
  bool done = false;
  for (;;) {
    int st;
    pid_t p = waitpid(-1, &st, WNOHANG);
    if (p <= 0)
      break;
    if (p == m->init) {
      *status = st;
      done = true;
    }
  }
  return done;
}

/* Until the init has exited and its output has ended. */
static int pump(struct mon *m) {
  int status = 0;
  bool exited = reap(m, &status);
  enum { NFIXED = 4 };
  while (!exited || m->pipe_r[0] >= 0 || m->pipe_r[1] >= 0) {
    struct pollfd p[NFIXED + ENG_ATTACH_MAX_CLIENTS] = {
        {m->pipe_r[0], POLLIN, 0}, {m->pipe_r[1], POLLIN, 0},
        {exited ? -1 : m->sigfd, POLLIN, 0}, {m->asrv.listen_fd, POLLIN, 0}};
    for (int i = 0; i < ENG_ATTACH_MAX_CLIENTS; i++)
      p[NFIXED + i] = (struct pollfd){m->asrv.clients[i], POLLIN, 0};
    int n = poll(p, NFIXED + ENG_ATTACH_MAX_CLIENTS, exited ? DRAIN_MS : -1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    for (int i = 0; i < 2; i++)
      if (p[i].revents)
        pump_stream(m, i);
    if (p[2].revents && reap(m, &status))
      exited = true;
    if (p[3].revents)
      eng_attach_accept(&m->asrv);
    /* an attached command's input: the stdin pipe of -d -i, or the pty */
    for (int i = 0; i < ENG_ATTACH_MAX_CLIENTS; i++)
      if (p[NFIXED + i].revents && m->asrv.clients[i] >= 0)
        eng_attach_input(&m->asrv, i, m->tty ? m->pipe_r[0] : m->stdin_w,
                         m->tty ? m->pipe_r[0] : -1);
  }
  for (int i = 0; i < 2; i++)
    if (m->pipe_r[i] >= 0)
      close_stream(m, i);
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* The exit recorded, the runtime's container deleted, the rootfs
 * unmounted; with --rm the container removed. */
static void finish(struct mon *m, int code) {
  tote_err *err = NULL;
  json_t *c = eng_load(m->cdir, m->o->id);
  bool remove = c && json_is_true(json_object_get(c, "auto_remove"));
  /* with --rm the record goes: no need to write it first, nor to ask
   * whether the kernel killed it (a removal that fails half-way leaves it
   * with a dead monitor, which reads as exited, the code from the
   * monitor's lock file) */
  bool oom = false;
  if (c && !remove) {
    json_t *st = rt_state(&m->rt, m->o->id, &err);
    oom = json_is_true(json_object_get(st, "oomKilled"));
    json_decref(st);
    err_free(&err);
  }
  if (rt_delete(&m->rt, m->o->id, true, &err) < 0) {
    log_warn("deleting the runtime's container: %s", err->msg);
    err_free(&err);
  }
  if (c && !remove) { /* eng_discard does it for --rm */
    eng_unmount_rootfs(c);
    eng_net_down(m->o->root, c);
    char now[64];
    rfc3339_now(now, sizeof now);
    json_object_set_new(c, "state", json_string("exited"));
    json_object_set_new(c, "exit_code", json_integer(code));
    json_object_set_new(c, "finished", json_string(now));
    json_object_set_new(c, "oom_killed", json_boolean(oom));
    json_object_set_new(c, "pid", json_integer(0));
    json_object_set_new(c, "monitor_pid", json_integer(0));
    if (eng_save(m->cdir, c, &err) < 0) {
      log_warn("%s", err->msg);
      err_free(&err);
    }
  }
  char text[16];
  int n = snprintf(text, sizeof text, "%d\n", code);
  if (pwrite(m->lockfd, text, (size_t)n, 0) != n)
    log_warn("writing the exit code into %s: %s", ENG_MONITOR_LOCK, strerror(errno));
  eng_attach_close(&m->asrv, code, m->dfd);
  if (remove)
    eng_discard(m->o->root, m->cdir, c, true);
  json_decref(c);
  report(m->status_fd, "exited %d\n", code);
}

/* The container's input to an attached command, which writes to it
 * itself: the pty's master for -t (also for its size), the stdin pipe for
 * -i.  The monitor keeps no writing end then, so that the command's EOF
 * reaches the container; detached, it keeps the stdin pipe open (as
 * docker's -d -i) and needs no master (its output has its own fd). */
static void hand_over_input(struct mon *m) {
  /* what the command asked for: the pty (-t), or the stdin pipe (-i) */
  int fd = m->tty ? (m->o->tty ? m->master : -1) : (m->o->interactive ? m->stdin_w : -1);
  if (m->o->attach && fd >= 0) {
    tote_err *err = NULL;
    if (unix_send_fd(m->status_fd, fd, m->tty ? "tty\n" : "stdin\n", &err) < 0) {
      log_warn("handing the container's input over: %s", err->msg);
      err_free(&err);
    }
  }
  if (m->master >= 0)
    close(m->master);
  m->master = -1;
  if (m->o->attach && m->o->interactive && m->stdin_w >= 0) {
    close(m->stdin_w);
    m->stdin_w = -1;
  }
}

/* ---- --restart ---- */

#define RESTART_FIRST_MS 100
#define RESTART_MAX_MS 60000
#define RESTART_RESET_S 10 /* a run this long starts the delays over */

static bool stop_marked(struct mon *m) { return faccessat(m->dfd, ENG_STOP_MARK, F_OK, 0) == 0; }

/* Whether the policy in the record wants the container again after code. */
static bool restart_wanted(struct mon *m, int code) {
  json_t *c = eng_load(m->cdir, m->o->id);
  const char *policy = json_string_value(json_object_get(c, "restart_policy"));
  long long max = json_integer_value(json_object_get(c, "restart_max"));
  long long count = json_integer_value(json_object_get(c, "restart_count"));
  bool want = policy && !stop_marked(m) &&
              (strcmp(policy, "always") == 0 || strcmp(policy, "unless-stopped") == 0 ||
               (strcmp(policy, "on-failure") == 0 && code != 0 && (max <= 0 || count < max)));
  json_decref(c);
  return want;
}

/* The exit recorded as a restart's, the runtime's container deleted, a
 * wait (cut short by a stop), then the container created and started
 * again.  -1 when it is not to run again (finish() then records it). */
static int restart(struct mon *m, int code) {
  if (m->status_fd >= 0) { /* an attached command gets the first exit, as docker's */
    report(m->status_fd, "exited %d\n", code);
    close(m->status_fd);
    m->status_fd = -1;
  }
  tote_err *err = NULL;
  if (rt_delete(&m->rt, m->o->id, true, &err) < 0) {
    log_warn("deleting the runtime's container: %s", err->msg);
    err_free(&err);
  }
  json_t *c = eng_load(m->cdir, m->o->id);
  if (c == NULL)
    return -1;
  long long count = json_integer_value(json_object_get(c, "restart_count"));
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (now.tv_sec - m->started_at >= RESTART_RESET_S)
    m->delay_ms = 0;
  m->delay_ms = m->delay_ms ? m->delay_ms * 2 : RESTART_FIRST_MS;
  if (m->delay_ms > RESTART_MAX_MS)
    m->delay_ms = RESTART_MAX_MS;
  json_object_set_new(c, "restart_count", json_integer(count + 1));
  json_object_set_new(c, "exit_code", json_integer(code));
  json_object_set_new(c, "pid", json_integer(0));
  int r = eng_save(m->cdir, c, &err);
  json_decref(c);
  for (long waited = 0; r == 0 && waited < m->delay_ms && !stop_marked(m); waited += 50)
    usleep(50000);
  if (r < 0 || stop_marked(m)) {
    err_free(&err);
    return -1;
  }
  if (m->stdin_w >= 0) /* the last run's */
    close(m->stdin_w);
  m->stdin_w = -1;
  if (start_container(m, &err) < 0 || record_running(m, &err) < 0) {
    log_warn("restarting container %.12s: %s", m->o->id, err ? err->msg : "failed");
    err_free(&err);
    eng_rt_forget(m->o->state_root, m->o->id);
    return -1;
  }
  hand_over_input(m); /* detached by now: the master closed, stdin kept */
  return 0;
}

static noreturn void monitor_main(const struct eng_monitor_opts *o, int status_fd, int out_fd,
                                  int err_fd) {
  struct mon m = {.o = o, .rt = {.root = o->state_root}, .cdir = -1, .dfd = -1, .lockfd = -1,
                  .status_fd = status_fd, .sigfd = -1, .pipe_r = {-1, -1}, .master = -1,
                  .stdin_w = -1, .asrv = {.listen_fd = -1},
                  .attach = {out_fd, err_fd}, .log = {.fd = -1}};
  int keep[] = {status_fd, out_fd, err_fd};
  close_all_but(keep, 3);
  tote_err *err = NULL;
  int r = become_monitor(&m, &err);
  if (r == 0)
    r = open_container(&m, &err);
  if (r == 0)
    r = net_up(&m, &err);
  if (r == 0)
    r = start_container(&m, &err);
  if (r == 0)
    r = record_running(&m, &err);
  if (r < 0) {
    if (m.init > 0)
      eng_rt_forget(o->state_root, o->id);
    fail(&m, r, err);
    _exit(1);
  }
  if (eng_attach_listen(&m.asrv, m.dfd, &err) < 0) { /* the container runs without it */
    log_warn("%s", err->msg);
    err_free(&err);
  }
  report(m.status_fd, "started %d\n", (int)m.init);
  hand_over_input(&m);
  if (!o->attach) {
    close(m.status_fd);
    m.status_fd = -1;
  }
  malloc_trim(0); /* what the command and the runtime's create left: the monitor lives long */
  int code = pump(&m);
  while (restart_wanted(&m, code) && restart(&m, code) == 0)
    code = pump(&m);
  finish(&m, code);
  _exit(0);
}

/* ---- the command's side ---- */

/* One report line (without its newline); NULL at EOF. */
static char *read_report(int fd) {
  char buf[4096];
  size_t n = 0;
  while (n + 1 < sizeof buf) {
    ssize_t r = read(fd, buf + n, 1);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return n ? xstrndup(buf, n) : NULL;
    if (buf[n] == '\n')
      break;
    n++;
  }
  return xstrndup(buf, n);
}

static int parse_start(const char *id, char *line, struct eng_monitor *m, tote_err **err) {
  if (line == NULL)
    return err_set(err, 0, "the monitor of container %.12s ended before it started the "
                           "container", id);
  if (strncmp(line, "started ", 8) == 0) {
    m->init_pid = (pid_t)atoi(line + 8);
    return 0;
  }
  char kind = 0;
  int errnum = 0, off = 0;
  if (sscanf(line, "error %c %d %n", &kind, &errnum, &off) < 2 || off == 0)
    return err_set(err, 0, "the monitor of container %.12s said: %s", id, line);
  err_set(err, 0, "%s", line + off);
  (*err)->errnum = errnum;
  return kind == 'R' ? ENG_RUNTIME_FAILED : -1;
}

void eng_monitor_close(struct eng_monitor *m) {
  if (m->raw)
    terminal_restore(0, &m->saved);
  m->raw = false;
  int *fds[] = {&m->status_fd, &m->out_fd, &m->err_fd, &m->in_fd};
  for (size_t i = 0; i < 4; i++) {
    if (*fds[i] >= 0)
      close(*fds[i]);
    *fds[i] = -1;
  }
}

/* The status socket pair and, attached, the output pipes: ours in m, the
 * monitor's ends in mine[0..2] (-1 for pipes not made). */
static int make_channels(const struct eng_monitor_opts *o, struct eng_monitor *m, int mine[3],
                         tote_err **err) {
  int st[2], out[2] = {-1, -1}, er[2] = {-1, -1};
  *m = (struct eng_monitor){.status_fd = -1, .out_fd = -1, .err_fd = -1, .in_fd = -1};
  /* a socket pair: the container's input comes over it (SCM_RIGHTS) */
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, st) < 0)
    return err_sys(err, "socketpair");
  if (o->attach && (pipe2(out, O_CLOEXEC) < 0 || pipe2(er, O_CLOEXEC) < 0)) {
    int e = errno;
    int fds[] = {st[0], st[1], out[0], out[1]};
    for (int i = 0; i < 4; i++)
      if (fds[i] >= 0)
        close(fds[i]);
    errno = e;
    return err_sys(err, "pipe");
  }
  m->status_fd = st[0];
  m->out_fd = out[0];
  m->err_fd = er[0];
  mine[0] = st[1];
  mine[1] = out[1];
  mine[2] = er[1];
  return 0;
}

static void close_theirs(int mine[3]) {
  for (int i = 0; i < 3; i++)
    if (mine[i] >= 0)
      close(mine[i]);
}

/* The monitor's first report: it runs the container (and, attached with -t
 * or -i, sends the container's input) or says why not. */
static int await_start(const struct eng_monitor_opts *o, struct eng_monitor *m, tote_err **err) {
  _cleanup_free_ char *line = read_report(m->status_fd);
  int r = parse_start(o->id, line, m, err);
  if (r == 0 && o->attach && (o->tty || o->interactive) &&
      unix_recv_fd(m->status_fd, &m->in_fd, err) < 0)
    r = -1; /* the container runs: its monitor will stop it when our end goes */
  if (r < 0 || !o->attach) {
    close(m->status_fd);
    m->status_fd = -1;
  }
  if (r < 0)
    eng_monitor_close(m);
  return r;
}

static void make_raw(const struct eng_monitor_opts *o, struct eng_monitor *m) {
  if (o->attach && o->tty) { /* eng_monitor_close restores it */
    int raw = terminal_raw(0, &m->saved, NULL);
    m->raw = raw == 1;
  }
}

/* The channels made and the monitor's process forked: 0 in the child (its
 * ends in mine), the child's pid in the command (ours in m), -1 with err.
 * raw: attached -t, our terminal raw from before the fork. */
static pid_t fork_monitor(const struct eng_monitor_opts *o, struct eng_monitor *m, int mine[3],
                          bool raw, tote_err **err) {
  if (make_channels(o, m, mine, err) < 0)
    return -1;
  fflush(stdout);
  fflush(stderr);
  if (raw)
    make_raw(o, m);
  pid_t p = fork();
  if (p == 0)
    return 0;
  int e = errno;
  close_theirs(mine);
  if (p < 0) {
    eng_monitor_close(m);
    errno = e;
    return err_sys(err, "starting the monitor");
  }
  return p;
}

int eng_monitor_start(const struct eng_monitor_opts *o, struct eng_monitor *m, tote_err **err) {
  int mine[3];
  /* one fork: the monitor makes a session of its own, and when the
   * command exits first (-d) it is reparented as a grandchild would be */
  pid_t p = fork_monitor(o, m, mine, true, err);
  if (p == 0)
    monitor_main(o, mine[0], mine[1], mine[2]);
  return p < 0 ? -1 : await_start(o, m, err);
}

int eng_monitor_prespawn(const struct eng_monitor_opts *o, struct eng_monitor *m,
                         tote_err **err) {
  int mine[3];
  pid_t p = fork_monitor(o, m, mine, false, err);
  if (p != 0)
    return p < 0 ? -1 : 0;
  char fd[3][16], flags[8];
  for (int i = 0; i < 3; i++) {
    if (mine[i] >= 0)
      fcntl(mine[i], F_SETFD, 0); /* through the exec */
    snprintf(fd[i], sizeof fd[i], "%d", mine[i]);
  }
  snprintf(flags, sizeof flags, "%s%s%s", o->attach ? "a" : "-", o->tty ? "t" : "-",
           o->interactive ? "i" : "-");
  char *argv[] = {"tote", ENG_MONITOR_ENTRY, (char *)o->root, (char *)o->state_root, flags,
                  fd[0], fd[1], fd[2], NULL};
  tote_err *e = NULL;
  if (selfclone_ensure(argv, "tote", &e) == 0) /* already the protected copy */
    eng_monitor_exec_main(8, argv);
  _exit(125); /* the command sees the status socket close */
}

int eng_monitor_go(const struct eng_monitor_opts *o, struct eng_monitor *m, tote_err **err) {
  make_raw(o, m);
  _cleanup_free_ char *go = xasprintf("go %s\n", o->id);
  if (write_all_fd(m->status_fd, go, strlen(go)) < 0) {
    eng_monitor_close(m);
    return err_set(err, 0, "the monitor of container %.12s is gone before it could start it",
                   o->id);
  }
  return await_start(o, m, err);
}

noreturn void eng_monitor_exec_main(int argc, char **argv) {
  tote_err *err = NULL;
  /* run by hand, not from the protected copy: become it first */
  if (argc != 8 || selfclone_ensure(argv, "tote", &err) < 0)
    _exit(125);
  const char *flags = argv[4];
  int st = atoi(argv[5]), out = atoi(argv[6]), er = atoi(argv[7]);
  _cleanup_free_ char *line = read_report(st);
  if (line == NULL || strncmp(line, "go ", 3) != 0)
    _exit(0); /* the command made no container */
  struct eng_monitor_opts o = {.root = argv[2], .state_root = argv[3], .id = line + 3,
                               .attach = flags[0] == 'a', .tty = flags[1] == 't',
                               .interactive = flags[2] == 'i'};
  monitor_main(&o, st, out, er);
}

int eng_monitor_block_signals(tote_err **err) {
  return spawn_block_signals(false, SFD_NONBLOCK, err);
}

/* One read of the container's stream i, written to our fd i+1. */
static void relay_stream(int *fd, int to) {
  char buf[65536];
  ssize_t n = read(*fd, buf, sizeof buf);
  if (n < 0 && errno == EINTR)
    return;
  if (n > 0 && write_all_fd(to, buf, (size_t)n) == 0)
    return;
  close(*fd); /* the end, or our own output is gone: the container goes on unread */
  *fd = -1;
}

/* The signals we get, passed on to the container; with -t a SIGWINCH
 * resizes its pty instead (the kernel then signals its foreground group). */
static void forward(const struct eng_monitor_opts *o, const struct eng_monitor *m, int sigfd) {
  struct signalfd_siginfo si;
  struct rt_context rt = {.root = o->state_root};
  while (read(sigfd, &si, sizeof si) == sizeof si) {
    if (si.ssi_signo == SIGWINCH && o->tty) {
      terminal_copy_size(isatty(0) ? 0 : isatty(1) ? 1 : -1, m->in_fd);
      continue;
    }
    tote_err *e = NULL;
    if (rt_kill(&rt, o->id, (int)si.ssi_signo, false, &e) < 0)
      err_free(&e); /* it has just exited: the monitor says so next */
  }
}

/* One read of our stdin, written to the container's input; at our EOF its
 * stdin pipe is closed (EOF for it too), a pty is left open (as docker's:
 * the terminal's own EOF is a ^D the user types). */
static void relay_input(const struct eng_monitor_opts *o, struct eng_monitor *m, bool *in_open) {
  char buf[65536];
  ssize_t n = read(0, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n > 0 && write_all_fd(m->in_fd, buf, (size_t)n) == 0)
    return;
  *in_open = false;
  if (!o->tty) {
    close(m->in_fd);
    m->in_fd = -1;
  }
}

int eng_monitor_relay(const struct eng_monitor_opts *o, struct eng_monitor *m, int sigfd,
                      int *exit_code, tote_err **err) {
  _cleanup_free_ char *last = NULL;
  if (o->tty && m->in_fd >= 0) /* our terminal drives the container's (raw since the start) */
    terminal_copy_size(isatty(0) ? 0 : isatty(1) ? 1 : -1, m->in_fd);
  bool in_open = o->interactive && m->in_fd >= 0;
  /* "exited N" is the monitor's last word: once it has come, and the
   * output with it, the monitor's own exit is not waited for */
  bool exited = false;
  while (m->out_fd >= 0 || m->err_fd >= 0 || (m->status_fd >= 0 && !exited)) {
    struct pollfd p[5] = {{m->out_fd, POLLIN, 0}, {m->err_fd, POLLIN, 0},
                          {m->status_fd, POLLIN, 0}, {sigfd, POLLIN, 0},
                          {in_open ? 0 : -1, POLLIN, 0}};
    if (poll(p, 5, -1) < 0) {
      if (errno == EINTR)
        continue;
      return err_sys(err, "poll");
    }
    if (p[0].revents)
      relay_stream(&m->out_fd, 1);
    if (p[1].revents)
      relay_stream(&m->err_fd, 2);
    if (p[2].revents) {
      char *line = read_report(m->status_fd);
      if (line == NULL) {
        close(m->status_fd);
        m->status_fd = -1;
      } else {
        free(last);
        last = line;
        exited = strncmp(line, "exited ", 7) == 0;
      }
    }
    if (p[3].revents)
      forward(o, m, sigfd);
    if (p[4].revents)
      relay_input(o, m, &in_open);
  }
  if (last == NULL || sscanf(last, "exited %d", exit_code) != 1)
    return err_set(err, 0, "the monitor of container %.12s ended without reporting the exit "
                           "(see tote ps -a)", o->id);
  return 0;
}
