/* tote_cp.c - `tote cp [-a] CONTAINER:SRC DEST` and `tote cp [-a] SRC
 * CONTAINER:DEST` (engine/cp.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/tote.h"
#include "engine/cp.h"
#include "engine/lifecycle.h"
#include "engine/run.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

static bool cp_archive;
static const struct cli_opt cp_opts[] = {
    {"archive", 'a', OPT_BOOL, &cp_archive, "keep the files' uid and gid", NULL},
    {NULL},
};

/* "CONTAINER:PATH" -> the container part, as docker tells them apart: a
 * colon before any slash (a host path with a colon is written ./a:b). */
static char *container_of(const char *arg, const char **path) {
  const char *colon = strchr(arg, ':');
  if (colon == NULL || colon == arg || memchr(arg, '/', (size_t)(colon - arg)))
    return NULL;
  *path = colon + 1;
  return xstrndup(arg, (size_t)(colon - arg));
}

/* The container's root as an fd: /proc/PID/root while it runs, else its
 * overlay, mounted now (*mounted: unmount it after). */
static int container_root(const struct eng_ctx *e, json_t *c, bool *mounted, tote_err **err) {
  *mounted = false;
  if (eng_running(c)) {
    _cleanup_free_ char *p =
        xasprintf("/proc/%lld/root", (long long)json_integer_value(json_object_get(c, "pid")));
    int fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return fd >= 0 ? fd : err_sys(err, "opening %s", p);
  }
  if (eng_rootfs_ready(e, c, mounted, err) < 0)
    return -1;
  const char *rootfs = json_string_value(json_object_get(c, "rootfs"));
  int fd = rootfs ? open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  return fd >= 0 ? fd : err_sys(err, "opening %s", rootfs ? rootfs : "the container's rootfs");
}

static int do_cp(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_cp_cmd, argc, argv, 2, err);
  if (i < 0)
    return -1;
  if (argc - i != 2)
    return err_set(err, 0, "tote cp takes SRC and DEST, one of them CONTAINER:PATH");
  struct eng_cp_side side[2] = {{-1, argv[i]}, {-1, argv[i + 1]}};
  _cleanup_free_ char *name0 = container_of(argv[i], &side[0].path);
  _cleanup_free_ char *name1 = container_of(argv[i + 1], &side[1].path);
  if ((name0 == NULL) == (name1 == NULL))
    return err_set(err, 0, "tote cp copies between a container and the host: give one of SRC "
                           "and DEST as CONTAINER:PATH (a host path with a colon as ./a:b)");
  int k = name0 ? 0 : 1;
  if (*side[k].path == '\0')
    return err_set(err, 0, "%s: the path in the container is empty (CONTAINER:PATH)", argv[i + k]);
  struct eng_ctx e;
  json_t *c = tote_find(ctx, &e, name0 ? name0 : name1, err);
  if (c == NULL)
    return -1;
  bool mounted;
  side[k].rootfd = container_root(&e, c, &mounted, err);
  int r = side[k].rootfd < 0 ? -1 : eng_cp(&side[0], &side[1], cp_archive, err);
  bool copy_failed = r < 0 && side[k].rootfd >= 0;
  if (side[k].rootfd >= 0)
    close(side[k].rootfd);
  if (mounted)
    eng_unmount_rootfs(c);
  json_decref(c);
  if (copy_failed) { /* as docker: 1 for what the copy met, 125 for tote's own errors */
    err_wrap(err, "tote cp %s %s", argv[i], argv[i + 1]);
    log_error_exit_msg("tote", (*err)->msg);
    err_free(err);
    return TOTE_EXIT_FAILED;
  }
  return r < 0 ? -1 : TOTE_EXIT_OK;
}

const struct tote_cmd tote_cp_cmd = {
    "cp", "[-a] CONTAINER:SRC DEST  |  [-a] SRC CONTAINER:DEST",
    "copy files and directories between a container (running or not) and the host", do_cp,
    cp_opts};
