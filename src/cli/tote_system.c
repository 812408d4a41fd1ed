/* tote_system.c - `tote system df` (what images, containers and volumes
 * take, and what could be reclaimed) and `tote system prune` (remove what
 * nothing uses), as docker's. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "cli/tote.h"
#include "engine/container.h"
#include "engine/lifecycle.h"
#include "engine/volume.h"
#include "image/images.h"
#include "image/layer.h"
#include "image/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

struct usage {
  long long total, active, size, reclaimable;
};

/* The images: unique layers counted once; what the images no container
 * holds use alone is reclaimable. */
static int images_usage(const struct tote_ctx *ctx, struct usage *u, tote_err **err) {
  struct img_store s;
  if (img_store_open(ctx->root, &s, err) < 0)
    return -1;
  json_t *list = img_list(&s, err), *held = img_holds(&s);
  json_t *ids = json_object(), *chains = json_object(), *used = json_object();
  size_t i;
  json_t *img;
  json_array_foreach(list, i, img) {
    const char *id = json_string_value(json_object_get(img, "id"));
    bool active = json_object_get(held, id) != NULL;
    json_object_set_new(ids, id, json_boolean(active));
    char chain[IMG_DIGEST_LEN + 1] = "";
    size_t k;
    json_t *d;
    json_array_foreach(json_object_get(img, "diff_ids"), k, d) {
      char next[IMG_DIGEST_LEN + 1];
      img_chain_id(chain, json_string_value(d), next);
      memcpy(chain, next, sizeof chain);
      int64_t ls = img_layer_size(&s, chain);
      json_object_set_new(chains, chain, json_integer(ls > 0 ? ls : 0));
      if (active)
        json_object_set_new(used, chain, json_true());
    }
  }
  const char *key;
  json_t *v;
  json_object_foreach(ids, key, v) {
    u->total++;
    u->active += json_is_true(v);
  }
  json_object_foreach(chains, key, v) {
    u->size += json_integer_value(v);
    if (json_object_get(used, key) == NULL)
      u->reclaimable += json_integer_value(v);
  }
  json_decref(ids);
  json_decref(chains);
  json_decref(used);
  json_decref(held);
  json_decref(list);
  img_store_close(&s);
  return 0;
}

/* The containers: their own layers (upper/); those that do not run are
 * reclaimable. */
static int containers_usage(const struct tote_ctx *ctx, struct usage *u, tote_err **err) {
  struct eng_ctx e;
  _cleanup_close_ int dir = tote_engine(ctx, &e, err);
  if (dir < 0)
    return -1;
  json_t *all = eng_list(dir);
  size_t i;
  json_t *c;
  json_array_foreach(all, i, c) {
    json_t *cur = eng_sync(&e, json_incref(c));
    if (cur == NULL)
      continue;
    _cleanup_free_ char *upper =
        xasprintf("%s/upper", json_string_value(json_object_get(cur, "id")));
    long long size = tree_size_at(dir, upper);
    bool running = eng_running(cur);
    u->total++;
    u->active += running;
    u->size += size;
    u->reclaimable += running ? 0 : size;
    json_decref(cur);
  }
  json_decref(all);
  return 0;
}

/* The volumes: those no container mounts are reclaimable. */
static void volumes_usage(const struct tote_ctx *ctx, struct usage *u) {
  json_t *all = eng_volume_list(ctx->root);
  size_t i;
  json_t *v;
  json_array_foreach(all, i, v) {
    const char *name = json_string_value(json_object_get(v, "Name"));
    long long size = tree_size_at(AT_FDCWD, json_string_value(json_object_get(v, "Mountpoint")));
    json_t *users = eng_volume_users(ctx->root, name);
    bool active = json_array_size(users) > 0;
    json_decref(users);
    u->total++;
    u->active += active;
    u->size += size;
    u->reclaimable += active ? 0 : size;
  }
  json_decref(all);
}

static void print_row(const char *type, const struct usage *u) {
  char size[32], rec[32], col[48];
  tote_human_size(u->size, size, sizeof size);
  tote_human_size(u->reclaimable, rec, sizeof rec);
  snprintf(col, sizeof col, "%s (%lld%%)", rec, u->size ? u->reclaimable * 100 / u->size : 0);
  printf("%-16s%-10lld%-10lld%-12s%s\n", type, u->total, u->active, size, col);
}

static int df(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  static const struct tote_cmd cmd = {"system df", "", "", NULL, NULL};
  if (tote_parse(&cmd, argc, argv, 0, err) < 0)
    return -1;
  struct usage img = {0}, ctr = {0}, vol = {0};
  if (images_usage(ctx, &img, err) < 0 || containers_usage(ctx, &ctr, err) < 0)
    return -1;
  volumes_usage(ctx, &vol);
  printf("%-16s%-10s%-10s%-12s%s\n", "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
  print_row("Images", &img);
  print_row("Containers", &ctr);
  print_row("Local Volumes", &vol);
  return TOTE_EXIT_OK;
}

static bool prune_all, prune_volumes, prune_force;
static const struct cli_opt prune_opts[] = {
    {"all", 'a', OPT_BOOL, &prune_all, "also every image no container uses", NULL},
    {"volumes", 0, OPT_BOOL, &prune_volumes, "also the anonymous volumes no container uses",
     NULL},
    {"force", 'f', OPT_BOOL, &prune_force, "(no prompt is asked: accepted as docker's)", NULL},
    {NULL},
};

/* -a: every image no container holds, by id (rmi refuses held ones). */
static int prune_images(const struct tote_ctx *ctx, tote_err **err) {
  struct img_store s;
  if (img_store_open(ctx->root, &s, err) < 0)
    return -1;
  json_t *list = img_list(&s, err), *held = img_holds(&s);
  int r = list ? 0 : -1;
  size_t i;
  json_t *img;
  bool said = false;
  json_array_foreach(list, i, img) {
    const char *id = json_string_value(json_object_get(img, "id"));
    char *arg = (char *)json_string_value(json_object_get(img, "name"));
    if (!prune_all || json_object_get(held, id) || img_remove(&s, &arg, 1, false, NULL) < 0)
      continue;
    if (!said)
      puts("Deleted Images:");
    said = true;
    printf("untagged: %s\n", arg);
  }
  if (r == 0)
    r = img_gc(&s, err); /* blobs and layers no image needs, leftovers of killed pulls */
  json_decref(held);
  json_decref(list);
  img_store_close(&s);
  return r;
}

static int prune(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  static const struct tote_cmd cmd = {"system prune", "[-a] [--volumes] [-f]", "", NULL,
                                      prune_opts};
  if (tote_parse(&cmd, argc, argv, 0, err) < 0)
    return -1;
  if (tote_prune_containers(ctx, err) < 0 || tote_prune_networks(ctx, err) < 0 ||
      prune_images(ctx, err) < 0)
    return -1;
  if (prune_volumes)
    tote_prune_volumes(ctx, false);
  return TOTE_EXIT_OK;
}

static int do_system(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  if (argc >= 2 && strcmp(argv[1], "df") == 0)
    return df(ctx, argc - 1, argv + 1, err);
  if (argc >= 2 && strcmp(argv[1], "prune") == 0)
    return prune(ctx, argc - 1, argv + 1, err);
  return err_set(err, 0, "tote system takes df or prune");
}

const struct tote_cmd tote_system_cmd = {
    "system", "df | prune [-a] [--volumes] [-f]",
    "what the store takes (df), and removing what nothing uses (prune: containers that do not "
    "run, networks no container names, what no image needs; -a: images no container uses; "
    "--volumes: unused anonymous volumes)",
    do_system, NULL};
