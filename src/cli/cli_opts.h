/* cli_opts.h - command-line flags parsed from a table.
 *
 * Long flags take one or two dashes ("--bundle B", "-bundle B",
 * "--bundle=B"), as runc accepts; short flags are single letters ("-b B").
 * Short boolean flags combine ("-it"); a short flag that takes a value may
 * carry it ("-uroot").  Parsing stops at the first argument that is not a
 * flag, or after "--". */
#ifndef TOTE_CLI_OPTS_H
#define TOTE_CLI_OPTS_H

#include <stdbool.h>

struct tote_err;

enum opt_type { OPT_BOOL, OPT_STRING, OPT_INT, OPT_STRING_LIST };

struct cli_opt {
  const char *name; /* long name without dashes */
  char short_name;  /* 0 if none */
  enum opt_type type;
  void *target;     /* bool*, const char**, int*, or struct strlist* */
  const char *help;
  const char *arg;  /* argument name in help, e.g. "DIR" */
};

struct strlist {
  const char **items;
  int n;
};

/* Returns the index of the first positional argument, or -1 on error
 * (unknown flag, missing value). */
int cli_parse(int argc, char **argv, int first, const struct cli_opt *opts,
              struct tote_err **err);
/* Whether the flags before the first positional argument ask for help:
 * --help, or -h where opts gives -h no other meaning (tote run -h is the
 * hostname, as docker's). */
bool cli_wants_help(int argc, char **argv, int first, const struct cli_opt *opts);
void cli_print_opts(const struct cli_opt *opts);
void strlist_free(struct strlist *l);

#endif
