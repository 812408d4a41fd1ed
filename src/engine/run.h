/* run.h - the making of an image's container for `tote run`: its record,
 * its directory, its rootfs and its config.json; the monitor (monitor.h)
 * then runs it through the runtime library (no exec of tote-oci).
 *
 * The image config is applied as docker applies it: Env, then -e; the
 * command is the image's Entrypoint followed by the arguments given, or by
 * its Cmd when none are; --entrypoint replaces the Entrypoint and drops the
 * Cmd; WorkingDir or -w; User or -u (a name, or uid[:gid], names looked up
 * in the container's /etc/passwd and /etc/group).  The rootfs is an overlay
 * of the image's layers (ROOT/layers) with the container's own upper and
 * work directories.  The defaults are docker's: its 14 capabilities,
 * masked and read-only /proc paths, new namespaces; the network namespace
 * is the engine's, made when the container starts (netattach.h). */
#ifndef TOTE_ENGINE_RUN_H
#define TOTE_ENGINE_RUN_H

#include <jansson.h>
#include <stdbool.h>

#include "engine/hostconfig.h"
#include "engine/netattach.h"

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
  bool tty;               /* -t: the process has a pty, which the monitor holds */
  bool interactive;       /* -i: its stdin is kept open (attached: ours) */
  bool tls_verify;        /* for a pull the run needs */
  const char *platform;   /* --platform for that pull, or NULL */
  const char *pull;       /* --pull: missing (NULL), always or never */
  const char *stop_signal; /* --stop-signal, over the image's StopSignal */
  int stop_timeout;       /* --stop-timeout: tote stop's wait (docker's default 10) */
  const char *restart_policy; /* --restart: always, unless-stopped, on-failure, or NULL (no) */
  int restart_max;        /* on-failure:N (0: no limit) */
  struct eng_host host;   /* resources, caps, security, mounts (hostconfig.h) */
  const char **labels;    /* --label KEY[=VALUE] */
  int nlabels;
  long long log_max_size; /* --log-opt max-size: the cap of ctr.log (0: the default) */
  struct eng_net_request net; /* --network, --ip, -p, -P, --dns... (netattach.h) */
};

/* Make the container: its record (container.json, state "created", with
 * what tote inspect and tote start need: rootfs, lower, auto_remove,
 * log_max_size, stop_signal, docker's config), upper/ work/ rootfs/, the
 * overlay mounted and config.json written.  A new reference, or NULL with
 * err and nothing left behind. */
json_t *eng_create(const struct eng_run_opts *o, struct tote_err **err);

/* The overlay of the record's "lower" layers on its "rootfs" (nothing for
 * --rootfs containers), and its unmounting. */
int eng_mount_rootfs(const char *root, json_t *c, struct tote_err **err);
void eng_unmount_rootfs(json_t *c);
/* Unmount, remove the directory, release the image: the container is gone;
 * with volumes, its anonymous volumes too (--rm, rm -v). */
void eng_discard(const char *root, int cdir, json_t *c, bool volumes);

/* What the monitor returns when the runtime could not create or start
 * the container: err's errnum is then ENOENT for a command not found and
 * EACCES for one not executable (docker's 127 and 126). */
#define ENG_RUNTIME_FAILED (-2)
/* What tote exec returns when its command cannot be invoked for want of
 * something else than the command's file: a -w directory the container
 * lacks (docker's 126). */
#define ENG_NOT_INVOKED (-3)

/* The runtime's state of the engine's containers, as root. */
#define ENG_STATE_ROOT "/run/tote"

#endif
