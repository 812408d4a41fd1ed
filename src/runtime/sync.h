/* sync.h - the messages between tote-oci and the processes it starts.
 *
 * One SOCK_SEQPACKET socketpair per container start.  "P" is the tote-oci
 * process, "S" the stage process that joins and creates namespaces, "I" the
 * container init (or "E", the process of an exec).  The whole protocol:
 *
 *   step  from -> to  message           meaning
 *   1     P -> S      SYNC_GO           go on (exec: S is in the container's cgroup)
 *   2     S -> P      SYNC_IDMAP_REQ    S made a new user namespace: write its maps
 *   3     P -> S      SYNC_IDMAP_DONE   uid_map and gid_map are written
 *   4     S -> P      SYNC_CHILD_PID    data = pid of I (a child of P via CLONE_PARENT); S exits
 *   4b    P -> I      SYNC_CGROUP_DONE  (create) I is in the container's cgroup.  P moves I,
 *                                       not S, so that I sets up its mounts meanwhile
 *                                       (a move waits for an RCU grace period, ms);
 *                                       I makes its cgroup namespace and mounts
 *                                       cgroups only after this
 *   5     I -> P      SYNC_HOOKS_REQ    namespaces exist, rootfs not yet pivoted: run
 *                                       prestart and createRuntime hooks (create only)
 *   6     P -> I      SYNC_HOOKS_DONE   data = the state JSON for createContainer hooks
 *   6b    I -> P      SYNC_SECCOMP_FD   only with a SCMP_ACT_NOTIFY filter: the next
 *                                       message carries its listener fd (SCM_RIGHTS),
 *                                       which P hands to the seccomp agent
 *   6c    P -> I      SYNC_SECCOMP_DONE the agent has it: I may go on (without it, an
 *                                       exec would run unsupervised)
 *   7     I -> P      SYNC_READY        set up and waiting on exec.fifo (create only)
 *   8     P -> I      SYNC_READY_ACK    state.json written: I may outlive P
 *   any   S/I -> P    SYNC_ERROR        data = message, errnum = errno; the sender exits
 *
 * For exec there are no steps 5-8 (but 6b-6c, when its filter notifies): E
 * closes its end on a successful execve (the socket is O_CLOEXEC), so EOF
 * after step 4 means "the process runs".
 * If P dies, S and I see EOF (or are killed by PDEATHSIG) and exit: no
 * step ever waits forever. */
#ifndef TOTE_RUNTIME_SYNC_H
#define TOTE_RUNTIME_SYNC_H

#include <stddef.h>
#include <stdint.h>

struct tote_err;

enum sync_type {
  SYNC_GO = 1,
  SYNC_IDMAP_REQ,
  SYNC_IDMAP_DONE,
  SYNC_CHILD_PID,
  SYNC_HOOKS_REQ,
  SYNC_HOOKS_DONE,
  SYNC_READY,
  SYNC_READY_ACK,
  SYNC_ERROR,
  SYNC_SECCOMP_FD,
  SYNC_SECCOMP_DONE,
  SYNC_CGROUP_DONE,
};

struct sync_msg {
  uint32_t type;
  int32_t errnum;
  int64_t value;
  char *data; /* NUL-terminated payload or NULL; owned by the receiver */
};

int sync_send(int fd, enum sync_type type, int64_t value, const char *data, struct tote_err **err);
/* Receive one message; EOF gives type 0.  A SYNC_ERROR is returned as a
 * message, not as an error: the caller turns it into one. */
int sync_recv(int fd, struct sync_msg *msg, struct tote_err **err);
/* Receive and require `want`; a SYNC_ERROR or EOF becomes *err. */
int sync_expect(int fd, enum sync_type want, struct sync_msg *msg, struct tote_err **err);
/* In a child: report err to the parent as SYNC_ERROR. */
void sync_send_error(int fd, const struct tote_err *err);
const char *sync_name(enum sync_type t);

#endif
