/* run.c - `tote run` in the foreground (see run.h). */
#include "engine/run.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/hostconfig.h"
#include "engine/netattach.h"
#include "engine/user.h"
#include "engine/volume.h"
#include "image/images.h"
#include "image/layer.h"
#include "image/pull.h"
#include "image/store.h"
#include "runtime/pathat.h"
#include "runtime/runtime.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

/* ---- the image ---- */

/* The image's listing entry (images.h), pulled first when it is not in the
 * store (docker's --pull missing). */
static json_t *find_image(struct img_store *s, const struct eng_run_opts *o, tote_err **err) {
  bool always = o->pull && strcmp(o->pull, "always") == 0;
  bool never = o->pull && strcmp(o->pull, "never") == 0;
  json_t *list = always ? NULL : img_list(s, err);
  if (list == NULL && !always)
    return NULL;
  tote_err *e = NULL;
  json_t *img = list ? img_resolve(list, o->image, &e) : NULL;
  if (img == NULL && never) {
    err_free(&e);
    json_decref(list);
    err_set(err, 0, "image %s is not in the store, and --pull=never: pull it first (tote pull)",
            o->image);
    return NULL;
  }
  if (img == NULL) {
    err_free(&e);
    json_decref(list);
    if (!always)
      fprintf(stderr, "Unable to find image '%s' in the store: pulling it\n", o->image);
    struct img_pull_opts po = {.tls_verify = o->tls_verify, .platform = o->platform};
    char id[IMG_DIGEST_LEN + 1];
    if (img_pull(s, o->image, &po, id, err) < 0)
      return NULL;
    if ((list = img_list(s, err)) == NULL || (img = img_resolve(list, o->image, err)) == NULL) {
      json_decref(list);
      return NULL;
    }
  }
  json_incref(img);
  json_decref(list);
  return img;
}

/* The lowerdir of the image: its layers' directories, top first, relative
 * to ROOT/layers (short: the mount options must fit in a page); every
 * layer unpacked (an image skopeo copied in is unpacked here). */
static char *lowerdirs(struct img_store *s, json_t *img, tote_err **err) {
  json_t *diffs = json_object_get(img, "diff_ids"), *blobs = json_object_get(img, "layers");
  size_t n = json_array_size(diffs);
  if (n == 0 || n != json_array_size(blobs)) {
    err_set(err, 0, "image %s has no layers to run", json_string_value(json_object_get(img, "name")));
    return NULL;
  }
  char chain[IMG_DIGEST_LEN + 1] = "";
  char *out = xstrdup("");
  for (size_t i = 0; i < n; i++) {
    const char *diff = json_string_value(json_array_get(diffs, i));
    char next[IMG_DIGEST_LEN + 1];
    img_chain_id(chain, diff, next);
    memcpy(chain, next, sizeof chain);
    if (!img_layer_exists(s, chain) &&
        img_layer_unpack(s, json_string_value(json_array_get(blobs, i)), diff, chain, err) < 0) {
      free(out);
      return NULL;
    }
    char *o = xasprintf("%s/fs%s%s", img_digest_hex(chain), *out ? ":" : "", out);
    free(out);
    out = o;
  }
  return out;
}

/* ---- the rootfs ---- */

int eng_mount_rootfs(const char *root, json_t *c, tote_err **err) {
  const char *lower = json_string_value(json_object_get(c, "lower"));
  const char *target = json_string_value(json_object_get(c, "rootfs"));
  const char *id = json_string_value(json_object_get(c, "id"));
  if (lower == NULL || target == NULL)
    return 0; /* --rootfs: nothing to mount */
  _cleanup_free_ char *base = xasprintf("%s/containers/%s", root, id);
  /* A --rm container's writable layer goes with it: overlay need not sync
   * it (volatile: its unmount was a sync of the store's filesystem, 1 ms
   * of every run --rm). */
  bool rm = json_is_true(json_object_get(c, "auto_remove"));
  _cleanup_free_ char *opts = xasprintf("lowerdir=%s,upperdir=%s/upper,workdir=%s/work%s", lower,
                                        base, base, rm ? ",volatile" : "");
  _cleanup_free_ char *layers = xasprintf("%s/layers", root);
  /* lowerdir is relative to ROOT/layers: mount from there */
  _cleanup_close_ int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (here < 0 || chdir(layers) < 0)
    return err_sys(err, "changing to %s", layers);
  int r = mount("overlay", target, "overlay", 0, opts);
  if (r < 0 && rm && errno == EINVAL) {
    /* the mark of a volatile mount that a crash did not unmount: the layer
     * may be incomplete, as a crash leaves any --rm container; or a kernel
     * without volatile (before 5.10) */
    _cleanup_free_ char *mark = xasprintf("%s/work/work/incompat/volatile", base);
    _cleanup_free_ char *incompat = xasprintf("%s/work/work/incompat", base);
    rmdir(mark);
    rmdir(incompat);
    r = mount("overlay", target, "overlay", 0, opts);
    if (r < 0 && errno == EINVAL) {
      opts[strlen(opts) - strlen(",volatile")] = '\0';
      r = mount("overlay", target, "overlay", 0, opts);
    }
  }
  int e = errno;
  if (fchdir(here) < 0 && r == 0)
    r = -1;
  if (r < 0) {
    errno = e;
    return err_sys(err, "mounting the container's overlay on %s", target);
  }
  return 0;
}

void eng_unmount_rootfs(json_t *c) {
  const char *target = json_string_value(json_object_get(c, "rootfs"));
  if (json_object_get(c, "lower") == NULL || target == NULL)
    return;
  if (umount2(target, 0) < 0 && errno != EINVAL && errno != ENOENT &&
      umount2(target, MNT_DETACH) < 0)
    log_warn("unmounting %s: %s", target, strerror(errno));
}

void eng_discard(const char *root, int cdir, json_t *c, bool volumes) {
  const char *id = json_string_value(json_object_get(c, "id"));
  eng_unmount_rootfs(c);
  eng_net_down(root, c);
  if (json_object_get(c, "rootfs") == NULL) { /* a record lost: what its id tells */
    _cleanup_free_ char *rootfs = xasprintf("%s/containers/%s/rootfs", root, id);
    if (umount2(rootfs, 0) < 0 && errno != EINVAL && errno != ENOENT)
      umount2(rootfs, MNT_DETACH);
    eng_net_forget(ENG_STATE_ROOT, id);
  }
  if (volumes) {
    _cleanup_free_ char *path = xasprintf("%s/config.json", id);
    _cleanup_free_ char *text = read_file_at(cdir, path, NULL, NULL);
    /* a mount of ROOT/volumes/NAME/_data puts "/volumes/" in the text
     * (jansson escapes no slash): without it, nothing to parse */
    json_t *config = text && strstr(text, "/volumes/") ? json_loads(text, 0, NULL) : NULL;
    eng_volumes_release(root, config, id);
    json_decref(config);
  }
  eng_remove_dir(cdir, id, NULL);
  const char *image_id = json_string_value(json_object_get(c, "image_id"));
  struct img_store s;
  /* --rootfs containers ("") hold no image; a broken record may */
  if (!(image_id && !*image_id) && img_store_open(root, &s, NULL) == 0) {
    img_release(&s, id);
    img_store_close(&s);
  }
}

/* ---- the config ---- */

/* "KEY=..." of env replaced by kv, or added. */
static void env_set(json_t *env, const char *kv) {
  size_t klen = strcspn(kv, "=");
  size_t i;
  json_t *v;
  json_array_foreach(env, i, v) {
    const char *e = json_string_value(v);
    if (strncmp(e, kv, klen) == 0 && e[klen] == '=') {
      json_array_set_new(env, i, json_string(kv));
      return;
    }
  }
  json_array_append_new(env, json_string(kv));
}

static json_t *command(json_t *icfg, const struct eng_run_opts *o, tote_err **err) {
  json_t *args = json_array();
  if (o->entrypoint_set) {
    if (*o->entrypoint)
      json_array_append_new(args, json_string(o->entrypoint));
  } else {
    json_t *ep = json_object_get(icfg, "Entrypoint");
    if (json_is_array(ep))
      json_array_extend(args, ep);
  }
  if (o->nargs > 0) {
    for (int i = 0; i < o->nargs; i++)
      json_array_append_new(args, json_string(o->args[i]));
  } else if (!o->entrypoint_set && json_is_array(json_object_get(icfg, "Cmd"))) {
    json_array_extend(args, json_object_get(icfg, "Cmd"));
  }
  if (json_array_size(args) == 0) {
    json_decref(args);
    err_set(err, 0, "no command: the image has no Entrypoint or Cmd, and none was given");
    return NULL;
  }
  return args;
}

/* docker's Config of the container (tote inspect): what was asked, from
 * the flags or the image. */
static json_t *docker_config(json_t *icfg, const struct eng_run_opts *o, json_t *env,
                             const char *hostname) {
  json_t *cmd = json_null(), *ep = json_null();
  if (o->nargs > 0) {
    cmd = json_array();
    for (int i = 0; i < o->nargs; i++)
      json_array_append_new(cmd, json_string(o->args[i]));
  } else if (!o->entrypoint_set && json_is_array(json_object_get(icfg, "Cmd"))) {
    cmd = json_deep_copy(json_object_get(icfg, "Cmd"));
  }
  if (o->entrypoint_set && *o->entrypoint)
    ep = json_pack("[s]", o->entrypoint);
  else if (!o->entrypoint_set && json_is_array(json_object_get(icfg, "Entrypoint")))
    ep = json_deep_copy(json_object_get(icfg, "Entrypoint"));
  const char *wd = json_string_value(json_object_get(icfg, "WorkingDir"));
  const char *user = json_string_value(json_object_get(icfg, "User"));
  json_t *labels = json_object_get(icfg, "Labels");
  return json_pack("{s:s, s:O, s:o, s:o, s:s, s:s, s:o}", "Hostname", hostname, "Env", env,
                   "Cmd", cmd, "Entrypoint", ep, "WorkingDir",
                   o->workdir ? o->workdir : wd ? wd : "", "User", o->user ? o->user : user ? user : "",
                   "Labels", json_is_object(labels) ? json_deep_copy(labels) : json_object());
}

static json_t *make_config(json_t *img, const struct eng_run_opts *o, const char *rootfs,
                           int rootfd, int dfd, const char *id, json_t *c, tote_err **err) {
  json_t *icfg = json_object_get(img, "config");
  json_t *args = command(icfg, o, err);
  if (args == NULL)
    return NULL;
  json_t *spec = rt_default_spec(false);
  json_t *proc = json_object_get(spec, "process");
  json_object_set_new(proc, "terminal", json_boolean(o->tty));
  json_object_set_new(proc, "args", args);
  json_object_set_new(proc, "noNewPrivileges", json_false()); /* docker: only when asked */
  json_object_del(proc, "rlimits");                            /* docker: inherited */
  json_t *env = json_array();
  json_array_append_new(env, json_string("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(icfg, "Env"), i, v) {
    if (json_is_string(v))
      env_set(env, json_string_value(v));
  }
  char host[80];
  snprintf(host, sizeof host, "%.12s", id);
  const char *hostname = o->hostname ? o->hostname : host;
  _cleanup_free_ char *hn = xasprintf("HOSTNAME=%s", hostname);
  env_set(env, hn);
  for (int k = 0; k < o->nenv; k++) {
    if (strchr(o->env[k], '=')) {
      env_set(env, o->env[k]);
    } else if (getenv(o->env[k])) { /* -e KEY: tote's own value, as docker */
      _cleanup_free_ char *kv = xasprintf("%s=%s", o->env[k], getenv(o->env[k]));
      env_set(env, kv);
    }
  }
  json_object_set_new(proc, "env", env);
  json_t *dcfg = docker_config(icfg, o, env, hostname);
  json_object_set_new(dcfg, "Tty", json_boolean(o->tty));
  json_object_set_new(dcfg, "OpenStdin", json_boolean(o->interactive));
  json_object_set_new(c, "config", dcfg);
  if (o->stop_signal)
    json_object_set_new(c, "stop_signal", json_string(o->stop_signal));
  else if (json_is_string(json_object_get(icfg, "StopSignal")))
    json_object_set(c, "stop_signal", json_object_get(icfg, "StopSignal"));
  json_object_set_new(c, "stop_timeout", json_integer(o->stop_timeout));
  const char *wd = o->workdir ? o->workdir
                   : json_string_length(json_object_get(icfg, "WorkingDir"))
                       ? json_string_value(json_object_get(icfg, "WorkingDir"))
                       : "/";
  if (wd[0] != '/') {
    json_decref(spec);
    err_set(err, 0, "the working directory \"%s\" is not absolute", wd);
    return NULL;
  }
  json_object_set_new(proc, "cwd", json_string(wd));
  /* no user: root, with root's groups, as docker */
  const char *user = o->user ? o->user
                     : json_string_length(json_object_get(icfg, "User"))
                         ? json_string_value(json_object_get(icfg, "User"))
                         : "0";
  long uid, gid;
  if (eng_resolve_user(rootfd, user, &uid, &gid, err) < 0) {
    json_decref(spec);
    return NULL;
  }
  _cleanup_free_ long *gids = NULL;
  size_t ngids = eng_user_groups(rootfd, user, uid, gid, &gids);
  json_t *agids = json_array();
  for (size_t g = 0; g < ngids; g++)
    json_array_append_new(agids, json_integer(gids[g]));
  json_object_set_new(proc, "user", json_pack("{s:I, s:I, s:o}", "uid", (json_int_t)uid, "gid",
                                              (json_int_t)gid, "additionalGids", agids));
  json_object_set_new(spec, "root", json_pack("{s:s, s:b}", "path", rootfs, "readonly", 0));
  json_object_set_new(spec, "hostname", json_string(hostname));
  /* the flags' HostConfig: caps, then the seccomp profile that fits them
   * (docker's default), resources, mounts, /etc/hosts */
  _cleanup_free_ char *base = xasprintf("%s/containers/%s", o->root, id);
  struct eng_host_ctx hctx = {
      .root = o->root, .cdir = dfd, .cdir_path = base, .rootfd = rootfd, .image_config = icfg};
  if (eng_host_apply(spec, &o->host, &hctx, err) < 0) {
    json_decref(spec);
    return NULL;
  }
  return spec;
}

/* ---- run ---- */

/* The image's Labels, then --label KEY[=VALUE] over them. */
static json_t *labels(json_t *img, const struct eng_run_opts *o) {
  json_t *l = json_object_get(json_object_get(img, "config"), "Labels");
  json_t *out = json_is_object(l) ? json_deep_copy(l) : json_object();
  for (int i = 0; i < o->nlabels; i++) {
    const char *eq = strchr(o->labels[i], '=');
    _cleanup_free_ char *k = xstrndup(o->labels[i], eq ? (size_t)(eq - o->labels[i])
                                                       : strlen(o->labels[i]));
    json_object_set_new(out, k, json_string(eq ? eq + 1 : ""));
  }
  return out;
}

/* The working directory made in the container's root when the image has
 * none there, as docker does for run and create (exec does not). */
static int make_workdir(int rootfd, json_t *spec, tote_err **err) {
  const char *wd = json_string_value(json_object_get(json_object_get(spec, "process"), "cwd"));
  if (wd == NULL || strcmp(wd, "/") == 0)
    return 0;
  int fd = pathat_mkdir_all(rootfd, wd, 0755);
  if (fd < 0)
    return err_sys(err, "making the working directory %s in the container", wd);
  close(fd);
  return 0;
}

/* The container's directory (upper/, work/ and rootfs/ in it) with its
 * record in it, made under a dot name
 * and renamed into place: a listing never meets a directory without its
 * record (listings skip dot names). */
static int make_dir(int cdir, json_t *c, tote_err **err) {
  const char *id = json_string_value(json_object_get(c, "id"));
  _cleanup_free_ char *tmp = xasprintf(".new-%s", id);
  if (mkdirat(cdir, tmp, 0700) < 0)
    return err_sys(err, "creating containers/%s", tmp);
  _cleanup_close_ int dfd = openat(cdir, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_free_ char *text = json_dumps(c, JSON_INDENT(2));
  int r = dfd < 0 || mkdirat(dfd, "upper", 0755) < 0 || mkdirat(dfd, "work", 0700) < 0 ||
                  mkdirat(dfd, "rootfs", 0755) < 0
              ? err_sys(err, "preparing containers/%s", tmp)
              : write_file_at(dfd, "container.json", text, strlen(text), 0600, err);
  if (r == 0 && ((eng_durable(c) && fsync(dfd) < 0) || renameat(cdir, tmp, cdir, id) < 0))
    r = err_sys(err, "creating containers/%s", id);
  if (r < 0)
    remove_tree_at(cdir, tmp);
  return r;
}

/* --rootfs ARCHIVE: unpacked into the container's rootfs/. */
static int unpack_rootfs(const char *archive, const char *rootfs, tote_err **err) {
  _cleanup_close_ int afd = open(archive, O_RDONLY | O_CLOEXEC);
  _cleanup_close_ int rfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  _cleanup_free_ char *what = xasprintf("--rootfs %s", archive);
  if (afd < 0 || rfd < 0)
    return err_sys(err, "--rootfs %s", archive);
  return img_layer_extract_fd(afd, rfd, what, err);
}

/* The record of a new container, state "created". */
static json_t *new_record(const struct eng_run_opts *o, json_t *img, const char *id,
                          const char *rootfs, const char *lower) {
  char created[64];
  rfc3339_now(created, sizeof created);
  char short_id[13];
  snprintf(short_id, sizeof short_id, "%.12s", id);
  json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:I}", "id", id, "name",
                        o->name ? o->name : short_id, "image",
                        json_string_value(json_object_get(img, "name")), "image_id",
                        json_string_value(json_object_get(img, "id")), "created", created,
                        "state", "created", "rootfs", rootfs, "auto_remove", o->remove,
                        "log_max_size", (json_int_t)o->log_max_size);
  json_object_set_new(c, "labels", labels(img, o));
  if (o->restart_policy) {
    json_object_set_new(c, "restart_policy", json_string(o->restart_policy));
    json_object_set_new(c, "restart_max", json_integer(o->restart_max));
  }
  json_object_set_new(c, "restart_count", json_integer(0));
  json_object_set_new(c, "tty", json_boolean(o->tty));
  json_object_set_new(c, "interactive", json_boolean(o->interactive));
  if (lower)
    json_object_set_new(c, "lower", json_string(lower));
  return c;
}

/* What the container is made of: the image (pulled if missing) and the
 * lowerdir of its layers, or --rootfs's empty image. */
static json_t *source(struct img_store *s, const struct eng_run_opts *o, char **lower,
                      tote_err **err) {
  if (o->rootfs)
    return json_pack("{s:s, s:s, s:{}}", "name", o->rootfs, "id", "", "config");
  json_t *img = find_image(s, o, err);
  if (img && (*lower = lowerdirs(s, img, err)) == NULL) {
    json_decref(img);
    return NULL;
  }
  return img;
}

json_t *eng_create(const struct eng_run_opts *o, tote_err **err) {
  struct img_store s;
  if (img_store_open(o->root, &s, err) < 0)
    return NULL;
  _cleanup_close_ int cdir = eng_containers_dir(o->root, err);
  struct stat rst;
  if (cdir < 0 || eng_check_name(cdir, o->name, err) < 0 ||
      (o->rootfs && stat(o->rootfs, &rst) < 0 && err_sys(err, "--rootfs %s", o->rootfs))) {
    img_store_close(&s);
    return NULL;
  }
  /* --rootfs: a directory used as it is, or an archive unpacked into the
   * container's directory; no image, an empty image config */
  bool own_dir = o->rootfs && S_ISDIR(rst.st_mode), archive = o->rootfs && !own_dir;
  _cleanup_free_ char *lower = NULL;
  json_t *img = source(&s, o, &lower, err);
  if (img == NULL) {
    img_store_close(&s);
    return NULL;
  }
  char id[65];
  eng_new_id(id);
  _cleanup_free_ char *given = own_dir ? realpath(o->rootfs, NULL) : NULL;
  _cleanup_free_ char *base = xasprintf("%s/containers/%s", o->root, id);
  _cleanup_free_ char *rootfs = given ? xstrdup(given)
                                      : xasprintf("%s/containers/%s/rootfs", o->root, id);
  json_t *c = new_record(o, img, id, rootfs, lower);
  /* the image stays while the container does, whatever rmi -f does */
  int rc = o->rootfs ? 0 : img_hold(&s, id, json_string_value(json_object_get(img, "id")), err);
  img_store_close(&s);
  /* the name checked again, and the record made, under the containers'
   * lock: of two runs with one name, one gets it */
  if (rc == 0 && flock(cdir, LOCK_EX) < 0)
    rc = err_sys(err, "locking %s/containers", o->root);
  if (rc == 0)
    rc = eng_check_name(cdir, o->name, err);
  bool made = rc == 0 && (rc = make_dir(cdir, c, err)) == 0;
  flock(cdir, LOCK_UN);
  if (rc == 0)
    rc = eng_mount_rootfs(o->root, c, err);
  if (rc == 0 && archive)
    rc = unpack_rootfs(o->rootfs, rootfs, err);
  _cleanup_close_ int rootfd = rc == 0 ? open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  if (rc == 0 && rootfd < 0)
    rc = err_sys(err, "opening the rootfs %s", rootfs);
  _cleanup_close_ int dfd = rc == 0 ? openat(cdir, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
  if (rc == 0 && dfd < 0)
    rc = err_sys(err, "opening containers/%s", id);
  json_t *spec = rc == 0 ? make_config(img, o, rootfs, rootfd, dfd, id, c, err) : NULL;
  if (rc == 0 && spec == NULL)
    rc = -1;
  if (rc == 0 && !own_dir) /* a --rootfs directory of the user's stays as it is */
    rc = make_workdir(rootfd, spec, err);
  if (rc == 0) {
    struct eng_net_ctx nctx = {.root = o->root, .state_root = o->state_root, .cdir = cdir,
                               .dfd = dfd, .dfd_path = base,
                               .image_config = json_object_get(img, "config")};
    rc = eng_net_prepare(&nctx, &o->net, spec, c, err);
  }
  if (rc == 0) {
    json_object_set(c, "command", json_object_get(json_object_get(spec, "process"), "args"));
    _cleanup_free_ char *text = json_dumps(spec, JSON_INDENT(2));
    rc = write_file_at(dfd, "config.json", text, strlen(text), 0600, err);
  }
  if (rc == 0)
    rc = eng_save(cdir, c, err);
  json_decref(img);
  if (rc < 0) { /* a container that never ran is not kept, nor its anonymous volumes */
    if (spec)
      eng_volumes_release(o->root, spec, id);
    if (made || !o->rootfs)
      eng_discard(o->root, cdir, c, false);
    json_decref(spec);
    json_decref(c);
    return NULL;
  }
  json_decref(spec);
  return c;
}
