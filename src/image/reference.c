/* reference.c - parsing and normalizing image references (rules in reference.h).
 *
 * The reference is taken apart first (digest after the first '@', tag after a
 * ':' in the last path component, registry host from the first component),
 * and each part is then checked against its own grammar: that way an error
 * names the part at fault and closes with that part's accepted form, instead
 * of one "invalid reference format" for everything. */
#include "image/reference.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"
#include "util/xalloc.h"

#define DEFAULT_DOMAIN "docker.io"
#define LEGACY_DOMAIN "index.docker.io"
#define DOCKER_REGISTRY "registry-1.docker.io"
#define OFFICIAL_PREFIX "library/"
#define DEFAULT_TAG "latest"
#define NAME_MAX_LEN 255
#define TAG_MAX_LEN 128
#define SHA256_HEX_LEN 64
/* Input bytes shown in a message: a pasted megabyte should not become one. */
#define SHOWN_MAX 200

/* The accepted forms that end the messages, one per part of a reference. */
#define FORM_REF "NAME[:TAG][@sha256:DIGEST], e.g. docker.io/library/busybox:latest"
#define FORM_HOST                                                                                  \
  "[HOST[:PORT]/]PATH, HOST being dot-separated labels of letters, digits and '-' or a "           \
  "bracketed IPv6 address, e.g. registry.example.com:5000/team/app or [::1]:5000/app"
#define FORM_PATH                                                                                  \
  "PATH is '/'-separated components of [a-z0-9] joined by '.', '_', '__' or runs of '-', "         \
  "e.g. team/my-app_2"
#define FORM_TAG "NAME:TAG, TAG being [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}, e.g. busybox:1.36"
#define FORM_DIGEST "NAME[:TAG]@sha256:DIGEST, DIGEST being 64 lower-case hex digits"

/* ASCII only: <ctype.h> follows the locale, and a reference must not. */
static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
static bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
static bool is_alnum(char c) { return is_digit(c) || is_lower(c) || is_upper(c); }
static bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }
static bool is_path_sep(char c) { return c == '.' || c == '_' || c == '-'; }

/* s escaped so that a message stays on one line ('\n' in a pasted reference),
 * and cut after SHOWN_MAX bytes. */
static char *shown(const char *s, size_t n) {
  size_t cut = n > SHOWN_MAX ? SHOWN_MAX : n;
  char *out = xmalloc(4 * cut + sizeof "..."), *o = out;
  for (size_t i = 0; i < cut; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      *o++ = '\\';
      *o++ = (char)c;
    } else if (c < 0x20 || c >= 0x7f) {
      o += sprintf(o, "\\x%02x", c);
    } else {
      *o++ = (char)c;
    }
  }
  strcpy(o, cut < n ? "..." : "");
  return out;
}

/* Every error: `invalid image reference "<input>": <what> (<form>)`. */
__attribute__((format(printf, 4, 5))) static int bad(tote_err **err, const char *input,
                                                     const char *form, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  _cleanup_free_ char *what = xvasprintf(fmt, ap);
  va_end(ap);
  _cleanup_free_ char *in = shown(input, strlen(input));
  return err_set(err, 0, "invalid image reference \"%s\": %s (%s)", in, what, form);
}

static bool all_lower_hex(const char *s, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!is_lower_hex(s[i]))
      return false;
  return true;
}

/* `tote run <id>` mistyped as a pull: docker refuses the bare 64 hex digits
 * rather than look for a repository of that name; "sha256:<hex>", the form
 * `inspect` prints, would read as repository "sha256" with a tag, so it is
 * refused the same way. */
static bool is_image_id(const char *s) {
  if (strncmp(s, "sha256:", 7) == 0)
    s += 7;
  return strlen(s) == SHA256_HEX_LEN && all_lower_hex(s, SHA256_HEX_LEN);
}

/* docker's test: the first component names a registry when it could not be
 * a repository component (a '.', a ':', an upper-case letter) or is
 * "localhost". */
static bool names_registry(const char *first, size_t n) {
  if (n == strlen("localhost") && strncmp(first, "localhost", n) == 0)
    return true;
  for (size_t i = 0; i < n; i++)
    if (first[i] == '.' || first[i] == ':' || is_upper(first[i]))
      return true;
  return false;
}

/* Dot-separated labels of letters, digits and '-', no label empty or
 * beginning or ending with '-' (RFC 1123, and docker's rule). */
static bool valid_hostname(const char *h, size_t n) {
  size_t start = 0;
  for (size_t i = 0; i <= n; i++) {
    if (i < n && h[i] != '.') {
      if (!is_alnum(h[i]) && h[i] != '-')
        return false;
      continue;
    }
    if (i == start || h[start] == '-' || h[i - 1] == '-')
      return false;
    start = i + 1;
  }
  return true;
}

static int check_domain(const char *input, const char *d, tote_err **err) {
  const char *after;
  if (d[0] == '[') {
    /* docker takes [a-fA-F0-9:]+; inet_pton refuses "[:]" and the like too */
    const char *close = strchr(d, ']');
    size_t n = close ? (size_t)(close - d - 1) : 0;
    char addr[INET6_ADDRSTRLEN] = "";
    struct in6_addr a;
    if (close != NULL && n < sizeof addr)
      memcpy(addr, d + 1, n);
    if (close == NULL || n >= sizeof addr || inet_pton(AF_INET6, addr, &a) != 1) {
      _cleanup_free_ char *host = shown(d, close ? n + 2 : strlen(d));
      return bad(err, input, FORM_HOST, "registry host \"%s\" is not a bracketed IPv6 address",
                 host);
    }
    after = close + 1;
  } else {
    size_t n = strcspn(d, ":");
    if (n == 0)
      return bad(err, input, FORM_HOST, "the registry host before ':' is empty");
    if (!valid_hostname(d, n)) {
      _cleanup_free_ char *host = shown(d, n);
      return bad(err, input, FORM_HOST, "registry host \"%s\" is not a valid host name", host);
    }
    after = d + n;
  }
  if (*after == '\0')
    return 0;
  const char *port = after + 1;
  if (*after != ':' || *port == '\0' || strspn(port, "0123456789") != strlen(port)) {
    _cleanup_free_ char *p = shown(after, strlen(after));
    return bad(err, input, FORM_HOST, "\"%s\" after the registry host is not a :PORT of digits",
               p);
  }
  return 0;
}

/* [a-z0-9]+ ((\.|_|__|-+) [a-z0-9]+)*, upper case having been refused. */
static int check_component(const char *input, const char *c, size_t n, tote_err **err) {
  if (n == 0)
    return bad(err, input, FORM_PATH, "the path has an empty component (a doubled, leading or "
                                      "trailing '/')");
  _cleanup_free_ char *comp = shown(c, n);
  for (size_t i = 0; i < n; i++)
    if (!is_lower(c[i]) && !is_digit(c[i]) && !is_path_sep(c[i])) {
      _cleanup_free_ char *ch = shown(c + i, 1);
      return bad(err, input, FORM_PATH, "path component \"%s\" holds '%s', which a repository "
                                        "name cannot", comp, ch);
    }
  if (is_path_sep(c[0]) || is_path_sep(c[n - 1]))
    return bad(err, input, FORM_PATH, "path component \"%s\" must begin and end with a letter "
                                      "or digit", comp);
  for (size_t i = 0; i < n;) {
    size_t run = 0;
    while (i + run < n && is_path_sep(c[i + run]))
      run++;
    if (run == 0) {
      i++;
      continue;
    }
    bool dashes = true;
    for (size_t k = 0; k < run; k++)
      dashes = dashes && c[i + k] == '-';
    bool ok = run == 1 || dashes || (run == 2 && c[i] == '_' && c[i + 1] == '_');
    if (!ok) {
      _cleanup_free_ char *sep = shown(c + i, run);
      return bad(err, input, FORM_PATH, "path component \"%s\" joins with \"%s\": only '.', '_', "
                                        "'__' or a run of '-' may", comp, sep);
    }
    i += run;
  }
  return 0;
}

static int check_path(const char *input, const char *domain, const char *path, tote_err **err) {
  if (*path == '\0') { /* only after a host: a name without one is never empty here */
    _cleanup_free_ char *d = shown(domain ? domain : "", domain ? strlen(domain) : 0);
    return bad(err, input, FORM_PATH, "the repository path after \"%s/\" is empty", d);
  }
  for (const char *p = path; *p; p++)
    if (is_upper(*p))
      return bad(err, input, FORM_REF, "repository names must be lower-case");
  for (const char *c = path;;) {
    size_t n = strcspn(c, "/");
    if (check_component(input, c, n, err) < 0)
      return -1;
    if (c[n] == '\0')
      return 0;
    c += n + 1;
  }
}

static int check_tag(const char *input, const char *tag, tote_err **err) {
  size_t n = strlen(tag);
  if (n == 0)
    return bad(err, input, FORM_TAG, "the tag after ':' is empty");
  if (n > TAG_MAX_LEN)
    return bad(err, input, FORM_TAG, "the tag is %zu characters long, at most %d are allowed", n,
               TAG_MAX_LEN);
  _cleanup_free_ char *t = shown(tag, n);
  if (!is_alnum(tag[0]) && tag[0] != '_')
    return bad(err, input, FORM_TAG, "tag \"%s\" must begin with a letter, digit or '_'", t);
  for (size_t i = 1; i < n; i++)
    if (!is_alnum(tag[i]) && tag[i] != '_' && tag[i] != '.' && tag[i] != '-') {
      _cleanup_free_ char *ch = shown(tag + i, 1);
      return bad(err, input, FORM_TAG, "tag \"%s\" holds '%s', which a tag cannot", t, ch);
    }
  return 0;
}

static int check_digest(const char *input, const char *d, tote_err **err) {
  if (*d == '\0')
    return bad(err, input, FORM_DIGEST, "the digest after '@' is empty");
  if (strchr(d, '@') != NULL)
    return bad(err, input, FORM_DIGEST, "there is more than one '@'");
  const char *colon = strchr(d, ':');
  if (colon == NULL) {
    _cleanup_free_ char *dg = shown(d, strlen(d));
    return bad(err, input, FORM_DIGEST, "digest \"%s\" lacks its \"sha256:\" algorithm", dg);
  }
  size_t alg_len = (size_t)(colon - d);
  if (alg_len != strlen("sha256") || strncmp(d, "sha256", alg_len) != 0) {
    _cleanup_free_ char *alg = shown(d, alg_len);
    return bad(err, input, FORM_DIGEST, "digest algorithm \"%s\" is not supported, only sha256 is",
               alg);
  }
  const char *hex = colon + 1;
  /* name@sha256:<hex>:tag: the tag is the one part that may hold no ':' */
  if (strchr(hex, ':') != NULL)
    return bad(err, input, FORM_DIGEST, "a tag must come before the digest, not after it");
  size_t n = strlen(hex);
  if (n != SHA256_HEX_LEN)
    return bad(err, input, FORM_DIGEST, "the sha256 digest has %zu characters, not %d", n,
               SHA256_HEX_LEN);
  if (!all_lower_hex(hex, n))
    return bad(err, input, FORM_DIGEST, "the sha256 digest holds characters other than 0-9 and "
                                        "a-f");
  return 0;
}

int img_ref_parse(const char *s, struct img_ref *r, tote_err **err) {
  memset(r, 0, sizeof *r);
  if (s == NULL || *s == '\0')
    return bad(err, "", FORM_REF, "the reference is empty");
  if (is_image_id(s))
    return bad(err, s, FORM_REF, "this is an image id, not an image name");

  const char *at = strchr(s, '@');
  _cleanup_free_ char *name = xstrndup(s, at ? (size_t)(at - s) : strlen(s));
  /* A ':' after the last '/' starts the tag; one before it is a port. */
  char *tag = NULL;
  char *colon = strrchr(name, ':'), *last_slash = strrchr(name, '/');
  if (colon != NULL && (last_slash == NULL || colon > last_slash)) {
    *colon = '\0';
    tag = colon + 1;
  }
  if (*name == '\0')
    return bad(err, s, FORM_REF, "the repository name is empty");

  const char *domain = NULL, *path = name;
  char *first_slash = strchr(name, '/');
  if (first_slash != NULL && names_registry(name, (size_t)(first_slash - name))) {
    *first_slash = '\0';
    domain = name;
    path = first_slash + 1;
    if (check_domain(s, domain, err) < 0)
      return -1;
  }
  if (check_path(s, domain, path, err) < 0)
    return -1;

  if (domain == NULL || strcmp(domain, LEGACY_DOMAIN) == 0)
    domain = DEFAULT_DOMAIN;
  /* Docker Hub's official images live under library/ */
  bool official = strcmp(domain, DEFAULT_DOMAIN) == 0 && strchr(path, '/') == NULL;
  const char *prefix = official ? OFFICIAL_PREFIX : "";
  /* docker counts the normalized name: "busybox" is docker.io/library/busybox */
  size_t len = strlen(domain) + 1 + strlen(prefix) + strlen(path);
  if (len > NAME_MAX_LEN)
    return bad(err, s, FORM_REF, "the repository name is %zu characters long counting \"%s/%s\", "
                                 "at most %d are allowed", len, domain, prefix, NAME_MAX_LEN);
  if (tag != NULL && check_tag(s, tag, err) < 0)
    return -1;
  if (at != NULL && check_digest(s, at + 1, err) < 0)
    return -1;

  r->domain = xstrdup(domain);
  r->path = xasprintf("%s%s", prefix, path);
  r->tag = tag ? xstrdup(tag) : at ? NULL : xstrdup(DEFAULT_TAG);
  r->digest = at ? xstrdup(at + 1) : NULL;
  return 0;
}

void img_ref_free(struct img_ref *r) {
  if (r == NULL)
    return;
  free(r->domain);
  free(r->path);
  free(r->tag);
  free(r->digest);
  memset(r, 0, sizeof *r);
}

char *img_ref_string(const struct img_ref *r) {
  return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "", r->tag ? r->tag : "",
                   r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *img_ref_repo(const struct img_ref *r) { return xasprintf("%s/%s", r->domain, r->path); }

const char *img_ref_registry(const struct img_ref *r) {
  /* docker.io is the name; the registry API answers at registry-1 */
  return strcmp(r->domain, DEFAULT_DOMAIN) == 0 ? DOCKER_REGISTRY : r->domain;
}
