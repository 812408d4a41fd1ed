/* test_userns.c - unit tests of the maps a user's namespace gets from the
 * text of /etc/subuid (or /etc/subgid). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/userns.h"
#include "runtime/config.h"

/* The maps as "inside:outside:size ..." for one-line comparisons. */
static char *maps_text(const char *file, const char *name, uid_t uid) {
  struct rt_idmap *m;
  size_t n;
  eng_subid_maps(file, name, uid, uid, &m, &n);
  static char out[4096];
  size_t len = 0;
  for (size_t i = 0; i < n; i++)
    len += (size_t)snprintf(out + len, sizeof out - len, "%s%u:%u:%u", i ? " " : "",
                            m[i].container_id, m[i].host_id, m[i].size);
  free(m);
  return out;
}

static void test_ranges(void **state) {
  (void)state;
  /* the user's own id first, then its ranges in order, by name or by uid */
  assert_string_equal(maps_text("alice:100000:65536\n", "alice", 1000),
                      "0:1000:1 1:100000:65536");
  assert_string_equal(maps_text("bob:200000:10\nalice:100000:65536\n1000:300000:5\n", "alice",
                                1000),
                      "0:1000:1 1:100000:65536 65537:300000:5");
  /* no newline at the end */
  assert_string_equal(maps_text("alice:7:3", "alice", 1000), "0:1000:1 1:7:3");
}

static void test_none(void **state) {
  (void)state;
  /* no file, nothing of the user's, and lines that are not name:start:count */
  assert_string_equal(maps_text(NULL, "alice", 1000), "0:1000:1");
  assert_string_equal(maps_text("", "alice", 1000), "0:1000:1");
  assert_string_equal(maps_text("bob:1:2\nalicia:1:2\nali:1:2\n10000:1:2\n", "alice", 1000),
                      "0:1000:1");
  assert_string_equal(maps_text("alice\nalice:1\nalice:x:2\nalice:1:y\nalice:1:0\n"
                                "alice:1:2:3\nalice:-1:2\nalice:4294967295:2\n",
                                "alice", 1000),
                      "0:1000:1");
  /* a user whose name is unknown is found by uid only */
  assert_string_equal(maps_text("1000:5:6\n", NULL, 1000), "0:1000:1 1:5:6");
}

static void test_limits(void **state) {
  (void)state;
  /* ids inside stay below 2^32 */
  assert_string_equal(maps_text("alice:1:4294967000\nalice:10:1000\n", "alice", 1000),
                      "0:1000:1 1:1:4294967000");
  /* at most 340 lines: the user's own and 339 ranges */
  char *big = calloc(400, 32);
  size_t len = 0;
  for (int i = 0; i < 400; i++)
    len += (size_t)sprintf(big + len, "alice:%d:1\n", 1000000 + i);
  struct rt_idmap *m;
  size_t n;
  eng_subid_maps(big, "alice", 1000, 1000, &m, &n);
  assert_int_equal(n, 340);
  assert_int_equal(m[339].container_id, 339);
  assert_int_equal(m[339].host_id, 1000338);
  free(m);
  free(big);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ranges),
      cmocka_unit_test(test_none),
      cmocka_unit_test(test_limits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
