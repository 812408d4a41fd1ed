/* test_psfilter.c - unit tests of tote ps --filter: the forms accepted,
 * and docker's rule (any of one key, all of the keys). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/psfilter.h"
#include "util/err.h"

static json_t *web(void) {
  return json_pack("{s:s, s:s, s:{s:s, s:s}}", "id", "abc123def", "name", "web-1", "labels",
                   "tier", "front", "flag", "");
}

#define MATCH(c, st, ...)                                                                     \
  eng_filter_match(c, st, (const char *const[]){__VA_ARGS__},                                 \
                   (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *)))

static void test_match(void **state) {
  (void)state;
  json_t *c = web();
  assert_true(eng_filter_match(c, "running", NULL, 0));
  assert_true(MATCH(c, "running", "status=running"));
  assert_false(MATCH(c, "running", "status=exited"));
  assert_true(MATCH(c, "running", "status=exited", "status=running"));
  assert_true(MATCH(c, "running", "name=eb-"));
  assert_false(MATCH(c, "running", "name=db"));
  assert_true(MATCH(c, "running", "id=abc"));
  assert_false(MATCH(c, "running", "id=bc"));
  assert_true(MATCH(c, "running", "label=tier"));
  assert_true(MATCH(c, "running", "label=tier=front"));
  assert_true(MATCH(c, "running", "label=flag="));
  assert_false(MATCH(c, "running", "label=tier=back"));
  assert_false(MATCH(c, "running", "label=nope"));
  /* different keys: all */
  assert_true(MATCH(c, "running", "status=running", "name=web", "label=tier=front"));
  assert_false(MATCH(c, "running", "status=running", "name=db"));
  json_decref(c);
}

static void test_check(void **state) {
  (void)state;
  assert_int_equal(eng_filter_check("status=paused", NULL), 0);
  assert_int_equal(eng_filter_check("label=a=b", NULL), 0);
  static const char *const bad[] = {"status", "status=", "status=up", "color=red", "=x",
                                    "names=x", NULL};
  for (const char *const *b = bad; *b; b++) {
    tote_err *e = NULL;
    assert_int_equal(eng_filter_check(*b, &e), -1);
    assert_non_null(strstr(e->msg, "--filter"));
    err_free(&e);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_match),
      cmocka_unit_test(test_check),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
