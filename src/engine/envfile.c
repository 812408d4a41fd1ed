/* envfile.c - --env-file (see envfile.h). */
#include "engine/envfile.h"

#include <fcntl.h>
#include <string.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

int eng_env_text(const char *text, const char *path, char ***v, size_t *n, tote_err **err) {
  size_t lineno = 0;
  for (const char *line = text; line && *line;) {
    const char *end = strchr(line, '\n');
    size_t len = end ? (size_t)(end - line) : strlen(line);
    _cleanup_free_ char *l = xstrndup(line, len);
    line = end ? end + 1 : NULL;
    lineno++;
    char *p = l + strspn(l, " \t");
    if (*p == '\0' || *p == '#')
      continue;
    size_t klen = strcspn(p, "=");
    if (klen == 0)
      return err_set(err, 0, "%s:%zu: no variable name before the =", path, lineno);
    if (strcspn(p, " \t") < klen)
      return err_set(err, 0, "%s:%zu: the variable name \"%.*s\" has whitespace in it", path,
                     lineno, (int)klen, p);
    *v = xrealloc(*v, (*n + 2) * sizeof **v);
    (*v)[(*n)++] = xstrdup(p);
    (*v)[*n] = NULL;
  }
  return 0;
}

int eng_env_file(const char *path, char ***v, size_t *n, tote_err **err) {
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, path, NULL, err);
  if (text == NULL)
    return err_wrap(err, "--env-file");
  return eng_env_text(text, path, v, n, err);
}
