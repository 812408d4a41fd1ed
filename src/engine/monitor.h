/* monitor.h - the monitor: one small process per running container, as
 * podman's conmon.
 *
 * `tote run` and `tote start` fork it (twice, so that it is no child of
 * theirs); it makes its own session, becomes a child subreaper, holds an
 * exclusive flock on ROOT/containers/<id>/monitor.lock for as long as it
 * lives (how everyone else tells a live monitor from a dead one), and
 * closes every fd it does not need, so no store lock stays held.  It
 * creates and starts the container through the runtime library with
 * stdin on /dev/null and stdout and stderr on pipes it reads, writes each
 * line to the container's log (ctrlog.h), and, for an attached `tote run`,
 * copies the bytes as they come to two more pipes the command relays.
 * When the container's init exits and its --restart policy (no, always,
 * unless-stopped, on-failure[:N]) wants it again, and no ENG_STOP_MARK
 * says a user stopped it, the monitor deletes the runtime's container,
 * waits (100 ms, doubling each time up to a minute; back to 100 ms after
 * a run of 10 s or more) and creates and starts it again, counting
 * restart_count; an attached command is told the first exit and let go.
 * When the container's init exits for good it records the exit in container.json
 * (state, exit_code as 128+N for signal N, finished, oom_killed), writes
 * the exit code into monitor.lock (read by waiters who held it open, also
 * when --rm removed the directory), deletes the runtime's container,
 * unmounts the rootfs, removes the container for --rm, and exits.
 *
 * Its reports to the command that started it, one line each on a pipe:
 *   "started PID"          the container runs (container.json says so)
 *   "error ERRNO MESSAGE"  create or start failed (cleaned up already)
 *   "exited CODE"          attached only: the exit is recorded */
#ifndef TOTE_ENGINE_MONITOR_H
#define TOTE_ENGINE_MONITOR_H

#include <jansson.h>
#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/types.h>
#include <termios.h>

struct tote_err;

#define ENG_MONITOR_LOCK "monitor.lock"
/* Made by tote stop, kill and rm -f before they signal: the container is
 * not restarted by its --restart policy (removed when a monitor starts). */
#define ENG_STOP_MARK "stopped-by-user"

struct eng_monitor_opts {
  const char *root;       /* the store */
  const char *state_root; /* the runtime's state: /run/tote */
  const char *id;
  bool attach;            /* the command relays the output (foreground run) */
  bool keep_on_failure;   /* tote start: a container that cannot start stays */
  bool tty, interactive;  /* attached: the record's -t and -i (the input comes to us) */
};

struct eng_monitor {
  pid_t init_pid;
  int status_fd;      /* the reports; -1 once detached */
  int out_fd, err_fd; /* attached: the container's stdout and stderr; else -1 */
  int in_fd;          /* attached -t: the pty's master; -i: the stdin pipe; else -1 */
  bool raw;           /* attached -t: our terminal is in raw mode (from before the start,
                         so that no key typed early is taken by our own line discipline) */
  struct termios saved;
};

/* Start a monitor for the container (its rootfs mounted, its config.json
 * written) and wait for its first report: 0 and init_pid once the
 * container runs; ENG_RUNTIME_FAILED (run.h) with err when the runtime
 * could not create or start it (errnum ENOENT or EACCES for the command),
 * -1 for any other failure. */
int eng_monitor_start(const struct eng_monitor_opts *o, struct eng_monitor *m,
                      struct tote_err **err);
/* The same in two steps, for tote run: the monitor is spawned before the
 * container is made (o->id NULL), and executes itself from the protected
 * copy of tote (runtime/selfclone.h) while the command makes the
 * container; eng_monitor_go names it and waits for the first report as
 * eng_monitor_start does.  Closing m (eng_monitor_close) instead of going
 * on lets the monitor end without doing anything. */
int eng_monitor_prespawn(const struct eng_monitor_opts *o, struct eng_monitor *m,
                         struct tote_err **err);
int eng_monitor_go(const struct eng_monitor_opts *o, struct eng_monitor *m,
                   struct tote_err **err);
/* The entry of such a monitor: `tote __monitor ROOT STATE_ROOT FLAGS FD FD
 * FD` (tote_main), not a command of tote's. */
#define ENG_MONITOR_ENTRY "__monitor"
noreturn void eng_monitor_exec_main(int argc, char **argv);

/* Attached: copy the container's stdout and stderr to ours, forward the
 * signals we get (HUP, INT, QUIT, TERM, USR1, USR2, WINCH, CONT) to it,
 * until the monitor reports the exit code.  Call with those signals
 * blocked from before eng_monitor_start: sigfd is what
 * eng_monitor_block_signals returned. */
int eng_monitor_relay(const struct eng_monitor_opts *o, struct eng_monitor *m, int sigfd,
                      int *exit_code, struct tote_err **err);
/* Block the signals the relay forwards; a signalfd for them. */
int eng_monitor_block_signals(struct tote_err **err);
void eng_monitor_close(struct eng_monitor *m);

#endif
