/* registry.h - a client of the OCI distribution API (libcurl): manifests
 * and blobs of one repository, with the token and basic auth flows.
 *
 * HTTPS with the system's CA store by default.  An insecure registry
 * (--tls-verify=false, or a loopback one: localhost, 127.0.0.0/8, [::1])
 * is tried over HTTPS without verification first, then over plain HTTP, as
 * podman does.  A 401 answered with `WWW-Authenticate: Bearer realm=...,
 * service=...,scope=...` gets a token from the realm (anonymously, or with
 * the credentials given) and the request is retried with it; `Basic` uses
 * the credentials.  Redirects are followed (blobs come from CDNs).  A 5xx
 * answer or a broken connection is retried with backoff. */
#ifndef TOTE_IMAGE_REGISTRY_H
#define TOTE_IMAGE_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tote_err;
struct img_store;

struct reg_opts {
  bool tls_verify;        /* false: --tls-verify=false */
  const char *user, *pass; /* credentials, or NULL */
};

struct reg_client;

/* A client for registry (host[:port]) and repository path ("library/busybox";
 * "" for reg_ping alone). */
struct reg_client *reg_client_new(const char *registry, const char *path,
                                  const struct reg_opts *o);
/* Another client for the same repository, with what c learnt (scheme,
 * token): one per download running at the same time. */
struct reg_client *reg_client_clone(const struct reg_client *c);
void reg_client_free(struct reg_client *c);

/* The manifest of reference (a tag or a digest): the body, its media type
 * (Content-Type), and its digest (computed; checked against
 * Docker-Content-Digest when the registry sends one). */
struct reg_manifest {
  char *body;
  size_t len;
  char *media_type;
  char digest[72];
};
int reg_get_manifest(struct reg_client *c, const char *reference, struct reg_manifest *m,
                     struct tote_err **err);
void reg_manifest_free(struct reg_manifest *m);
/* The blob digest of size bytes (or -1) into the store, verified;
 * on_bytes (may be NULL) hears how many bytes are in, now and then. */
int reg_get_blob(struct reg_client *c, const char *digest, int64_t size, struct img_store *s,
                 void (*on_bytes)(void *arg, uint64_t done), void *arg, struct tote_err **err);

/* A blob from one of its descriptor's urls (a foreign or non-distributable
 * layer), verified, without the registry's credentials. */
int reg_get_blob_url(struct reg_client *c, const char *url, const char *digest, int64_t size,
                     struct img_store *s, struct tote_err **err);
/* The value of key="..." (or key=token) in a WWW-Authenticate challenge
 * ("Bearer realm=\"...\",service=\"...\""), malloc'd, or NULL. */
char *reg_challenge_param(const char *challenge, const char *key);
/* GET /v2/ with the auth flow: whether the credentials are good (login). */
int reg_ping(struct reg_client *c, struct tote_err **err);

#endif
