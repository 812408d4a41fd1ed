/* jsonx.h - typed access to jansson objects with errors that name the field.
 *
 * Each getter takes the object, a key and `where` (the dotted path of the
 * object, e.g. "process.user") so that an error reads
 * "process.user.uid must be an integer".  An absent key (or JSON null) is
 * not an error: the getter returns 0 and leaves *out untouched. */
#ifndef TOTE_UTIL_JSONX_H
#define TOTE_UTIL_JSONX_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct tote_err;

int jx_str(json_t *obj, const char *key, const char *where, char **out, struct tote_err **err);
int jx_bool(json_t *obj, const char *key, const char *where, bool *out, struct tote_err **err);
int jx_i64(json_t *obj, const char *key, const char *where, int64_t *out, struct tote_err **err);
int jx_u64(json_t *obj, const char *key, const char *where, uint64_t *out, struct tote_err **err);
int jx_u32(json_t *obj, const char *key, const char *where, uint32_t *out, struct tote_err **err);
int jx_int(json_t *obj, const char *key, const char *where, int *out, struct tote_err **err);
/* An array of strings into a NULL-terminated vector. */
int jx_strv(json_t *obj, const char *key, const char *where, char ***out, struct tote_err **err);
/* The member if it is an object (or absent -> NULL, returns 0). */
int jx_obj(json_t *obj, const char *key, const char *where, json_t **out, struct tote_err **err);
int jx_arr(json_t *obj, const char *key, const char *where, json_t **out, struct tote_err **err);
/* True when the member is present and not null. */
bool jx_present(json_t *obj, const char *key);
/* An error "where.key is required" unless the member is present. */
int jx_require(json_t *obj, const char *key, const char *where, struct tote_err **err);
/* The value that stands for 18446744073709551615 (RLIM_INFINITY and other
 * uint64 maxima) after jx_mark_uint64_max(): jansson cannot hold it. */
#define JX_UINT64_MAX_MARK INT64_MIN
/* Rewrite, in place and outside strings, each number token
 * 18446744073709551615 as -9223372036854775808 (same length, so error
 * columns stay true); jx_u64 reads that back as UINT64_MAX. */
void jx_mark_uint64_max(char *text, size_t len);
/* True when the member is present and not null / not an empty object or array. */
bool jx_has(json_t *obj, const char *key);
/* "where.key" (or "key" when where is empty); caller frees. */
char *jx_path(const char *where, const char *key);
char *jx_index_path(const char *where, const char *key, size_t i);

#endif
