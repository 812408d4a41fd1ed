/* oci_kill.c - `kill [--all] ID [SIGNAL]` and `delete [--force] ID`. */
#include <signal.h>

#include "cli/oci.h"
#include "util/err.h"

static bool kill_all;
static const struct cli_opt kill_opts[] = {
    {"all", 'a', OPT_BOOL, &kill_all, "signal every process of the container", NULL}, {NULL}};

static int do_kill(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  int i = cli_parse(argc, argv, 1, kill_opts, err);
  if (i < 0)
    return OCI_USAGE_ERROR;
  if (argc - i < 1 || argc - i > 2) {
    err_set(err, 0, "kill takes ID [SIGNAL] (see tote-oci kill --help)");
    return OCI_USAGE_ERROR;
  }
  int sig = SIGTERM;
  if (argc - i == 2 && (sig = oci_parse_signal(argv[i + 1])) < 0) {
    err_set(err, 0, "unknown signal %s: use a name (TERM, SIGKILL) or a number", argv[i + 1]);
    return OCI_USAGE_ERROR;
  }
  return rt_kill(ctx, argv[i], sig, kill_all, err) < 0 ? -1 : 0;
}

static bool force;
static const struct cli_opt delete_opts[] = {
    {"force", 'f', OPT_BOOL, &force, "kill a running container first", NULL}, {NULL}};

static int do_delete(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  int i = oci_parse(&oci_delete_cmd, argc, argv, 1, err);
  if (i < 0)
    return i;
  return rt_delete(ctx, argv[i], force, err) < 0 ? -1 : 0;
}

const struct oci_cmd oci_kill_cmd = {"kill", "[flags] ID [SIGNAL]",
                                     "send a signal (default TERM) to a container", do_kill,
                                     kill_opts, false};
const struct oci_cmd oci_delete_cmd = {"delete", "[flags] ID",
                                       "delete a container and everything it holds", do_delete,
                                       delete_opts, false};
