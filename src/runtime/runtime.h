/* runtime.h - the runtime library's API: what `tote-oci` (and later the
 * engine) call.  Each call takes a context and fills a tote_err on failure. */
#ifndef TOTE_RUNTIME_RUNTIME_H
#define TOTE_RUNTIME_RUNTIME_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/config.h"

struct tote_err;

struct rt_context {
  const char *root;   /* state root, e.g. /run/tote */
  bool rootless;      /* resolved from --rootless auto|true|false */
  bool systemd_cgroup;
};

struct rt_create_opts {
  const char *id;
  const char *bundle;         /* NULL = cwd */
  const char *pid_file;       /* may be NULL */
  const char *console_socket; /* may be NULL */
  bool use_console_fd;        /* the pty master goes over console_fd, a connected unix
                                 socket (the engine's monitor), not to console_socket */
  int console_fd;
  bool no_pivot;
  bool no_new_keyring;
  int preserve_fds;
  pid_t *init_pid; /* when not NULL: set to the init's pid once created */
};

struct rt_exec_opts {
  const char *id;
  struct rt_process *process; /* filled by the CLI from --process or args+flags */
  const char *pid_file;
  const char *console_socket;
  bool detach;
  int preserve_fds;
};

/* The default config.json (runc's spec with Docker's 14 capabilities, its
 * masked and read-only paths, and a new network namespace; for rootless,
 * a user namespace mapping root to the caller and /sys bound read-only):
 * `sh` in ./rootfs with a terminal.  A new reference. */
json_t *rt_default_spec(bool rootless);

int rt_create(const struct rt_context *ctx, const struct rt_create_opts *o, struct tote_err **err);
int rt_start(const struct rt_context *ctx, const char *id, struct tote_err **err);
/* create + start; with detach returns after start, else waits and sets
 * *exit_code (128+N for a signal), forwarding signals, then deletes. */
int rt_run(const struct rt_context *ctx, const struct rt_create_opts *o, bool detach,
           int *exit_code, struct tote_err **err);
json_t *rt_state(const struct rt_context *ctx, const char *id, struct tote_err **err);
int rt_kill(const struct rt_context *ctx, const char *id, int sig, bool all, struct tote_err **err);
int rt_delete(const struct rt_context *ctx, const char *id, bool force, struct tote_err **err);
/* An array of state objects, one per container under the root. */
json_t *rt_list(const struct rt_context *ctx, struct tote_err **err);
int rt_ps(const struct rt_context *ctx, const char *id, pid_t **pids, size_t *n,
          struct tote_err **err);
int rt_pause(const struct rt_context *ctx, const char *id, bool pause, struct tote_err **err);
/* The process defaults for exec: the container's own process (env, user,
 * caps...) from its config.  Caller frees with config_process_free. */
struct rt_process *rt_exec_base_process(const struct rt_context *ctx, const char *id,
                                        struct tote_err **err);
int rt_exec(const struct rt_context *ctx, const struct rt_exec_opts *o, int *exit_code,
            struct tote_err **err);

/* Change the resources of a created, running or paused container:
 * resources is a linux.resources object laid over the one the container has
 * (0 and "" leave a field as is, as runc).  The whole result is checked as
 * create checks it, only what changes is written to the cgroup, and the
 * stored config.json then records the result. */
int rt_update(const struct rt_context *ctx, const char *id, json_t *resources,
              struct tote_err **err);
/* A byte count as runc's flags take it (Docker's RAMInBytes): "1048576",
 * "64m", "1.5g", "512KiB", "2 GB" (binary units: k m g t p, optional i and
 * b).  -1 on a malformed one. */
int rt_parse_mem_size(const char *s, int64_t *out);

/* The container's statistics: runc's stats event ({"type": "stats", "id",
 * "data"}). */
json_t *rt_stats(const struct rt_context *ctx, const char *id, struct tote_err **err);
/* Called with each event; a -1 return stops rt_events with that error. */
typedef int (*rt_event_fn)(json_t *event, void *arg, struct tote_err **err);
/* Report a stats event every interval_ms and an {"type": "oom"} event when
 * the OOM killer kills in the container's cgroup, until the container stops
 * (then 0).  The container's state is not locked meanwhile. */
int rt_events(const struct rt_context *ctx, const char *id, long interval_ms, rt_event_fn fn,
              void *arg, struct tote_err **err);

#endif
