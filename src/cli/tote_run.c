/* tote_run.c - `tote run` (attached, or detached with -d), `tote ps` and
 * `tote rm`: the engine's containers (engine/run.h, engine/container.h),
 * run under a monitor (engine/monitor.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/tote.h"
#include "engine/container.h"
#include "engine/lifecycle.h"
#include "engine/monitor.h"
#include "engine/run.h"
#include "engine/timefmt.h"
#include "runtime/runtime.h"
#include "image/images.h"
#include "image/store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

static bool run_rm, run_detach, run_interactive, run_tty;
static const char *run_name, *run_workdir, *run_user, *run_entrypoint, *run_hostname,
    *run_rootfs;
static const char *run_tls = "true";
static struct strlist run_env, run_log_opts;

static const struct cli_opt run_opts[] = {
    {"rm", 0, OPT_BOOL, &run_rm, "remove the container when it exits", NULL},
    {"name", 0, OPT_STRING, &run_name, "the container's name", "NAME"},
    {"env", 'e', OPT_STRING_LIST, &run_env, "KEY=VALUE, or KEY to pass tote's own (repeatable)",
     "ENV"},
    {"workdir", 'w', OPT_STRING, &run_workdir, "the working directory in the container", "DIR"},
    {"user", 'u', OPT_STRING, &run_user, "name or uid[:gid] to run as", "USER"},
    {"entrypoint", 0, OPT_STRING, &run_entrypoint, "replace the image's entrypoint (and its cmd)",
     "CMD"},
    {"hostname", 'h', OPT_STRING, &run_hostname, "the container's host name", "NAME"},
    {"rootfs", 0, OPT_STRING, &run_rootfs,
     "run in this directory, or tar[.gz|.zst] archive, instead of an image", "PATH"},
    {"tls-verify", 0, OPT_STRING, &run_tls, "for a pull the run needs: true or false", "BOOL"},
    {"detach", 'd', OPT_BOOL, &run_detach, "run in the background: print the id", NULL},
    {"log-opt", 0, OPT_STRING_LIST, &run_log_opts,
     "max-size=SIZE: the cap of the container's log before it rotates (default 10m)", "OPT"},
    {"interactive", 'i', OPT_BOOL, &run_interactive, "refused for now", NULL},
    {"tty", 't', OPT_BOOL, &run_tty, "refused for now", NULL},
    {NULL},
};

/* --log-opt max-size=SIZE (docker's json-file option). */
static int log_opts(long long *max_size, tote_err **err) {
  for (int k = 0; k < run_log_opts.n; k++) {
    const char *opt = run_log_opts.items[k];
    int64_t v;
    if (strncmp(opt, "max-size=", 9) != 0)
      return err_set(err, 0, "--log-opt %s: tote knows only max-size=SIZE", opt);
    if (rt_parse_mem_size(opt + 9, &v) < 0 || v <= 0)
      return err_set(err, 0, "--log-opt %s: the size is a number with an optional unit (k, m, "
                             "g), such as 10m", opt);
    *max_size = v;
  }
  return 0;
}

/* docker's codes when the command could not start: not found 127, not
 * executable 126; tote's own errors 125. */
static int start_failed(int r, tote_err **err) {
  int e = r == ENG_RUNTIME_FAILED ? (*err)->errnum : 0;
  if (e != ENOENT && e != EACCES)
    return -1;
  log_error_exit_msg("tote", (*err)->msg);
  err_free(err);
  return e == ENOENT ? 127 : 126;
}

/* The container under its monitor: detached, its id printed; attached,
 * its output relayed and its exit code ours. */
static int run_monitored(const struct eng_run_opts *o, json_t *c, int sigfd, tote_err **err) {
  struct eng_monitor_opts mo = {.root = o->root, .state_root = o->state_root,
                                .id = json_string_value(json_object_get(c, "id")),
                                .attach = !run_detach};
  struct eng_monitor m;
  int r = eng_monitor_start(&mo, &m, err);
  if (r < 0)
    return start_failed(r, err);
  int code = TOTE_EXIT_OK;
  if (run_detach)
    printf("%s\n", mo.id);
  else if (eng_monitor_relay(&mo, &m, sigfd, &code, err) < 0)
    code = -1;
  eng_monitor_close(&m);
  return code;
}

static int do_run(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  /* flags stop at the image: what follows is the container's command */
  int i = tote_parse(&tote_run_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  /* with --rootfs there is no image: what follows is the command */
  int first_arg = run_rootfs ? i : i + 1;
  if (run_interactive || run_tty)
    return err_set(err, 0, "tote run: -%s is not supported yet (containers run without a "
                           "terminal or stdin)", run_interactive ? "i" : "t");
  if (strcmp(run_tls, "true") != 0 && strcmp(run_tls, "false") != 0)
    return err_set(err, 0, "--tls-verify takes true or false, not \"%s\"", run_tls);
  struct eng_run_opts o = {
      .root = ctx->root,
      .state_root = geteuid() == 0 ? TOTE_STATE_ROOT : NULL,
      .image = run_rootfs ? NULL : argv[i],
      .rootfs = run_rootfs,
      .args = argv + first_arg,
      .nargs = argc - first_arg,
      .name = run_name,
      .env = run_env.items,
      .nenv = run_env.n,
      .workdir = run_workdir,
      .user = run_user,
      .entrypoint = run_entrypoint ? run_entrypoint : "",
      .entrypoint_set = run_entrypoint != NULL,
      .hostname = run_hostname,
      .remove = run_rm,
      .tls_verify = strcmp(run_tls, "true") == 0,
  };
  if (o.state_root == NULL)
    return err_set(err, 0, "tote run as a user (rootless) is not supported yet: run it as root");
  if (log_opts(&o.log_max_size, err) < 0)
    return -1;
  /* attached: the signals for the container are held from now on */
  _cleanup_close_ int sigfd = run_detach ? -1 : eng_monitor_block_signals(err);
  if (!run_detach && sigfd < 0)
    return -1;
  json_t *c = eng_create(&o, err);
  if (c == NULL)
    return -1;
  int r = run_monitored(&o, c, sigfd, err);
  json_decref(c);
  return r;
}

const struct tote_cmd tote_run_cmd = {
    "run", "[flags] IMAGE [COMMAND [ARG...]]  |  [flags] --rootfs PATH COMMAND [ARG...]",
    "run a command in a new container of IMAGE; exit with its status (-d: print its id)", do_run,
    run_opts};

/* ---- ps ---- */

static bool ps_all, ps_quiet, ps_no_trunc;
static const struct cli_opt ps_opts[] = {
    {"all", 'a', OPT_BOOL, &ps_all, "also the containers that exited", NULL},
    {"quiet", 'q', OPT_BOOL, &ps_quiet, "print only the ids", NULL},
    {"no-trunc", 0, OPT_BOOL, &ps_no_trunc, "print whole ids and commands", NULL},
    {NULL},
};

static char *joined(json_t *args) {
  char *out = xstrdup("");
  size_t i;
  json_t *a;
  json_array_foreach(args, i, a) {
    char *n = xasprintf("%s%s%s", out, i ? " " : "", json_string_value(a));
    free(out);
    out = n;
  }
  return out;
}

static int do_ps(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (tote_parse(&tote_ps_cmd, argc, argv, 0, err) < 0)
    return -1;
  _cleanup_close_ int dir = eng_containers_dir(ctx->root, err);
  if (dir < 0)
    return -1;
  struct eng_ctx e = {.root = ctx->root, .state_root = TOTE_STATE_ROOT, .cdir = dir};
  json_t *list = eng_list(dir);
  if (!ps_quiet)
    printf("%-12s  %-30s  %-24s  %-28s  %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "STATUS",
           "NAMES");
  int64_t now = eng_now_ns();
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c) {
    json_t *cur = eng_sync(&e, json_incref(c));
    if (cur == NULL || (!ps_all && !eng_running(cur))) {
      json_decref(cur);
      continue;
    }
    const char *id = json_string_value(json_object_get(cur, "id"));
    if (ps_quiet) {
      printf("%.*s\n", ps_no_trunc ? 64 : 12, id);
      json_decref(cur);
      continue;
    }
    _cleanup_free_ char *cmd = joined(json_object_get(cur, "command"));
    char status[96];
    eng_ps_status(cur, now, status, sizeof status);
    printf("%-12.*s  %-30s  \"%.*s\"  %-28s  %s\n", ps_no_trunc ? 64 : 12, id,
           json_string_value(json_object_get(cur, "image")), ps_no_trunc ? 4096 : 20, cmd, status,
           json_string_value(json_object_get(cur, "name")));
    json_decref(cur);
  }
  json_decref(list);
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_ps_cmd = {"ps", "[-a] [-q] [--no-trunc]",
                                     "list the containers (-a: also those that exited)", do_ps,
                                     ps_opts};

/* ---- rm ---- */

static bool rm_force;
static const struct cli_opt rm_opts[] = {
    {"force", 'f', OPT_BOOL, &rm_force, "kill a running container first", NULL},
    {NULL},
};

/* rm -f of a running container: killed, and its monitor's clean-up waited
 * for; NULL when that removed it (--rm). */
static json_t *kill_first(const struct eng_ctx *e, json_t *c, tote_err **err) {
  if (!eng_running(c))
    return c;
  tote_err *ignored = NULL;
  if (eng_signal(e, c, SIGKILL, false, &ignored) < 0)
    err_free(&ignored); /* exiting already */
  int code;
  _cleanup_free_ char *id = xstrdup(json_string_value(json_object_get(c, "id")));
  eng_wait_exit(e, id, -1, &code);
  json_decref(c);
  json_t *now = eng_load(e->cdir, id);
  if (now == NULL && faccessat(e->cdir, id, F_OK, 0) == 0)
    err_set(err, 0, "container %.12s has no readable record after it stopped", id);
  return eng_sync(e, now);
}

static int rm_one(const struct eng_ctx *e, const char *arg, tote_err **err) {
  json_t *c = eng_find_synced(e, arg, err);
  if (c == NULL)
    return -1;
  if (rm_force && (c = kill_first(e, c, err)) == NULL)
    return *err ? -1 : 0;
  int r = eng_remove(e, c, err);
  json_decref(c);
  return r;
}

static int do_rm(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_rm_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  _cleanup_close_ int dir = eng_containers_dir(ctx->root, err);
  if (dir < 0)
    return -1;
  struct eng_ctx e = {.root = ctx->root, .state_root = TOTE_STATE_ROOT, .cdir = dir};
  int rc = TOTE_EXIT_OK;
  for (; i < argc; i++) {
    tote_err *er = NULL;
    if (rm_one(&e, argv[i], &er) < 0) {
      fprintf(stderr, "tote: %s\n", er->msg);
      err_free(&er);
      rc = TOTE_EXIT_FAILED;
    } else {
      printf("%s\n", argv[i]);
    }
  }
  return rc;
}

const struct tote_cmd tote_rm_cmd = {"rm", "[-f] CONTAINER...",
                                     "remove containers (-f: a running one is killed first)",
                                     do_rm, rm_opts};
