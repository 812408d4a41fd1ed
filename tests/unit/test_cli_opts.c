/* test_cli_opts.c - unit tests of the flag parser: long and short flags,
 * short ones combined as docker's users type them (-it, -uroot), and where
 * --help and -h ask for help. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli_opts.h"
#include "util/err.h"

static bool i_flag, t_flag, d_flag;
static const char *user, *host;
static const struct cli_opt opts[] = {
    {"interactive", 'i', OPT_BOOL, &i_flag, "", NULL},
    {"tty", 't', OPT_BOOL, &t_flag, "", NULL},
    {"detach", 'd', OPT_BOOL, &d_flag, "", NULL},
    {"user", 'u', OPT_STRING, &user, "", "U"},
    {"hostname", 'h', OPT_STRING, &host, "", "H"},
    {NULL},
};

static int parse(int argc, char **argv) {
  i_flag = t_flag = d_flag = false;
  user = host = NULL;
  return cli_parse(argc, argv, 1, opts, NULL);
}

static void test_combined(void **state) {
  (void)state;
  char *a1[] = {"run", "-it", "img", NULL};
  assert_int_equal(parse(3, a1), 2);
  assert_true(i_flag && t_flag && !d_flag);
  char *a2[] = {"run", "-dti", "-ubob", "img", NULL};
  assert_int_equal(parse(4, a2), 3);
  assert_true(i_flag && t_flag && d_flag);
  assert_string_equal(user, "bob");
  char *a3[] = {"run", "-du", "bob", "img", "-x", NULL};
  assert_int_equal(parse(5, a3), 3);
  assert_true(d_flag);
  assert_string_equal(user, "bob");
  char *a4[] = {"run", "-user=al", "--hostname", "h", "img", NULL}; /* one dash, as runc */
  assert_int_equal(parse(5, a4), 4);
  assert_string_equal(user, "al");
  assert_string_equal(host, "h");
  tote_err *e = NULL;
  char *bad[] = {"run", "-ix", "img", NULL};
  assert_int_equal(cli_parse(3, bad, 1, opts, &e), -1);
  assert_non_null(strstr(e->msg, "-x in -ix"));
  err_free(&e);
  char *last[] = {"run", "-iu", NULL};
  assert_int_equal(cli_parse(2, last, 1, opts, &e), -1);
  assert_non_null(strstr(e->msg, "-u needs a value"));
  err_free(&e);
}

static void test_help(void **state) {
  (void)state;
  static const struct cli_opt none[] = {{NULL}};
  char *a1[] = {"run", "--help", NULL};
  assert_true(cli_wants_help(2, a1, 1, opts));
  /* -h is the hostname here, and a help flag where nothing else is -h */
  char *a2[] = {"run", "-h", "box", "img", NULL};
  assert_false(cli_wants_help(4, a2, 1, opts));
  char *a3[] = {"ps", "-h", NULL};
  assert_true(cli_wants_help(2, a3, 1, none));
  /* after the first positional, flags are the container's */
  char *a4[] = {"run", "img", "ls", "--help", NULL};
  assert_false(cli_wants_help(4, a4, 1, opts));
  /* a flag's value is not a flag */
  char *a5[] = {"run", "-u", "--help", "img", NULL};
  assert_false(cli_wants_help(4, a5, 1, opts));
  char *a6[] = {"run", "--user=x", "-i", "--help", "img", NULL};
  assert_true(cli_wants_help(5, a6, 1, opts));
  char *a7[] = {"run", "--", "--help", NULL};
  assert_false(cli_wants_help(3, a7, 1, opts));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_combined),
      cmocka_unit_test(test_help),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
