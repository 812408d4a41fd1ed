/* tote_run.c - `tote run` (in the foreground, for now), `tote ps` and
 * `tote rm`: the engine's containers (engine/run.h, engine/container.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/tote.h"
#include "engine/container.h"
#include "engine/envfile.h"
#include "engine/run.h"
#include "image/images.h"
#include "image/store.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rootless.h"
#include "util/xalloc.h"

static bool run_rm, run_detach, run_interactive, run_tty, run_privileged, run_read_only,
    run_init;
static const char *run_name, *run_workdir, *run_user, *run_entrypoint, *run_hostname,
    *run_rootfs, *run_pull, *run_platform;
static const char *run_memory, *run_memory_swap, *run_cpus, *run_cpu_shares, *run_cpuset,
    *run_pids;
static const char *run_tls = "true";
static struct strlist run_env, run_env_file, run_label, run_ulimit, run_cap_add, run_cap_drop,
    run_security, run_volume, run_mount, run_tmpfs, run_add_host;

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
    {"env-file", 0, OPT_STRING_LIST, &run_env_file, "read KEY=VALUE lines (and KEY) from FILE",
     "FILE"},
    {"label", 'l', OPT_STRING_LIST, &run_label, "KEY[=VALUE] on the container (repeatable)",
     "LABEL"},
    {"volume", 'v', OPT_STRING_LIST, &run_volume,
     "bind a host directory: /HOST:/CONTAINER[:ro|rw][,propagation]", "VOLUME"},
    {"mount", 0, OPT_STRING_LIST, &run_mount,
     "type=bind,source=/HOST,target=/CONTAINER[,readonly] or type=tmpfs,target=/PATH"
     "[,tmpfs-size=N][,tmpfs-mode=MODE]",
     "MOUNT"},
    {"tmpfs", 0, OPT_STRING_LIST, &run_tmpfs, "a tmpfs at /PATH[:OPTIONS]", "PATH"},
    {"read-only", 0, OPT_BOOL, &run_read_only, "mount the container's root read-only", NULL},
    {"memory", 'm', OPT_STRING, &run_memory, "memory limit (like 512m, 2g)", "SIZE"},
    {"memory-swap", 0, OPT_STRING, &run_memory_swap, "memory plus swap limit, or -1", "SIZE"},
    {"cpus", 0, OPT_STRING, &run_cpus, "CPU time, in CPUs (like 1.5)", "N"},
    {"cpu-shares", 'c', OPT_STRING, &run_cpu_shares, "relative CPU weight (1024: one share)",
     "N"},
    {"cpuset-cpus", 0, OPT_STRING, &run_cpuset, "the CPUs it may run on (like 0-1,3)", "CPUS"},
    {"pids-limit", 0, OPT_STRING, &run_pids, "at most N processes (0 or -1: no limit)", "N"},
    {"ulimit", 0, OPT_STRING_LIST, &run_ulimit, "NAME=SOFT[:HARD] (like nofile=1024:2048)",
     "ULIMIT"},
    {"cap-add", 0, OPT_STRING_LIST, &run_cap_add, "add a capability (or ALL)", "CAP"},
    {"cap-drop", 0, OPT_STRING_LIST, &run_cap_drop, "drop a capability (or ALL)", "CAP"},
    {"privileged", 0, OPT_BOOL, &run_privileged,
     "every capability and host device, no seccomp, no masked paths", NULL},
    {"security-opt", 0, OPT_STRING_LIST, &run_security,
     "seccomp=FILE|unconfined, no-new-privileges[=true|false]", "OPT"},
    {"init", 0, OPT_BOOL, &run_init, "run tote-init as pid 1: it forwards signals and reaps "
                                     "zombies", NULL},
    {"add-host", 0, OPT_STRING_LIST, &run_add_host, "a HOST:IP line in /etc/hosts", "HOST:IP"},
    {"pull", 0, OPT_STRING, &run_pull, "missing (default), always or never", "POLICY"},
    {"platform", 0, OPT_STRING, &run_platform, "for a pull: os/arch[/variant]", "PLATFORM"},
    {"tls-verify", 0, OPT_STRING, &run_tls, "for a pull the run needs: true or false", "BOOL"},
    {"detach", 'd', OPT_BOOL, &run_detach, "refused for now: containers run in the foreground",
     NULL},
    {"interactive", 'i', OPT_BOOL, &run_interactive, "refused for now", NULL},
    {"tty", 't', OPT_BOOL, &run_tty, "refused for now", NULL},
    {NULL},
};

static int do_run(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  /* flags stop at the image: what follows is the container's command */
  int i = tote_parse(&tote_run_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  /* with --rootfs there is no image: what follows is the command */
  int first_arg = run_rootfs ? i : i + 1;
  if (run_detach || run_interactive || run_tty)
    return err_set(err, 0, "tote run: -%s is not supported yet (containers run in the "
                           "foreground, without a terminal or stdin)",
                   run_detach ? "d" : run_interactive ? "i" : "t");
  if (strcmp(run_tls, "true") != 0 && strcmp(run_tls, "false") != 0)
    return err_set(err, 0, "--tls-verify takes true or false, not \"%s\"", run_tls);
  if (run_pull && strcmp(run_pull, "missing") != 0 && strcmp(run_pull, "always") != 0 &&
      strcmp(run_pull, "never") != 0)
    return err_set(err, 0, "--pull takes missing, always or never, not \"%s\"", run_pull);
  for (int k = 0; k < run_label.n; k++)
    if (run_label.items[k][0] == '\0' || run_label.items[k][0] == '=')
      return err_set(err, 0, "--label \"%s\": KEY[=VALUE] with a KEY", run_label.items[k]);
  /* --env-file's entries, then -e's over them */
  _cleanup_strv_ char **env = NULL;
  size_t nenv = 0;
  for (int k = 0; k < run_env_file.n; k++)
    if (eng_env_file(run_env_file.items[k], &env, &nenv, err) < 0)
      return -1;
  for (int k = 0; k < run_env.n; k++) {
    env = xrealloc(env, (nenv + 2) * sizeof *env);
    env[nenv++] = xstrdup(run_env.items[k]);
    env[nenv] = NULL;
  }
  _cleanup_free_ char *init_path = tote_sibling("tote-init");
  struct eng_run_opts o = {
      .root = ctx->root,
      .state_root = rootless() ? NULL : "/run/tote",
      .image = run_rootfs ? NULL : argv[i],
      .rootfs = run_rootfs,
      .args = argv + first_arg,
      .nargs = argc - first_arg,
      .name = run_name,
      .env = (const char **)env,
      .nenv = (int)nenv,
      .workdir = run_workdir,
      .user = run_user,
      .entrypoint = run_entrypoint ? run_entrypoint : "",
      .entrypoint_set = run_entrypoint != NULL,
      .hostname = run_hostname,
      .remove = run_rm,
      .tls_verify = strcmp(run_tls, "true") == 0,
      .platform = run_platform,
      .pull = run_pull,
      .labels = run_label.items,
      .nlabels = run_label.n,
      .host = {
          .memory = run_memory,
          .memory_swap = run_memory_swap,
          .cpus = run_cpus,
          .cpu_shares = run_cpu_shares,
          .cpuset_cpus = run_cpuset,
          .pids_limit = run_pids,
          .ulimits = {run_ulimit.items, run_ulimit.n},
          .cap_add = {run_cap_add.items, run_cap_add.n},
          .cap_drop = {run_cap_drop.items, run_cap_drop.n},
          .security_opts = {run_security.items, run_security.n},
          .volumes = {run_volume.items, run_volume.n},
          .mounts = {run_mount.items, run_mount.n},
          .tmpfs = {run_tmpfs.items, run_tmpfs.n},
          .add_hosts = {run_add_host.items, run_add_host.n},
          .privileged = run_privileged,
          .read_only = run_read_only,
          .init = run_init,
          .init_path = init_path,
      },
  };
  if (o.state_root == NULL)
    return err_set(err, 0, "tote run as a user (rootless) is not supported yet: run it as root");
  int code = 0;
  int r = eng_run(&o, &code, err);
  if (r < 0) {
    /* docker's codes: the command not found 127, not executable 126 */
    int e = r == ENG_RUNTIME_FAILED ? (*err)->errnum : 0;
    if (e != ENOENT && e != EACCES)
      return -1;
    log_error_exit_msg("tote", (*err)->msg);
    err_free(err);
    return e == ENOENT ? 127 : 126;
  }
  return code;
}

const struct tote_cmd tote_run_cmd = {
    "run", "[flags] IMAGE [COMMAND [ARG...]]  |  [flags] --rootfs PATH COMMAND [ARG...]",
    "run a command in a new container of IMAGE, in the foreground; exit with its status", do_run,
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
  json_t *list = eng_list(dir);
  if (!ps_quiet)
    printf("%-12s  %-30s  %-24s  %-22s  %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "STATUS",
           "NAMES");
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c) {
    const char *state = json_string_value(json_object_get(c, "state"));
    bool running = state && strcmp(state, "running") == 0;
    if (!ps_all && !running)
      continue;
    const char *id = json_string_value(json_object_get(c, "id"));
    if (ps_quiet) {
      printf("%.*s\n", ps_no_trunc ? 64 : 12, id);
      continue;
    }
    _cleanup_free_ char *cmd = joined(json_object_get(c, "command"));
    char status[64];
    if (running)
      snprintf(status, sizeof status, "Up");
    else
      snprintf(status, sizeof status, "Exited (%lld)",
               (long long)json_integer_value(json_object_get(c, "exit_code")));
    printf("%-12.*s  %-30s  \"%.*s\"  %-22s  %s\n", ps_no_trunc ? 64 : 12, id,
           json_string_value(json_object_get(c, "image")), ps_no_trunc ? 4096 : 20, cmd, status,
           json_string_value(json_object_get(c, "name")));
  }
  json_decref(list);
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_ps_cmd = {"ps", "[-a] [-q] [--no-trunc]",
                                     "list the containers (-a: also those that exited)", do_ps,
                                     ps_opts};

/* ---- rm ---- */

/* The container's hold on its image (image/images.h) goes with it. */
static void release(const struct tote_ctx *ctx, const char *id) {
  struct img_store s;
  if (img_store_open(ctx->root, &s, NULL) == 0) {
    img_release(&s, id);
    img_store_close(&s);
  }
}

static int do_rm(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_rm_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  _cleanup_close_ int dir = eng_containers_dir(ctx->root, err);
  if (dir < 0)
    return -1;
  int rc = TOTE_EXIT_OK;
  for (; i < argc; i++) {
    tote_err *e = NULL;
    json_t *c = eng_find(dir, argv[i], &e);
    const char *state = c ? json_string_value(json_object_get(c, "state")) : NULL;
    if (c && state && strcmp(state, "running") == 0)
      err_set(&e, 0, "container %s is running (it runs in the foreground of a tote run)",
              argv[i]);
    else if (c && eng_remove_dir(dir, json_string_value(json_object_get(c, "id")), &e) == 0)
      release(ctx, json_string_value(json_object_get(c, "id")));
    json_decref(c);
    if (e) {
      fprintf(stderr, "tote: %s\n", e->msg);
      err_free(&e);
      rc = TOTE_EXIT_ERROR;
    } else {
      printf("%s\n", argv[i]);
    }
  }
  return rc;
}

const struct tote_cmd tote_rm_cmd = {"rm", "CONTAINER...", "remove containers that exited",
                                     do_rm, NULL};
