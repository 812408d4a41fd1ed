/* tote_volume.c - `tote volume create|ls|inspect|rm|prune`: the store's
 * volumes (engine/volume.h). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/tote.h"
#include "engine/volume.h"
#include "util/err.h"
#include "util/xalloc.h"

static struct strlist create_labels;
static const struct cli_opt create_opts[] = {
    {"label", 'l', OPT_STRING_LIST, &create_labels, "KEY[=VALUE] on the volume (repeatable)",
     "LABEL"},
    {NULL},
};
static const struct tote_cmd volume_create = {"volume create", "[--label K=V]... [NAME]",
                                              "", NULL, create_opts};

static int create(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&volume_create, argc, argv, 0, err);
  if (i < 0)
    return -1;
  if (argc - i > 1)
    return err_set(err, 0, "tote volume create takes one NAME, or none for a new anonymous one");
  json_t *labels = tote_labels(&create_labels, err);
  if (labels == NULL)
    return -1;
  bool created;
  _cleanup_free_ char *name = NULL;
  int r = eng_volume_create(ctx->root, i < argc ? argv[i] : NULL, labels, i >= argc, &created,
                            &name, err);
  json_decref(labels);
  if (r < 0)
    return -1;
  puts(name); /* an existing volume too, as docker */
  return TOTE_EXIT_OK;
}

static bool ls_quiet;
static const char *ls_format = "table";
static const struct cli_opt ls_opts[] = {
    {"quiet", 'q', OPT_BOOL, &ls_quiet, "print only the names", NULL},
    {"format", 0, OPT_STRING, &ls_format, "table or json", "FORMAT"},
    {NULL},
};
static const struct tote_cmd volume_ls = {"volume ls", "[-q] [--format table|json]", "", NULL,
                                          ls_opts};

static void print_json(json_t *j) {
  char *text = json_dumps(j, JSON_INDENT(2));
  puts(text);
  free(text);
}

static int list(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (tote_parse(&volume_ls, argc, argv, 0, err) < 0)
    return -1;
  if (strcmp(ls_format, "table") != 0 && strcmp(ls_format, "json") != 0)
    return err_set(err, 0, "--format takes table or json, not \"%s\"", ls_format);
  json_t *all = eng_volume_list(ctx->root);
  size_t i;
  json_t *v;
  if (strcmp(ls_format, "json") == 0) {
    print_json(all);
  } else {
    if (!ls_quiet)
      printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
    json_array_foreach(all, i, v) {
      const char *name = json_string_value(json_object_get(v, "Name"));
      if (ls_quiet)
        puts(name);
      else
        printf("%-10s%s\n", "local", name);
    }
  }
  json_decref(all);
  return TOTE_EXIT_OK;
}

static const struct tote_cmd volume_inspect = {"volume inspect", "NAME...", "", NULL, NULL};

static int inspect(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&volume_inspect, argc, argv, 1, err);
  if (i < 0)
    return -1;
  json_t *out = json_array();
  for (; i < argc; i++) {
    json_t *v = eng_volume_inspect(ctx->root, argv[i], err);
    if (v == NULL) {
      json_decref(out);
      return -1;
    }
    json_array_append_new(out, v);
  }
  print_json(out);
  json_decref(out);
  return TOTE_EXIT_OK;
}

static bool rm_force;
static const struct cli_opt rm_opts[] = {
    {"force", 'f', OPT_BOOL, &rm_force, "no error for a volume that does not exist", NULL},
    {NULL},
};
static const struct tote_cmd volume_rm = {"volume rm", "[-f] NAME...", "", NULL, rm_opts};

/* Each one removed and named; an error for one does not stop the others. */
static int remove_volumes(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&volume_rm, argc, argv, 1, err);
  if (i < 0)
    return -1;
  int failed = 0;
  for (; i < argc; i++) {
    tote_err *e = NULL;
    json_t *v = eng_volume_inspect(ctx->root, argv[i], &e);
    json_decref(v);
    if (v == NULL && rm_force) {
      err_free(&e);
      continue;
    }
    if (v == NULL || eng_volume_remove(ctx->root, argv[i], &e) < 0) {
      fprintf(stderr, "tote: %s\n", e ? e->msg : "failed");
      err_free(&e);
      failed++;
      continue;
    }
    puts(argv[i]);
  }
  return failed ? 1 : TOTE_EXIT_OK;
}

static bool prune_all, prune_force;
static const struct cli_opt prune_opts[] = {
    {"all", 'a', OPT_BOOL, &prune_all, "named volumes too, not only anonymous ones", NULL},
    {"force", 'f', OPT_BOOL, &prune_force, "(no prompt is asked: accepted as docker's)", NULL},
    {NULL},
};
static const struct tote_cmd volume_prune = {"volume prune", "[-a] [-f]", "", NULL, prune_opts};

static int prune(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (tote_parse(&volume_prune, argc, argv, 0, err) < 0)
    return -1;
  tote_prune_volumes(ctx, prune_all);
  return TOTE_EXIT_OK;
}

void tote_prune_volumes(const struct tote_ctx *ctx, bool named_too) {
  json_t *all = eng_volume_list(ctx->root);
  size_t i;
  json_t *v;
  bool said = false;
  json_array_foreach(all, i, v) {
    const char *name = json_string_value(json_object_get(v, "Name"));
    if (!named_too && !json_is_true(json_object_get(v, "Anonymous")))
      continue;
    json_t *users = eng_volume_users(ctx->root, name);
    bool unused = json_array_size(users) == 0;
    json_decref(users);
    if (unused && eng_volume_remove(ctx->root, name, NULL) == 0) {
      if (!said)
        puts("Deleted Volumes:");
      said = true;
      puts(name);
    }
  }
  json_decref(all);
}

static int do_volume(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (argc < 2)
    return err_set(err, 0, "tote volume needs a subcommand: create, ls, inspect, rm or prune");
  const char *sub = argv[1];
  if (strcmp(sub, "create") == 0)
    return create(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "ls") == 0 || strcmp(sub, "list") == 0)
    return list(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "inspect") == 0)
    return inspect(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "rm") == 0 || strcmp(sub, "remove") == 0)
    return remove_volumes(ctx, argc - 1, argv + 1, err);
  if (strcmp(sub, "prune") == 0)
    return prune(ctx, argc - 1, argv + 1, err);
  return err_set(err, 0, "unknown subcommand \"volume %s\" (create, ls, inspect, rm, prune)",
                 sub);
}

const struct tote_cmd tote_volume_cmd = {
    "volume", "create|ls|inspect|rm|prune [args]",
    "manage volumes: directories under ROOT/volumes that containers mount", do_volume, NULL};
