/* jsonx.c - typed getters over jansson with field-naming errors. */
#include "util/jsonx.h"

#include <errno.h>
#include <string.h>

#include "util/err.h"
#include "util/xalloc.h"

char *jx_path(const char *where, const char *key) {
  if (where == NULL || *where == '\0')
    return xstrdup(key);
  return xasprintf("%s.%s", where, key);
}

char *jx_index_path(const char *where, const char *key, size_t i) {
  _cleanup_free_ char *p = jx_path(where, key);
  return xasprintf("%s[%zu]", p, i);
}

static json_t *member(json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  return json_is_null(v) ? NULL : v;
}

static int type_error(const char *where, const char *key, const char *what, tote_err **err) {
  _cleanup_free_ char *p = jx_path(where, key);
  return err_set(err, 0, "%s must be %s", p, what);
}

bool jx_has(json_t *obj, const char *key) {
  json_t *v = member(obj, key);
  if (v == NULL)
    return false;
  if (json_is_object(v))
    return json_object_size(v) > 0;
  if (json_is_array(v))
    return json_array_size(v) > 0;
  return true;
}

int jx_str(json_t *obj, const char *key, const char *where, char **out, tote_err **err) {
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  if (!json_is_string(v))
    return type_error(where, key, "a string", err);
  free(*out);
  *out = xstrdup(json_string_value(v));
  return 0;
}

int jx_bool(json_t *obj, const char *key, const char *where, bool *out, tote_err **err) {
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  if (!json_is_boolean(v))
    return type_error(where, key, "true or false", err);
  *out = json_is_true(v);
  return 0;
}

int jx_i64(json_t *obj, const char *key, const char *where, int64_t *out, tote_err **err) {
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  if (!json_is_integer(v))
    return type_error(where, key, "an integer", err);
  *out = json_integer_value(v);
  return 0;
}

bool jx_present(json_t *obj, const char *key) { return member(obj, key) != NULL; }

int jx_require(json_t *obj, const char *key, const char *where, tote_err **err) {
  if (member(obj, key) != NULL)
    return 0;
  _cleanup_free_ char *p = jx_path(where, key);
  return err_set(err, 0, "%s is required", p);
}

void jx_mark_uint64_max(char *text, size_t len) {
  static const char max[] = "18446744073709551615", mark[] = "-9223372036854775808";
  const size_t n = sizeof max - 1;
  bool in_string = false;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    bool starts = (i == 0 || !(text[i - 1] >= '0' && text[i - 1] <= '9')) && text[i] == '1';
    if (starts && len - i >= n && memcmp(text + i, max, n) == 0 &&
        (i + n == len || !((text[i + n] >= '0' && text[i + n] <= '9') || text[i + n] == '.' ||
                           text[i + n] == 'e' || text[i + n] == 'E')) &&
        (i == 0 || text[i - 1] != '-'))
      memcpy(text + i, mark, n), i += n - 1;
  }
}

int jx_u64(json_t *obj, const char *key, const char *where, uint64_t *out, tote_err **err) {
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  if (json_is_integer(v) && json_integer_value(v) == JX_UINT64_MAX_MARK) {
    *out = UINT64_MAX;
    return 0;
  }
  if (!json_is_integer(v) || json_integer_value(v) < 0)
    return type_error(where, key, "a non-negative integer", err);
  *out = (uint64_t)json_integer_value(v);
  return 0;
}

int jx_u32(json_t *obj, const char *key, const char *where, uint32_t *out, tote_err **err) {
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > UINT32_MAX)
    return type_error(where, key, "an integer from 0 to 4294967295", err);
  *out = (uint32_t)json_integer_value(v);
  return 0;
}

int jx_int(json_t *obj, const char *key, const char *where, int *out, tote_err **err) {
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  if (!json_is_integer(v) || json_integer_value(v) < INT32_MIN ||
      json_integer_value(v) > INT32_MAX)
    return type_error(where, key, "a 32-bit integer", err);
  *out = (int)json_integer_value(v);
  return 0;
}

int jx_strv(json_t *obj, const char *key, const char *where, char ***out, tote_err **err) {
  json_t *v = member(obj, key);
  if (v == NULL)
    return 0;
  if (!json_is_array(v))
    return type_error(where, key, "an array of strings", err);
  size_t n = json_array_size(v);
  char **vec = xcalloc_array(n + 1, sizeof *vec);
  for (size_t i = 0; i < n; i++) {
    json_t *s = json_array_get(v, i);
    if (!json_is_string(s)) {
      strv_free(vec);
      _cleanup_free_ char *p = jx_index_path(where, key, i);
      return err_set(err, 0, "%s must be a string", p);
    }
    vec[i] = xstrdup(json_string_value(s));
  }
  strv_free(*out);
  *out = vec;
  return 0;
}

int jx_obj(json_t *obj, const char *key, const char *where, json_t **out, tote_err **err) {
  json_t *v = member(obj, key);
  *out = NULL;
  if (v == NULL)
    return 0;
  if (!json_is_object(v))
    return type_error(where, key, "an object", err);
  *out = v;
  return 0;
}

int jx_arr(json_t *obj, const char *key, const char *where, json_t **out, tote_err **err) {
  json_t *v = member(obj, key);
  *out = NULL;
  if (v == NULL)
    return 0;
  if (!json_is_array(v))
    return type_error(where, key, "an array", err);
  *out = v;
  return 0;
}
