/* systemd.h - the systemd cgroup driver (--systemd-cgroup): the container's
 * cgroup is a transient scope unit that systemd creates and removes, with
 * the container's init in it and the cgroup delegated to tote, as runc
 * does.  linux.cgroupsPath takes runc's systemd form "SLICE:PREFIX:NAME"
 * (unit PREFIX-NAME.scope in SLICE; SLICE "" is system.slice); without one,
 * ":tote:<id>".  The limits systemd knows are also set as the unit's
 * properties, so that a reload of systemd does not undo them; everything
 * is then written to the scope's cgroup as without systemd.
 *
 * As root, on cgroup v2 and on v1/hybrid hosts whose systemd runs the
 * legacy layout: there the controllers systemd does not manage (cpuset,
 * freezer, devices...) get the same path made by tote. */
#ifndef TOTE_RUNTIME_SYSTEMD_H
#define TOTE_RUNTIME_SYSTEMD_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

#include "runtime/systemd_bus.h"

struct tote_err;

struct sd_unit {
  char *slice; /* "system.slice" */
  char *name;  /* "tote-ID.scope" */
};

/* "SLICE:PREFIX:NAME" (NULL or "" for the default) -> unit.  Refuses
 * another form, a NAME naming a slice, and characters a unit name cannot
 * hold. */
int systemd_unit_parse(const char *cgroups_path, const char *id, struct sd_unit *u,
                       struct tote_err **err);
void systemd_unit_free(struct sd_unit *u);
/* Connect, after checking that the host can do it (root, cgroup v2). */
int systemd_open(struct sd_conn *c, struct tote_err **err);
/* Start the scope with pid in it and resources (may be NULL) as its
 * properties; returns once systemd has done it. */
int systemd_start_scope(struct sd_conn *c, const struct sd_unit *u, pid_t pid,
                        json_t *resources, struct tote_err **err);
/* Stop the unit and wait for it; a unit already gone is fine. */
int systemd_stop_unit(struct sd_conn *c, const char *unit, struct tote_err **err);
/* Set resources as the unit's runtime properties (update). */
int systemd_set_resources(struct sd_conn *c, const char *unit, json_t *resources,
                          struct tote_err **err);
/* Connect, stop unit, disconnect (delete: the state names the unit). */
int systemd_stop(const char *unit, struct tote_err **err);
/* Connect, set resources as unit's properties, disconnect (update). */
int systemd_update(const char *unit, json_t *resources, struct tote_err **err);
/* The properties for resources, as "Name=value" lines (tests, docs). */
char *systemd_props_text(json_t *resources, bool v2, struct tote_err **err);

#endif
