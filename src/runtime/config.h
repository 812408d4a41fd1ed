/* config.h - an OCI runtime config.json, parsed and validated.
 *
 * config_load() reads config.json, checks every field that tote knows, and
 * fills struct rt_config.  A field the spec defines that tote does not
 * implement is refused with an error naming it; unknown keys are ignored, as
 * config.md's "Extensibility" requires.  Nothing else in runtime/ looks at
 * JSON: the rest of the runtime works from these structs. */
#ifndef TOTE_RUNTIME_CONFIG_H
#define TOTE_RUNTIME_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tote_err;
typedef struct json_t json_t;

/* The runtime-spec version tote implements: state.json, `features`, the
 * seccomp agent's container process state. */
#define RT_OCI_VERSION "1.2.1"

struct rt_idmap {
  uint32_t container_id, host_id, size;
};

/* A mount of config.json "mounts", with its options already decoded. */
struct rt_mount {
  char *destination;       /* absolute path inside the container */
  char *source;            /* may be NULL (e.g. tmpfs) */
  char *type;              /* may be NULL for bind mounts */
  char **options;          /* the raw options, NULL-terminated */
  unsigned long flags;     /* MS_* to set (MS_BIND, MS_REC, MS_RDONLY, ...) */
  unsigned long clear;     /* MS_* that an option explicitly cleared (rw, suid, dev, exec...) */
  unsigned long propagation; /* MS_PRIVATE|MS_SHARED|MS_SLAVE|MS_UNBINDABLE (| MS_REC), 0 = none */
  char *data;              /* the comma-joined filesystem-specific options, or NULL */
  bool rro;                /* recursive read-only (mount_setattr AT_RECURSIVE) */
  uint64_t rec_attr_set;   /* MOUNT_ATTR_* to set recursively (rro, rnosuid, ratime...) */
  uint64_t rec_attr_clr;   /* MOUNT_ATTR_* to clear recursively (rrw, rsuid...) */
  bool idmap;              /* idmap / ridmap: an idmapped bind mount */
  bool idmap_recursive;
  struct rt_idmap *uid_mappings, *gid_mappings; /* for idmap; else the container's */
  size_t n_uid_mappings, n_gid_mappings;
  /* atime options: MS_NOATIME etc. are in flags; MS_STRICTATIME too. */
};

struct rt_rlimit {
  int resource; /* RLIMIT_* */
  char *name;   /* as written, e.g. "RLIMIT_NOFILE" */
  uint64_t soft, hard;
};

/* The five capability sets, as bit masks of CAP_* numbers. */
struct rt_caps {
  bool present; /* process.capabilities was given */
  uint64_t bounding, effective, inheritable, permitted, ambient;
};

struct rt_user {
  uid_t uid;
  gid_t gid;
  bool has_umask;
  mode_t umask;
  gid_t *additional_gids;
  size_t n_additional_gids;
};

struct rt_process {
  bool terminal;
  bool has_console_size;
  unsigned short console_height, console_width;
  char *cwd;                 /* absolute, inside the container */
  char **env;                /* NULL-terminated */
  char **args;               /* NULL-terminated, at least one */
  struct rt_user user;
  struct rt_rlimit *rlimits;
  size_t n_rlimits;
  struct rt_caps caps;
  bool no_new_privileges;
  bool has_oom_score_adj;
  int oom_score_adj;
  char *apparmor_profile;    /* NULL if absent */
  char *selinux_label;       /* NULL if absent */
  bool has_io_priority;
  int io_priority_class;     /* IOPRIO_CLASS_* */
  int io_priority;
  bool has_scheduler;
  int sched_policy;          /* SCHED_* */
  int sched_nice;
  int sched_priority;
  uint64_t sched_flags;
  uint64_t sched_runtime, sched_deadline, sched_period;
  int64_t exec_cpu_affinity_unused; /* reserved */
};

enum rt_ns_type {
  RT_NS_PID, RT_NS_NET, RT_NS_MNT, RT_NS_IPC, RT_NS_UTS, RT_NS_USER, RT_NS_CGROUP, RT_NS_TIME,
  RT_NS_COUNT
};

struct rt_namespace {
  bool present;  /* listed in linux.namespaces */
  char *path;    /* join this namespace; NULL = create a new one */
};

struct rt_device {
  char *path;        /* absolute, inside the container */
  char type;         /* 'c', 'b', 'u' or 'p' */
  int64_t major, minor;
  bool has_mode;
  mode_t file_mode;  /* permission bits */
  bool has_uid, has_gid;
  uid_t uid;
  gid_t gid;
};

struct rt_hook {
  char *path;
  char **args; /* NULL-terminated, may be NULL */
  char **env;  /* NULL-terminated, may be NULL */
  int timeout; /* seconds, 0 = none */
};

enum rt_hook_kind {
  RT_HOOK_PRESTART, RT_HOOK_CREATE_RUNTIME, RT_HOOK_CREATE_CONTAINER, RT_HOOK_START_CONTAINER,
  RT_HOOK_POSTSTART, RT_HOOK_POSTSTOP, RT_HOOK_COUNT
};

struct rt_hooks {
  struct rt_hook *list[RT_HOOK_COUNT];
  size_t count[RT_HOOK_COUNT];
};

struct rt_time_offset {
  bool present;
  int64_t secs;
  uint32_t nanosecs;
};

struct rt_sysctl {
  char *key, *value;
};

/* linux.seccomp, validated; the filter is built from it by seccomp.c. */
enum rt_scmp_action {
  RT_SCMP_KILL_THREAD, RT_SCMP_KILL_PROCESS, RT_SCMP_TRAP, RT_SCMP_ERRNO, RT_SCMP_TRACE,
  RT_SCMP_ALLOW, RT_SCMP_LOG, RT_SCMP_NOTIFY
};

struct rt_seccomp_arg {
  unsigned index;       /* 0..5 */
  int op;               /* enum scmp_compare */
  uint64_t value, value_two;
};

struct rt_seccomp_rule {
  char **names;         /* NULL-terminated, at least one */
  enum rt_scmp_action action;
  uint32_t errno_ret;   /* for ERRNO and TRACE (EPERM unless given) */
  struct rt_seccomp_arg *args;
  size_t n_args;
};

struct rt_seccomp {
  enum rt_scmp_action default_action;
  uint32_t default_errno;     /* for ERRNO and TRACE (EPERM unless given) */
  uint32_t *arches;           /* SCMP_ARCH_* tokens of libseccomp */
  size_t n_arches;
  unsigned flags;             /* SECCOMP_FILTER_FLAG_* */
  char *listener_path;        /* NULL if absent */
  char *listener_metadata;    /* NULL if absent */
  struct rt_seccomp_rule *rules;
  size_t n_rules;
  bool notify;                /* some rule's action is SCMP_ACT_NOTIFY */
};

struct rt_config {
  char *oci_version;
  char *root_path;     /* as written (relative to the bundle or absolute) */
  bool root_readonly;
  struct rt_mount *mounts;
  size_t n_mounts;
  bool has_process;
  struct rt_process process;
  char *hostname;      /* NULL if absent */
  char *domainname;    /* NULL if absent */
  struct rt_hooks hooks;
  json_t *hooks_json;       /* the "hooks" object, kept for delete's poststop; may be NULL */
  json_t *annotations;      /* object, may be NULL */

  /* linux */
  struct rt_namespace ns[RT_NS_COUNT];
  struct rt_idmap *uid_mappings, *gid_mappings;
  size_t n_uid_mappings, n_gid_mappings;
  struct rt_time_offset time_monotonic, time_boottime;
  struct rt_device *devices;
  size_t n_devices;
  char *cgroups_path;       /* NULL if absent */
  json_t *resources;        /* linux.resources, validated by the cgroup code; may be NULL */
  struct rt_sysctl *sysctl;
  size_t n_sysctl;
  unsigned long rootfs_propagation; /* MS_* flags, 0 = default (rslave... see mounts.c) */
  char **masked_paths;      /* NULL-terminated, may be NULL */
  char **readonly_paths;    /* NULL-terminated, may be NULL */
  bool has_personality;
  unsigned long personality;
  struct rt_seccomp *seccomp; /* NULL if absent */
};

/* Parse and validate config.json at dirfd/path.  Errors name the file and,
 * for malformed JSON, the line and column. */
struct rt_config *config_load(int dirfd, const char *path, struct tote_err **err);
/* Parse from a buffer; `name` is used in error messages. */
struct rt_config *config_parse(const char *data, size_t len, const char *name,
                               struct tote_err **err);
void config_free(struct rt_config *c);

/* Parse a standalone process object (exec --process FILE). */
int config_parse_process(json_t *obj, struct rt_process *p, const char *where,
                         struct tote_err **err);
struct rt_process *config_load_process(const char *path, struct tote_err **err);
void config_process_free(struct rt_process *p);
/* Set "KEY=VALUE" in p's env, replacing KEY's entry or adding one. */
void config_process_setenv(struct rt_process *p, const char *kv);
void config_free_process_fields(struct rt_process *p);

/* Decode one mount option into m (exported for unit tests).  Returns 1 if
 * the option was a known flag, 0 if it is filesystem data, -1 on error. */
int config_mount_option(const char *opt, struct rt_mount *m, struct tote_err **err);

/* The mount option names tote recognises (for `features`). */
const char *config_mount_option_name(size_t i); /* NULL past the end */

/* CAP_* number for a name like "CAP_CHOWN", -1 if unknown. */
int config_cap_from_name(const char *name);
/* RLIMIT_* number for "RLIMIT_NOFILE", -1 if unknown. */
int config_rlimit_from_name(const char *name);

/* Parse linux.seccomp (obj may be NULL: *out stays NULL). */
int config_parse_seccomp(json_t *obj, struct rt_seccomp **out, struct tote_err **err);
void config_seccomp_free(struct rt_seccomp *s);
/* "SCMP_ACT_ERRNO" etc. for an action; the names `features` lists. */
const char *rt_scmp_action_name(enum rt_scmp_action a);
const char *rt_scmp_arch_name(size_t i);     /* SCMP_ARCH_* known here; NULL past the end */
const char *rt_scmp_flag_name(size_t i);     /* SECCOMP_FILTER_FLAG_*; NULL past the end */
unsigned rt_scmp_flag_value(size_t i);       /* its value, 0 past the end */
const char *rt_scmp_op_name(size_t i);       /* SCMP_CMP_*; NULL past the end */

const char *rt_ns_name(enum rt_ns_type t);     /* "pid", "network", ... (config names) */
const char *rt_ns_proc_name(enum rt_ns_type t); /* "pid", "net", "mnt"... (/proc/PID/ns names) */
int rt_ns_clone_flag(enum rt_ns_type t);        /* CLONE_NEW* */

#endif
