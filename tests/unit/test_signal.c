/* test_signal.c - unit tests of oci_parse_signal (src/cli/oci_common.c).
 *
 * oci_common.c belongs to tote-oci, not to libtote.a, so it is compiled
 * into this test by #including it, with cli_opts.c for the cli_parse() that
 * its oci_parse() calls (both need only libtote.a).  It is a test of its
 * own rather than part of test_config so that CLI changes cannot break the
 * config tests' build. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cli/cli_opts.c"
#include "cli/oci_common.c"

struct sig_case {
  const char *in;
  int want; /* -1: unknown */
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void check(const struct sig_case *c, size_t n) {
  for (size_t i = 0; i < n; i++) {
    int got = oci_parse_signal(c[i].in);
    if (got != c[i].want)
      fail_msg("oci_parse_signal(\"%s\") = %d, want %d", c[i].in, got, c[i].want);
  }
}

static void test_names(void **state) {
  (void)state;
  const struct sig_case cases[] = {
      {"KILL", SIGKILL},     {"SIGKILL", SIGKILL}, {"kill", SIGKILL},     {"sigkill", SIGKILL},
      {"SigTerm", SIGTERM},  {"TERM", SIGTERM},    {"HUP", SIGHUP},       {"SIGINT", SIGINT},
      {"QUIT", SIGQUIT},     {"USR1", SIGUSR1},    {"SIGUSR2", SIGUSR2},  {"CHLD", SIGCHLD},
      {"CONT", SIGCONT},     {"STOP", SIGSTOP},    {"TSTP", SIGTSTP},     {"WINCH", SIGWINCH},
      {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},    {"SEGV", SIGSEGV},     {"ABRT", SIGABRT},
      {"IOT", SIGABRT},      {"IO", SIGIO},        {"POLL", SIGIO},       {"PWR", SIGPWR},
      {"SYS", SIGSYS},       {"STKFLT", SIGSTKFLT}, {"XCPU", SIGXCPU},    {"XFSZ", SIGXFSZ},
      {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},    {"URG", SIGURG},       {"TTIN", SIGTTIN},
      {"TTOU", SIGTTOU},     {"TRAP", SIGTRAP},    {"BUS", SIGBUS},       {"FPE", SIGFPE},
      {"ILL", SIGILL},
  };
  check(cases, N(cases));
}

static void test_numbers(void **state) {
  (void)state;
  const struct sig_case cases[] = {
      {"9", SIGKILL}, {"15", SIGTERM}, {"1", 1},   {"64", 64}, {"0", -1},
      {"-9", -1},     {"65", -1},      {"99999999999999999999", -1},
  };
  check(cases, N(cases));
}

static void test_realtime(void **state) {
  (void)state;
  int min = SIGRTMIN, max = SIGRTMAX;
  const struct sig_case cases[] = {
      {"RTMIN", min},          {"SIGRTMIN", min},        {"RTMIN+1", min + 1},
      {"SIGRTMIN+3", min + 3}, {"sigrtmin+2", min + 2},  {"RTMAX", max},
      {"SIGRTMAX-1", max - 1}, {"RTMAX-2", max - 2},     {"RTMIN+0", min},
      {"RTMIN-1", -1},         {"RTMAX+1", -1},          {"RTMIN+", -1},
      {"RTMIN+x", -1},         {"RTMIN+1x", -1},         {"RTMAX-99", -1},
  };
  check(cases, N(cases));
  /* The highest offset that stays in range. */
  char *s = xasprintf("RTMIN+%d", max - min);
  assert_int_equal(oci_parse_signal(s), max);
  free(s);
  s = xasprintf("RTMIN+%d", max - min + 1);
  assert_int_equal(oci_parse_signal(s), -1);
  free(s);
}

/* Offsets that do not fit in an int must be refused, not wrapped:
 * "(int)off" turns 4294967299 into 3. */
static void test_realtime_wrap(void **state) {
  (void)state;
  const struct sig_case cases[] = {
      {"RTMIN+4294967299", -1},
      {"RTMAX-4294967298", -1},
      {"RTMIN+99999999999999999999", -1},
  };
  check(cases, N(cases));
}

/* SIGRTMIN + 2147483647 overflows an int: undefined behaviour, which the
 * asan build (UBSan, no recovery) turns into an abort - so this runs last. */
static void test_realtime_int_overflow(void **state) {
  (void)state;
  const struct sig_case cases[] = {
      {"RTMIN+2147483647", -1},
      {"RTMAX+2147483647", -1},
  };
  check(cases, N(cases));
}

static void test_unknown(void **state) {
  (void)state;
  const struct sig_case cases[] = {
      {"", -1},        {"SIG", -1},     {"FOO", -1},     {"SIGFOO", -1},   {"KILLX", -1},
      {"SIGSIGKILL", -1}, {"9x", -1},   {"x9", -1},      {"RT", -1},       {"CLD", -1},
  };
  check(cases, N(cases));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names),    cmocka_unit_test(test_numbers),
      cmocka_unit_test(test_realtime), cmocka_unit_test(test_unknown),
      cmocka_unit_test(test_realtime_wrap), cmocka_unit_test(test_realtime_int_overflow),
  };
  return cmocka_run_group_tests_name("oci_parse_signal", tests, NULL, NULL);
}
