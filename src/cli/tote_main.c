/* tote_main.c - tote: global flags, the command table, and the one place
 * where an error is printed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tote.h"
#include "engine/monitor.h"
#include "engine/userns.h"
#include "image/store.h"
#include "runtime/selfclone.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

static const struct tote_cmd *const commands[] = {
    &tote_run_cmd,     &tote_exec_cmd,      &tote_ps_cmd,      &tote_rm_cmd,
    &tote_start_cmd,   &tote_stop_cmd,      &tote_restart_cmd, &tote_kill_cmd,
    &tote_wait_cmd,    &tote_logs_cmd,      &tote_attach_cmd,  &tote_inspect_cmd,
    &tote_top_cmd,     &tote_stats_cmd,     &tote_pause_cmd,   &tote_unpause_cmd,
    &tote_rename_cmd,  &tote_cp_cmd,        &tote_export_cmd,  &tote_port_cmd,
    &tote_container_cmd, &tote_volume_cmd,  &tote_network_cmd, &tote_system_cmd,
    &tote_pull_cmd,    &tote_images_cmd,    &tote_rmi_cmd,     &tote_image_cmd,
    &tote_tag_cmd,     &tote_history_cmd,   &tote_save_cmd,    &tote_load_cmd,
    &tote_import_cmd,  &tote_login_cmd,     &tote_logout_cmd,  &tote_unshare_cmd,
    NULL,
};

static const char *root;
static bool version, help, debug;

static const struct cli_opt global_opts[] = {
    {"root", 0, OPT_STRING, &root, "the image store (default /var/lib/tote, or $XDG_DATA_HOME/tote)",
     "DIR"},
    {"debug", 0, OPT_BOOL, &debug, "log debug messages", NULL},
    {"version", 'v', OPT_BOOL, &version, "print the version", NULL},
    {"help", 'h', OPT_BOOL, &help, "show this help", NULL},
    {NULL},
};

static void print_help(void) {
  printf("Usage: tote [global flags] COMMAND [flags] [args]\n\n"
         "A container engine without a daemon.\n\nCommands:\n");
  for (const struct tote_cmd *const *c = commands; *c; c++)
    printf("  %-10s %s\n", (*c)->name, (*c)->summary);
  printf("  %-10s %s\n\nGlobal flags:\n", "version", "print the version");
  cli_print_opts(global_opts);
  printf("\nRun 'tote COMMAND --help' for a command's flags.\n");
}

static void print_cmd_help(const struct tote_cmd *cmd) {
  printf("Usage: tote %s%s%s\n", cmd->name, *cmd->args ? " " : "", cmd->args);
  if (cmd->summary && *cmd->summary)
    printf("\n%s\n", cmd->summary);
  if (cmd->opts && cmd->opts[0].name) {
    printf("\nFlags:\n");
    cli_print_opts(cmd->opts);
  }
}

int tote_parse(const struct tote_cmd *cmd, int argc, char **argv, int min, tote_err **err) {
  const struct cli_opt *opts = cmd->opts ? cmd->opts : (const struct cli_opt[]){{NULL}};
  /* a subcommand's own --help (tote volume create --help): its usage */
  if (strchr(cmd->name, ' ') && cli_wants_help(argc, argv, 1, opts)) {
    print_cmd_help(cmd);
    exit(TOTE_EXIT_OK);
  }
  int i = cli_parse(argc, argv, 1, opts, err);
  if (i < 0)
    return err_wrap(err, "tote %s", cmd->name);
  if (argc - i < min)
    return err_set(err, 0, "tote %s needs %s (see tote %s --help)", cmd->name, cmd->args,
                   cmd->name);
  return i;
}

static int dispatch(int argc, char **argv, int *code, tote_err **err) {
  *code = TOTE_EXIT_ERROR;
  int first = cli_parse(argc, argv, 1, global_opts, err);
  if (first < 0)
    return -1;
  if (version || (first < argc && strcmp(argv[first], "version") == 0)) {
    printf("tote version %s\n", TOTE_VERSION_STRING);
    return *code = TOTE_EXIT_OK, 0;
  }
  if (help || first >= argc) {
    print_help();
    return *code = help ? TOTE_EXIT_OK : TOTE_EXIT_ERROR, 0;
  }
  const struct tote_cmd *cmd = NULL;
  for (const struct tote_cmd *const *c = commands; *c; c++)
    if (strcmp((*c)->name, argv[first]) == 0)
      cmd = *c;
  if (cmd == NULL)
    return err_set(err, 0, "unknown command %s (see tote --help)", argv[first]);
  if (cli_wants_help(argc, argv, first + 1,
                     cmd->opts ? cmd->opts : (const struct cli_opt[]){{NULL}})) {
    print_cmd_help(cmd);
    return *code = TOTE_EXIT_OK, 0;
  }
  if (cmd->protect_exe && selfclone_ensure(argv, "tote", err) < 0)
    return -1;
  if (log_init(NULL, LOG_FORMAT_TEXT, debug, err) < 0)
    return -1;
  /* a user with subordinate ids works in its own user namespace, where
   * the owners of an image's files are kept (engine/userns.h) */
  if (eng_userns_enter(err) < 0)
    return -1;
  /* absolute: a container's record keeps paths under it, and its monitor
   * works from / */
  _cleanup_free_ char *cwd = root && root[0] != '/' ? getcwd(NULL, 0) : NULL;
  _cleanup_free_ char *deflt = !root ? img_store_default_root()
                               : cwd  ? xasprintf("%s/%s", cwd, root)
                                      : NULL;
  struct tote_ctx ctx = {.root = deflt ? deflt : root};
  int r = cmd->run(&ctx, argc - first, argv + first, err);
  if (r >= 0)
    *code = r;
  return r < 0 ? -1 : 0;
}

int main(int argc, char **argv) {
  log_set_prog("tote");
  if (argc > 1 && strcmp(argv[1], ENG_MONITOR_ENTRY) == 0) /* tote run's monitor */
    eng_monitor_exec_main(argc, argv);
  tote_err *err = NULL;
  int code = TOTE_EXIT_OK;
  if (dispatch(argc, argv, &code, &err) < 0) {
    log_error_exit_msg("tote", err ? err->msg : "failed");
    err_free(&err);
  }
  return code;
}
