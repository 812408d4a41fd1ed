/* digest.c - sha256 through libnettle (SHA-NI where the CPU has it). */
#include "image/digest.h"

#include <nettle/sha2.h>
#include <stdio.h>
#include <string.h>

#include "util/xalloc.h"

struct img_hasher {
  struct sha256_ctx ctx;
};

struct img_hasher *img_hasher_new(void) {
  struct img_hasher *h = xzalloc(sizeof *h);
  sha256_init(&h->ctx);
  return h;
}

void img_hasher_update(struct img_hasher *h, const void *data, size_t len) {
  sha256_update(&h->ctx, len, data);
}

void img_hasher_final(struct img_hasher *h, char out[IMG_DIGEST_LEN + 1]) {
  uint8_t md[SHA256_DIGEST_SIZE];
  sha256_digest(&h->ctx, sizeof md, md);
  memcpy(out, "sha256:", 7);
  for (size_t i = 0; i < sizeof md; i++)
    snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
  out[IMG_DIGEST_LEN] = '\0';
}

void img_hasher_free(struct img_hasher *h) { free(h); }
void img_digest_of(const void *data, size_t len, char out[IMG_DIGEST_LEN + 1]) {
  struct img_hasher *h = img_hasher_new();
  img_hasher_update(h, data, len);
  img_hasher_final(h, out);
  img_hasher_free(h);
}

bool img_digest_valid(const char *d) {
  if (d == NULL || strncmp(d, "sha256:", 7) != 0 || strlen(d) != IMG_DIGEST_LEN)
    return false;
  for (const char *p = d + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}
