/* hostconfig.c - `tote run`'s flags laid onto the OCI config (see
 * hostconfig.h). */
#include "engine/hostconfig.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/devices.h"
#include "engine/seccomp_profile.h"
#include "engine/volume.h"
#include "runtime/config.h"
#include "runtime/runtime.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* ---- values ---- */

static int parse_ll(const char *s, long long *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end)
    return -1;
  *out = v;
  return 0;
}

int eng_parse_cpus(const char *s, long long *quota, tote_err **err) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  if (errno || end == s || *end || !(v > 0))
    return err_set(err, 0, "--cpus \"%s\": a number of CPUs, like 1.5", s);
  if (v * 100 < 1 || v > (double)ncpu)
    return err_set(err, 0, "--cpus %s: the range is 0.01 to %ld (the CPUs this machine has)", s,
                   ncpu);
  *quota = (long long)(v * 100000 + 0.5);
  return 0;
}

/* docker's --ulimit names */
static const char *const ulimit_names[] = {
    "as",   "core",   "cpu",    "data",   "fsize",      "locks", "memlock", "msgqueue",
    "nice", "nofile", "nproc",  "rss",    "rtprio",     "rttime", "sigpending", "stack", NULL};

static int parse_rlim(const char *s, uint64_t *out) {
  long long v;
  if (strcmp(s, "unlimited") == 0 || strcmp(s, "-1") == 0) {
    *out = UINT64_MAX;
    return 0;
  }
  if (parse_ll(s, &v) < 0 || v < 0)
    return -1;
  *out = (uint64_t)v;
  return 0;
}

json_t *eng_parse_ulimit(const char *s, tote_err **err) {
  const char *eq = strchr(s, '=');
  _cleanup_free_ char *name = eq ? xstrndup(s, (size_t)(eq - s)) : NULL;
  bool known = false;
  for (const char *const *n = ulimit_names; name && *n; n++)
    known |= strcmp(*n, name) == 0;
  if (!known) {
    err_set(err, 0, "--ulimit \"%s\": NAME=SOFT[:HARD] with NAME one of as, core, cpu, data, "
                    "fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, "
                    "sigpending, stack",
            s);
    return NULL;
  }
  _cleanup_free_ char *soft_s = xstrdup(eq + 1);
  char *colon = strchr(soft_s, ':');
  if (colon)
    *colon = '\0';
  uint64_t soft, hard;
  if (parse_rlim(soft_s, &soft) < 0 || parse_rlim(colon ? colon + 1 : soft_s, &hard) < 0) {
    err_set(err, 0, "--ulimit \"%s\": the limits are numbers (or unlimited): %s=SOFT[:HARD]", s,
            name);
    return NULL;
  }
  if (soft > hard) {
    err_set(err, 0, "--ulimit \"%s\": the soft limit is above the hard one", s);
    return NULL;
  }
  _cleanup_free_ char *type = xasprintf("RLIMIT_%s", name);
  for (char *p = type; *p; p++)
    *p = (char)toupper((unsigned char)*p);
  return json_pack("{s:s, s:I, s:I}", "type", type, "soft", (json_int_t)soft, "hard",
                   (json_int_t)hard);
}

/* ---- mounts ---- */

static const char *const propagations[] = {"private", "rprivate", "shared", "rshared",
                                           "slave",   "rslave",   NULL};

static bool one_of(const char *s, const char *const *set) {
  for (; *set; set++)
    if (strcmp(s, *set) == 0)
      return true;
  return false;
}

static bool clean_abs(const char *p) { return p[0] == '/'; }

static json_t *bind_mount(const char *src, const char *dst, bool ro, const char *prop) {
  json_t *opts = json_pack("[s, s]", "rbind", prop ? prop : "rprivate");
  if (ro)
    json_array_append_new(opts, json_string("ro"));
  return json_pack("{s:s, s:s, s:s, s:o}", "destination", dst, "type", "bind", "source", src,
                   "options", opts);
}

/* A volume mount before it is made: bound by eng_host_apply. */
static json_t *volume_mount(const char *name, const char *dst, bool ro, bool nocopy) {
  json_t *opts = json_pack("[s, s]", "rbind", "rprivate");
  if (ro)
    json_array_append_new(opts, json_string("ro"));
  return json_pack("{s:s, s:s, s:s, s:o, s:b}", "destination", dst, "type", "volume", "source",
                   name, "options", opts, "x-nocopy", nocopy);
}

json_t *eng_parse_volume(const char *s, tote_err **err) {
  _cleanup_free_ char *copy = xstrdup(s);
  char *src = copy, *dst = strchr(copy, ':'), *opts = NULL;
  if (dst) {
    *dst++ = '\0';
    if ((opts = strchr(dst, ':')))
      *opts++ = '\0';
  } else { /* -v /PATH: an anonymous volume */
    dst = copy;
    src = "";
  }
  bool volume = !clean_abs(src);
  if (volume && *src && eng_volume_check_name(src, err) < 0) {
    err_wrap(err, "-v \"%s\"", s);
    return NULL;
  }
  if (!clean_abs(dst)) {
    err_set(err, 0, "-v \"%s\": the container path \"%s\" is not absolute", s, dst);
    return NULL;
  }
  bool ro = false, nocopy = false;
  const char *prop = NULL;
  for (char *o = opts ? strtok(opts, ",") : NULL; o; o = strtok(NULL, ",")) {
    if (strcmp(o, "ro") == 0 || strcmp(o, "rw") == 0) {
      ro = o[1] == 'o';
    } else if (one_of(o, propagations) && !volume) {
      prop = o;
    } else if (strcmp(o, "nocopy") == 0 && volume) {
      nocopy = true;
    } else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0) {
      /* SELinux relabeling: nothing to do where SELinux is not enabled */
      if (access("/sys/fs/selinux/enforce", F_OK) == 0) {
        err_set(err, 0, "-v \"%s\": relabeling for SELinux (%s) is not supported", s, o);
        return NULL;
      }
    } else {
      err_set(err, 0, "-v \"%s\": unknown option \"%s\" (ro, rw, z, Z; for a host path a "
                      "propagation: [r]private, [r]shared, [r]slave; for a volume nocopy)", s, o);
      return NULL;
    }
  }
  return volume ? volume_mount(src, dst, ro, nocopy) : bind_mount(src, dst, ro, prop);
}

json_t *eng_parse_tmpfs(const char *s, tote_err **err) {
  _cleanup_free_ char *copy = xstrdup(s);
  char *opts = strchr(copy, ':');
  if (opts)
    *opts++ = '\0';
  if (!clean_abs(copy)) {
    err_set(err, 0, "--tmpfs \"%s\": the container path is not absolute: --tmpfs /PATH[:OPTIONS]",
            s);
    return NULL;
  }
  json_t *o = json_pack("[s, s, s]", "noexec", "nosuid", "nodev");
  for (char *t = opts ? strtok(opts, ",") : NULL; t; t = strtok(NULL, ","))
    json_array_append_new(o, json_string(t));
  return json_pack("{s:s, s:s, s:s, s:o}", "destination", copy, "type", "tmpfs", "source",
                   "tmpfs", "options", o);
}

/* One key=value of --mount into the fields; -1 on an unknown key. */
struct mount_spec {
  const char *type, *src, *dst, *prop, *size, *mode;
  bool ro, nocopy;
};

static int mount_field(struct mount_spec *m, char *kv) {
  char *v = strchr(kv, '=');
  if (v)
    *v++ = '\0';
  bool *flag = strcmp(kv, "readonly") == 0 || strcmp(kv, "ro") == 0 ? &m->ro
               : strcmp(kv, "volume-nocopy") == 0                    ? &m->nocopy
                                                                     : NULL;
  if (flag) {
    *flag = v == NULL || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
    return v == NULL || *flag || strcmp(v, "false") == 0 || strcmp(v, "0") == 0 ? 0 : -1;
  }
  if (v == NULL)
    return -1;
  const char **slot = strcmp(kv, "type") == 0                                          ? &m->type
                      : strcmp(kv, "source") == 0 || strcmp(kv, "src") == 0           ? &m->src
                      : strcmp(kv, "target") == 0 || strcmp(kv, "destination") == 0 ||
                              strcmp(kv, "dst") == 0
                          ? &m->dst
                      : strcmp(kv, "bind-propagation") == 0 ? &m->prop
                      : strcmp(kv, "tmpfs-size") == 0       ? &m->size
                      : strcmp(kv, "tmpfs-mode") == 0       ? &m->mode
                                                            : NULL;
  if (slot == NULL)
    return -1;
  *slot = v;
  return 0;
}

json_t *eng_parse_mount(const char *s, tote_err **err) {
  _cleanup_free_ char *copy = xstrdup(s);
  struct mount_spec m = {0};
  char *save;
  for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
    if (mount_field(&m, kv) < 0) {
      err_set(err, 0, "--mount \"%s\": unknown or malformed field \"%s\" (type, source, target, "
                      "readonly, bind-propagation, volume-nocopy, tmpfs-size, tmpfs-mode)", s, kv);
      return NULL;
    }
  }
  if (m.type == NULL || m.dst == NULL || !clean_abs(m.dst)) {
    err_set(err, 0, "--mount \"%s\": type=bind|volume|tmpfs and an absolute target= are needed",
            s);
    return NULL;
  }
  if (strcmp(m.type, "bind") == 0) {
    struct stat st;
    if (m.src == NULL || !clean_abs(m.src) || (m.prop && !one_of(m.prop, propagations))) {
      err_set(err, 0, "--mount \"%s\": a bind takes an absolute source= (and bind-propagation= "
                      "[r]private, [r]shared or [r]slave)", s);
      return NULL;
    }
    if (stat(m.src, &st) < 0) { /* as docker: --mount does not make the source */
      err_sys(err, "--mount \"%s\": the source %s", s, m.src);
      return NULL;
    }
    return bind_mount(m.src, m.dst, m.ro, m.prop);
  }
  if (strcmp(m.type, "tmpfs") == 0) {
    if (m.src || m.prop) {
      err_set(err, 0, "--mount \"%s\": a tmpfs takes no source or bind-propagation", s);
      return NULL;
    }
    json_t *o = json_pack("[s, s, s]", "noexec", "nosuid", "nodev");
    int64_t size;
    if (m.size && rt_parse_mem_size(m.size, &size) < 0) {
      json_decref(o);
      err_set(err, 0, "--mount \"%s\": tmpfs-size \"%s\" is not a size (like 64m)", s, m.size);
      return NULL;
    }
    if (m.size)
      json_array_append_new(o, json_sprintf("size=%lld", (long long)size));
    if (m.mode) {
      if (strspn(m.mode, "01234567") != strlen(m.mode) || strlen(m.mode) > 4 || !*m.mode) {
        json_decref(o);
        err_set(err, 0, "--mount \"%s\": tmpfs-mode \"%s\" is not an octal mode", s, m.mode);
        return NULL;
      }
      json_array_append_new(o, json_sprintf("mode=%s", m.mode));
    }
    if (m.ro)
      json_array_append_new(o, json_string("ro"));
    return json_pack("{s:s, s:s, s:s, s:o}", "destination", m.dst, "type", "tmpfs", "source",
                     "tmpfs", "options", o);
  }
  if (strcmp(m.type, "volume") == 0) {
    if (m.src && eng_volume_check_name(m.src, err) < 0) {
      err_wrap(err, "--mount \"%s\"", s);
      return NULL;
    }
    if (m.prop || m.size || m.mode) {
      err_set(err, 0, "--mount \"%s\": a volume takes source=NAME (or none: a new anonymous "
                      "one), target=, readonly and volume-nocopy", s);
      return NULL;
    }
    return volume_mount(m.src ? m.src : "", m.dst, m.ro, m.nocopy);
  }
  err_set(err, 0, "--mount \"%s\": type=%s is not supported (bind, volume or tmpfs)", s, m.type);
  return NULL;
}

/* ---- capabilities ---- */

static char *cap_name(const char *s) {
  char *n = strncasecmp(s, "CAP_", 4) == 0 ? xstrdup(s) : xasprintf("CAP_%s", s);
  for (char *p = n; *p; p++)
    *p = (char)toupper((unsigned char)*p);
  return n;
}

static bool has_all(const struct eng_list *l) {
  for (int i = 0; i < l->n; i++)
    if (strcasecmp(l->v[i], "ALL") == 0)
      return true;
  return false;
}

static void set_remove(json_t *set, const char *name) {
  for (size_t i = 0; i < json_array_size(set); i++)
    if (strcmp(json_string_value(json_array_get(set, i)), name) == 0)
      json_array_remove(set, i--);
}

static void set_add(json_t *set, const char *name) {
  set_remove(set, name);
  json_array_append_new(set, json_string(name));
}

/* Every capability this kernel has that tote itself may pass on (its
 * bounding set: a machine may withhold some, like CAP_SYS_RESOURCE). */
static json_t *all_caps(void) {
  json_t *set = json_array();
  for (cap_value_t v = 0; v <= 63 && cap_valid(v); v++) {
    if (prctl(PR_CAPBSET_READ, v, 0, 0, 0) != 1)
      continue;
    char *n = cap_to_name(v);
    if (n && strncmp(n, "cap_", 4) == 0) {
      _cleanup_free_ char *up = cap_name(n);
      json_array_append_new(set, json_string(up));
    }
    cap_free(n);
  }
  return set;
}

static int check_names(const struct eng_list *l, const char *flag, tote_err **err) {
  for (int i = 0; i < l->n; i++) {
    _cleanup_free_ char *n = cap_name(l->v[i]);
    if (strcasecmp(l->v[i], "ALL") != 0 && config_cap_from_name(n) < 0)
      return err_set(err, 0, "%s %s: no such capability (names as in capabilities(7), with or "
                             "without CAP_, or ALL)", flag, l->v[i]);
  }
  return 0;
}

json_t *eng_caps(json_t *deflt, const struct eng_list *add, const struct eng_list *drop,
                 tote_err **err) {
  if (check_names(add, "--cap-add", err) < 0 || check_names(drop, "--cap-drop", err) < 0)
    return NULL;
  json_t *set = has_all(add) ? all_caps() : has_all(drop) ? json_array() : json_deep_copy(deflt);
  for (int i = 0; i < drop->n; i++) {
    _cleanup_free_ char *n = cap_name(drop->v[i]);
    set_remove(set, n);
  }
  for (int i = 0; i < add->n; i++) {
    if (strcasecmp(add->v[i], "ALL") == 0)
      continue;
    _cleanup_free_ char *n = cap_name(add->v[i]);
    set_add(set, n);
  }
  if (has_all(add)) /* ALL added, then what --cap-drop names taken out */
    for (int i = 0; i < drop->n; i++) {
      _cleanup_free_ char *n = cap_name(drop->v[i]);
      set_remove(set, n);
    }
  return set;
}

static void set_caps(json_t *proc, json_t *set) {
  json_t *caps = json_object();
  json_object_set(caps, "bounding", set);
  json_object_set(caps, "effective", set);
  json_object_set(caps, "permitted", set);
  json_object_set_new(proc, "capabilities", caps);
}

/* ---- security options ---- */

struct security {
  const char *seccomp; /* a profile file, "unconfined", or NULL for the default */
  bool no_new_privs;
};

static int parse_security(const struct eng_list *l, struct security *sec, tote_err **err) {
  for (int i = 0; i < l->n; i++) {
    const char *o = l->v[i];
    const char *v = strpbrk(o, "=:");
    size_t klen = v ? (size_t)(v - o) : strlen(o);
    if (klen == 7 && strncmp(o, "seccomp", 7) == 0 && v && v[1]) {
      sec->seccomp = v + 1;
    } else if (klen == 17 && strncmp(o, "no-new-privileges", 17) == 0) {
      if (v && strcmp(v + 1, "true") != 0 && strcmp(v + 1, "false") != 0)
        return err_set(err, 0, "--security-opt %s: no-new-privileges[=true|false]", o);
      sec->no_new_privs = v == NULL || strcmp(v + 1, "true") == 0;
    } else if ((klen == 8 && strncmp(o, "apparmor", 8) == 0) ||
               (klen == 5 && strncmp(o, "label", 5) == 0)) {
      return err_set(err, 0, "--security-opt %s is not supported: tote runs without AppArmor "
                             "and SELinux profiles", o);
    } else {
      return err_set(err, 0, "--security-opt \"%s\": seccomp=FILE|unconfined or "
                             "no-new-privileges[=true|false]", o);
    }
  }
  return 0;
}

static int apply_seccomp(json_t *spec, json_t *proc, const struct eng_host *h,
                         const struct security *sec, tote_err **err) {
  json_t *lx = json_object_get(spec, "linux");
  if (h->privileged || (sec->seccomp && strcmp(sec->seccomp, "unconfined") == 0)) {
    json_object_del(lx, "seccomp");
    return 0;
  }
  json_t *caps = json_object_get(json_object_get(proc, "capabilities"), "bounding");
  json_t *sc = eng_seccomp_profile(sec->seccomp ? sec->seccomp : ENG_SECCOMP_PROFILE, caps, err);
  if (sc == NULL)
    return sec->seccomp ? err_wrap(err, "--security-opt seccomp=%s", sec->seccomp) : -1;
  json_object_set_new(lx, "seccomp", sc);
  return 0;
}

/* ---- resources ---- */

/* Whether the kernel accounts swap for cgroups (v1: memsw files; v2: always). */
static bool swap_accounted(void) {
  return access("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes", F_OK) == 0 ||
         access("/sys/fs/cgroup/cgroup.subtree_control", F_OK) == 0;
}

static int apply_memory(json_t *res, const struct eng_host *h, tote_err **err) {
  int64_t mem = 0, swap = 0;
  if (h->memory) {
    if (rt_parse_mem_size(h->memory, &mem) < 0)
      return err_set(err, 0, "--memory \"%s\": a size, like 512m or 2g", h->memory);
    if (mem < 6 * 1024 * 1024)
      return err_set(err, 0, "--memory %s: the smallest limit is 6m", h->memory);
  }
  if (h->memory_swap) {
    if (h->memory == NULL)
      return err_set(err, 0, "--memory-swap needs --memory (it is memory plus swap)");
    if (strcmp(h->memory_swap, "-1") == 0)
      swap = -1;
    else if (rt_parse_mem_size(h->memory_swap, &swap) < 0)
      return err_set(err, 0, "--memory-swap \"%s\": a size (memory plus swap), or -1",
                     h->memory_swap);
    else if (swap < mem)
      return err_set(err, 0, "--memory-swap %s is less than --memory %s: it counts memory plus "
                             "swap", h->memory_swap, h->memory);
  } else if (mem && swap_accounted()) {
    swap = 2 * mem; /* docker: as much swap as memory */
  }
  if (mem == 0)
    return 0;
  json_t *m = json_pack("{s:I}", "limit", (json_int_t)mem);
  if (swap)
    json_object_set_new(m, "swap", json_integer(swap));
  json_object_set_new(res, "memory", m);
  return 0;
}

static int apply_cpu_pids(json_t *res, const struct eng_host *h, tote_err **err) {
  json_t *cpu = json_object();
  json_object_set_new(res, "cpu", cpu);
  long long v;
  if (h->cpus) {
    if (eng_parse_cpus(h->cpus, &v, err) < 0)
      return -1;
    json_object_set_new(cpu, "quota", json_integer(v));
    json_object_set_new(cpu, "period", json_integer(100000));
  }
  if (h->cpu_shares) {
    if (parse_ll(h->cpu_shares, &v) < 0 || v < 2 || v > 262144)
      return err_set(err, 0, "--cpu-shares \"%s\": a number from 2 to 262144 (1024 is one "
                             "CPU's share)", h->cpu_shares);
    json_object_set_new(cpu, "shares", json_integer(v));
  }
  if (h->cpuset_cpus) {
    if (!*h->cpuset_cpus || strspn(h->cpuset_cpus, "0123456789,-") != strlen(h->cpuset_cpus))
      return err_set(err, 0, "--cpuset-cpus \"%s\": CPU numbers and ranges, like 0-1,3",
                     h->cpuset_cpus);
    json_object_set_new(cpu, "cpus", json_string(h->cpuset_cpus));
  }
  if (json_object_size(cpu) == 0)
    json_object_del(res, "cpu");
  if (h->pids_limit) {
    if (parse_ll(h->pids_limit, &v) < 0)
      return err_set(err, 0, "--pids-limit \"%s\": a number (0 or -1: no limit)", h->pids_limit);
    if (v > 0)
      json_object_set_new(res, "pids", json_pack("{s:I}", "limit", (json_int_t)v));
  }
  return 0;
}

/* ---- the whole ---- */

static int add_mounts(json_t *mounts, const struct eng_list *l, json_t *(*parse)(const char *,
                                                                                  tote_err **),
                      tote_err **err) {
  for (int i = 0; i < l->n; i++) {
    json_t *m = parse(l->v[i], err);
    if (m == NULL)
      return -1;
    const char *dst = json_string_value(json_object_get(m, "destination"));
    size_t k;
    json_t *old;
    json_array_foreach(mounts, k, old) {
      if (strcmp(json_string_value(json_object_get(old, "destination")), dst) == 0) {
        err_set(err, 0, "%s is mounted twice: give each container path one mount", dst);
        json_decref(m);
        return -1;
      }
    }
    json_array_append_new(mounts, m);
  }
  return 0;
}

/* -v with a missing host directory: docker makes it. */
static int make_volume_sources(const struct eng_list *l, tote_err **err) {
  for (int i = 0; i < l->n; i++) {
    _cleanup_free_ char *src = xstrndup(l->v[i], strcspn(l->v[i], ":"));
    bool bind = src[0] == '/' && strchr(l->v[i], ':'); /* not -v /PATH, a volume */
    if (bind && access(src, F_OK) < 0 && mkdir_p(src, 0755, err) < 0)
      return err_wrap(err, "-v %s", l->v[i]);
  }
  return 0;
}

static int add_hosts_line(const char *s, char **text, tote_err **err) {
  const char *colon = strchr(s, ':');
  unsigned char buf[16];
  _cleanup_free_ char *host = colon ? xstrndup(s, (size_t)(colon - s)) : NULL;
  const char *ip = colon ? colon + 1 : NULL;
  if (ip && ip[0] == '[' && ip[strlen(ip) - 1] == ']') /* [v6] */
    ip = xstrndup(ip + 1, strlen(ip) - 2);
  bool ok = host && *host && ip &&
            (inet_pton(AF_INET, ip, buf) == 1 || inet_pton(AF_INET6, ip, buf) == 1);
  if (!ok) {
    if (ip && ip != colon + 1)
      free((char *)ip);
    return err_set(err, 0, "--add-host \"%s\": HOST:IP, with an IPv4 or IPv6 address", s);
  }
  char *n = xasprintf("%s%s\t%s\n", *text, ip, host);
  if (ip != colon + 1)
    free((char *)ip);
  free(*text);
  *text = n;
  return 0;
}

/* /etc/hosts and /etc/hostname: written in the container's directory and
 * bound in, as docker does. */
static int etc_files(json_t *spec, const struct eng_host *h, int cdir, const char *cdir_path,
                     tote_err **err) {
  char *hosts = xstrdup("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                        "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\n"
                        "ff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
  for (int i = 0; i < h->add_hosts.n; i++)
    if (add_hosts_line(h->add_hosts.v[i], &hosts, err) < 0) {
      free(hosts);
      return -1;
    }
  _cleanup_free_ char *hn =
      xasprintf("%s\n", json_string_value(json_object_get(spec, "hostname")) ?: "");
  int r = write_file_at(cdir, "hosts", hosts, strlen(hosts), 0644, err);
  free(hosts);
  if (r < 0 || write_file_at(cdir, "hostname", hn, strlen(hn), 0644, err) < 0)
    return -1;
  json_t *mounts = json_object_get(spec, "mounts");
  static const char *const files[] = {"hosts", "hostname"};
  for (size_t i = 0; i < 2; i++) {
    _cleanup_free_ char *src = xasprintf("%s/%s", cdir_path, files[i]);
    _cleanup_free_ char *dst = xasprintf("/etc/%s", files[i]);
    json_t *m;
    size_t k;
    bool given = false; /* a mount the user asked for wins */
    json_array_foreach(mounts, k, m) given |=
        strcmp(json_string_value(json_object_get(m, "destination")), dst) == 0;
    if (!given)
      json_array_append_new(mounts, bind_mount(src, dst, false, NULL));
  }
  return 0;
}

static void privileged(json_t *spec) {
  json_t *lx = json_object_get(spec, "linux");
  json_object_del(lx, "maskedPaths");
  json_object_del(lx, "readonlyPaths");
  size_t i;
  json_t *m;
  json_array_foreach(json_object_get(spec, "mounts"), i, m) {
    const char *dst = json_string_value(json_object_get(m, "destination"));
    if (strcmp(dst, "/sys") == 0 || strcmp(dst, "/sys/fs/cgroup") == 0)
      set_remove(json_object_get(m, "options"), "ro");
  }
  json_object_set_new(lx, "devices", eng_host_devices());
  json_t *res = json_object_get(lx, "resources");
  json_object_set_new(res, "devices", json_pack("[{s:b, s:s}]", "allow", 1, "access", "rwm"));
}

/* The image's Volumes that nothing else mounts: anonymous volumes. */
static void image_volumes(json_t *mounts, json_t *icfg) {
  const char *path;
  json_t *unused;
  json_object_foreach(json_object_get(icfg, "Volumes"), path, unused) {
    size_t i;
    json_t *m;
    bool taken = path[0] != '/';
    json_array_foreach(mounts, i, m) taken |=
        strcmp(json_string_value(json_object_get(m, "destination")), path) == 0;
    if (!taken)
      json_array_append_new(mounts, volume_mount("", path, false, false));
  }
}

/* Each volume mount made a bind of its volume: the volume created when
 * missing (a new anonymous one for ""), and a new one filled from the
 * image's directory at the destination unless nocopy. */
static int make_volumes(json_t *mounts, const struct eng_host_ctx *ctx, tote_err **err) {
  size_t i;
  json_t *m;
  json_array_foreach(mounts, i, m) {
    if (strcmp(json_string_value(json_object_get(m, "type")), "volume") != 0)
      continue;
    const char *name = json_string_value(json_object_get(m, "source"));
    const char *dst = json_string_value(json_object_get(m, "destination"));
    bool anonymous = *name == '\0', created;
    _cleanup_free_ char *made = NULL;
    if (eng_volume_create(ctx->root, anonymous ? NULL : name, NULL, anonymous, &created, &made,
                          err) < 0)
      return -1;
    bool copy = created && !json_is_true(json_object_get(m, "x-nocopy"));
    json_object_set_new(m, "type", json_string("bind"));
    json_object_set_new(m, "source", json_sprintf("%s/volumes/%s/_data", ctx->root, made));
    json_object_del(m, "x-nocopy");
    if (copy && eng_volume_copy_up(ctx->root, made, ctx->rootfd, dst, err) < 0)
      return -1;
  }
  return 0;
}

int eng_host_apply(json_t *spec, const struct eng_host *h, const struct eng_host_ctx *ctx,
                   tote_err **err) {
  json_t *proc = json_object_get(spec, "process");
  json_t *lx = json_object_get(spec, "linux");
  struct security sec = {0};
  if (parse_security(&h->security_opts, &sec, err) < 0)
    return -1;
  json_t *caps = h->privileged ? all_caps()
                               : eng_caps(json_object_get(json_object_get(proc, "capabilities"),
                                                          "bounding"),
                                          &h->cap_add, &h->cap_drop, err);
  if (caps == NULL)
    return -1;
  set_caps(proc, caps);
  json_decref(caps);
  if (apply_seccomp(spec, proc, h, &sec, err) < 0)
    return -1;
  if (sec.no_new_privs)
    json_object_set_new(proc, "noNewPrivileges", json_true());
  if (!json_is_object(json_object_get(lx, "resources")))
    json_object_set_new(lx, "resources", json_object());
  json_t *res = json_object_get(lx, "resources");
  if (apply_memory(res, h, err) < 0 || apply_cpu_pids(res, h, err) < 0)
    return -1;
  if (h->ulimits.n) {
    json_t *rl = json_array();
    json_object_set_new(proc, "rlimits", rl);
    for (int i = 0; i < h->ulimits.n; i++) {
      json_t *r = eng_parse_ulimit(h->ulimits.v[i], err);
      if (r == NULL)
        return -1;
      json_array_append_new(rl, r);
    }
  }
  if (h->read_only)
    json_object_set_new(json_object_get(spec, "root"), "readonly", json_true());
  if (h->privileged)
    privileged(spec);
  json_t *mounts = json_object_get(spec, "mounts");
  if (add_mounts(mounts, &h->volumes, eng_parse_volume, err) < 0 ||
      add_mounts(mounts, &h->mounts, eng_parse_mount, err) < 0 ||
      add_mounts(mounts, &h->tmpfs, eng_parse_tmpfs, err) < 0)
    return -1;
  image_volumes(mounts, ctx->image_config);
  if (make_volume_sources(&h->volumes, err) < 0)
    return -1;
  if (h->init) {
    if (h->init_path == NULL || access(h->init_path, X_OK) < 0)
      return err_set(err, 0, "--init: tote-init is missing beside tote (%s): reinstall tote",
                     h->init_path ? h->init_path : "?");
    json_array_append_new(mounts, bind_mount(h->init_path, "/dev/init", true, NULL));
    json_t *args = json_pack("[s, s]", "/dev/init", "--");
    json_array_extend(args, json_object_get(proc, "args"));
    json_object_set_new(proc, "args", args);
  }
  if (etc_files(spec, h, ctx->cdir, ctx->cdir_path, err) < 0)
    return -1;
  /* last: nothing fails after volumes are made (a failure in between would
   * leave anonymous ones that no config.json names) */
  if (make_volumes(mounts, ctx, err) < 0) {
    eng_volumes_release(ctx->root, spec, NULL);
    return -1;
  }
  return 0;
}
