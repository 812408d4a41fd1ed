/* cli_opts.c - the flag parser of cli_opts.h. */
#include "cli/cli_opts.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/xalloc.h"

static const struct cli_opt *find_long(const struct cli_opt *opts, const char *name, size_t len) {
  for (const struct cli_opt *o = opts; o->name; o++)
    if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
      return o;
  return NULL;
}

static const struct cli_opt *find_short(const struct cli_opt *opts, char c) {
  for (const struct cli_opt *o = opts; o->name; o++)
    if (o->short_name == c)
      return o;
  return NULL;
}

static int set_value(const struct cli_opt *o, const char *flag, const char *value,
                     tote_err **err) {
  switch (o->type) {
  case OPT_BOOL:
    if (value == NULL || strcmp(value, "true") == 0)
      *(bool *)o->target = true;
    else if (strcmp(value, "false") == 0)
      *(bool *)o->target = false;
    else
      return err_set(err, 0, "%s takes true or false, not %s", flag, value);
    return 0;
  case OPT_STRING:
    *(const char **)o->target = value;
    return 0;
  case OPT_INT: {
    char *end;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (errno || *end || end == value || v < INT_MIN || v > INT_MAX)
      return err_set(err, 0, "%s takes a number, not %s", flag, value);
    *(int *)o->target = (int)v;
    return 0;
  }
  case OPT_STRING_LIST: {
    struct strlist *l = o->target;
    l->items = xrealloc(l->items, sizeof(char *) * (size_t)(l->n + 1));
    l->items[l->n++] = value;
    return 0;
  }
  }
  return 0;
}

/* A run of short flags in one argument, as docker's users type them:
 * "-it" is -i -t, and a flag that takes a value takes the rest ("-ubob")
 * or the next argument ("-du bob").  Returns the index of the next argument
 * to parse, or -1 with err. */
static int parse_shorts(int argc, char **argv, int i, const struct cli_opt *opts,
                        tote_err **err) {
  const char *a = argv[i];
  for (const char *c = a + 1; *c; c++) {
    const struct cli_opt *o = find_short(opts, *c);
    if (o == NULL) {
      err_set(err, 0, "unknown flag -%c in %s (see --help)", *c, a);
      return -1;
    }
    char flag[3] = {'-', *c, '\0'};
    if (o->type == OPT_BOOL) {
      if (set_value(o, flag, NULL, err) < 0)
        return -1;
      continue;
    }
    const char *value = c[1] ? c + 1 : i + 1 < argc ? argv[++i] : NULL;
    if (value == NULL) {
      err_set(err, 0, "flag %s needs a value", flag);
      return -1;
    }
    return set_value(o, flag, value, err) < 0 ? -1 : i + 1;
  }
  return i + 1;
}

int cli_parse(int argc, char **argv, int first, const struct cli_opt *opts, tote_err **err) {
  int i = first;
  while (i < argc) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0)
      return i + 1;
    if (a[0] != '-' || a[1] == '\0')
      return i;
    const char *name = a + 1 + (a[1] == '-');
    const char *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const struct cli_opt *o = find_long(opts, name, len);
    if (o == NULL && a[1] != '-' && len == 1)
      o = find_short(opts, name[0]);
    if (o == NULL && a[1] != '-' && find_short(opts, name[0])) {
      if ((i = parse_shorts(argc, argv, i, opts, err)) < 0)
        return -1;
      continue;
    }
    if (o == NULL) {
      err_set(err, 0, "unknown flag %.*s (see --help)", (int)(len + (size_t)(name - a)), a);
      return -1;
    }
    const char *value = eq ? eq + 1 : NULL;
    if (value == NULL && o->type != OPT_BOOL) {
      if (i + 1 >= argc) {
        err_set(err, 0, "flag %s needs a value", a);
        return -1;
      }
      value = argv[++i];
    }
    if (set_value(o, a, value, err) < 0)
      return -1;
    i++;
  }
  return i;
}

bool cli_wants_help(int argc, char **argv, int first, const struct cli_opt *opts) {
  bool h_is_help = find_short(opts, 'h') == NULL;
  for (int i = first; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--") == 0 || a[0] != '-' || a[1] == '\0')
      return false; /* what follows is the command's, or the container's */
    if (strcmp(a, "--help") == 0 || strcmp(a, "-help") == 0 || (h_is_help && strcmp(a, "-h") == 0))
      return true;
    const char *name = a + 1 + (a[1] == '-');
    size_t len = strcspn(name, "=");
    const struct cli_opt *o = find_long(opts, name, len);
    if (o == NULL && a[1] != '-' && len == 1)
      o = find_short(opts, name[0]);
    if (o && o->type != OPT_BOOL && name[len] != '=')
      i++; /* its value */
  }
  return false;
}

void cli_print_opts(const struct cli_opt *opts) {
  for (const struct cli_opt *o = opts; o->name; o++) {
    char left[64];
    if (o->short_name)
      snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->name, o->arg ? " " : "",
               o->arg ? o->arg : "");
    else
      snprintf(left, sizeof left, "    --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
    printf("  %-32s %s\n", left, o->help ? o->help : "");
  }
}

void strlist_free(struct strlist *l) {
  free(l->items);
  l->items = NULL;
  l->n = 0;
}
