/* test_systemd.c - unit tests of the systemd driver's pure parts: unit
 * names from linux.cgroupsPath, and the unit properties that stand for
 * linux.resources (runc's conversions).  The bus itself is tested against a
 * real systemd in the VM (tests/vm, TOTE_VM_SYSTEMD). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "runtime/systemd.h"
#include "util/err.h"

static void test_unit_names(void **state) {
  (void)state;
  static const struct {
    const char *path, *slice, *name;
  } good[] = {
      {NULL, "system.slice", "tote-c1.scope"},
      {"", "system.slice", "tote-c1.scope"},
      {":tote:c1", "system.slice", "tote-c1.scope"},
      {"machine.slice:libpod:abc123", "machine.slice", "libpod-abc123.scope"},
      {"machine-x.slice::abc", "machine-x.slice", "abc.scope"},
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
    struct sd_unit u;
    tote_err *err = NULL;
    if (systemd_unit_parse(good[i].path, "c1", &u, &err) < 0)
      fail_msg("\"%s\": %s", good[i].path, err->msg);
    assert_string_equal(u.slice, good[i].slice);
    assert_string_equal(u.name, good[i].name);
    systemd_unit_free(&u);
  }
  static const struct {
    const char *path, *msg;
  } bad[] = {
      {"/tote/c1", "it must be \"slice:prefix:name\", e.g. \"system.slice:tote:c1\""},
      {"a:b", "must be \"slice:prefix:name\""},
      {"a:b:c:d", "must be \"slice:prefix:name\""},
      {"system.slice:tote:", "the name (after the second ':') is empty"},
      {"system:tote:c1", "\"system\" is not a slice unit name"},
      {"system.slice:tote:c1.slice", "a container in a slice of its own is not supported"},
      {"system.slice:to te:c1", "a unit name holds only letters"},
      {"system.slice:tote:c/1", "a unit name holds only letters"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct sd_unit u;
    tote_err *err = NULL;
    if (systemd_unit_parse(bad[i].path, "c1", &u, &err) == 0)
      fail_msg("accepted \"%s\"", bad[i].path);
    if (strstr(err->msg, bad[i].msg) == NULL)
      fail_msg("\"%s\": \"%s\" lacks \"%s\"", bad[i].path, err->msg, bad[i].msg);
    err_free(&err);
  }
}

static void props_are_v(const char *resources, bool v2, const char *want) {
  json_t *j = json_loads(resources, 0, NULL);
  assert_non_null(j);
  tote_err *err = NULL;
  char *got = systemd_props_text(j, v2, &err);
  json_decref(j);
  if (got == NULL)
    fail_msg("%s: %s", resources, err->msg);
  if (strcmp(got, want) != 0)
    fail_msg("%s:\n%s\nwanted:\n%s", resources, got, want);
  free(got);
}

#define NO_TASKS_LIMIT "TasksMax=18446744073709551615\n"

/* On v2; without a pids limit the first line is NO_TASKS_LIMIT. */
static void props_are(const char *resources, const char *want) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s%s", strstr(resources, "pids") ? "" : NO_TASKS_LIMIT, want);
  props_are_v(resources, true, buf);
}

static void test_properties(void **state) {
  (void)state;
  /* no pids limit: none from systemd either (not its DefaultTasksMax) */
  props_are("{}", "");
  props_are("{\"memory\": {\"limit\": 67108864, \"reservation\": 33554432, \"swap\": 100663296}}",
            "MemoryMax=67108864\nMemoryLow=33554432\nMemorySwapMax=33554432\n");
  /* -1 is systemd's infinity */
  props_are("{\"memory\": {\"limit\": -1}, \"pids\": {\"limit\": -1}}",
            "TasksMax=18446744073709551615\nMemoryMax=18446744073709551615\n");
  props_are("{\"pids\": {\"limit\": 42}}", "TasksMax=42\n");
  /* shares 1024 -> weight 39; 50000/200000 = 250 ms per second */
  props_are("{\"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 200000}}",
            "CPUWeight=39\nCPUQuotaPerSecUSec=250000\nCPUQuotaPeriodUSec=200000\n");
  /* 12345/100000 = 123450 us per second, rounded up to 10 ms steps */
  props_are("{\"cpu\": {\"quota\": 12345}}", "CPUQuotaPerSecUSec=130000\n");
  props_are("{\"cpu\": {\"quota\": -1}}", "CPUQuotaPerSecUSec=18446744073709551615\n");
  /* cpus 0-1,9 -> bits 0, 1 and 9: bytes 03 02 */
  props_are("{\"cpu\": {\"cpus\": \"0-1,9\", \"mems\": \"0\"}}",
            "AllowedCPUs=0302\nAllowedMemoryNodes=01\n");
  /* blkio weight 500 -> io weight 4950 */
  props_are("{\"blockIO\": {\"weight\": 500}}", "IOWeight=4950\n");
  /* systemd on v1: the legacy names and units; what it cannot do there
   * (memory.low, swap, cpuset) is left out: tote writes it */
  props_are_v("{\"memory\": {\"limit\": 67108864, \"reservation\": 1, \"swap\": 134217728}, "
              "\"pids\": {\"limit\": 7}, \"cpu\": {\"shares\": 512, \"cpus\": \"0\"}, "
              "\"blockIO\": {\"weight\": 500}}",
              false,
              "TasksMax=7\nMemoryLimit=67108864\nCPUShares=512\nBlockIOWeight=500\n");

  json_t *j = json_loads("{\"cpu\": {\"cpus\": \"3-1\"}}", 0, NULL);
  tote_err *err = NULL;
  assert_null(systemd_props_text(j, true, &err));
  assert_non_null(strstr(err->msg, "linux.resources.cpu.cpus \"3-1\" is not a list"));
  err_free(&err);
  json_decref(j);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unit_names),
      cmocka_unit_test(test_properties),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
