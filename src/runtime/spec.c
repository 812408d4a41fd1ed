/* spec.c - the default config.json: what `tote-oci spec` writes and what
 * the engine starts a container from (see runtime.h). */
#include <jansson.h>
#include <stdbool.h>
#include <unistd.h>

#include "runtime/runtime.h"

/* Docker's default capability set. */
static const char *const default_caps[] = {
    "CAP_CHOWN",  "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",           "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID",      "CAP_SETUID", "CAP_SETFCAP",          "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE", NULL};

static json_t *caps_array(void) {
  json_t *a = json_array();
  for (const char *const *c = default_caps; *c; c++)
    json_array_append_new(a, json_string(*c));
  return a;
}

static json_t *strings(const char *const *v) {
  json_t *a = json_array();
  for (; *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

static json_t *mount(const char *dest, const char *type, const char *src, const char *const *opts) {
  return json_pack("{s:s, s:s, s:s, s:o}", "destination", dest, "type", type, "source", src,
                   "options", strings(opts));
}

static json_t *mounts(bool rootless) {
  json_t *m = json_array();
  json_array_append_new(m, mount("/proc", "proc", "proc", (const char *[]){NULL}));
  json_array_append_new(m, mount("/dev", "tmpfs", "tmpfs",
                                 (const char *[]){"nosuid", "strictatime", "mode=755", "size=65536k", NULL}));
  json_array_append_new(m, mount("/dev/pts", "devpts", "devpts",
                                 rootless ? (const char *[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL}
                                          : (const char *[]){"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL}));
  json_array_append_new(m, mount("/dev/shm", "tmpfs", "shm",
                                 (const char *[]){"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL}));
  json_array_append_new(m, mount("/dev/mqueue", "mqueue", "mqueue",
                                 (const char *[]){"nosuid", "noexec", "nodev", NULL}));
  if (rootless)
    json_array_append_new(m, mount("/sys", "none", "/sys",
                                   (const char *[]){"rbind", "nosuid", "noexec", "nodev", "ro", NULL}));
  else
    json_array_append_new(m, mount("/sys", "sysfs", "sysfs",
                                   (const char *[]){"nosuid", "noexec", "nodev", "ro", NULL}));
  json_array_append_new(m, mount("/sys/fs/cgroup", "cgroup", "cgroup",
                                 (const char *[]){"nosuid", "noexec", "nodev", "relatime", "ro", NULL}));
  return m;
}

static json_t *namespaces(bool rootless) {
  static const char *const root_ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
  static const char *const rootless_ns[] = {"pid", "ipc", "uts", "mount", "cgroup", "user", NULL};
  json_t *a = json_array();
  for (const char *const *t = rootless ? rootless_ns : root_ns; *t; t++)
    json_array_append_new(a, json_pack("{s:s}", "type", *t));
  return a;
}

static json_t *linux_section(bool rootless) {
  static const char *const masked[] = {
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
      "/proc/scsi", NULL};
  static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                         "/proc/sysrq-trigger", NULL};
  json_t *lx = json_pack("{s:o, s:o, s:o}", "namespaces", namespaces(rootless), "maskedPaths",
                         strings(masked), "readonlyPaths", strings(readonly));
  if (rootless) {
    json_object_set_new(lx, "uidMappings", json_pack("[{s:i, s:I, s:i}]", "containerID", 0,
                                                     "hostID", (json_int_t)geteuid(), "size", 1));
    json_object_set_new(lx, "gidMappings", json_pack("[{s:i, s:I, s:i}]", "containerID", 0,
                                                     "hostID", (json_int_t)getegid(), "size", 1));
  }
  return lx;
}

static json_t *process(void) {
  return json_pack(
      "{s:b, s:{s:i, s:i}, s:[s], s:[s, s], s:s, s:{s:o, s:o, s:o}, s:[{s:s, s:i, s:i}], s:b}",
      "terminal", 1, "user", "uid", 0, "gid", 0, "args", "sh", "env",
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", "cwd",
      "/", "capabilities", "bounding", caps_array(), "effective", caps_array(), "permitted",
      caps_array(), "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
      "noNewPrivileges", 1);
}

json_t *rt_default_spec(bool rootless) {
  return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion", RT_OCI_VERSION,
                   "process", process(), "root", "path", "rootfs", "readonly", 1, "hostname",
                   "tote", "mounts", mounts(rootless), "linux", linux_section(rootless));
}
