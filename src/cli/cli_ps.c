/* cli_ps.c - a container's processes as ps(1) shows them (cli_ps.h). */
#include "cli/cli_ps.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* ps with the user's options (default -ef), its output read whole; NULL
 * with err when it cannot be run or fails. */
static char *run_ps(int argc, char **argv, tote_err **err) {
  char **args = xcalloc_array((size_t)argc + 3, sizeof *args);
  int k = 0;
  args[k++] = "ps";
  for (int i = 0; i < argc; i++)
    args[k++] = argv[i];
  if (argc == 0)
    args[k++] = "-ef";
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) {
    free(args);
    err_sys(err, "pipe");
    return NULL;
  }
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    dup2(p[1], STDOUT_FILENO);
    execvp("ps", args);
    _exit(127);
  }
  free(args);
  close(p[1]);
  char *out = child < 0 ? NULL : read_all_fd(p[0], NULL);
  close(p[0]);
  int status = 0;
  if (child < 0 || waitpid(child, &status, 0) < 0) {
    free(out);
    err_sys(err, "running ps");
    return NULL;
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    free(out);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
      err_set(err, 0, "ps is not installed (Debian package procps)");
    else
      err_set(err, 0, "ps refused the options given (see ps(1))");
    return NULL;
  }
  return out;
}

/* Field col (whitespace-separated) of line, as a number; -1 when none. */
static long field_num(const char *line, int col) {
  const char *p = line;
  for (int i = 0;; i++) {
    p += strspn(p, " \t");
    if (*p == '\0' || *p == '\n')
      return -1;
    if (i == col) {
      char *end;
      long v = strtol(p, &end, 10);
      return end != p && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\0') ? v : -1;
    }
    p += strcspn(p, " \t\n");
  }
}

/* The column of the header whose name is PID; -1 when none. */
static int pid_column(const char *header) {
  const char *p = header;
  for (int i = 0;; i++) {
    p += strspn(p, " \t");
    if (*p == '\0' || *p == '\n')
      return -1;
    size_t len = strcspn(p, " \t\n");
    if (len == 3 && strncmp(p, "PID", 3) == 0)
      return i;
    p += len;
  }
}

int cli_ps_table(pid_t *pids, size_t n, int argc, char **argv, tote_err **err) {
  _cleanup_free_ char *out = run_ps(argc, argv, err);
  if (out == NULL)
    return -1;
  char *save = NULL, *header = strtok_r(out, "\n", &save);
  int col = header ? pid_column(header) : -1;
  if (col < 0)
    return err_set(err, 0, "ps printed no PID column: give options that show it (e.g. -o pid,comm)");
  printf("%s\n", header);
  for (char *line = strtok_r(NULL, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    long pid = field_num(line, col);
    bool ours = false;
    for (size_t k = 0; k < n && !ours; k++)
      ours = pid == (long)pids[k];
    if (ours)
      printf("%s\n", line);
  }
  return 0;
}
