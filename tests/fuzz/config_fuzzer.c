/* config_fuzzer.c - libFuzzer entry point for the config.json parser.
 *
 * Each input is fed to
 *   - config_parse() + config_free(): the whole config.json path;
 *   - json_loadb() + config_parse_process(): the standalone process parser
 *     (exec --process), on the whole document and, when the document has
 *     one, on its "process" member;
 *   - config_mount_option(): the bytes up to the first NUL, as one option.
 * Besides ASan/UBSan/LeakSanitizer findings, it aborts when the result
 * breaks what the parser promises: an error iff failure, errors prefixed by
 * the file name, and on success the invariants config.h documents (absolute
 * paths, args[0] present, soft <= hard...).
 *
 * TOTE_FUZZ_ORACLES=1 in the environment adds a differential check that
 * config_parse(..., err = NULL) fails exactly when it fails with an err (off
 * by default while the known NULL-err bug is open: see test_config.c,
 * test_null_err_still_refuses).
 *
 * Build: make fuzz.  Run: tests/fuzz/run.sh [SECONDS]. */
#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "runtime/config.h"
#include "util/err.h"

#define FUZZER "config_fuzzer"
#include "report.h"

static bool oracles;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer's -close_fd_mask=2 closes stderr after this runs; keep a copy
 * for the invariant messages. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  report_init();
  const char *o = getenv("TOTE_FUZZ_ORACLES");
  oracles = o != NULL && *o != '\0' && strcmp(o, "0") != 0;
  return 0;
}

static bool absolute(const char *p) { return p != NULL && p[0] == '/'; }

static void check_idmaps(const struct rt_idmap *m, size_t n, const char *what) {
  for (size_t i = 0; i < n; i++)
    if (m[i].size == 0)
      broken("%s[%zu].size is 0", what, i);
}

static void check_process(const struct rt_process *p) {
  if (p->args == NULL || p->args[0] == NULL || p->args[0][0] == '\0')
    broken("process.args[0] missing after success");
  if (!absolute(p->cwd))
    broken("process.cwd not absolute after success");
  if (p->env == NULL)
    broken("process.env NULL after success");
  for (size_t i = 0; i < p->n_rlimits; i++) {
    const struct rt_rlimit *r = &p->rlimits[i];
    if (r->resource < 0 || r->name == NULL)
      broken("rlimit %zu unresolved", i);
    if (r->soft > r->hard)
      broken("rlimit %s soft > hard", r->name);
    for (size_t k = 0; k < i; k++)
      if (p->rlimits[k].resource == r->resource)
        broken("rlimit %s twice", r->name);
  }
  if (p->has_io_priority && (p->io_priority < 0 || p->io_priority > 7))
    broken("ioPriority.priority %d out of range", p->io_priority);
  if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
    broken("oomScoreAdj %d out of range", p->oom_score_adj);
  if (p->user.umask & ~07777u)
    broken("umask has more than permission bits");
}

static void check_config(const struct rt_config *c) {
  if (c->oci_version == NULL || strncmp(c->oci_version, "1.", 2) != 0)
    broken("ociVersion %s accepted", c->oci_version ? c->oci_version : "(null)");
  if (c->root_path == NULL || c->root_path[0] == '\0')
    broken("root.path empty after success");
  for (size_t i = 0; i < c->n_mounts; i++) {
    const struct rt_mount *m = &c->mounts[i];
    if (!absolute(m->destination))
      broken("mounts[%zu].destination not absolute", i);
    if ((m->flags & MS_BIND) && m->source == NULL)
      broken("mounts[%zu]: bind without source", i);
    if (!(m->flags & MS_BIND) && m->type == NULL)
      broken("mounts[%zu]: no type and not bind", i);
    check_idmaps(m->uid_mappings, m->n_uid_mappings, "mount uidMappings");
    check_idmaps(m->gid_mappings, m->n_gid_mappings, "mount gidMappings");
  }
  if (c->has_process)
    check_process(&c->process);
  for (int t = 0; t < RT_NS_COUNT; t++)
    if (c->ns[t].path != NULL && (!c->ns[t].present || !absolute(c->ns[t].path)))
      broken("namespace %d path %s", t, c->ns[t].path);
  bool new_user = c->ns[RT_NS_USER].present && c->ns[RT_NS_USER].path == NULL;
  if (new_user != (c->n_uid_mappings > 0) || new_user != (c->n_gid_mappings > 0))
    broken("user namespace / mappings mismatch");
  check_idmaps(c->uid_mappings, c->n_uid_mappings, "linux.uidMappings");
  check_idmaps(c->gid_mappings, c->n_gid_mappings, "linux.gidMappings");
  bool new_time = c->ns[RT_NS_TIME].present && c->ns[RT_NS_TIME].path == NULL;
  if ((c->time_monotonic.present || c->time_boottime.present) && !new_time)
    broken("timeOffsets without a new time namespace");
  if (c->time_monotonic.nanosecs >= 1000000000u || c->time_boottime.nanosecs >= 1000000000u)
    broken("timeOffsets nanosecs out of range");
  if ((c->hostname || c->domainname) && !(c->ns[RT_NS_UTS].present && !c->ns[RT_NS_UTS].path))
    broken("hostname without a new uts namespace");
  for (size_t i = 0; i < c->n_devices; i++) {
    const struct rt_device *d = &c->devices[i];
    if (!absolute(d->path) || d->type == 0 || strchr("cbup", d->type) == NULL)
      broken("devices[%zu] path or type", i);
    if (d->file_mode & ~07777u)
      broken("devices[%zu].fileMode has more than permission bits", i);
  }
  for (size_t i = 0; i < c->n_sysctl; i++)
    if (c->sysctl[i].key == NULL || c->sysctl[i].value == NULL ||
        strchr(c->sysctl[i].key, '/') != NULL || strstr(c->sysctl[i].key, "..") != NULL)
      broken("sysctl %zu key", i);
  for (int k = 0; k < RT_HOOK_COUNT; k++)
    for (size_t i = 0; i < c->hooks.count[k]; i++)
      if (!absolute(c->hooks.list[k][i].path) || c->hooks.list[k][i].timeout < 0)
        broken("hook %d/%zu path or timeout", k, i);
}

static void check_err(bool failed, tote_err *err, const char *prefix) {
  if (failed && (err == NULL || err->msg == NULL))
    broken("%s failed without an error", prefix);
  if (!failed && err != NULL)
    broken("%s succeeded with an error: %s", prefix, err->msg);
  if (failed && strncmp(err->msg, prefix, strlen(prefix)) != 0)
    broken("error does not start with \"%s\": %s", prefix, err->msg);
}

static void fuzz_process(json_t *obj) {
  struct rt_process p;
  memset(&p, 0, sizeof p);
  tote_err *err = NULL;
  int r = config_parse_process(obj, &p, "process", &err);
  check_err(r < 0, err, "process");
  if (r == 0)
    check_process(&p);
  config_free_process_fields(&p);
  err_free(&err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *text = (const char *)data;

  tote_err *err = NULL;
  struct rt_config *c = config_parse(text, size, "config.json", &err);
  check_err(c == NULL, err, "config.json: ");
  if (c != NULL)
    check_config(c);
  if (oracles) {
    struct rt_config *c2 = config_parse(text, size, "config.json", NULL);
    if ((c2 == NULL) != (c == NULL))
      broken("config_parse %s the input with err = NULL but %s it with an err",
             c2 ? "accepted" : "refused", c ? "accepted" : "refused");
    config_free(c2);
  }
  config_free(c);
  err_free(&err);

  json_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES, NULL);
  if (root != NULL) {
    fuzz_process(root);
    json_t *p = json_is_object(root) ? json_object_get(root, "process") : NULL;
    if (p != NULL)
      fuzz_process(p);
    json_decref(root);
  }

  /* One mount option: the bytes up to the first NUL (at most 256). */
  char opt[257];
  size_t n = strnlen(text, size < 256 ? size : 256);
  memcpy(opt, text, n);
  opt[n] = '\0';
  struct rt_mount m;
  memset(&m, 0, sizeof m);
  int r = config_mount_option(opt, &m, &err);
  if ((r < 0) != (err != NULL) || r > 1)
    broken("config_mount_option(%s) = %d with err %p", opt, r, (void *)err);
  err_free(&err);
  return 0;
}
