/* spawn.h - the parent's side of starting a stage process and its child:
 * shared by create (the container init) and exec (a process inside it). */
#ifndef TOTE_RUNTIME_SPAWN_H
#define TOTE_RUNTIME_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

#include "runtime/launch.h"

struct tote_err;
struct cgroup;

struct spawn {
  int sync_fd;     /* the parent's end */
  pid_t stage_pid;
  pid_t child_pid; /* the container process, our child via CLONE_PARENT */
  /* Without a cgroup to enter: puts the container process in its cgroup
   * (the systemd driver's scope) before it goes on; may be NULL. */
  int (*place)(void *arg, pid_t pid, struct tote_err **err);
  void *place_arg;
};

/* Fork the stage, put it in cg (may be NULL), write the id maps it asks
 * for, and receive the pid of the container process. On failure every
 * process started is killed and reaped. */
int spawn_start(struct launch *l, struct cgroup *cg, const struct rt_config *idmaps,
                struct spawn *sp, struct tote_err **err);
/* Kill and reap what spawn_start started (after a later failure). */
void spawn_abort(struct spawn *sp);
/* Step 6b of sync.h: receive the notify fd of the container process's
 * seccomp filter and hand it to the seccomp agent with state_json. */
int spawn_forward_seccomp(struct spawn *sp, const struct rt_seccomp *s, const char *state_json,
                          struct tote_err **err);
/* Connect to --console-socket, or -1 when there is none. */
int spawn_console(const char *path, struct tote_err **err);
/* Wait for pid (our child), forwarding the signals in `sigs` that arrive
 * to it; returns the shell-style exit code. */
int spawn_wait_forward(pid_t pid, int sigfd, int *exit_code, struct tote_err **err);
/* Block the signals a foreground run/exec forwards (and SIGCHLD, for a
 * waiter that wants it on the same fd); returns a signalfd with flags
 * (SFD_CLOEXEC always). */
int spawn_block_signals(bool sigchld, int flags, struct tote_err **err);

#endif
