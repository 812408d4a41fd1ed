/* config_mounts.c - "mounts" of config.json and the Linux mount options table. */
#include <errno.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/mount.h>

#include "runtime/config.h"
#include "util/err.h"
#include "util/jsonx.h"
#include "util/xalloc.h"

enum opt_kind {
  OPT_FLAG, OPT_CLEAR, OPT_PROP, OPT_REC_SET, OPT_REC_CLR, OPT_REC_ATIME, OPT_IGNORE, OPT_IDMAP
};

struct mount_opt {
  const char *name;
  enum opt_kind kind;
  unsigned long value;
};

/* mount(8)'s filesystem-independent options plus the spec's propagation and
 * recursive (mount_setattr AT_RECURSIVE) variants. */
static const struct mount_opt mount_opts[] = {
    {"async", OPT_CLEAR, MS_SYNCHRONOUS},
    {"atime", OPT_CLEAR, MS_NOATIME},
    {"bind", OPT_FLAG, MS_BIND},
    {"defaults", OPT_IGNORE, 0},
    {"dev", OPT_CLEAR, MS_NODEV},
    {"diratime", OPT_CLEAR, MS_NODIRATIME},
    {"dirsync", OPT_FLAG, MS_DIRSYNC},
    {"exec", OPT_CLEAR, MS_NOEXEC},
    {"iversion", OPT_FLAG, MS_I_VERSION},
    {"lazytime", OPT_FLAG, MS_LAZYTIME},
    {"loud", OPT_CLEAR, MS_SILENT},
    {"mand", OPT_FLAG, MS_MANDLOCK},
    {"noatime", OPT_FLAG, MS_NOATIME},
    {"nodev", OPT_FLAG, MS_NODEV},
    {"nodiratime", OPT_FLAG, MS_NODIRATIME},
    {"noexec", OPT_FLAG, MS_NOEXEC},
    {"noiversion", OPT_CLEAR, MS_I_VERSION},
    {"nolazytime", OPT_CLEAR, MS_LAZYTIME},
    {"nomand", OPT_CLEAR, MS_MANDLOCK},
    {"norelatime", OPT_CLEAR, MS_RELATIME},
    {"nostrictatime", OPT_CLEAR, MS_STRICTATIME},
    {"nosuid", OPT_FLAG, MS_NOSUID},
    {"nosymfollow", OPT_FLAG, MS_NOSYMFOLLOW},
    {"private", OPT_PROP, MS_PRIVATE},
    {"ratime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
    {"rbind", OPT_FLAG, MS_BIND | MS_REC},
    {"rdev", OPT_REC_CLR, MOUNT_ATTR_NODEV},
    {"rdiratime", OPT_REC_CLR, MOUNT_ATTR_NODIRATIME},
    {"relatime", OPT_FLAG, MS_RELATIME},
    {"remount", OPT_FLAG, MS_REMOUNT},
    {"rexec", OPT_REC_CLR, MOUNT_ATTR_NOEXEC},
    {"rnoatime", OPT_REC_ATIME, MOUNT_ATTR_NOATIME},
    {"rnodev", OPT_REC_SET, MOUNT_ATTR_NODEV},
    {"rnodiratime", OPT_REC_SET, MOUNT_ATTR_NODIRATIME},
    {"rnoexec", OPT_REC_SET, MOUNT_ATTR_NOEXEC},
    {"rnorelatime", OPT_REC_ATIME, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
    {"rnosuid", OPT_REC_SET, MOUNT_ATTR_NOSUID},
    {"rnosymfollow", OPT_REC_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"ro", OPT_FLAG, MS_RDONLY},
    {"rprivate", OPT_PROP, MS_PRIVATE | MS_REC},
    {"rrelatime", OPT_REC_ATIME, MOUNT_ATTR_RELATIME},
    {"rro", OPT_REC_SET, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_REC_CLR, MOUNT_ATTR_RDONLY},
    {"rshared", OPT_PROP, MS_SHARED | MS_REC},
    {"rslave", OPT_PROP, MS_SLAVE | MS_REC},
    {"rstrictatime", OPT_REC_ATIME, MOUNT_ATTR_STRICTATIME},
    {"rsuid", OPT_REC_CLR, MOUNT_ATTR_NOSUID},
    {"rsymfollow", OPT_REC_CLR, MOUNT_ATTR_NOSYMFOLLOW},
    {"runbindable", OPT_PROP, MS_UNBINDABLE | MS_REC},
    {"rw", OPT_CLEAR, MS_RDONLY},
    {"shared", OPT_PROP, MS_SHARED},
    {"silent", OPT_FLAG, MS_SILENT},
    {"slave", OPT_PROP, MS_SLAVE},
    {"strictatime", OPT_FLAG, MS_STRICTATIME},
    {"suid", OPT_CLEAR, MS_NOSUID},
    {"symfollow", OPT_CLEAR, MS_NOSYMFOLLOW},
    {"sync", OPT_FLAG, MS_SYNCHRONOUS},
    {"unbindable", OPT_PROP, MS_UNBINDABLE},
    {"idmap", OPT_IDMAP, 0},
    {"ridmap", OPT_IDMAP, 1},
};

const char *config_mount_option_name(size_t i) {
  return i < sizeof mount_opts / sizeof mount_opts[0] ? mount_opts[i].name : NULL;
}

static const struct mount_opt *find_opt(const char *name) {
  for (size_t i = 0; i < sizeof mount_opts / sizeof mount_opts[0]; i++)
    if (strcmp(mount_opts[i].name, name) == 0)
      return &mount_opts[i];
  return NULL;
}

int config_mount_option(const char *opt, struct rt_mount *m, tote_err **err) {
  if (strcmp(opt, "tmpcopyup") == 0)
    return err_set(err, 0, "mount option tmpcopyup is not supported");
  const struct mount_opt *o = find_opt(opt);
  if (o == NULL)
    return 0;
  switch (o->kind) {
  case OPT_FLAG:
    m->flags |= o->value;
    m->clear &= ~o->value;
    break;
  case OPT_CLEAR:
    m->flags &= ~o->value;
    m->clear |= o->value;
    break;
  case OPT_PROP:
    m->propagation = o->value;
    break;
  case OPT_REC_SET:
    m->rec_attr_set |= o->value;
    m->rec_attr_clr &= ~o->value;
    if (o->value == MOUNT_ATTR_RDONLY)
      m->rro = true;
    break;
  case OPT_REC_CLR:
    m->rec_attr_clr |= o->value;
    m->rec_attr_set &= ~o->value;
    if (o->value == MOUNT_ATTR_RDONLY)
      m->rro = false;
    break;
  case OPT_REC_ATIME:
    /* mount_setattr changes atime as a whole: clear the field, set one mode
     * (MOUNT_ATTR_RELATIME is 0, so "relatime" is the clear alone). */
    m->rec_attr_clr |= MOUNT_ATTR__ATIME;
    m->rec_attr_set = (m->rec_attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | o->value;
    break;
  case OPT_IGNORE:
    break;
  case OPT_IDMAP:
    m->idmap = true;
    m->idmap_recursive = o->value != 0;
    break;
  }
  return 1;
}

static void append_data(char **data, const char *opt) {
  if (*data == NULL) {
    *data = xstrdup(opt);
    return;
  }
  char *joined = xasprintf("%s,%s", *data, opt);
  free(*data);
  *data = joined;
}

int config_parse_idmaps(json_t *obj, const char *key, const char *where, struct rt_idmap **out,
                        size_t *n, tote_err **err);

static int parse_mount(json_t *j, const char *where, struct rt_mount *m, tote_err **err) {
  if (!json_is_object(j))
    return err_set(err, 0, "%s must be an object", where);
  if (jx_str(j, "destination", where, &m->destination, err) < 0 ||
      jx_str(j, "source", where, &m->source, err) < 0 ||
      jx_str(j, "type", where, &m->type, err) < 0 ||
      jx_strv(j, "options", where, &m->options, err) < 0)
    return -1;
  if (m->destination == NULL || m->destination[0] == '\0')
    return err_set(err, 0, "%s.destination is required", where);
  if (m->destination[0] != '/') { /* deprecated relative form: relative to "/" */
    char *abs = xasprintf("/%s", m->destination);
    free(m->destination);
    m->destination = abs;
  }
  for (char **o = m->options; o && *o; o++) {
    int r = config_mount_option(*o, m, err);
    if (r < 0)
      return err_wrap(err, "%s (%s)", where, m->destination);
    if (r == 0)
      append_data(&m->data, *o);
  }
  if (config_parse_idmaps(j, "uidMappings", where, &m->uid_mappings, &m->n_uid_mappings, err) < 0 ||
      config_parse_idmaps(j, "gidMappings", where, &m->gid_mappings, &m->n_gid_mappings, err) < 0)
    return -1;
  if ((m->n_uid_mappings == 0) != (m->n_gid_mappings == 0))
    return err_set(err, 0, "%s (%s): uidMappings and gidMappings go together", where,
                   m->destination);
  if ((m->n_uid_mappings || m->n_gid_mappings) && !m->idmap)
    return err_set(err, 0, "%s (%s): uidMappings/gidMappings need the idmap or ridmap option",
                   where, m->destination);
  if ((m->flags & MS_BIND) && m->source == NULL)
    return err_set(err, 0, "%s (%s): a bind mount needs a source", where, m->destination);
  if (!(m->flags & MS_BIND) && m->type == NULL)
    return err_set(err, 0, "%s (%s): type is required unless the mount is a bind mount", where,
                   m->destination);
  return 0;
}

int config_parse_mounts(json_t *root, struct rt_config *c, tote_err **err) {
  json_t *arr;
  if (jx_arr(root, "mounts", "", &arr, err) < 0)
    return -1;
  if (arr == NULL)
    return 0;
  c->n_mounts = json_array_size(arr);
  c->mounts = xcalloc_array(c->n_mounts, sizeof *c->mounts);
  for (size_t i = 0; i < c->n_mounts; i++) {
    _cleanup_free_ char *where = jx_index_path("", "mounts", i);
    if (parse_mount(json_array_get(arr, i), where, &c->mounts[i], err) < 0)
      return -1;
  }
  return 0;
}

void config_free_mount(struct rt_mount *m) {
  free(m->destination);
  free(m->source);
  free(m->type);
  strv_free(m->options);
  free(m->data);
  free(m->uid_mappings);
  free(m->gid_mappings);
}
