/* tote_attach.c - `tote attach [--no-stdin] [--sig-proxy=false] CONTAINER`:
 * our stdio joined to a running container's (engine/attach.h). */
#include <string.h>

#include "cli/tote.h"
#include "engine/attach.h"
#include "engine/lifecycle.h"
#include "util/err.h"
#include "util/xalloc.h"

static bool attach_no_stdin;
static const char *attach_sig_proxy = "true";
static const struct cli_opt attach_opts[] = {
    {"no-stdin", 0, OPT_BOOL, &attach_no_stdin, "do not send our stdin", NULL},
    {"sig-proxy", 0, OPT_STRING, &attach_sig_proxy,
     "pass the signals we get on to the container (true, the default, or false)", "BOOL"},
    {NULL},
};

static int do_attach(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_attach_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (argc - i != 1)
    return err_set(err, 0, "tote attach takes one CONTAINER");
  if (strcmp(attach_sig_proxy, "true") != 0 && strcmp(attach_sig_proxy, "false") != 0)
    return err_set(err, 0, "--sig-proxy takes true or false, not \"%s\"", attach_sig_proxy);
  struct eng_ctx e;
  json_t *c = tote_find(ctx, &e, argv[i], err);
  if (c == NULL)
    return -1;
  int code = 0, r = 0;
  if (!eng_running(c)) {
    r = err_set(err, 0, "container %s is not running: start it first (tote start)", argv[i]);
  } else {
    struct eng_attach_opts o = {
        .root = ctx->root, .state_root = TOTE_STATE_ROOT,
        .id = json_string_value(json_object_get(c, "id")),
        .stdin_open = json_is_true(json_object_get(c, "interactive")) && !attach_no_stdin,
        .tty = json_is_true(json_object_get(c, "tty")),
        .sig_proxy = strcmp(attach_sig_proxy, "true") == 0};
    r = eng_attach(&o, &code, err);
  }
  json_decref(c);
  return r < 0 ? -1 : code;
}

const struct tote_cmd tote_attach_cmd = {
    "attach", "[--no-stdin] [--sig-proxy=false] CONTAINER",
    "join a running container's output (and its stdin, when it was run with -i) until it exits; "
    "exit with its status",
    do_attach, attach_opts};
