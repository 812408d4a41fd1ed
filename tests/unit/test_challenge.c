/* test_challenge.c - unit tests of the WWW-Authenticate parameter parser
 * (image/registry.c): Docker Hub's challenge, quoting, escapes, and keys
 * inside quoted values that must not be taken for parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "image/registry.h"

static void is(const char *challenge, const char *key, const char *want) {
  char *got = reg_challenge_param(challenge, key);
  if ((got == NULL) != (want == NULL) || (got && strcmp(got, want) != 0))
    fail_msg("%s in [%s]: got %s, want %s", key, challenge, got ? got : "NULL",
             want ? want : "NULL");
  free(got);
}

static void test_challenges(void **state) {
  (void)state;
  const char *hub = "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                    "scope=\"repository:library/busybox:pull\"";
  is(hub, "realm", "https://auth.docker.io/token");
  is(hub, "service", "registry.docker.io");
  is(hub, "scope", "repository:library/busybox:pull");
  is(hub, "error", NULL);
  /* a key inside a quoted value is part of that value */
  is("Bearer service=\"a,realm=evil\",realm=\"good\"", "realm", "good");
  is("Bearer scope=\"x realm=evil\"", "realm", NULL);
  /* tokens, spaces after commas, case of keys, escapes */
  is("Bearer realm=tok, scope=x", "scope", "x");
  is("Bearer Realm=\"r\"", "realm", "r");
  is("Bearer realm=\"a\\\"b\"", "realm", "a\"b");
  /* unterminated, empty, no parameters */
  is("Bearer realm=\"open", "realm", NULL);
  is("Bearer realm=\"\"", "realm", "");
  is("Basic", "realm", NULL);
  is("", "realm", NULL);
  /* the scheme is not a parameter */
  is("realm=\"x\"", "realm", NULL);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_challenges)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
