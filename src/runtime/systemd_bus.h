/* systemd_bus.h - talking to systemd's manager over D-Bus, for the systemd
 * cgroup driver (--systemd-cgroup).
 *
 * As root, tote talks to the manager directly on /run/systemd/private (as
 * systemctl does), which needs no D-Bus daemon, with its own small client
 * (util/dbus.h): tote-oci links no library it would load only for this. */
#ifndef TOTE_RUNTIME_SYSTEMD_BUS_H
#define TOTE_RUNTIME_SYSTEMD_BUS_H

#include <stdbool.h>

#include "util/dbus.h"

struct tote_err;

/* A connection to the manager, with the jobs it has finished since. */
struct sd_conn {
  struct dbus_conn bus;
  char **done_jobs;    /* "JOBPATH RESULT" of each JobRemoved seen */
  bool v2;             /* systemd runs cgroup v2 (else legacy or hybrid) */
};

/* Whether this process can use the driver: systemd running, root. */
int sd_usable(struct tote_err **err);
/* Connect to the manager and subscribe to its job signals.  Errors say
 * what is missing (systemd not running, not root). */
int sd_connect(struct sd_conn *c, struct tote_err **err);
void sd_disconnect(struct sd_conn *c);
/* Call the manager's method with body (signature sig; NULL: none); when
 * the reply is a job object path, wait up to timeout_ms for the job to
 * finish and fail unless its result is "done".  what names the request
 * in errors; quiet_missing: a NoSuchUnit error is success (stopping what
 * is already gone). */
int sd_call_job(struct sd_conn *c, const char *method, const char *sig,
                const struct dbus_buf *body, const char *what, bool quiet_missing,
                int timeout_ms, struct tote_err **err);

#endif
