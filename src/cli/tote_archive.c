/* tote_archive.c - `tote save`, `tote load` and `tote import`: images to
 * and from files (image/archive.h). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/tote.h"
#include "image/archive.h"
#include "image/store.h"
#include "util/err.h"
#include "util/xalloc.h"

static const char *save_out, *save_format = "docker-archive";

static const struct cli_opt save_opts[] = {
    {"output", 'o', OPT_STRING, &save_out, "the file to write (default: stdout, not a terminal)",
     "FILE"},
    {"format", 0, OPT_STRING, &save_format, "docker-archive (default) or oci-archive", "FORMAT"},
    {NULL},
};

static int do_save(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_save_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  enum img_archive_format f;
  if (strcmp(save_format, "docker-archive") == 0)
    f = IMG_DOCKER_ARCHIVE;
  else if (strcmp(save_format, "oci-archive") == 0)
    f = IMG_OCI_ARCHIVE;
  else
    return err_set(err, 0, "--format takes docker-archive or oci-archive, not \"%s\"",
                   save_format);
  struct img_store s;
  if (img_store_open(ctx->root, &s, err) < 0)
    return -1;
  /* written beside FILE and renamed: a failed save leaves no half archive */
  char *tmp;
  int fd = tote_output_open(save_out, "tote save", &tmp, err);
  int r = fd < 0 ? -1 : img_save(&s, argv + i, argc - i, f, fd, err);
  img_store_close(&s);
  r = tote_output_close(fd, save_out, tmp, r, err);
  return r < 0 ? -1 : TOTE_EXIT_OK;
}

const struct tote_cmd tote_save_cmd = {"save", "[-o FILE] [--format FORMAT] IMAGE...",
                                       "write images to an archive that docker and podman load",
                                       do_save, save_opts};

static const char *load_in;
static bool load_quiet;
static const struct cli_opt load_opts[] = {
    {"input", 'i', OPT_STRING, &load_in, "the archive to read (default: stdin)", "FILE"},
    {"quiet", 'q', OPT_BOOL, &load_quiet, "print nothing but errors", NULL},
    {NULL},
};

static int do_load(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_load_cmd, argc, argv, 0, err);
  if (i < 0)
    return -1;
  if (argc > i)
    return err_set(err, 0, "tote load takes no arguments (the archive comes with -i or stdin)");
  if (load_in == NULL && isatty(STDIN_FILENO))
    return err_set(err, 0, "tote load: stdin is a terminal; give -i FILE or redirect it");
  int fd = load_in ? open(load_in, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
  if (fd < 0)
    return err_sys(err, "opening %s", load_in);
  struct img_store s;
  int r = img_store_open(ctx->root, &s, err);
  json_t *names = NULL;
  if (r == 0)
    r = img_load(&s, fd, &names, err);
  img_store_close(&s);
  if (load_in)
    close(fd);
  if (r < 0)
    return load_in ? err_wrap(err, "loading %s", load_in) : err_wrap(err, "loading stdin");
  size_t k;
  json_t *n;
  json_array_foreach(names, k, n) {
    if (!load_quiet)
      printf("Loaded image: %s\n", json_string_value(n));
  }
  json_decref(names);
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_load_cmd = {"load", "[-q] [-i FILE]",
                                       "load images from a docker-archive or oci-archive",
                                       do_load, load_opts};

static int do_import(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_import_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (argc - i > 2)
    return err_set(err, 0, "tote import takes a tarball (or -) and an optional name");
  const char *file = argv[i], *name = argc - i == 2 ? argv[i + 1] : NULL;
  bool std_in = strcmp(file, "-") == 0;
  int fd = std_in ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening %s", file);
  struct img_store s;
  char id[72];
  int r = img_store_open(ctx->root, &s, err);
  if (r == 0)
    r = img_import(&s, fd, name, id, err);
  img_store_close(&s);
  if (!std_in)
    close(fd);
  if (r < 0)
    return err_wrap(err, "importing %s", std_in ? "stdin" : file);
  printf("%s\n", id + 7);
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_import_cmd = {
    "import", "TARBALL|- [NAME]",
    "make a one-layer image of a rootfs tarball (plain, gzip or zstd)", do_import, NULL};
