/* oci_common.c - helpers shared by the verbs: argument checks, JSON output,
 * signal names (util/signame.h). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/oci.h"
#include "util/err.h"
#include "util/signame.h"

int oci_parse(const struct oci_cmd *cmd, int argc, char **argv, int want, tote_err **err) {
  int first = cli_parse(argc, argv, 1, cmd->opts, err);
  if (first < 0)
    return OCI_USAGE_ERROR;
  int have = argc - first;
  if ((want >= 0 && have != want) || (want < 0 && have < 1)) {
    err_set(err, 0, "%s takes %s (see tote-oci %s --help)", cmd->name, cmd->args, cmd->name);
    return OCI_USAGE_ERROR;
  }
  return first;
}

int oci_print_json(json_t *v, tote_err **err) {
  if (json_dumpf(v, stdout, JSON_INDENT(2)) < 0)
    return err_set(err, 0, "writing JSON output");
  fputc('\n', stdout);
  return 0;
}

int oci_parse_signal(const char *s) { return sig_parse(s); }
