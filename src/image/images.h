/* images.h - the images in the store: listing, finding by name or id,
 * removing, and collecting what no image needs any more. */
#ifndef TOTE_IMAGE_IMAGES_H
#define TOTE_IMAGE_IMAGES_H

#include <jansson.h>
#include <stdbool.h>

struct tote_err;
struct img_store;

/* One object per index.json entry: name, digest (of the manifest), id (the
 * config digest), created (from the config), size (the layers' bytes as
 * stored, compressed), layers (their digests), diff_ids. */
json_t *img_list(struct img_store *s, struct tote_err **err);
/* Append to names the names arg stands for in list: a reference its own
 * name, an id (or a unique prefix, 3+ hex digits) every name of the image.
 * -1 with an error naming arg when it stands for none. */
int img_match(json_t *list, const char *arg, json_t *names, struct tote_err **err);
/* The entry of list (borrowed) that arg names: a reference (normalized,
 * "busybox" is docker.io/library/busybox:latest) or an id or a unique
 * prefix of one (3+ hex digits).  NULL with err when none. */
json_t *img_resolve(json_t *list, const char *arg, struct tote_err **err);
/* Remove images: each arg is a reference ("busybox", normalized) or an id
 * (or a unique prefix of one, 3+ hex digits); an id removes every name of
 * that image.  Then collect garbage.  Fails, changing nothing, when an arg
 * matches nothing. */
int img_remove(struct img_store *s, char **args, int n, bool force, struct tote_err **err);
/* A hold on an image (its id) by holder (a container): rmi refuses to
 * remove it without force, and garbage collection keeps its config and
 * unpacked layers, also once no name points at it any more. */
int img_hold(struct img_store *s, const char *holder, const char *id, struct tote_err **err);
void img_release(struct img_store *s, const char *holder);
/* The holds: {image id: [holders]}.  A new reference. */
json_t *img_holds(struct img_store *s);
/* Name dst (a reference with a tag) the image src names. */
int img_tag(struct img_store *s, const char *src, const char *dst, struct tote_err **err);
/* Delete blobs and unpacked layers that no index entry needs, and what a
 * killed pull left in tmp/.  Takes the store lock. */
int img_gc(struct img_store *s, struct tote_err **err);

#endif
