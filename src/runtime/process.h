/* process.h - turning the calling process into the container's process.
 *
 * Used by the container init and by exec, in this order, once the process
 * is in the container's namespaces and root:
 *   process_apply_limits()   rlimits, oom_score_adj, personality, I/O and CPU scheduling
 *   process_find_executable()  args[0] resolved through $PATH inside the container
 *   process_apply_identity() groups, uid/gid, capabilities, umask, cwd, HOME
 *   process_exec()           no_new_privs, fds marked close-on-exec, execve */
#ifndef TOTE_RUNTIME_PROCESS_H
#define TOTE_RUNTIME_PROCESS_H

#include <stdbool.h>

#include "runtime/config.h"

struct seccomp_prog;
struct tote_err;

int process_apply_limits(const struct rt_process *p, bool has_personality,
                         unsigned long personality, struct tote_err **err);
/* Resolve args[0]; returns a malloc'd path. */
char *process_find_executable(const struct rt_process *p, struct tote_err **err);
int process_apply_identity(const struct rt_process *p, struct tote_err **err);
/* Never returns on success.  preserve_fds: fds 3..3+N-1 stay open.
 * seccomp (may be NULL) is installed last, right before execve. */
int process_exec(const struct rt_process *p, const char *path, int preserve_fds,
                 const struct seccomp_prog *seccomp, struct tote_err **err);
/* Find `key` in a NULL-terminated env vector; NULL if absent. */
const char *process_getenv(char *const *env, const char *key);

#endif
