/* volume.h - named and anonymous volumes: one directory each under
 * ROOT/volumes/<name>/ (ROOT: the store, /var/lib/tote), holding
 * volume.json (name, created, labels, anonymous) and _data/, the
 * directory containers bind.  A container uses a volume when its
 * config.json mounts that _data; a volume in use is not removed. */
#ifndef TOTE_ENGINE_VOLUME_H
#define TOTE_ENGINE_VOLUME_H

#include <jansson.h>
#include <stdbool.h>

struct tote_err;

/* A volume name as docker takes it: [a-zA-Z0-9][a-zA-Z0-9_.-]+. */
int eng_volume_check_name(const char *name, struct tote_err **err);
/* Make NAME (NULL: an anonymous volume with a new 64-hex name, put in
 * *made_name if given) unless it exists; *created says which. */
int eng_volume_create(const char *root, const char *name, json_t *labels, bool anonymous,
                      bool *created, char **made_name, struct tote_err **err);
/* ROOT/volumes/<name>/_data (a new string). */
char *eng_volume_data(const char *root, const char *name);
/* docker's inspect object of a volume: CreatedAt, Driver, Labels,
 * Mountpoint, Name, Options, Scope (and Anonymous); NULL with an error
 * when there is no such volume. */
json_t *eng_volume_inspect(const char *root, const char *name, struct tote_err **err);
/* Every volume's inspect object, by name. */
json_t *eng_volume_list(const char *root);
/* The ids of the containers whose config.json mounts the volume. */
json_t *eng_volume_users(const char *root, const char *name);
/* Remove the volume; refused while a container uses it. */
int eng_volume_remove(const char *root, const char *name, struct tote_err **err);
/* Fill a volume's empty _data from dir_in_root (a path in the container's
 * rootfs, opened beneath rootfd), as docker does for a new volume: nothing
 * when the path is missing or not a directory, or _data has anything. */
int eng_volume_copy_up(const char *root, const char *name, int rootfd, const char *dir_in_root,
                       struct tote_err **err);

/* The anonymous volumes that config (the OCI config of container id, NULL
 * for one not saved yet) binds and no other container uses: removed, as
 * docker's --rm and rm -v do. */
void eng_volumes_release(const char *root, json_t *config, const char *id);

#endif
