/* base64.c - see base64.h. */
#include "util/base64.h"

#include <string.h>

#include "util/xalloc.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *base64_encode(const void *data, size_t n) {
  const unsigned char *p = data;
  char *out = xmalloc(4 * ((n + 2) / 3) + 1), *q = out;
  for (size_t i = 0; i < n; i += 3) {
    unsigned v = (unsigned)p[i] << 16;
    if (i + 1 < n)
      v |= (unsigned)p[i + 1] << 8;
    if (i + 2 < n)
      v |= p[i + 2];
    *q++ = alphabet[(v >> 18) & 63];
    *q++ = alphabet[(v >> 12) & 63];
    *q++ = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
    *q++ = i + 2 < n ? alphabet[v & 63] : '=';
  }
  *q = '\0';
  return out;
}

char *base64_decode(const char *text, size_t *len) {
  size_t n = strlen(text);
  if (n % 4 != 0)
    return NULL;
  char *out = xmalloc(n / 4 * 3 + 1);
  size_t o = 0;
  for (size_t i = 0; i < n; i += 4) {
    unsigned v = 0;
    int pad = 0;
    for (int k = 0; k < 4; k++) {
      char c = text[i + k];
      const char *at = c ? strchr(alphabet, c) : NULL;
      if (c == '=' && i + 4 == n && k >= 2) {
        pad++;
        v <<= 6;
        continue;
      }
      if (at == NULL || pad) {
        free(out);
        return NULL;
      }
      v = v << 6 | (unsigned)(at - alphabet);
    }
    out[o++] = (char)(v >> 16);
    if (pad < 2)
      out[o++] = (char)(v >> 8);
    if (pad < 1)
      out[o++] = (char)v;
  }
  out[o] = '\0';
  if (len)
    *len = o;
  return out;
}
