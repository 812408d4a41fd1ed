/* seccomp.h - the container's seccomp filter.
 *
 * tote-oci builds the BPF program from linux.seccomp with libseccomp before
 * it starts the container, so that a bad profile is reported by create
 * itself; the container process only installs the finished program with
 * one seccomp(2) call.  When should it?  Without no_new_privs, installing
 * needs CAP_SYS_ADMIN, which the process may be about to drop: it installs
 * before its user and capabilities change (runc does the same).  With
 * no_new_privs it installs last, right before execve.  A filter with a
 * SCMP_ACT_NOTIFY action installs before the process reports READY, so
 * that tote-oci can hand the listener fd to the agent at listenerPath. */
#ifndef TOTE_RUNTIME_SECCOMP_H
#define TOTE_RUNTIME_SECCOMP_H

#include <stdbool.h>
#include <sys/types.h>

struct rt_seccomp;
struct sock_filter;
struct tote_err;

struct seccomp_prog {
  struct sock_filter *insns;
  unsigned short len;
  unsigned flags;   /* SECCOMP_FILTER_FLAG_* given to seccomp(2) */
  bool notify;      /* installing it returns a listener fd */
};

int seccomp_compile(const struct rt_seccomp *s, struct seccomp_prog *out, struct tote_err **err);
void seccomp_prog_free(struct seccomp_prog *p);

enum seccomp_when { SECCOMP_BEFORE_IDENTITY, SECCOMP_BEFORE_READY, SECCOMP_BEFORE_EXEC };
/* The one point at which prog (may be NULL) is installed; see above. */
enum seccomp_when seccomp_install_point(const struct seccomp_prog *prog, bool no_new_privs);
/* In the container process.  *notify_fd gets the listener fd of a notify
 * filter, else -1. */
int seccomp_install(const struct seccomp_prog *prog, int *notify_fd, struct tote_err **err);

/* Whether this kernel takes SECCOMP_FILTER_FLAG_* flag (for `features`). */
bool seccomp_kernel_has_flag(unsigned flag);

/* In tote-oci: send the container process state (config-linux.md) with
 * notify_fd to the seccomp agent at s->listener_path, one connection. */
int seccomp_send_to_agent(const struct rt_seccomp *s, int notify_fd, pid_t pid,
                          const char *state_json, struct tote_err **err);

#endif
