/* test_hostconfig.c - unit tests of how tote run's flags become parts of
 * the OCI config (engine/hostconfig.h) and of --env-file (engine/envfile.h):
 * docker's forms accepted, and a bad value refused naming the flag. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/envfile.h"
#include "engine/hostconfig.h"
#include "util/err.h"
#include "util/xalloc.h"

/* json_dumps of j (compact, keys sorted), freed by the next call. */
static const char *dump(json_t *j) {
  static char *last;
  free(last);
  last = j ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS) : xstrdup("(null)");
  json_decref(j);
  return last;
}

/* The error of a failed parse, which must name what: freed by the next call. */
static void refused(json_t *j, tote_err *e, const char *what) {
  if (j != NULL)
    fail_msg("accepted, wanted an error naming %s: %s", what, dump(j));
  assert_non_null(e);
  if (strstr(e->msg, what) == NULL)
    fail_msg("the error \"%s\" does not name %s", e->msg, what);
  err_free(&e);
}

static void test_cpus(void **state) {
  (void)state;
  long long q;
  assert_int_equal(eng_parse_cpus("1.5", &q, NULL), 0);
  assert_int_equal(q, 150000);
  assert_int_equal(eng_parse_cpus("0.01", &q, NULL), 0);
  assert_int_equal(q, 1000);
  tote_err *e = NULL;
  static const char *const bad[] = {"", "x", "0", "-1", "0.001", "1.5x", "100000", NULL};
  for (const char *const *b = bad; *b; b++) {
    assert_int_equal(eng_parse_cpus(*b, &q, &e), -1);
    refused(NULL, e, "--cpus");
    e = NULL;
  }
}

static void test_ulimit(void **state) {
  (void)state;
  tote_err *e = NULL;
  assert_string_equal(dump(eng_parse_ulimit("nofile=1024:2048", NULL)),
                      "{\"hard\":2048,\"soft\":1024,\"type\":\"RLIMIT_NOFILE\"}");
  assert_string_equal(dump(eng_parse_ulimit("nproc=10", NULL)),
                      "{\"hard\":10,\"soft\":10,\"type\":\"RLIMIT_NPROC\"}");
  assert_string_equal(dump(eng_parse_ulimit("core=-1", NULL)),
                      "{\"hard\":-1,\"soft\":-1,\"type\":\"RLIMIT_CORE\"}");
  assert_string_equal(dump(eng_parse_ulimit("memlock=64:unlimited", NULL)),
                      "{\"hard\":-1,\"soft\":64,\"type\":\"RLIMIT_MEMLOCK\"}");
  static const char *const bad[] = {"nofile", "nofile=", "nofile=x", "nofile=2:1", "foo=1",
                                    "NOFILE=1", "nofile=1:2:3", "=1", NULL};
  for (const char *const *b = bad; *b; b++) {
    json_t *j = eng_parse_ulimit(*b, &e);
    refused(j, e, "--ulimit");
    e = NULL;
  }
}

static void test_volume(void **state) {
  (void)state;
  tote_err *e = NULL;
  assert_string_equal(dump(eng_parse_volume("/h:/c", NULL)),
                      "{\"destination\":\"/c\",\"options\":[\"rbind\",\"rprivate\"],"
                      "\"source\":\"/h\",\"type\":\"bind\"}");
  assert_string_equal(dump(eng_parse_volume("/h:/c:ro,rshared", NULL)),
                      "{\"destination\":\"/c\",\"options\":[\"rbind\",\"rshared\",\"ro\"],"
                      "\"source\":\"/h\",\"type\":\"bind\"}");
  assert_string_equal(dump(eng_parse_volume("/h:/c:ro,rw", NULL)),
                      "{\"destination\":\"/c\",\"options\":[\"rbind\",\"rprivate\"],"
                      "\"source\":\"/h\",\"type\":\"bind\"}");
  /* volumes: named, anonymous, nocopy; made later by eng_host_apply */
  assert_string_equal(dump(eng_parse_volume("data:/c:ro,nocopy", NULL)),
                      "{\"destination\":\"/c\",\"options\":[\"rbind\",\"rprivate\",\"ro\"],"
                      "\"source\":\"data\",\"type\":\"volume\",\"x-nocopy\":true}");
  assert_string_equal(dump(eng_parse_volume("/c", NULL)),
                      "{\"destination\":\"/c\",\"options\":[\"rbind\",\"rprivate\"],"
                      "\"source\":\"\",\"type\":\"volume\",\"x-nocopy\":false}");
  static const char *const bad[] = {"c",          "x:/c",        "rel/h:/c",    "/h:c",
                                    "/h:/c:bogus", "/h:/c:nocopy", "v1:/c:rshared", "v1:c",
                                    NULL};
  for (const char *const *b = bad; *b; b++) {
    json_t *j = eng_parse_volume(*b, &e);
    refused(j, e, "-v");
    e = NULL;
  }
}

static void test_mount_tmpfs(void **state) {
  (void)state;
  tote_err *e = NULL;
  assert_string_equal(dump(eng_parse_mount("type=bind,source=/,target=/c,readonly", NULL)),
                      "{\"destination\":\"/c\",\"options\":[\"rbind\",\"rprivate\",\"ro\"],"
                      "\"source\":\"/\",\"type\":\"bind\"}");
  assert_string_equal(dump(eng_parse_mount("type=bind,src=/,dst=/c,readonly=false,"
                                           "bind-propagation=rslave", NULL)),
                      "{\"destination\":\"/c\",\"options\":[\"rbind\",\"rslave\"],"
                      "\"source\":\"/\",\"type\":\"bind\"}");
  assert_string_equal(dump(eng_parse_mount("type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=700",
                                           NULL)),
                      "{\"destination\":\"/t\",\"options\":[\"noexec\",\"nosuid\",\"nodev\","
                      "\"size=1048576\",\"mode=700\"],\"source\":\"tmpfs\",\"type\":\"tmpfs\"}");
  assert_string_equal(dump(eng_parse_tmpfs("/run:size=64m,mode=1777", NULL)),
                      "{\"destination\":\"/run\",\"options\":[\"noexec\",\"nosuid\",\"nodev\","
                      "\"size=64m\",\"mode=1777\"],\"source\":\"tmpfs\",\"type\":\"tmpfs\"}");
  static const char *const bad[] = {"type=bind,target=/c",
                                    "type=bind,source=/,target=c",
                                    "type=bind,source=/nonexistent-path-x,target=/c",
                                    "type=bind,source=/,target=/c,bind-propagation=x",
                                    "type=tmpfs,target=/t,tmpfs-size=big",
                                    "type=tmpfs,target=/t,tmpfs-mode=9",
                                    "type=tmpfs,source=/,target=/t",
                                    "type=volume,source=v,target=/t",
                                    "type=volume,target=/t,tmpfs-size=1m",
                                    "type=nfs,target=/t",
                                    "target=/t",
                                    "type=bind,source=/,target=/c,color=red",
                                    "type=bind,source=/,target=/c,readonly=maybe",
                                    NULL};
  for (const char *const *b = bad; *b; b++) {
    json_t *j = eng_parse_mount(*b, &e);
    refused(j, e, "--mount");
    e = NULL;
  }
  json_t *j = eng_parse_tmpfs("rel", &e);
  refused(j, e, "--tmpfs");
}

static void test_caps(void **state) {
  (void)state;
  json_t *deflt = json_pack("[s, s, s]", "CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW");
  struct eng_list none = {0};
  const char *add1[] = {"net_admin", "CAP_SYS_TIME"}, *drop1[] = {"kill"};
  struct eng_list add = {add1, 2}, drop = {drop1, 1};
  assert_string_equal(dump(eng_caps(deflt, &add, &drop, NULL)),
                      "[\"CAP_CHOWN\",\"CAP_NET_RAW\",\"CAP_NET_ADMIN\",\"CAP_SYS_TIME\"]");
  /* drop ALL, then add back */
  const char *all[] = {"ALL"}, *add2[] = {"CHOWN"};
  struct eng_list dall = {all, 1}, a2 = {add2, 1};
  assert_string_equal(dump(eng_caps(deflt, &a2, &dall, NULL)), "[\"CAP_CHOWN\"]");
  assert_string_equal(dump(eng_caps(deflt, &none, &none, NULL)),
                      "[\"CAP_CHOWN\",\"CAP_KILL\",\"CAP_NET_RAW\"]");
  /* add ALL, minus what is dropped */
  struct eng_list aall = {all, 1};
  json_t *every = eng_caps(deflt, &aall, &drop, NULL);
  assert_true(json_array_size(every) > 3);
  for (size_t i = 0; i < json_array_size(every); i++)
    assert_string_not_equal(json_string_value(json_array_get(every, i)), "CAP_KILL");
  json_decref(every);
  tote_err *e = NULL;
  const char *bad[] = {"CAP_NOPE"};
  struct eng_list b = {bad, 1};
  json_t *j = eng_caps(deflt, &b, &none, &e);
  refused(j, e, "--cap-add CAP_NOPE");
  e = NULL;
  j = eng_caps(deflt, &none, &b, &e);
  refused(j, e, "--cap-drop CAP_NOPE");
  json_decref(deflt);
}

static void test_env_file(void **state) {
  (void)state;
  char **v = NULL;
  size_t n = 0;
  assert_int_equal(eng_env_text("# comment\nA=1\n\n  B=two words \nC\nD=\"q\"\nE==x", "f", &v,
                                &n, NULL),
                   0);
  assert_int_equal(n, 5);
  assert_string_equal(v[0], "A=1");
  assert_string_equal(v[1], "B=two words ");
  assert_string_equal(v[2], "C");
  assert_string_equal(v[3], "D=\"q\"");
  assert_string_equal(v[4], "E==x");
  assert_null(v[5]);
  strv_free(v);
  v = NULL;
  n = 0;
  tote_err *e = NULL;
  assert_int_equal(eng_env_text("A=1\nMY VAR=2\n", "env.list", &v, &n, &e), -1);
  assert_non_null(strstr(e->msg, "env.list:2"));
  err_free(&e);
  assert_int_equal(eng_env_text("=x\n", "env.list", &v, &n, &e), -1);
  assert_non_null(strstr(e->msg, "env.list:1"));
  err_free(&e);
  strv_free(v);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_cpus),        cmocka_unit_test(test_ulimit),
      cmocka_unit_test(test_volume),      cmocka_unit_test(test_mount_tmpfs),
      cmocka_unit_test(test_caps),        cmocka_unit_test(test_env_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
