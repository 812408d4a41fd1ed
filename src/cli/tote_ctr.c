/* tote_ctr.c - the commands on containers that run under a monitor:
 * `tote start`, `stop`, `kill`, `wait` and `inspect` (engine/lifecycle.h).
 * `tote logs` is in tote_logs.c. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tote.h"
#include "engine/container.h"
#include "engine/ctrlog.h"
#include "engine/lifecycle.h"
#include "image/images.h"
#include "image/store.h"
#include "util/err.h"
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

static int start_one(const struct eng_ctx *e, const char *arg, json_t *c, char **out,
                     tote_err **err) {
  (void)arg, (void)out;
  return eng_start(e, c, err) < 0 ? -1 : 0;
}

static int do_start(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_start_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (geteuid() != 0)
    return err_set(err, 0, "tote start as a user (rootless) is not supported yet: run it as root");
  return each(ctx, argc - i, argv + i, start_one, err);
}

const struct tote_cmd tote_start_cmd = {
    "start", "CONTAINER...",
    "start containers that exited (or were created) again, in the background", do_start, NULL};

/* ---- stop ---- */

static int stop_time = 10;
static const struct cli_opt stop_opts[] = {
    {"time", 't', OPT_INT, &stop_time,
     "seconds to wait after the stop signal before SIGKILL (default 10; -1: no limit)", "SECS"},
    {NULL},
};

static int stop_one(const struct eng_ctx *e, const char *arg, json_t *c, char **out,
                    tote_err **err) {
  (void)arg, (void)out;
  return eng_stop(e, c, stop_time, err);
}

static int do_stop(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_stop_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (stop_time < -1)
    return err_set(err, 0, "tote stop -t %d: give seconds (0 or more), or -1 for no limit",
                   stop_time);
  return each(ctx, argc - i, argv + i, stop_one, err);
}

const struct tote_cmd tote_stop_cmd = {
    "stop", "[-t SECS] CONTAINER...",
    "stop containers: the image's StopSignal (or SIGTERM), SIGKILL after -t seconds", do_stop,
    stop_opts};

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
static json_t *inspect_container(const struct eng_ctx *e, json_t *c, const char *abs_root) {
  const char *id = json_string_value(json_object_get(c, "id"));
  const char *state = json_string_value(json_object_get(c, "state"));
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
  return json_pack(
      "{s:s, s:s, s:s, s:o, s:{s:s, s:b, s:b, s:b, s:b, s:b, s:I, s:I, s:s, s:s, s:s}, "
      "s:s, s:s, s:s, s:i, s:s, s:o, s:{s:b, s:{s:s, s:o}}, s:[], s:o}",
      "Id", id, "Created", or_zero(c, "created"), "Path",
      json_string_value(json_array_get(cmd, 0)) ?: "", "Args", args, "State", "Status",
      state && strcmp(state, "broken") != 0 ? state : "dead", "Running", running, "Paused", 0,
      "Restarting", 0, "OOMKilled", json_is_true(json_object_get(c, "oom_killed")), "Dead", 0,
      "Pid", running ? json_integer_value(json_object_get(c, "pid")) : (json_int_t)0,
      "ExitCode", json_integer_value(json_object_get(c, "exit_code")), "Error", "",
      "StartedAt", or_zero(c, "started"), "FinishedAt", or_zero(c, "finished"), "Image",
      json_string_value(json_object_get(c, "image_id")) ?: "", "LogPath",
      log_path, "Name", name,
      "RestartCount", 0, "Driver", "overlay", "Config", cfg, "HostConfig", "AutoRemove",
      json_is_true(json_object_get(c, "auto_remove")), "LogConfig", "Type", "json-file", "Config",
      logcfg, "Mounts", "NetworkSettings", json_object());
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
