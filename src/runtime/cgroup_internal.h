/* cgroup_internal.h - what the cgroup files share, and the pure parts that
 * unit tests drive with strings: mountinfo and /proc/self/cgroup parsing,
 * path resolution, resource validation and device rule formatting.
 *
 * Layering: cgroup_parse.c (pure text and paths), cgroup_resources.c
 * (linux.resources validation and dispatch), cgroup.c (create, enter, freeze,
 * kill, destroy, state JSON), and one backend per cgroup version behind
 * struct cg_backend (cgroup_v1.c, cgroup_v2.c). */
#ifndef TOTE_RUNTIME_CGROUP_INTERNAL_H
#define TOTE_RUNTIME_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/cgroup.h"
#include "util/err.h"

struct tote_err;

/* One mounted hierarchy, and the container's place in it. */
struct cg_hier {
  bool v2;            /* cgroup2, else a v1 hierarchy */
  char *dev;          /* "major:minor" of the superblock (dedupes bind mounts) */
  char *mount;        /* mount point, e.g. /sys/fs/cgroup/pids */
  char *root;         /* the mount's root inside the hierarchy, usually "/" */
  char **controllers; /* v1: from the super options; v2: cgroup.controllers at
                         the mount point (NULL-terminated, may be empty) */
  char *name;         /* v1 named hierarchy ("systemd" for name=systemd), or NULL */
  /* The container's cgroup (filled by cgroup_create / cgroup_from_json): */
  char *path;         /* below the mount point, e.g. "/tote/ID" */
  char *dir;          /* mount + path; NULL when skipped (rootless) */
  char **created;     /* directories tote created, outermost first (NULL-terminated) */
};

struct cgroup {
  char *path;   /* cgroup_path(): the primary hierarchy's path */
  bool rootless;
  struct cg_hier *h;
  size_t n;
};

/* One line of /proc/self/cgroup: "ID:CONTROLLERS:PATH". */
struct cg_proc_entry {
  int id;            /* 0 is the cgroup2 entry */
  char *controllers; /* "cpu,cpuacct", "name=systemd", "" for cgroup2 */
  char *path;        /* absolute in the hierarchy */
};

/* ---- cgroup_parse.c: pure ---- */

/* The cgroup and cgroup2 mounts of a mountinfo text, one per hierarchy (the
 * first mount of each superblock; a mount hidden by a later mount on the same
 * point or above it is dropped).  v2 controllers are left empty: the caller
 * reads cgroup.controllers.  Fails only on a malformed cgroup line. */
int cg_parse_mountinfo(const char *text, struct cg_hier **out, size_t *n, struct tote_err **err);
enum cg_layout cg_layout_of(const struct cg_hier *h, size_t n);
int cg_parse_proc_cgroup(const char *text, struct cg_proc_entry **out, size_t *n,
                         struct tote_err **err);
void cg_proc_entries_free(struct cg_proc_entry *e, size_t n);
/* The entry of /proc/self/cgroup that belongs to hierarchy h, or NULL. */
const struct cg_proc_entry *cg_proc_entry_for(const struct cg_hier *h,
                                              const struct cg_proc_entry *e, size_t n);
bool cg_hier_has(const struct cg_hier *h, const char *controller);

/* "/a//./b/" -> "/a/b"; "a/b" -> "a/b"; "/" or "." -> "/" or "".  ".." is
 * refused.  The result keeps whether the input was absolute. */
char *cg_clean_path(const char *p, struct tote_err **err);
/* Path of the container's cgroup below mount point of h: cgroups_path is
 * absolute (taken as is) or relative (joined to own, the process's cgroup in
 * the hierarchy, made relative to the mount root).  Refuses "..", and a
 * result that is the hierarchy root or the caller's own cgroup. */
char *cg_resolve_path(const struct cg_hier *h, const char *cgroups_path, const char *own,
                      struct tote_err **err);
/* "/tote/<id>"; the id must be one path component. */
char *cg_default_path(const char *id, struct tote_err **err);
/* Parse cgroup.procs text and append to *pids (grown with xrealloc). */
int cg_parse_pids(const char *text, pid_t **pids, size_t *n, struct tote_err **err);
/* Sort and drop duplicates. */
void cg_pids_uniq(pid_t *pids, size_t *n);

/* ---- cgroup_resources.c ---- */

/* A v1 devices rule, ready for devices.allow (allow) or devices.deny. */
struct cg_dev_rule {
  bool allow;
  char text[48]; /* "c 10:229 rw", "b *:* m", "a" */
};

/* Validate linux.resources (NULL is fine): the config alone, whatever the
 * host's cgroups. */
int cg_validate_resources(json_t *resources, struct tote_err **err);
/* linux.resources.devices -> rules in order.  An "a" rule narrower than
 * "all devices, rwm" becomes one "c" and one "b" rule (the kernel reads a
 * leading "a" as everything).  *out is malloc'd. */
int cg_device_rules(json_t *devices, struct cg_dev_rule **out, size_t *n,
                    struct tote_err **err);

/* ---- cgroup_blockio.c: linux.resources.blockIO ---- */

enum { CG_THROTTLE_READ_BPS, CG_THROTTLE_WRITE_BPS, CG_THROTTLE_READ_IOPS,
       CG_THROTTLE_WRITE_IOPS, CG_THROTTLE_COUNT };
struct cg_blkio_dev {
  uint64_t major, minor;
  uint16_t weight, leaf_weight; /* weightDevice; 0 = not set */
  uint64_t rate;                /* throttle lists */
};
struct cg_blockio {
  uint16_t weight, leaf_weight; /* 0 = not set */
  struct cg_blkio_dev *weight_dev;
  size_t n_weight_dev;
  struct cg_blkio_dev *throttle[CG_THROTTLE_COUNT];
  size_t n_throttle[CG_THROTTLE_COUNT];
};
int cg_blockio_fields(json_t *resources, struct cg_blockio *b, struct tote_err **err);
void cg_blockio_free(struct cg_blockio *b);
bool cg_blockio_is_set(const struct cg_blockio *b);
/* Write b into dir of the blkio (v1) or io (v2) controller. */
int cg_blockio_apply(const char *dir, bool v2, const struct cg_blockio *b, struct tote_err **err);
/* blkio weight 10..1000 -> v2 io.weight 1..10000, as runc converts it. */
uint64_t cg_blkio_weight_to_io_weight(uint64_t w);

/* ---- cgroup_hugetlb.c, cgroup_unified.c, cgroup_net.c, cgroup_rdma.c ---- */

/* "2MB" -> 2048 (kB); 0 if malformed. */
uint64_t cg_hugepage_kb(const char *size);
int cg_hugetlb_check(json_t *resources, struct tote_err **err);
int cg_hugetlb_apply(const char *dir, bool v2, json_t *resources, struct tote_err **err);
int cg_unified_check(json_t *resources, struct tote_err **err);
int cg_unified_apply(const char *dir, json_t *resources, struct tote_err **err);
int cg_net_check(json_t *resources, struct tote_err **err);
/* rdma: device names and their hcaHandles/hcaObjects; set when a device
 * has a limit; apply writes rdma.max (v1 and v2 alike). */
int cg_rdma_check(json_t *resources, struct tote_err **err);
bool cg_rdma_set(json_t *resources);
int cg_rdma_apply(const char *dir, json_t *resources, struct tote_err **err);
bool cg_net_class_set(json_t *resources);
bool cg_net_prio_set(json_t *resources);
int cg_net_class_apply(const char *dir, json_t *resources, struct tote_err **err);
int cg_net_prio_apply(const char *dir, json_t *resources, struct tote_err **err);

/* ---- cgroup_devbpf.c: device rules on cgroup v2 ---- */

/* One rule decoded: type BPF_DEVCG_DEV_CHAR/BLOCK or 0 (any), major and
 * minor -1 for any, access BPF_DEVCG_ACC_* bits. */
struct cg_dev_match {
  bool allow;
  int type;
  int64_t major, minor;
  int access;
};
struct bpf_insn;
/* The eBPF program for rules (see cgroup_devbpf.c); *out is malloc'd. */
int cg_devbpf_program(const struct cg_dev_rule *rules, size_t n, struct bpf_insn **out,
                      size_t *len, struct tote_err **err);
/* Load it and attach it to the cgroup2 directory dir. */
int cg_devbpf_attach(const char *dir, const struct cg_dev_rule *rules, size_t n,
                     struct tote_err **err);

/* ---- cgroup.c: shared helpers ---- */

/* Callers may pass err == NULL ("don't care"); the code below reads
 * (*err)->errnum, so each public entry point points err at a local. */
#define CG_ERR_GUARD(err)                                                                      \
  __attribute__((cleanup(err_free))) struct tote_err *err##_local_ = NULL;                     \
  if ((err) == NULL)                                                                           \
  (err) = &err##_local_

/* Write value to dir/file in one write(2), as cgroup files expect. */
int cg_write(const char *dir, const char *file, const char *value, struct tote_err **err);
/* Read dir/file, trailing whitespace removed. */
char *cg_read(const char *dir, const char *file, struct tote_err **err);
/* The hierarchy that holds controller (v1 first, then cgroup2), or NULL. */
struct cg_hier *cg_find(struct cgroup *cg, const char *controller);
void cg_hiers_free(struct cg_hier *h, size_t n);
void cg_sleep_ms(long ms);
/* The mounted hierarchies of this process (mountinfo + cgroup2 controllers). */
int cg_detect(struct cg_hier **out, size_t *n, struct tote_err **err);

/* ---- backends ---- */

/* linux.resources.memory fields tote applies.  limit, reservation and swap:
 * -1 = unlimited, 0 = not set (as runc); swap is memory+swap, as on v1. */
struct cg_memory {
  int64_t limit;
  int64_t reservation;
  int64_t swap;
  bool swappiness_set; /* 0 is a real swappiness */
  uint64_t swappiness; /* 0..100 */
  bool disable_oom;
  bool check_before_update; /* refuse a limit below the current usage (v1's kernel always does) */
  int64_t kernel_tcp;       /* v1 memory.kmem.tcp.limit_in_bytes; -1 unlimited, 0 not set */
  int use_hierarchy;        /* v1 memory.use_hierarchy: 0 not set, 1 true, -1 false */
};

/* linux.resources.cpu fields tote applies; 0 = not set (quota -1 = no
 * limit, rt_runtime -1 = no limit).  cpus and mems point into the config
 * (NULL = not set). */
struct cg_cpu {
  uint64_t shares;
  int64_t quota;
  uint64_t period;
  uint64_t burst;
  int64_t rt_runtime;
  uint64_t rt_period;
  int64_t idle; /* 0 or 1 */
  const char *cpus;
  const char *mems;
};

struct cg_stats;

struct cg_backend {
  const char *name;
  /* Prepare a directory tote just created (v1 cpuset: copy cpus/mems from
   * the parent; v2: nothing - see delegate). */
  int (*init_dir)(const char *parent, const char *dir, struct tote_err **err);
  /* v2: enable in an intermediate directory tote created the controllers its
   * children need.  NULL on v1. */
  int (*delegate)(const char *dir, struct tote_err **err);
  int (*set_devices)(const char *dir, const struct cg_dev_rule *rules, size_t n,
                     struct tote_err **err);
  int (*set_pids)(const char *dir, int64_t limit, struct tote_err **err);
  int (*set_memory)(const char *dir, const struct cg_memory *mem, struct tote_err **err);
  /* cpu controller: shares, quota, period, burst, realtime*, idle. */
  int (*set_cpu)(const char *dir, const struct cg_cpu *cpu, struct tote_err **err);
  /* cpuset controller: cpus and mems (either may be NULL). */
  int (*set_cpuset)(const char *dir, const char *cpus, const char *mems,
                    struct tote_err **err);
  int (*freeze)(const char *dir, bool frozen, struct tote_err **err);
  int (*is_frozen)(const char *dir, bool *frozen, struct tote_err **err);
  /* Kill everything at once (cgroup.kill); 1 when done, 0 when unsupported. */
  int (*kill_all)(const char *dir, struct tote_err **err);
  /* Add what dir's files say about controller ("cpu", "cpuacct", "memory",
   * "pids", "blkio", "io", "hugetlb") to *s; a missing file leaves its
   * fields unset (cgroup_stats.c). */
  int (*stats)(const char *dir, const char *controller, struct cg_stats *s,
               struct tote_err **err);
  /* The memory controller's OOM kill counter (v1 memory.oom_control, v2
   * memory.events "oom_kill"). */
  int (*oom_kills)(const char *dir, uint64_t *n, struct tote_err **err);
  /* An fd that becomes readable when the OOM killer may have acted
   * (cgroup_oom.c). */
  int (*oom_notify)(const char *dir, struct tote_err **err);
};

extern const struct cg_backend cg_backend_v1;
extern const struct cg_backend cg_backend_v2;

static inline const struct cg_backend *cg_backend_of(const struct cg_hier *h) {
  return h->v2 ? &cg_backend_v2 : &cg_backend_v1;
}

/* How long freeze waits for the state to settle (tests may lower it). */
#define CG_FREEZE_TIMEOUT_MS 5000

/* cpu.shares (v1, 2..262144) to cpu.weight (v2, 1..10000), as runc converts. */
uint64_t cg_shares_to_weight(uint64_t shares);
/* memory.swap.max (v2) from the OCI swap (memory+swap) and limit, as runc
 * converts: 1 and *out set when there is something to write (-1 = "max"),
 * 0 when not, -1 on a pair that makes no sense. */
int cg_v2_swap_max(int64_t swap, int64_t limit, int64_t *out, struct tote_err **err);
/* "max" for a negative value, else the number (v2 interface files). */
void cg_fmt_max(char *buf, size_t size, int64_t v);
/* linux.resources.memory and .cpu as the backends take them (the caller
 * validated resources first). */
int cg_memory_fields(json_t *resources, struct cg_memory *m, struct tote_err **err);
int cg_cpu_fields(json_t *resources, struct cg_cpu *c, struct tote_err **err);

/* ---- cgroup_stats.c: runc's types.Stats, filled from cgroup files ---- */

struct cg_u64v {
  uint64_t *v;
  size_t n;
};

/* One value of blkio.throttle.io_service_bytes / io.stat. */
struct cg_blkio_entry {
  uint64_t major, minor;
  char op[16]; /* "Read", "Write", "Total"... */
  uint64_t value;
};

struct cg_blkio_list {
  struct cg_blkio_entry *e;
  size_t n;
};

/* runc's MemoryEntry: limit and failcnt always printed, usage and max when
 * non-zero. */
struct cg_mem_entry {
  uint64_t limit, usage, max, failcnt;
};

struct cg_kv {
  char *key;
  uint64_t value;
};

struct cg_hugetlb {
  char size[16]; /* "2MB", "1GB" */
  uint64_t usage, max, failcnt;
};

/* What `events` reports; runc prints zero values of most fields as absent
 * (omitempty), and so does cg_stats_json. */
struct cg_stats {
  uint64_t cpu_total, cpu_kernel, cpu_user; /* ns */
  struct cg_u64v percpu, percpu_kernel, percpu_user;
  uint64_t periods, throttled_periods, throttled_time; /* throttled_time in ns */
  uint64_t mem_cache;
  struct cg_mem_entry mem_usage, mem_swap, mem_kernel, mem_kernel_tcp;
  struct cg_kv *raw; /* memory.stat */
  size_t nraw;
  uint64_t pids_current, pids_limit; /* limit 0 = none */
  struct cg_blkio_list io_bytes, io_serviced;
  struct cg_hugetlb *hugetlb;
  size_t nhugetlb;
};

void cg_stats_free(struct cg_stats *s);
/* The value of key in a flat keyed file ("key value" lines): 0, or -1 when
 * absent or not a number. */
int cg_kv_get(const char *text, const char *key, uint64_t *out);
/* Every "key value" line into s->raw (memory.stat). */
void cg_parse_memory_stat(const char *text, struct cg_stats *s);
/* Space-separated numbers (cpuacct.usage_percpu). */
void cg_parse_u64_list(const char *text, struct cg_u64v *out);
/* v1 cpuacct.stat "user N\nsystem N" in clock ticks into ns. */
void cg_parse_cpuacct_stat(const char *text, long clk_tck, struct cg_stats *s);
/* v1 blkio "MAJ:MIN Op VALUE" lines; the "Total N" line is skipped. */
void cg_parse_blkio_v1(const char *text, struct cg_blkio_list *out);
/* v2 io.stat: rbytes/wbytes into io_bytes and rios/wios into io_serviced,
 * as op "Read" and "Write" (as runc). */
void cg_parse_io_stat(const char *text, struct cg_stats *s);
/* v2 cpu.stat (usage_usec, user_usec, system_usec, nr_periods,
 * nr_throttled, throttled_usec) into ns fields. */
void cg_parse_cpu_stat_v2(const char *text, struct cg_stats *s);
/* A limit file: "max" (v2) -> max_value, a number -> itself. */
uint64_t cg_parse_limit(const char *text, uint64_t max_value);
/* "2MB" for 2048 kB, "1GB" for 1048576 kB, "64KB" for 64 kB (runc's names). */
void cg_hugepage_name(uint64_t kb, char *buf, size_t size);
/* The "data" object of runc's stats event. */
json_t *cg_stats_json(const struct cg_stats *s);
int cg_v1_stats(const char *dir, const char *controller, struct cg_stats *s,
                struct tote_err **err);
int cg_v2_stats(const char *dir, const char *controller, struct cg_stats *s,
                struct tote_err **err);

/* ---- cgroup_oom.c ---- */

int cg_v1_oom_kills(const char *dir, uint64_t *n, struct tote_err **err);
int cg_v2_oom_kills(const char *dir, uint64_t *n, struct tote_err **err);
int cg_v1_oom_notify(const char *dir, struct tote_err **err);
int cg_v2_oom_notify(const char *dir, struct tote_err **err);

/* ---- cgroup_resources.c: update ---- */

/* linux.resources for `update`: old with delta laid over it, section by
 * section (memory, cpu, pids...).  A 0 or "" in delta means "unchanged",
 * as in runc (memory.swappiness 0 is kept: it is a real value); devices in
 * delta are ignored (runc does not update them).  *effective (may be NULL)
 * gets what must be written to the cgroup: delta without the unchanged
 * fields, with memory limit and swap, and cpu quota and period, completed
 * from the merged value when one of the pair is given (the kernel checks
 * them together).  Returns a new reference, NULL with *err on a delta that
 * is not an object. */
json_t *cg_merge_resources(json_t *old, json_t *delta, json_t **effective,
                           struct tote_err **err);

#endif
