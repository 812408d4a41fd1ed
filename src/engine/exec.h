/* exec.h - `tote exec`: a new process in a running container, through the
 * runtime library (rt_exec: it joins every namespace and the cgroup of the
 * container).  The process is the container's own (its env, caps, seccomp,
 * rlimits, user, cwd) with what the flags change: the command, -e over the
 * env (KEY alone: tote's own value), -w, -u (resolved in the container's
 * /etc/passwd and /etc/group). */
#ifndef TOTE_ENGINE_EXEC_H
#define TOTE_ENGINE_EXEC_H

#include <jansson.h>
#include <stdbool.h>

struct eng_ctx;
struct tote_err;

struct eng_exec_opts {
  char **args;
  int nargs;
  const char **env;
  int nenv;
  const char *workdir, *user;
  bool detach;      /* return once it runs */
  bool tty;         /* a pty, relayed to our stdio (not with detach) */
  bool interactive; /* our stdin is its (else /dev/null) */
};

/* Run it in c (a record that says running); *exit_code gets its status
 * (128+N for signal N; 0 with detach).  ENG_RUNTIME_FAILED (run.h) with
 * errnum ENOENT or EACCES when the command is not found or not
 * executable, -1 for other errors. */
int eng_exec(const struct eng_ctx *e, json_t *c, const struct eng_exec_opts *o, int *exit_code,
             struct tote_err **err);

#endif
