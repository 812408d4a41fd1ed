/* reference_fuzzer.c - libFuzzer entry point for image references.
 *
 * Each input, up to its first NUL, goes to img_ref_parse().  Besides
 * ASan/UBSan/LeakSanitizer findings, it aborts when the result breaks what
 * reference.h promises:
 *   - success: no error; domain and path non-empty, a tag or a digest (a
 *     valid sha256 one), a tag of at most 128 characters, a lower-case path,
 *     never index.docker.io, a normalized name of at most 255 characters;
 *     and img_ref_string() is a fixed point: it parses again, to the same
 *     fields and the same string (the store's index.json names images by
 *     that string, so a drift would lose them);
 *   - failure: an error of one line in the documented form, *r zeroed.
 *
 * Build: make fuzz.  Run: tests/fuzz/run.sh [SECONDS]. */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image/digest.h"
#include "image/reference.h"
#include "util/err.h"

#define FUZZER "reference_fuzzer"
#include "report.h"


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer's -close_fd_mask=2 closes stderr after this runs; keep a copy
 * for the invariant messages. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  report_init();
  return 0;
}

static bool same(const char *a, const char *b) {
  return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void check_fields(const struct img_ref *r, const char *in) {
  if (r->domain == NULL || r->domain[0] == '\0')
    broken("\"%s\": empty domain", in);
  if (r->path == NULL || r->path[0] == '\0')
    broken("\"%s\": empty path", in);
  if (r->tag == NULL && r->digest == NULL)
    broken("\"%s\": neither tag nor digest", in);
  if (r->digest != NULL && !img_digest_valid(r->digest))
    broken("\"%s\": digest %s is not sha256:<64 hex>", in, r->digest);
  if (r->tag != NULL && (r->tag[0] == '\0' || strlen(r->tag) > 128))
    broken("\"%s\": tag of %zu characters", in, strlen(r->tag));
  if (strcmp(r->domain, "index.docker.io") == 0)
    broken("\"%s\": index.docker.io not normalized to docker.io", in);
  for (const char *p = r->path; *p; p++)
    if (*p >= 'A' && *p <= 'Z')
      broken("\"%s\": upper case in path %s", in, r->path);
  if (strlen(r->domain) + 1 + strlen(r->path) > 255)
    broken("\"%s\": normalized name longer than 255", in);
  if (strcmp(r->domain, "docker.io") == 0 && strchr(r->path, '/') == NULL)
    broken("\"%s\": docker.io/%s lacks library/", in, r->path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *in = malloc(size + 1);
  if (in == NULL)
    return 0;
  memcpy(in, data, size);
  in[size] = '\0';

  struct img_ref r;
  tote_err *err = NULL;
  int rc = img_ref_parse(in, &r, &err);
  if (rc < 0) {
    if (rc != -1 || err == NULL || err->msg == NULL)
      broken("\"%s\": failed (%d) without an error", in, rc);
    if (strncmp(err->msg, "invalid image reference \"", 25) != 0 ||
        err->msg[strlen(err->msg) - 1] != ')')
      broken("message out of form: %s", err->msg);
    if (strchr(err->msg, '\n') != NULL)
      broken("message is not one line: %s", err->msg);
    if (r.domain || r.path || r.tag || r.digest)
      broken("\"%s\": refused but *r not zeroed", in);
    err_free(&err);
    free(in);
    return 0;
  }
  if (rc != 0 || err != NULL)
    broken("\"%s\": returned %d with error %s", in, rc, err ? err->msg : "(none)");
  check_fields(&r, in);

  char *s = img_ref_string(&r);
  struct img_ref again;
  if (img_ref_parse(s, &again, &err) != 0)
    broken("\"%s\" normalizes to \"%s\", which is refused: %s", in, s, err ? err->msg : "?");
  check_fields(&again, s);
  char *s2 = img_ref_string(&again);
  if (strcmp(s, s2) != 0)
    broken("\"%s\" -> \"%s\" -> \"%s\": not a fixed point", in, s, s2);
  if (!same(r.domain, again.domain) || !same(r.path, again.path) || !same(r.tag, again.tag) ||
      !same(r.digest, again.digest))
    broken("\"%s\" -> \"%s\": the fields change when parsed again", in, s);

  char *repo = img_ref_repo(&r);
  if (strncmp(s, repo, strlen(repo)) != 0)
    broken("repo %s is not a prefix of %s", repo, s);
  const char *reg = img_ref_registry(&r);
  if (reg == NULL || reg[0] == '\0')
    broken("\"%s\": no registry host", s);

  free(repo);
  free(s2);
  free(s);
  img_ref_free(&again);
  img_ref_free(&r);
  free(in);
  return 0;
}
