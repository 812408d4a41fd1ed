/* config_linux.c - the "linux" object of config.json. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>

#include "runtime/cgroup.h"
#include "runtime/config.h"
#include "runtime/config_internal.h"
#include "util/err.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
  const char *config_name, *proc_name;
  int flag;
} ns_table[RT_NS_COUNT] = {
    [RT_NS_PID] = {"pid", "pid", CLONE_NEWPID},
    [RT_NS_NET] = {"network", "net", CLONE_NEWNET},
    [RT_NS_MNT] = {"mount", "mnt", CLONE_NEWNS},
    [RT_NS_IPC] = {"ipc", "ipc", CLONE_NEWIPC},
    [RT_NS_UTS] = {"uts", "uts", CLONE_NEWUTS},
    [RT_NS_USER] = {"user", "user", CLONE_NEWUSER},
    [RT_NS_CGROUP] = {"cgroup", "cgroup", CLONE_NEWCGROUP},
    [RT_NS_TIME] = {"time", "time", CLONE_NEWTIME},
};

const char *rt_ns_name(enum rt_ns_type t) { return ns_table[t].config_name; }
const char *rt_ns_proc_name(enum rt_ns_type t) { return ns_table[t].proc_name; }
int rt_ns_clone_flag(enum rt_ns_type t) { return ns_table[t].flag; }

static int parse_namespaces(json_t *lx, struct rt_config *c, tote_err **err) {
  json_t *arr;
  if (jx_arr(lx, "namespaces", "linux", &arr, err) < 0)
    return -1;
  for (size_t i = 0; arr && i < json_array_size(arr); i++) {
    _cleanup_free_ char *where = jx_index_path("linux", "namespaces", i);
    _cleanup_free_ char *type = NULL;
    char *path = NULL;
    json_t *ns = json_array_get(arr, i);
    if (!json_is_object(ns))
      return err_set(err, 0, "%s must be an object", where);
    if (jx_str(ns, "type", where, &type, err) < 0 || jx_str(ns, "path", where, &path, err) < 0)
      return -1;
    int t = -1;
    for (int k = 0; type && k < RT_NS_COUNT; k++)
      if (strcmp(type, ns_table[k].config_name) == 0)
        t = k;
    if (t < 0) {
      free(path);
      return err_set(err, 0, "%s: unknown namespace type %s (known: pid, network, mount, ipc, "
                             "uts, user, cgroup, time)", where, type ? type : "(missing)");
    }
    if (c->ns[t].present) {
      free(path);
      return err_set(err, 0, "linux.namespaces: %s is given twice", type);
    }
    if (path && path[0] != '/') {
      err_set(err, 0, "%s.path must be an absolute path, not %s", where, path);
      free(path);
      return -1;
    }
    c->ns[t].present = true;
    c->ns[t].path = path;
  }
  return 0;
}

int config_parse_idmaps(json_t *obj, const char *key, const char *where, struct rt_idmap **out,
                        size_t *n, tote_err **err) {
  json_t *arr;
  if (jx_arr(obj, key, where, &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  *n = json_array_size(arr);
  *out = xcalloc_array(*n, sizeof **out);
  for (size_t i = 0; i < *n; i++) {
    _cleanup_free_ char *w = jx_index_path(where, key, i);
    json_t *m = json_array_get(arr, i);
    if (!json_is_object(m))
      return err_set(err, 0, "%s must be an object", w);
    struct rt_idmap *e = &(*out)[i];
    if (jx_require(m, "containerID", w, err) < 0 || jx_require(m, "hostID", w, err) < 0 ||
        jx_require(m, "size", w, err) < 0 ||
        jx_u32(m, "containerID", w, &e->container_id, err) < 0 ||
        jx_u32(m, "hostID", w, &e->host_id, err) < 0 || jx_u32(m, "size", w, &e->size, err) < 0)
      return -1;
    if (e->size == 0)
      return err_set(err, 0, "%s.size must be at least 1", w);
  }
  return 0;
}

static int parse_time_offsets(json_t *lx, struct rt_config *c, tote_err **err) {
  json_t *t;
  if (jx_obj(lx, "timeOffsets", "linux", &t, err) < 0)
    return -1;
  if (t == NULL)
    return 0;
  const char *key;
  json_t *v;
  json_object_foreach(t, key, v) {
    _cleanup_free_ char *w = jx_path("linux.timeOffsets", key);
    struct rt_time_offset *o;
    if (strcmp(key, "monotonic") == 0)
      o = &c->time_monotonic;
    else if (strcmp(key, "boottime") == 0)
      o = &c->time_boottime;
    else
      return err_set(err, 0, "%s: unknown clock (monotonic or boottime)", w);
    if (!json_is_object(v))
      return err_set(err, 0, "%s must be an object", w);
    if (jx_i64(v, "secs", w, &o->secs, err) < 0 || jx_u32(v, "nanosecs", w, &o->nanosecs, err) < 0)
      return -1;
    if (o->nanosecs >= 1000000000u)
      return err_set(err, 0, "%s.nanosecs must be below 1000000000", w);
    o->present = true;
  }
  return 0;
}

static int parse_device(json_t *d, const char *w, struct rt_device *dev, tote_err **err) {
  _cleanup_free_ char *type = NULL;
  uint32_t mode = 0, uid = 0, gid = 0;
  if (!json_is_object(d))
    return err_set(err, 0, "%s must be an object", w);
  if (jx_str(d, "path", w, &dev->path, err) < 0 || jx_str(d, "type", w, &type, err) < 0 ||
      jx_i64(d, "major", w, &dev->major, err) < 0 || jx_i64(d, "minor", w, &dev->minor, err) < 0 ||
      jx_u32(d, "fileMode", w, &mode, err) < 0 || jx_u32(d, "uid", w, &uid, err) < 0 ||
      jx_u32(d, "gid", w, &gid, err) < 0)
    return -1;
  if (dev->path == NULL || dev->path[0] != '/')
    return err_set(err, 0, "%s.path must be an absolute path", w);
  if (type == NULL || strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
    return err_set(err, 0, "%s.type must be one of c, b, u, p", w);
  dev->type = type[0];
  if (dev->type != 'p' && (!jx_present(d, "major") || !jx_present(d, "minor")))
    return err_set(err, 0, "%s: major and minor are required for type %c", w, dev->type);
  dev->has_mode = jx_present(d, "fileMode");
  dev->file_mode = mode & 07777;
  dev->has_uid = jx_present(d, "uid");
  dev->has_gid = jx_present(d, "gid");
  dev->uid = uid, dev->gid = gid;
  return 0;
}

static int parse_devices(json_t *lx, struct rt_config *c, tote_err **err) {
  json_t *arr;
  if (jx_arr(lx, "devices", "linux", &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  c->devices = xcalloc_array(json_array_size(arr), sizeof *c->devices);
  for (size_t i = 0; i < json_array_size(arr); i++) {
    _cleanup_free_ char *w = jx_index_path("linux", "devices", i);
    c->n_devices = i + 1;
    if (parse_device(json_array_get(arr, i), w, &c->devices[i], err) < 0)
      return -1;
  }
  return 0;
}

/* A sysctl is allowed only if it belongs to a namespace the container has
 * of its own (as runc checks): otherwise it would change the host. */
static int check_sysctl(const struct rt_config *c, const char *key, tote_err **err) {
  static const char *const ipc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni",
                                    "kernel.sem", "kernel.shmall", "kernel.shmmax",
                                    "kernel.shmmni", "kernel.shm_rmid_forced"};
  bool own_ipc = c->ns[RT_NS_IPC].present, own_net = c->ns[RT_NS_NET].present,
       own_uts = c->ns[RT_NS_UTS].present;
  for (size_t i = 0; i < sizeof ipc / sizeof ipc[0]; i++)
    if (strcmp(key, ipc[i]) == 0)
      return own_ipc ? 0 : err_set(err, 0, "linux.sysctl: %s needs an ipc namespace", key);
  if (strncmp(key, "fs.mqueue.", 10) == 0)
    return own_ipc ? 0 : err_set(err, 0, "linux.sysctl: %s needs an ipc namespace", key);
  if (strncmp(key, "net.", 4) == 0)
    return own_net ? 0 : err_set(err, 0, "linux.sysctl: %s needs a network namespace", key);
  if (strcmp(key, "kernel.hostname") == 0 || strcmp(key, "kernel.domainname") == 0)
    return own_uts ? 0 : err_set(err, 0, "linux.sysctl: %s needs a uts namespace", key);
  return err_set(err, 0, "linux.sysctl: %s is not namespaced: it would change the host", key);
}

static int parse_sysctl(json_t *lx, struct rt_config *c, tote_err **err) {
  json_t *s;
  if (jx_obj(lx, "sysctl", "linux", &s, err) < 0)
    return -1;
  if (s == NULL)
    return 0;
  c->sysctl = xcalloc_array(json_object_size(s), sizeof *c->sysctl);
  const char *key;
  json_t *v;
  json_object_foreach(s, key, v) {
    if (!json_is_string(v))
      return err_set(err, 0, "linux.sysctl.%s must be a string", key);
    if (strchr(key, '/') != NULL || strstr(key, "..") != NULL)
      return err_set(err, 0, "linux.sysctl: invalid key %s", key);
    if (check_sysctl(c, key, err) < 0)
      return -1;
    c->sysctl[c->n_sysctl].key = xstrdup(key);
    c->sysctl[c->n_sysctl++].value = xstrdup(json_string_value(v));
  }
  return 0;
}

static int parse_propagation(json_t *lx, struct rt_config *c, tote_err **err) {
  static const struct { const char *name; unsigned long flags; } props[] = {
      {"private", MS_PRIVATE},   {"rprivate", MS_PRIVATE | MS_REC},
      {"slave", MS_SLAVE},       {"rslave", MS_SLAVE | MS_REC},
      {"shared", MS_SHARED},     {"rshared", MS_SHARED | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  _cleanup_free_ char *p = NULL;
  if (jx_str(lx, "rootfsPropagation", "linux", &p, err) < 0)
    return -1;
  if (p == NULL || *p == '\0')
    return 0;
  for (size_t i = 0; i < sizeof props / sizeof props[0]; i++)
    if (strcmp(p, props[i].name) == 0) {
      c->rootfs_propagation = props[i].flags;
      return 0;
    }
  return err_set(err, 0, "linux.rootfsPropagation: unknown value %s", p);
}

static int parse_personality(json_t *lx, struct rt_config *c, tote_err **err) {
  json_t *p;
  if (jx_obj(lx, "personality", "linux", &p, err) < 0)
    return -1;
  if (p == NULL)
    return 0;
  _cleanup_free_ char *domain = NULL;
  if (jx_str(p, "domain", "linux.personality", &domain, err) < 0)
    return -1;
  if (config_refuse(p, "flags", "linux.personality", " (no flag is defined by the spec)", err) < 0)
    return -1;
  if (domain && strcmp(domain, "LINUX") == 0)
    c->personality = PER_LINUX;
  else if (domain && strcmp(domain, "LINUX32") == 0)
    c->personality = PER_LINUX32;
  else
    return err_set(err, 0, "linux.personality.domain must be LINUX or LINUX32");
  c->has_personality = true;
  return 0;
}

/* Fields of config-linux.md that tote does not implement yet. */
static int refuse_unsupported(json_t *lx, tote_err **err) {
  if (config_refuse(lx, "intelRdt", "linux", "", err) < 0 ||
      config_refuse(lx, "memoryPolicy", "linux", "", err) < 0 ||
      config_refuse(lx, "netDevices", "linux", "", err) < 0)
    return -1;
  _cleanup_free_ char *label = NULL;
  if (jx_str(lx, "mountLabel", "linux", &label, err) < 0)
    return -1;
  if (label && *label)
    return err_set(err, 0, "linux.mountLabel is not supported: SELinux is not enabled");
  return 0;
}

static int check_userns(struct rt_config *c, tote_err **err) {
  bool new_userns = c->ns[RT_NS_USER].present && c->ns[RT_NS_USER].path == NULL;
  if (new_userns && (c->n_uid_mappings == 0 || c->n_gid_mappings == 0))
    return err_set(err, 0, "linux.namespaces: a new user namespace needs linux.uidMappings and "
                           "linux.gidMappings");
  if (!new_userns && (c->n_uid_mappings || c->n_gid_mappings))
    return err_set(err, 0, "linux.uidMappings/gidMappings need a new user namespace in "
                           "linux.namespaces");
  bool new_timens = c->ns[RT_NS_TIME].present && c->ns[RT_NS_TIME].path == NULL;
  if ((c->time_monotonic.present || c->time_boottime.present) && !new_timens)
    return err_set(err, 0, "linux.timeOffsets need a new time namespace in linux.namespaces");
  return 0;
}

static int check_absolute(char **paths, const char *where, tote_err **err) {
  for (size_t i = 0; paths && paths[i]; i++)
    if (paths[i][0] != '/')
      return err_set(err, 0, "%s[%zu] must be an absolute path, not %s", where, i, paths[i]);
  return 0;
}

int config_parse_linux(json_t *root, struct rt_config *c, tote_err **err) {
  json_t *lx;
  if (jx_obj(root, "linux", "", &lx, err) < 0)
    return -1;
  if (lx == NULL)
    return 0;
  json_t *seccomp;
  if (refuse_unsupported(lx, err) < 0 || jx_obj(lx, "seccomp", "linux", &seccomp, err) < 0 ||
      config_parse_seccomp(seccomp, &c->seccomp, err) < 0 || parse_namespaces(lx, c, err) < 0 ||
      config_parse_idmaps(lx, "uidMappings", "linux", &c->uid_mappings, &c->n_uid_mappings, err) < 0 ||
      config_parse_idmaps(lx, "gidMappings", "linux", &c->gid_mappings, &c->n_gid_mappings, err) < 0 ||
      parse_time_offsets(lx, c, err) < 0 || parse_devices(lx, c, err) < 0 ||
      jx_str(lx, "cgroupsPath", "linux", &c->cgroups_path, err) < 0 ||
      parse_sysctl(lx, c, err) < 0 || parse_propagation(lx, c, err) < 0 ||
      jx_strv(lx, "maskedPaths", "linux", &c->masked_paths, err) < 0 ||
      jx_strv(lx, "readonlyPaths", "linux", &c->readonly_paths, err) < 0 ||
      parse_personality(lx, c, err) < 0 || check_userns(c, err) < 0 ||
      check_absolute(c->masked_paths, "linux.maskedPaths", err) < 0 ||
      check_absolute(c->readonly_paths, "linux.readonlyPaths", err) < 0)
    return -1;
  json_t *res;
  if (jx_obj(lx, "resources", "linux", &res, err) < 0)
    return -1;
  if (res != NULL) {
    if (cgroup_check_resources(res, err) < 0)
      return -1;
    c->resources = json_incref(res);
  }
  return 0;
}
