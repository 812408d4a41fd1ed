/* hostconfig.h - what `tote run`'s flags change in a container's OCI
 * config, as docker's HostConfig does: resources (--memory, --memory-swap,
 * --cpus, --cpu-shares, --cpuset-cpus, --pids-limit), --ulimit,
 * --cap-add/--cap-drop, --privileged, --security-opt, --read-only, mounts
 * (-v HOST:CTR, --mount type=bind|tmpfs, --tmpfs), --init, and the files
 * every container gets (/etc/hosts with --add-host, /etc/hostname).
 *
 * Each flag's value is checked as docker checks it, and a bad one is an
 * error naming the flag, the value and the form it takes. */
#ifndef TOTE_ENGINE_HOSTCONFIG_H
#define TOTE_ENGINE_HOSTCONFIG_H

#include <jansson.h>
#include <stdbool.h>

struct tote_err;

struct eng_list {
  const char **v;
  int n;
};

struct eng_host {
  const char *memory, *memory_swap, *cpus, *cpu_shares, *cpuset_cpus, *pids_limit;
  struct eng_list ulimits, cap_add, cap_drop, security_opts, volumes, mounts, tmpfs, add_hosts;
  bool privileged, read_only, init;
  const char *init_path; /* the tote-init binary bound in for --init */
};

/* Where the flags are applied. */
struct eng_host_ctx {
  const char *root;      /* the store (volumes live in ROOT/volumes) */
  int cdir;              /* ROOT/containers/<id> */
  const char *cdir_path;
  int rootfd;            /* the container's rootfs, mounted (new volumes are filled from it) */
  json_t *image_config;  /* the image's config (its Volumes), or NULL */
};

/* Apply h to spec (rt_default_spec with the image's process applied): caps
 * first, then the seccomp profile that fits them (docker's default unless
 * --security-opt seccomp=FILE|unconfined or --privileged), resources,
 * rlimits, mounts (volumes made, and filled from the image when new, for
 * -v NAME:/PATH, -v /PATH, --mount type=volume and the image's Volumes);
 * hosts and hostname are written into the container's directory and bound
 * in. */
int eng_host_apply(json_t *spec, const struct eng_host *h, const struct eng_host_ctx *ctx,
                   struct tote_err **err);

/* The pure parsers, exported for the unit tests.  Each -1 with err. */
/* "--cpus 1.5" -> quota 150000 over period 100000. */
int eng_parse_cpus(const char *s, long long *quota, struct tote_err **err);
/* "nofile=1024[:2048]" -> {"type": "RLIMIT_NOFILE", "soft", "hard"}. */
json_t *eng_parse_ulimit(const char *s, struct tote_err **err);
/* -v HOST:CTR[:OPTS] (HOST absolute) -> an OCI bind mount; -v NAME:CTR and
 * -v CTR -> {"type": "volume", "source": NAME or "" (anonymous), ...}, which
 * eng_host_apply turns into a bind of the volume. */
json_t *eng_parse_volume(const char *s, struct tote_err **err);
/* --mount type=bind|volume|tmpfs,... -> an OCI mount (a volume as above). */
json_t *eng_parse_mount(const char *s, struct tote_err **err);
/* --tmpfs CTR[:OPTS] -> an OCI tmpfs mount. */
json_t *eng_parse_tmpfs(const char *s, struct tote_err **err);
/* The capability set of docker's rules: the default set, "ALL" in add for
 * every cap, drop removing (or "ALL" for all but what add names). */
json_t *eng_caps(json_t *deflt, const struct eng_list *add, const struct eng_list *drop,
                 struct tote_err **err);

#endif
