/* layer.h - image layers: unpacked once per chain id into ROOT/layers.
 *
 * A layer blob (tar, gzip'd or zstd'd or plain: libarchive tells) is
 * checked against its diff id (the sha256 of the uncompressed tar, from the
 * image config) and unpacked into ROOT/tmp, then renamed to
 * ROOT/layers/<chain id hex>/fs: the layer's own files, with its whiteouts
 * turned into overlayfs's (a .wh.NAME entry becomes a 0:0 character device
 * NAME, .wh..wh..opq the trusted.overlay.opaque xattr on its directory), so
 * that the directories of an image's layers stack as overlay lowerdirs.
 *
 * Hostile archives are refused, naming the entry: absolute names, ".."
 * components, anything written through a symlink (every path is resolved
 * beneath the layer directory with openat2 RESOLVE_BENEATH and
 * RESOLVE_NO_SYMLINKS), hard links to outside the layer. */
#ifndef TOTE_IMAGE_LAYER_H
#define TOTE_IMAGE_LAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "image/digest.h"

struct tote_err;
struct img_store;

/* chain(L1) = diff(L1); chain(Ln) = sha256(chain(Ln-1) + " " + diff(Ln)). */
void img_chain_id(const char *parent_chain, const char *diff_id, char out[IMG_DIGEST_LEN + 1]);
/* The diff id of a layer archive: the sha256 of its decompressed bytes. */
int img_layer_diff_id(int fd, char out[IMG_DIGEST_LEN + 1], const char *what,
                      struct tote_err **err);
/* "gzip", "zstd" or "" (plain tar) from the first bytes of fd (pread). */
const char *img_layer_compression(int fd);
/* The bytes of the regular files of an unpacked layer (layers/<chain>/size,
 * written when it was unpacked), or -1. */
int64_t img_layer_size(struct img_store *s, const char *chain_id);
/* Whether layers/<chain hex> is there. */
bool img_layer_exists(struct img_store *s, const char *chain_id);
/* Unpack the stored blob into layers/<chain hex>/fs unless it is there;
 * the blob's uncompressed content must hash to diff_id. */
int img_layer_unpack(struct img_store *s, const char *blob_digest, const char *diff_id,
                     const char *chain_id, struct tote_err **err);
/* Unpack an archive fd into the directory dirfd (the work of the above;
 * tests drive it with hostile archives). */
int img_layer_extract_fd(int archive_fd, int dirfd, const char *what, struct tote_err **err);

#endif
