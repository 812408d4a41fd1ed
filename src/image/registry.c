/* registry.c - the distribution API over libcurl (see registry.h). */
#include "image/registry.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "image/curl_lib.h"
#include "image/digest.h"
#include "image/store.h"
#include "util/base64.h"
#include "util/err.h"
#include "util/xalloc.h"

#define MANIFEST_MAX (4u << 20) /* registries cap manifests at 4 MiB */
#define ATTEMPTS 4

static const char *const manifest_accept =
    "Accept: application/vnd.oci.image.index.v1+json, "
    "application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";

struct reg_client {
  char *registry, *path;
  struct reg_opts o;
  bool insecure;
  const char *scheme; /* "https", or "http" once an insecure registry refused TLS */
  char *auth;         /* "Authorization: ..." header, once known */
  CURL *curl;
};

static bool is_loopback(const char *host) {
  bool localhost = strncmp(host, "localhost", 9) == 0 && (host[9] == '\0' || host[9] == ':');
  return localhost || strncmp(host, "127.", 4) == 0 || strncmp(host, "[::1]", 5) == 0;
}

struct reg_client *reg_client_new(const char *registry, const char *path,
                                  const struct reg_opts *o) {
  struct reg_client *c = xzalloc(sizeof *c);
  c->registry = xstrdup(registry);
  c->path = xstrdup(path);
  c->o = *o;
  c->insecure = !o->tls_verify || is_loopback(registry);
  c->scheme = "https";
  c->curl = curl_lib()->easy_init();
  if (c->curl == NULL) {
    fprintf(stderr, "tote: libcurl cannot start\n");
    abort();
  }
  return c;
}

struct reg_client *reg_client_clone(const struct reg_client *c) {
  struct reg_client *n = reg_client_new(c->registry, c->path, &c->o);
  n->insecure = c->insecure;
  n->scheme = c->scheme;
  n->auth = c->auth ? xstrdup(c->auth) : NULL;
  return n;
}

void reg_client_free(struct reg_client *c) {
  if (c == NULL)
    return;
  curl_lib()->easy_cleanup(c->curl);
  free(c->registry);
  free(c->path);
  free(c->auth);
  free(c);
}

/* ---- one request ---- */

struct response {
  long status;
  char *content_type, *challenge, *digest;
  /* the body: into buf (manifests, tokens, errors) or into a blob */
  char *buf;
  size_t len, max;
  struct img_blob_writer *blob;
  tote_err *blob_err;
  /* a blob answer of 200 to a request that resumed: start the blob over */
  int (*restart)(void *arg, tote_err **err);
  void *restart_arg;
  bool started; /* bytes of this answer went into the blob */
  void (*on_bytes)(void *arg, uint64_t done);
  void *bytes_arg;
};

static void response_free(struct response *r) {
  free(r->content_type);
  free(r->challenge);
  free(r->digest);
  free(r->buf);
  memset(r, 0, sizeof *r);
}

static char *header_value(const char *line, size_t n, const char *name) {
  size_t nl = strlen(name);
  if (n <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
    return NULL;
  const char *v = line + nl + 1, *end = line + n;
  while (v < end && (*v == ' ' || *v == '\t'))
    v++;
  while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
    end--;
  return xstrndup(v, (size_t)(end - v));
}

static size_t on_header(char *line, size_t size, size_t n, void *arg) {
  struct response *r = arg;
  size_t len = size * n;
  char *v;
  if (strncmp(line, "HTTP/", 5) == 0) { /* a new response (after a redirect): start over */
    free(r->content_type);
    free(r->challenge);
    free(r->digest);
    free(r->buf);
    r->content_type = r->challenge = r->digest = r->buf = NULL;
    r->len = 0;
  } else if ((v = header_value(line, len, "Content-Type"))) {
    free(r->content_type);
    r->content_type = v;
  } else if ((v = header_value(line, len, "WWW-Authenticate"))) {
    free(r->challenge);
    r->challenge = v;
  } else if ((v = header_value(line, len, "Docker-Content-Digest"))) {
    free(r->digest);
    r->digest = v;
  }
  return len;
}

struct body_ctx {
  struct response *r;
  CURL *curl;
};

static size_t on_body(char *data, size_t size, size_t n, void *arg) {
  struct body_ctx *b = arg;
  struct response *r = b->r;
  size_t len = size * n;
  long status = 0;
  curl_lib()->easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &status);
  if (r->blob && (status == 200 || status == 206)) {
    /* the server ignored our Range: it sends the whole blob again */
    if (status == 200 && !r->started && r->blob->size > 0 &&
        r->restart(r->restart_arg, &r->blob_err) < 0)
      return 0;
    r->started = true;
    if (img_blob_write(r->blob, data, len, &r->blob_err) < 0)
      return 0; /* aborts the transfer */
    return len;
  }
  size_t max = r->blob ? 65536 : r->max; /* an error body of a blob request */
  if (r->len + len > max)
    return r->blob ? len : 0;
  r->buf = xrealloc(r->buf, r->len + len + 1);
  memcpy(r->buf + r->len, data, len);
  r->len += len;
  r->buf[r->len] = '\0';
  return len;
}

static int on_xfer(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                   curl_off_t ulnow) {
  (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
  struct response *r = arg;
  r->on_bytes(r->bytes_arg, r->blob->size); /* what the blob holds, resumed parts included */
  return 0;
}

/* GET url; r gets the status, headers and body.  A transport error fails
 * with CURLcode in *code. */
static int get(struct reg_client *c, const char *url, const char *accept, const char *auth,
               const char *range, struct response *r, CURLcode *code, tote_err **err) {
  CURL *h = c->curl;
  curl_lib()->easy_reset(h);
  struct curl_slist *hdrs = NULL;
  if (accept)
    hdrs = curl_lib()->slist_append(hdrs, accept);
  if (auth)
    hdrs = curl_lib()->slist_append(hdrs, auth);
  if (range)
    hdrs = curl_lib()->slist_append(hdrs, range);
  struct body_ctx b = {r, h};
  curl_lib()->easy_setopt(h, CURLOPT_URL, url);
  curl_lib()->easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
  curl_lib()->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
  curl_lib()->easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
  curl_lib()->easy_setopt(h, CURLOPT_USERAGENT, "tote/0.1");
  curl_lib()->easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_lib()->easy_setopt(h, CURLOPT_HEADERDATA, r);
  curl_lib()->easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_lib()->easy_setopt(h, CURLOPT_WRITEDATA, &b);
  curl_lib()->easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
  /* a stalled transfer (under 1 KiB/s for a minute) is a broken one */
  curl_lib()->easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
  curl_lib()->easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_lib()->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_lib()->easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  if (c->insecure) {
    curl_lib()->easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_lib()->easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (r->blob && r->on_bytes) {
    curl_lib()->easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_xfer);
    curl_lib()->easy_setopt(h, CURLOPT_XFERINFODATA, r);
    curl_lib()->easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
  }
  char errbuf[CURL_ERROR_SIZE] = "";
  curl_lib()->easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  *code = curl_lib()->easy_perform(h);
  curl_lib()->slist_free_all(hdrs);
  curl_lib()->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
  if (*code == CURLE_OK)
    return 0;
  if (r->blob_err) {
    *err = steal_ptr(&r->blob_err);
    return -1;
  }
  return err_set(err, 0, "%s: %s", url, errbuf[0] ? errbuf : curl_lib()->easy_strerror(*code));
}

static bool transient(CURLcode code, long status) {
  if (code != CURLE_OK)
    return code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR || code == CURLE_PARTIAL_FILE ||
           code == CURLE_OPERATION_TIMEDOUT || code == CURLE_GOT_NOTHING;
  return status >= 500 && status != 501;
}

static void backoff(int attempt) {
  struct timespec ts = {0, (200L << attempt) * 1000000L};
  nanosleep(&ts, NULL);
}

/* ---- auth ---- */

/* RFC 7235: SCHEME param=value, param="quoted \"value\"", ...  The
 * parameters are read in order, so a key inside a quoted value is never
 * taken for a parameter. */
char *reg_challenge_param(const char *ch, const char *key) {
  const char *p = ch + strcspn(ch, " "); /* past the scheme */
  size_t kl = strlen(key);
  while (*p) {
    while (*p == ' ' || *p == ',' || *p == '\t')
      p++;
    const char *k = p;
    while (*p && *p != '=' && *p != ',' && *p != ' ')
      p++;
    size_t klen = (size_t)(p - k);
    if (*p != '=')
      continue; /* a bare token: no value */
    p++;
    char *val;
    if (*p == '"') {
      p++;
      val = xzalloc(strlen(p) + 1);
      size_t n = 0;
      while (*p && *p != '"') {
        if (*p == '\\' && p[1])
          p++;
        val[n++] = *p++;
      }
      if (*p != '"') { /* unterminated */
        free(val);
        return NULL;
      }
      p++;
    } else {
      size_t n = strcspn(p, ", ");
      val = xstrndup(p, n);
      p += n;
    }
    if (klen == kl && strncasecmp(k, key, kl) == 0)
      return val;
    free(val);
  }
  return NULL;
}

static char *escape(CURL *h, const char *s) {
  char *e = curl_lib()->easy_escape(h, s, 0);
  char *r = xstrdup(e ? e : "");
  curl_lib()->free(e);
  return r;
}

static char *basic_header(const struct reg_opts *o) {
  _cleanup_free_ char *pair = xasprintf("%s:%s", o->user, o->pass ? o->pass : "");
  _cleanup_free_ char *b64 = base64_encode(pair, strlen(pair));
  return xasprintf("Authorization: Basic %s", b64);
}

/* Answer a 401's challenge: c->auth gets the header to retry with. */
static int authenticate(struct reg_client *c, const char *challenge, tote_err **err) {
  if (challenge && strncasecmp(challenge, "Basic", 5) == 0) {
    if (c->o.user == NULL)
      return err_set(err, 0, "registry %s asks for a user name and password (basic auth)",
                     c->registry);
    free(c->auth);
    c->auth = basic_header(&c->o);
    return 0;
  }
  if (challenge == NULL || strncasecmp(challenge, "Bearer", 6) != 0)
    return err_set(err, 0, "registry %s refused access without saying how to authenticate",
                   c->registry);
  _cleanup_free_ char *realm = reg_challenge_param(challenge, "realm");
  _cleanup_free_ char *service = reg_challenge_param(challenge, "service");
  _cleanup_free_ char *scope = reg_challenge_param(challenge, "scope");
  if (realm == NULL)
    return err_set(err, 0, "registry %s: a Bearer challenge without a realm: %s", c->registry,
                   challenge);
  if (scope == NULL && *c->path)
    scope = xasprintf("repository:%s:pull", c->path);
  _cleanup_free_ char *es = scope ? escape(c->curl, scope) : NULL;
  _cleanup_free_ char *esv = service ? escape(c->curl, service) : NULL;
  _cleanup_free_ char *url = xasprintf("%s%s%s%s%s%s", realm, strchr(realm, '?') ? "&" : "?",
                                       es ? "scope=" : "", es ? es : "",
                                       esv ? (es ? "&service=" : "service=") : "", esv ? esv : "");
  _cleanup_free_ char *basic = c->o.user ? basic_header(&c->o) : NULL;
  struct response r = {.max = 1u << 20};
  CURLcode code;
  int rc;
  /* the token service fails now and then too: retried as the registry is */
  for (int attempt = 0;; attempt++) {
    tote_err *e = NULL;
    rc = get(c, url, NULL, basic, NULL, &r, &code, &e);
    if (!transient(code, r.status) || attempt + 1 >= ATTEMPTS) {
      if (rc < 0)
        *err = e;
      break;
    }
    err_free(&e);
    response_free(&r);
    r.max = 1u << 20;
    backoff(attempt);
  }
  if (rc == 0 && r.status != 200)
    rc = r.status == 401 && c->o.user == NULL
             ? err_set(err, 0, "registry %s wants credentials (its token service %s refused an "
                               "anonymous request): log in with tote login %s", c->registry,
                       realm, c->registry)
             : err_set(err, 0, "registry %s: the token service %s answered %ld%s", c->registry,
                       realm, r.status, r.status == 401 ? " (wrong credentials?)" : "");
  json_t *j = rc == 0 ? json_loadb(r.buf ? r.buf : "", r.len, 0, NULL) : NULL;
  const char *tok = json_string_value(json_object_get(j, "token"));
  if (tok == NULL)
    tok = json_string_value(json_object_get(j, "access_token"));
  if (rc == 0 && tok == NULL)
    rc = err_set(err, 0, "registry %s: the token service %s sent no token", c->registry,
                 realm);
  if (rc == 0) {
    free(c->auth);
    c->auth = xasprintf("Authorization: Bearer %s", tok);
  }
  json_decref(j);
  response_free(&r);
  return rc;
}

/* ---- requests with auth, fallback and retries ---- */

/* The registry's own words from an error body ({"errors":[{"message":...}]}). */
static char *registry_message(const struct response *r) {
  json_t *j = r->buf ? json_loadb(r->buf, r->len, 0, NULL) : NULL;
  json_t *e = json_array_get(json_object_get(j, "errors"), 0);
  const char *code = json_string_value(json_object_get(e, "code"));
  const char *msg = json_string_value(json_object_get(e, "message"));
  char *out = code || msg ? xasprintf(" (%s%s%s)", code ? code : "", code && msg ? ": " : "",
                                      msg ? msg : "")
                          : xstrdup("");
  json_decref(j);
  return out;
}

/* GET /v2/<path>/<what> (/v2/ for an empty path); a 200 (or 206) answer
 * in r, anything else an error.  A blob that broke off part way is asked
 * for again from where it stopped (Range), when the server allows. */
static int request(struct reg_client *c, const char *what, const char *accept, struct response *r,
                   tote_err **err) {
  bool authed = false;
  for (int attempt = 0;; attempt++) {
    _cleanup_free_ char *url = *c->path ? xasprintf("%s://%s/v2/%s/%s", c->scheme, c->registry,
                                                    c->path, what)
                                        : xasprintf("%s://%s/v2/%s", c->scheme, c->registry, what);
    struct response keep = {.blob = r->blob, .max = r->max, .restart = r->restart,
                            .restart_arg = r->restart_arg, .on_bytes = r->on_bytes,
                            .bytes_arg = r->bytes_arg};
    response_free(r);
    *r = keep;
    char range[64] = "";
    if (r->blob && r->blob->size > 0)
      snprintf(range, sizeof range, "Range: bytes=%llu-", (unsigned long long)r->blob->size);
    CURLcode code;
    tote_err *e = NULL;
    int rc = get(c, url, accept, c->auth, *range ? range : NULL, r, &code, &e);
    if (rc < 0 && c->insecure && strcmp(c->scheme, "https") == 0 &&
        (code == CURLE_SSL_CONNECT_ERROR || code == CURLE_RECV_ERROR ||
         code == CURLE_GOT_NOTHING)) {
      c->scheme = "http"; /* an insecure registry without TLS */
      err_free(&e);
      attempt--;
      continue;
    }
    if (transient(code, r->status) && attempt + 1 < ATTEMPTS) {
      err_free(&e);
      backoff(attempt);
      continue;
    }
    if (rc < 0) {
      *err = e;
      return -1;
    }
    if (r->status == 401 && !authed) {
      authed = true;
      if (authenticate(c, r->challenge, err) < 0)
        return -1;
      attempt--;
      continue;
    }
    if (r->status == 200 || (r->status == 206 && r->blob))
      return 0;
    _cleanup_free_ char *why = registry_message(r);
    const char *hint = r->status == 404   ? ": not found"
                       : r->status == 401 ? ": authentication failed"
                       : r->status == 403 ? ": access denied"
                                          : "";
    return err_set(err, 0, "%s: HTTP %ld%s%s", url, r->status, hint, why);
  }
}

int reg_get_manifest(struct reg_client *c, const char *reference, struct reg_manifest *m,
                     tote_err **err) {
  memset(m, 0, sizeof *m);
  _cleanup_free_ char *what = xasprintf("manifests/%s", reference);
  struct response r = {.max = MANIFEST_MAX};
  if (request(c, what, manifest_accept, &r, err) < 0) {
    response_free(&r);
    return -1;
  }
  img_digest_of(r.buf ? r.buf : "", r.len, m->digest);
  if (r.digest && img_digest_valid(r.digest) && strcmp(r.digest, m->digest) != 0) {
    int rc = err_set(err, 0, "manifest %s of %s/%s: the registry says its digest is %s, its "
                                   "content hashes to %s", reference, c->registry, c->path,
                     r.digest, m->digest);
    response_free(&r);
    return rc;
  }
  m->body = r.buf ? steal_ptr(&r.buf) : xstrdup("");
  m->len = r.len;
  m->media_type = r.content_type ? xstrndup(r.content_type, strcspn(r.content_type, "; "))
                                 : xstrdup("");
  response_free(&r);
  return 0;
}

void reg_manifest_free(struct reg_manifest *m) {
  free(m->body);
  free(m->media_type);
  memset(m, 0, sizeof *m);
}

struct blob_retry {
  struct img_store *s;
  struct img_blob_writer *w;
  const char *digest;
  int64_t size;
};

static int restart_blob(void *arg, tote_err **err) {
  struct blob_retry *b = arg;
  img_blob_abort(b->s, b->w);
  return img_blob_begin(b->s, b->digest, b->size, b->w, err);
}

int reg_get_blob(struct reg_client *c, const char *digest, int64_t size, struct img_store *s,
                 void (*on_bytes)(void *arg, uint64_t done), void *arg, tote_err **err) {
  struct img_blob_writer w;
  if (img_blob_begin(s, digest, size, &w, err) < 0)
    return -1;
  _cleanup_free_ char *what = xasprintf("blobs/%s", digest);
  struct blob_retry b = {s, &w, digest, size};
  struct response r = {.blob = &w, .restart = restart_blob, .restart_arg = &b,
                       .on_bytes = on_bytes, .bytes_arg = arg};
  int rc = request(c, what, NULL, &r, err);
  response_free(&r);
  if (rc < 0) {
    img_blob_abort(s, &w);
    return err_wrap(err, "downloading blob %s", digest);
  }
  return img_blob_commit(s, &w, err);
}

int reg_get_blob_url(struct reg_client *c, const char *url, const char *digest, int64_t size,
                     struct img_store *s, tote_err **err) {
  if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
    return err_set(err, 0, "blob %s: the url %s is not http or https", digest, url);
  struct img_blob_writer w;
  if (img_blob_begin(s, digest, size, &w, err) < 0)
    return -1;
  struct response r = {.blob = &w};
  CURLcode code;
  /* no Authorization: the registry's credentials are not the url's */
  int rc = get(c, url, NULL, NULL, NULL, &r, &code, err);
  if (rc == 0 && r.status != 200)
    rc = err_set(err, 0, "%s: HTTP %ld", url, r.status);
  response_free(&r);
  if (rc < 0) {
    img_blob_abort(s, &w);
    return err_wrap(err, "downloading blob %s", digest);
  }
  return img_blob_commit(s, &w, err);
}

int reg_ping(struct reg_client *c, tote_err **err) {
  struct response r = {.max = 1u << 20};
  int rc = request(c, "", NULL, &r, err);
  response_free(&r);
  return rc;
}
