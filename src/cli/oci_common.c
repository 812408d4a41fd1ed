/* oci_common.c - helpers shared by the verbs: argument checks, JSON output,
 * signal names. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/oci.h"
#include "util/err.h"

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

static const struct {
  const char *name;
  int sig;
} signals[] = {
    {"HUP", SIGHUP},   {"INT", SIGINT},       {"QUIT", SIGQUIT},   {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT},     {"IOT", SIGIOT},     {"BUS", SIGBUS},
    {"FPE", SIGFPE},   {"KILL", SIGKILL},     {"USR1", SIGUSR1},   {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},     {"ALRM", SIGALRM},   {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},   {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},     {"TTOU", SIGTTOU},   {"URG", SIGURG},
    {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},     {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH}, {"IO", SIGIO},       {"POLL", SIGPOLL},   {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

int oci_parse_signal(const char *s) {
  char *end;
  long n = strtol(s, &end, 10);
  if (*s && *end == '\0')
    return n > 0 && n <= SIGRTMAX ? (int)n : -1;
  const char *name = strncasecmp(s, "SIG", 3) == 0 ? s + 3 : s;
  for (size_t i = 0; i < sizeof signals / sizeof signals[0]; i++)
    if (strcasecmp(name, signals[i].name) == 0)
      return signals[i].sig;
  if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
    bool min = strncasecmp(name, "RTMIN", 5) == 0;
    long off = name[5] ? strtol(name + 5, &end, 10) : 0;
    if ((name[5] && *end) || off < -64 || off > 64)
      return -1;
    int v = min ? SIGRTMIN + (int)off : SIGRTMAX + (int)off;
    return v >= SIGRTMIN && v <= SIGRTMAX ? v : -1;
  }
  return -1;
}
