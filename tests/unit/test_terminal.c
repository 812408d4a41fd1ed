// gcc -std=gnu17 -D_GNU_SOURCE -Wall -Wextra -Isrc tests/unit/test_terminal.c src/runtime/terminal.c src/util/*.c $(pkg-config --cflags --libs cmocka jansson) -o /tmp/test_terminal
/* test_terminal.c - unit tests of src/runtime/terminal.c: ptys, fd passing
 * over a socketpair and a console socket, and terminal_relay with a forked
 * child on the slave.  Runs unprivileged; needs /dev/ptmx. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/terminal.h"
#include "util/err.h"
#include "util/unixsock.h"
#include "util/xalloc.h"

#define OK(call)                                                                                \
  do {                                                                                          \
    tote_err *err_ = NULL;                                                                      \
    if ((call) < 0)                                                                             \
      fail_msg("%s: %s", #call, err_ ? err_->msg : "?");                                       \
  } while (0)

static bool cloexec(int fd) { return (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }

/* Read from fd until want appears or 5 s pass; returns what was read. */
static char *read_until(int fd, const char *want) {
  static char buf[4096];
  size_t n = 0;
  buf[0] = '\0';
  for (int tries = 0; tries < 500 && strstr(buf, want) == NULL; tries++) {
    struct pollfd p = {.fd = fd, .events = POLLIN};
    if (poll(&p, 1, 10) <= 0)
      continue;
    ssize_t r = read(fd, buf + n, sizeof buf - n - 1);
    if (r <= 0)
      break;
    n += (size_t)r;
    buf[n] = '\0';
  }
  return buf;
}

static void check_pty(bool fallback) {
  int m, s;
  terminal_test_no_ptpeer = fallback;
  OK(terminal_open_pty(&m, &s, &err_));
  terminal_test_no_ptpeer = false;
  assert_true(isatty(m) && isatty(s));
  assert_true(cloexec(m) && cloexec(s));
  tote_err *err = NULL;
  char *name = terminal_pty_name(m, &err);
  assert_non_null(name);
  assert_string_equal(ttyname(s), name);
  free(name);
  OK(terminal_set_size(m, 24, 100, &err_));
  struct winsize ws;
  assert_int_equal(ioctl(s, TIOCGWINSZ, &ws), 0);
  assert_int_equal(ws.ws_row, 24);
  assert_int_equal(ws.ws_col, 100);
  assert_int_equal(write(s, "x\n", 2), 2);
  assert_non_null(strstr(read_until(m, "x"), "x"));
  close(m);
  close(s);
}

static void test_open_pty(void **state) {
  (void)state;
  check_pty(false);
  check_pty(true); /* ptsname() fallback of kernels before 4.13 */
}

static void test_send_recv(void **state) {
  (void)state;
  int m, s, sp[2];
  OK(terminal_open_pty(&m, &s, &err_));
  assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
  tote_err *err = NULL;
  char *name = terminal_pty_name(m, &err);
  OK(unix_send_fd(sp[0], m, name, &err_));
  free(name);
  close(m);
  int got = -1;
  OK(unix_recv_fd(sp[1], &got, &err_));
  assert_true(got >= 0 && cloexec(got));
  assert_int_equal(write(s, "hello\n", 6), 6);
  assert_non_null(strstr(read_until(got, "hello"), "hello"));
  close(got);

  /* NULL name: still one message with the fd. */
  OK(unix_send_fd(sp[0], s, NULL, &err_));
  OK(unix_recv_fd(sp[1], &got, &err_));
  struct stat a, b; /* the master is closed by now: compare, no tty ioctls */
  assert_int_equal(fstat(got, &a), 0);
  assert_int_equal(fstat(s, &b), 0);
  assert_true(S_ISCHR(a.st_mode) && a.st_rdev == b.st_rdev);
  close(got);

  /* No fd in the message, and a closed peer. */
  assert_int_equal(write(sp[0], "x", 1), 1);
  assert_int_equal(unix_recv_fd(sp[1], &got, &err), -1);
  assert_int_equal(err->errnum, EBADMSG);
  err_free(&err);
  close(sp[0]);
  assert_int_equal(unix_recv_fd(sp[1], &got, &err), -1);
  err_free(&err);
  close(sp[1]);
  close(s);
}

static int listen_at(const char *path) {
  int l = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  assert_true(strlen(path) < sizeof a.sun_path);
  strcpy(a.sun_path, path);
  assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(l, 1), 0);
  return l;
}

static void console_roundtrip(const char *dir, const char *sockname) {
  /* Bind with a short relative name inside dir, connect with the full path. */
  int cwd = open(".", O_PATH | O_CLOEXEC);
  assert_int_equal(chdir(dir), 0);
  int l = listen_at(sockname);
  assert_int_equal(fchdir(cwd), 0);
  close(cwd);
  _cleanup_free_ char *full = xasprintf("%s/%s", dir, sockname);
  int c = -1;
  OK((c = unix_connect(full, &err_)));
  assert_true(cloexec(c));
  int a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
  assert_true(a >= 0);
  int m, s, got;
  OK(terminal_open_pty(&m, &s, &err_));
  OK(unix_send_fd(c, m, "/dev/pts/x", &err_));
  OK(unix_recv_fd(a, &got, &err_));
  assert_int_equal(write(s, "ok\n", 3), 3);
  assert_non_null(strstr(read_until(got, "ok"), "ok"));
  close(got), close(m), close(s), close(a), close(c), close(l);
  assert_int_equal(unlink(full), 0);
}

static void test_console_socket(void **state) {
  (void)state;
  char tmpl[] = "/tmp/tote-term-XXXXXX";
  assert_non_null(mkdtemp(tmpl));
  console_roundtrip(tmpl, "console.sock");
  /* A path longer than sun_path (108). */
  _cleanup_free_ char *deep = xasprintf("%s/%0120d", tmpl, 0);
  assert_int_equal(mkdir(deep, 0700), 0);
  console_roundtrip(deep, "c.sock");
  tote_err *err = NULL;
  _cleanup_free_ char *missing = xasprintf("%s/none.sock", tmpl);
  assert_int_equal(unix_connect(missing, &err), -1);
  assert_int_equal(err->errnum, ENOENT);
  err_free(&err);
  rmdir(deep);
  rmdir(tmpl);
}

/* ---- the container side, in a forked child ---- */

static void child_exit(const char *why) {
  dprintf(2, "child: %s: %s\n", why, strerror(errno));
  _exit(99);
}

/* setsid, then the slave becomes ctty and stdio. */
static void child_take_tty(int master, int slave) {
  close(master);
  if (setsid() < 0)
    child_exit("setsid");
  tote_err *err = NULL;
  if (terminal_make_controlling(slave, &err) < 0)
    child_exit(err->msg);
  if (slave > 2)
    close(slave);
}

static void test_make_controlling(void **state) {
  (void)state;
  int m, s;
  OK(terminal_open_pty(&m, &s, &err_));
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(m);
    if (setsid() < 0)
      _exit(30);
    tote_err *err = NULL;
    if (terminal_make_controlling(s, &err) < 0)
      _exit(31);
    /* All three are the pty, survive exec (no CLOEXEC) and it is our ctty. */
    for (int fd = 0; fd <= 2; fd++)
      if (!isatty(fd) || cloexec(fd))
        _exit(10 + fd);
    if (tcgetpgrp(0) != getpgrp() || !cloexec(s)) /* s: still ours, still CLOEXEC */
      _exit(20);
    _exit(0);
  }
  close(s);
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  close(m);
}

/* ---- relay ---- */

struct redirect {
  int saved_in, saved_out, out;
};

/* stdin from in_fd, stdout to a memfd. */
static void redirect(struct redirect *r, int in_fd) {
  fflush(stdout);
  r->saved_in = dup(0);
  r->saved_out = dup(1);
  r->out = memfd_create("relay-out", MFD_CLOEXEC);
  assert_true(r->saved_in >= 0 && r->saved_out >= 0 && r->out >= 0);
  assert_int_equal(dup2(in_fd, 0), 0);
  assert_int_equal(dup2(r->out, 1), 1);
}

static char *restore(struct redirect *r) {
  dup2(r->saved_in, 0);
  dup2(r->saved_out, 1);
  close(r->saved_in);
  close(r->saved_out);
  static char buf[4096];
  ssize_t n = pread(r->out, buf, sizeof buf - 1, 0);
  buf[n > 0 ? n : 0] = '\0';
  close(r->out);
  return buf;
}

static void test_relay_io(void **state) {
  (void)state;
  int m, s, in[2];
  OK(terminal_open_pty(&m, &s, &err_));
  assert_int_equal(pipe2(in, O_CLOEXEC), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(in[0]), close(in[1]);
    child_take_tty(m, s);
    char line[64];
    if (fgets(line, sizeof line, stdin) == NULL)
      _exit(98);
    printf("got:%s", line);
    fflush(stdout);
    _exit(3);
  }
  close(s);
  assert_int_equal(write(in[1], "ping\n", 5), 5);
  close(in[1]);
  struct redirect r;
  redirect(&r, in[0]);
  int status = -1;
  tote_err *err = NULL;
  int rc = terminal_relay(m, pid, -1, &status, &err);
  char *out = restore(&r);
  close(in[0]);
  if (rc < 0)
    fail_msg("relay: %s", err->msg);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 3);
  if (strstr(out, "got:ping") == NULL)
    fail_msg("output: \"%s\"", out);
  /* The master's flags are back (no O_NONBLOCK left behind). */
  assert_false(fcntl(m, F_GETFL) & O_NONBLOCK);
  close(m);
}

static void on_usr1(int sig) {
  (void)sig;
  _exit(7);
}

static void test_relay_signals(void **state) {
  (void)state;
  int m, s;
  OK(terminal_open_pty(&m, &s, &err_));
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  assert_int_equal(sigprocmask(SIG_BLOCK, &set, &old), 0);
  int sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  assert_true(sigfd >= 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    child_take_tty(m, s);
    signal(SIGUSR1, on_usr1);
    printf("ready\n");
    fflush(stdout);
    sigprocmask(SIG_SETMASK, &old, NULL); /* a forwarded SIGUSR1 lands here */
    for (;;)
      pause();
  }
  close(s);
  kill(getpid(), SIGUSR1); /* pending on us: the relay must pass it on */
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  struct redirect r;
  redirect(&r, devnull);
  int status = -1;
  tote_err *err = NULL;
  int rc = terminal_relay(m, pid, sigfd, &status, &err);
  char *out = restore(&r);
  close(devnull);
  close(sigfd);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (rc < 0)
    fail_msg("relay: %s", err->msg);
  assert_true(WIFEXITED(status));
  assert_int_equal(WEXITSTATUS(status), 7);
  assert_non_null(strstr(out, "ready"));
  close(m);
}

static bool wait_size(int fd, unsigned short rows, unsigned short cols) {
  for (int i = 0; i < 500; i++) {
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_row == rows && ws.ws_col == cols)
      return true;
    usleep(10000);
  }
  return false;
}

/* Our stdin is a terminal (another pty): the relay puts it in raw mode,
 * sizes the container's pty like it, follows SIGWINCH, and restores it.
 * with_sigfd: the caller's blocking signalfd also takes SIGWINCH and SIGCHLD
 * (as spawn.c's does), so SIGWINCH may arrive through either fd. */
static void relay_tty(bool with_sigfd) {
  int om, os, m, s;
  OK(terminal_open_pty(&om, &os, &err_));
  OK(terminal_set_size(om, 33, 77, &err_));
  OK(terminal_open_pty(&m, &s, &err_));
  struct termios before;
  assert_int_equal(tcgetattr(os, &before), 0);
  pid_t parent = getpid();
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(os);
    child_take_tty(m, s);
    if (!wait_size(0, 33, 77))
      _exit(11);
    printf("size1 ok\n");
    fflush(stdout);
    /* Play the user resizing the outer terminal. */
    tote_err *err = NULL;
    if (terminal_set_size(om, 40, 100, &err) < 0)
      _exit(12);
    kill(parent, SIGWINCH);
    if (!wait_size(0, 40, 100))
      _exit(13);
    printf("size2 ok\n");
    fflush(stdout);
    _exit(0);
  }
  close(s);
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGWINCH);
  sigaddset(&set, SIGCHLD);
  assert_int_equal(sigprocmask(SIG_BLOCK, &set, &old), 0);
  int sigfd = with_sigfd ? signalfd(-1, &set, SFD_CLOEXEC) : -1;
  struct redirect r;
  redirect(&r, os);
  int status = -1;
  tote_err *err = NULL;
  int rc = terminal_relay(m, pid, sigfd, &status, &err);
  struct termios after;
  int ta = tcgetattr(0, &after);
  char *out = restore(&r);
  if (sigfd >= 0)
    close(sigfd);
  sigprocmask(SIG_SETMASK, &old, NULL);
  if (rc < 0)
    fail_msg("relay: %s", err->msg);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    fail_msg("child status %#x, output \"%s\"", status, out);
  assert_non_null(strstr(out, "size2 ok"));
  assert_int_equal(ta, 0);
  assert_int_equal(after.c_lflag, before.c_lflag);
  assert_int_equal(after.c_iflag, before.c_iflag);
  assert_int_equal(after.c_oflag, before.c_oflag);
  close(m), close(om), close(os);
}

static void test_relay_tty_and_winch(void **state) {
  (void)state;
  relay_tty(false);
  relay_tty(true);
}

/* A grandchild keeps the slave open after the child exits: the relay
 * returns soon after reaping the child instead of waiting for it. */
static void test_relay_leftover_holder(void **state) {
  (void)state;
  int m, s, in[2];
  OK(terminal_open_pty(&m, &s, &err_));
  assert_int_equal(pipe2(in, O_CLOEXEC), 0);
  assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(in[0]);
    child_take_tty(m, s);
    pid_t gc = fork();
    if (gc == 0) {
      close(in[1]);
      sleep(30);
      _exit(0);
    }
    if (write(in[1], &gc, sizeof gc) != sizeof gc)
      _exit(97);
    printf("bye\n");
    fflush(stdout);
    _exit(0);
  }
  close(s);
  close(in[1]);
  int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
  struct redirect r;
  redirect(&r, devnull);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int status = -1;
  tote_err *err = NULL;
  int rc = terminal_relay(m, pid, -1, &status, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  char *out = restore(&r);
  close(devnull);
  pid_t gc = -1;
  assert_int_equal(read(in[0], &gc, sizeof gc), sizeof gc);
  close(in[0]);
  kill(gc, SIGKILL);
  waitpid(gc, NULL, 0);
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  if (rc < 0)
    fail_msg("relay: %s", err->msg);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_non_null(strstr(out, "bye"));
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  if (secs > 5)
    fail_msg("relay took %.1f s", secs);
  close(m);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_open_pty),
      cmocka_unit_test(test_send_recv),
      cmocka_unit_test(test_console_socket),
      cmocka_unit_test(test_make_controlling),
      cmocka_unit_test(test_relay_io),
      cmocka_unit_test(test_relay_signals),
      cmocka_unit_test(test_relay_tty_and_winch),
      cmocka_unit_test(test_relay_leftover_holder),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
