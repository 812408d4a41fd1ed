/* oci_features.c - `features`: what this tote-oci implements, as the
 * runtime-spec's features.md describes it.  Only what is really supported
 * is listed as such. */
#include <ctype.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/capability.h>

#include "cli/oci.h"
#include "runtime/config.h"
#include "runtime/hooks.h"
#include "runtime/seccomp.h"
#include "util/err.h"
#include "util/xalloc.h"

static json_t *string_array(const char *const *v) {
  json_t *a = json_array();
  for (; *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

static json_t *capabilities(void) {
  json_t *a = json_array();
  for (int v = 0; v <= CAP_LAST_CAP; v++) {
    char *name = cap_to_name(v);
    if (name == NULL)
      continue;
    _cleanup_free_ char *upper = xstrdup(name);
    cap_free(name);
    for (char *p = upper; *p; p++)
      *p = (char)toupper((unsigned char)*p);
    json_array_append_new(a, json_string(upper));
  }
  return a;
}

static json_t *seccomp_features(void) {
  json_t *actions = json_array(), *ops = json_array(), *arches = json_array(),
         *known = json_array(), *supported = json_array();
  json_array_append_new(actions, json_string("SCMP_ACT_KILL"));
  for (int a = RT_SCMP_KILL_THREAD; a <= RT_SCMP_NOTIFY; a++)
    json_array_append_new(actions, json_string(rt_scmp_action_name((enum rt_scmp_action)a)));
  for (size_t i = 0; rt_scmp_op_name(i); i++)
    json_array_append_new(ops, json_string(rt_scmp_op_name(i)));
  for (size_t i = 0; rt_scmp_arch_name(i); i++)
    json_array_append_new(arches, json_string(rt_scmp_arch_name(i)));
  for (size_t i = 0; rt_scmp_flag_name(i); i++) {
    json_array_append_new(known, json_string(rt_scmp_flag_name(i)));
    if (seccomp_kernel_has_flag(rt_scmp_flag_value(i)))
      json_array_append_new(supported, json_string(rt_scmp_flag_name(i)));
  }
  return json_pack("{s:b, s:o, s:o, s:o, s:o, s:o}", "enabled", 1, "actions", actions, "operators",
                   ops, "archs", arches, "knownFlags", known, "supportedFlags", supported);
}

static json_t *linux_features(void) {
  json_t *ns = json_array();
  for (int t = 0; t < RT_NS_COUNT; t++)
    json_array_append_new(ns, json_string(rt_ns_name(t)));
  return json_pack("{s:o, s:o, s:{s:b, s:b, s:b, s:b, s:b}, s:o, s:{s:b}, s:{s:b}, "
                   "s:{s:b}, s:{s:{s:b}}, s:{s:b}}",
                   "namespaces", ns, "capabilities", capabilities(),
                   "cgroup", "v1", 1, "v2", 1, "systemd", 1, "systemdUser", 0, "rdma", 1,
                   "seccomp", seccomp_features(),
                   "apparmor", "enabled", 0,
                   "selinux", "enabled", 0,
                   "intelRdt", "enabled", 0,
                   "mountExtensions", "idmap", "enabled", 1,
                   "netDevices", "enabled", 0);
}

static int do_features(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  (void)ctx;
  int i = oci_parse(&oci_features_cmd, argc, argv, 0, err);
  if (i < 0)
    return i;
  static const char *const hooks[] = {"prestart",       "createRuntime", "createContainer",
                                      "startContainer", "poststart",     "poststop", NULL};
  json_t *opts = json_array();
  for (size_t k = 0; config_mount_option_name(k); k++)
    json_array_append_new(opts, json_string(config_mount_option_name(k)));
  const struct scmp_version *v = seccomp_version();
  char libseccomp[32];
  snprintf(libseccomp, sizeof libseccomp, "%u.%u.%u", v->major, v->minor, v->micro);
  json_t *f = json_pack("{s:s, s:s, s:o, s:o, s:o, s:{s:s, s:s}}", "ociVersionMin", "1.0.0",
                        "ociVersionMax", TOTE_OCI_SPEC_VERSION, "hooks", string_array(hooks),
                        "mountOptions", opts, "linux", linux_features(), "annotations",
                        "org.tote.version", TOTE_VERSION, "io.github.seccomp.libseccomp.version",
                        libseccomp);
  int r = oci_print_json(f, err);
  json_decref(f);
  return r;
}

const struct oci_cmd oci_features_cmd = {"features", "",
                                         "print the features this runtime implements (JSON)",
                                         do_features, (const struct cli_opt[]){{NULL}}, false};
