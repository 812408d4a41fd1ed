/* tote_run.c - `tote run` (attached, or detached with -d), `tote ps` and
 * `tote rm`: the engine's containers (engine/run.h, engine/container.h),
 * run under a monitor (engine/monitor.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/tote.h"
#include "engine/container.h"
#include "engine/envfile.h"
#include "engine/lifecycle.h"
#include "engine/monitor.h"
#include "engine/psfilter.h"
#include "engine/run.h"
#include "engine/timefmt.h"
#include "runtime/runtime.h"
#include "image/images.h"
#include "image/store.h"
#include "util/err.h"
#include "util/signame.h"
#include "util/log.h"
#include "util/rootless.h"
#include "util/xalloc.h"

static bool run_publish_all;
static const char *run_network, *run_ip;
static struct strlist run_publish, run_dns, run_dns_search, run_dns_option;
static bool run_rm, run_detach, run_interactive, run_tty, run_privileged, run_read_only,
    run_init;
static const char *run_name, *run_workdir, *run_user, *run_entrypoint, *run_hostname,
    *run_rootfs, *run_pull, *run_platform, *run_stop_signal, *run_stop_timeout, *run_restart;
static const char *run_memory, *run_memory_swap, *run_cpus, *run_cpu_shares, *run_cpuset,
    *run_pids;
static const char *run_tls = "true";
static struct strlist run_env, run_log_opts, run_env_file, run_label, run_ulimit, run_cap_add,
    run_cap_drop, run_security, run_volume, run_mount, run_tmpfs, run_add_host;

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
    {"network", 0, OPT_STRING, &run_network,
     "bridge (the default network, tote), none, host, container:NAME, or a network's name",
     "NETWORK"},
    {"net", 0, OPT_STRING, &run_network, "the same as --network", "NETWORK"},
    {"ip", 0, OPT_STRING, &run_ip, "the container's IPv4 address on its network", "ADDRESS"},
    {"publish", 'p', OPT_STRING_LIST, &run_publish,
     "publish a port: [HOSTIP:][HOSTPORT:]PORT[/tcp|udp], ranges as 8080-8081:80-81", "PORT"},
    {"publish-all", 'P', OPT_BOOL, &run_publish_all,
     "publish each of the image's exposed ports on a free host port", NULL},
    {"dns", 0, OPT_STRING_LIST, &run_dns, "a name server for /etc/resolv.conf (repeatable)",
     "IP"},
    {"dns-search", 0, OPT_STRING_LIST, &run_dns_search, "a search domain (repeatable)", "DOMAIN"},
    {"dns-option", 0, OPT_STRING_LIST, &run_dns_option, "a resolv.conf option (repeatable)",
     "OPTION"},
    {"stop-signal", 0, OPT_STRING, &run_stop_signal, "what tote stop sends first (default: the "
     "image's StopSignal, or SIGTERM)", "SIGNAL"},
    {"stop-timeout", 0, OPT_STRING, &run_stop_timeout,
     "seconds tote stop waits before SIGKILL (default 10; -1: no limit)", "SECS"},
    {"restart", 0, OPT_STRING, &run_restart,
     "no (default), always, unless-stopped or on-failure[:N]: run it again when it exits (not "
     "after tote stop or kill)", "POLICY"},
    {"pull", 0, OPT_STRING, &run_pull, "missing (default), always or never", "POLICY"},
    {"platform", 0, OPT_STRING, &run_platform, "for a pull: os/arch[/variant]", "PLATFORM"},
    {"tls-verify", 0, OPT_STRING, &run_tls, "for a pull the run needs: true or false", "BOOL"},
    {"detach", 'd', OPT_BOOL, &run_detach, "run in the background: print the id", NULL},
    {"log-opt", 0, OPT_STRING_LIST, &run_log_opts,
     "max-size=SIZE: the cap of the container's log before it rotates (default 10m)", "OPT"},
    {"interactive", 'i', OPT_BOOL, &run_interactive,
     "keep the container's stdin open (attached: ours goes to it)", NULL},
    {"tty", 't', OPT_BOOL, &run_tty, "give the container a terminal (attached: ours drives it)",
     NULL},
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

/* The container under its monitor (spawned before the container was
 * made, mo without an id then): detached, its id printed; attached, its
 * output relayed and its exit code ours. */
static int run_monitored(struct eng_monitor_opts *mo, struct eng_monitor *m, json_t *c,
                         int sigfd, tote_err **err) {
  mo->id = json_string_value(json_object_get(c, "id"));
  int r = eng_monitor_go(mo, m, err);
  if (r < 0)
    return tote_start_failed(r, err);
  int code = TOTE_EXIT_OK;
  if (run_detach)
    printf("%s\n", mo->id);
  else if (eng_monitor_relay(mo, m, sigfd, &code, err) < 0)
    code = -1;
  eng_monitor_close(m);
  return code;
}

/* --restart no|always|unless-stopped|on-failure[:N]; not with --rm, as
 * docker. */
static int parse_restart(const char *s, const char **policy, int *max, tote_err **err) {
  *policy = NULL;
  *max = 0;
  if (s == NULL || strcmp(s, "no") == 0)
    return 0;
  char *end = NULL;
  if (strcmp(s, "always") == 0 || strcmp(s, "unless-stopped") == 0) {
    *policy = s;
  } else if (strcmp(s, "on-failure") == 0) {
    *policy = "on-failure";
  } else if (strncmp(s, "on-failure:", 11) == 0 && (*max = (int)strtol(s + 11, &end, 10)) > 0 &&
             *end == '\0') {
    *policy = "on-failure";
  } else {
    return err_set(err, 0, "--restart %s: no, always, unless-stopped, on-failure or "
                           "on-failure:N (N > 0)", s);
  }
  if (run_rm)
    return err_set(err, 0, "--restart %s and --rm conflict: a container removed when it exits "
                           "cannot run again", s);
  return 0;
}

static int do_run(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  /* flags stop at the image: what follows is the container's command */
  int i = tote_parse(&tote_run_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  /* with --rootfs there is no image: what follows is the command */
  int first_arg = run_rootfs ? i : i + 1;
  if (strcmp(run_tls, "true") != 0 && strcmp(run_tls, "false") != 0)
    return err_set(err, 0, "--tls-verify takes true or false, not \"%s\"", run_tls);
  if (run_pull && strcmp(run_pull, "missing") != 0 && strcmp(run_pull, "always") != 0 &&
      strcmp(run_pull, "never") != 0)
    return err_set(err, 0, "--pull takes missing, always or never, not \"%s\"", run_pull);
  if (run_stop_signal && sig_parse(run_stop_signal) < 0)
    return err_set(err, 0, "--stop-signal %s: no such signal (a name such as SIGTERM or TERM, or "
                           "a number)", run_stop_signal);
  const char *policy = NULL;
  int restart_max = 0;
  if (parse_restart(run_restart, &policy, &restart_max, err) < 0)
    return -1;
  char *end = NULL;
  long stop_timeout = run_stop_timeout ? strtol(run_stop_timeout, &end, 10) : 10;
  if (run_stop_timeout && (*run_stop_timeout == '\0' || *end || stop_timeout < -1 ||
                           stop_timeout > 100000000))
    return err_set(err, 0, "--stop-timeout %s: seconds (0 or more), or -1 for no limit",
                   run_stop_timeout);
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
      .state_root = rootless() ? NULL : TOTE_STATE_ROOT,
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
      .tty = run_tty,
      .interactive = run_interactive,
      .tls_verify = strcmp(run_tls, "true") == 0,
      .platform = run_platform,
      .stop_signal = run_stop_signal,
      .stop_timeout = (int)stop_timeout,
      .restart_policy = policy,
      .restart_max = restart_max,
      .pull = run_pull,
      .labels = run_label.items,
      .nlabels = run_label.n,
      .net = {
          .network = run_network,
          .ip = run_ip,
          .publish = {run_publish.items, run_publish.n},
          .publish_all = run_publish_all,
          .dns = {run_dns.items, run_dns.n},
          .dns_search = {run_dns_search.items, run_dns_search.n},
          .dns_options = {run_dns_option.items, run_dns_option.n},
      },
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
  if (log_opts(&o.log_max_size, err) < 0)
    return -1;
  /* attached: the signals for the container are held from now on */
  _cleanup_close_ int sigfd = run_detach ? -1 : eng_monitor_block_signals(err);
  if (!run_detach && sigfd < 0)
    return -1;
  /* the monitor executes itself from tote's protected copy (it is the
   * parent of the container's processes) while the container is made */
  struct eng_monitor_opts mo = {.root = o.root, .state_root = o.state_root,
                                .attach = !run_detach, .tty = run_tty,
                                .interactive = run_interactive};
  struct eng_monitor mon;
  if (eng_monitor_prespawn(&mo, &mon, err) < 0)
    return -1;
  json_t *c = eng_create(&o, err);
  if (c == NULL) {
    eng_monitor_close(&mon); /* it ends, having done nothing */
    return -1;
  }
  int r = run_monitored(&mo, &mon, c, sigfd, err);
  json_decref(c);
  return r;
}

const struct tote_cmd tote_run_cmd = {
    "run", "[flags] IMAGE [COMMAND [ARG...]]  |  [flags] --rootfs PATH COMMAND [ARG...]",
    "run a command in a new container of IMAGE; exit with its status (-d: print its id)", do_run,
    run_opts, false /* its monitor, the container's parent, is protected: eng_monitor_prespawn */};

/* ---- ps ---- */

static bool ps_all, ps_quiet, ps_no_trunc;
static const char *ps_format = "table";
static struct strlist ps_filters;
static const struct cli_opt ps_opts[] = {
    {"all", 'a', OPT_BOOL, &ps_all, "also the containers that do not run", NULL},
    {"quiet", 'q', OPT_BOOL, &ps_quiet, "print only the ids", NULL},
    {"no-trunc", 0, OPT_BOOL, &ps_no_trunc, "print whole ids and commands", NULL},
    {"filter", 'f', OPT_STRING_LIST, &ps_filters,
     "status=, name=, id= or label=KEY[=VALUE] (repeatable)", "FILTER"},
    {"format", 0, OPT_STRING, &ps_format, "table or json (one object per line, as docker's)",
     "FORMAT"},
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

/* docker's State: created, running, paused, exited. */
static const char *ps_state(const struct eng_ctx *e, json_t *c) {
  const char *s = eng_state(e, c);
  return strcmp(s, "created") == 0 || strcmp(s, "running") == 0 || strcmp(s, "paused") == 0
             ? s
             : "exited";
}

/* "k=v,k2=v2", as docker's ps shows labels. */
static char *labels_text(json_t *labels) {
  char *out = xstrdup("");
  const char *k;
  json_t *v;
  json_object_foreach(labels, k, v) {
    char *n = xasprintf("%s%s%s=%s", out, *out ? "," : "", k, json_string_value(v));
    free(out);
    out = n;
  }
  return out;
}

static void ps_row(json_t *c, const char *state, int64_t now) {
  const char *id = json_string_value(json_object_get(c, "id"));
  if (ps_quiet) {
    printf("%.*s\n", ps_no_trunc ? 64 : 12, id);
    return;
  }
  _cleanup_free_ char *cmd = joined(json_object_get(c, "command"));
  char status[96];
  eng_ps_status(c, now, status, sizeof status);
  if (strcmp(state, "paused") == 0)
    strncat(status, " (Paused)", sizeof status - strlen(status) - 1);
  if (strcmp(ps_format, "json") == 0) {
    _cleanup_free_ char *labels = labels_text(json_object_get(c, "labels"));
    _cleanup_free_ char *quoted = xasprintf("\"%s\"", cmd);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ID", id, "Image",
                          json_string_value(json_object_get(c, "image")) ?: "", "Command", quoted,
                          "CreatedAt", json_string_value(json_object_get(c, "created")) ?: "",
                          "Status", status, "State", state, "Names",
                          json_string_value(json_object_get(c, "name")) ?: "", "Labels", labels);
    char *text = json_dumps(o, JSON_COMPACT);
    puts(text);
    free(text);
    json_decref(o);
    return;
  }
  printf("%-12.*s  %-30s  \"%.*s\"  %-28s  %s\n", ps_no_trunc ? 64 : 12, id,
         json_string_value(json_object_get(c, "image")), ps_no_trunc ? 4096 : 20, cmd, status,
         json_string_value(json_object_get(c, "name")));
}

static int do_ps(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (tote_parse(&tote_ps_cmd, argc, argv, 0, err) < 0)
    return -1;
  if (strcmp(ps_format, "table") != 0 && strcmp(ps_format, "json") != 0)
    return err_set(err, 0, "--format takes table or json, not \"%s\"", ps_format);
  bool by_status = false; /* as docker: a status filter looks at every container */
  for (int k = 0; k < ps_filters.n; k++) {
    if (eng_filter_check(ps_filters.items[k], err) < 0)
      return -1;
    by_status |= strncmp(ps_filters.items[k], "status=", 7) == 0;
  }
  struct eng_ctx e;
  _cleanup_close_ int dir = tote_engine(ctx, &e, err);
  if (dir < 0)
    return -1;
  json_t *list = eng_list(dir);
  if (!ps_quiet && strcmp(ps_format, "table") == 0)
    printf("%-12s  %-30s  %-24s  %-28s  %s\n", "CONTAINER ID", "IMAGE", "COMMAND", "STATUS",
           "NAMES");
  int64_t now = eng_now_ns();
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c) {
    json_t *cur = eng_sync(&e, json_incref(c));
    const char *state = cur ? ps_state(&e, cur) : NULL;
    if (cur && (ps_all || by_status || eng_running(cur)) &&
        eng_filter_match(cur, state, ps_filters.items, ps_filters.n))
      ps_row(cur, state, now);
    json_decref(cur);
  }
  json_decref(list);
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_ps_cmd = {"ps", "[-a] [-q] [--no-trunc] [-f KEY=VALUE]... [--format table|json]",
                                     "list the containers (-a: also those that exited)", do_ps,
                                     ps_opts};

/* ---- rm ---- */

static bool rm_force, rm_volumes;
static const struct cli_opt rm_opts[] = {
    {"force", 'f', OPT_BOOL, &rm_force, "kill a running container first", NULL},
    {"volumes", 'v', OPT_BOOL, &rm_volumes, "remove its anonymous volumes too", NULL},
    {NULL},
};

/* rm -f of a running container: killed, and its monitor's clean-up waited
 * for; NULL when that removed it (--rm). */
static json_t *kill_first(const struct eng_ctx *e, json_t *c, tote_err **err) {
  if (strcmp(json_string_value(json_object_get(c, "state")) ?: "", "broken") == 0) {
    /* no record to go by: the runtime's container killed by id, its monitor
     * waited for (it cannot record the exit without one) */
    struct rt_context rt = {.root = e->state_root};
    tote_err *ignored = NULL;
    if (rt_kill(&rt, json_string_value(json_object_get(c, "id")), SIGKILL, true, &ignored) < 0)
      err_free(&ignored);
    int code;
    eng_wait_exit(e, json_string_value(json_object_get(c, "id")), 10000, &code);
    return c;
  }
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
  int r = eng_remove(e, c, rm_volumes, err);
  json_decref(c);
  return r;
}

static int do_rm(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_rm_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  struct eng_ctx e;
  _cleanup_close_ int dir = tote_engine(ctx, &e, err);
  if (dir < 0)
    return -1;
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

const struct tote_cmd tote_rm_cmd = {"rm", "[-f] [-v] CONTAINER...",
                                     "remove containers (-f: a running one is killed first; -v: "
                                     "with their anonymous volumes)",
                                     do_rm, rm_opts};
