/* seccomp_profile.c - moby's seccomp profile format to OCI's (see
 * seccomp_profile.h). */
#include "engine/seccomp_profile.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* uname's machine -> libseccomp's architecture and Go's name (moby's
 * includes.arches uses Go's). */
static const struct {
  const char *machine, *scmp, *go;
} arches[] = {
    {"x86_64", "SCMP_ARCH_X86_64", "amd64"},   {"aarch64", "SCMP_ARCH_AARCH64", "arm64"},
    {"ppc64le", "SCMP_ARCH_PPC64LE", "ppc64le"}, {"s390x", "SCMP_ARCH_S390X", "s390x"},
    {"riscv64", "SCMP_ARCH_RISCV64", "riscv64"}, {"i686", "SCMP_ARCH_X86", "386"},
};

static bool in(json_t *list, const char *s) {
  size_t i;
  json_t *v;
  json_array_foreach(list, i, v) {
    if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
      return true;
  }
  return false;
}

/* "5.8" <= kernel ("6.18.44-...")? */
static bool kernel_at_least(const char *kernel, const char *min) {
  int a = 0, b = 0, x = 0, y = 0;
  sscanf(kernel, "%d.%d", &a, &b);
  sscanf(min, "%d.%d", &x, &y);
  return a > x || (a == x && b >= y);
}

static bool applies(json_t *rule, json_t *caps, const char *go_arch, const char *kernel) {
  json_t *inc = json_object_get(rule, "includes"), *exc = json_object_get(rule, "excludes");
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(inc, "caps"), i, v) {
    if (!in(caps, json_string_value(v) ?: ""))
      return false;
  }
  json_array_foreach(json_object_get(exc, "caps"), i, v) {
    if (in(caps, json_string_value(v) ?: ""))
      return false;
  }
  json_t *ia = json_object_get(inc, "arches");
  if (json_array_size(ia) && !in(ia, go_arch))
    return false;
  if (in(json_object_get(exc, "arches"), go_arch))
    return false;
  const char *mk = json_string_value(json_object_get(inc, "minKernel"));
  return mk == NULL || kernel_at_least(kernel, mk);
}

json_t *eng_seccomp_convert(json_t *moby, json_t *caps, const char *machine, const char *kernel,
                            tote_err **err) {
  const char *scmp = NULL, *go = NULL;
  for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++)
    if (strcmp(machine, arches[i].machine) == 0)
      scmp = arches[i].scmp, go = arches[i].go;
  if (scmp == NULL) {
    err_set(err, 0, "no seccomp architecture is known for %s", machine);
    return NULL;
  }
  if (!json_is_string(json_object_get(moby, "defaultAction")) ||
      !json_is_array(json_object_get(moby, "syscalls"))) {
    err_set(err, 0, "not a seccomp profile: it needs defaultAction and syscalls");
    return NULL;
  }
  json_t *out = json_pack("{s:O}", "defaultAction", json_object_get(moby, "defaultAction"));
  if (json_is_integer(json_object_get(moby, "defaultErrnoRet")))
    json_object_set(out, "defaultErrnoRet", json_object_get(moby, "defaultErrnoRet"));
  json_t *archs = json_array();
  size_t i;
  json_t *v;
  json_array_foreach(json_object_get(moby, "archMap"), i, v) {
    if (strcmp(json_string_value(json_object_get(v, "architecture")) ?: "", scmp) != 0)
      continue;
    json_array_append_new(archs, json_string(scmp));
    json_array_extend(archs, json_is_array(json_object_get(v, "subArchitectures"))
                                 ? json_object_get(v, "subArchitectures")
                                 : json_array());
  }
  if (json_array_size(archs) == 0 && json_is_array(json_object_get(moby, "architectures")))
    json_array_extend(archs, json_object_get(moby, "architectures"));
  json_object_set_new(out, "architectures", archs);
  if (json_array_size(json_object_get(moby, "flags")))
    json_object_set(out, "flags", json_object_get(moby, "flags"));
  json_t *rules = json_array();
  json_array_foreach(json_object_get(moby, "syscalls"), i, v) {
    if (!applies(v, caps, go, kernel))
      continue;
    json_t *r = json_pack("{s:O, s:O}", "names", json_object_get(v, "names"), "action",
                          json_object_get(v, "action"));
    if (json_is_integer(json_object_get(v, "errnoRet")))
      json_object_set(r, "errnoRet", json_object_get(v, "errnoRet"));
    if (json_array_size(json_object_get(v, "args")))
      json_object_set(r, "args", json_object_get(v, "args"));
    json_array_append_new(rules, r);
  }
  json_object_set_new(out, "syscalls", rules);
  return out;
}

json_t *eng_seccomp_profile(const char *path, json_t *caps, tote_err **err) {
  size_t len;
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, path, &len, err);
  if (text == NULL) {
    if (strcmp(path, ENG_SECCOMP_PROFILE) == 0)
      err_wrap(err, "the default seccomp profile (apt-get install "
                    "golang-github-containers-common)");
    return NULL;
  }
  json_error_t je;
  json_t *moby = json_loadb(text, len, 0, &je);
  if (moby == NULL) {
    err_set(err, 0, "%s: line %d: %s", path, je.line, je.text);
    return NULL;
  }
  struct utsname u;
  uname(&u);
  json_t *out = eng_seccomp_convert(moby, caps, u.machine, u.release, err);
  json_decref(moby);
  if (out == NULL)
    err_wrap(err, "%s", path);
  return out;
}
