/* cli_ps.c - a container's processes as ps(1) shows them (cli_ps.h). */
#include "cli/cli_ps.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"

int cli_ps_table(pid_t *pids, size_t n, int argc, char **argv, tote_err **err) {
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

