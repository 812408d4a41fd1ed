/* tote.h - the commands of `tote`, the engine's command line, dispatched
 * from tote_main.c.  Images so far (tote_image.c). */
#ifndef TOTE_CLI_TOTE_H
#define TOTE_CLI_TOTE_H

#include "cli/cli_opts.h"
#include "engine/run.h"

struct tote_err;

/* Exit codes (docs/tote.md): 0, or 125 for an error of tote's own (a bad
 * flag, an image that cannot be pulled), as podman and docker run do; 1
 * when a container named could not be acted on (docker's stop, rm...). */
enum { TOTE_EXIT_OK = 0, TOTE_EXIT_FAILED = 1, TOTE_EXIT_ERROR = 125 };

/* The runtime's state root of the engine's containers. */
#define TOTE_STATE_ROOT ENG_STATE_ROOT

struct tote_ctx {
  const char *root; /* the store: /var/lib/tote, or $XDG_DATA_HOME/tote */
};

struct tote_cmd {
  const char *name;
  const char *args;
  const char *summary;
  /* argv[0] is the command; returns an exit code, or -1 with *err set */
  int (*run)(const struct tote_ctx *ctx, int argc, char **argv, struct tote_err **err);
  const struct cli_opt *opts;
  /* puts processes into containers (itself or through a monitor): runs
   * from a copy of tote that nothing can write (runtime/selfclone.h) */
  bool protect_exe;
};

extern const struct tote_cmd tote_pull_cmd, tote_images_cmd, tote_rmi_cmd, tote_image_cmd,
    tote_login_cmd, tote_logout_cmd, tote_tag_cmd, tote_history_cmd, tote_save_cmd, tote_load_cmd,
    tote_import_cmd, tote_run_cmd, tote_ps_cmd, tote_rm_cmd, tote_logs_cmd, tote_stop_cmd,
    tote_kill_cmd, tote_wait_cmd, tote_start_cmd, tote_inspect_cmd, tote_unshare_cmd,
    tote_volume_cmd, tote_top_cmd, tote_stats_cmd, tote_pause_cmd, tote_unpause_cmd,
    tote_exec_cmd, tote_restart_cmd, tote_rename_cmd, tote_container_cmd, tote_cp_cmd,
    tote_export_cmd, tote_system_cmd, tote_attach_cmd, tote_network_cmd, tote_port_cmd;

/* The engine's view of the store (engine/lifecycle.h): e filled, and the
 * fd of ROOT/containers returned (close it), or -1 with err. */
struct eng_ctx;
int tote_engine(const struct tote_ctx *ctx, struct eng_ctx *e, struct tote_err **err);

/* The exit of a command whose container process could not start (r is
 * ENG_RUNTIME_FAILED, engine/run.h): docker's 127 for a command not found
 * and 126 for one not executable, with err printed; else -1 (125). */
int tote_start_failed(int r, struct tote_err **err);

/* The container arg names (name, id or unique prefix), its record brought
 * up to date (a dead monitor noticed), and e for the engine's calls after
 * (its cdir closed: -1).  NULL with err. */
json_t *tote_find(const struct tote_ctx *ctx, struct eng_ctx *e, const char *arg,
                  struct tote_err **err);

/* Parse a command's flags; at least min positional args.  Returns the
 * index of the first positional, -1 on error. */
int tote_parse(const struct tote_cmd *cmd, int argc, char **argv, int min, struct tote_err **err);

/* The path of name in the directory of the running tote (tote-init lives
 * beside it); NULL when /proc/self/exe cannot be read. */
char *tote_sibling(const char *name);

/* An output file written whole or not at all: path's temporary sibling
 * (*tmp), or stdout when path is NULL (refused when it is a terminal,
 * naming what); tote_output_close renames it over path when r is 0, else
 * removes it, and returns r (or -1 when that fails). */
int tote_output_open(const char *path, const char *what, char **tmp, struct tote_err **err);
int tote_output_close(int fd, const char *path, char *tmp, int r, struct tote_err **err);

/* --label KEY[=VALUE]... as a JSON object; NULL with err for one without
 * a KEY. */
json_t *tote_labels(const struct strlist *labels, struct tote_err **err);
/* A byte count as docker prints sizes: "2.78MB", "512kB", "0B". */
void tote_human_size(long long n, char *buf, size_t len);
/* Remove every container that does not run (named on stdout under
 * "Deleted Containers:"), and the unused anonymous volumes (named ones too
 * with named_too) under "Deleted Volumes:". */
int tote_prune_containers(const struct tote_ctx *ctx, struct tote_err **err);
void tote_prune_volumes(const struct tote_ctx *ctx, bool named_too);
/* Remove the user networks no container names ("Deleted Networks:" and
 * their names); -1 with err when the networks cannot be listed. */
int tote_prune_networks(const struct tote_ctx *ctx, struct tote_err **err);

#define TOTE_VERSION_STRING "0.1.0"

#endif
