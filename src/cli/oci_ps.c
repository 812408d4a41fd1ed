/* oci_ps.c - `ps`, `pause` and `resume`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_ps.h"
#include "cli/oci.h"
#include "util/err.h"

static const char *ps_format = "table";
static const struct cli_opt ps_opts[] = {
    {"format", 'f', OPT_STRING, &ps_format, "table or json", "FORMAT"}, {NULL}};

static int do_ps(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  int i = cli_parse(argc, argv, 1, ps_opts, err);
  if (i < 0 || i >= argc) {
    if (i >= 0)
      err_set(err, 0, "ps takes ID [ps options] (see tote-oci ps --help)");
    return OCI_USAGE_ERROR;
  }
  pid_t *pids = NULL;
  size_t n = 0;
  if (rt_ps(ctx, argv[i], &pids, &n, err) < 0)
    return -1;
  int r;
  if (strcmp(ps_format, "json") == 0) {
    json_t *arr = json_array();
    for (size_t k = 0; k < n; k++)
      json_array_append_new(arr, json_integer(pids[k]));
    r = json_dumpf(arr, stdout, JSON_COMPACT) < 0 ? err_set(err, 0, "writing JSON") : 0;
    fputc('\n', stdout);
    json_decref(arr);
  } else if (strcmp(ps_format, "table") == 0) {
    r = cli_ps_table(pids, n, argc - i - 1, argv + i + 1, err);
  } else {
    r = err_set(err, 0, "--format takes table or json, not %s", ps_format);
  }
  free(pids);
  return r;
}

static int do_pause(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  bool pause = strcmp(argv[0], "pause") == 0;
  int i = oci_parse(pause ? &oci_pause_cmd : &oci_resume_cmd, argc, argv, 1, err);
  if (i < 0)
    return i;
  return rt_pause(ctx, argv[i], pause, err) < 0 ? -1 : 0;
}

const struct oci_cmd oci_ps_cmd = {"ps", "[flags] ID [ps options]",
                                   "list the processes of a container", do_ps, ps_opts, false};
const struct oci_cmd oci_pause_cmd = {"pause", "ID", "freeze every process of a container",
                                      do_pause, (const struct cli_opt[]){{NULL}}, false};
const struct oci_cmd oci_resume_cmd = {"resume", "ID", "thaw a paused container", do_pause,
                                       (const struct cli_opt[]){{NULL}}, false};
