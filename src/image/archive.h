/* archive.h - images in and out of the store as files: `tote save`,
 * `tote load` and `tote import`.
 *
 * Two archive formats, as docker and podman write them:
 *  - docker-archive: manifest.json ([{"Config": "<id>.json", "RepoTags": [...],
 *    "Layers": ["<diff id>/layer.tar", ...]}]), the config, and each layer as an
 *    uncompressed tar (what `docker load` and `podman load` take);
 *  - oci-archive: a tar of an OCI image layout whose index.json names each
 *    image with org.opencontainers.image.ref.name.
 * load tells them apart by their content, takes either whole or refuses it
 * (unpacked safely into the store's tmp/, every blob verified), and names
 * the images as the archive does; an image the archive does not name gets
 * "localhost/untagged-<id>:latest". */
#ifndef TOTE_IMAGE_ARCHIVE_H
#define TOTE_IMAGE_ARCHIVE_H

#include <jansson.h>
#include <stdbool.h>

struct tote_err;
struct img_store;

enum img_archive_format { IMG_DOCKER_ARCHIVE, IMG_OCI_ARCHIVE };

/* Write the images args name (references or ids) to outfd. */
int img_save(struct img_store *s, char **args, int n, enum img_archive_format f, int outfd,
             struct tote_err **err);
/* Read an archive from infd into the store; *names gets the names loaded. */
int img_load(struct img_store *s, int infd, json_t **names, struct tote_err **err);
/* A rootfs tarball (plain, gzip or zstd) from infd as a one-layer image
 * named name (NULL: untagged); id gets the image id. */
int img_import(struct img_store *s, int infd, const char *name, char id[72],
               struct tote_err **err);

#endif
