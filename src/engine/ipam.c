/* ipam.c - addresses and host ports under a lock (see ipam.h). */
#include "engine/ipam.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

#define FILE_NAME "ipam.json"

/* Beside the runtime's state root, not in it: there every directory is a
 * container to `tote-oci list`. */
static char *dir_of(const char *state_root) { return xasprintf("%s-net/networks", state_root); }

int eng_ipam_lock(const char *state_root, tote_err **err) {
  _cleanup_free_ char *dir = dir_of(state_root);
  if (mkdir_p(dir, 0700, err) < 0)
    return -1;
  _cleanup_free_ char *path = xasprintf("%s/lock", dir);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return err_sys(err, "opening %s", path);
  return lock_exclusive(fd, path, err);
}

json_t *eng_ipam_load(const char *state_root, tote_err **err) {
  _cleanup_free_ char *path = xasprintf("%s-net/networks/" FILE_NAME, state_root);
  tote_err *e = NULL;
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, path, NULL, &e);
  if (text == NULL && e && e->errnum == ENOENT) {
    err_free(&e);
    return json_pack("{s:{}, s:{}}", "bridges", "ports");
  }
  if (text == NULL) {
    if (err)
      *err = e;
    else
      err_free(&e);
    return NULL;
  }
  json_error_t je;
  json_t *st = json_loads(text, 0, &je);
  if (!json_is_object(json_object_get(st, "bridges")) ||
      !json_is_object(json_object_get(st, "ports"))) {
    json_decref(st);
    err_set(err, 0, "%s is broken (line %d: %s): remove it once no container runs", path,
            je.line, st ? "bridges and ports are missing" : je.text);
    return NULL;
  }
  return st;
}

int eng_ipam_save(const char *state_root, json_t *st, tote_err **err) {
  _cleanup_free_ char *dir = dir_of(state_root);
  _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return err_sys(err, "opening %s", dir);
  _cleanup_free_ char *text = json_dumps(st, JSON_INDENT(1) | JSON_SORT_KEYS);
  return write_file_atomic_at(fd, FILE_NAME, text, strlen(text), 0600, err);
}

json_t *eng_ipam_bridge(json_t *st, const char *bridge, const char *network,
                        const struct eng_subnet *sn, uint32_t gw, bool internal, tote_err **err) {
  json_t *bridges = json_object_get(st, "bridges");
  json_t *b = json_object_get(bridges, bridge);
  _cleanup_free_ char *subnet = eng_subnet_format(sn);
  if (b) {
    const char *has = json_string_value(json_object_get(b, "subnet"));
    if (has && strcmp(has, subnet) != 0) {
      err_set(err, 0, "bridge %s is up with subnet %s, not %s (a network of another store "
              "uses it): remove that store's containers on it first", bridge, has, subnet);
      return NULL;
    }
    return b;
  }
  char g[ENG_IP_LEN];
  eng_ip_format(gw, g);
  b = json_pack("{s:s, s:s, s:s, s:b, s:{}}", "network", network, "subnet", subnet, "gateway", g,
                "internal", internal, "addrs");
  json_object_set_new(bridges, bridge, b);
  return b;
}

int eng_ipam_take(json_t *bridge, const struct eng_subnet *sn, uint32_t gw, uint32_t want,
                  const char *id, const char *root, uint32_t *ip, tote_err **err) {
  json_t *addrs = json_object_get(bridge, "addrs");
  size_t n = json_object_size(addrs), k = 0;
  uint32_t *taken = xcalloc_array(n + 1, sizeof *taken);
  const char *key;
  json_t *v;
  json_object_foreach(addrs, key, v) {
    if (eng_ip_parse(key, &taken[k]) == 0)
      k++;
  }
  char s[ENG_IP_LEN];
  _cleanup_free_ char *subnet = eng_subnet_format(sn);
  int r = 0;
  if (want) {
    eng_ip_format(want, s);
    if (!eng_ip_assignable(sn, gw, want))
      r = err_set(err, 0, "--ip %s is not an address a container may have in subnet %s: "
                  "choose one inside it, other than the gateway", s, subnet);
    for (size_t i = 0; r == 0 && i < k; i++)
      if (taken[i] == want)
        r = err_set(err, 0, "--ip %s is taken by container %.12s: choose another", s,
                    json_string_value(json_object_get(json_object_get(addrs, s), "id")));
    *ip = want;
  } else if ((*ip = eng_ip_pick(sn, gw, taken, k)) == 0) {
    r = err_set(err, 0, "subnet %s has no free address left: remove containers from it", subnet);
  }
  free(taken);
  if (r < 0)
    return -1;
  eng_ip_format(*ip, s);
  json_object_set_new(addrs, s, json_pack("{s:s, s:s}", "id", id, "root", root));
  return 0;
}

static char *port_key(const struct eng_port *p) {
  char ip[ENG_IP_LEN];
  eng_ip_format(p->host_ip, ip);
  return xasprintf("%s/%s/%u", p->proto, ip, p->host_port);
}

bool eng_ipam_port_taken(json_t *st, const struct eng_port *p) {
  json_t *ports = json_object_get(st, "ports");
  const char *key;
  json_t *v;
  json_object_foreach(ports, key, v) {
    char proto[8], ip[ENG_IP_LEN];
    unsigned port;
    uint32_t a;
    if (sscanf(key, "%7[a-z]/%15[0-9.]/%u", proto, ip, &port) != 3 ||
        eng_ip_parse(ip, &a) < 0)
      continue;
    /* 0.0.0.0 holds the port on every address */
    if (strcmp(proto, p->proto) == 0 && port == p->host_port &&
        (a == 0 || p->host_ip == 0 || a == p->host_ip))
      return true;
  }
  return false;
}

int eng_ipam_take_port(json_t *st, const struct eng_port *p, const char *id, const char *root,
                       tote_err **err) {
  if (eng_ipam_port_taken(st, p)) {
    char ip[ENG_IP_LEN];
    eng_ip_format(p->host_ip, ip);
    return err_set(err, 0, "-p: host port %s:%u/%s is already published by another container: "
                   "choose another host port", ip, p->host_port, p->proto);
  }
  _cleanup_free_ char *key = port_key(p);
  json_object_set_new(json_object_get(st, "ports"), key,
                      json_pack("{s:s, s:s}", "id", id, "root", root));
  return 0;
}

/* Drop the entries of obj whose value's id is id (or, id NULL, whose
 * container directory is gone). */
static void drop(json_t *obj, const char *id) {
  const char *key;
  json_t *v, *tmp;
  json_object_foreach_safe(obj, tmp, key, v) {
    const char *vid = json_string_value(json_object_get(v, "id"));
    const char *root = json_string_value(json_object_get(v, "root"));
    bool gone = false;
    if (id == NULL) {
      _cleanup_free_ char *dir = xasprintf("%s/containers/%s", root ? root : "", vid ? vid : "");
      gone = vid == NULL || root == NULL || access(dir, F_OK) < 0;
    }
    if (id ? vid && strcmp(vid, id) == 0 : gone)
      json_object_del(obj, key);
  }
}

static void drop_all(json_t *st, const char *id) {
  const char *key;
  json_t *b;
  json_object_foreach(json_object_get(st, "bridges"), key, b) drop(json_object_get(b, "addrs"),
                                                                    id);
  drop(json_object_get(st, "ports"), id);
}

void eng_ipam_release(json_t *st, const char *id) { drop_all(st, id); }

void eng_ipam_release_ports(json_t *st, const char *id) { drop(json_object_get(st, "ports"), id); }

void eng_ipam_release_on(json_t *st, const char *bridge, const char *id) {
  drop(json_object_get(json_object_get(json_object_get(st, "bridges"), bridge), "addrs"), id);
}

void eng_ipam_sweep(json_t *st) { drop_all(st, NULL); }

size_t eng_ipam_bridge_users(json_t *st, const char *bridge) {
  return json_object_size(
      json_object_get(json_object_get(json_object_get(st, "bridges"), bridge), "addrs"));
}
