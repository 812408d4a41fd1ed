/* oci_exec.c - `exec`: run another process in a container.  The process
 * starts from the container's own (env, user, capabilities...) unless
 * --process gives a whole one; flags then override it, as runc does. */
#include <stdlib.h>
#include <string.h>

#include "cli/oci.h"
#include "util/err.h"
#include "util/xalloc.h"

static struct {
  const char *process_file, *console_socket, *cwd, *user, *pid_file;
  struct strlist env, caps, gids;
  bool tty, detach, no_new_privs;
  int preserve_fds;
} x;

static const struct cli_opt exec_opts[] = {
    {"process", 'p', OPT_STRING, &x.process_file, "a process.json to run (the whole process)", "FILE"},
    {"tty", 't', OPT_BOOL, &x.tty, "give the process a terminal", NULL},
    {"console-socket", 0, OPT_STRING, &x.console_socket, "send the pty master to this socket", "SOCK"},
    {"env", 'e', OPT_STRING_LIST, &x.env, "set an environment variable", "K=V"},
    {"cwd", 0, OPT_STRING, &x.cwd, "working directory inside the container", "DIR"},
    {"user", 'u', OPT_STRING, &x.user, "run as UID[:GID]", "UID[:GID]"},
    {"additional-gids", 'g', OPT_STRING_LIST, &x.gids, "add a supplementary group", "GID"},
    {"cap", 'c', OPT_STRING_LIST, &x.caps, "add a capability", "CAP"},
    {"no-new-privs", 0, OPT_BOOL, &x.no_new_privs, "set no_new_privs", NULL},
    {"detach", 'd', OPT_BOOL, &x.detach, "do not wait for the process", NULL},
    {"pid-file", 0, OPT_STRING, &x.pid_file, "write the process's pid to FILE", "FILE"},
    {"preserve-fds", 0, OPT_INT, &x.preserve_fds, "pass N more fds (from 3) to the process", "N"},
    {NULL}};

static int parse_id(const char *s, unsigned *out) {
  char *end;
  unsigned long v = strtoul(s, &end, 10);
  if (*s == '\0' || *end || v > 0xffffffffUL)
    return -1;
  *out = (unsigned)v;
  return 0;
}

static int apply_user(struct rt_process *p, tote_err **err) {
  if (x.user) {
    _cleanup_free_ char *u = xstrdup(x.user);
    char *colon = strchr(u, ':');
    unsigned uid, gid = p->user.gid;
    if (colon)
      *colon = '\0';
    if (parse_id(u, &uid) < 0 || (colon && parse_id(colon + 1, &gid) < 0))
      return err_set(err, 0, "--user takes UID[:GID] as numbers, not %s", x.user);
    p->user.uid = uid;
    p->user.gid = gid;
  }
  for (int i = 0; i < x.gids.n; i++) {
    unsigned g;
    if (parse_id(x.gids.items[i], &g) < 0)
      return err_set(err, 0, "--additional-gids takes a number, not %s", x.gids.items[i]);
    p->user.additional_gids = xrealloc(p->user.additional_gids,
                                       sizeof(gid_t) * (p->user.n_additional_gids + 1));
    p->user.additional_gids[p->user.n_additional_gids++] = g;
  }
  return 0;
}

static int apply_caps(struct rt_process *p, tote_err **err) {
  for (int i = 0; i < x.caps.n; i++) {
    int v = config_cap_from_name(x.caps.items[i]);
    if (v < 0)
      return err_set(err, 0, "--cap: unknown capability %s (use names like CAP_NET_ADMIN)",
                     x.caps.items[i]);
    uint64_t bit = 1ULL << v;
    p->caps.present = true;
    p->caps.bounding |= bit;
    p->caps.effective |= bit;
    p->caps.permitted |= bit;
    if (p->caps.inheritable)
      p->caps.ambient |= bit;
  }
  return 0;
}

static int apply_flags(struct rt_process *p, char **args, int nargs, tote_err **err) {
  if (nargs > 0) {
    strv_free(p->args);
    p->args = xcalloc_array((size_t)nargs + 1, sizeof(char *));
    for (int i = 0; i < nargs; i++)
      p->args[i] = xstrdup(args[i]);
  }
  if (p->args == NULL || p->args[0] == NULL)
    return err_set(err, 0, "exec needs a command: tote-oci exec ID CMD [ARGS] or --process FILE");
  for (int i = 0; i < x.env.n; i++) {
    if (strchr(x.env.items[i], '=') == NULL)
      return err_set(err, 0, "--env takes K=V, not %s", x.env.items[i]);
    config_process_setenv(p, x.env.items[i]);
  }
  if (x.cwd) {
    if (x.cwd[0] != '/')
      return err_set(err, 0, "--cwd must be an absolute path, not %s", x.cwd);
    free(p->cwd);
    p->cwd = xstrdup(x.cwd);
  }
  if (x.tty)
    p->terminal = true;
  if (x.no_new_privs)
    p->no_new_privileges = true;
  return apply_user(p, err) < 0 ? -1 : apply_caps(p, err);
}

static int do_exec(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  int i = cli_parse(argc, argv, 1, exec_opts, err);
  if (i < 0 || i >= argc) {
    if (i >= 0)
      err_set(err, 0, "exec takes ID [CMD ARGS...] (see tote-oci exec --help)");
    return OCI_USAGE_ERROR;
  }
  const char *id = argv[i];
  struct rt_process *p = x.process_file ? config_load_process(x.process_file, err)
                                        : rt_exec_base_process(ctx, id, err);
  if (p == NULL)
    return -1;
  int code = 0, r;
  if (x.process_file && argc - i > 1)
    r = err_set(err, 0, "exec: give either --process or a command, not both");
  else
    r = apply_flags(p, argv + i + 1, argc - i - 1, err);
  struct rt_exec_opts o = {.id = id, .process = p, .pid_file = x.pid_file,
                           .console_socket = x.console_socket, .detach = x.detach,
                           .preserve_fds = x.preserve_fds};
  if (r == 0)
    r = rt_exec(ctx, &o, &code, err);
  config_process_free(p);
  return r < 0 ? -1 : code;
}

const struct oci_cmd oci_exec_cmd = {"exec", "[flags] ID [CMD ARGS...]",
                                     "run a new process inside a running container", do_exec,
                                     exec_opts, true};
