/* tote_exec.c - `tote exec`: a command in a running container
 * (engine/exec.h). */
#include <stdio.h>
#include <string.h>

#include "cli/tote.h"
#include "engine/exec.h"
#include "engine/lifecycle.h"
#include "util/err.h"
#include "util/xalloc.h"

static bool x_detach, x_interactive, x_tty;
static const char *x_workdir, *x_user;
static struct strlist x_env;

static const struct cli_opt exec_opts[] = {
    {"detach", 'd', OPT_BOOL, &x_detach, "return once the command runs", NULL},
    {"env", 'e', OPT_STRING_LIST, &x_env, "KEY=VALUE, or KEY to pass tote's own (repeatable)",
     "ENV"},
    {"workdir", 'w', OPT_STRING, &x_workdir, "the working directory in the container", "DIR"},
    {"user", 'u', OPT_STRING, &x_user, "name or uid[:gid] to run as", "USER"},
    {"interactive", 'i', OPT_BOOL, &x_interactive, "our stdin goes to the command", NULL},
    {"tty", 't', OPT_BOOL, &x_tty, "give the command a terminal, driven by ours", NULL},
    {NULL},
};

static int do_exec(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_exec_cmd, argc, argv, 2, err);
  if (i < 0)
    return -1;
  if (x_detach && (x_interactive || x_tty))
    return err_set(err, 0, "tote exec: -d with -%s: a detached command has no terminal or "
                           "stdin of ours to use", x_tty ? "t" : "i");
  struct eng_ctx e;
  json_t *c = tote_find(ctx, &e, argv[i], err);
  if (c == NULL)
    return -1;
  struct eng_exec_opts o = {.args = argv + i + 1, .nargs = argc - i - 1, .env = x_env.items,
                            .nenv = x_env.n, .workdir = x_workdir, .user = x_user,
                            .detach = x_detach, .tty = x_tty, .interactive = x_interactive};
  int code;
  int r = eng_exec(&e, c, &o, &code, err);
  json_decref(c);
  return r < 0 ? tote_start_failed(r, err) : code;
}

const struct tote_cmd tote_exec_cmd = {
    "exec", "[-d] [-i] [-t] [-e K=V]... [-w DIR] [-u USER] CONTAINER COMMAND [ARG...]",
    "run a command in a running container; exit with its status", do_exec, exec_opts, true};
