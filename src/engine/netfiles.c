/* netfiles.c - resolv.conf and hosts texts (see netfiles.h). */
#include "engine/netfiles.h"

#include <ctype.h>
#include <string.h>

#include "util/xalloc.h"

/* *out + prefix + alen bytes of a + suffix */
static void append(char **out, const char *prefix, const char *a, size_t alen,
                   const char *suffix) {
  char *n = xasprintf("%s%s%.*s%s", *out, prefix, (int)alen, a, suffix);
  free(*out);
  *out = n;
}

static bool loopback(const char *ip, size_t len) {
  return (len >= 4 && strncmp(ip, "127.", 4) == 0) || (len == 3 && strncmp(ip, "::1", 3) == 0) ||
         (len >= 16 && strncmp(ip, "0:0:0:0:0:0:0:1", 15) == 0);
}

/* The first word after keyword on line (len bytes), or NULL. */
static const char *value_of(const char *line, size_t len, const char *keyword, size_t *vlen) {
  size_t k = strlen(keyword);
  if (len <= k || strncmp(line, keyword, k) != 0 || !isspace((unsigned char)line[k]))
    return NULL;
  const char *v = line + k;
  while (v < line + len && isspace((unsigned char)*v))
    v++;
  *vlen = (size_t)(line + len - v);
  while (*vlen && isspace((unsigned char)v[*vlen - 1]))
    (*vlen)--;
  return *vlen ? v : NULL;
}

static void add_list(char **out, const char *keyword, const struct eng_list *l) {
  if (l->n == 0)
    return;
  append(out, keyword, "", 0, "");
  for (int i = 0; i < l->n; i++)
    append(out, " ", l->v[i], strlen(l->v[i]), "");
  append(out, "", "", 0, "\n");
}

char *eng_resolv_conf(const char *host_text, const struct eng_list *dns,
                      const struct eng_list *search, const struct eng_list *options,
                      int keep_loopback) {
  char *out = xstrdup("");
  int servers = 0;
  for (int i = 0; i < dns->n; i++, servers++)
    append(&out, "nameserver ", dns->v[i], strlen(dns->v[i]), "\n");
  for (const char *p = host_text ? host_text : ""; *p;) {
    size_t len = strcspn(p, "\n");
    const char *v;
    size_t vlen;
    if (dns->n == 0 && (v = value_of(p, len, "nameserver", &vlen)) &&
        (keep_loopback || !loopback(v, vlen))) {
      append(&out, "nameserver ", v, vlen, "\n");
      servers++;
    } else if (search->n == 0 && ((v = value_of(p, len, "search", &vlen)) ||
                                  (v = value_of(p, len, "domain", &vlen)))) {
      append(&out, "search ", v, vlen, "\n");
    } else if (options->n == 0 && (v = value_of(p, len, "options", &vlen))) {
      append(&out, "options ", v, vlen, "\n");
    }
    p += len + (p[len] == '\n');
  }
  if (servers == 0) {
    char *n = xasprintf("%snameserver 8.8.8.8\nnameserver 8.8.4.4\n", out);
    free(out);
    out = n;
  }
  add_list(&out, "search", search);
  add_list(&out, "options", options);
  return out;
}

char *eng_hosts_text(const char *base, const struct eng_hosts_entry *e, size_t n) {
  const char *mark = strstr(base, ENG_HOSTS_MARK);
  size_t keep = mark ? (size_t)(mark - base) : strlen(base);
  char *out = xasprintf("%.*s%s%s", (int)keep, base,
                        keep && base[keep - 1] != '\n' ? "\n" : "", ENG_HOSTS_MARK);
  for (size_t i = 0; i < n; i++) {
    char *next = xasprintf("%s%s\t%s\n", out, e[i].ip, e[i].names);
    free(out);
    out = next;
  }
  return out;
}
