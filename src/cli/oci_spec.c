/* oci_spec.c - `spec`: write a default config.json that runs `sh` in
 * ./rootfs, like runc's, with Docker's default capabilities. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "cli/oci.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

static bool rootless;
static const char *bundle = ".";
static const struct cli_opt spec_opts[] = {
    {"rootless", 0, OPT_BOOL, &rootless, "a config for a user without root", NULL},
    {"bundle", 'b', OPT_STRING, &bundle, "write config.json into DIR", "DIR"},
    {NULL}};

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

static json_t *mounts(void) {
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

static json_t *namespaces(void) {
  static const char *const root_ns[] = {"pid", "network", "ipc", "uts", "mount", "cgroup", NULL};
  static const char *const rootless_ns[] = {"pid", "ipc", "uts", "mount", "cgroup", "user", NULL};
  json_t *a = json_array();
  for (const char *const *t = rootless ? rootless_ns : root_ns; *t; t++)
    json_array_append_new(a, json_pack("{s:s}", "type", *t));
  return a;
}

static json_t *linux_section(void) {
  static const char *const masked[] = {
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
      "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
      "/proc/scsi", NULL};
  static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                         "/proc/sysrq-trigger", NULL};
  json_t *lx = json_pack("{s:o, s:o, s:o}", "namespaces", namespaces(), "maskedPaths",
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

static int do_spec(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  (void)ctx;
  int i = oci_parse(&oci_spec_cmd, argc, argv, 0, err);
  if (i < 0)
    return i;
  _cleanup_close_ int dir = open(bundle, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (dir < 0)
    return err_sys(err, "bundle %s", bundle);
  if (faccessat(dir, "config.json", F_OK, 0) == 0)
    return err_set(err, EEXIST, "%s/config.json already exists: remove it first", bundle);
  json_t *spec = json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}", "ociVersion",
                           TOTE_OCI_SPEC_VERSION, "process", process(), "root", "path", "rootfs",
                           "readonly", 1, "hostname", "tote", "mounts", mounts(), "linux",
                           linux_section());
  char *text = json_dumps(spec, JSON_INDENT(2));
  json_decref(spec);
  _cleanup_free_ char *with_nl = xasprintf("%s\n", text);
  free(text);
  return write_file_at(dir, "config.json", with_nl, strlen(with_nl), 0644, err);
}

const struct oci_cmd oci_spec_cmd = {"spec", "[flags]",
                                     "write a default config.json into the bundle", do_spec,
                                     spec_opts, false};
