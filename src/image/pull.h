/* pull.h - `tote pull`: an image from a registry into the store.
 *
 * The manifest is fetched by tag or digest (a pinned digest is checked
 * against the content); an index or manifest list is resolved to the
 * platform asked for (linux and this machine's architecture by default),
 * or fails listing the platforms it offers.  The config and each missing
 * layer are downloaded and verified, the layers unpacked once per chain id,
 * and the index.json entry named by the full reference points at the
 * manifest.  A Docker schema2 manifest is stored as the equivalent OCI
 * manifest (what skopeo does when it copies into an OCI layout); the
 * registry's digest is kept in an annotation.  The store is locked for the
 * whole pull: two pulls of images sharing layers do each layer once. */
#ifndef TOTE_IMAGE_PULL_H
#define TOTE_IMAGE_PULL_H

#include <stdbool.h>
#include <stdint.h>

#include "image/digest.h"

struct tote_err;
struct img_store;

/* What a pull reports as it goes: each blob's start, bytes, end (or that
 * it was there already), and each layer's unpacking.  fn is called from the
 * download threads: it must lock what it shares. */
enum img_progress_event {
  IMG_PROGRESS_START,  /* done = 0, total = the blob's size */
  IMG_PROGRESS_BYTES,  /* done of total so far */
  IMG_PROGRESS_DONE,   /* downloaded and verified */
  IMG_PROGRESS_EXISTS, /* already in the store */
  IMG_PROGRESS_UNPACK, /* the layer is being unpacked */
};
struct img_progress {
  void (*fn)(void *arg, enum img_progress_event ev, const char *what, const char *digest,
             uint64_t done, uint64_t total);
  void *arg;
};

struct img_pull_opts {
  bool tls_verify;
  const char *platform; /* "os/arch[/variant]", NULL: linux/<this machine> */
  const char *user, *pass;
  const struct img_progress *progress; /* or NULL */
};

#define IMG_SOURCE_DIGEST "io.tote.image.source-digest"

/* Pull ref; id gets the image id (its config digest). */
int img_pull(struct img_store *s, const char *ref, const struct img_pull_opts *o,
             char id[IMG_DIGEST_LEN + 1], struct tote_err **err);
/* The entry of an image index (borrowed) for platform ("os/arch[/variant]";
 * without a variant, any), or NULL with an error listing the platforms it
 * offers; ref names the index in it. */
typedef struct json_t json_t;
json_t *img_index_choose(json_t *index, const char *platform, const char *ref,
                         struct tote_err **err);
/* "linux/amd64" for this machine (Go's names, as registries use them). */
const char *img_host_platform(void);

#endif
