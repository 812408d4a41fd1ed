/* base64.h - RFC 4648 base64 with padding, for HTTP Basic credentials and
 * auth.json's "auth" fields. */
#ifndef TOTE_UTIL_BASE64_H
#define TOTE_UTIL_BASE64_H

#include <stddef.h>

/* Malloc'd, NUL-terminated. */
char *base64_encode(const void *data, size_t len);
/* Malloc'd and NUL-terminated (*len without it); NULL when text is not
 * base64. */
char *base64_decode(const char *text, size_t *len);

#endif
