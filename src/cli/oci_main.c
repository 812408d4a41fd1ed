/* oci_main.c - tote-oci: global flags, the verb table, and the one place
 * where an error is printed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/oci.h"
#include "runtime/selfclone.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

static const struct oci_cmd *const commands[] = {
    &oci_create_cmd, &oci_start_cmd,  &oci_run_cmd,      &oci_state_cmd,  &oci_kill_cmd,
    &oci_delete_cmd, &oci_list_cmd,   &oci_ps_cmd,       &oci_exec_cmd,   &oci_spec_cmd,
    &oci_features_cmd, &oci_pause_cmd, &oci_resume_cmd,  &oci_update_cmd, &oci_events_cmd,
    NULL,
};

struct global_flags {
  const char *root, *log, *log_format, *rootless;
  bool debug, systemd_cgroup, version, help;
};

static struct global_flags g;

static const struct cli_opt global_opts[] = {
    {"root", 0, OPT_STRING, &g.root, "state directory (default /run/tote, or $XDG_RUNTIME_DIR/tote)", "DIR"},
    {"log", 0, OPT_STRING, &g.log, "also write errors (and --debug output) to FILE", "FILE"},
    {"log-format", 0, OPT_STRING, &g.log_format, "text or json", "FORMAT"},
    {"debug", 0, OPT_BOOL, &g.debug, "log debug messages", NULL},
    {"systemd-cgroup", 0, OPT_BOOL, &g.systemd_cgroup, "manage cgroups through systemd", NULL},
    {"rootless", 0, OPT_STRING, &g.rootless, "auto, true or false", "MODE"},
    {"version", 'v', OPT_BOOL, &g.version, "print the version", NULL},
    {"help", 'h', OPT_BOOL, &g.help, "show this help", NULL},
    {NULL},
};

static void print_version(void) {
  printf("tote-oci version %s\nspec: %s\n", TOTE_VERSION, TOTE_OCI_SPEC_VERSION);
}

static void print_help(void) {
  printf("Usage: tote-oci [global flags] COMMAND [flags] [args]\n\n"
         "An OCI runtime: runs a container from a bundle (a config.json and a rootfs).\n\n"
         "Commands:\n");
  for (const struct oci_cmd *const *c = commands; *c; c++)
    printf("  %-10s %s\n", (*c)->name, (*c)->summary);
  printf("  %-10s %s\n\nGlobal flags:\n", "version", "print the version");
  cli_print_opts(global_opts);
  printf("\nRun 'tote-oci COMMAND --help' for a command's flags.\n");
}

static void print_cmd_help(const struct oci_cmd *c) {
  printf("Usage: tote-oci %s %s\n\n%s\n", c->name, c->args, c->summary);
  if (c->opts && c->opts[0].name) {
    printf("\nFlags:\n");
    cli_print_opts(c->opts);
  }
}

static char *default_root(void) {
  if (geteuid() == 0)
    return xstrdup("/run/tote");
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  if (xdg && *xdg)
    return xasprintf("%s/tote", xdg);
  return xasprintf("/tmp/tote-%u", (unsigned)geteuid());
}

static int make_context(struct rt_context *ctx, char **root_owned, tote_err **err) {
  *root_owned = g.root ? NULL : default_root();
  ctx->root = g.root ? g.root : *root_owned;
  const char *rl = g.rootless ? g.rootless : "auto";
  if (strcmp(rl, "auto") == 0)
    ctx->rootless = geteuid() != 0;
  else if (strcmp(rl, "true") == 0)
    ctx->rootless = true;
  else if (strcmp(rl, "false") == 0)
    ctx->rootless = false;
  else
    return err_set(err, 0, "--rootless takes auto, true or false, not %s", rl);
  ctx->systemd_cgroup = g.systemd_cgroup; /* create and run use it; the state says the rest */
  return 0;
}

static int setup_log(tote_err **err) {
  enum log_format fmt = LOG_FORMAT_TEXT;
  if (g.log_format && strcmp(g.log_format, "json") == 0)
    fmt = LOG_FORMAT_JSON;
  else if (g.log_format && strcmp(g.log_format, "text") != 0)
    return err_set(err, 0, "--log-format takes text or json, not %s", g.log_format);
  return log_init(g.log, fmt, g.debug, err);
}

static const struct oci_cmd *find_command(const char *name) {
  for (const struct oci_cmd *const *c = commands; *c; c++)
    if (strcmp((*c)->name, name) == 0)
      return *c;
  return NULL;
}

/* Keep fds 3.. that --preserve-fds hands on from being reused by ours:
 * fill any hole below 3+N with /dev/null before we open anything. */
static void reserve_preserved_fds(int argc, char **argv) {
  for (int i = 1; i < argc - 1; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--preserve-fds") != 0 && strcmp(a, "-preserve-fds") != 0)
      continue;
    int n = atoi(argv[i + 1]);
    for (int fd = 3; fd < 3 + n && fd < 1024; fd++)
      if (fcntl(fd, F_GETFD) < 0) {
        int nfd = open("/dev/null", O_RDWR);
        if (nfd >= 0 && nfd != fd) {
          dup2(nfd, fd);
          close(nfd);
        }
      }
  }
}

static int dispatch(int argc, char **argv, int *code, tote_err **err) {
  int first = cli_parse(argc, argv, 1, global_opts, err);
  if (first < 0)
    return *code = EXIT_USAGE, -1;
  if (g.version || (first < argc && strcmp(argv[first], "version") == 0)) {
    print_version();
    return *code = EXIT_OK, 0;
  }
  if (g.help || first >= argc) {
    print_help();
    return *code = g.help ? EXIT_OK : EXIT_USAGE, 0;
  }
  const struct oci_cmd *cmd = find_command(argv[first]);
  if (cmd == NULL) {
    *code = EXIT_USAGE;
    if (strcmp(argv[first], "checkpoint") == 0 || strcmp(argv[first], "restore") == 0)
      return err_set(err, 0, "%s is not supported (tote-oci has no CRIU support)", argv[first]);
    return err_set(err, 0, "unknown command %s (see tote-oci --help)", argv[first]);
  }
  if (cli_wants_help(argc, argv, first + 1,
                     cmd->opts ? cmd->opts : (const struct cli_opt[]){{NULL}})) {
    print_cmd_help(cmd);
    return *code = EXIT_OK, 0;
  }
  if (cmd->self_clone && selfclone_ensure(argv, "tote-oci", err) < 0)
    return *code = EXIT_ERROR, -1;
  if (setup_log(err) < 0)
    return *code = EXIT_ERROR, -1;
  struct rt_context ctx = {0};
  _cleanup_free_ char *root = NULL;
  if (make_context(&ctx, &root, err) < 0)
    return *code = EXIT_ERROR, -1;
  int r = cmd->run(&ctx, argc - first, argv + first, err);
  if (r < 0)
    *code = r == OCI_USAGE_ERROR ? EXIT_USAGE : EXIT_ERROR;
  else
    *code = r;
  return r < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
  tote_err *err = NULL;
  int code = EXIT_OK;
  reserve_preserved_fds(argc, argv);
  if (dispatch(argc, argv, &code, &err) < 0) {
    log_error_exit_msg("tote-oci", err ? err->msg : "failed");
    err_free(&err);
  }
  return code;
}
