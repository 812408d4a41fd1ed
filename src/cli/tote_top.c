/* tote_top.c - `tote top`, `tote stats`, `tote pause` and `tote unpause`:
 * the running processes of containers, what they use, and freezing them
 * (through the runtime library, on the state under /run/tote). */
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli_ps.h"
#include "cli/tote.h"
#include "engine/container.h"
#include "engine/lifecycle.h"
#include "engine/usage.h"
#include "runtime/runtime.h"
#include "util/err.h"
#include "util/xalloc.h"

#define STATE_ROOT TOTE_STATE_ROOT

static json_t *find(const struct tote_ctx *ctx, const char *arg, tote_err **err) {
  struct eng_ctx e;
  return tote_find(ctx, &e, arg, err);
}

static const char *id_of(json_t *c) { return json_string_value(json_object_get(c, "id")); }

/* Whether the runtime has the container running (or paused, when asked). */
static bool running(const char *id, bool paused_too) {
  struct rt_context rt = {.root = STATE_ROOT};
  json_t *st = rt_state(&rt, id, NULL);
  const char *s = json_string_value(json_object_get(st, "status"));
  bool r = s && (strcmp(s, "running") == 0 || (paused_too && strcmp(s, "paused") == 0));
  json_decref(st);
  return r;
}

static int not_running(const char *arg, tote_err **err) {
  return err_set(err, 0, "container %s is not running", arg);
}

/* ---- top ---- */

static int do_top(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_top_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  json_t *c = find(ctx, argv[i], err);
  if (c == NULL)
    return -1;
  int r = -1;
  pid_t *pids = NULL;
  size_t n = 0;
  struct rt_context rt = {.root = STATE_ROOT};
  if (!running(id_of(c), true))
    not_running(argv[i], err);
  else if (rt_ps(&rt, id_of(c), &pids, &n, err) == 0)
    r = cli_ps_table(pids, n, argc - i - 1, argv + i + 1, err);
  free(pids);
  json_decref(c);
  return r < 0 ? -1 : TOTE_EXIT_OK;
}

const struct tote_cmd tote_top_cmd = {
    "top", "CONTAINER [ps OPTIONS]",
    "the processes of a running container, as ps(1) shows them (default ps -ef)", do_top, NULL};

/* ---- stats ---- */

static bool stats_no_stream, stats_all, stats_no_trunc;
static const struct cli_opt stats_opts[] = {
    {"no-stream", 0, OPT_BOOL, &stats_no_stream, "print once and exit", NULL},
    {"all", 'a', OPT_BOOL, &stats_all, "every container, not only the running ones", NULL},
    {"no-trunc", 0, OPT_BOOL, &stats_no_trunc, "print whole ids", NULL},
    {NULL},
};

/* The containers to show: those named (each must exist), or all the
 * running ones (-a: all). */
static json_t *chosen(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  _cleanup_close_ int cdir = eng_containers_dir(ctx->root, err);
  if (cdir < 0)
    return NULL;
  if (argc == 0) {
    json_t *all = eng_list(cdir), *out = json_array();
    size_t k;
    json_t *c;
    json_array_foreach(all, k, c) if (stats_all || running(id_of(c), true))
        json_array_append(out, c);
    json_decref(all);
    return out;
  }
  json_t *out = json_array();
  for (int k = 0; k < argc; k++) {
    json_t *c = eng_find(cdir, argv[k], err);
    if (c == NULL) {
      json_decref(out);
      return NULL;
    }
    json_array_append_new(out, c);
  }
  return out;
}

/* Read every container's usage into u (zeros for one that is not running). */
static void read_all(json_t *list, struct eng_usage *u) {
  size_t k;
  json_t *c;
  json_array_foreach(list, k, c) {
    memset(&u[k], 0, sizeof u[k]);
    if (eng_usage_read(STATE_ROOT, id_of(c), &u[k], NULL) < 0)
      memset(&u[k], 0, sizeof u[k]);
  }
}

static void print_table(json_t *list, const struct eng_usage *prev, const struct eng_usage *cur) {
  printf("%-14s %-20s %-8s %-22s %-7s %-16s %-16s %s\n", "CONTAINER ID", "NAME", "CPU %",
         "MEM USAGE / LIMIT", "MEM %", "NET I/O", "BLOCK I/O", "PIDS");
  size_t k;
  json_t *c;
  json_array_foreach(list, k, c) {
    char cells[6][48];
    eng_usage_cells(prev ? &prev[k] : NULL, &cur[k], cells);
    printf("%-14.*s %-20s %-8s %-22s %-7s %-16s %-16s %s\n", stats_no_trunc ? 64 : 12, id_of(c),
           json_string_value(json_object_get(c, "name")), cells[0], cells[1], cells[2], cells[3],
           cells[4], cells[5]);
  }
  fflush(stdout);
}

static volatile sig_atomic_t stop_stats;
static void on_signal(int sig) {
  (void)sig;
  stop_stats = 1;
}

static int do_stats(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_stats_cmd, argc, argv, 0, err);
  if (i < 0)
    return -1;
  json_t *list = chosen(ctx, argc - i, argv + i, err);
  if (list == NULL)
    return -1;
  size_t n = json_array_size(list);
  struct eng_usage *prev = xcalloc_array(n + 1, sizeof *prev);
  struct eng_usage *cur = xcalloc_array(n + 1, sizeof *cur);
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  bool tty = isatty(STDOUT_FILENO);
  /* CPU % needs two readings: the first is a second before the table */
  read_all(list, prev);
  while (!stop_stats) {
    struct timespec second = {1, 0};
    nanosleep(&second, NULL);
    if (stop_stats)
      break;
    read_all(list, cur);
    if (tty && !stats_no_stream)
      fputs("\033[2J\033[H", stdout);
    print_table(list, prev, cur);
    if (stats_no_stream)
      break;
    memcpy(prev, cur, n * sizeof *cur);
  }
  free(prev);
  free(cur);
  json_decref(list);
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_stats_cmd = {
    "stats", "[--no-stream] [-a] [--no-trunc] [CONTAINER...]",
    "what containers use, every second (CPU %, MEM USAGE / LIMIT, MEM %, NET I/O, BLOCK I/O, "
    "PIDS)",
    do_stats, stats_opts};

/* ---- pause, unpause ---- */

static int do_pause(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  bool pause = strcmp(argv[0], "pause") == 0;
  int i = tote_parse(pause ? &tote_pause_cmd : &tote_unpause_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  int failed = 0;
  for (; i < argc; i++) {
    tote_err *e = NULL;
    json_t *c = find(ctx, argv[i], &e);
    struct rt_context rt = {.root = STATE_ROOT};
    if (c && !running(id_of(c), true))
      not_running(argv[i], &e);
    else if (c)
      rt_pause(&rt, id_of(c), pause, &e);
    json_decref(c);
    if (e) {
      fprintf(stderr, "tote: %s\n", e->msg);
      err_free(&e);
      failed++;
    } else {
      puts(argv[i]);
    }
  }
  return failed ? 1 : TOTE_EXIT_OK;
}

const struct tote_cmd tote_pause_cmd = {"pause", "CONTAINER...",
                                        "freeze every process of containers", do_pause, NULL};
const struct tote_cmd tote_unpause_cmd = {"unpause", "CONTAINER...", "thaw paused containers",
                                          do_pause, NULL};
