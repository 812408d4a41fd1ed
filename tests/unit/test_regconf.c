/* test_regconf.c - unit tests of the registries configuration
 * (image/regconf.c) and of the auth file (image/auth.c): which registries
 * are insecure, malformed files refused by name; credentials stored,
 * found (also in docker's config.json), and removed. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "image/auth.h"
#include "image/regconf.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

static char dir[64];

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/tote-regconf-XXXXXX");
  assert_non_null(mkdtemp(dir));
  return 0;
}

static int teardown(void **state) {
  (void)state;
  remove_tree_at(AT_FDCWD, dir);
  unsetenv("TOTE_REGISTRIES_CONF");
  unsetenv("REGISTRY_AUTH_FILE");
  return 0;
}

static void write_conf(const char *name, const char *text) {
  char p[128];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  assert_int_equal(write_file_at(AT_FDCWD, p, text, strlen(text), 0600, NULL), 0);
}

static void test_insecure(void **state) {
  (void)state;
  char p[128];
  snprintf(p, sizeof p, "%s/registries.json", dir);
  setenv("TOTE_REGISTRIES_CONF", p, 1);
  tote_err *err = NULL;
  /* no file: nothing is insecure */
  assert_int_equal(img_registry_insecure("registry.lan:5000", &err), 0);
  write_conf("registries.json", "{\"insecure\": [\"registry.lan:5000\", \"10.0.0.5\"]}");
  assert_int_equal(img_registry_insecure("registry.lan:5000", &err), 1);
  assert_int_equal(img_registry_insecure("registry.lan:5001", &err), 0);
  assert_int_equal(img_registry_insecure("registry.lan", &err), 0);
  assert_int_equal(img_registry_insecure("10.0.0.5", &err), 1);
  assert_int_equal(img_registry_insecure("10.0.0.5:443", &err), 1);
  assert_int_equal(img_registry_insecure("10.0.0.50", &err), 0);
  assert_int_equal(img_registry_insecure("docker.io", &err), 0);
  write_conf("registries.json", "{\"insecure\": \"registry.lan\"}");
  assert_int_equal(img_registry_insecure("x", &err), -1);
  assert_non_null(strstr(err->msg, "\"insecure\" must be a list of registry names"));
  assert_non_null(strstr(err->msg, p));
  err_free(&err);
  write_conf("registries.json", "{\"insecure\": [5]}");
  assert_int_equal(img_registry_insecure("x", &err), -1);
  assert_non_null(strstr(err->msg, "insecure[0] is not a registry name"));
  err_free(&err);
  write_conf("registries.json", "{not json");
  assert_int_equal(img_registry_insecure("x", &err), -1);
  assert_non_null(strstr(err->msg, "{\"insecure\": [\"host:port\", ...]}"));
  err_free(&err);
}

static void test_auth_file(void **state) {
  (void)state;
  char p[128];
  snprintf(p, sizeof p, "%s/sub/auth.json", dir);
  setenv("REGISTRY_AUTH_FILE", p, 1);
  setenv("HOME", dir, 1);
  tote_err *err = NULL;
  char *user = NULL, *pass = NULL;
  assert_int_equal(img_auth_lookup("registry.lan:5000", &user, &pass, &err), 1);
  assert_int_equal(img_auth_store("registry.lan:5000", "alice", "s3:cret", &err), 0);
  struct stat st;
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, p, NULL, NULL);
  assert_non_null(strstr(text, "\"registry.lan:5000\""));
  assert_non_null(strstr(text, "\"YWxpY2U6czM6Y3JldA==\"")); /* base64("alice:s3:cret") */
  assert_int_equal(img_auth_lookup("registry.lan:5000", &user, &pass, &err), 0);
  assert_string_equal(user, "alice");
  assert_string_equal(pass, "s3:cret"); /* only the first ':' splits */
  free(user);
  free(pass);
  /* docker.io answers to its other names */
  assert_int_equal(img_auth_store("https://index.docker.io/v1/", "bob", "pw", &err), 0);
  assert_int_equal(img_auth_lookup("docker.io", &user, &pass, &err), 0);
  assert_string_equal(user, "bob");
  free(user);
  free(pass);
  assert_int_equal(img_auth_remove("registry.lan:5000", false, &err), 0);
  assert_int_equal(img_auth_remove("registry.lan:5000", false, &err), 1);
  assert_int_equal(img_auth_lookup("registry.lan:5000", &user, &pass, &err), 1);
  assert_int_equal(img_auth_remove(NULL, true, &err), 0);
  assert_int_equal(img_auth_lookup("docker.io", &user, &pass, &err), 1);
  /* docker's own file, when the auth file has nothing */
  char d[128];
  snprintf(d, sizeof d, "%s/.docker", dir);
  assert_int_equal(mkdir(d, 0700), 0);
  write_conf(".docker/config.json",
             "{\"auths\": {\"https://registry.lan:5000/v2/\": {\"auth\": \"Y2Fyb2w6eA==\"}}}");
  assert_int_equal(img_auth_lookup("registry.lan:5000", &user, &pass, &err), 0);
  assert_string_equal(user, "carol");
  assert_string_equal(pass, "x");
  free(user);
  free(pass);
  /* a broken entry is an error naming the file and the key */
  write_conf(".docker/config.json", "{\"auths\": {\"r.lan\": {\"auth\": \"!!\"}}}");
  assert_int_equal(img_auth_lookup("r.lan", &user, &pass, &err), -1);
  assert_non_null(strstr(err->msg, "auths[\"r.lan\"].auth is not base64 of user:password"));
  err_free(&err);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_insecure, setup, teardown),
      cmocka_unit_test_setup_teardown(test_auth_file, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
