/* reference.h - image references, normalized as docker does:
 *
 *   busybox                   -> docker.io/library/busybox:latest
 *   user/app                  -> docker.io/user/app:latest
 *   host:5000/a/b:tag         -> host:5000/a/b:tag
 *   localhost/app             -> localhost/app:latest
 *   name@sha256:<64 hex>      -> docker.io/library/name@sha256:<hex> (no tag)
 *   name:tag@sha256:<64 hex>  -> both kept; the digest is what is pulled
 *
 * The first component is a registry host when it holds a '.' or a ':', or
 * is "localhost" (or has an upper-case letter: it cannot be a repository
 * name); index.docker.io is docker.io.  Repository path components are
 * lower-case [a-z0-9]+ joined by '.', '_', '__' or runs of '-', separated by
 * '/'; the whole name at most 255 characters; a tag is [A-Za-z0-9_][A-Za-z0-9_.-]{0,127};
 * a digest is sha256:<64 lower-case hex>.  A bare 64-hex string is refused
 * (it reads as an image id), and so is sha256:<64 hex>.  Errors show the accepted form.
 *
 * Details that follow docker: the 255 count is of the normalized name
 * ("busybox" counts as docker.io/library/busybox); a host keeps its case
 * ("Registry.Example.com/app" is not lower-cased); with no '/' a ':' starts a
 * tag, so "localhost:5000" is docker.io/library/localhost:5000. */
#ifndef TOTE_IMAGE_REFERENCE_H
#define TOTE_IMAGE_REFERENCE_H

struct tote_err;

struct img_ref {
  char *domain; /* "docker.io", "127.0.0.1:5000", "localhost" */
  char *path;   /* "library/busybox" */
  char *tag;    /* "latest" when neither tag nor digest was given; NULL with a digest alone */
  char *digest; /* "sha256:<64 hex>" or NULL */
};

/* Parse and normalize s.  On error *r is left zeroed. */
int img_ref_parse(const char *s, struct img_ref *r, struct tote_err **err);
void img_ref_free(struct img_ref *r);
/* "docker.io/library/busybox:latest", "...@sha256:...", "...:tag@sha256:..." */
char *img_ref_string(const struct img_ref *r);
/* "docker.io/library/busybox" */
char *img_ref_repo(const struct img_ref *r);
/* The host to talk to: "registry-1.docker.io" for docker.io, else domain. */
const char *img_ref_registry(const struct img_ref *r);

#endif
