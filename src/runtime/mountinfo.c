/* mountinfo.c - a parser for proc(5)'s mountinfo lines:
 *   36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue */
#include "runtime/mountinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* Undo the kernel's octal escapes of space, tab, newline and backslash. */
static char *unescape(const char *s, size_t len) {
  char *out = xmalloc(len + 1), *o = out;
  for (size_t i = 0; i < len; i++) {
    if (s[i] == '\\' && i + 3 < len && s[i + 1] >= '0' && s[i + 1] <= '3' &&
        s[i + 2] >= '0' && s[i + 2] <= '7' && s[i + 3] >= '0' && s[i + 3] <= '7') {
      *o++ = (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      *o++ = s[i];
    }
  }
  *o = '\0';
  return out;
}

/* The next space-separated field of *p, unescaped; NULL at the end of line. */
static char *next_field(const char **p) {
  const char *s = *p;
  while (*s == ' ')
    s++;
  if (*s == '\0')
    return NULL;
  const char *e = strchrnul(s, ' ');
  *p = e;
  return unescape(s, (size_t)(e - s));
}

static void entry_free(struct mountinfo_entry *e) {
  free(e->root);
  free(e->mountpoint);
  free(e->options);
  free(e->optional);
  free(e->fstype);
  free(e->source);
  free(e->super);
}

/* The optional fields run up to a lone "-". */
static char *optional_fields(const char **p) {
  char *acc = xstrdup("");
  for (;;) {
    char *f = next_field(p);
    if (f == NULL) {
      free(acc);
      return NULL;
    }
    if (strcmp(f, "-") == 0) {
      free(f);
      return acc;
    }
    char *joined = *acc ? xasprintf("%s %s", acc, f) : xstrdup(f);
    free(acc);
    free(f);
    acc = joined;
  }
}

static int parse_line(const char *line, struct mountinfo_entry *e) {
  memset(e, 0, sizeof *e);
  int consumed = 0;
  if (sscanf(line, "%d %d %u:%u %n", &e->id, &e->parent, &e->major, &e->minor, &consumed) < 4 ||
      consumed == 0)
    return -1;
  const char *p = line + consumed;
  e->root = next_field(&p);
  e->mountpoint = next_field(&p);
  e->options = next_field(&p);
  if (e->options)
    e->optional = optional_fields(&p);
  if (e->optional)
    e->fstype = next_field(&p);
  e->source = next_field(&p);
  e->super = next_field(&p);
  if (e->super == NULL) {
    entry_free(e);
    return -1;
  }
  return 0;
}

int mountinfo_parse(const char *text, struct mountinfo *out) {
  out->entries = NULL;
  out->n = 0;
  size_t cap = 0;
  for (const char *line = text; *line;) {
    const char *eol = strchrnul(line, '\n');
    if (eol > line) {
      _cleanup_free_ char *copy = xstrndup(line, (size_t)(eol - line));
      if (out->n == cap)
        out->entries = xrealloc(out->entries, (cap = cap ? cap * 2 : 64) * sizeof *out->entries);
      if (parse_line(copy, &out->entries[out->n]) < 0) {
        mountinfo_free(out);
        errno = EINVAL;
        return -1;
      }
      out->n++;
    }
    line = *eol ? eol + 1 : eol;
  }
  return 0;
}

int mountinfo_read(struct mountinfo *out, tote_err **err) {
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, "/proc/self/mountinfo", NULL, err);
  if (text == NULL)
    return -1;
  if (mountinfo_parse(text, out) < 0)
    return err_sys(err, "parsing /proc/self/mountinfo");
  return 0;
}

void mountinfo_free(struct mountinfo *mi) {
  for (size_t i = 0; i < mi->n; i++)
    entry_free(&mi->entries[i]);
  free(mi->entries);
  mi->entries = NULL;
  mi->n = 0;
}

const struct mountinfo_entry *mountinfo_by_id(const struct mountinfo *mi, int id) {
  for (size_t i = 0; i < mi->n; i++)
    if (mi->entries[i].id == id)
      return &mi->entries[i];
  return NULL;
}

const struct mountinfo_entry *mountinfo_by_mountpoint(const struct mountinfo *mi,
                                                      const char *mountpoint) {
  for (size_t i = mi->n; i > 0; i--)
    if (strcmp(mi->entries[i - 1].mountpoint, mountpoint) == 0)
      return &mi->entries[i - 1];
  return NULL;
}

/* Is `word` an item of a list separated by `sep`?  With `prefix`, an item
 * only has to start with word followed by ':' (tags like "shared:12"). */
static bool list_has(const char *list, char sep, const char *word, bool prefix) {
  size_t wl = strlen(word);
  for (const char *p = list; p && *p;) {
    const char *e = strchr(p, sep);
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len >= wl && strncmp(p, word, wl) == 0 &&
        (len == wl || (prefix && p[wl] == ':')))
      return true;
    p = e ? e + 1 : NULL;
  }
  return false;
}

bool mountinfo_has_option(const char *list, const char *word) {
  return list_has(list, ',', word, false);
}

bool mountinfo_has_tag(const char *optional, const char *tag) {
  return list_has(optional, ' ', tag, true);
}
