/* tote_export.c - `tote export [-o FILE] CONTAINER`: the container's
 * filesystem as a tar archive (engine/export.h), which `tote import` takes
 * back as an image. */
#include <stdio.h>

#include "cli/tote.h"
#include "engine/export.h"
#include "engine/lifecycle.h"
#include "engine/run.h"
#include "util/err.h"
#include "util/xalloc.h"

static const char *export_out;
static const struct cli_opt export_opts[] = {
    {"output", 'o', OPT_STRING, &export_out, "write to FILE (default: stdout, not a terminal)",
     "FILE"},
    {NULL},
};

static int do_export(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_export_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (argc - i != 1)
    return err_set(err, 0, "tote export takes one CONTAINER");
  struct eng_ctx e;
  json_t *c = tote_find(ctx, &e, argv[i], err);
  if (c == NULL)
    return -1;
  bool mounted = false;
  char *tmp = NULL;
  int fd = -1, r = eng_rootfs_ready(&e, c, &mounted, err);
  if (r == 0 && (fd = tote_output_open(export_out, "tote export", &tmp, err)) < 0)
    r = -1;
  if (r == 0)
    r = eng_export(json_string_value(json_object_get(c, "rootfs")), fd, err);
  r = tote_output_close(fd, export_out, tmp, r, err);
  if (mounted)
    eng_unmount_rootfs(c);
  json_decref(c);
  return r < 0 ? -1 : TOTE_EXIT_OK;
}

const struct tote_cmd tote_export_cmd = {
    "export", "[-o FILE] CONTAINER",
    "the container's filesystem (without its volumes and run-time mounts) as a tar archive",
    do_export, export_opts};
