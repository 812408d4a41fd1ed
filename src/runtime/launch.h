/* launch.h - what the stage process and the container process need to know:
 * built by the parent (create.c, exec.c) before fork, read by stage.c,
 * init.c and exec.c in the children.  Internal to runtime/. */
#ifndef TOTE_RUNTIME_LAUNCH_H
#define TOTE_RUNTIME_LAUNCH_H

#include <stdbool.h>
#include <stdnoreturn.h>

#include "runtime/cgroup.h"
#include "runtime/config.h"
#include "runtime/seccomp.h"

struct launch {
  const struct rt_config *config;   /* NULL for exec */
  const struct rt_process *process;
  const char *bundle;               /* absolute */
  const char *rootfs;               /* absolute */
  const char *cgroup_path;          /* e.g. /tote/ID, may be NULL */
  int sync_fd;                      /* the child's end of the sync socketpair */
  int console_fd;                   /* connected console socket, or -1 */
  int fifo_fd;                      /* exec.fifo opened O_RDWR, -1 for exec */
  int close_fd;                     /* a parent fd the children must close (locked dirfd) */
  int ns_fds[RT_NS_COUNT];          /* namespaces to join (-1 = none) */
  int new_ns_flags;                 /* CLONE_NEW* to create, user excluded */
  bool new_userns;
  const char *id;                   /* the container's id */
  bool no_pivot;
  bool no_new_keyring;              /* keep the caller's session keyring */
  bool is_exec;
  int preserve_fds;
  const struct seccomp_prog *seccomp; /* the filter to install, or NULL */
  const int *mount_fds;             /* rootfs_ctx.mount_fds (idmap mounts in a new userns) */
  bool cgroup_ready;                /* init: step 4b of sync.h is done */
  const struct cgroup_direct *cg_direct; /* create: how the init enters its cgroup without a
                                            move (cgroup.h), or NULL */
};

/* The stage process: join and create namespaces, then clone the container
 * process as a sibling (CLONE_PARENT) and exit. */
noreturn void stage_main(struct launch *l);
/* The container init after clone: mounts, pivot, process, wait on exec.fifo. */
noreturn void init_main(struct launch *l);
/* The process of an exec after clone. */
noreturn void exec_child_main(struct launch *l);
/* Close every fd past stdio that the container process does not need: the
 * sync socket, the fifo, the log file and the preserved fds stay.  Run
 * before anything uses a path the config chose (process.cwd may name
 * /proc/self/fd/N: CVE-2024-21626). */
void launch_close_fds(const struct launch *l);
/* First steps of the container process (init or exec): a name for ps,
 * no blocked signals (the parent blocked the ones it forwards), and a
 * session of its own.  Exits through launch_fail on error. */
void launch_child_begin(struct launch *l, const char *name);
/* Install l->seccomp if `when` is its install point (seccomp.h); a notify
 * fd goes to the parent as SYNC_SECCOMP_FD.  Children only. */
int launch_install_seccomp(const struct launch *l, enum seccomp_when when, struct tote_err **err);
/* The filter process_exec() installs last (NULL when it went in earlier). */
const struct seccomp_prog *launch_seccomp_at_exec(const struct launch *l);
/* Report err to the parent and exit 1 (children only). */
noreturn void launch_fail(struct launch *l, struct tote_err *err);

#endif
