/* test_config.c - unit tests of the config.json parser (src/runtime/config*.c)
 * and of idmap_format.
 *
 * Most cases are tables.  A "patch" case is an RFC 7396 merge patch applied
 * to the minimal valid config below (null deletes a key; arrays replace), so
 * each row only says what it changes; the string "@null" anywhere in a patch
 * becomes a JSON null after the merge, for the rows that need an explicit
 * null.  A "raw" case is the whole text.  Every row is its own cmocka test,
 * named by the row, so a failure says which input broke.
 *
 * An expected error is a substring of the message; every error must also
 * start with "config.json: " (the name passed to config_parse). */
#include <jansson.h>
#include <linux/capability.h>
#include <linux/ioprio.h>
#include <linux/mount.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "runtime/config.h"
#include "runtime/idmap.h"
#include "util/err.h"
#include "util/xalloc.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef SCHED_DEADLINE
#define SCHED_DEADLINE 6
#endif

#define NAME "config.json"

static const char base_config[] = "{"
                                  "\"ociVersion\": \"1.2.0\","
                                  "\"root\": {\"path\": \"rootfs\"},"
                                  "\"process\": {\"args\": [\"sh\"], \"cwd\": \"/\"},"
                                  "\"linux\": {\"namespaces\": [{\"type\": \"mount\"}]}"
                                  "}";

/* ------------------------------------------------------------ helpers */

static void merge_patch(json_t *target, json_t *patch) {
  const char *key;
  json_t *v;
  json_object_foreach(patch, key, v) {
    if (json_is_null(v)) {
      json_object_del(target, key);
    } else if (json_is_object(v)) {
      json_t *t = json_object_get(target, key);
      if (!json_is_object(t)) {
        t = json_object();
        json_object_set_new(target, key, t);
      }
      merge_patch(t, v);
    } else {
      json_object_set(target, key, v);
    }
  }
}

/* Replace every "@null" string by null, in place. */
static json_t *expand_nulls(json_t *v) {
  if (json_is_string(v) && strcmp(json_string_value(v), "@null") == 0)
    return json_null();
  if (json_is_object(v)) {
    const char *key;
    json_t *m;
    void *tmp;
    json_object_foreach_safe(v, tmp, key, m) json_object_set_new(v, key, expand_nulls(m));
  } else if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v); i++)
      json_array_set_new(v, i, expand_nulls(json_array_get(v, i)));
  }
  return json_incref(v);
}

/* The base config with `patch` merged in, as text (caller frees). */
static char *patched_text(const char *patch) {
  json_error_t jerr;
  json_t *base = json_loads(base_config, 0, &jerr);
  assert_non_null(base);
  if (patch != NULL) {
    json_t *p = json_loads(patch, 0, &jerr);
    if (p == NULL)
      fail_msg("bad patch in the test table: %s: %s", patch, jerr.text);
    merge_patch(base, p);
    json_decref(p);
  }
  json_t *doc = expand_nulls(base);
  json_decref(base);
  char *text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  assert_non_null(text);
  return text;
}

static struct rt_config *parse_text(const char *text, tote_err **err) {
  return config_parse(text, strlen(text), NAME, err);
}

static struct rt_config *parse_patch(const char *patch, tote_err **err) {
  char *text = patched_text(patch);
  struct rt_config *c = parse_text(text, err);
  free(text);
  return c;
}

/* Parse and require success. */
static struct rt_config *must_parse(const char *patch) {
  tote_err *err = NULL;
  char *text = patched_text(patch);
  struct rt_config *c = parse_text(text, &err);
  if (c == NULL || err != NULL) {
    /* Free everything first: the failure does not return. */
    char msg[4096];
    snprintf(msg, sizeof msg, "%s\n  %s: %s", text, c ? "accepted, with an error" : "refused",
             err ? err->msg : "(no error set)");
    free(text);
    err_free(&err);
    config_free(c);
    fail_msg("%s", msg);
  }
  free(text);
  return c;
}

/* Check the outcome of parsing `text`: want == NULL means success.  Fills
 * msg (empty when all is well) and frees everything it made. */
static void outcome(const char *text, const char *want, char *msg, size_t len) {
  tote_err *err = NULL;
  struct rt_config *c = parse_text(text, &err);
  msg[0] = '\0';
  if (want == NULL) {
    if (c == NULL || err != NULL)
      snprintf(msg, len, "%s\n  %s: %s", text, c ? "accepted, with an error" : "refused",
               err ? err->msg : "(no error set)");
  } else if (c != NULL) {
    snprintf(msg, len, "%s\n  accepted; wanted an error containing \"%s\"", text, want);
  } else if (err == NULL) {
    snprintf(msg, len, "%s\n  refused without an error message", text);
  } else if (strncmp(err->msg, NAME ": ", strlen(NAME ": ")) != 0 ||
             strstr(err->msg, want) == NULL) {
    snprintf(msg, len, "%s\n  error: %s\n  wanted: \"%s\"", text, err->msg, want);
  }
  config_free(c);
  err_free(&err);
}

struct table_case {
  const char *name;
  const char *input; /* a merge patch over base_config, or raw text */
  const char *want;  /* a substring of the error; NULL = must parse */
};

static void run_patch_case(void **state) {
  const struct table_case *t = *state;
  char *text = patched_text(t->input);
  char msg[4096];
  outcome(text, t->want, msg, sizeof msg);
  free(text); /* before a failure, which does not return */
  if (msg[0] != '\0')
    fail_msg("%s", msg);
}

static void run_raw_case(void **state) {
  const struct table_case *t = *state;
  char msg[4096];
  outcome(t->input, t->want, msg, sizeof msg);
  if (msg[0] != '\0')
    fail_msg("%s", msg);
}

static int run_table(const char *group, const struct table_case *cases, size_t n,
                     CMUnitTestFunction fn) {
  struct CMUnitTest *tests = xcalloc_array(n, sizeof *tests);
  for (size_t i = 0; i < n; i++) {
    tests[i].name = cases[i].name;
    tests[i].test_func = fn;
    tests[i].initial_state = (void *)&cases[i];
  }
  int failed = _cmocka_run_group_tests(group, tests, n, NULL, NULL);
  free(tests);
  return failed;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------- the minimal config */

static void test_minimal_config(void **state) {
  (void)state;
  struct rt_config *c = must_parse(NULL);
  assert_string_equal(c->oci_version, "1.2.0");
  assert_string_equal(c->root_path, "rootfs");
  assert_false(c->root_readonly);
  assert_true(c->has_process);
  assert_non_null(c->process.args);
  assert_string_equal(c->process.args[0], "sh");
  assert_null(c->process.args[1]);
  assert_string_equal(c->process.cwd, "/");
  assert_non_null(c->process.env); /* absent env becomes an empty vector */
  assert_null(c->process.env[0]);
  assert_false(c->process.terminal);
  assert_int_equal(c->process.user.uid, 0);
  assert_int_equal(c->process.user.gid, 0);
  assert_false(c->process.user.has_umask);
  assert_int_equal(c->process.user.n_additional_gids, 0);
  assert_int_equal(c->process.n_rlimits, 0);
  assert_false(c->process.caps.present);
  assert_false(c->process.no_new_privileges);
  assert_false(c->process.has_oom_score_adj);
  assert_false(c->process.has_io_priority);
  assert_false(c->process.has_scheduler);
  assert_false(c->process.has_console_size);
  assert_null(c->process.apparmor_profile);
  assert_null(c->process.selinux_label);
  for (int t = 0; t < RT_NS_COUNT; t++) {
    assert_int_equal(c->ns[t].present, t == RT_NS_MNT);
    assert_null(c->ns[t].path);
  }
  assert_int_equal(c->n_mounts, 0);
  assert_null(c->hostname);
  assert_null(c->domainname);
  assert_null(c->hooks_json);
  for (int k = 0; k < RT_HOOK_COUNT; k++)
    assert_int_equal(c->hooks.count[k], 0);
  assert_null(c->annotations);
  assert_int_equal(c->n_uid_mappings, 0);
  assert_int_equal(c->n_gid_mappings, 0);
  assert_false(c->time_monotonic.present);
  assert_false(c->time_boottime.present);
  assert_int_equal(c->n_devices, 0);
  assert_null(c->cgroups_path);
  assert_null(c->resources);
  assert_int_equal(c->n_sysctl, 0);
  assert_int_equal(c->rootfs_propagation, 0);
  assert_null(c->masked_paths);
  assert_null(c->readonly_paths);
  assert_false(c->has_personality);
  config_free(c);
}

static void test_no_process(void **state) {
  (void)state;
  struct rt_config *c = must_parse("{\"process\": null}");
  assert_false(c->has_process);
  config_free(c);
}

/* `runc spec`'s output (v1.1), the config most bundles start from. */
static const char runc_spec[] =
    "{\n"
    "  \"ociVersion\": \"1.0.2-dev\",\n"
    "  \"process\": {\n"
    "    \"terminal\": true,\n"
    "    \"user\": {\"uid\": 0, \"gid\": 0},\n"
    "    \"args\": [\"sh\"],\n"
    "    \"env\": [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\n"
    "            \"TERM=xterm\"],\n"
    "    \"cwd\": \"/\",\n"
    "    \"capabilities\": {\n"
    "      \"bounding\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "      \"effective\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "      \"permitted\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"],\n"
    "      \"ambient\": [\"CAP_AUDIT_WRITE\", \"CAP_KILL\", \"CAP_NET_BIND_SERVICE\"]\n"
    "    },\n"
    "    \"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024, \"soft\": 1024}],\n"
    "    \"noNewPrivileges\": true\n"
    "  },\n"
    "  \"root\": {\"path\": \"rootfs\", \"readonly\": true},\n"
    "  \"hostname\": \"runc\",\n"
    "  \"mounts\": [\n"
    "    {\"destination\": \"/proc\", \"type\": \"proc\", \"source\": \"proc\"},\n"
    "    {\"destination\": \"/dev\", \"type\": \"tmpfs\", \"source\": \"tmpfs\",\n"
    "     \"options\": [\"nosuid\", \"strictatime\", \"mode=755\", \"size=65536k\"]},\n"
    "    {\"destination\": \"/dev/pts\", \"type\": \"devpts\", \"source\": \"devpts\",\n"
    "     \"options\": [\"nosuid\", \"noexec\", \"newinstance\", \"ptmxmode=0666\", \"mode=0620\",\n"
    "                 \"gid=5\"]},\n"
    "    {\"destination\": \"/dev/shm\", \"type\": \"tmpfs\", \"source\": \"shm\",\n"
    "     \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"mode=1777\", \"size=65536k\"]},\n"
    "    {\"destination\": \"/dev/mqueue\", \"type\": \"mqueue\", \"source\": \"mqueue\",\n"
    "     \"options\": [\"nosuid\", \"noexec\", \"nodev\"]},\n"
    "    {\"destination\": \"/sys\", \"type\": \"sysfs\", \"source\": \"sysfs\",\n"
    "     \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"ro\"]},\n"
    "    {\"destination\": \"/sys/fs/cgroup\", \"type\": \"cgroup\", \"source\": \"cgroup\",\n"
    "     \"options\": [\"nosuid\", \"noexec\", \"nodev\", \"relatime\", \"ro\"]}\n"
    "  ],\n"
    "  \"linux\": {\n"
    "    \"resources\": {\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]},\n"
    "    \"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": \"ipc\"},\n"
    "                   {\"type\": \"uts\"}, {\"type\": \"mount\"}, {\"type\": \"cgroup\"}],\n"
    "    \"maskedPaths\": [\"/proc/acpi\", \"/proc/asound\", \"/proc/kcore\", \"/proc/keys\",\n"
    "                    \"/proc/latency_stats\", \"/proc/timer_list\", \"/proc/timer_stats\",\n"
    "                    \"/proc/sched_debug\", \"/sys/firmware\", \"/proc/scsi\"],\n"
    "    \"readonlyPaths\": [\"/proc/bus\", \"/proc/fs\", \"/proc/irq\", \"/proc/sys\",\n"
    "                      \"/proc/sysrq-trigger\"]\n"
    "  }\n"
    "}\n";

static void test_runc_spec(void **state) {
  (void)state;
  tote_err *err = NULL;
  struct rt_config *c = parse_text(runc_spec, &err);
  if (c == NULL)
    fail_msg("runc spec refused: %s", err->msg);
  assert_string_equal(c->oci_version, "1.0.2-dev");
  assert_true(c->root_readonly);
  assert_true(c->process.terminal);
  assert_true(c->process.no_new_privileges);
  assert_string_equal(c->process.env[1], "TERM=xterm");
  assert_null(c->process.env[2]);
  uint64_t want = 1ULL << CAP_AUDIT_WRITE | 1ULL << CAP_KILL | 1ULL << CAP_NET_BIND_SERVICE;
  assert_true(c->process.caps.present);
  assert_int_equal(c->process.caps.bounding, want);
  assert_int_equal(c->process.caps.effective, want);
  assert_int_equal(c->process.caps.permitted, want);
  assert_int_equal(c->process.caps.ambient, want);
  assert_int_equal(c->process.caps.inheritable, 0);
  assert_int_equal(c->process.n_rlimits, 1);
  assert_int_equal(c->process.rlimits[0].resource, RLIMIT_NOFILE);
  assert_string_equal(c->process.rlimits[0].name, "RLIMIT_NOFILE");
  assert_int_equal(c->process.rlimits[0].soft, 1024);
  assert_int_equal(c->process.rlimits[0].hard, 1024);
  assert_string_equal(c->hostname, "runc");
  assert_int_equal(c->n_mounts, 7);
  assert_string_equal(c->mounts[0].destination, "/proc");
  assert_string_equal(c->mounts[0].type, "proc");
  assert_string_equal(c->mounts[0].source, "proc");
  assert_null(c->mounts[0].options);
  assert_null(c->mounts[0].data);
  assert_int_equal(c->mounts[0].flags, 0);
  assert_int_equal(c->mounts[1].flags, MS_NOSUID | MS_STRICTATIME);
  assert_string_equal(c->mounts[1].data, "mode=755,size=65536k");
  assert_string_equal(c->mounts[1].options[2], "mode=755");
  assert_int_equal(c->mounts[2].flags, MS_NOSUID | MS_NOEXEC);
  assert_string_equal(c->mounts[2].data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  assert_int_equal(c->mounts[6].flags, MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
  assert_null(c->mounts[6].data);
  for (int t = 0; t < RT_NS_COUNT; t++)
    assert_int_equal(c->ns[t].present, t != RT_NS_USER && t != RT_NS_TIME);
  assert_non_null(c->resources);
  assert_int_equal(strv_len(c->masked_paths), 10);
  assert_string_equal(c->masked_paths[9], "/proc/scsi");
  assert_int_equal(strv_len(c->readonly_paths), 5);
  assert_string_equal(c->readonly_paths[4], "/proc/sysrq-trigger");
  config_free(c);
}

/* ----------------------------------------- required fields, types, refusals */

static const struct table_case required_cases[] = {
    {"ociVersion missing", "{\"ociVersion\": null}", "ociVersion is required"},
    {"root missing", "{\"root\": null}", "root is required"},
    {"root.path missing", "{\"root\": {\"path\": null}}", "root.path is required"},
    {"root.path empty", "{\"root\": {\"path\": \"\"}}", "root.path is required"},
    {"process.args missing", "{\"process\": {\"args\": null}}", "process.args"},
    {"process.args empty", "{\"process\": {\"args\": []}}", "process.args"},
    {"process.args[0] empty", "{\"process\": {\"args\": [\"\"]}}", "process.args"},
    {"process.cwd missing", "{\"process\": {\"cwd\": null}}", "process.cwd is required"},
    {"process.cwd relative", "{\"process\": {\"cwd\": \"tmp\"}}",
     "process.cwd must be an absolute path"},
    {"mounts[].destination missing", "{\"mounts\": [{\"type\": \"tmpfs\"}]}",
     "mounts[0].destination is required"},
    {"mounts[].destination empty", "{\"mounts\": [{\"destination\": \"\", \"type\": \"tmpfs\"}]}",
     "mounts[0].destination is required"},
    {"namespaces[].type missing", "{\"linux\": {\"namespaces\": [{\"path\": \"/proc/1/ns/net\"}]}}",
     "linux.namespaces[0]: unknown namespace type (missing)"},
    {"devices[].path missing", "{\"linux\": {\"devices\": [{\"type\": \"p\"}]}}",
     "linux.devices[0].path"},
    {"devices[].type missing", "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\"}]}}",
     "linux.devices[0].type"},
    {"devices[].major missing",
     "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"minor\": 1}]}}",
     "linux.devices[0]: major and minor are required"},
    {"devices[].minor missing",
     "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"b\", \"major\": 1}]}}",
     "linux.devices[0]: major and minor are required"},
    {"hooks[].path missing", "{\"hooks\": {\"prestart\": [{\"args\": [\"x\"]}]}}",
     "hooks.prestart[0].path"},
    {"rlimits[].type missing", "{\"process\": {\"rlimits\": [{\"soft\": 1, \"hard\": 1}]}}",
     "process.rlimits[0].type is required"},
    /* config.md: soft and hard are REQUIRED (and in the JSON schema). */
    {"rlimits[].soft missing",
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"hard\": 1024}]}}",
     "process.rlimits[0].soft"},
    {"rlimits[].hard missing",
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 0}]}}",
     "process.rlimits[0].hard"},
    {"ioPriority.class missing", "{\"process\": {\"ioPriority\": {\"priority\": 1}}}",
     "process.ioPriority.class"},
    {"scheduler.policy missing", "{\"process\": {\"scheduler\": {\"nice\": 1}}}",
     "process.scheduler.policy"},
    {"personality.domain missing", "{\"linux\": {\"personality\": {}}}",
     "linux.personality.domain"},
    /* config.md: consoleSize.height and width are REQUIRED (and in the schema). */
    {"consoleSize.height missing",
     "{\"process\": {\"terminal\": true, \"consoleSize\": {\"width\": 80}}}",
     "process.consoleSize.height"},
    {"consoleSize.width missing",
     "{\"process\": {\"terminal\": true, \"consoleSize\": {\"height\": 25}}}",
     "process.consoleSize.width"},
    /* config-linux.md: containerID, hostID and size are REQUIRED. */
    {"uidMappings[].containerID missing",
     "{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}],"
     " \"uidMappings\": [{\"hostID\": 100000, \"size\": 65536}],"
     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 65536}]}}",
     "linux.uidMappings[0].containerID"},
    {"uidMappings[].hostID missing",
     "{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}],"
     " \"uidMappings\": [{\"containerID\": 0, \"size\": 1}],"
     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 1}]}}",
     "linux.uidMappings[0].hostID"},
    {"gidMappings[].hostID missing",
     "{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}],"
     " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 1}],"
     " \"gidMappings\": [{\"containerID\": 0, \"size\": 1}]}}",
     "linux.gidMappings[0].hostID"},
    {"uidMappings[].size missing",
     "{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"user\"}],"
     " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000}],"
     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 100000, \"size\": 1}]}}",
     "linux.uidMappings[0].size"},
};

static const struct table_case type_cases[] = {
    {"ociVersion number", "{\"ociVersion\": 1}", "ociVersion must be a string"},
    {"ociVersion 2.x", "{\"ociVersion\": \"2.0.0\"}", "ociVersion 2.0.0 is not supported"},
    {"root string", "{\"root\": \"rootfs\"}", "root must be an object"},
    {"root.path number", "{\"root\": {\"path\": 1}}", "root.path must be a string"},
    {"root.readonly string", "{\"root\": {\"readonly\": \"yes\"}}",
     "root.readonly must be true or false"},
    {"hostname number", "{\"hostname\": 1}", "hostname must be a string"},
    {"process array", "{\"process\": [1]}", "process must be an object"},
    {"process.terminal number", "{\"process\": {\"terminal\": 1}}",
     "process.terminal must be true or false"},
    {"process.args string", "{\"process\": {\"args\": \"sh\"}}",
     "process.args must be an array of strings"},
    {"process.args[1] number", "{\"process\": {\"args\": [\"sh\", 1]}}",
     "process.args[1] must be a string"},
    {"process.env[0] object", "{\"process\": {\"env\": [{}]}}", "process.env[0] must be a string"},
    {"process.cwd number", "{\"process\": {\"cwd\": 0}}", "process.cwd must be a string"},
    {"process.user string", "{\"process\": {\"user\": \"root\"}}",
     "process.user must be an object"},
    {"process.user.uid string", "{\"process\": {\"user\": {\"uid\": \"0\", \"gid\": 0}}}",
     "process.user.uid must be"},
    {"process.user.uid negative", "{\"process\": {\"user\": {\"uid\": -1, \"gid\": 0}}}",
     "process.user.uid must be"},
    {"process.user.uid too big", "{\"process\": {\"user\": {\"uid\": 4294967296, \"gid\": 0}}}",
     "process.user.uid must be"},
    {"process.user.gid real", "{\"process\": {\"user\": {\"uid\": 0, \"gid\": 1.5}}}",
     "process.user.gid must be"},
    {"process.user.umask string", "{\"process\": {\"user\": {\"umask\": \"022\"}}}",
     "process.user.umask must be"},
    {"process.user.additionalGids[1]", "{\"process\": {\"user\": {\"additionalGids\": [1, \"a\"]}}}",
     "process.user.additionalGids[1] must be a gid"},
    {"process.consoleSize.height", "{\"process\": {\"consoleSize\": {\"height\": -1, \"width\": 1}}}",
     "process.consoleSize.height must be"},
    {"process.consoleSize too large",
     "{\"process\": {\"consoleSize\": {\"height\": 65536, \"width\": 1}}}",
     "process.consoleSize is too large"},
    {"process.oomScoreAdj string", "{\"process\": {\"oomScoreAdj\": \"1\"}}",
     "process.oomScoreAdj must be"},
    {"process.oomScoreAdj 1001", "{\"process\": {\"oomScoreAdj\": 1001}}",
     "process.oomScoreAdj must be from -1000 to 1000"},
    {"process.oomScoreAdj -1001", "{\"process\": {\"oomScoreAdj\": -1001}}",
     "process.oomScoreAdj must be from -1000 to 1000"},
    {"process.noNewPrivileges string", "{\"process\": {\"noNewPrivileges\": \"true\"}}",
     "process.noNewPrivileges must be true or false"},
    {"process.capabilities array", "{\"process\": {\"capabilities\": []}}",
     "process.capabilities must be an object"},
    {"process.capabilities.bounding string",
     "{\"process\": {\"capabilities\": {\"bounding\": \"CAP_KILL\"}}}",
     "process.capabilities.bounding must be an array of strings"},
    {"process.capabilities.ambient[0] number",
     "{\"process\": {\"capabilities\": {\"ambient\": [5]}}}",
     "process.capabilities.ambient[0] must be a string"},
    {"process.rlimits object", "{\"process\": {\"rlimits\": {}}}",
     "process.rlimits must be an array"},
    {"process.rlimits[0] string", "{\"process\": {\"rlimits\": [\"RLIMIT_NOFILE\"]}}",
     "process.rlimits[0] must be an object"},
    {"process.rlimits[0].soft negative",
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": -1, \"hard\": 1}]}}",
     "process.rlimits[0].soft must be a non-negative integer"},
    {"process.rlimits[0].hard string",
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": \"1\"}]}}",
     "process.rlimits[0].hard must be a non-negative integer"},
    {"process.apparmorProfile number", "{\"process\": {\"apparmorProfile\": 1}}",
     "process.apparmorProfile must be a string"},
    {"process.selinuxLabel number", "{\"process\": {\"selinuxLabel\": 1}}",
     "process.selinuxLabel must be a string"},
    {"process.ioPriority.priority string",
     "{\"process\": {\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": \"1\"}}}",
     "process.ioPriority.priority must be"},
    {"process.scheduler.nice string",
     "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": \"1\"}}}",
     "process.scheduler.nice must be"},
    {"process.scheduler.runtime negative",
     "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": -1}}}",
     "process.scheduler.runtime must be"},
    {"mounts object", "{\"mounts\": {}}", "mounts must be an array"},
    {"mounts[0] string", "{\"mounts\": [\"/proc\"]}", "mounts[0] must be an object"},
    {"mounts[0].destination number", "{\"mounts\": [{\"destination\": 1}]}",
     "mounts[0].destination must be a string"},
    {"mounts[0].options string",
     "{\"mounts\": [{\"destination\": \"/t\", \"type\": \"tmpfs\", \"options\": \"ro\"}]}",
     "mounts[0].options must be an array of strings"},
    {"mounts[1].options[0] number",
     "{\"mounts\": [{\"destination\": \"/t\", \"type\": \"tmpfs\"},"
     " {\"destination\": \"/u\", \"type\": \"tmpfs\", \"options\": [1]}]}",
     "mounts[1].options[0] must be a string"},
    {"hooks array", "{\"hooks\": []}", "hooks must be an object"},
    {"hooks.poststop object", "{\"hooks\": {\"poststop\": {}}}", "hooks.poststop must be an array"},
    {"hooks.prestart[0] string", "{\"hooks\": {\"prestart\": [\"/bin/true\"]}}",
     "hooks.prestart[0] must be an object"},
    {"hooks.createRuntime[0].timeout string",
     "{\"hooks\": {\"createRuntime\": [{\"path\": \"/bin/true\", \"timeout\": \"5\"}]}}",
     "hooks.createRuntime[0].timeout must be"},
    {"hooks.poststart[0].args string",
     "{\"hooks\": {\"poststart\": [{\"path\": \"/bin/true\", \"args\": \"x\"}]}}",
     "hooks.poststart[0].args must be an array of strings"},
    {"annotations array", "{\"annotations\": []}", "annotations must be an object"},
    {"annotations value number", "{\"annotations\": {\"org.example.a\": 1}}",
     "annotations.org.example.a must be a string"},
    {"linux array", "{\"linux\": []}", "linux must be an object"},
    {"linux.namespaces object", "{\"linux\": {\"namespaces\": {}}}",
     "linux.namespaces must be an array"},
    {"linux.namespaces[0] string", "{\"linux\": {\"namespaces\": [\"pid\"]}}",
     "linux.namespaces[0] must be an object"},
    {"linux.namespaces[0].type number", "{\"linux\": {\"namespaces\": [{\"type\": 1}]}}",
     "linux.namespaces[0].type must be a string"},
    {"linux.uidMappings object", "{\"linux\": {\"uidMappings\": {}}}",
     "linux.uidMappings must be an array"},
    {"linux.uidMappings[0].size string",
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [{\"containerID\": 0,"
     " \"hostID\": 1, \"size\": \"1\"}], \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1,"
     " \"size\": 1}]}}",
     "linux.uidMappings[0].size must be"},
    {"linux.devices object", "{\"linux\": {\"devices\": {}}}", "linux.devices must be an array"},
    {"linux.devices[0].major string",
     "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"major\": \"1\","
     " \"minor\": 1}]}}",
     "linux.devices[0].major must be an integer"},
    {"linux.devices[0].fileMode negative",
     "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"p\", \"fileMode\": -1}]}}",
     "linux.devices[0].fileMode must be"},
    {"linux.devices[0].uid string",
     "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"p\", \"uid\": \"0\"}]}}",
     "linux.devices[0].uid must be"},
    {"linux.cgroupsPath number", "{\"linux\": {\"cgroupsPath\": 1}}",
     "linux.cgroupsPath must be a string"},
    {"linux.sysctl array", "{\"linux\": {\"sysctl\": []}}", "linux.sysctl must be an object"},
    {"linux.sysctl value number",
     "{\"linux\": {\"namespaces\": [{\"type\": \"network\"}], \"sysctl\": {\"net.a\": 1}}}",
     "linux.sysctl.net.a must be a string"},
    {"linux.rootfsPropagation number", "{\"linux\": {\"rootfsPropagation\": 1}}",
     "linux.rootfsPropagation must be a string"},
    {"linux.rootfsPropagation unknown", "{\"linux\": {\"rootfsPropagation\": \"bogus\"}}",
     "linux.rootfsPropagation: unknown value bogus"},
    {"linux.maskedPaths string", "{\"linux\": {\"maskedPaths\": \"/proc/kcore\"}}",
     "linux.maskedPaths must be an array of strings"},
    {"linux.readonlyPaths[0] number", "{\"linux\": {\"readonlyPaths\": [1]}}",
     "linux.readonlyPaths[0] must be a string"},
    {"linux.personality string", "{\"linux\": {\"personality\": \"LINUX\"}}",
     "linux.personality must be an object"},
    {"linux.personality.domain number", "{\"linux\": {\"personality\": {\"domain\": 1}}}",
     "linux.personality.domain must be a string"},
    {"linux.timeOffsets array", "{\"linux\": {\"timeOffsets\": []}}",
     "linux.timeOffsets must be an object"},
    {"linux.timeOffsets.monotonic.secs string",
     "{\"linux\": {\"namespaces\": [{\"type\": \"time\"}],"
     " \"timeOffsets\": {\"monotonic\": {\"secs\": \"1\"}}}}",
     "linux.timeOffsets.monotonic.secs must be an integer"},
    {"linux.mountLabel number", "{\"linux\": {\"mountLabel\": 1}}",
     "linux.mountLabel must be a string"},
    {"linux.resources array", "{\"linux\": {\"resources\": []}}",
     "linux.resources must be an object"},
};

static const struct table_case refused_cases[] = {
    {"linux.intelRdt", "{\"linux\": {\"intelRdt\": {\"closID\": \"guaranteed_group\"}}}",
     "linux.intelRdt is not supported"},
    {"linux.memoryPolicy", "{\"linux\": {\"memoryPolicy\": {\"mode\": \"MPOL_INTERLEAVE\"}}}",
     "linux.memoryPolicy is not supported"},
    {"linux.netDevices", "{\"linux\": {\"netDevices\": {\"eth1\": {\"name\": \"eth0\"}}}}",
     "linux.netDevices is not supported"},
    {"windows", "{\"windows\": {\"layerFolders\": [\"C:\\\\layers\"]}}", "windows is not supported"},
    {"solaris", "{\"solaris\": {\"milestone\": \"svc:/milestone/container:default\"}}",
     "solaris is not supported"},
    {"vm", "{\"vm\": {\"kernel\": {\"path\": \"/vmlinuz\"}}}", "vm is not supported"},
    {"zos", "{\"zos\": {\"namespaces\": [{\"type\": \"pid\"}]}}", "zos is not supported"},
    {"process.execCPUAffinity", "{\"process\": {\"execCPUAffinity\": {\"initial\": \"0-3\"}}}",
     "process.execCPUAffinity is not supported"},
    {"process.commandLine", "{\"process\": {\"commandLine\": \"cmd.exe /c dir\"}}",
     "process.commandLine is not supported"},
    {"process.user.username", "{\"process\": {\"user\": {\"username\": \"ContainerUser\"}}}",
     "process.user.username is not supported"},
    {"linux.mountLabel non-empty",
     "{\"linux\": {\"mountLabel\": \"system_u:object_r:container_file_t:s0\"}}",
     "linux.mountLabel is not supported"},
    {"linux.personality.flags",
     "{\"linux\": {\"personality\": {\"domain\": \"LINUX\", \"flags\": [\"ADDR_NO_RANDOMIZE\"]}}}",
     "linux.personality.flags is not supported"},
    {"mount option tmpcopyup",
     "{\"mounts\": [{\"destination\": \"/t\", \"type\": \"tmpfs\", \"options\": [\"tmpcopyup\"]}]}",
     "tmpcopyup is not supported"},
    /* Empty forms of the refused fields mean "not set". */
    {"empty linux.mountLabel ok", "{\"linux\": {\"mountLabel\": \"\"}}", NULL},
    {"empty linux.intelRdt ok", "{\"linux\": {\"intelRdt\": {}}}", NULL},
    {"null linux.seccomp ok", "{\"linux\": {\"seccomp\": \"@null\"}}", NULL},
    {"empty personality.flags ok",
     "{\"linux\": {\"personality\": {\"domain\": \"LINUX\", \"flags\": []}}}", NULL},
    /* config.md lists freebsd with solaris, vm, windows and zos. */
    {"freebsd", "{\"freebsd\": {\"jail\": {\"parent\": \"x\"}}}", "freebsd is not supported"},
};

/* Unknown keys at every level must be ignored (config.md, Extensibility). */
static const struct table_case unknown_key_cases[] = {
    {"top level", "{\"org.example.ext\": {\"anything\": [1, 2]}, \"zzz\": 5}", NULL},
    {"root", "{\"root\": {\"org.example\": true}}", NULL},
    {"process", "{\"process\": {\"org.example\": \"x\"}}", NULL},
    {"process.user", "{\"process\": {\"user\": {\"uid\": 1, \"gid\": 1, \"sid\": \"S-1\"}}}", NULL},
    {"process.capabilities", "{\"process\": {\"capabilities\": {\"extra\": [\"CAP_KILL\"]}}}",
     NULL},
    {"process.rlimits[]",
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0,"
     " \"x\": 1}]}}",
     NULL},
    {"linux", "{\"linux\": {\"org.example\": {}}}", NULL},
    {"linux.namespaces[]", "{\"linux\": {\"namespaces\": [{\"type\": \"mount\", \"x\": 1}]}}", NULL},
    {"linux.devices[]",
     "{\"linux\": {\"devices\": [{\"path\": \"/dev/fifo\", \"type\": \"p\", \"x\": 1}]}}", NULL},
    {"mounts[]", "{\"mounts\": [{\"destination\": \"/t\", \"type\": \"tmpfs\", \"x\": {}}]}", NULL},
    {"hooks", "{\"hooks\": {\"preDelete\": [{\"path\": \"relative\"}]}}", NULL},
    {"hooks[]", "{\"hooks\": {\"prestart\": [{\"path\": \"/bin/true\", \"x\": 1}]}}", NULL},
    {"linux.personality", "{\"linux\": {\"personality\": {\"domain\": \"LINUX\", \"x\": 1}}}",
     NULL},
};

/* Raw text: malformed JSON (line and column), duplicate keys, the top level. */
static const struct table_case raw_cases[] = {
    {"invalid token line 3 column 11",
     "{\n  \"ociVersion\": \"1.2.0\",\n  \"root\": x\n}\n",
     NAME ": line 3, column 11: invalid token near 'x'"},
    {"trailing comma line 4 column 1",
     "{\n  \"ociVersion\": \"1.2.0\",\n  \"root\": {\"path\": \"rootfs\"},\n}\n",
     NAME ": line 4, column 1: string or '}' expected near '}'"},
    {"unterminated object", "{\"ociVersion\": \"1.2.0\"",
     NAME ": line 1, column 22: '}' expected near end of file"},
    {"empty input", "", NAME ": line 1, column 0:"},
    {"garbage after the object", "{\"ociVersion\": \"1.2.0\"} x",
     NAME ": line 1, column 25: end of file expected"},
    {"top level array", "[]", "the top level must be an object"},
    {"duplicate top-level key",
     "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"r\"}, \"ociVersion\": \"1.0.0\"}",
     NAME ": line 1, column 59: duplicate object key near '\"ociVersion\"'"},
    {"duplicate nested key",
     "{\"ociVersion\": \"1.2.0\",\n \"root\": {\"path\": \"r\"},\n"
     " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\", \"args\": [\"x\"]}}",
     NAME ": line 3, column 47: duplicate object key near '\"args\"'"},
    {"NUL in a string", "{\"ociVersion\": \"1.\\u00002\"}", "line 1, column"},
    {"invalid UTF-8", "{\"ociVersion\": \"1.\xff\"}", "line 1, column"},
    {"number too big", "{\"ociVersion\": \"1.0\", \"x\": 123456789012345678901234567890}",
     "line 1, column"},
};

/* ---------------------------------------------------------- namespaces */

struct ns_row {
  const char *type;
  enum rt_ns_type index;
  const char *proc;
  int flag;
};

static const struct ns_row ns_rows[] = {
    {"pid", RT_NS_PID, "pid", CLONE_NEWPID},         {"network", RT_NS_NET, "net", CLONE_NEWNET},
    {"mount", RT_NS_MNT, "mnt", CLONE_NEWNS},         {"ipc", RT_NS_IPC, "ipc", CLONE_NEWIPC},
    {"uts", RT_NS_UTS, "uts", CLONE_NEWUTS},          {"user", RT_NS_USER, "user", CLONE_NEWUSER},
    {"cgroup", RT_NS_CGROUP, "cgroup", CLONE_NEWCGROUP}, {"time", RT_NS_TIME, "time", CLONE_NEWTIME},
};

static const char userns_maps[] = "\"uidMappings\": [{\"containerID\": 0, \"hostID\": 100000, "
                                  "\"size\": 65536}], \"gidMappings\": [{\"containerID\": 0, "
                                  "\"hostID\": 100000, \"size\": 65536}]";

static void test_namespace_types(void **state) {
  (void)state;
  for (size_t i = 0; i < N(ns_rows); i++) {
    const struct ns_row *r = &ns_rows[i];
    /* New namespace. */
    char *patch = xasprintf("{\"linux\": {\"namespaces\": [{\"type\": \"%s\"}]%s%s}}", r->type,
                            r->index == RT_NS_USER ? ", " : "",
                            r->index == RT_NS_USER ? userns_maps : "");
    struct rt_config *c = must_parse(patch);
    for (int t = 0; t < RT_NS_COUNT; t++)
      assert_int_equal(c->ns[t].present, t == (int)r->index);
    assert_null(c->ns[r->index].path);
    config_free(c);
    free(patch);
    /* Joined by path. */
    patch = xasprintf("{\"linux\": {\"namespaces\": [{\"type\": \"%s\", \"path\": "
                      "\"/proc/42/ns/%s\"}]}}",
                      r->type, r->proc);
    c = must_parse(patch);
    assert_true(c->ns[r->index].present);
    char *want = xasprintf("/proc/42/ns/%s", r->proc);
    assert_string_equal(c->ns[r->index].path, want);
    free(want);
    config_free(c);
    free(patch);
    /* The name tables. */
    assert_string_equal(rt_ns_name(r->index), r->type);
    assert_string_equal(rt_ns_proc_name(r->index), r->proc);
    assert_int_equal(rt_ns_clone_flag(r->index), r->flag);
  }
}

static void test_namespaces_all(void **state) {
  (void)state;
  char *patch = xasprintf("{\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": "
                          "\"network\"}, {\"type\": \"mount\"}, {\"type\": \"ipc\"}, {\"type\": "
                          "\"uts\"}, {\"type\": \"user\"}, {\"type\": \"cgroup\"}, {\"type\": "
                          "\"time\"}], %s}}",
                          userns_maps);
  struct rt_config *c = must_parse(patch);
  for (int t = 0; t < RT_NS_COUNT; t++) {
    assert_true(c->ns[t].present);
    assert_null(c->ns[t].path);
  }
  config_free(c);
  free(patch);
}

static const struct table_case ns_cases[] = {
    {"duplicate type",
     "{\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"mount\"}, {\"type\": "
     "\"pid\", \"path\": \"/proc/1/ns/pid\"}]}}",
     "linux.namespaces: pid is given twice"},
    {"unknown type", "{\"linux\": {\"namespaces\": [{\"type\": \"mount\"}, {\"type\": \"mnt\"}]}}",
     "linux.namespaces[1]: unknown namespace type mnt"},
    {"relative path",
     "{\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"var/run/netns/a\"}]}}",
     "linux.namespaces[0].path must be an absolute path"},
    {"empty path", "{\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"\"}]}}",
     "linux.namespaces[0].path must be an absolute path"},
    {"user without mappings", "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}]}}",
     "a new user namespace needs linux.uidMappings and linux.gidMappings"},
    {"user with uidMappings only",
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}],"
     " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}}",
     "a new user namespace needs"},
    {"user with gidMappings only",
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}],"
     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}}",
     "a new user namespace needs"},
    {"mappings without user namespace",
     "{\"linux\": {\"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}}",
     "linux.uidMappings/gidMappings need a new user namespace"},
    {"mappings with a joined user namespace",
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\", \"path\": \"/proc/1/ns/user\"}],"
     " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}}",
     "need a new user namespace"},
    {"joined user namespace without mappings",
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\", \"path\": \"/proc/1/ns/user\"}]}}", NULL},
    {"mapping size 0",
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}],"
     " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 0}],"
     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}]}}",
     "linux.uidMappings[0].size must be at least 1"},
    {"mapping hostID too big",
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}],"
     " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 4294967296, \"size\": 1}]}}",
     "linux.gidMappings[0].hostID must be"},
    {"mapping entry not an object",
     "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}], \"uidMappings\": [0],"
     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}}",
     "linux.uidMappings[0] must be an object"},
    {"timeOffsets without time namespace",
     "{\"linux\": {\"timeOffsets\": {\"monotonic\": {\"secs\": 1}}}}",
     "linux.timeOffsets need a new time namespace"},
    {"timeOffsets with a joined time namespace",
     "{\"linux\": {\"namespaces\": [{\"type\": \"time\", \"path\": \"/proc/1/ns/time\"}],"
     " \"timeOffsets\": {\"boottime\": {\"secs\": 1}}}}",
     "linux.timeOffsets need a new time namespace"},
    {"timeOffsets unknown clock",
     "{\"linux\": {\"namespaces\": [{\"type\": \"time\"}],"
     " \"timeOffsets\": {\"realtime\": {\"secs\": 1}}}}",
     "linux.timeOffsets.realtime: unknown clock"},
    {"timeOffsets nanosecs 1e9",
     "{\"linux\": {\"namespaces\": [{\"type\": \"time\"}],"
     " \"timeOffsets\": {\"monotonic\": {\"nanosecs\": 1000000000}}}}",
     "linux.timeOffsets.monotonic.nanosecs must be below 1000000000"},
    {"timeOffsets clock not an object",
     "{\"linux\": {\"namespaces\": [{\"type\": \"time\"}], \"timeOffsets\": {\"monotonic\": 5}}}",
     "linux.timeOffsets.monotonic must be an object"},
    {"hostname without uts", "{\"hostname\": \"box\"}",
     "hostname and domainname need a new uts namespace"},
    {"domainname without uts", "{\"domainname\": \"example.org\"}",
     "hostname and domainname need a new uts namespace"},
    {"hostname with a joined uts",
     "{\"hostname\": \"box\", \"linux\": {\"namespaces\": [{\"type\": \"uts\", \"path\": "
     "\"/proc/1/ns/uts\"}]}}",
     "need a new uts namespace"},
    {"hostname without linux", "{\"hostname\": \"box\", \"linux\": null}",
     "need a new uts namespace"},
};

static void test_user_mappings(void **state) {
  (void)state;
  struct rt_config *c = must_parse(
      "{\"linux\": {\"namespaces\": [{\"type\": \"user\"}, {\"type\": \"mount\"}],"
      " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1},"
      "                   {\"containerID\": 1, \"hostID\": 100000, \"size\": 65536}],"
      " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 4294967295, \"size\": 4294967295}]}}");
  assert_true(c->ns[RT_NS_USER].present);
  assert_int_equal(c->n_uid_mappings, 2);
  assert_int_equal(c->uid_mappings[0].container_id, 0);
  assert_int_equal(c->uid_mappings[0].host_id, 1000);
  assert_int_equal(c->uid_mappings[0].size, 1);
  assert_int_equal(c->uid_mappings[1].container_id, 1);
  assert_int_equal(c->uid_mappings[1].host_id, 100000);
  assert_int_equal(c->uid_mappings[1].size, 65536);
  assert_int_equal(c->n_gid_mappings, 1);
  assert_int_equal(c->gid_mappings[0].host_id, UINT32_MAX);
  assert_int_equal(c->gid_mappings[0].size, UINT32_MAX);
  config_free(c);
}

static void test_time_offsets(void **state) {
  (void)state;
  struct rt_config *c = must_parse(
      "{\"linux\": {\"namespaces\": [{\"type\": \"time\"}],"
      " \"timeOffsets\": {\"monotonic\": {\"secs\": -86400, \"nanosecs\": 999999999},"
      "                  \"boottime\": {\"secs\": 9223372036854775807}}}}");
  assert_true(c->time_monotonic.present);
  assert_int_equal(c->time_monotonic.secs, -86400);
  assert_int_equal(c->time_monotonic.nanosecs, 999999999);
  assert_true(c->time_boottime.present);
  assert_int_equal(c->time_boottime.secs, INT64_MAX);
  assert_int_equal(c->time_boottime.nanosecs, 0);
  config_free(c);
}

static void test_hostname(void **state) {
  (void)state;
  struct rt_config *c = must_parse("{\"hostname\": \"box\", \"domainname\": \"example.org\","
                                   " \"linux\": {\"namespaces\": [{\"type\": \"uts\"}]}}");
  assert_string_equal(c->hostname, "box");
  assert_string_equal(c->domainname, "example.org");
  config_free(c);
}

/* --------------------------------------------------------------- rlimits */

struct name_num {
  const char *name;
  int value;
};

static const struct name_num rlimit_rows[] = {
    {"RLIMIT_AS", RLIMIT_AS},
    {"RLIMIT_CORE", RLIMIT_CORE},
    {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},
    {"RLIMIT_FSIZE", RLIMIT_FSIZE},
    {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK},
    {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE},
    {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},
    {"RLIMIT_NPROC", RLIMIT_NPROC},
    {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},
    {"RLIMIT_RTTIME", RLIMIT_RTTIME},
    {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

static void test_rlimit_names(void **state) {
  (void)state;
  for (size_t i = 0; i < N(rlimit_rows); i++)
    assert_int_equal(config_rlimit_from_name(rlimit_rows[i].name), rlimit_rows[i].value);
  assert_int_equal(config_rlimit_from_name("RLIMIT_FOO"), -1);
  assert_int_equal(config_rlimit_from_name("NOFILE"), -1);
  assert_int_equal(config_rlimit_from_name("rlimit_nofile"), -1);
  assert_int_equal(config_rlimit_from_name("RLIMIT_NOFILE "), -1);
  assert_int_equal(config_rlimit_from_name(""), -1);
}

static void test_rlimits_all(void **state) {
  (void)state;
  /* All sixteen in one config, each soft = index, hard = index + 10. */
  json_t *arr = json_array();
  for (size_t i = 0; i < N(rlimit_rows); i++)
    json_array_append_new(arr, json_pack("{s:s, s:I, s:I}", "type", rlimit_rows[i].name, "soft",
                                         (json_int_t)i, "hard", (json_int_t)i + 10));
  json_t *patch = json_pack("{s:{s:o}}", "process", "rlimits", arr);
  char *ptext = json_dumps(patch, JSON_COMPACT);
  json_decref(patch);
  struct rt_config *c = must_parse(ptext);
  free(ptext);
  assert_int_equal(c->process.n_rlimits, N(rlimit_rows));
  for (size_t i = 0; i < N(rlimit_rows); i++) {
    assert_int_equal(c->process.rlimits[i].resource, rlimit_rows[i].value);
    assert_string_equal(c->process.rlimits[i].name, rlimit_rows[i].name);
    assert_int_equal(c->process.rlimits[i].soft, i);
    assert_int_equal(c->process.rlimits[i].hard, i + 10);
  }
  config_free(c);
}

static void test_rlimit_large_real(void **state) {
  (void)state;
  /* uint64 fields are integers: a real, even a large one, is refused by name. */
  tote_err *err = NULL;
  struct rt_config *c = parse_text("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
                                   " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\","
                                   " \"rlimits\": [{\"type\": \"RLIMIT_CORE\","
                                   " \"soft\": 1e19, \"hard\": 1.5e19}]}}",
                                   &err);
  assert_null(c);
  assert_non_null(err);
  assert_non_null(strstr(err->msg, "process.rlimits[0].soft must be a non-negative integer"));
  err_free(&err);
}

/* RLIM_INFINITY as every Go-based tool writes it (podman --ulimit core=-1,
 * containerd's oci.WithRlimit...): a plain integer above INT64_MAX. */
static void test_rlimit_infinity(void **state) {
  (void)state;
  tote_err *err = NULL;
  struct rt_config *c = parse_text("{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"},"
                                   " \"process\": {\"args\": [\"sh\"], \"cwd\": \"/\","
                                   " \"rlimits\": [{\"type\": \"RLIMIT_CORE\","
                                   " \"soft\": 18446744073709551615,"
                                   " \"hard\": 18446744073709551615}]}}",
                                   &err);
  if (c == NULL) {
    char msg[512];
    snprintf(msg, sizeof msg, "refused: %s", err->msg);
    err_free(&err);
    fail_msg("%s", msg);
  }
  uint64_t soft = c->process.rlimits[0].soft, hard = c->process.rlimits[0].hard;
  config_free(c);
  assert_int_equal(soft, UINT64_MAX);
  assert_int_equal(hard, UINT64_MAX);
}

static const struct table_case rlimit_cases[] = {
    {"unknown type",
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_FOO\", \"soft\": 1, \"hard\": 1}]}}",
     "process.rlimits[0].type: unknown rlimit RLIMIT_FOO"},
    {"duplicate type",
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1, \"hard\": 1},"
     " {\"type\": \"RLIMIT_CORE\", \"soft\": 0, \"hard\": 0},"
     " {\"type\": \"RLIMIT_NOFILE\", \"soft\": 2, \"hard\": 2}]}}",
     "process.rlimits: RLIMIT_NOFILE is given twice"},
    {"soft above hard",
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 2048, \"hard\": 1024}]}}",
     "process.rlimits[0]: soft limit 2048 is above the hard limit 1024"},
    {"soft equal hard",
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_NOFILE\", \"soft\": 1024, \"hard\": 1024}]}}",
     NULL},
    /* 2^64 as a real is out of range for uint64_t: the cast would be
     * undefined behaviour (UBSan: float-cast-overflow). */
    {"soft 2^64 as a real",
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 18446744073709551616.0,"
     " \"hard\": 18446744073709551616.0}]}}",
     "process.rlimits[0].soft must be a non-negative integer"},
    {"soft 1024.0 as a real",
     "{\"process\": {\"rlimits\": [{\"type\": \"RLIMIT_CORE\", \"soft\": 1024.0, \"hard\": 1}]}}",
     "process.rlimits[0].soft must be a non-negative integer"},
};

/* ------------------------------------------------------------ capabilities */

static const struct name_num cap_rows[] = {
    {"CAP_CHOWN", CAP_CHOWN},
    {"CAP_DAC_OVERRIDE", CAP_DAC_OVERRIDE},
    {"CAP_DAC_READ_SEARCH", CAP_DAC_READ_SEARCH},
    {"CAP_FOWNER", CAP_FOWNER},
    {"CAP_FSETID", CAP_FSETID},
    {"CAP_KILL", CAP_KILL},
    {"CAP_SETGID", CAP_SETGID},
    {"CAP_SETUID", CAP_SETUID},
    {"CAP_SETPCAP", CAP_SETPCAP},
    {"CAP_LINUX_IMMUTABLE", CAP_LINUX_IMMUTABLE},
    {"CAP_NET_BIND_SERVICE", CAP_NET_BIND_SERVICE},
    {"CAP_NET_BROADCAST", CAP_NET_BROADCAST},
    {"CAP_NET_ADMIN", CAP_NET_ADMIN},
    {"CAP_NET_RAW", CAP_NET_RAW},
    {"CAP_IPC_LOCK", CAP_IPC_LOCK},
    {"CAP_IPC_OWNER", CAP_IPC_OWNER},
    {"CAP_SYS_MODULE", CAP_SYS_MODULE},
    {"CAP_SYS_RAWIO", CAP_SYS_RAWIO},
    {"CAP_SYS_CHROOT", CAP_SYS_CHROOT},
    {"CAP_SYS_PTRACE", CAP_SYS_PTRACE},
    {"CAP_SYS_PACCT", CAP_SYS_PACCT},
    {"CAP_SYS_ADMIN", CAP_SYS_ADMIN},
    {"CAP_SYS_BOOT", CAP_SYS_BOOT},
    {"CAP_SYS_NICE", CAP_SYS_NICE},
    {"CAP_SYS_RESOURCE", CAP_SYS_RESOURCE},
    {"CAP_SYS_TIME", CAP_SYS_TIME},
    {"CAP_SYS_TTY_CONFIG", CAP_SYS_TTY_CONFIG},
    {"CAP_MKNOD", CAP_MKNOD},
    {"CAP_LEASE", CAP_LEASE},
    {"CAP_AUDIT_WRITE", CAP_AUDIT_WRITE},
    {"CAP_AUDIT_CONTROL", CAP_AUDIT_CONTROL},
    {"CAP_SETFCAP", CAP_SETFCAP},
    {"CAP_MAC_OVERRIDE", CAP_MAC_OVERRIDE},
    {"CAP_MAC_ADMIN", CAP_MAC_ADMIN},
    {"CAP_SYSLOG", CAP_SYSLOG},
    {"CAP_WAKE_ALARM", CAP_WAKE_ALARM},
    {"CAP_BLOCK_SUSPEND", CAP_BLOCK_SUSPEND},
    {"CAP_AUDIT_READ", CAP_AUDIT_READ},
#ifdef CAP_PERFMON
    {"CAP_PERFMON", CAP_PERFMON},
    {"CAP_BPF", CAP_BPF},
    {"CAP_CHECKPOINT_RESTORE", CAP_CHECKPOINT_RESTORE},
#endif
};

static void test_cap_names(void **state) {
  (void)state;
  for (size_t i = 0; i < N(cap_rows); i++)
    if (config_cap_from_name(cap_rows[i].name) != cap_rows[i].value)
      fail_msg("config_cap_from_name(%s) = %d, want %d", cap_rows[i].name,
               config_cap_from_name(cap_rows[i].name), cap_rows[i].value);
  static const char *const unknown[] = {"CAP_FOO", "CHOWN", "CAP_", "", "CAP_12", "CAP_999"};
  for (size_t i = 0; i < N(unknown); i++)
    if (config_cap_from_name(unknown[i]) != -1)
      fail_msg("config_cap_from_name(\"%s\") = %d, want -1", unknown[i],
               config_cap_from_name(unknown[i]));
}

/* A known name followed by anything else is not that capability. */
static void test_cap_names_trailing_garbage(void **state) {
  (void)state;
  static const char *const bad[] = {"CAP_SYS_ADMIN1", "CAP_KILL,CAP_CHOWN", "CAP_KILL!",
                                    "CAP_NET_RAW ", "CAP_CHOWN2x"};
  for (size_t i = 0; i < N(bad); i++)
    if (config_cap_from_name(bad[i]) != -1)
      fail_msg("config_cap_from_name(\"%s\") = %d, want -1 (unknown)", bad[i],
               config_cap_from_name(bad[i]));
}

static void test_caps_sets(void **state) {
  (void)state;
  struct rt_config *c = must_parse(
      "{\"process\": {\"capabilities\": {"
      " \"bounding\": [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\", \"CAP_NOT_A_CAP\", \"CAP_CHOWN\"],"
      " \"effective\": [\"CAP_KILL\"],"
      " \"inheritable\": [\"CAP_NET_RAW\", \"bogus\"],"
      " \"permitted\": [\"CAP_SETUID\", \"CAP_SETGID\"],"
      " \"ambient\": []}}}");
  assert_true(c->process.caps.present);
  assert_int_equal(c->process.caps.bounding, 1ULL << CAP_CHOWN | 1ULL << CAP_SYS_ADMIN);
  assert_int_equal(c->process.caps.effective, 1ULL << CAP_KILL);
  assert_int_equal(c->process.caps.inheritable, 1ULL << CAP_NET_RAW);
  assert_int_equal(c->process.caps.permitted, 1ULL << CAP_SETUID | 1ULL << CAP_SETGID);
  assert_int_equal(c->process.caps.ambient, 0);
  config_free(c);

  c = must_parse("{\"process\": {\"capabilities\": {}}}");
  assert_true(c->process.caps.present);
  assert_int_equal(c->process.caps.bounding, 0);
  config_free(c);
}

/* ------------------------------------------------------------------ mounts */

struct mount_row {
  const char *opt;
  unsigned long flags, clear, propagation;
  uint64_t set, clr;
  bool rro, idmap, idmap_recursive;
};

/* Expected decoding of each option of config.md's "Linux mount options"
 * table.  The recursive atime options follow mount_setattr(2): the atime
 * setting is an enum in MOUNT_ATTR__ATIME, so any change must put all of
 * MOUNT_ATTR__ATIME in attr_clr and the new setting in attr_set (the kernel
 * returns EINVAL for a partial MOUNT_ATTR__ATIME in attr_clr, or an atime
 * value in attr_set without it).  "ratime" and "rnostrictatime" go back to
 * the kernel default, relatime; "rnorelatime" (not relatime, see
 * strictatime in mount(8)) is strictatime. */
static const struct mount_row mount_rows[] = {
    {"async", 0, MS_SYNCHRONOUS, 0, 0, 0, false, false, false},
    {"atime", 0, MS_NOATIME, 0, 0, 0, false, false, false},
    {"bind", MS_BIND, 0, 0, 0, 0, false, false, false},
    {"defaults", 0, 0, 0, 0, 0, false, false, false},
    {"dev", 0, MS_NODEV, 0, 0, 0, false, false, false},
    {"diratime", 0, MS_NODIRATIME, 0, 0, 0, false, false, false},
    {"dirsync", MS_DIRSYNC, 0, 0, 0, 0, false, false, false},
    {"exec", 0, MS_NOEXEC, 0, 0, 0, false, false, false},
    {"iversion", MS_I_VERSION, 0, 0, 0, 0, false, false, false},
    {"lazytime", MS_LAZYTIME, 0, 0, 0, 0, false, false, false},
    {"loud", 0, MS_SILENT, 0, 0, 0, false, false, false},
    {"mand", MS_MANDLOCK, 0, 0, 0, 0, false, false, false},
    {"noatime", MS_NOATIME, 0, 0, 0, 0, false, false, false},
    {"nodev", MS_NODEV, 0, 0, 0, 0, false, false, false},
    {"nodiratime", MS_NODIRATIME, 0, 0, 0, 0, false, false, false},
    {"noexec", MS_NOEXEC, 0, 0, 0, 0, false, false, false},
    {"noiversion", 0, MS_I_VERSION, 0, 0, 0, false, false, false},
    {"nolazytime", 0, MS_LAZYTIME, 0, 0, 0, false, false, false},
    {"nomand", 0, MS_MANDLOCK, 0, 0, 0, false, false, false},
    {"norelatime", 0, MS_RELATIME, 0, 0, 0, false, false, false},
    {"nostrictatime", 0, MS_STRICTATIME, 0, 0, 0, false, false, false},
    {"nosuid", MS_NOSUID, 0, 0, 0, 0, false, false, false},
    {"nosymfollow", MS_NOSYMFOLLOW, 0, 0, 0, 0, false, false, false},
    {"private", 0, 0, MS_PRIVATE, 0, 0, false, false, false},
    {"ratime", 0, 0, 0, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, false, false, false},
    {"rbind", MS_BIND | MS_REC, 0, 0, 0, 0, false, false, false},
    {"rdev", 0, 0, 0, 0, MOUNT_ATTR_NODEV, false, false, false},
    {"rdiratime", 0, 0, 0, 0, MOUNT_ATTR_NODIRATIME, false, false, false},
    {"relatime", MS_RELATIME, 0, 0, 0, 0, false, false, false},
    {"remount", MS_REMOUNT, 0, 0, 0, 0, false, false, false},
    {"rexec", 0, 0, 0, 0, MOUNT_ATTR_NOEXEC, false, false, false},
    {"rnoatime", 0, 0, 0, MOUNT_ATTR_NOATIME, MOUNT_ATTR__ATIME, false, false, false},
    {"rnodiratime", 0, 0, 0, MOUNT_ATTR_NODIRATIME, 0, false, false, false},
    {"rnoexec", 0, 0, 0, MOUNT_ATTR_NOEXEC, 0, false, false, false},
    {"rnorelatime", 0, 0, 0, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME, false, false, false},
    {"rnostrictatime", 0, 0, 0, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, false, false, false},
    {"rnosuid", 0, 0, 0, MOUNT_ATTR_NOSUID, 0, false, false, false},
    {"rnosymfollow", 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, 0, false, false, false},
    {"ro", MS_RDONLY, 0, 0, 0, 0, false, false, false},
    {"rprivate", 0, 0, MS_PRIVATE | MS_REC, 0, 0, false, false, false},
    {"rrelatime", 0, 0, 0, MOUNT_ATTR_RELATIME, MOUNT_ATTR__ATIME, false, false, false},
    {"rro", 0, 0, 0, MOUNT_ATTR_RDONLY, 0, true, false, false},
    {"rrw", 0, 0, 0, 0, MOUNT_ATTR_RDONLY, false, false, false},
    {"rshared", 0, 0, MS_SHARED | MS_REC, 0, 0, false, false, false},
    {"rslave", 0, 0, MS_SLAVE | MS_REC, 0, 0, false, false, false},
    {"rstrictatime", 0, 0, 0, MOUNT_ATTR_STRICTATIME, MOUNT_ATTR__ATIME, false, false, false},
    {"rsuid", 0, 0, 0, 0, MOUNT_ATTR_NOSUID, false, false, false},
    {"rsymfollow", 0, 0, 0, 0, MOUNT_ATTR_NOSYMFOLLOW, false, false, false},
    {"runbindable", 0, 0, MS_UNBINDABLE | MS_REC, 0, 0, false, false, false},
    {"rw", 0, MS_RDONLY, 0, 0, 0, false, false, false},
    {"shared", 0, 0, MS_SHARED, 0, 0, false, false, false},
    {"silent", MS_SILENT, 0, 0, 0, 0, false, false, false},
    {"slave", 0, 0, MS_SLAVE, 0, 0, false, false, false},
    {"strictatime", MS_STRICTATIME, 0, 0, 0, 0, false, false, false},
    {"suid", 0, MS_NOSUID, 0, 0, 0, false, false, false},
    {"symfollow", 0, MS_NOSYMFOLLOW, 0, 0, 0, false, false, false},
    {"sync", MS_SYNCHRONOUS, 0, 0, 0, 0, false, false, false},
    {"unbindable", 0, 0, MS_UNBINDABLE, 0, 0, false, false, false},
    {"idmap", 0, 0, 0, 0, 0, false, true, false},
    {"ridmap", 0, 0, 0, 0, 0, false, true, true},
};

static void run_mount_row(void **state) {
  const struct mount_row *r = *state;
  struct rt_mount m = {0};
  tote_err *err = NULL;
  int ret = config_mount_option(r->opt, &m, &err);
  if (ret != 1)
    fail_msg("config_mount_option(%s) = %d (%s), want 1", r->opt, ret, err ? err->msg : "");
  assert_null(err);
  if (m.flags != r->flags || m.clear != r->clear || m.propagation != r->propagation ||
      m.rec_attr_set != r->set || m.rec_attr_clr != r->clr || m.rro != r->rro ||
      m.idmap != r->idmap || m.idmap_recursive != r->idmap_recursive)
    fail_msg("%s: flags %#lx clear %#lx propagation %#lx rec_attr_set %#llx rec_attr_clr %#llx "
             "rro %d idmap %d/%d\n  want flags %#lx clear %#lx propagation %#lx rec_attr_set "
             "%#llx rec_attr_clr %#llx rro %d idmap %d/%d",
             r->opt, m.flags, m.clear, m.propagation, (unsigned long long)m.rec_attr_set,
             (unsigned long long)m.rec_attr_clr, m.rro, m.idmap, m.idmap_recursive, r->flags,
             r->clear, r->propagation, (unsigned long long)r->set, (unsigned long long)r->clr,
             r->rro, r->idmap, r->idmap_recursive);
  assert_null(m.data);
}

/* The same option names, seen from config_parse: a known option never goes
 * to data. */
static void test_mount_options_in_config(void **state) {
  (void)state;
  for (size_t i = 0; i < N(mount_rows); i++) {
    char *patch = xasprintf("{\"mounts\": [{\"destination\": \"/m\", \"type\": \"none\", "
                            "\"source\": \"/src\", \"options\": [\"%s\"]}]}",
                            mount_rows[i].opt);
    struct rt_config *c = must_parse(patch);
    assert_int_equal(c->n_mounts, 1);
    if (c->mounts[0].data != NULL)
      fail_msg("option %s went to data \"%s\"", mount_rows[i].opt, c->mounts[0].data);
    assert_int_equal(c->mounts[0].flags, mount_rows[i].flags);
    assert_int_equal(c->mounts[0].propagation, mount_rows[i].propagation);
    config_free(c);
    free(patch);
  }
}

static void test_mount_option_names(void **state) {
  (void)state;
  /* Every table option is listed for `features`, and every listed one decodes. */
  size_t n = 0;
  for (const char *name; (name = config_mount_option_name(n)) != NULL; n++) {
    struct rt_mount m = {0};
    assert_int_equal(config_mount_option(name, &m, NULL), 1);
  }
  for (size_t i = 0; i < N(mount_rows); i++) {
    bool found = false;
    for (size_t k = 0; k < n; k++)
      found = found || strcmp(config_mount_option_name(k), mount_rows[i].opt) == 0;
    if (!found)
      fail_msg("%s is not listed by config_mount_option_name", mount_rows[i].opt);
  }
}

static void test_mount_option_sequences(void **state) {
  (void)state;
  struct rt_mount m = {0};
  /* Later options win, in both directions. */
  assert_int_equal(config_mount_option("ro", &m, NULL), 1);
  assert_int_equal(config_mount_option("rw", &m, NULL), 1);
  assert_int_equal(m.flags & MS_RDONLY, 0);
  assert_int_equal(m.clear & MS_RDONLY, MS_RDONLY);
  assert_int_equal(config_mount_option("ro", &m, NULL), 1);
  assert_int_equal(m.flags & MS_RDONLY, MS_RDONLY);
  assert_int_equal(m.clear & MS_RDONLY, 0);
  assert_int_equal(config_mount_option("rro", &m, NULL), 1);
  assert_true(m.rro);
  assert_int_equal(config_mount_option("rrw", &m, NULL), 1);
  assert_false(m.rro);
  assert_int_equal(m.rec_attr_set & MOUNT_ATTR_RDONLY, 0);
  assert_int_equal(m.rec_attr_clr & MOUNT_ATTR_RDONLY, MOUNT_ATTR_RDONLY);
  assert_int_equal(config_mount_option("rnosuid", &m, NULL), 1);
  assert_int_equal(config_mount_option("rsuid", &m, NULL), 1);
  assert_int_equal(m.rec_attr_set & MOUNT_ATTR_NOSUID, 0);
  assert_int_equal(m.rec_attr_clr & MOUNT_ATTR_NOSUID, MOUNT_ATTR_NOSUID);
  /* Propagation: the last one. */
  assert_int_equal(config_mount_option("rshared", &m, NULL), 1);
  assert_int_equal(config_mount_option("private", &m, NULL), 1);
  assert_int_equal(m.propagation, MS_PRIVATE);
  /* Filesystem data is not an error and changes nothing. */
  struct rt_mount before = m;
  assert_int_equal(config_mount_option("mode=755", &m, NULL), 0);
  assert_int_equal(config_mount_option("", &m, NULL), 0);
  assert_int_equal(config_mount_option("RO", &m, NULL), 0);
  assert_int_equal(m.flags, before.flags);
  assert_int_equal(m.clear, before.clear);
  assert_int_equal(m.propagation, before.propagation);
  assert_int_equal(m.rec_attr_set, before.rec_attr_set);
  assert_int_equal(m.rec_attr_clr, before.rec_attr_clr);
  assert_null(m.data);
  tote_err *err = NULL;
  assert_int_equal(config_mount_option("tmpcopyup", &m, &err), -1);
  assert_non_null(err);
  assert_non_null(strstr(err->msg, "tmpcopyup"));
  err_free(&err);
}

static void test_mount_fields(void **state) {
  (void)state;
  struct rt_config *c = must_parse(
      "{\"mounts\": ["
      " {\"destination\": \"/tmp\", \"type\": \"tmpfs\", \"source\": \"tmpfs\","
      "  \"options\": [\"nosuid\", \"mode=1777\", \"strictatime\", \"size=65536k\", \"nr_inodes=1k\","
      "               \"nodev\", \"uid=0\"]},"
      " {\"destination\": \"data\", \"type\": \"none\", \"source\": \"/volumes/testing\","
      "  \"options\": [\"rbind\", \"rw\", \"rprivate\"]},"
      " {\"destination\": \"/etc/resolv.conf\", \"source\": \"/run/resolv.conf\","
      "  \"options\": [\"bind\", \"ro\", \"nosuid\", \"nodev\", \"noexec\"]},"
      " {\"destination\": \"a/b/c\", \"type\": \"proc\"},"
      " {\"destination\": \"/opt\", \"source\": \"/srv\", \"options\": [\"rbind\", \"rro\","
      "  \"rnosuid\", \"rnodev\", \"rnoexec\", \"rnosymfollow\"]}"
      "]}");
  assert_int_equal(c->n_mounts, 5);
  struct rt_mount *m = &c->mounts[0];
  assert_string_equal(m->destination, "/tmp");
  assert_string_equal(m->type, "tmpfs");
  assert_string_equal(m->source, "tmpfs");
  assert_int_equal(m->flags, MS_NOSUID | MS_STRICTATIME | MS_NODEV);
  assert_string_equal(m->data, "mode=1777,size=65536k,nr_inodes=1k,uid=0");
  assert_int_equal(strv_len(m->options), 7);
  assert_string_equal(m->options[6], "uid=0");

  m = &c->mounts[1];
  assert_string_equal(m->destination, "/data"); /* relative: prefixed with "/" */
  assert_int_equal(m->flags, MS_BIND | MS_REC);
  assert_int_equal(m->clear, MS_RDONLY);
  assert_int_equal(m->propagation, MS_PRIVATE | MS_REC);
  assert_null(m->data);

  m = &c->mounts[2];
  assert_null(m->type); /* a bind mount needs no type */
  assert_int_equal(m->flags, MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);

  m = &c->mounts[3];
  assert_string_equal(m->destination, "/a/b/c");
  assert_null(m->source);
  assert_null(m->options);

  m = &c->mounts[4];
  assert_int_equal(m->flags, MS_BIND | MS_REC);
  assert_true(m->rro);
  assert_int_equal(m->rec_attr_set, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                        MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW);
  assert_int_equal(m->rec_attr_clr, 0);
  config_free(c);
}

static void test_mount_idmap(void **state) {
  (void)state;
  struct rt_config *c = must_parse(
      "{\"mounts\": [{\"destination\": \"/data\", \"source\": \"/srv/data\", \"type\": \"none\","
      " \"options\": [\"rbind\", \"ridmap\"],"
      " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1000, \"size\": 1}],"
      " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 2000, \"size\": 10}]}]}");
  struct rt_mount *m = &c->mounts[0];
  assert_true(m->idmap);
  assert_true(m->idmap_recursive);
  assert_null(m->data); /* idmap is not passed to mount(2) */
  assert_int_equal(m->n_uid_mappings, 1);
  assert_int_equal(m->uid_mappings[0].host_id, 1000);
  assert_int_equal(m->n_gid_mappings, 1);
  assert_int_equal(m->gid_mappings[0].host_id, 2000);
  assert_int_equal(m->gid_mappings[0].size, 10);
  config_free(c);
}

static const struct table_case mount_cases[] = {
    {"bind without source",
     "{\"mounts\": [{\"destination\": \"/x\", \"type\": \"none\", \"options\": [\"bind\"]}]}",
     "mounts[0] (/x): a bind mount needs a source"},
    {"rbind without source", "{\"mounts\": [{\"destination\": \"/x\", \"options\": [\"rbind\"]}]}",
     "mounts[0] (/x): a bind mount needs a source"},
    {"non-bind without type",
     "{\"mounts\": [{\"destination\": \"/t\", \"type\": \"tmpfs\"},"
     " {\"destination\": \"/x\", \"source\": \"/y\", \"options\": [\"ro\"]}]}",
     "mounts[1] (/x): type is required unless the mount is a bind mount"},
    {"mappings without idmap option",
     "{\"mounts\": [{\"destination\": \"/x\", \"source\": \"/y\", \"options\": [\"bind\"],"
     " \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}],"
     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}]}",
     "uidMappings/gidMappings need the idmap or ridmap option"},
    {"mount mapping size 0",
     "{\"mounts\": [{\"destination\": \"/x\", \"source\": \"/y\", \"options\": [\"bind\", "
     "\"idmap\"], \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 0}],"
     " \"gidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}]}",
     "mounts[0].uidMappings[0].size must be at least 1"},
    /* config.md: uidMappings "MUST be specified along with gidMappings". */
    {"mount uidMappings without gidMappings",
     "{\"mounts\": [{\"destination\": \"/x\", \"source\": \"/y\", \"options\": [\"bind\", "
     "\"idmap\"], \"uidMappings\": [{\"containerID\": 0, \"hostID\": 1, \"size\": 1}]}]}",
     "gidMappings"},
    {"tmpfs ok", "{\"mounts\": [{\"destination\": \"/t\", \"type\": \"tmpfs\"}]}", NULL},
};

/* ------------------------------------------------------------------ sysctl */

static const struct table_case sysctl_cases[] = {
    {"net.* without network namespace",
     "{\"linux\": {\"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}}",
     "linux.sysctl: net.ipv4.ip_forward needs a network namespace"},
    {"net.* with network namespace",
     "{\"linux\": {\"namespaces\": [{\"type\": \"network\"}],"
     " \"sysctl\": {\"net.ipv4.ip_forward\": \"1\"}}}",
     NULL},
    {"net.* with a joined network namespace",
     "{\"linux\": {\"namespaces\": [{\"type\": \"network\", \"path\": \"/var/run/netns/a\"}],"
     " \"sysctl\": {\"net.core.somaxconn\": \"256\"}}}",
     NULL},
    {"kernel.shmmax without ipc", "{\"linux\": {\"sysctl\": {\"kernel.shmmax\": \"1\"}}}",
     "linux.sysctl: kernel.shmmax needs an ipc namespace"},
    {"kernel.shmall with ipc",
     "{\"linux\": {\"namespaces\": [{\"type\": \"ipc\"}], \"sysctl\": {\"kernel.shmall\": \"1\","
     " \"kernel.shmmni\": \"1\", \"kernel.shm_rmid_forced\": \"1\", \"kernel.msgmax\": \"1\","
     " \"kernel.msgmnb\": \"1\", \"kernel.msgmni\": \"1\", \"kernel.sem\": \"1 2 3 4\"}}}",
     NULL},
    {"fs.mqueue.* without ipc", "{\"linux\": {\"sysctl\": {\"fs.mqueue.msg_max\": \"10\"}}}",
     "linux.sysctl: fs.mqueue.msg_max needs an ipc namespace"},
    {"fs.mqueue.* with ipc",
     "{\"linux\": {\"namespaces\": [{\"type\": \"ipc\"}],"
     " \"sysctl\": {\"fs.mqueue.msg_max\": \"10\"}}}",
     NULL},
    {"kernel.hostname without uts", "{\"linux\": {\"sysctl\": {\"kernel.hostname\": \"x\"}}}",
     "linux.sysctl: kernel.hostname needs a uts namespace"},
    {"kernel.domainname with uts",
     "{\"linux\": {\"namespaces\": [{\"type\": \"uts\"}],"
     " \"sysctl\": {\"kernel.domainname\": \"x\"}}}",
     NULL},
    {"vm.swappiness is not namespaced",
     "{\"linux\": {\"namespaces\": [{\"type\": \"pid\"}, {\"type\": \"network\"}, {\"type\": "
     "\"ipc\"}, {\"type\": \"uts\"}, {\"type\": \"mount\"}], \"sysctl\": {\"vm.swappiness\": \"0\"}}}",
     "linux.sysctl: vm.swappiness is not namespaced"},
    {"kernel.pid_max is not namespaced",
     "{\"linux\": {\"namespaces\": [{\"type\": \"ipc\"}], \"sysctl\": {\"kernel.pid_max\": \"9\"}}}",
     "linux.sysctl: kernel.pid_max is not namespaced"},
    {"key with a slash",
     "{\"linux\": {\"namespaces\": [{\"type\": \"network\"}],"
     " \"sysctl\": {\"net/ipv4/ip_forward\": \"1\"}}}",
     "linux.sysctl: invalid key net/ipv4/ip_forward"},
    {"key with ..",
     "{\"linux\": {\"namespaces\": [{\"type\": \"network\"}], \"sysctl\": {\"net..x\": \"1\"}}}",
     "linux.sysctl: invalid key net..x"},
};

static void test_sysctl_values(void **state) {
  (void)state;
  struct rt_config *c = must_parse("{\"linux\": {\"namespaces\": [{\"type\": \"network\"}, "
                                   "{\"type\": \"ipc\"}], \"sysctl\": {\"net.ipv4.ip_forward\": "
                                   "\"1\", \"kernel.shmmax\": \"68719476736\", "
                                   "\"net.core.somaxconn\": \"\"}}}");
  assert_int_equal(c->n_sysctl, 3);
  assert_string_equal(c->sysctl[0].key, "net.ipv4.ip_forward");
  assert_string_equal(c->sysctl[0].value, "1");
  assert_string_equal(c->sysctl[1].key, "kernel.shmmax");
  assert_string_equal(c->sysctl[1].value, "68719476736");
  assert_string_equal(c->sysctl[2].key, "net.core.somaxconn");
  assert_string_equal(c->sysctl[2].value, "");
  config_free(c);
}

/* ----------------------------------------------------------------- devices */

static void test_devices(void **state) {
  (void)state;
  struct rt_config *c = must_parse(
      "{\"linux\": {\"devices\": ["
      " {\"path\": \"/dev/fuse\", \"type\": \"c\", \"major\": 10, \"minor\": 229,"
      "  \"fileMode\": 438, \"uid\": 0, \"gid\": 0},"
      " {\"path\": \"/dev/sda\", \"type\": \"b\", \"major\": 8, \"minor\": 0, \"fileMode\": 25008,"
      "  \"uid\": 1000, \"gid\": 6},"
      " {\"path\": \"/dev/tty9\", \"type\": \"u\", \"major\": 4, \"minor\": 9},"
      " {\"path\": \"/dev/fifo\", \"type\": \"p\"}"
      "]}}");
  assert_int_equal(c->n_devices, 4);
  struct rt_device *d = &c->devices[0];
  assert_string_equal(d->path, "/dev/fuse");
  assert_int_equal(d->type, 'c');
  assert_int_equal(d->major, 10);
  assert_int_equal(d->minor, 229);
  assert_true(d->has_mode);
  assert_int_equal(d->file_mode, 0666);
  assert_true(d->has_uid);
  assert_true(d->has_gid);
  assert_int_equal(d->uid, 0);
  assert_int_equal(d->gid, 0);
  d = &c->devices[1];
  assert_int_equal(d->type, 'b');
  assert_int_equal(d->major, 8);
  assert_true(d->has_mode);
  assert_int_equal(d->file_mode, 0660); /* 25008 = 060660: the S_IFBLK bits are dropped */
  assert_int_equal(d->uid, 1000);
  assert_int_equal(d->gid, 6);
  d = &c->devices[2];
  assert_int_equal(d->type, 'u');
  assert_false(d->has_mode);
  assert_false(d->has_uid);
  assert_false(d->has_gid);
  d = &c->devices[3];
  assert_int_equal(d->type, 'p');
  assert_int_equal(d->major, 0);
  assert_int_equal(d->minor, 0);
  config_free(c);
}

static const struct table_case device_cases[] = {
    {"type x", "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"x\"}]}}",
     "linux.devices[0].type must be one of c, b, u, p"},
    {"type cc",
     "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"cc\", \"major\": 1,"
     " \"minor\": 1}]}}",
     "linux.devices[0].type must be one of c, b, u, p"},
    {"type empty", "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"\"}]}}",
     "linux.devices[0].type must be one of c, b, u, p"},
    {"relative path",
     "{\"linux\": {\"devices\": [{\"path\": \"dev/null\", \"type\": \"c\", \"major\": 1,"
     " \"minor\": 3}]}}",
     "linux.devices[0].path must be an absolute path"},
    {"u without major", "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"u\"}]}}",
     "linux.devices[0]: major and minor are required for type u"},
    {"second entry not an object",
     "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"p\"}, 5]}}",
     "linux.devices[1] must be an object"},
    /* jsonx.h: "An absent key (or JSON null) is not an error" - null is absent. */
    {"major null is missing",
     "{\"linux\": {\"devices\": [{\"path\": \"/dev/x\", \"type\": \"c\", \"major\": \"@null\","
     " \"minor\": \"@null\"}]}}",
     "linux.devices[0]: major and minor are required for type c"},
};

/* jsonx.h: null is the same as absent, so "fileMode": null, "uid": null
 * and "gid": null must not set has_mode, has_uid, has_gid. */
static void test_device_null_fields(void **state) {
  (void)state;
  struct rt_config *c = must_parse(
      "{\"linux\": {\"devices\": [{\"path\": \"/dev/fifo\", \"type\": \"p\", \"fileMode\": "
      "\"@null\", \"uid\": \"@null\", \"gid\": \"@null\"}]}}");
  bool has_mode = c->devices[0].has_mode, has_uid = c->devices[0].has_uid,
       has_gid = c->devices[0].has_gid;
  config_free(c);
  assert_false(has_mode);
  assert_false(has_uid);
  assert_false(has_gid);
}

/* ------------------------------------------------------------- personality */

static void test_personality(void **state) {
  (void)state;
  struct rt_config *c = must_parse("{\"linux\": {\"personality\": {\"domain\": \"LINUX\"}}}");
  assert_true(c->has_personality);
  assert_int_equal(c->personality, PER_LINUX);
  config_free(c);
  c = must_parse("{\"linux\": {\"personality\": {\"domain\": \"LINUX32\"}}}");
  assert_true(c->has_personality);
  assert_int_equal(c->personality, PER_LINUX32);
  config_free(c);
}

static const struct table_case personality_cases[] = {
    {"domain LINUX64", "{\"linux\": {\"personality\": {\"domain\": \"LINUX64\"}}}",
     "linux.personality.domain must be LINUX or LINUX32"},
    {"domain lowercase", "{\"linux\": {\"personality\": {\"domain\": \"linux\"}}}",
     "linux.personality.domain must be LINUX or LINUX32"},
};

/* -------------------------------------------------------------- ioPriority */

static void test_io_priority(void **state) {
  (void)state;
  static const struct name_num classes[] = {
      {"IOPRIO_CLASS_RT", IOPRIO_CLASS_RT},
      {"IOPRIO_CLASS_BE", IOPRIO_CLASS_BE},
      {"IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE},
  };
  for (size_t i = 0; i < N(classes); i++)
    for (int prio = 0; prio <= 7; prio += 7) {
      char *patch = xasprintf("{\"process\": {\"ioPriority\": {\"class\": \"%s\", \"priority\": "
                              "%d}}}",
                              classes[i].name, prio);
      struct rt_config *c = must_parse(patch);
      assert_true(c->process.has_io_priority);
      assert_int_equal(c->process.io_priority_class, classes[i].value);
      assert_int_equal(c->process.io_priority, prio);
      config_free(c);
      free(patch);
    }
}

static const struct table_case ioprio_cases[] = {
    {"priority 8",
     "{\"process\": {\"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 8}}}",
     "process.ioPriority.priority must be from 0 to 7"},
    {"priority -1",
     "{\"process\": {\"ioPriority\": {\"class\": \"IOPRIO_CLASS_RT\", \"priority\": -1}}}",
     "process.ioPriority.priority must be from 0 to 7"},
    {"class unknown",
     "{\"process\": {\"ioPriority\": {\"class\": \"IOPRIO_CLASS_NONE\", \"priority\": 0}}}",
     "process.ioPriority.class must be IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE"},
    {"class number", "{\"process\": {\"ioPriority\": {\"class\": 2, \"priority\": 0}}}",
     "process.ioPriority.class must be a string"},
};

/* --------------------------------------------------------------- scheduler */

static void test_scheduler_policies(void **state) {
  (void)state;
  static const struct name_num policies[] = {
      {"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO},   {"SCHED_RR", SCHED_RR},
      {"SCHED_BATCH", SCHED_BATCH}, {"SCHED_ISO", 4},             {"SCHED_IDLE", SCHED_IDLE},
      {"SCHED_DEADLINE", SCHED_DEADLINE},
  };
  for (size_t i = 0; i < N(policies); i++) {
    char *patch = xasprintf("{\"process\": {\"scheduler\": {\"policy\": \"%s\"}}}",
                            policies[i].name);
    struct rt_config *c = must_parse(patch);
    assert_true(c->process.has_scheduler);
    assert_int_equal(c->process.sched_policy, policies[i].value);
    assert_int_equal(c->process.sched_flags, 0);
    assert_int_equal(c->process.sched_nice, 0);
    assert_int_equal(c->process.sched_priority, 0);
    config_free(c);
    free(patch);
  }
}

static void test_scheduler_fields(void **state) {
  (void)state;
  static const struct {
    const char *name;
    uint64_t value;
  } flags[] = {
      {"SCHED_FLAG_RESET_ON_FORK", 0x01}, {"SCHED_FLAG_RECLAIM", 0x02},
      {"SCHED_FLAG_DL_OVERRUN", 0x04},    {"SCHED_FLAG_KEEP_POLICY", 0x08},
      {"SCHED_FLAG_KEEP_PARAMS", 0x10},   {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
      {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
  };
  for (size_t i = 0; i < N(flags); i++) {
    char *patch = xasprintf("{\"process\": {\"scheduler\": {\"policy\": \"SCHED_DEADLINE\", "
                            "\"flags\": [\"%s\"]}}}",
                            flags[i].name);
    struct rt_config *c = must_parse(patch);
    assert_int_equal(c->process.sched_flags, flags[i].value);
    config_free(c);
    free(patch);
  }
  struct rt_config *c = must_parse(
      "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"nice\": -20,"
      " \"priority\": 99, \"flags\": [\"SCHED_FLAG_RESET_ON_FORK\", \"SCHED_FLAG_RECLAIM\","
      " \"SCHED_FLAG_UTIL_CLAMP_MAX\"], \"runtime\": 10000000, \"deadline\": 20000000,"
      " \"period\": 30000000}}}");
  assert_int_equal(c->process.sched_policy, SCHED_DEADLINE);
  assert_int_equal(c->process.sched_nice, -20);
  assert_int_equal(c->process.sched_priority, 99);
  assert_int_equal(c->process.sched_flags, 0x01 | 0x02 | 0x40);
  assert_int_equal(c->process.sched_runtime, 10000000);
  assert_int_equal(c->process.sched_deadline, 20000000);
  assert_int_equal(c->process.sched_period, 30000000);
  config_free(c);
}

static const struct table_case sched_cases[] = {
    {"unknown policy", "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_FAST\"}}}",
     "process.scheduler.policy: unknown policy SCHED_FAST"},
    {"unknown flag",
     "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"flags\": "
     "[\"SCHED_FLAG_RECLAIM\", \"SCHED_FLAG_TURBO\"]}}}",
     "process.scheduler.flags: unknown flag SCHED_FLAG_TURBO"},
    {"flags string",
     "{\"process\": {\"scheduler\": {\"policy\": \"SCHED_OTHER\", \"flags\": \"x\"}}}",
     "process.scheduler.flags must be an array of strings"},
};

/* ------------------------------------------------------------------- hooks */

static void test_hooks(void **state) {
  (void)state;
  static const char *const kinds[RT_HOOK_COUNT] = {
      [RT_HOOK_PRESTART] = "prestart",         [RT_HOOK_CREATE_RUNTIME] = "createRuntime",
      [RT_HOOK_CREATE_CONTAINER] = "createContainer",
      [RT_HOOK_START_CONTAINER] = "startContainer", [RT_HOOK_POSTSTART] = "poststart",
      [RT_HOOK_POSTSTOP] = "poststop",
  };
  json_t *hooks = json_object();
  for (int k = 0; k < RT_HOOK_COUNT; k++) {
    json_t *arr = json_array();
    for (int i = 0; i <= k % 2; i++) {
      char *path = xasprintf("/usr/libexec/hook-%s-%d", kinds[k], i);
      json_array_append_new(arr, json_pack("{s:s, s:[s,s], s:[s], s:i}", "path", path, "args",
                                           "hook", kinds[k], "env", "A=1", "timeout", k + 1));
      free(path);
    }
    json_object_set_new(hooks, kinds[k], arr);
  }
  json_t *patch = json_pack("{s:o}", "hooks", hooks);
  char *ptext = json_dumps(patch, JSON_COMPACT);
  json_decref(patch);
  struct rt_config *c = must_parse(ptext);
  free(ptext);
  assert_non_null(c->hooks_json);
  for (int k = 0; k < RT_HOOK_COUNT; k++) {
    assert_int_equal(c->hooks.count[k], (size_t)(k % 2 + 1));
    for (size_t i = 0; i < c->hooks.count[k]; i++) {
      struct rt_hook *h = &c->hooks.list[k][i];
      char *path = xasprintf("/usr/libexec/hook-%s-%zu", kinds[k], i);
      assert_string_equal(h->path, path);
      free(path);
      assert_string_equal(h->args[0], "hook");
      assert_string_equal(h->args[1], kinds[k]);
      assert_null(h->args[2]);
      assert_string_equal(h->env[0], "A=1");
      assert_null(h->env[1]);
      assert_int_equal(h->timeout, k + 1);
    }
  }
  config_free(c);

  /* Without args, env or timeout. */
  c = must_parse("{\"hooks\": {\"poststop\": [{\"path\": \"/bin/true\"}]}}");
  assert_int_equal(c->hooks.count[RT_HOOK_POSTSTOP], 1);
  assert_null(c->hooks.list[RT_HOOK_POSTSTOP][0].args);
  assert_null(c->hooks.list[RT_HOOK_POSTSTOP][0].env);
  assert_int_equal(c->hooks.list[RT_HOOK_POSTSTOP][0].timeout, 0);
  assert_int_equal(c->hooks.count[RT_HOOK_PRESTART], 0);
  config_free(c);
}

static const struct table_case hook_cases[] = {
    {"relative path", "{\"hooks\": {\"createRuntime\": [{\"path\": \"bin/hook\"}]}}",
     "hooks.createRuntime[0].path must be an absolute path"},
    {"relative path in second entry",
     "{\"hooks\": {\"poststart\": [{\"path\": \"/bin/a\"}, {\"path\": \"hook\"}]}}",
     "hooks.poststart[1].path must be an absolute path"},
    {"timeout 0", "{\"hooks\": {\"createContainer\": [{\"path\": \"/bin/a\", \"timeout\": 0}]}}",
     "hooks.createContainer[0].timeout must be greater than zero"},
    {"timeout -1", "{\"hooks\": {\"startContainer\": [{\"path\": \"/bin/a\", \"timeout\": -1}]}}",
     "hooks.startContainer[0].timeout must be greater than zero"},
    {"timeout too big",
     "{\"hooks\": {\"prestart\": [{\"path\": \"/bin/a\", \"timeout\": 4294967296}]}}",
     "hooks.prestart[0].timeout must be"},
    {"timeout 1", "{\"hooks\": {\"prestart\": [{\"path\": \"/bin/a\", \"timeout\": 1}]}}", NULL},
    {"empty hooks", "{\"hooks\": {}}", NULL},
    /* jsonx.h: null is absent, and timeout is OPTIONAL. */
    {"timeout null", "{\"hooks\": {\"prestart\": [{\"path\": \"/bin/a\", \"timeout\": \"@null\"}]}}",
     NULL},
};

/* ------------------------------------------------------------- misc fields */

static void test_process_fields(void **state) {
  (void)state;
  struct rt_config *c = must_parse(
      "{\"process\": {\"terminal\": true, \"consoleSize\": {\"height\": 25, \"width\": 80},"
      " \"user\": {\"uid\": 1000, \"gid\": 100, \"umask\": 63, \"additionalGids\": [5, 6, "
      "4294967295]},"
      " \"env\": [\"PATH=/bin\", \"TERM=xterm\"], \"cwd\": \"/root\", \"args\": [\"sh\", \"-c\", "
      "\"\"],"
      " \"apparmorProfile\": \"acme_secure_profile\","
      " \"selinuxLabel\": \"system_u:system_r:svirt_lxc_net_t:s0:c124,c675\","
      " \"noNewPrivileges\": true, \"oomScoreAdj\": -1000}}");
  struct rt_process *p = &c->process;
  assert_true(p->terminal);
  assert_true(p->has_console_size);
  assert_int_equal(p->console_height, 25);
  assert_int_equal(p->console_width, 80);
  assert_int_equal(p->user.uid, 1000);
  assert_int_equal(p->user.gid, 100);
  assert_true(p->user.has_umask);
  assert_int_equal(p->user.umask, 077);
  assert_int_equal(p->user.n_additional_gids, 3);
  assert_int_equal(p->user.additional_gids[0], 5);
  assert_int_equal(p->user.additional_gids[1], 6);
  assert_int_equal(p->user.additional_gids[2], 4294967295u);
  assert_string_equal(p->env[0], "PATH=/bin");
  assert_string_equal(p->env[1], "TERM=xterm");
  assert_null(p->env[2]);
  assert_string_equal(p->cwd, "/root");
  assert_int_equal(strv_len(p->args), 3);
  assert_string_equal(p->args[2], "");
  assert_string_equal(p->apparmor_profile, "acme_secure_profile");
  assert_string_equal(p->selinux_label, "system_u:system_r:svirt_lxc_net_t:s0:c124,c675");
  assert_true(p->no_new_privileges);
  assert_true(p->has_oom_score_adj);
  assert_int_equal(p->oom_score_adj, -1000);
  config_free(c);

  c = must_parse("{\"process\": {\"user\": {\"uid\": 1, \"gid\": 1, \"umask\": \"@null\"},"
                 " \"oomScoreAdj\": \"@null\"}}");
  assert_false(c->process.user.has_umask);
  assert_false(c->process.has_oom_score_adj);
  config_free(c);
}

static void test_linux_fields(void **state) {
  (void)state;
  static const struct {
    const char *name;
    unsigned long flags;
  } props[] = {
      {"private", MS_PRIVATE},       {"rprivate", MS_PRIVATE | MS_REC},
      {"slave", MS_SLAVE},           {"rslave", MS_SLAVE | MS_REC},
      {"shared", MS_SHARED},         {"rshared", MS_SHARED | MS_REC},
      {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
      {"", 0},
  };
  for (size_t i = 0; i < N(props); i++) {
    char *patch = xasprintf("{\"linux\": {\"rootfsPropagation\": \"%s\"}}", props[i].name);
    struct rt_config *c = must_parse(patch);
    assert_int_equal(c->rootfs_propagation, props[i].flags);
    config_free(c);
    free(patch);
  }
  struct rt_config *c = must_parse(
      "{\"linux\": {\"cgroupsPath\": \"/myRuntime/myContainer\","
      " \"maskedPaths\": [\"/proc/kcore\"], \"readonlyPaths\": [\"/proc/sys\", \"/proc/bus\"],"
      " \"resources\": {\"pids\": {\"limit\": 32}}},"
      " \"annotations\": {\"com.example.key1\": \"value1\", \"com.example.key2\": \"\"}}");
  assert_string_equal(c->cgroups_path, "/myRuntime/myContainer");
  assert_string_equal(c->masked_paths[0], "/proc/kcore");
  assert_null(c->masked_paths[1]);
  assert_string_equal(c->readonly_paths[1], "/proc/bus");
  assert_non_null(c->resources);
  assert_int_equal(json_integer_value(json_object_get(json_object_get(c->resources, "pids"),
                                                      "limit")),
                   32);
  assert_non_null(c->annotations);
  assert_string_equal(json_string_value(json_object_get(c->annotations, "com.example.key1")),
                      "value1");
  config_free(c);
}

/* ----------------------------------------------------- the err argument */

/* err_set() accepts a NULL err (err.c), so config_parse(..., NULL) is a
 * legal call; it must still refuse what it refuses with an err. */
static void test_null_err_still_refuses(void **state) {
  (void)state;
  static const char *const patches[] = {
      "{\"hooks\": 5}",
      "{\"linux\": {\"uidMappings\": 5}}",
      "{\"linux\": {\"timeOffsets\": 5}}",
      "{\"linux\": {\"devices\": 5}}",
      "{\"linux\": {\"sysctl\": 5}}",
      "{\"linux\": {\"personality\": 5}}",
      "{\"process\": {\"rlimits\": 5}}",
      "{\"process\": {\"ioPriority\": 5}}",
      "{\"process\": {\"scheduler\": 5}}",
      "{\"process\": {\"consoleSize\": 5}}",
      "{\"mounts\": [{\"destination\": \"/x\", \"source\": \"/y\", \"options\": [\"bind\", "
      "\"idmap\"], \"uidMappings\": 5}]}",
  };
  for (size_t i = 0; i < N(patches); i++) {
    /* Refused with an err... */
    tote_err *err = NULL;
    struct rt_config *c = parse_patch(patches[i], &err);
    assert_null(c);
    assert_non_null(err);
    err_free(&err);
    /* ...and without one. */
    c = parse_patch(patches[i], NULL);
    if (c != NULL) {
      config_free(c);
      fail_msg("config_parse(%s, err = NULL) accepted it", patches[i]);
    }
  }
}

/* A stale error left in *err by the caller must not turn a valid config
 * into a failure (or leak). */
static void test_stale_err_ignored(void **state) {
  (void)state;
  tote_err *err = NULL;
  err_set(&err, 0, "an earlier error");
  struct rt_config *c = parse_patch(NULL, &err);
  if (c == NULL) {
    char msg[512];
    snprintf(msg, sizeof msg, "%s", err ? err->msg : "(none)");
    err_free(&err);
    fail_msg("valid config refused because *err was already set: %s", msg);
  }
  config_free(c);
  err_free(&err);
}

/* --------------------------------------------------- standalone process */

static void test_parse_process(void **state) {
  (void)state;
  json_t *obj = json_loads("{\"args\": [\"ls\", \"-l\"], \"cwd\": \"/srv\", \"env\": [\"A=b\"],"
                           " \"user\": {\"uid\": 5, \"gid\": 6}, \"terminal\": false}",
                           0, NULL);
  assert_non_null(obj);
  struct rt_process p = {0};
  tote_err *err = NULL;
  assert_int_equal(config_parse_process(obj, &p, "process", &err), 0);
  assert_null(err);
  assert_string_equal(p.args[1], "-l");
  assert_string_equal(p.cwd, "/srv");
  assert_int_equal(p.user.uid, 5);
  config_free_process_fields(&p);
  json_decref(obj);

  obj = json_loads("{\"args\": [\"ls\"]}", 0, NULL);
  memset(&p, 0, sizeof p);
  assert_int_equal(config_parse_process(obj, &p, "process", &err), -1);
  assert_non_null(strstr(err->msg, "process.cwd is required"));
  err_free(&err);
  config_free_process_fields(&p);
  json_decref(obj);

  obj = json_loads("[1]", 0, NULL);
  memset(&p, 0, sizeof p);
  assert_int_equal(config_parse_process(obj, &p, "process.json", &err), -1);
  assert_string_equal(err->msg, "process.json must be an object");
  err_free(&err);
  config_free_process_fields(&p);
  json_decref(obj);
}

/* ------------------------------------------------------------- idmap_format */

static void test_idmap_format(void **state) {
  (void)state;
  char *s = idmap_format(NULL, 0);
  assert_string_equal(s, "");
  free(s);
  struct rt_idmap one = {0, 1000, 1};
  s = idmap_format(&one, 1);
  assert_string_equal(s, "0 1000 1\n");
  free(s);
  struct rt_idmap many[] = {{0, 1000, 1}, {1, 100000, 65536}, {UINT32_MAX, UINT32_MAX, UINT32_MAX}};
  s = idmap_format(many, 3);
  assert_string_equal(s, "0 1000 1\n1 100000 65536\n4294967295 4294967295 4294967295\n");
  free(s);
}

/* ------------------------------------------------------------------- main */

int main(void) {
  const struct CMUnitTest fields[] = {
      cmocka_unit_test(test_minimal_config),
      cmocka_unit_test(test_no_process),
      cmocka_unit_test(test_runc_spec),
      cmocka_unit_test(test_process_fields),
      cmocka_unit_test(test_linux_fields),
      cmocka_unit_test(test_parse_process),
      cmocka_unit_test(test_namespace_types),
      cmocka_unit_test(test_namespaces_all),
      cmocka_unit_test(test_user_mappings),
      cmocka_unit_test(test_time_offsets),
      cmocka_unit_test(test_hostname),
      cmocka_unit_test(test_rlimit_names),
      cmocka_unit_test(test_rlimits_all),
      cmocka_unit_test(test_rlimit_large_real),
      cmocka_unit_test(test_rlimit_infinity),
      cmocka_unit_test(test_cap_names),
      cmocka_unit_test(test_cap_names_trailing_garbage),
      cmocka_unit_test(test_caps_sets),
      cmocka_unit_test(test_mount_options_in_config),
      cmocka_unit_test(test_mount_option_names),
      cmocka_unit_test(test_mount_option_sequences),
      cmocka_unit_test(test_mount_fields),
      cmocka_unit_test(test_mount_idmap),
      cmocka_unit_test(test_sysctl_values),
      cmocka_unit_test(test_devices),
      cmocka_unit_test(test_device_null_fields),
      cmocka_unit_test(test_personality),
      cmocka_unit_test(test_io_priority),
      cmocka_unit_test(test_scheduler_policies),
      cmocka_unit_test(test_scheduler_fields),
      cmocka_unit_test(test_hooks),
      cmocka_unit_test(test_null_err_still_refuses),
      cmocka_unit_test(test_stale_err_ignored),
      cmocka_unit_test(test_idmap_format),
  };
  int failed = cmocka_run_group_tests_name("config fields", fields, NULL, NULL);
  failed += run_table("required fields", required_cases, N(required_cases), run_patch_case);
  failed += run_table("types", type_cases, N(type_cases), run_patch_case);
  failed += run_table("refused fields", refused_cases, N(refused_cases), run_patch_case);
  failed += run_table("unknown keys", unknown_key_cases, N(unknown_key_cases), run_patch_case);
  failed += run_table("raw text", raw_cases, N(raw_cases), run_raw_case);
  failed += run_table("namespaces", ns_cases, N(ns_cases), run_patch_case);
  failed += run_table("rlimits", rlimit_cases, N(rlimit_cases), run_patch_case);
  failed += run_table("mounts", mount_cases, N(mount_cases), run_patch_case);
  failed += run_table("sysctl", sysctl_cases, N(sysctl_cases), run_patch_case);
  failed += run_table("devices", device_cases, N(device_cases), run_patch_case);
  failed += run_table("personality", personality_cases, N(personality_cases), run_patch_case);
  failed += run_table("ioPriority", ioprio_cases, N(ioprio_cases), run_patch_case);
  failed += run_table("scheduler", sched_cases, N(sched_cases), run_patch_case);
  failed += run_table("hooks", hook_cases, N(hook_cases), run_patch_case);

  struct CMUnitTest *opts = xcalloc_array(N(mount_rows), sizeof *opts);
  for (size_t i = 0; i < N(mount_rows); i++) {
    opts[i].name = mount_rows[i].opt;
    opts[i].test_func = run_mount_row;
    opts[i].initial_state = (void *)&mount_rows[i];
  }
  failed += _cmocka_run_group_tests("mount options", opts, N(mount_rows), NULL, NULL);
  free(opts);
  return failed ? 1 : 0;
}
