/* oci.h - the verbs of tote-oci, one file each, dispatched from oci_main.c. */
#ifndef TOTE_CLI_OCI_H
#define TOTE_CLI_OCI_H

#include "cli/cli_opts.h"
#include "runtime/runtime.h"

struct tote_err;

/* Exit codes (docs/tote-oci.md): */
enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2 };

struct oci_cmd {
  const char *name;
  const char *args;    /* e.g. "[flags] ID" */
  const char *summary;
  /* argv[0] is the verb; returns an exit code, or -1 with *err set. */
  int (*run)(const struct rt_context *ctx, int argc, char **argv, struct tote_err **err);
  const struct cli_opt *opts;
  bool self_clone;     /* re-exec from a sealed copy first (CVE-2019-5736) */
};

extern const struct oci_cmd oci_create_cmd, oci_start_cmd, oci_run_cmd, oci_state_cmd,
    oci_kill_cmd, oci_delete_cmd, oci_list_cmd, oci_ps_cmd, oci_exec_cmd, oci_spec_cmd,
    oci_features_cmd, oci_pause_cmd, oci_resume_cmd, oci_update_cmd, oci_events_cmd;

/* What a verb returns for a usage error (unknown flag, wrong arguments). */
#define OCI_USAGE_ERROR (-2)

/* Parse a verb's flags and require exactly `want` positional args (-1: at
 * least one).  Returns the index of the first positional, OCI_USAGE_ERROR on error. */
int oci_parse(const struct oci_cmd *cmd, int argc, char **argv, int want, struct tote_err **err);
/* Print a JSON value to stdout, indented, with a newline. */
int oci_print_json(json_t *v, struct tote_err **err);
/* Signal number of "KILL", "SIGKILL" or "9"; -1 if unknown. */
int oci_parse_signal(const char *s);

#define TOTE_VERSION "0.1.0"
#define TOTE_OCI_SPEC_VERSION RT_OCI_VERSION

#endif
