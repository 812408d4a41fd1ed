/* test_reference.c - unit tests of image references: docker's normalization
 * of good names, and the one-line messages that refuse bad ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/reference.h"
#include "util/err.h"
#include "util/xalloc.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DIGEST "sha256:" HEX

/* A NULL want means the field must be NULL. */
static void field_is(const char *in, const char *field, const char *got, const char *want) {
  if (want == NULL && got == NULL)
    return;
  if (want == NULL || got == NULL || strcmp(got, want) != 0)
    fail_msg("\"%s\": %s is \"%s\", wanted \"%s\"", in, field, got ? got : "(null)",
             want ? want : "(null)");
}

static void test_good(void **state) {
  (void)state;
  static const struct {
    const char *in, *domain, *path, *tag, *digest, *string;
  } good[] = {
      {"busybox", "docker.io", "library/busybox", "latest", NULL,
       "docker.io/library/busybox:latest"},
      {"library/busybox", "docker.io", "library/busybox", "latest", NULL,
       "docker.io/library/busybox:latest"},
      {"user/app", "docker.io", "user/app", "latest", NULL, "docker.io/user/app:latest"},
      {"user/app:v1", "docker.io", "user/app", "v1", NULL, "docker.io/user/app:v1"},
      {"docker.io/busybox", "docker.io", "library/busybox", "latest", NULL,
       "docker.io/library/busybox:latest"},
      {"docker.io/library/busybox:1.36", "docker.io", "library/busybox", "1.36", NULL,
       "docker.io/library/busybox:1.36"},
      {"index.docker.io/library/busybox", "docker.io", "library/busybox", "latest", NULL,
       "docker.io/library/busybox:latest"},
      {"index.docker.io/busybox", "docker.io", "library/busybox", "latest", NULL,
       "docker.io/library/busybox:latest"},
      {"localhost/app", "localhost", "app", "latest", NULL, "localhost/app:latest"},
      {"localhost:5000/a/b:tag", "localhost:5000", "a/b", "tag", NULL, "localhost:5000/a/b:tag"},
      {"127.0.0.1:5000/test/busybox:latest", "127.0.0.1:5000", "test/busybox", "latest", NULL,
       "127.0.0.1:5000/test/busybox:latest"},
      {"registry.example.com:5000/team/app@" DIGEST, "registry.example.com:5000", "team/app", NULL,
       DIGEST, "registry.example.com:5000/team/app@" DIGEST},
      {"name@" DIGEST, "docker.io", "library/name", NULL, DIGEST,
       "docker.io/library/name@" DIGEST},
      {"name:tag@" DIGEST, "docker.io", "library/name", "tag", DIGEST,
       "docker.io/library/name:tag@" DIGEST},
      {"a.b.c/x/y/z", "a.b.c", "x/y/z", "latest", NULL, "a.b.c/x/y/z:latest"},
      {"my.app", "docker.io", "library/my.app", "latest", NULL, "docker.io/library/my.app:latest"},
      {"my_app", "docker.io", "library/my_app", "latest", NULL, "docker.io/library/my_app:latest"},
      {"my__app", "docker.io", "library/my__app", "latest", NULL,
       "docker.io/library/my__app:latest"},
      {"my---app", "docker.io", "library/my---app", "latest", NULL,
       "docker.io/library/my---app:latest"},
      {"a1-b2_c__d/e3.f--g", "docker.io", "a1-b2_c__d/e3.f--g", "latest", NULL,
       "docker.io/a1-b2_c__d/e3.f--g:latest"},
      {"[::1]:5000/app", "[::1]:5000", "app", "latest", NULL, "[::1]:5000/app:latest"},
      {"[2001:db8::1]/team/app:v2", "[2001:db8::1]", "team/app", "v2", NULL,
       "[2001:db8::1]/team/app:v2"},
      /* an upper-case first component is a host (it cannot be a repository) */
      {"UPPER/case", "UPPER", "case", "latest", NULL, "UPPER/case:latest"},
      {"Registry.Example.com/app", "Registry.Example.com", "app", "latest", NULL,
       "Registry.Example.com/app:latest"},
      /* no '/': the ':' starts a tag, as in docker */
      {"localhost:5000", "docker.io", "library/localhost", "5000", NULL,
       "docker.io/library/localhost:5000"},
      {"localhost", "docker.io", "library/localhost", "latest", NULL,
       "docker.io/library/localhost:latest"},
      {"host-1.example.com/x", "host-1.example.com", "x", "latest", NULL,
       "host-1.example.com/x:latest"},
      {"quay.io/coreos/etcd:v3.5.0-rc.1_x", "quay.io", "coreos/etcd", "v3.5.0-rc.1_x", NULL,
       "quay.io/coreos/etcd:v3.5.0-rc.1_x"},
      {"busybox:_", "docker.io", "library/busybox", "_", NULL, "docker.io/library/busybox:_"},
      {"busybox:UPPER.Tag-1", "docker.io", "library/busybox", "UPPER.Tag-1", NULL,
       "docker.io/library/busybox:UPPER.Tag-1"},
      /* 12 hex digits, a short image id, are also a fine name */
      {"0123456789ab", "docker.io", "library/0123456789ab", "latest", NULL,
       "docker.io/library/0123456789ab:latest"},
      {"ghcr.io/a/b/c/d/e:1", "ghcr.io", "a/b/c/d/e", "1", NULL, "ghcr.io/a/b/c/d/e:1"},
      {"docker.io/user/app@" DIGEST, "docker.io", "user/app", NULL, DIGEST,
       "docker.io/user/app@" DIGEST},
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    const char *in = good[i].in;
    struct img_ref r;
    tote_err *err = NULL;
    if (img_ref_parse(in, &r, &err) < 0)
      fail_msg("\"%s\": %s", in, err->msg);
    field_is(in, "domain", r.domain, good[i].domain);
    field_is(in, "path", r.path, good[i].path);
    field_is(in, "tag", r.tag, good[i].tag);
    field_is(in, "digest", r.digest, good[i].digest);
    char *s = img_ref_string(&r);
    field_is(in, "string", s, good[i].string);
    /* the normalized string is a fixed point */
    struct img_ref again;
    if (img_ref_parse(s, &again, &err) < 0)
      fail_msg("\"%s\": %s", s, err->msg);
    char *s2 = img_ref_string(&again);
    field_is(s, "string", s2, s);
    free(s2);
    img_ref_free(&again);
    free(s);
    img_ref_free(&r);
    img_ref_free(&r); /* freeing zeroes: a second free is harmless */
  }
}

static void test_bad(void **state) {
  (void)state;
  char long_tag[140], long_name[300], host_name[300];
  snprintf(long_tag, sizeof long_tag, "busybox:%0129d", 0);
  /* "docker.io/library/" (18) + 238 = 256: one over */
  memset(long_name, 'a', 238);
  long_name[238] = '\0';
  /* a given host counts too: "h.io/" (5) + 251 = 256 */
  strcpy(host_name, "h.io/");
  memset(host_name + 5, 'a', 251);
  host_name[5 + 251] = '\0';
  static const char *const upper_hex =
      "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF";
  const struct {
    const char *in, *msg;
  } bad[] = {
      {"", "the reference is empty"},
      {"Foo", "repository names must be lower-case"},
      {"foo/Bar", "repository names must be lower-case"},
      {"UPPER/Case", "repository names must be lower-case"},
      {"Foo/Bar",
       "invalid image reference \"Foo/Bar\": repository names must be lower-case "
       "(NAME[:TAG][@sha256:DIGEST], e.g. docker.io/library/busybox:latest)"},
      {"localhost/App", "repository names must be lower-case"},
      {upper_hex, "repository names must be lower-case"},
      {"a//b", "the path has an empty component"},
      {"/a", "the path has an empty component"},
      {"a/", "the path has an empty component"},
      {":tag", "the repository name is empty"},
      {"@" DIGEST, "the repository name is empty"},
      {"name:", "the tag after ':' is empty"},
      {"name@", "the digest after '@' is empty"},
      {"name@sha256:short", "the sha256 digest has 5 characters, not 64"},
      {"name@sha256:" "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
       "the sha256 digest holds characters other than 0-9 and a-f"},
      {"name@md5:d41d8cd98f00b204e9800998ecf8427e",
       "digest algorithm \"md5\" is not supported, only sha256 is"},
      {"name@sha512:" HEX HEX, "only sha256 is"},
      {"name@" HEX, "lacks its \"sha256:\" algorithm"},
      {"name@" DIGEST "@" DIGEST, "more than one '@'"},
      {"name:bad tag", "tag \"bad tag\" holds ' ', which a tag cannot"},
      {"name:-tag", "tag \"-tag\" must begin with a letter, digit or '_'"},
      {"name:.tag", "must begin with a letter, digit or '_'"},
      {long_tag, "the tag is 129 characters long, at most 128 are allowed"},
      {HEX, "this is an image id, not an image name"},
      {DIGEST, "this is an image id, not an image name"},
      {"a..b", "path component \"a..b\" joins with \"..\""},
      {"a._b", "joins with \"._\""},
      {"a___b", "joins with \"___\""},
      {"x/a-_b", "joins with \"-_\""},
      {"-a", "path component \"-a\" must begin and end with a letter or digit"},
      {"a-", "path component \"a-\" must begin and end with a letter or digit"},
      {"a_", "must begin and end with a letter or digit"},
      {"user/.app", "must begin and end with a letter or digit"},
      {"name@" DIGEST ":tag", "a tag must come before the digest, not after it"},
      {long_name, "the repository name is 256 characters long counting \"docker.io/library/\", "
                  "at most 255 are allowed"},
      {host_name, "the repository name is 256 characters long counting \"h.io/\""},
      {"localhost:5000/", "the repository path after \"localhost:5000/\" is empty"},
      {"example.com/", "the repository path after \"example.com/\" is empty"},
      {"a b", "path component \"a b\" holds ' '"},
      {"a\nb", "path component \"a\\x0ab\" holds '\\x0a'"},
      {"user/a$b", "holds '$', which a repository name cannot"},
      {"user/app:tag:more", "path component \"app:tag\" holds ':'"},
      {"-host.com/app", "registry host \"-host.com\" is not a valid host name"},
      {"host-.com/app", "registry host \"host-.com\" is not a valid host name"},
      {"a..com/app", "registry host \"a..com\" is not a valid host name"},
      {"my_host.com/app", "registry host \"my_host.com\" is not a valid host name"},
      {"host.com:/app", "\":\" after the registry host is not a :PORT of digits"},
      {"host.com:50x0/app", "\":50x0\" after the registry host is not a :PORT of digits"},
      {"host.com:1:2/app", "\":1:2\" after the registry host"},
      {":5000/app", "the registry host before ':' is empty"},
      {"[::1/app", "registry host \"[::1\" is not a bracketed IPv6 address"},
      {"[zz::1]:5000/app", "registry host \"[zz::1]\" is not a bracketed IPv6 address"},
      {"[]:5000/app", "registry host \"[]\" is not a bracketed IPv6 address"},
      {"[::1]x/app", "\"x\" after the registry host is not a :PORT of digits"},
      {"a\"b", "path component \"a\\\"b\" holds '\\\"'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct img_ref r = {(char *)"x", NULL, NULL, NULL};
    tote_err *err = NULL;
    if (img_ref_parse(bad[i].in, &r, &err) == 0)
      fail_msg("accepted \"%s\"", bad[i].in);
    if (strstr(err->msg, bad[i].msg) == NULL)
      fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].in, err->msg, bad[i].msg);
    /* one line, the project's form, and *r left zeroed */
    if (strchr(err->msg, '\n') != NULL)
      fail_msg("\"%s\": message is not one line: %s", bad[i].in, err->msg);
    if (strncmp(err->msg, "invalid image reference \"", 25) != 0 ||
        err->msg[strlen(err->msg) - 1] != ')')
      fail_msg("\"%s\": message out of form: %s", bad[i].in, err->msg);
    assert_null(r.domain);
    assert_null(r.path);
    assert_null(r.tag);
    assert_null(r.digest);
    err_free(&err);
  }
}

/* The longest names that still fit, on both sides of the 255 limit. */
static void test_lengths(void **state) {
  (void)state;
  char name[300];
  memset(name, 'a', 237);
  name[237] = '\0';
  struct img_ref r;
  tote_err *err = NULL;
  if (img_ref_parse(name, &r, &err) < 0)
    fail_msg("237-character name: %s", err->msg);
  char *repo = img_ref_repo(&r);
  assert_int_equal(strlen(repo), 255);
  free(repo);
  img_ref_free(&r);

  char tag[200];
  snprintf(tag, sizeof tag, "busybox:%0128d", 0);
  if (img_ref_parse(tag, &r, &err) < 0)
    fail_msg("128-character tag: %s", err->msg);
  assert_int_equal(strlen(r.tag), 128);
  img_ref_free(&r);

  /* a megabyte of garbage: the message shows the start of it, not all */
  size_t big = 1 << 20;
  char *junk = xmalloc(big + 1);
  memset(junk, 'A', big);
  junk[big] = '\0';
  assert_int_equal(img_ref_parse(junk, &r, &err), -1);
  assert_true(strlen(err->msg) < 1024);
  assert_non_null(strstr(err->msg, "AAA...\": repository names must be lower-case"));
  err_free(&err);
  free(junk);
}

static void test_repo_and_registry(void **state) {
  (void)state;
  static const struct {
    const char *in, *repo, *registry;
  } cases[] = {
      {"busybox", "docker.io/library/busybox", "registry-1.docker.io"},
      {"index.docker.io/user/app:v1", "docker.io/user/app", "registry-1.docker.io"},
      {"name:tag@" DIGEST, "docker.io/library/name", "registry-1.docker.io"},
      {"localhost:5000/a/b:tag", "localhost:5000/a/b", "localhost:5000"},
      {"quay.io/coreos/etcd", "quay.io/coreos/etcd", "quay.io"},
      {"[::1]:5000/app", "[::1]:5000/app", "[::1]:5000"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    struct img_ref r;
    tote_err *err = NULL;
    if (img_ref_parse(cases[i].in, &r, &err) < 0)
      fail_msg("\"%s\": %s", cases[i].in, err->msg);
    char *repo = img_ref_repo(&r);
    field_is(cases[i].in, "repo", repo, cases[i].repo);
    field_is(cases[i].in, "registry", img_ref_registry(&r), cases[i].registry);
    free(repo);
    img_ref_free(&r);
  }
}

/* Callers that only want a yes or no may pass no error at all. */
static void test_null_err(void **state) {
  (void)state;
  struct img_ref r;
  assert_int_equal(img_ref_parse("Bad", &r, NULL), -1);
  assert_int_equal(img_ref_parse(NULL, &r, NULL), -1);
  assert_null(r.domain);
  assert_int_equal(img_ref_parse("ok", &r, NULL), 0);
  img_ref_free(&r);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_good),
      cmocka_unit_test(test_bad),
      cmocka_unit_test(test_lengths),
      cmocka_unit_test(test_repo_and_registry),
      cmocka_unit_test(test_null_err),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
