/* config_seccomp.c - linux.seccomp of config.json, checked field by field.
 *
 * Every action, architecture, flag and operator of config-linux.md is
 * decoded here; what libseccomp on this machine does not know is refused
 * with the name of the field.  Syscall names stay strings: one that
 * libseccomp does not know is skipped when the filter is built, as runc
 * does. */
#include <errno.h>
#include <jansson.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>

#include "runtime/config.h"
#include "runtime/config_internal.h"
#include "util/err.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

static const char *const action_names[] = {
    [RT_SCMP_KILL_THREAD] = "SCMP_ACT_KILL_THREAD", [RT_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [RT_SCMP_TRAP] = "SCMP_ACT_TRAP",               [RT_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
    [RT_SCMP_TRACE] = "SCMP_ACT_TRACE",             [RT_SCMP_ALLOW] = "SCMP_ACT_ALLOW",
    [RT_SCMP_LOG] = "SCMP_ACT_LOG",                 [RT_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

const char *rt_scmp_action_name(enum rt_scmp_action a) { return action_names[a]; }

static const struct { const char *name; unsigned flag; } flags[] = {
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

static const struct { const char *name; int op; } ops[] = {
    {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
};

/* The spec's architectures that libseccomp here can build a filter for. */
static const char *const arches[] = {
    "SCMP_ARCH_X86",      "SCMP_ARCH_X86_64",  "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
    "SCMP_ARCH_AARCH64",  "SCMP_ARCH_MIPS",    "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
    "SCMP_ARCH_MIPSEL",   "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
    "SCMP_ARCH_PPC64",    "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
    "SCMP_ARCH_PARISC",   "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *rt_scmp_flag_name(size_t i) { return i < COUNT(flags) ? flags[i].name : NULL; }
unsigned rt_scmp_flag_value(size_t i) { return i < COUNT(flags) ? flags[i].flag : 0; }
const char *rt_scmp_op_name(size_t i) { return i < COUNT(ops) ? ops[i].name : NULL; }
const char *rt_scmp_arch_name(size_t i) { return i < COUNT(arches) ? arches[i] : NULL; }

static int parse_action(json_t *obj, const char *key, const char *where, enum rt_scmp_action *out,
                        tote_err **err) {
  _cleanup_free_ char *name = NULL;
  if (jx_require(obj, key, where, err) < 0 || jx_str(obj, key, where, &name, err) < 0)
    return -1;
  if (strcmp(name, "SCMP_ACT_KILL") == 0) { /* libseccomp's KILL kills the thread */
    *out = RT_SCMP_KILL_THREAD;
    return 0;
  }
  for (size_t i = 0; i < COUNT(action_names); i++)
    if (strcmp(name, action_names[i]) == 0) {
      *out = (enum rt_scmp_action)i;
      return 0;
    }
  return err_set(err, 0, "%s.%s: unknown action %s", where, key, name);
}

/* errnoRet / defaultErrnoRet: only ERRNO and TRACE take one (config-linux.md). */
static int parse_errno(json_t *obj, const char *key, const char *where, enum rt_scmp_action a,
                       uint32_t *out, tote_err **err) {
  *out = EPERM;
  if (!jx_present(obj, key))
    return 0;
  if (a != RT_SCMP_ERRNO && a != RT_SCMP_TRACE)
    return err_set(err, 0, "%s.%s: %s takes no errno (only SCMP_ACT_ERRNO and SCMP_ACT_TRACE do)",
                   where, key, action_names[a]);
  if (jx_u32(obj, key, where, out, err) < 0)
    return -1;
  if (*out > 0xffff) /* SECCOMP_RET_DATA */
    return err_set(err, 0, "%s.%s: %u is too large for an errno", where, key, *out);
  return 0;
}

static int parse_arches(json_t *sc, struct rt_seccomp *s, tote_err **err) {
  _cleanup_strv_ char **names = NULL;
  if (jx_strv(sc, "architectures", "linux.seccomp", &names, err) < 0)
    return -1;
  size_t n = names ? strv_len(names) : 0;
  s->arches = xcalloc_array(n ? n : 1, sizeof *s->arches);
  for (size_t i = 0; i < n; i++) {
    size_t k = 0;
    while (k < COUNT(arches) && strcmp(names[i], arches[k]) != 0)
      k++;
    if (k == COUNT(arches))
      return err_set(err, 0, "linux.seccomp.architectures: %s is not supported (libseccomp %u.%u "
                             "here knows SCMP_ARCH_X86 ... SCMP_ARCH_RISCV64)",
                     names[i], SCMP_VER_MAJOR, SCMP_VER_MINOR);
    /* "SCMP_ARCH_X86_64" -> "x86_64": libseccomp's own name */
    char lower[32];
    size_t j = 0;
    for (const char *p = names[i] + strlen("SCMP_ARCH_"); *p && j < sizeof lower - 1; p++)
      lower[j++] = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
    lower[j] = '\0';
    uint32_t token = seccomp_arch_resolve_name(lower);
    if (token == 0)
      return err_set(err, 0, "linux.seccomp.architectures: libseccomp does not know %s", names[i]);
    s->arches[s->n_arches++] = token;
  }
  return 0;
}

static int parse_flags(json_t *sc, struct rt_seccomp *s, tote_err **err) {
  _cleanup_strv_ char **names = NULL;
  if (jx_strv(sc, "flags", "linux.seccomp", &names, err) < 0)
    return -1;
  for (size_t i = 0; names && names[i]; i++) {
    size_t k = 0;
    while (k < COUNT(flags) && strcmp(names[i], flags[k].name) != 0)
      k++;
    if (k == COUNT(flags))
      return err_set(err, 0, "linux.seccomp.flags: unknown flag %s", names[i]);
    s->flags |= flags[k].flag;
  }
  return 0;
}

static int parse_arg(json_t *a, const char *where, struct rt_seccomp_arg *out, tote_err **err) {
  if (!json_is_object(a))
    return err_set(err, 0, "%s must be an object", where);
  _cleanup_free_ char *op = NULL;
  if (jx_require(a, "index", where, err) < 0 || jx_require(a, "value", where, err) < 0 ||
      jx_require(a, "op", where, err) < 0 || jx_u32(a, "index", where, &out->index, err) < 0 ||
      jx_u64(a, "value", where, &out->value, err) < 0 ||
      jx_u64(a, "valueTwo", where, &out->value_two, err) < 0 || jx_str(a, "op", where, &op, err) < 0)
    return -1;
  if (out->index > 5)
    return err_set(err, 0, "%s.index: %u is past the last syscall argument (5)", where, out->index);
  size_t k = 0;
  while (k < COUNT(ops) && strcmp(op, ops[k].name) != 0)
    k++;
  if (k == COUNT(ops))
    return err_set(err, 0, "%s.op: unknown operator %s", where, op);
  out->op = ops[k].op;
  return 0;
}

static int parse_rule(json_t *r, const char *where, struct rt_seccomp_rule *out, tote_err **err) {
  if (!json_is_object(r))
    return err_set(err, 0, "%s must be an object", where);
  json_t *args;
  if (jx_require(r, "names", where, err) < 0 || jx_strv(r, "names", where, &out->names, err) < 0 ||
      parse_action(r, "action", where, &out->action, err) < 0 ||
      parse_errno(r, "errnoRet", where, out->action, &out->errno_ret, err) < 0 ||
      jx_arr(r, "args", where, &args, err) < 0)
    return -1;
  if (out->names[0] == NULL)
    return err_set(err, 0, "%s.names must name at least one syscall", where);
  if (out->action == RT_SCMP_NOTIFY)
    for (char **n = out->names; *n; n++)
      if (strcmp(*n, "sendmsg") == 0) /* the notify fd itself goes out by sendmsg */
        return err_set(err, 0, "%s: SCMP_ACT_NOTIFY cannot be used for sendmsg", where);
  size_t n = args ? json_array_size(args) : 0;
  out->args = xcalloc_array(n ? n : 1, sizeof *out->args);
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *w = jx_index_path(where, "args", i);
    if (parse_arg(json_array_get(args, i), w, &out->args[i], err) < 0)
      return -1;
    out->n_args++;
  }
  return 0;
}

static int parse_rules(json_t *sc, struct rt_seccomp *s, tote_err **err) {
  json_t *rules;
  if (jx_arr(sc, "syscalls", "linux.seccomp", &rules, err) < 0)
    return -1;
  size_t n = rules ? json_array_size(rules) : 0;
  s->rules = xcalloc_array(n ? n : 1, sizeof *s->rules);
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *w = jx_index_path("linux.seccomp", "syscalls", i);
    int r = parse_rule(json_array_get(rules, i), w, &s->rules[i], err);
    s->n_rules++;
    if (r < 0)
      return -1;
    s->notify |= s->rules[i].action == RT_SCMP_NOTIFY;
  }
  return 0;
}

static int parse(json_t *sc, struct rt_seccomp *s, tote_err **err) {
  if (parse_action(sc, "defaultAction", "linux.seccomp", &s->default_action, err) < 0 ||
      parse_errno(sc, "defaultErrnoRet", "linux.seccomp", s->default_action, &s->default_errno,
                  err) < 0 ||
      parse_arches(sc, s, err) < 0 || parse_flags(sc, s, err) < 0 ||
      jx_str(sc, "listenerPath", "linux.seccomp", &s->listener_path, err) < 0 ||
      jx_str(sc, "listenerMetadata", "linux.seccomp", &s->listener_metadata, err) < 0 ||
      parse_rules(sc, s, err) < 0)
    return -1;
  if (s->default_action == RT_SCMP_NOTIFY)
    return err_set(err, 0, "linux.seccomp.defaultAction cannot be SCMP_ACT_NOTIFY: the runtime "
                           "itself could not hand the listener its fd");
  if (s->listener_metadata && s->listener_path == NULL)
    return err_set(err, 0, "linux.seccomp.listenerMetadata needs linux.seccomp.listenerPath");
  if (s->notify && (s->listener_path == NULL || *s->listener_path == '\0'))
    return err_set(err, 0, "linux.seccomp: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath, "
                           "the socket of the seccomp agent");
  if (s->listener_path && *s->listener_path && s->listener_path[0] != '/')
    return err_set(err, 0, "linux.seccomp.listenerPath must be an absolute path, not %s",
                   s->listener_path);
  return 0;
}

int config_parse_seccomp(json_t *sc, struct rt_seccomp **out, tote_err **err) {
  if (sc == NULL)
    return 0;
  struct rt_seccomp *s = xzalloc(sizeof *s);
  if (parse(sc, s, err) < 0) {
    config_seccomp_free(s);
    return -1;
  }
  *out = s;
  return 0;
}

void config_seccomp_free(struct rt_seccomp *s) {
  if (s == NULL)
    return;
  for (size_t i = 0; i < s->n_rules; i++) {
    strv_free(s->rules[i].names);
    free(s->rules[i].args);
  }
  free(s->rules);
  free(s->arches);
  free(s->listener_path);
  free(s->listener_metadata);
  free(s);
}
