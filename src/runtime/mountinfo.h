/* mountinfo.h - /proc/self/mountinfo, parsed.
 *
 * Used to find the parent mount of the rootfs (pivot_root refuses a shared
 * one) and the host's cgroup hierarchies.  Fields are unescaped ("\040" is a
 * space). */
#ifndef TOTE_RUNTIME_MOUNTINFO_H
#define TOTE_RUNTIME_MOUNTINFO_H

#include <stdbool.h>
#include <stddef.h>

struct tote_err;

struct mountinfo_entry {
  int id, parent;
  unsigned major, minor;
  char *root;       /* the path of the mounted tree inside its filesystem */
  char *mountpoint;
  char *options;    /* per-mount options: "rw,nosuid,relatime" */
  char *optional;   /* "shared:1 master:2", "" if none */
  char *fstype;
  char *source;
  char *super;      /* superblock options: "rw,cpu,cpuacct" */
};

struct mountinfo {
  struct mountinfo_entry *entries;
  size_t n;
};

/* Parse the text of a mountinfo file.  -1 with errno EINVAL on a bad line. */
int mountinfo_parse(const char *text, struct mountinfo *out);
/* Read and parse /proc/self/mountinfo. */
int mountinfo_read(struct mountinfo *out, struct tote_err **err);
void mountinfo_free(struct mountinfo *mi);

const struct mountinfo_entry *mountinfo_by_id(const struct mountinfo *mi, int id);
/* The topmost mount at mountpoint (the last one listed), or NULL. */
const struct mountinfo_entry *mountinfo_by_mountpoint(const struct mountinfo *mi,
                                                      const char *mountpoint);
/* Is `word` one of the comma-separated items of list? */
bool mountinfo_has_option(const char *list, const char *word);
/* Does the optional-fields string have a tag ("shared", "master")? */
bool mountinfo_has_tag(const char *optional, const char *tag);

#endif
