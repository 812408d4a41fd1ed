/* lifecycle.h - what the commands do to containers that run under a
 * monitor (monitor.h): tell whether the monitor lives, wait for the end,
 * stop, signal, start again, and clean up after a monitor that died. */
#ifndef TOTE_ENGINE_LIFECYCLE_H
#define TOTE_ENGINE_LIFECYCLE_H

#include <jansson.h>
#include <stdbool.h>

struct tote_err;

struct eng_ctx {
  const char *root;       /* the store */
  const char *state_root; /* the runtime's state */
  int cdir;               /* ROOT/containers */
};

/* The exit code a container gets when its monitor died before recording
 * one (as docker's for a container it lost). */
#define ENG_EXIT_LOST 255

/* The record as it truly is: one that says "running" whose monitor has
 * gone (killed, say) has its processes killed, its runtime state deleted,
 * its rootfs unmounted and is recorded exited (the code the monitor wrote,
 * or ENG_EXIT_LOST); removed when it was run with --rm (then NULL).  Takes
 * the reference c and returns one. */
json_t *eng_sync(const struct eng_ctx *e, json_t *c);
/* eng_find + eng_sync. */
json_t *eng_find_synced(const struct eng_ctx *e, const char *arg, struct tote_err **err);
/* Whether the record says running (after eng_sync). */
bool eng_running(json_t *c);
/* docker's State.Status: created, running, paused (the runtime's word for
 * a running one), exited (or what the record says: broken...). */
const char *eng_state(const struct eng_ctx *e, json_t *c);
/* Wait until the container's monitor has gone, at most timeout_ms (< 0:
 * no limit).  1 when it has (with *code its exit code, -1 if unknown), 0
 * on timeout. */
int eng_wait_exit(const struct eng_ctx *e, const char *id, long timeout_ms, int *code);
/* Send sig to the container's init (all: to each of its processes). */
int eng_signal(const struct eng_ctx *e, json_t *c, int sig, bool all, struct tote_err **err);
/* docker stop: the image's StopSignal (or SIGTERM), SIGKILL after
 * timeout_s, then wait until the monitor has recorded the exit. */
int eng_stop(const struct eng_ctx *e, json_t *c, int timeout_s, struct tote_err **err);
/* Start an exited or created container again, detached, under a new
 * monitor: its rootfs mounted again. */
/* tote start -a [-i]: the command attached as an attached tote run is:
 * the output relayed, our stdin with stdin (for a -i container), the
 * signals of sigfd (eng_monitor_block_signals, before the start) passed
 * on, *exit_code the container's. */
struct eng_start_attach {
  bool stdin;
  int sigfd;
  int *exit_code;
};
int eng_start(const struct eng_ctx *e, json_t *c, const struct eng_start_attach *a,
              struct tote_err **err);
/* Delete the runtime's container id (its processes killed) if there is
 * one; errors ignored. */
void eng_rt_forget(const char *state_root, const char *id);
/* Remove a container that does not run (its rootfs unmounted, its image's
 * hold released). */
int eng_remove(const struct eng_ctx *e, json_t *c, bool volumes, struct tote_err **err);

/* The container's rootfs (the record's "rootfs") mounted for a look at
 * its files: it is while the container runs; else its overlay is mounted
 * now and *mounted says so (eng_unmount_rootfs after). */
int eng_rootfs_ready(const struct eng_ctx *e, json_t *c, bool *mounted, struct tote_err **err);

/* What killed commands left: containers half made (a .new-<id> directory
 * older than a minute) and image holds of containers that were never made.
 * For container prune and system prune. */
void eng_sweep_leftovers(const struct eng_ctx *e);

#endif
