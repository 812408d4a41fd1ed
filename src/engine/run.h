/* run.h - `tote run` in the foreground: an image's container, created,
 * started, waited for and cleaned up, through the runtime library (no exec
 * of tote-oci).
 *
 * The image config is applied as docker applies it: Env, then -e; the
 * command is the image's Entrypoint followed by the arguments given, or by
 * its Cmd when none are; --entrypoint replaces the Entrypoint and drops the
 * Cmd; WorkingDir or -w; User or -u (a name, or uid[:gid], names looked up
 * in the container's /etc/passwd and /etc/group).  The rootfs is an overlay
 * of the image's layers (ROOT/layers) with the container's own upper and
 * work directories.  The defaults are docker's: its 14 capabilities,
 * masked and read-only /proc paths, new namespaces; the network namespace
 * has only a loopback (networks come with the networking work). */
#ifndef TOTE_ENGINE_RUN_H
#define TOTE_ENGINE_RUN_H

#include <stdbool.h>

#include "engine/hostconfig.h"

struct tote_err;

struct eng_run_opts {
  const char *root;       /* the store: /var/lib/tote */
  const char *state_root; /* the runtime's state: /run/tote */
  const char *image;       /* NULL with rootfs */
  const char *rootfs;      /* --rootfs: a directory, or a tar[.gz|.zst] unpacked into the
                              container's directory (and removed with it) */
  char **args;            /* the command after the image, may be empty */
  int nargs;
  const char *name;       /* NULL: the id's first 12 digits */
  const char **env;       /* -e KEY=VALUE, or KEY (taken from tote's environment) */
  int nenv;
  const char *workdir, *user, *entrypoint, *hostname;
  bool entrypoint_set;    /* --entrypoint given (maybe "") */
  bool remove;            /* --rm */
  bool tls_verify;        /* for a pull the run needs */
  const char *platform;   /* --platform for that pull, or NULL */
  const char *pull;       /* --pull: missing (NULL), always or never */
  struct eng_host host;   /* resources, caps, security, mounts (hostconfig.h) */
  const char **labels;    /* --label KEY[=VALUE] */
  int nlabels;
};

/* Run to the end; *exit_code gets the container's (128+N for signal N).
 * -1 with err when the container could not be made; ENG_RUNTIME_FAILED
 * when the runtime could not start its command: err's errnum is then
 * ENOENT for a command not found and EACCES for one not executable
 * (docker's 127 and 126). */
#define ENG_RUNTIME_FAILED (-2)
int eng_run(const struct eng_run_opts *o, int *exit_code, struct tote_err **err);

#endif
