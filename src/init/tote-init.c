/* tote-init - the init of `tote run --init`: pid 1 of the container, which
 * runs the command as its child, passes on every signal it gets (Ctrl-C,
 * tote stop's SIGTERM) to it, reaps the zombies that orphans leave behind,
 * and exits with the command's status (128+N when a signal N killed it).
 * Linked statically: the container's image may have no libc.
 *
 *   /dev/init -- COMMAND [ARG...]   */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) {
  fprintf(stderr, "tote-init: %s: %s\n", what, strerror(errno));
  _exit(127);
}

/* Reap every exited child; the command's status goes to *status. */
static int reap(pid_t cmd, int *status) {
  int found = 0, st;
  pid_t p;
  while ((p = waitpid(-1, &st, WNOHANG)) > 0)
    if (p == cmd) {
      *status = st;
      found = 1;
    }
  return found;
}

int main(int argc, char **argv) {
  int first = argc > 1 && strcmp(argv[1], "--") == 0 ? 2 : 1;
  if (first >= argc) {
    fprintf(stderr, "usage: tote-init -- COMMAND [ARG...]\n");
    return 125;
  }
  sigset_t all, old;
  sigfillset(&all);
  sigprocmask(SIG_BLOCK, &all, &old);
  pid_t cmd = fork();
  if (cmd < 0)
    die("fork");
  if (cmd == 0) {
    sigprocmask(SIG_SETMASK, &old, NULL);
    execvp(argv[first], argv + first);
    int e = errno;
    fprintf(stderr, "tote-init: %s: %s\n", argv[first], strerror(e));
    _exit(e == ENOENT ? 127 : 126);
  }
  for (;;) {
    siginfo_t si;
    if (sigwaitinfo(&all, &si) < 0) {
      if (errno == EINTR)
        continue;
      die("sigwaitinfo");
    }
    int status;
    if (si.si_signo == SIGCHLD) {
      if (reap(cmd, &status))
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    } else if (si.si_signo != SIGSTOP && si.si_signo != SIGKILL) {
      kill(cmd, si.si_signo);
    }
  }
}
