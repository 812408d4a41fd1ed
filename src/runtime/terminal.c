/* terminal.c - ptys, passing the master over a unix socket (runc's
 * --console-socket), and the foreground relay between our stdio and a
 * container's pty. */
#include "runtime/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

bool terminal_test_no_ptpeer = false;

/* ---- pty ---- */

static int open_slave_by_name(int master, tote_err **err) {
  char name[PATH_MAX];
  int e = ptsname_r(master, name, sizeof name);
  if (e != 0)
    return err_set(err, e, "ptsname");
  int fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening %s", name);
  return fd;
}

int terminal_open_pty(int *master, int *slave, tote_err **err) {
  _cleanup_close_ int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (m < 0)
    return err_sys(err, "opening /dev/ptmx");
  /* posix_openpt is not promised to honour O_CLOEXEC. */
  if (fcntl(m, F_SETFD, FD_CLOEXEC) < 0)
    return err_sys(err, "setting FD_CLOEXEC on the pty master");
  if (grantpt(m) < 0)
    return err_sys(err, "grantpt");
  if (unlockpt(m) < 0)
    return err_sys(err, "unlockpt");
  int s = -1;
  if (!terminal_test_no_ptpeer) {
    s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0 && errno != EINVAL && errno != ENOTTY)
      return err_sys(err, "opening the pty slave (TIOCGPTPEER)");
  }
  if (s < 0 && (s = open_slave_by_name(m, err)) < 0)
    return -1;
  *master = steal_fd(&m);
  *slave = s;
  return 0;
}

char *terminal_pty_name(int master, tote_err **err) {
  char name[PATH_MAX];
  int e = ptsname_r(master, name, sizeof name);
  if (e != 0) {
    err_set(err, e, "ptsname");
    return NULL;
  }
  return xstrdup(name);
}

int terminal_set_size(int fd, unsigned short rows, unsigned short cols, tote_err **err) {
  struct winsize ws = {.ws_row = rows, .ws_col = cols};
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
    return err_sys(err, "setting the terminal size to %ux%u", rows, cols);
  return 0;
}

int terminal_make_controlling(int slave, tote_err **err) {
  if (ioctl(slave, TIOCSCTTY, 0) < 0)
    return err_sys(err, "making the pty the controlling terminal");
  for (int fd = 0; fd <= 2; fd++) {
    if (fd == slave) {
      /* dup2 clears FD_CLOEXEC on its copies; this one must survive too. */
      if (fcntl(fd, F_SETFD, 0) < 0)
        return err_sys(err, "clearing FD_CLOEXEC on fd %d", fd);
    } else if (dup2(slave, fd) < 0) {
      return err_sys(err, "dup2 of the pty onto fd %d", fd);
    }
  }
  return 0;
}

/* ---- foreground relay ---- */

struct relay {
  int master;
  pid_t pid;
  int sigfd, winchfd, pidfd;
  int tty_fd;            /* our terminal (0 or 1), -1 if none */
  bool raw;              /* stdin was put in raw mode */
  struct termios saved;
  int master_flags;
  sigset_t oldmask;
  bool in_open, master_open, reaped;
  char in[4096];         /* stdin -> master, not yet written */
  size_t in_len, in_off;
};

void terminal_copy_size(int tty, int master) {
  struct winsize ws;
  if (tty >= 0 && ioctl(tty, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col)
    if (ioctl(master, TIOCSWINSZ, &ws) < 0)
      log_debug("resizing the container's terminal: %s", strerror(errno));
}

int terminal_raw(int fd, struct termios *saved, tote_err **err) {
  if (!isatty(fd) || tcgetattr(fd, saved) < 0)
    return 0;
  struct termios raw = *saved;
  cfmakeraw(&raw);
  if (tcsetattr(fd, TCSANOW, &raw) < 0)
    return err_sys(err, "putting the terminal in raw mode");
  return 1;
}

void terminal_restore(int fd, const struct termios *saved) { tcsetattr(fd, TCSANOW, saved); }

static void relay_resize(struct relay *r) { terminal_copy_size(r->tty_fd, r->master); }

static int relay_setup(struct relay *r, tote_err **err) {
  sigset_t winch;
  sigemptyset(&winch);
  sigaddset(&winch, SIGWINCH);
  if (sigprocmask(SIG_BLOCK, &winch, &r->oldmask) < 0)
    return err_sys(err, "blocking SIGWINCH");
  r->winchfd = signalfd(-1, &winch, SFD_CLOEXEC | SFD_NONBLOCK);
  if (r->winchfd < 0)
    return err_sys(err, "signalfd for SIGWINCH");
  r->tty_fd = isatty(STDIN_FILENO) ? STDIN_FILENO : isatty(STDOUT_FILENO) ? STDOUT_FILENO : -1;
  int raw = terminal_raw(STDIN_FILENO, &r->saved, err);
  if (raw < 0)
    return -1;
  r->raw = raw == 1;
  relay_resize(r);
  r->master_flags = fcntl(r->master, F_GETFL);
  if (r->master_flags < 0 || fcntl(r->master, F_SETFL, r->master_flags | O_NONBLOCK) < 0)
    return err_sys(err, "making the pty master non-blocking");
  r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
  if (r->pidfd < 0 && errno != ENOSYS)
    return err_sys(err, "pidfd_open(%d)", (int)r->pid);
  return 0; /* without pidfd (before 5.3) we poll waitpid every 100 ms */
}

static void relay_teardown(struct relay *r) {
  if (r->master_flags >= 0)
    fcntl(r->master, F_SETFL, r->master_flags);
  if (r->raw)
    terminal_restore(STDIN_FILENO, &r->saved);
  if (r->pidfd >= 0)
    close(r->pidfd);
  if (r->winchfd >= 0)
    close(r->winchfd);
  sigprocmask(SIG_SETMASK, &r->oldmask, NULL);
}

/* Write everything to a blocking or non-blocking fd. */
static int write_out(int fd, const char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0 && errno == EAGAIN) {
      struct pollfd pf = {.fd = fd, .events = POLLOUT};
      poll(&pf, 1, -1);
      continue;
    }
    if (w < 0)
      return -1;
    p += w, n -= (size_t)w;
  }
  return 0;
}

static int relay_wait(struct relay *r, int *status, tote_err **err) {
  int st;
  pid_t w = waitpid(r->pid, &st, WNOHANG);
  if (w < 0 && errno != EINTR)
    return err_sys(err, "waiting for %d", (int)r->pid);
  if (w == r->pid) {
    r->reaped = true;
    *status = st;
    r->in_open = false; /* nobody left to read our input */
  }
  return 0;
}

static void relay_master_in(struct relay *r) {
  char buf[8192];
  for (;;) {
    ssize_t n = read(r->master, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return;
    if (n <= 0) { /* EIO: every slave is closed */
      r->master_open = false;
      r->in_open = false;
      return;
    }
    if (write_out(STDOUT_FILENO, buf, (size_t)n) < 0)
      log_debug("writing the container's output: %s", strerror(errno));
  }
}

static void relay_stdin(struct relay *r) {
  ssize_t n = read(STDIN_FILENO, r->in, sizeof r->in);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0) {
    r->in_open = false;
    return;
  }
  r->in_len = (size_t)n;
  r->in_off = 0;
}

static void relay_master_out(struct relay *r) {
  ssize_t n = write(r->master, r->in + r->in_off, r->in_len - r->in_off);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n < 0) {
    r->in_len = r->in_off = 0;
    return;
  }
  r->in_off += (size_t)n;
  if (r->in_off == r->in_len)
    r->in_len = r->in_off = 0;
}

/* The caller's signals.  Two are not passed on: SIGWINCH (the caller's
 * set may take it before our own signalfd does) resizes the pty, whose
 * foreground group then gets SIGWINCH from the kernel; SIGCHLD only means
 * "look at the child". */
static int relay_signals(struct relay *r, int *status, tote_err **err) {
  struct signalfd_siginfo si;
  for (;;) {
    ssize_t n = read(r->sigfd, &si, sizeof si);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && errno == EAGAIN)
      return 0;
    if (n != (ssize_t)sizeof si)
      return n < 0 ? err_sys(err, "reading the signalfd") : 0;
    int sig = (int)si.ssi_signo;
    if (sig == SIGWINCH) {
      relay_resize(r);
    } else if (sig == SIGCHLD) {
      if (!r->reaped && relay_wait(r, status, err) < 0)
        return -1;
    } else if (!r->reaped && kill(r->pid, sig) < 0 && errno != ESRCH) {
      return err_sys(err, "forwarding signal %d to %d", sig, (int)r->pid);
    }
    /* A blocking signalfd: one signal per poll round is enough. */
    if (!(fcntl(r->sigfd, F_GETFL) & O_NONBLOCK))
      return 0;
  }
}

enum { PF_IN, PF_MASTER, PF_SIG, PF_WINCH, PF_CHILD, PF_COUNT };

static int relay_loop(struct relay *r, int *status, tote_err **err) {
  for (;;) {
    if (r->reaped && !r->master_open)
      return 0;
    struct pollfd p[PF_COUNT] = {
        [PF_IN] = {.fd = r->in_open && r->in_len == 0 ? STDIN_FILENO : -1, .events = POLLIN},
        [PF_MASTER] = {.fd = r->master_open ? r->master : -1,
                      .events = (short)(POLLIN | (r->in_len ? POLLOUT : 0))},
        [PF_SIG] = {.fd = r->sigfd, .events = POLLIN},
        [PF_WINCH] = {.fd = r->winchfd, .events = POLLIN},
        [PF_CHILD] = {.fd = r->reaped ? -1 : r->pidfd, .events = POLLIN},
    };
    int timeout = r->reaped ? 200 : r->pidfd < 0 ? 100 : -1;
    int n = poll(p, PF_COUNT, timeout);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return err_sys(err, "poll");
    if (n == 0 && r->reaped)
      return 0; /* child gone, master silent: someone else holds the slave */
    if (p[PF_IN].revents)
      relay_stdin(r);
    if (p[PF_MASTER].revents & POLLOUT)
      relay_master_out(r);
    if (p[PF_MASTER].revents & (POLLIN | POLLHUP | POLLERR))
      relay_master_in(r);
    if (p[PF_SIG].revents && relay_signals(r, status, err) < 0)
      return -1;
    if (p[PF_WINCH].revents) {
      struct signalfd_siginfo si;
      while (read(r->winchfd, &si, sizeof si) == (ssize_t)sizeof si) {
      }
      relay_resize(r);
    }
    if ((r->pidfd < 0 || p[PF_CHILD].revents) && !r->reaped && relay_wait(r, status, err) < 0)
      return -1;
  }
}

int terminal_relay(int master, pid_t pid, int sigfd, int *status, tote_err **err) {
  struct relay r = {.master = master, .pid = pid, .sigfd = sigfd, .winchfd = -1, .pidfd = -1,
                    .master_flags = -1, .in_open = true, .master_open = true};
  sigprocmask(SIG_BLOCK, NULL, &r.oldmask);
  int rc = relay_setup(&r, err);
  if (rc == 0)
    rc = relay_loop(&r, status, err);
  relay_teardown(&r);
  return rc;
}
