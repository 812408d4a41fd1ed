/* digest.c - sha256 through OpenSSL's EVP interface. */
#include "image/digest.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "util/xalloc.h"

struct img_hasher {
  EVP_MD_CTX *ctx;
};

struct img_hasher *img_hasher_new(void) {
  struct img_hasher *h = xzalloc(sizeof *h);
  h->ctx = EVP_MD_CTX_new();
  if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1) {
    fprintf(stderr, "tote: OpenSSL cannot hash with sha256\n");
    abort();
  }
  return h;
}

void img_hasher_update(struct img_hasher *h, const void *data, size_t len) {
  EVP_DigestUpdate(h->ctx, data, len);
}

void img_hasher_final(struct img_hasher *h, char out[IMG_DIGEST_LEN + 1]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(h->ctx, md, &n);
  memcpy(out, "sha256:", 7);
  for (unsigned int i = 0; i < n && i < 32; i++)
    snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
  out[IMG_DIGEST_LEN] = '\0';
}

void img_hasher_free(struct img_hasher *h) {
  if (h == NULL)
    return;
  EVP_MD_CTX_free(h->ctx);
  free(h);
}

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
