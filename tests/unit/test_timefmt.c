/* test_timefmt.c - times as docker reads and shows them
 * (src/engine/timefmt.c): RFC 3339, durations, --since, the human
 * durations and the STATUS column of tote ps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/timefmt.h"

#define S ENG_NS_PER_SEC

static int64_t t(const char *s) {
  int64_t ns = 0;
  if (eng_parse_rfc3339(s, &ns) < 0)
    fail_msg("eng_parse_rfc3339(\"%s\") failed", s);
  return ns;
}

static void test_rfc3339(void **state) {
  (void)state;
  assert_int_equal(t("1970-01-01T00:00:00Z"), 0);
  assert_int_equal(t("2026-11-29T23:33:55Z"), 1795995235LL * S);
  assert_int_equal(t("2026-11-29T23:33:55.5Z"), 1795995235LL * S + S / 2);
  assert_int_equal(t("2026-11-29T23:33:55.123456789Z"), 1795995235LL * S + 123456789);
  assert_int_equal(t("2026-11-30T01:33:55+02:00"), 1795995235LL * S);
  assert_int_equal(t("2026-11-29"), 1795910400LL * S);
  assert_int_equal(t("2000-02-29T00:00:00Z"), 951782400LL * S);
  int64_t ns;
  const char *bad[] = {"", "2026-11-29T23:33Z", "2026-13-01", "2026-11-29T23:33:55",
                       "2026-11-29T23:33:55.Z", "yesterday", "2026-11-29T23:33:55Zx"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (eng_parse_rfc3339(bad[i], &ns) == 0)
      fail_msg("\"%s\" parsed", bad[i]);
}

static void test_duration(void **state) {
  (void)state;
  int64_t ns;
  struct {
    const char *in;
    int64_t want;
  } ok[] = {{"0", 0},           {"5s", 5 * S},       {"10m", 600 * S},
            {"1h30m", 5400 * S}, {"1.5h", 5400 * S},  {"300ms", 300000000},
            {"2us", 2000},      {"7ns", 7},          {"-1m", -60 * S}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    if (eng_parse_duration(ok[i].in, &ns) < 0 || ns != ok[i].want)
      fail_msg("eng_parse_duration(\"%s\")", ok[i].in);
  }
  const char *bad[] = {"", "5", "m", "5x", "1h 5m", "h1"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    if (eng_parse_duration(bad[i], &ns) == 0)
      fail_msg("\"%s\" parsed", bad[i]);
}

static void test_since(void **state) {
  (void)state;
  int64_t now = 1795995235LL * S, ns;
  assert_int_equal(eng_parse_since("10m", now, &ns), 0);
  assert_int_equal(ns, now - 600 * S);
  assert_int_equal(eng_parse_since("1700000000", now, &ns), 0);
  assert_int_equal(ns, 1700000000LL * S);
  assert_int_equal(eng_parse_since("1700000000.25", now, &ns), 0);
  assert_int_equal(ns, 1700000000LL * S + S / 4);
  assert_int_equal(eng_parse_since("2026-11-29T23:33:55Z", now, &ns), 0);
  assert_int_equal(ns, now);
  assert_int_equal(eng_parse_since("soon", now, &ns), -1);
}

static void human(int64_t secs, const char *want) {
  char buf[64];
  eng_human_duration(secs * S, buf, sizeof buf);
  if (strcmp(buf, want) != 0)
    fail_msg("%lld s: \"%s\", want \"%s\"", (long long)secs, buf, want);
}

static void test_human(void **state) {
  (void)state;
  human(0, "Less than a second");
  human(1, "1 second");
  human(59, "59 seconds");
  human(60, "About a minute");
  human(119, "About a minute");
  human(120, "2 minutes");
  human(3599, "59 minutes");
  human(3600, "About an hour");
  human(5399, "About an hour");
  human(5400, "2 hours");
  human(47 * 3600, "47 hours");
  human(48 * 3600, "2 days");
  human(14 * 86400, "2 weeks");
  human(60 * 86400, "2 months");
  human(730 * 86400, "2 years");
}

static void status(const char *json, const char *want) {
  json_t *c = json_loads(json, 0, NULL);
  assert_non_null(c);
  char buf[96];
  eng_ps_status(c, 1795995235LL * S, buf, sizeof buf);
  if (strcmp(buf, want) != 0)
    fail_msg("%s: \"%s\", want \"%s\"", json, buf, want);
  json_decref(c);
}

static void test_ps_status(void **state) {
  (void)state;
  status("{\"state\": \"running\", \"started\": \"2026-11-29T23:33:50Z\"}", "Up 5 seconds");
  status("{\"state\": \"running\", \"started\": \"2026-11-29T23:33:55.5Z\"}",
         "Up Less than a second");
  status("{\"state\": \"exited\", \"exit_code\": 3, \"finished\": \"2026-11-29T23:31:00Z\"}",
         "Exited (3) 2 minutes ago");
  status("{\"state\": \"exited\", \"exit_code\": 137, \"finished\": \"2026-11-29T22:33:55Z\"}",
         "Exited (137) About an hour ago");
  status("{\"state\": \"created\"}", "Created");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rfc3339), cmocka_unit_test(test_duration),
      cmocka_unit_test(test_since),   cmocka_unit_test(test_human),
      cmocka_unit_test(test_ps_status),
  };
  return cmocka_run_group_tests_name("timefmt", tests, NULL, NULL);
}
