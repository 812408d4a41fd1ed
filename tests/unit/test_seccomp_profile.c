/* test_seccomp_profile.c - unit tests of the default seccomp profile's
 * conversion (engine/seccomp_profile.c): moby's format to OCI's, rules
 * kept or dropped by caps, architectures and kernel, as docker and podman
 * do; and containers-common's real profile. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "engine/seccomp_profile.h"
#include "util/err.h"

static const char *const moby =
    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 1,"
    " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\", \"subArchitectures\": "
    "[\"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"]},"
    " {\"architecture\": \"SCMP_ARCH_AARCH64\", \"subArchitectures\": [\"SCMP_ARCH_ARM\"]}],"
    " \"syscalls\": ["
    "  {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
    "  {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
    "  {\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1, \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}},"
    "  {\"names\": [\"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"amd64\", \"x32\"]}},"
    "  {\"names\": [\"arm_fadvise64_64\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"arm\", \"arm64\"]}},"
    "  {\"names\": [\"no_x86\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": [\"amd64\"]}},"
    "  {\"names\": [\"newer\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"7.1\"}},"
    "  {\"names\": [\"older\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"5.8\"}},"
    "  {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}"
    " ]}";

static char *names_of(json_t *oci) {
  static char buf[512];
  buf[0] = '\0';
  size_t i;
  json_t *r;
  json_array_foreach(json_object_get(oci, "syscalls"), i, r) {
    strcat(buf, json_string_value(json_array_get(json_object_get(r, "names"), 0)));
    strcat(buf, "/");
    strcat(buf, json_string_value(json_object_get(r, "action")) + 9);
    strcat(buf, " ");
  }
  return buf;
}

static void test_convert(void **state) {
  (void)state;
  json_t *m = json_loads(moby, 0, NULL);
  assert_non_null(m);
  json_t *docker_caps = json_pack("[s, s]", "CAP_CHOWN", "CAP_KILL");
  tote_err *err = NULL;
  json_t *o = eng_seccomp_convert(m, docker_caps, "x86_64", "6.18.44", &err);
  assert_non_null(o);
  assert_string_equal(json_string_value(json_object_get(o, "defaultAction")), "SCMP_ACT_ERRNO");
  assert_int_equal(json_integer_value(json_object_get(o, "defaultErrnoRet")), 1);
  char *a = json_dumps(json_object_get(o, "architectures"), JSON_COMPACT);
  assert_string_equal(a, "[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"]");
  free(a);
  assert_string_equal(names_of(o), "read/ALLOW mount/ERRNO arch_prctl/ALLOW older/ALLOW "
                                   "personality/ALLOW ");
  json_t *pers = json_array_get(json_object_get(o, "syscalls"), 4);
  assert_int_equal(json_array_size(json_object_get(pers, "args")), 1);
  json_decref(o);
  /* with CAP_SYS_ADMIN the other mount rule; on arm64 the arm ones */
  json_t *admin = json_pack("[s]", "CAP_SYS_ADMIN");
  o = eng_seccomp_convert(m, admin, "aarch64", "7.2.0", &err);
  assert_string_equal(names_of(o), "read/ALLOW mount/ALLOW arm_fadvise64_64/ALLOW no_x86/ALLOW "
                                   "newer/ALLOW older/ALLOW personality/ALLOW ");
  json_decref(o);
  assert_null(eng_seccomp_convert(m, admin, "vax", "6.1", &err));
  assert_non_null(strstr(err->msg, "no seccomp architecture is known for vax"));
  err_free(&err);
  json_decref(admin);
  json_decref(docker_caps);
  json_decref(m);
}

static void test_containers_common(void **state) {
  (void)state;
  if (access(ENG_SECCOMP_PROFILE, R_OK) != 0)
    skip();
  json_t *caps = json_pack("[s, s]", "CAP_CHOWN", "CAP_NET_RAW");
  tote_err *err = NULL;
  json_t *o = eng_seccomp_profile(ENG_SECCOMP_PROFILE, caps, &err);
  if (o == NULL)
    fail_msg("%s", err->msg);
  assert_true(json_array_size(json_object_get(o, "syscalls")) > 10);
  json_decref(o);
  assert_null(eng_seccomp_profile("/nonexistent/seccomp.json", caps, &err));
  assert_non_null(strstr(err->msg, "/nonexistent/seccomp.json"));
  /* a profile of the user's own (--security-opt seccomp=FILE) is not a package's */
  assert_null(strstr(err->msg, "golang-github-containers-common"));
  err_free(&err);
  json_decref(caps);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_convert),
      cmocka_unit_test(test_containers_common),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
