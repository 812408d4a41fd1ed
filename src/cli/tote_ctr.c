/* tote_ctr.c - the commands on containers that run under a monitor:
 * `tote start`, `stop`, `kill`, `wait` and `inspect` (engine/lifecycle.h).
 * `tote logs` is in tote_logs.c. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli/tote.h"
#include "engine/container.h"
#include "engine/ctrlog.h"
#include "engine/lifecycle.h"
#include "engine/monitor.h"
#include "engine/netattach.h"
#include "image/images.h"
#include "image/store.h"
#include "runtime/runtime.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/signame.h"
#include "util/xalloc.h"

/* What a command does to one container; *out may be set to print (else
 * the name as given is printed, as docker does). */
typedef int (*ctr_fn)(const struct eng_ctx *e, const char *arg, json_t *c, char **out,
                      tote_err **err);

/* fn on each container named (a name, an id or a unique prefix): errors
 * are printed and the others still done; 1 when any failed, as docker. */
static int each(const struct tote_ctx *ctx, int argc, char **argv, ctr_fn fn, tote_err **err) {
  struct eng_ctx e;
  _cleanup_close_ int dir = tote_engine(ctx, &e, err);
  if (dir < 0)
    return -1;
  int rc = TOTE_EXIT_OK;
  for (int i = 0; i < argc; i++) {
    tote_err *er = NULL;
    char *out = NULL;
    json_t *c = eng_find_synced(&e, argv[i], &er);
    if (c && fn(&e, argv[i], c, &out, &er) == 0)
      printf("%s\n", out ? out : argv[i]);
    else
      rc = TOTE_EXIT_FAILED;
    fflush(stdout);
    if (er) {
      fprintf(stderr, "tote: %s\n", er->msg);
      err_free(&er);
    }
    free(out);
    json_decref(c);
  }
  return rc;
}

/* ---- start ---- */

static bool start_attach, start_stdin;
static const struct cli_opt start_opts[] = {
    {"attach", 'a', OPT_BOOL, &start_attach,
     "stay attached: its output, our signals, exit with its status", NULL},
    {"interactive", 'i', OPT_BOOL, &start_stdin, "with -a: our stdin to it (a -i container)",
     NULL},
    {NULL},
};

static int start_one(const struct eng_ctx *e, const char *arg, json_t *c, char **out,
                     tote_err **err) {
  (void)arg, (void)out;
  return eng_start(e, c, NULL, err) < 0 ? -1 : 0;
}

/* start -a: one container, attached as tote run is. */
static int start_attached(const struct tote_ctx *ctx, const char *arg, tote_err **err) {
  struct eng_ctx e;
  _cleanup_close_ int dir = tote_engine(ctx, &e, err);
  if (dir < 0)
    return -1;
  _cleanup_close_ int sigfd = eng_monitor_block_signals(err);
  json_t *c = sigfd < 0 ? NULL : eng_find_synced(&e, arg, err);
  if (c == NULL)
    return -1;
  int code = 0;
  struct eng_start_attach a = {.stdin = start_stdin, .sigfd = sigfd, .exit_code = &code};
  int r = eng_start(&e, c, &a, err);
  json_decref(c);
  return r < 0 ? tote_start_failed(r, err) : code;
}

static int do_start(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_start_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (geteuid() != 0)
    return err_set(err, 0, "tote start as a user (rootless) is not supported yet: run it as root");
  if (start_stdin && !start_attach)
    return err_set(err, 0, "tote start -i needs -a (attach)");
  if (start_attach && argc - i != 1)
    return err_set(err, 0, "tote start -a takes one CONTAINER");
  if (start_attach)
    return start_attached(ctx, argv[i], err);
  return each(ctx, argc - i, argv + i, start_one, err);
}

const struct tote_cmd tote_start_cmd = {
    "start", "[-a [-i]] CONTAINER...",
    "start containers that exited (or were created) again, in the background; -a: one, attached",
    do_start, start_opts, true};

/* ---- stop ---- */

static int stop_time = INT_MIN; /* not given: the container's --stop-timeout, or 10 */
static const struct cli_opt stop_opts[] = {
    {"time", 't', OPT_INT, &stop_time,
     "seconds to wait after the stop signal before SIGKILL (default 10; -1: no limit)", "SECS"},
    {NULL},
};

static int stop_one(const struct eng_ctx *e, const char *arg, json_t *c, char **out,
                    tote_err **err) {
  (void)arg, (void)out;
  json_t *own = json_object_get(c, "stop_timeout");
  int t = stop_time != INT_MIN    ? stop_time
          : json_is_integer(own) ? (int)json_integer_value(own)
                                 : 10;
  return eng_stop(e, c, t, err);
}

static int do_stop(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_stop_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (stop_time != INT_MIN && stop_time < -1)
    return err_set(err, 0, "tote stop -t %d: give seconds (0 or more), or -1 for no limit",
                   stop_time);
  return each(ctx, argc - i, argv + i, stop_one, err);
}

const struct tote_cmd tote_stop_cmd = {
    "stop", "[-t SECS] CONTAINER...",
    "stop containers: the image's StopSignal (or SIGTERM), SIGKILL after -t seconds", do_stop,
    stop_opts};

/* ---- restart ---- */

static int restart_one(const struct eng_ctx *e, const char *arg, json_t *c, char **out,
                       tote_err **err) {
  if (stop_one(e, arg, c, out, err) < 0)
    return -1;
  json_t *now = eng_find_synced(e, json_string_value(json_object_get(c, "id")), err);
  int r = now ? eng_start(e, now, NULL, err) : -1;
  json_decref(now);
  return r < 0 ? -1 : 0;
}

static int do_restart(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_restart_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (geteuid() != 0)
    return err_set(err, 0, "tote restart as a user (rootless) is not supported yet: run it as "
                           "root");
  if (stop_time != INT_MIN && stop_time < -1)
    return err_set(err, 0, "tote restart -t %d: give seconds (0 or more), or -1 for no limit",
                   stop_time);
  return each(ctx, argc - i, argv + i, restart_one, err);
}

const struct tote_cmd tote_restart_cmd = {
    "restart", "[-t SECS] CONTAINER...",
    "stop containers as tote stop does (when they run), then start them again", do_restart,
    stop_opts, true};

/* ---- rename ---- */

static int do_rename(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_rename_cmd, argc, argv, 2, err);
  if (i < 0)
    return -1;
  if (argc - i != 2)
    return err_set(err, 0, "tote rename takes CONTAINER NEW_NAME");
  struct eng_ctx e;
  _cleanup_close_ int dir = tote_engine(ctx, &e, err);
  if (dir < 0)
    return -1;
  json_t *c = eng_find_synced(&e, argv[i], err);
  if (c == NULL)
    return -1;
  int r = flock(dir, LOCK_EX) < 0 ? err_sys(err, "locking the containers") : 0;
  if (r == 0) /* under the lock tote run takes to check and claim a name */
    r = eng_check_name(dir, argv[i + 1], err);
  if (r == 0) {
    json_object_set_new(c, "name", json_string(argv[i + 1]));
    r = eng_save(dir, c, err);
  }
  flock(dir, LOCK_UN);
  json_decref(c);
  return r < 0 ? -1 : TOTE_EXIT_OK;
}

const struct tote_cmd tote_rename_cmd = {"rename", "CONTAINER NEW_NAME",
                                         "give a container another name", do_rename, NULL};

/* ---- container prune ---- */

static bool prune_force;
static const struct cli_opt prune_opts[] = {
    {"force", 'f', OPT_BOOL, &prune_force, "(no prompt is asked: accepted as docker's)", NULL},
    {NULL},
};
static const struct tote_cmd container_prune = {"container prune", "[-f]", "", NULL, prune_opts};

/* Every container that does not run is removed (not its volumes). */
static int prune(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (tote_parse(&container_prune, argc, argv, 0, err) < 0)
    return -1;
  return tote_prune_containers(ctx, err) < 0 ? -1 : TOTE_EXIT_OK;
}

int tote_prune_containers(const struct tote_ctx *ctx, tote_err **err) {
  struct eng_ctx e;
  _cleanup_close_ int dir = tote_engine(ctx, &e, err);
  if (dir < 0)
    return -1;
  eng_sweep_leftovers(&e);
  json_t *all = eng_list(dir);
  size_t k;
  json_t *c;
  bool said = false;
  json_array_foreach(all, k, c) {
    json_t *cur = eng_sync(&e, json_incref(c));
    _cleanup_free_ char *id = cur ? xstrdup(json_string_value(json_object_get(cur, "id"))) : NULL;
    if (cur && !eng_running(cur) && eng_remove(&e, cur, false, NULL) == 0) {
      if (!said)
        puts("Deleted Containers:");
      said = true;
      puts(id);
    }
    json_decref(cur);
  }
  json_decref(all);
  return 0;
}

static int do_container(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (argc >= 2 && strcmp(argv[1], "prune") == 0)
    return prune(ctx, argc - 1, argv + 1, err);
  return err_set(err, 0, "tote container takes prune (the other container commands are "
                         "tote's own: tote ps, tote rm, ...)");
}

const struct tote_cmd tote_container_cmd = {
    "container", "prune [-f]", "remove every container that does not run", do_container, NULL};


/* ---- kill ---- */

static const char *kill_signal = "KILL";
static const struct cli_opt kill_opts[] = {
    {"signal", 's', OPT_STRING, &kill_signal, "the signal (default KILL): a name or a number",
     "SIG"},
    {NULL},
};
static int kill_sig;

static int kill_one(const struct eng_ctx *e, const char *arg, json_t *c, char **out,
                    tote_err **err) {
  (void)arg, (void)out;
  return eng_signal(e, c, kill_sig, false, err);
}

static int do_kill(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_kill_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if ((kill_sig = sig_parse(kill_signal)) < 0)
    return err_set(err, 0, "tote kill -s %s: no such signal (give a name such as TERM or "
                           "SIGHUP, or a number)", kill_signal);
  return each(ctx, argc - i, argv + i, kill_one, err);
}

const struct tote_cmd tote_kill_cmd = {"kill", "[-s SIG] CONTAINER...",
                                       "send a signal (default SIGKILL) to running containers",
                                       do_kill, kill_opts};

/* ---- wait ---- */

static int wait_one(const struct eng_ctx *e, const char *arg, json_t *c, char **out,
                    tote_err **err) {
  (void)arg;
  const char *id = json_string_value(json_object_get(c, "id"));
  int code = -1;
  if (eng_running(c) && eng_wait_exit(e, id, -1, &code) == 1 && code < 0) {
    /* no code in the lock: the monitor died; the record says what is known */
    json_t *now = eng_sync(e, eng_load(e->cdir, id));
    if (now)
      code = (int)json_integer_value(json_object_get(now, "exit_code"));
    json_decref(now);
  } else if (!eng_running(c)) {
    code = (int)json_integer_value(json_object_get(c, "exit_code"));
  }
  if (code < 0)
    return err_set(err, 0, "container %s: its exit code is unknown", arg);
  *out = xasprintf("%d", code);
  return 0;
}

static int do_wait(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_wait_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  return each(ctx, argc - i, argv + i, wait_one, err);
}

const struct tote_cmd tote_wait_cmd = {"wait", "CONTAINER...",
                                       "wait until containers exit; print their exit codes",
                                       do_wait, NULL};

/* ---- inspect ---- */

static const char *or_zero(json_t *c, const char *key) {
  const char *s = json_string_value(json_object_get(c, key));
  return s ? s : "0001-01-01T00:00:00Z";
}

/* docker's names for what the record says. */
/* docker's Mounts: the binds, volumes and tmpfs mounts the flags and the
 * image gave (not the ones every container has, nor its own /etc files). */
static json_t *mounts_of(const struct eng_ctx *e, const char *id) {
  json_t *out = json_array();
  _cleanup_free_ char *path = xasprintf("%s/config.json", id);
  _cleanup_free_ char *text = read_file_at(e->cdir, path, NULL, NULL);
  json_t *cfg = text ? json_loads(text, 0, NULL) : NULL;
  json_t *deflt = rt_default_spec(false);
  _cleanup_free_ char *own = xasprintf("%s/containers/%s/", e->root, id);
  _cleanup_free_ char *volumes = xasprintf("%s/volumes/", e->root);
  size_t i, k;
  json_t *m, *d;
  json_array_foreach(json_object_get(cfg, "mounts"), i, m) {
    const char *dst = json_string_value(json_object_get(m, "destination"));
    const char *src = json_string_value(json_object_get(m, "source")) ?: "";
    const char *type = json_string_value(json_object_get(m, "type")) ?: "";
    bool builtin = strncmp(src, own, strlen(own)) == 0 || strcmp(dst, "/dev/init") == 0;
    json_array_foreach(json_object_get(deflt, "mounts"), k, d) builtin |=
        strcmp(json_string_value(json_object_get(d, "destination")), dst) == 0;
    if (builtin)
      continue;
    bool ro = false;
    const char *prop = "";
    json_array_foreach(json_object_get(m, "options"), k, d) {
      const char *o = json_string_value(d);
      ro |= strcmp(o, "ro") == 0;
      if (strstr(o, "private") || strstr(o, "shared") || strstr(o, "slave"))
        prop = o;
    }
    bool volume = strncmp(src, volumes, strlen(volumes)) == 0;
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s}", "Type",
                          volume ? "volume" : strcmp(type, "tmpfs") == 0 ? "tmpfs" : "bind",
                          "Source", strcmp(type, "tmpfs") == 0 ? "" : src, "Destination", dst,
                          "Mode", ro ? "ro" : "", "RW", !ro, "Propagation",
                          volume || strcmp(type, "tmpfs") == 0 ? "" : prop);
    if (volume) {
      const char *n = src + strlen(volumes);
      json_object_set_new(o, "Name", json_stringn(n, strcspn(n, "/")));
      json_object_set_new(o, "Driver", json_string("local"));
    }
    json_array_append_new(out, o);
  }
  json_decref(deflt);
  json_decref(cfg);
  return out;
}

static json_t *inspect_container(const struct eng_ctx *e, json_t *c, const char *abs_root) {
  const char *id = json_string_value(json_object_get(c, "id"));
  const char *state = eng_state(e, c);
  bool paused = strcmp(state, "paused") == 0;
  json_t *cmd = json_object_get(c, "command");
  json_t *args = json_array();
  for (size_t i = 1; i < json_array_size(cmd); i++)
    json_array_append(args, json_array_get(cmd, i));
  bool running = eng_running(c);
  json_t *cfg = json_deep_copy(json_object_get(c, "config"));
  if (cfg == NULL)
    cfg = json_object();
  json_object_set(cfg, "Image", json_object_get(c, "image"));
  if (json_object_get(c, "stop_signal"))
    json_object_set(cfg, "StopSignal", json_object_get(c, "stop_signal"));
  if (json_object_get(c, "stop_timeout"))
    json_object_set(cfg, "StopTimeout", json_object_get(c, "stop_timeout"));
  if (json_object_get(c, "labels"))
    json_object_set(cfg, "Labels", json_object_get(c, "labels"));
  long long max = json_integer_value(json_object_get(c, "log_max_size"));
  json_t *logcfg = json_object();
  if (max > 0) {
    char size[32];
    snprintf(size, sizeof size, "%lld", max);
    json_object_set_new(logcfg, "max-size", json_string(size));
  }
  (void)e;
  _cleanup_free_ char *log_path =
      abs_root ? xasprintf("%s/containers/%s/%s", abs_root, id, ENG_LOG_FILE) : xstrdup("");
  _cleanup_free_ char *name =
      xasprintf("/%s", json_string_value(json_object_get(c, "name")) ?: "");
  json_t *out = json_pack(
      "{s:s, s:s, s:s, s:o, s:{s:s, s:b, s:b, s:b, s:b, s:b, s:I, s:I, s:s, s:s, s:s}, "
      "s:s, s:s, s:s, s:i, s:s, s:o, s:{s:b, s:{s:s, s:o}}, s:[], s:o}",
      "Id", id, "Created", or_zero(c, "created"), "Path",
      json_string_value(json_array_get(cmd, 0)) ?: "", "Args", args, "State", "Status",
      state && strcmp(state, "broken") != 0 ? state : "dead", "Running", running, "Paused", paused,
      "Restarting", 0, "OOMKilled", json_is_true(json_object_get(c, "oom_killed")), "Dead", 0,
      "Pid", running ? json_integer_value(json_object_get(c, "pid")) : (json_int_t)0,
      "ExitCode", json_integer_value(json_object_get(c, "exit_code")), "Error", "",
      "StartedAt", or_zero(c, "started"), "FinishedAt", or_zero(c, "finished"), "Image",
      json_string_value(json_object_get(c, "image_id")) ?: "", "LogPath",
      log_path, "Name", name,
      "RestartCount", (int)json_integer_value(json_object_get(c, "restart_count")), "Driver",
      "overlay", "Config", cfg, "HostConfig", "AutoRemove",
      json_is_true(json_object_get(c, "auto_remove")), "LogConfig", "Type", "json-file", "Config",
      logcfg, "Mounts", "NetworkSettings", eng_net_settings(c));
  /* docker's NetworkMode: bridge for the default network, else its own word */
  json_t *req = json_object_get(c, "network");
  const char *mode = json_string_value(json_object_get(req, "mode"));
  const char *net = json_string_value(json_object_get(req, "name"));
  json_t *nm = mode == NULL                        ? json_string("none")
               : strcmp(mode, "container") == 0    ? json_sprintf("container:%s",
                                                               json_string_value(json_object_get(
                                                                   req, "container")) ?: "")
               : strcmp(mode, "bridge") != 0       ? json_string(mode)
               : net && strcmp(net, "tote") != 0   ? json_string(net)
                                                   : json_string("bridge");
  json_object_set_new(json_object_get(out, "HostConfig"), "NetworkMode", nm);
  json_object_set_new(out, "Mounts", mounts_of(e, id));
  const char *policy = json_string_value(json_object_get(c, "restart_policy"));
  json_object_set_new(json_object_get(out, "HostConfig"), "RestartPolicy",
                      json_pack("{s:s, s:I}", "Name", policy ? policy : "no",
                                "MaximumRetryCount",
                                json_integer_value(json_object_get(c, "restart_max"))));
  return out;
}

static int do_inspect(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_inspect_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  struct eng_ctx e;
  _cleanup_close_ int dir = tote_engine(ctx, &e, err);
  if (dir < 0)
    return -1;
  _cleanup_free_ char *abs_root = realpath(ctx->root, NULL);
  json_t *images = NULL, *out = json_array();
  int rc = TOTE_EXIT_OK;
  for (; i < argc; i++) {
    tote_err *er = NULL;
    json_t *c = eng_find_synced(&e, argv[i], &er);
    if (c) {
      json_array_append_new(out, inspect_container(&e, c, abs_root));
      json_decref(c);
      continue;
    }
    /* not a container: an image, as tote image inspect prints it */
    if (images == NULL) {
      struct img_store s;
      if (img_store_open(ctx->root, &s, NULL) == 0) {
        images = img_list(&s, NULL);
        img_store_close(&s);
      }
    }
    json_t *img = images ? img_resolve(images, argv[i], NULL) : NULL;
    if (img) {
      json_array_append(out, img);
      err_free(&er);
    } else {
      fprintf(stderr, "tote: no container or image %s (see tote ps -a and tote images)\n",
              argv[i]);
      err_free(&er);
      rc = TOTE_EXIT_FAILED;
    }
  }
  char *text = json_dumps(out, JSON_INDENT(4));
  puts(text);
  free(text);
  json_decref(out);
  json_decref(images);
  return rc;
}

const struct tote_cmd tote_inspect_cmd = {
    "inspect", "CONTAINER|IMAGE...",
    "print containers as JSON with docker's keys (an image: as tote image inspect)", do_inspect,
    NULL};
