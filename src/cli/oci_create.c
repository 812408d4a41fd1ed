/* oci_create.c - `create`, `start` and `run`. */
#include <stdio.h>

#include "cli/oci.h"
#include "util/err.h"

static struct rt_create_opts copts;
static bool detach;

#define CREATE_OPTS                                                                           \
  {"bundle", 'b', OPT_STRING, &copts.bundle, "the bundle directory (default: current)", "DIR"}, \
  {"pid-file", 0, OPT_STRING, &copts.pid_file, "write the init's pid to FILE", "FILE"},        \
  {"console-socket", 0, OPT_STRING, &copts.console_socket,                                    \
   "send the pty master of a terminal to this unix socket", "SOCK"},                          \
  {"no-pivot", 0, OPT_BOOL, &copts.no_pivot, "use chroot instead of pivot_root", NULL},        \
  {"no-new-keyring", 0, OPT_BOOL, &copts.no_new_keyring, "keep the caller's session keyring", NULL}, \
  {"preserve-fds", 0, OPT_INT, &copts.preserve_fds, "pass N more fds (from 3) to the process", "N"}

static const struct cli_opt create_opts[] = {CREATE_OPTS, {NULL}};
static const struct cli_opt run_opts[] = {
    CREATE_OPTS, {"detach", 'd', OPT_BOOL, &detach, "return once the container has started", NULL},
    {NULL}};

static int check_preserve(tote_err **err) {
  if (copts.preserve_fds < 0)
    return err_set(err, 0, "--preserve-fds must not be negative");
  return 0;
}

static int do_create(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  int i = oci_parse(&oci_create_cmd, argc, argv, 1, err);
  if (i < 0)
    return i;
  if (check_preserve(err) < 0)
    return OCI_USAGE_ERROR;
  copts.id = argv[i];
  return rt_create(ctx, &copts, err) < 0 ? -1 : 0;
}

static int do_start(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  int i = oci_parse(&oci_start_cmd, argc, argv, 1, err);
  if (i < 0)
    return i;
  return rt_start(ctx, argv[i], err) < 0 ? -1 : 0;
}

static int do_run(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  int i = oci_parse(&oci_run_cmd, argc, argv, 1, err);
  if (i < 0)
    return i;
  if (check_preserve(err) < 0)
    return OCI_USAGE_ERROR;
  copts.id = argv[i];
  int code = 0;
  if (rt_run(ctx, &copts, detach, &code, err) < 0)
    return -1;
  return code;
}

const struct oci_cmd oci_create_cmd = {"create", "[flags] ID",
                                       "create a container: set up, with its init waiting for start",
                                       do_create, create_opts, true};
const struct oci_cmd oci_start_cmd = {"start", "ID", "start the process of a created container",
                                      do_start, (const struct cli_opt[]){{NULL}}, false};
const struct oci_cmd oci_run_cmd = {"run", "[flags] ID",
                                    "create and start a container; wait for it unless --detach",
                                    do_run, run_opts, true};
