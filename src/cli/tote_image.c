/* tote_image.c - `tote pull`, `tote images`, `tote rmi` and `tote image
 * ls|rm|prune|inspect`: the store seen from the command line. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/tote.h"
#include "cli/tote_progress.h"
#include "image/images.h"
#include "image/pull.h"
#include "image/reference.h"
#include "image/store.h"
#include "util/err.h"
#include "util/xalloc.h"

static int open_store(const struct tote_ctx *ctx, struct img_store *s, tote_err **err) {
  return img_store_open(ctx->root, s, err);
}

/* The store's images (img_list), the store closed again. */
static json_t *load_list(const struct tote_ctx *ctx, tote_err **err) {
  struct img_store s;
  if (open_store(ctx, &s, err) < 0)
    return NULL;
  json_t *list = img_list(&s, err);
  img_store_close(&s);
  return list;
}

/* ---- pull ---- */

static const char *pull_tls = "true", *pull_platform;
static bool pull_quiet;

static const struct cli_opt pull_opts[] = {
    {"tls-verify", 0, OPT_STRING, &pull_tls,
     "true (default) or false: false allows plain HTTP and unverified TLS", "BOOL"},
    {"platform", 0, OPT_STRING, &pull_platform, "os/arch[/variant] to pull from an index",
     "PLATFORM"},
    {"quiet", 'q', OPT_BOOL, &pull_quiet, "print only the image id", NULL},
    {NULL},
};

static int parse_bool(const char *flag, const char *v, bool *out, tote_err **err) {
  if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
    *out = true;
  else if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
    *out = false;
  else
    return err_set(err, 0, "--%s takes true or false, not \"%s\"", flag, v);
  return 0;
}

/* "os/arch" or "os/arch/variant", each part non-empty */
static bool platform_ok(const char *p) {
  int parts = 1;
  for (const char *c = p; *c; c++) {
    if (*c != '/')
      continue;
    if (c == p || c[1] == '/' || c[1] == '\0')
      return false;
    parts++;
  }
  return parts == 2 || parts == 3;
}

static int do_pull(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_pull_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (argc - i != 1)
    return err_set(err, 0, "tote pull takes one image reference, not %d", argc - i);
  struct img_pull_opts o = {.platform = pull_platform};
  if (parse_bool("tls-verify", pull_tls, &o.tls_verify, err) < 0)
    return -1;
  if (pull_platform && !platform_ok(pull_platform))
    return err_set(err, 0, "--platform \"%s\": want os/arch[/variant], e.g. linux/arm64",
                   pull_platform);
  struct img_ref ref; /* a bad reference is refused before the store is made */
  if (img_ref_parse(argv[i], &ref, err) < 0)
    return -1;
  img_ref_free(&ref);
  struct img_store s;
  if (open_store(ctx, &s, err) < 0)
    return -1;
  char id[IMG_DIGEST_LEN + 1];
  o.progress = pull_quiet ? NULL : tote_progress_new(stderr);
  int r = img_pull(&s, argv[i], &o, id, err);
  tote_progress_free((struct img_progress *)o.progress);
  img_store_close(&s);
  if (r < 0)
    return -1;
  printf("%s\n", img_digest_hex(id));
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_pull_cmd = {"pull", "[flags] IMAGE",
                                       "pull an image from a registry into the store", do_pull,
                                       pull_opts};

/* ---- images ---- */

static bool ls_quiet, ls_no_trunc, ls_digests;
static const char *ls_format = "table";

static const struct cli_opt ls_opts[] = {
    {"quiet", 'q', OPT_BOOL, &ls_quiet, "print only the image ids", NULL},
    {"no-trunc", 0, OPT_BOOL, &ls_no_trunc, "print whole ids", NULL},
    {"digests", 0, OPT_BOOL, &ls_digests, "print the manifest digests too", NULL},
    {"format", 0, OPT_STRING, &ls_format, "table or json", "FORMAT"},
    {NULL},
};

/* "docker.io/library/busybox:latest" -> repository and tag ("<none>" for a
 * name pinned by digest alone). */
static void split_name(const char *name, char **repo, char **tag) {
  struct img_ref r;
  if (img_ref_parse(name, &r, NULL) < 0) {
    *repo = xstrdup(name);
    *tag = xstrdup("<none>");
    return;
  }
  *repo = img_ref_repo(&r);
  *tag = xstrdup(r.tag ? r.tag : "<none>");
  img_ref_free(&r);
}

static void human_age(const char *created, char *buf, size_t len) {
  struct tm tm = {0};
  if (created == NULL || strptime(created, "%Y-%m-%dT%H:%M:%S", &tm) == NULL) {
    snprintf(buf, len, "unknown");
    return;
  }
  long long d = (long long)(time(NULL) - timegm(&tm));
  static const struct {
    long long secs;
    const char *unit;
  } steps[] = {{31536000, "year"}, {2592000, "month"}, {604800, "week"}, {86400, "day"},
               {3600, "hour"},     {60, "minute"},     {1, "second"}};
  for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
    if (d >= steps[i].secs) {
      long long k = d / steps[i].secs;
      snprintf(buf, len, "%lld %s%s ago", k, steps[i].unit, k == 1 ? "" : "s");
      return;
    }
  snprintf(buf, len, "now");
}

static int list_images(const struct tote_ctx *ctx, const struct tote_cmd *cmd, int argc,
                       char **argv, tote_err **err) {
  if (tote_parse(cmd, argc, argv, 0, err) < 0)
    return -1;
  if (strcmp(ls_format, "table") != 0 && strcmp(ls_format, "json") != 0)
    return err_set(err, 0, "--format takes table or json, not \"%s\"", ls_format);
  json_t *list = load_list(ctx, err);
  if (list == NULL)
    return -1;
  size_t i;
  json_t *o;
  if (strcmp(ls_format, "json") == 0) {
    char *text = json_dumps(list, JSON_INDENT(2));
    puts(text);
    free(text);
  } else if (ls_quiet) {
    json_t *seen = json_object();
    json_array_foreach(list, i, o) {
      const char *hex = json_string_value(json_object_get(o, "id")) + 7;
      if (json_object_get(seen, hex))
        continue;
      json_object_set_new(seen, hex, json_true());
      printf("%.*s\n", ls_no_trunc ? 64 : 12, hex);
    }
    json_decref(seen);
  } else {
    printf("%-40s %-16s %s%-*s %-16s %s\n", "REPOSITORY", "TAG", ls_digests ? "DIGEST  " : "",
           ls_no_trunc ? 71 : 12, "IMAGE ID", "CREATED", "SIZE");
    json_array_foreach(list, i, o) {
      _cleanup_free_ char *repo = NULL, *tag = NULL;
      split_name(json_string_value(json_object_get(o, "name")), &repo, &tag);
      char size[32], age[48];
      tote_human_size(json_integer_value(json_object_get(o, "size")), size, sizeof size);
      human_age(json_string_value(json_object_get(o, "created")), age, sizeof age);
      const char *id = json_string_value(json_object_get(o, "id"));
      if (ls_digests)
        printf("%-40s %-16s %s  %-*.*s %-16s %s\n", repo, tag,
               json_string_value(json_object_get(o, "digest")), ls_no_trunc ? 71 : 12,
               ls_no_trunc ? 71 : 12, ls_no_trunc ? id : id + 7, age, size);
      else
        printf("%-40s %-16s %-*.*s %-16s %s\n", repo, tag, ls_no_trunc ? 71 : 12,
               ls_no_trunc ? 71 : 12, ls_no_trunc ? id : id + 7, age, size);
    }
  }
  json_decref(list);
  return TOTE_EXIT_OK;
}

static int do_images(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  return list_images(ctx, &tote_images_cmd, argc, argv, err);
}

const struct tote_cmd tote_images_cmd = {"images", "[flags]", "list the images in the store",
                                         do_images, ls_opts};

/* ---- rmi ---- */

/* -f: remove an image even when a container uses it (the container keeps
 * what it uses: its hold, images.h) */
static bool rmi_force;

static int remove_images(const struct tote_ctx *ctx, const struct tote_cmd *cmd, int argc,
                         char **argv, tote_err **err) {
  int i = tote_parse(cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  struct img_store s;
  if (open_store(ctx, &s, err) < 0)
    return -1;
  int r = img_remove(&s, argv + i, argc - i, rmi_force, err);
  img_store_close(&s);
  if (r < 0)
    return -1;
  for (int k = i; k < argc; k++)
    printf("Untagged: %s\n", argv[k]);
  return TOTE_EXIT_OK;
}

static int do_rmi(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  return remove_images(ctx, &tote_rmi_cmd, argc, argv, err);
}

static const struct cli_opt rmi_opts[] = {
    {"force", 'f', OPT_BOOL, &rmi_force, "also when a container uses the image", NULL},
    {NULL},
};

const struct tote_cmd tote_rmi_cmd = {"rmi", "[-f] IMAGE...",
                                      "remove images (by name or id), and what only they used",
                                      do_rmi, rmi_opts};

/* ---- tag, history ---- */

static int do_tag(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_tag_cmd, argc, argv, 2, err);
  if (i < 0)
    return -1;
  if (argc - i != 2)
    return err_set(err, 0, "tote tag takes SOURCE and TARGET, not %d arguments", argc - i);
  struct img_store s;
  if (open_store(ctx, &s, err) < 0)
    return -1;
  int r = img_tag(&s, argv[i], argv[i + 1], err);
  img_store_close(&s);
  return r < 0 ? -1 : TOTE_EXIT_OK;
}

const struct tote_cmd tote_tag_cmd = {"tag", "SOURCE TARGET", "give an image another name",
                                      do_tag, NULL};

static bool hist_no_trunc, hist_quiet;
static const struct cli_opt hist_opts[] = {
    {"no-trunc", 0, OPT_BOOL, &hist_no_trunc, "print whole commands", NULL},
    {"quiet", 'q', OPT_BOOL, &hist_quiet, "print only the image id", NULL},
    {NULL},
};

static int do_history(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_history_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (argc - i != 1)
    return err_set(err, 0, "tote history takes one image");
  json_t *list = load_list(ctx, err);
  if (list == NULL)
    return -1;
  json_t *o = img_resolve(list, argv[i], err);
  if (o == NULL) {
    json_decref(list);
    return -1;
  }
  if (hist_quiet) {
    printf("%.12s\n", json_string_value(json_object_get(o, "id")) + 7);
    json_decref(list);
    return TOTE_EXIT_OK;
  }
  printf("%-14s %-16s %-45s %-10s %s\n", "IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT");
  json_t *hist = json_object_get(o, "history");
  json_t *layers = json_object_get(o, "layer_sizes");
  /* newest first, as docker; each non-empty step owns the next layer from the top */
  size_t nl = json_array_size(layers);
  for (size_t k = json_array_size(hist); k-- > 0;) {
    json_t *h = json_array_get(hist, k);
    bool empty = json_is_true(json_object_get(h, "empty_layer"));
    long long size = 0;
    if (!empty && nl > 0)
      size = json_integer_value(json_array_get(layers, --nl));
    char sz[32], age[48];
    tote_human_size(size, sz, sizeof sz);
    human_age(json_string_value(json_object_get(h, "created")), age, sizeof age);
    const char *by = json_string_value(json_object_get(h, "created_by"));
    const char *comment = json_string_value(json_object_get(h, "comment"));
    printf("%-14.12s %-16s %-45.*s %-10s %s\n",
           k + 1 == json_array_size(hist) ? json_string_value(json_object_get(o, "id")) + 7
                                          : "<missing>",
           age, hist_no_trunc ? 4096 : 45, by ? by : "", sz, comment ? comment : "");
  }
  json_decref(list);
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_history_cmd = {"history", "[flags] IMAGE",
                                          "show how an image was built, newest step first",
                                          do_history, hist_opts};

/* ---- image ls|rm|prune|inspect ---- */

static const struct tote_cmd image_ls = {"image ls", "[flags]", "list the images", NULL,
                                         ls_opts};
static const struct tote_cmd image_rm = {"image rm", "[-f] IMAGE...", "remove images", NULL,
                                         rmi_opts};
static const struct tote_cmd image_prune = {"image prune", "",
                                            "delete blobs and layers no image uses", NULL, NULL};
static const struct tote_cmd image_inspect = {"image inspect", "IMAGE...",
                                              "print images as JSON", NULL, NULL};

static int inspect(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&image_inspect, argc, argv, 1, err);
  if (i < 0)
    return -1;
  json_t *list = load_list(ctx, err);
  if (list == NULL)
    return -1;
  json_t *out = json_array();
  int r = 0;
  for (int k = i; k < argc && r == 0; k++) {
    json_t *found = img_resolve(list, argv[k], err);
    if (found)
      json_array_append(out, found);
    else
      r = -1;
  }
  if (r == 0) {
    char *text = json_dumps(out, JSON_INDENT(2));
    puts(text);
    free(text);
  }
  json_decref(out);
  json_decref(list);
  return r < 0 ? -1 : TOTE_EXIT_OK;
}

static int do_image(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (argc < 2)
    return err_set(err, 0, "tote image needs a subcommand: ls, rm, prune or inspect");
  const char *sub = argv[1];
  if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
    return list_images(ctx, &image_ls, argc - 1, argv + 1, err);
  if (strcmp(sub, "rm") == 0)
    return remove_images(ctx, &image_rm, argc - 1, argv + 1, err);
  if (strcmp(sub, "inspect") == 0)
    return inspect(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "prune") == 0) {
    if (tote_parse(&image_prune, argc - 1, argv + 1, 0, err) < 0)
      return -1;
    struct img_store s;
    if (open_store(ctx, &s, err) < 0)
      return -1;
    int r = img_gc(&s, err);
    img_store_close(&s);
    return r < 0 ? -1 : TOTE_EXIT_OK;
  }
  return err_set(err, 0, "unknown subcommand \"image %s\" (ls, rm, prune, inspect)", sub);
}

const struct tote_cmd tote_image_cmd = {"image", "ls|rm|prune|inspect [args]",
                                        "manage the images in the store", do_image, NULL};
