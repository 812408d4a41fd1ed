/* systemd_bus.h - talking to systemd's manager over D-Bus, for the systemd
 * cgroup driver (--systemd-cgroup).
 *
 * sd-bus (libsystemd) is loaded with dlopen() when the driver is used, so
 * that tote-oci without --systemd-cgroup neither links nor loads it: every
 * host that runs systemd has libsystemd.so.0.  As root, tote talks to the
 * manager directly on /run/systemd/private (as systemctl does), which needs
 * no D-Bus daemon. */
#ifndef TOTE_RUNTIME_SYSTEMD_BUS_H
#define TOTE_RUNTIME_SYSTEMD_BUS_H

#include <stdbool.h>
#include <systemd/sd-bus.h>

struct tote_err;

/* The sd-bus functions tote uses, resolved from libsystemd.so.0. */
struct sd_api {
  typeof(sd_bus_new) *bus_new;
  typeof(sd_bus_set_address) *bus_set_address;
  typeof(sd_bus_start) *bus_start;
  typeof(sd_bus_flush_close_unref) *bus_flush_close_unref;
  typeof(sd_bus_message_new_method_call) *message_new_method_call;
  typeof(sd_bus_message_append) *message_append;
  typeof(sd_bus_message_append_array) *message_append_array;
  typeof(sd_bus_message_open_container) *message_open_container;
  typeof(sd_bus_message_close_container) *message_close_container;
  typeof(sd_bus_message_read) *message_read;
  typeof(sd_bus_message_unref) *message_unref;
  typeof(sd_bus_call) *call;
  typeof(sd_bus_call_method) *call_method;
  typeof(sd_bus_match_signal) *match_signal;
  typeof(sd_bus_process) *process;
  typeof(sd_bus_wait) *wait;
  typeof(sd_bus_error_free) *error_free;
  typeof(sd_bus_error_has_name) *error_has_name;
};

/* A connection to the manager, with the jobs it has finished since. */
struct sd_conn {
  const struct sd_api *api;
  sd_bus *bus;
  char **done_jobs;    /* "JOBPATH RESULT" of each JobRemoved seen */
  bool v2;             /* systemd runs cgroup v2 (else legacy or hybrid) */
};

/* Whether this process can use the driver: systemd running, root. */
int sd_usable(struct tote_err **err);
/* Load libsystemd, connect to the manager and subscribe to its job
 * signals.  Errors say what is missing (systemd not running, no
 * libsystemd, not root). */
int sd_connect(struct sd_conn *c, struct tote_err **err);
void sd_disconnect(struct sd_conn *c);
/* A method call of org.freedesktop.systemd1.Manager, to fill in. */
int sd_manager_call(struct sd_conn *c, const char *method, sd_bus_message **m,
                    struct tote_err **err);
/* Send m (consumed); when the reply is a job object path, wait up to
 * timeout_ms for the job to finish and fail unless its result is "done".
 * what names the request in errors; quiet_missing: a NoSuchUnit error is
 * success (stopping what is already gone). */
int sd_call_job(struct sd_conn *c, sd_bus_message *m, const char *what, bool quiet_missing,
                int timeout_ms, struct tote_err **err);

#endif
