/* terminal.h - the container's pty (process.terminal), runc's
 * --console-socket protocol, and the foreground relay of `tote run -t`.
 *
 * Flow: the container's init opens the pty inside its root
 * (terminal_open_pty after pivot_root, so the pty belongs to the container's
 * devpts), sizes it (process.consoleSize), makes the slave its controlling
 * terminal and stdio, and hands the master up: over --console-socket to
 * whoever listens there (detached), or to tote itself, which relays it to its
 * own stdio (foreground). */
#ifndef TOTE_RUNTIME_TERMINAL_H
#define TOTE_RUNTIME_TERMINAL_H

#include <stdbool.h>
#include <sys/types.h>
#include <termios.h>

struct tote_err;

/* posix_openpt on /dev/ptmx of the current root (O_RDWR|O_NOCTTY|O_CLOEXEC),
 * grantpt, unlockpt; the slave comes from TIOCGPTPEER (no path lookup, so
 * nothing in the container can swap /dev/pts/N), falling back to opening
 * ptsname() on kernels before 4.13.  Both fds are O_CLOEXEC. */
int terminal_open_pty(int *master, int *slave, struct tote_err **err);
/* The name of the slave of master ("/dev/pts/3"), malloc'd; NULL on error. */
char *terminal_pty_name(int master, struct tote_err **err);
int terminal_set_size(int fd, unsigned short rows, unsigned short cols, struct tote_err **err);
/* The caller already did setsid(): TIOCSCTTY on slave, then dup2 it onto 0,
 * 1 and 2 (none of them FD_CLOEXEC).  slave stays the caller's to close
 * when it is above 2. */
int terminal_make_controlling(int slave, struct tote_err **err);

/* Our terminal for a relay: fd (stdin) put in raw mode, *saved kept for
 * terminal_restore; 0 when fd is no terminal (nothing done), 1 when raw. */
int terminal_raw(int fd, struct termios *saved, struct tote_err **err);
void terminal_restore(int fd, const struct termios *saved);
/* The size of our terminal tty (stdin or stdout, -1: none) given to the
 * pty master. */
void terminal_copy_size(int tty, int master);

/* Foreground terminal.  If our stdin is a tty: raw mode (restored on
 * return) and master sized like it, again on every SIGWINCH.  Copies stdin
 * -> master and master -> stdout until the master reports EOF/EIO (every
 * slave closed) and child pid has been reaped (*status = its wait status);
 * once it is reaped, a master that stays silent for 200 ms is taken as done,
 * so a leftover background holder of the slave cannot hang us.  For each
 * signal read from the signalfd sigfd (-1 for none) calls kill(pid, sig),
 * except SIGWINCH (resizes the pty: the kernel signals its foreground group)
 * and SIGCHLD (only checks the child).  The caller must not hold the slave.
 * Restores master's file flags and the signal mask on return. */
int terminal_relay(int master, pid_t pid, int sigfd, int *status, struct tote_err **err);

/* For tests: pretend TIOCGPTPEER does not exist (exercise the fallback). */
extern bool terminal_test_no_ptpeer;

#endif
