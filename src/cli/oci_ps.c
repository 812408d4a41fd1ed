/* oci_ps.c - `ps`, `pause` and `resume`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/oci.h"
#include "util/err.h"

static const char *ps_format = "table";
static const struct cli_opt ps_opts[] = {
    {"format", 'f', OPT_STRING, &ps_format, "table or json", "FORMAT"}, {NULL}};

/* The table is ps(1)'s own output, filtered to the container's pids, as
 * runc does; trailing arguments are ps options (default -ef). */
static int ps_table(pid_t *pids, size_t n, int argc, char **argv, tote_err **err) {
  char pidlist[64 * 1024] = "";
  size_t off = 0;
  for (size_t k = 0; k < n && off < sizeof pidlist - 16; k++)
    off += (size_t)snprintf(pidlist + off, sizeof pidlist - off, "%s%d", k ? "," : "",
                            (int)pids[k]);
  if (n == 0) {
    printf("PID\n");
    return 0;
  }
  char **args = calloc((size_t)argc + 4, sizeof *args);
  int k = 0;
  args[k++] = "ps";
  for (int i = 0; i < argc; i++)
    args[k++] = argv[i];
  if (argc == 0)
    args[k++] = "-f";
  args[k++] = "-p";
  args[k++] = pidlist;
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    execvp("ps", args);
    _exit(127);
  }
  free(args);
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) < 0)
    return err_sys(err, "running ps");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
    return err_set(err, 0, "ps is not installed (Debian package procps)");
  return 0;
}

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
    r = ps_table(pids, n, argc - i - 1, argv + i + 1, err);
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
