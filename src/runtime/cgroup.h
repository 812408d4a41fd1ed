/* cgroup.h - the container's control group, on cgroup v1, v2 or both (hybrid).
 *
 * One struct cgroup stands for the container's directory in every mounted
 * hierarchy: each v1 hierarchy (named ones like name=systemd included) and the
 * cgroup2 mount.  Each resource goes to the hierarchy that holds its
 * controller (a v1 hierarchy first, else cgroup2), through a small backend
 * table per version (cgroup_internal.h).
 *
 * Ownership: tote writes only into directories it created itself.  It never
 * writes to an ancestor it found already there (no cgroup.subtree_control of
 * the parent it did not create, no limits on the caller's own cgroup), and
 * cgroup_destroy() removes only the directories this struct created.
 *
 * Error messages from the resource checks name the field, without a file:
 * "linux.resources.cpu.shares is not supported yet"; the config loader adds
 * its file name with err_wrap(err, "config.json").  Every function here
 * accepts err == NULL (cleanup paths that do not care why). */
#ifndef TOTE_RUNTIME_CGROUP_H
#define TOTE_RUNTIME_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tote_err;
typedef struct json_t json_t;

enum cg_layout { CG_LAYOUT_V1, CG_LAYOUT_V2, CG_LAYOUT_HYBRID };

/* From /proc/self/mountinfo: V2 when only cgroup2 is mounted (named v1
 * hierarchies without controllers aside), V1 when no cgroup2, HYBRID when v1
 * controllers and a cgroup2 mount coexist.  Error when no cgroup fs at all. */
int cgroup_detect_layout(enum cg_layout *out, struct tote_err **err);
const char *cgroup_layout_name(enum cg_layout l); /* "v1", "v2", "hybrid" */

/* The container's cgroup in every hierarchy (opaque). */
struct cgroup;

/* cgroups_path: linux.cgroupsPath, or NULL/"" for the default "/tote/<id>".
 * Absolute: below each hierarchy's mount point.  Relative: below the calling
 * process's own cgroup in that hierarchy (/proc/self/cgroup).  A path with
 * ".." components, one that names a hierarchy root ("/", "." ...), or an id
 * that is not a single path component is refused.
 *
 * Creates the directory (and missing parents) in every hierarchy and records
 * the ones it created.  A directory that already exists is joined only if no
 * process is in it (runtime-spec: a non-empty cgroup on create is an error).
 * v1 cpuset: each new directory gets its parent's cpuset.cpus/mems; cgroup2:
 * each new intermediate directory delegates the controllers it has.
 * rootless: a hierarchy that refuses us (EACCES, EPERM, EROFS) is skipped, as
 * runc does without delegation.  On error nothing created is left behind. */
struct cgroup *cgroup_create(const char *cgroups_path, const char *id, bool rootless,
                             struct tote_err **err);
/* The cgroup systemd put pid in (its name=systemd path, else its cgroup2
 * path), as the container's: in each hierarchy where pid is there already,
 * tote writes limits but cgroup_destroy leaves the directory to its maker;
 * in the others (v1 controllers systemd does not manage) tote creates the
 * same path and moves pid in, as cgroup_create and cgroup_enter would. */
struct cgroup *cgroup_adopt(pid_t pid, struct tote_err **err);
/* Write pid to cgroup.procs in every hierarchy where the cgroup exists. */
int cgroup_enter(struct cgroup *cg, pid_t pid, struct tote_err **err);

/* Validation only, no side effects (config load): every field of
 * linux.resources that tote does not implement and that is present with a
 * non-zero value is refused, naming it, and the values of those it does are
 * checked.  Everything in linux.resources is implemented but
 * memory.kernel, which Linux no longer enforces (see cgroup_resources.c).
 * resources may be NULL. */
int cgroup_check_resources(json_t *resources, struct tote_err **err);
/* Check, then apply in this order: devices, pids, memory, cpuset (cpus,
 * mems), cpu.  pids.limit: negative = "max", 0 is a real limit of 0
 * (runtime-spec).  memory limit, reservation, swap: -1 = unlimited, 0 = not
 * set (as runc), else bytes; swap is memory+swap.  A field the kernel or the
 * cgroup version cannot apply is refused here, naming it ("... is not
 * supported on cgroup v2", "... swap accounting is off in this kernel").
 * rootless: devices are skipped where the hierarchy was skipped; other
 * limits then fail, naming the hierarchy. */
int cgroup_apply_resources(struct cgroup *cg, json_t *resources, struct tote_err **err);

/* The processes in the cgroup and its descendants (cgroup.procs of the pids
 * hierarchy, else the first v1 hierarchy with controllers, else cgroup2),
 * without duplicates.  *pids is malloc'd (NULL when *n == 0). */
int cgroup_pids(struct cgroup *cg, pid_t **pids, size_t *n, struct tote_err **err);
/* Send sig to every process.  SIGKILL on cgroup2 uses cgroup.kill; otherwise
 * the cgroup is frozen while the list is read and signalled (so no child
 * escapes by forking), then thawed if it was not frozen before.  Signals to
 * a frozen cgroup (other than cgroup2's SIGKILL) are delivered on thaw. */
int cgroup_kill_all(struct cgroup *cg, int sig, struct tote_err **err);
/* v1 freezer.state FROZEN/THAWED (if a freezer hierarchy is mounted), else
 * cgroup2 cgroup.freeze; waits until the state settles (a freeze that does not
 * settle within a few seconds is undone and reported). */
int cgroup_freeze(struct cgroup *cg, bool frozen, struct tote_err **err);
int cgroup_is_frozen(struct cgroup *cg, bool *frozen, struct tote_err **err);

/* Statistics of every controller the cgroup is in, as the "data" object of
 * runc's stats event (types.Stats: cpu, memory, pids, blkio, hugetlb). */
json_t *cgroup_stats(struct cgroup *cg, struct tote_err **err);
/* How many processes the OOM killer has killed in the cgroup (-1 with
 * ENOENT when no memory controller is there, or the kernel has no counter). */
int cgroup_oom_kills(struct cgroup *cg, unsigned long long *n, struct tote_err **err);
/* A non-blocking fd that becomes readable when the OOM killer may have acted
 * in the cgroup (v2: memory.events changed; v1: the cgroup ran out of
 * memory, which is signalled before the kill is counted).  Read the counter
 * after it wakes, and cgroup_oom_drain() it.  -1 with err where there is no
 * memory cgroup to watch. */
int cgroup_oom_notify_fd(struct cgroup *cg, struct tote_err **err);
void cgroup_oom_drain(int fd);

/* rmdir every directory this cgroup created, deepest first (sub-cgroups the
 * container made inside its own cgroup too); retries briefly on EBUSY while
 * exiting tasks leave.  A parent still used by another container is left. */
int cgroup_destroy(struct cgroup *cg, struct tote_err **err);

/* For state.json: path, rootless and, per hierarchy, its mount point,
 * controllers, directory and the directories created.  from_json checks
 * that every directory lies below its mount point. */
json_t *cgroup_to_json(const struct cgroup *cg);
struct cgroup *cgroup_from_json(json_t *j, struct tote_err **err);
void cgroup_free(struct cgroup *cg);

/* The cgroup path below the hierarchy mount point, e.g. "/tote/ID".  With a
 * relative cgroupsPath, the path in the primary hierarchy (cgroup2 on pure
 * v2, else pids, else the first v1 hierarchy): per-hierarchy paths differ. */
const char *cgroup_path(const struct cgroup *cg);
/* Entering the cgroup without cgroup_enter()'s move of a whole process,
 * which takes a global lock whose every first taking waits for an RCU grace
 * period (8-20 ms): the stage moves itself, one thread, through the tasks
 * file of each v1 hierarchy ("0": no global lock for that), and clones the
 * init into the cgroup2 directory (clone3 CLONE_INTO_CGROUP: the lock's
 * cheap read side).  Where either is refused, the init is moved as before. */
struct cgroup_direct {
  char **v1_tasks; /* the tasks file of each v1 hierarchy's cgroup, NULL-terminated */
  int v2_fd;       /* the cgroup2 directory, or -1 */
};
void cgroup_direct_open(const struct cgroup *cg, struct cgroup_direct *d);
void cgroup_direct_close(struct cgroup_direct *d);

#endif
