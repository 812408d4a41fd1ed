/* network.c - the store's network configs (see network.h). */
#include "engine/network.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "engine/container.h"
#include "engine/ipam.h"
#include "engine/netlink.h"
#include "engine/run.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/xalloc.h"

bool eng_network_is_default(const char *name) {
  return strcmp(name, ENG_NET_DEFAULT) == 0 || strcmp(name, "bridge") == 0;
}

/* ROOT/networks, made if missing, locked (LOCK_EX): an fd. */
static int nets_dir(const char *root, tote_err **err) {
  _cleanup_free_ char *path = xasprintf("%s/networks", root);
  if (mkdir_p(path, 0700, err) < 0)
    return -1;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening %s", path);
  return lock_exclusive(fd, path, err);
}

static json_t *load(int dir, const char *name, tote_err **err) {
  _cleanup_free_ char *file = xasprintf("%s.json", name);
  tote_err *e = NULL;
  _cleanup_free_ char *text = read_file_at(dir, file, NULL, &e);
  if (text == NULL) {
    bool missing = e && e->errnum == ENOENT;
    err_free(&e);
    if (missing && err_set(err, 0, "no network %s: see tote network ls, or make it with tote "
                           "network create %s", name, name) && err)
      (*err)->errnum = ENOENT; /* for eng_network_get: the default one is made */
    else
      err_set(err, 0, "networks/%s cannot be read", file);
    return NULL;
  }
  json_t *n = json_loads(text, 0, NULL);
  if (!json_is_object(n) || !json_is_string(json_object_get(n, "subnet"))) {
    json_decref(n);
    err_set(err, 0, "networks/%s is broken: remove it (tote network rm %s)", file, name);
    return NULL;
  }
  return n;
}

static int save(int dir, json_t *n, tote_err **err) {
  _cleanup_free_ char *file =
      xasprintf("%s.json", json_string_value(json_object_get(n, "name")));
  _cleanup_free_ char *text = json_dumps(n, JSON_INDENT(2));
  return write_file_atomic_at(dir, file, text, strlen(text), 0600, err);
}

int eng_network_addrs(json_t *net, struct eng_subnet *sn, uint32_t *gw, tote_err **err) {
  const char *s = json_string_value(json_object_get(net, "subnet"));
  const char *g = json_string_value(json_object_get(net, "gateway"));
  if (s == NULL || g == NULL || eng_subnet_parse(s, "subnet", sn, err) < 0 ||
      eng_ip_parse(g, gw) < 0)
    return err_set(err, 0, "network %s has a broken subnet or gateway: remove it",
                   json_string_value(json_object_get(net, "name")));
  return 0;
}

/* Every network config in dir (a new array). */
static json_t *all(int dir) {
  json_t *out = json_array();
  _cleanup_close_ int d2 = dup(dir);
  DIR *d = d2 >= 0 ? fdopendir(d2) : NULL;
  if (d == NULL)
    return out;
  d2 = -1;
  rewinddir(d);
  for (struct dirent *e; (e = readdir(d));) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
      continue;
    _cleanup_free_ char *name = xstrndup(e->d_name, len - 5);
    json_t *n = load(dir, name, NULL);
    if (n)
      json_array_append_new(out, n);
  }
  closedir(d);
  return out;
}

/* The subnets a new one must not overlap: the host's routes (but those
 * through tote's bridges that are up) and the store's networks. */
static struct eng_subnet *used_subnets(int dir, size_t *n, tote_err **err) {
  struct eng_nl nl;
  if (eng_nl_open(&nl, -1, err) < 0)
    return NULL;
  json_t *nets = all(dir);
  struct eng_subnet *routes = eng_nl_routes(&nl, 0, n, err);
  size_t i;
  json_t *net;
  /* a route of one of our own bridges is that network's */
  for (size_t k = 0; routes && k < *n;) {
    bool ours = false;
    json_array_foreach(nets, i, net) {
      struct eng_subnet sn;
      uint32_t gw;
      if (eng_network_addrs(net, &sn, &gw, NULL) == 0 && sn.addr == routes[k].addr &&
          sn.prefix == routes[k].prefix)
        ours = true;
    }
    if (ours)
      routes[k] = routes[--*n];
    else
      k++;
  }
  eng_nl_close(&nl);
  if (routes == NULL) {
    json_decref(nets);
    return NULL;
  }
  routes = xrealloc(routes, (*n + json_array_size(nets) + 1) * sizeof *routes);
  json_array_foreach(nets, i, net) {
    if (eng_network_addrs(net, &routes[*n], &(uint32_t){0}, NULL) == 0)
      ++*n;
  }
  json_decref(nets);
  return routes;
}

/* adopt: o->subnet is the one the bridge has already (another store's
 * default network): its route is no overlap. */
static json_t *make(int dir, const struct eng_net_create_opts *o, const char *bridge, bool adopt,
                    tote_err **err) {
  struct eng_subnet sn;
  size_t nused = 0;
  _cleanup_free_ struct eng_subnet *used = used_subnets(dir, &nused, err);
  if (used == NULL)
    return NULL;
  if (o->subnet) {
    if (eng_subnet_parse(o->subnet, "--subnet", &sn, err) < 0)
      return NULL;
    for (size_t i = 0; i < nused && !adopt; i++)
      if (eng_subnet_overlap(&sn, &used[i])) {
        _cleanup_free_ char *other = eng_subnet_format(&used[i]);
        err_set(err, 0, "--subnet %s overlaps %s, a route of the host or another network's "
                "subnet: choose another subnet", o->subnet, other);
        return NULL;
      }
  } else if (eng_subnet_pick(used, nused, &sn) < 0) {
    err_set(err, 0, "every subnet tote would choose is in use on this host: give one with "
            "--subnet");
    return NULL;
  }
  uint32_t gw = eng_subnet_first(&sn);
  if (o->gateway && (eng_ip_parse(o->gateway, &gw) < 0 || !eng_subnet_contains(&sn, gw) ||
                     gw < eng_subnet_first(&sn) || gw > eng_subnet_last(&sn))) {
    _cleanup_free_ char *s = eng_subnet_format(&sn);
    err_set(err, 0, "--gateway %s is not a host address of subnet %s: choose one inside it",
            o->gateway, s);
    return NULL;
  }
  char id[65], now[64], g[ENG_IP_LEN];
  eng_new_id(id);
  rfc3339_now(now, sizeof now);
  eng_ip_format(gw, g);
  _cleanup_free_ char *subnet = eng_subnet_format(&sn);
  _cleanup_free_ char *br = bridge ? xstrdup(bridge) : xasprintf("tote-%.10s", id);
  json_t *labels = o->labels ? json_incref(o->labels) : json_object();
  json_t *n = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:b, s:o, s:s}", "name", o->name, "id",
                        id, "driver", "bridge", "bridge", br, "subnet", subnet, "gateway", g,
                        "internal", o->internal, "labels", labels, "created", now);
  if (save(dir, n, err) < 0) {
    json_decref(n);
    return NULL;
  }
  return n;
}

json_t *eng_network_get(const char *root, const char *name, tote_err **err) {
  bool deflt = eng_network_is_default(name);
  _cleanup_close_ int dir = nets_dir(root, err);
  if (dir < 0)
    return NULL;
  tote_err *e = NULL;
  json_t *n = load(dir, deflt ? ENG_NET_DEFAULT : name, &e);
  if (n || !deflt || e == NULL || e->errnum != ENOENT) {
    if (n == NULL && err)
      *err = e;
    else
      err_free(&e);
    return n;
  }
  err_free(&e);
  /* one bridge, one subnet: while tote0 serves another store's containers,
   * this store's default network is that subnet too */
  json_t *st = eng_ipam_load(ENG_STATE_ROOT, NULL);
  json_t *br = json_object_get(json_object_get(st, "bridges"), ENG_NET_DEFAULT_BRIDGE);
  struct eng_net_create_opts o = {
      .name = ENG_NET_DEFAULT, .subnet = json_string_value(json_object_get(br, "subnet")),
      .gateway = json_string_value(json_object_get(br, "gateway"))};
  json_t *made = make(dir, &o, ENG_NET_DEFAULT_BRIDGE, o.subnet != NULL, err);
  json_decref(st);
  return made;
}

static int check_name(const char *name, tote_err **err) {
  size_t len = strlen(name);
  const char *ok = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  if (len == 0 || len > 64 || strspn(name, ok) == 0 ||
      strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != len)
    return err_set(err, 0, "\"%s\" is not a network name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most "
                   "64 characters", name);
  if (eng_network_is_default(name) || strcmp(name, "none") == 0 || strcmp(name, "host") == 0)
    return err_set(err, 0, "\"%s\" is a network tote has already: choose another name", name);
  return 0;
}

int eng_network_create(const char *root, const struct eng_net_create_opts *o, json_t **out,
                       tote_err **err) {
  if (check_name(o->name, err) < 0)
    return -1;
  _cleanup_close_ int dir = nets_dir(root, err);
  if (dir < 0)
    return -1;
  _cleanup_free_ char *file = xasprintf("%s.json", o->name);
  if (faccessat(dir, file, F_OK, 0) == 0)
    return err_set(err, 0, "network %s exists already: remove it first (tote network rm), or "
                   "choose another name", o->name);
  json_t *n = make(dir, o, NULL, false, err);
  if (n == NULL)
    return -1;
  if (out)
    *out = n;
  else
    json_decref(n);
  return 0;
}

json_t *eng_network_list(const char *root, tote_err **err) {
  json_t *deflt = eng_network_get(root, ENG_NET_DEFAULT, err);
  if (deflt == NULL)
    return NULL;
  _cleanup_close_ int dir = nets_dir(root, err);
  if (dir < 0) {
    json_decref(deflt);
    return NULL;
  }
  json_t *nets = all(dir), *out = json_array();
  json_array_append_new(out, deflt);
  size_t i;
  json_t *n;
  json_array_foreach(nets, i, n) {
    if (strcmp(json_string_value(json_object_get(n, "name")), ENG_NET_DEFAULT) != 0)
      json_array_append(out, n);
  }
  json_decref(nets);
  return out;
}

json_t *eng_network_users(const char *root, const char *name) {
  json_t *out = json_array();
  tote_err *e = NULL;
  _cleanup_close_ int cdir = eng_containers_dir(root, &e);
  err_free(&e);
  if (cdir < 0)
    return out;
  json_t *list = eng_list(cdir);
  size_t i;
  json_t *c;
  json_array_foreach(list, i, c) {
    json_t *req = json_object_get(c, "network");
    const char *net = json_string_value(json_object_get(req, "name"));
    bool on = net && strcmp(net, name) == 0;
    size_t k;
    json_t *x;
    json_array_foreach(json_object_get(req, "extra"), k, x) {
      const char *n = json_string_value(json_object_get(x, "name"));
      on = on || (n && strcmp(n, name) == 0);
    }
    if (on)
      json_array_append(out, json_object_get(c, "name"));
  }
  json_decref(list);
  return out;
}

int eng_network_remove(const char *root, const char *name, tote_err **err) {
  if (eng_network_is_default(name))
    return err_set(err, 0, "network %s is tote's default network and cannot be removed", name);
  _cleanup_close_ int dir = nets_dir(root, err);
  if (dir < 0)
    return -1;
  json_t *n = load(dir, name, err);
  if (n == NULL)
    return -1;
  json_decref(n);
  json_t *users = eng_network_users(root, name);
  if (json_array_size(users) > 0) {
    _cleanup_free_ char *names = xstrdup("");
    size_t i;
    json_t *u;
    json_array_foreach(users, i, u) {
      char *next = xasprintf("%s%s%s", names, i ? ", " : "", json_string_value(u));
      free(names);
      names = next;
    }
    json_decref(users);
    return err_set(err, 0, "network %s is in use by container(s) %s: remove them first "
                   "(tote rm -f)", name, names);
  }
  json_decref(users);
  _cleanup_free_ char *file = xasprintf("%s.json", name);
  if (unlinkat(dir, file, 0) < 0)
    return err_sys(err, "removing networks/%s", file);
  return 0;
}
