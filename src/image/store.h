/* store.h - tote's image store: an OCI image layout that skopeo and umoci
 * read and write too, and the layers unpacked from it.
 *
 *   ROOT/images/          the OCI layout: oci-layout, index.json, blobs/sha256/<hex>
 *   ROOT/layers/<chain>/  a layer unpacked (diff only, overlay whiteouts), by chain id
 *   ROOT/tmp/             blobs and layers being written (same filesystem: renamed in)
 *   ROOT/store.lock       flock: one writer at a time
 *
 * ROOT is /var/lib/tote (root) or $XDG_DATA_HOME/tote.  A blob is written to
 * tmp/, hashed as it is written, and renamed into blobs/ only when its
 * digest and size are the ones asked for; index.json is replaced
 * atomically (write, fsync, rename).  Each image is one index.json entry
 * whose org.opencontainers.image.ref.name annotation is its full reference
 * ("docker.io/library/busybox:latest"), so `skopeo copy oci:ROOT/images:NAME`
 * finds it. */
#ifndef TOTE_IMAGE_STORE_H
#define TOTE_IMAGE_STORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "image/digest.h"

struct tote_err;

struct img_store {
  char *root;
  int rootfd, blobsfd, tmpfd, layersfd, imagesfd;
  int lockfd; /* -1 when not locked */
};

#define IMG_REF_NAME "org.opencontainers.image.ref.name"

/* Open the store at root, creating what is missing. */
int img_store_open(const char *root, struct img_store *s, struct tote_err **err);
void img_store_close(struct img_store *s);
/* The default root: /var/lib/tote as root, else $XDG_DATA_HOME/tote
 * (~/.local/share/tote).  Malloc'd. */
char *img_store_default_root(void);
/* Take (and release) the store's write lock; waits for another writer. */
int img_store_lock(struct img_store *s, struct tote_err **err);
void img_store_unlock(struct img_store *s);

/* A fresh name for something being made in ROOT/tmp: "PREFIX-<16 random
 * hex>" (size 32 holds any prefix up to 14 characters). */
void img_tmp_name(const char *prefix, char *buf, size_t size);

/* ---- blobs ---- */

bool img_blob_exists(struct img_store *s, const char *digest);
/* Size of a stored blob, or -1. */
int64_t img_blob_size(struct img_store *s, const char *digest);
/* O_RDONLY fd of a stored blob. */
int img_blob_open(struct img_store *s, const char *digest, struct tote_err **err);
/* A stored blob read whole and checked against its digest (manifests,
 * configs): at most max bytes. */
char *img_blob_read(struct img_store *s, const char *digest, size_t max, size_t *len,
                    struct tote_err **err);

/* A blob being written: hashed as it goes, kept only if it matches. */
struct img_blob_writer {
  int fd;
  char tmp[32];
  char want[IMG_DIGEST_LEN + 1];
  int64_t want_size; /* -1: unknown */
  uint64_t size;
  struct img_hasher *h;
};

/* Start writing the blob digest (of want_size bytes, or -1). */
int img_blob_begin(struct img_store *s, const char *digest, int64_t want_size,
                   struct img_blob_writer *w, struct tote_err **err);
/* Fails (naming the digest) once more than want_size bytes arrive. */
int img_blob_write(struct img_blob_writer *w, const void *data, size_t len,
                   struct tote_err **err);
/* Check digest and size, fsync, rename into blobs/.  On failure nothing is
 * kept and the error names the digest. */
int img_blob_commit(struct img_store *s, struct img_blob_writer *w, struct tote_err **err);
void img_blob_abort(struct img_store *s, struct img_blob_writer *w);
/* A whole small blob (a manifest, a config) at once; out gets its digest. */
int img_blob_put(struct img_store *s, const void *data, size_t len,
                 char out[IMG_DIGEST_LEN + 1], struct tote_err **err);

/* Everything fd reads, as a blob named by its digest (an archive being
 * loaded, a tarball being imported). */
int img_blob_put_fd(struct img_store *s, int fd, char out[IMG_DIGEST_LEN + 1],
                    struct tote_err **err);

/* ---- index.json ---- */

/* index.json parsed (a new reference). */
json_t *img_index_load(struct img_store *s, struct tote_err **err);
/* Point name at a manifest descriptor, replacing the entry of that name. */
int img_index_set(struct img_store *s, const char *name, json_t *descriptor,
                  struct tote_err **err);
/* Remove the entry of name; 0 when there was none. */
int img_index_remove(struct img_store *s, const char *name, struct tote_err **err);
/* The descriptor (borrowed from index) whose ref.name is name, or NULL. */
json_t *img_index_find(json_t *index, const char *name);

#endif
