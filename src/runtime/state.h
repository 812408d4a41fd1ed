/* state.h - a container's state directory <root>/<id>/.
 *
 *   state.json   the state of runtime.md plus what tote needs later
 *                (init start time against pid reuse, cgroup, rootless)
 *   config.json  the config as it was at create (for exec and poststop hooks)
 *   exec.fifo    exists while the container is "created"; start writes one byte
 *
 * Writes are atomic, not flushed (write_file_volatile_at: a state does not
 * outlive the processes it describes); every command on a container holds
 * flock(LOCK_EX) on the directory while it changes it. */
#ifndef TOTE_RUNTIME_STATE_H
#define TOTE_RUNTIME_STATE_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct tote_err;
struct cgroup;

enum rt_status { RT_CREATING, RT_CREATED, RT_RUNNING, RT_PAUSED, RT_STOPPED };

struct rt_state {
  char *id;
  char *bundle;
  char *rootfs;
  char *created;      /* RFC 3339 with nanoseconds */
  char *owner;
  pid_t pid;
  unsigned long long pid_start; /* field 22 of /proc/PID/stat: tells a reused pid apart */
  bool creating;      /* create has not finished */
  bool rootless;
  json_t *annotations; /* may be NULL */
  struct cgroup *cgroup; /* may be NULL */
  char *systemd_unit;    /* the scope of the systemd cgroup driver, or NULL */
  unsigned hook_kinds;   /* bit k: the config has hooks of kind k (enum rt_hook_kind),
                            so that start and delete read config.json only then;
                            all bits when a state does not say */
  int dirfd;          /* O_DIRECTORY fd of the state dir, locked; -1 if not open */
};

const char *rt_status_name(enum rt_status s);
int state_validate_id(const char *id, struct tote_err **err);
/* Open <root> (creating it 0700) and return its fd. */
int state_open_root(const char *root, bool create, struct tote_err **err);
/* Make the container's directory; EEXIST -> "container ID already exists". */
int state_create_dir(int rootfd, const char *id, struct tote_err **err);
/* Open and lock an existing container; "container ID does not exist" otherwise. */
struct rt_state *state_load(int rootfd, const char *id, struct tote_err **err);
/* The same from the state root's path; a root that cannot be opened means
 * the container does not exist. */
struct rt_state *state_load_by_id(const char *root, const char *id, struct tote_err **err);
int state_save(const struct rt_state *st, struct tote_err **err);
enum rt_status state_status(const struct rt_state *st);
json_t *state_to_oci_json(const struct rt_state *st, enum rt_status status);
/* The same, as compact JSON text (what hooks read on stdin). */
char *state_json_text(const struct rt_state *st, enum rt_status status);
void state_free(struct rt_state *st);
/* Remove <root>/<id> and everything in it. */
int state_remove_dir(int rootfd, const char *id, struct tote_err **err);
unsigned long long proc_start_time(pid_t pid);

#endif
