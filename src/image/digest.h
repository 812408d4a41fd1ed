/* digest.h - sha256 content digests as OCI writes them: "sha256:<64 hex>".
 * The hashing is OpenSSL's (libcrypto), which uses the CPU's SHA
 * extensions where there are any. */
#ifndef TOTE_IMAGE_DIGEST_H
#define TOTE_IMAGE_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tote_err;

#define IMG_DIGEST_LEN 71 /* "sha256:" + 64 hex */

struct img_hasher;

struct img_hasher *img_hasher_new(void);
void img_hasher_update(struct img_hasher *h, const void *data, size_t len);
/* out gets "sha256:<hex>"; the hasher may not be used after. */
void img_hasher_final(struct img_hasher *h, char out[IMG_DIGEST_LEN + 1]);
void img_hasher_free(struct img_hasher *h);
/* The digest of a buffer. */
void img_digest_of(const void *data, size_t len, char out[IMG_DIGEST_LEN + 1]);
/* "sha256:" and exactly 64 lower-case hex digits. */
bool img_digest_valid(const char *d);
/* The hex part of a valid digest. */
static inline const char *img_digest_hex(const char *d) { return d + 7; }

#endif
