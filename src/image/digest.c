/* digest.c - sha256 through OpenSSL's EVP interface, libcrypto opened on
 * first use (util/dlib.h). */
#include "image/digest.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "util/dlib.h"
#include "util/xalloc.h"

static struct {
  __typeof__(EVP_MD_CTX_new) *ctx_new;
  __typeof__(EVP_MD_CTX_free) *ctx_free;
  __typeof__(EVP_sha256) *sha256;
  __typeof__(EVP_DigestInit_ex) *init;
  __typeof__(EVP_DigestUpdate) *update;
  __typeof__(EVP_DigestFinal_ex) *final;
} evp;
static pthread_once_t evp_once = PTHREAD_ONCE_INIT;

static void evp_load(void) {
  const struct dlib_sym syms[] = {
      {"EVP_MD_CTX_new", &evp.ctx_new},   {"EVP_MD_CTX_free", &evp.ctx_free},
      {"EVP_sha256", &evp.sha256},        {"EVP_DigestInit_ex", &evp.init},
      {"EVP_DigestUpdate", &evp.update},  {"EVP_DigestFinal_ex", &evp.final},
  };
  dlib_load("libcrypto.so.3", "libssl3", syms, sizeof syms / sizeof syms[0]);
}

struct img_hasher {
  EVP_MD_CTX *ctx;
};

struct img_hasher *img_hasher_new(void) {
  pthread_once(&evp_once, evp_load);
  struct img_hasher *h = xzalloc(sizeof *h);
  h->ctx = evp.ctx_new();
  if (h->ctx == NULL || evp.init(h->ctx, evp.sha256(), NULL) != 1) {
    fprintf(stderr, "tote: OpenSSL cannot hash with sha256\n");
    abort();
  }
  return h;
}

void img_hasher_update(struct img_hasher *h, const void *data, size_t len) {
  evp.update(h->ctx, data, len);
}

void img_hasher_final(struct img_hasher *h, char out[IMG_DIGEST_LEN + 1]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  evp.final(h->ctx, md, &n);
  memcpy(out, "sha256:", 7);
  for (unsigned int i = 0; i < n && i < 32; i++)
    snprintf(out + 7 + 2 * i, 3, "%02x", md[i]);
  out[IMG_DIGEST_LEN] = '\0';
}

void img_hasher_free(struct img_hasher *h) {
  if (h == NULL)
    return;
  evp.ctx_free(h->ctx);
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
