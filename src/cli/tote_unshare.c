/* tote_unshare.c - `tote unshare [CMD [ARG...]]`: a command run in the
 * user namespace that a user's tote works in (engine/userns.h), where the
 * files of the user's store have the owners the images gave them: to look
 * at them, or to remove them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tote.h"
#include "util/err.h"
#include "util/log.h"
#include "util/rootless.h"
#include "util/xalloc.h"

static int do_unshare(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  (void)ctx;
  int i = tote_parse(&tote_unshare_cmd, argc, argv, 0, err);
  if (i < 0)
    return -1;
  if (!rootless())
    return err_set(err, 0, "tote unshare is for users without root: as root, run the command "
                           "itself");
  if (geteuid() != 0)
    return err_set(err, 0, "tote unshare: you have no subordinate ids, so tote uses no user "
                           "namespace: give your user ranges in /etc/subuid and /etc/subgid");
  const char *shell = getenv("SHELL");
  char *sh[] = {(char *)(shell && *shell ? shell : "/bin/sh"), NULL};
  char **cmd = i < argc ? argv + i : sh;
  execvp(cmd[0], cmd);
  /* as tote run: a command not found 127, not executable 126 */
  int e = errno;
  _cleanup_free_ char *msg = xasprintf("tote unshare: running %s: %s", cmd[0], strerror(e));
  log_error_exit_msg("tote", msg);
  return e == ENOENT ? 127 : 126;
}

const struct tote_cmd tote_unshare_cmd = {
    .name = "unshare",
    .args = "[CMD [ARG...]]",
    .summary = "run a command (default: $SHELL) in the user namespace of a user's tote, where "
               "the store's files have their images' owners",
    .run = do_unshare,
};
