/* container.h - the engine's containers: one directory each under
 * ROOT/containers/<id>/ (ROOT: the image store's root, /var/lib/tote):
 *
 *   container.json  what the container is: id, name, image, image_id,
 *                   command, created, state ("created", "running",
 *                   "exited"), exit_code, oom_killed, started and
 *                   finished times; while it runs, pid (its init) and
 *                   monitor_pid; what starting it again needs (rootfs,
 *                   lower, auto_remove, log_max_size, stop_signal) and
 *                   docker's Config for tote inspect (config)
 *   monitor.lock    flocked by the container's monitor while it lives
 *                   (monitor.h); its exit code is written in it at the end
 *   ctr.log(.1)     the container's output (ctrlog.h)
 *   config.json     the OCI config the runtime runs (the bundle)
 *   upper/ work/    the container's own layer of its overlay
 *   rootfs/         where the overlay of the image's layers and upper/ is mounted
 *
 * container.json is replaced atomically (write, fsync, rename). */
#ifndef TOTE_ENGINE_CONTAINER_H
#define TOTE_ENGINE_CONTAINER_H

#include <jansson.h>
#include <stdbool.h>

struct tote_err;

/* ROOT/containers, made if missing; an O_DIRECTORY fd. */
int eng_containers_dir(const char *root, struct tote_err **err);
/* A new 64-hex id. */
void eng_new_id(char id[65]);
/* Every container's container.json (a new array); broken ones are skipped
 * with a warning naming them. */
json_t *eng_list(int dirfd);
/* The container.json of the container named by arg (its name, its id or a
 * unique prefix of it), or NULL with an error. */
json_t *eng_find(int dirfd, const char *arg, struct tote_err **err);
/* The container.json of <id>, or NULL. */
json_t *eng_load(int dirfd, const char *id);
/* A name a new container may take: docker's form [a-zA-Z0-9][a-zA-Z0-9_.-]*
 * and no other container's (NULL is fine: the id's digits are used). */
int eng_check_name(int dirfd, const char *name, struct tote_err **err);
/* Write c as <id>/container.json: a temp file renamed into place, flushed
 * first unless the record is not durable. */
int eng_save(int dirfd, json_t *c, struct tote_err **err);
/* Whether c's record must outlive a crash: not a --rm container's, which
 * goes with the container (after a crash a torn one is reported as such,
 * and rm -f removes it), as its volatile overlay does. */
bool eng_durable(json_t *c);
/* Remove <id>/ whole (its rootfs must not be mounted). */
int eng_remove_dir(int dirfd, const char *id, struct tote_err **err);

#endif
