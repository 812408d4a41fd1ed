/* auth.h - registry credentials in the auth.json format podman and docker
 * share: {"auths": {"registry.example.com:5000": {"auth": base64("user:pass")}}}.
 *
 * `tote login` writes $REGISTRY_AUTH_FILE, else
 * $XDG_RUNTIME_DIR/containers/auth.json, else /run/containers/<uid>/auth.json
 * (podman's defaults).  A pull looks in that file, then in
 * ~/.docker/config.json; an entry's key may carry a scheme and a path
 * ("https://index.docker.io/v1/"), and docker.io also answers to
 * index.docker.io and registry-1.docker.io. */
#ifndef TOTE_IMAGE_AUTH_H
#define TOTE_IMAGE_AUTH_H

#include <stdbool.h>

struct tote_err;

/* The file login writes (malloc'd). */
char *img_auth_file(void);
/* Credentials for registry: 0 with *user and *pass (malloc'd), 1 when
 * there are none, -1 when a file exists but cannot be read. */
int img_auth_lookup(const char *registry, char **user, char **pass, struct tote_err **err);
/* Store (replacing) registry's credentials in img_auth_file(), mode 0600. */
int img_auth_store(const char *registry, const char *user, const char *pass,
                   struct tote_err **err);
/* Remove registry's entry (all of them with all); 1 when there was none. */
int img_auth_remove(const char *registry, bool all, struct tote_err **err);

#endif
