/* layer.c - unpacking layer archives safely, by chain id (see layer.h).
 *
 * Every entry is written with *at() calls relative to the layer directory:
 * its parent is opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS),
 * so neither "../" nor a symlink planted by an earlier entry can lead a
 * write outside.  Ownership, modes, times and xattrs are kept. */
#include "image/layer.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "image/archive_lib.h"
#include "image/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/log.h"
#include "util/rootless.h"
#include "util/xalloc.h"

#define WHITEOUT ".wh."
#define OPAQUE ".wh..wh..opq"

void img_chain_id(const char *parent, const char *diff_id, char out[IMG_DIGEST_LEN + 1]) {
  if (parent == NULL || *parent == '\0') {
    snprintf(out, IMG_DIGEST_LEN + 1, "%s", diff_id);
    return;
  }
  _cleanup_free_ char *s = xasprintf("%s %s", parent, diff_id);
  img_digest_of(s, strlen(s), out);
}

/* ---- names ---- */

/* "./a/b/" -> "a/b"; NULL (with err) for an absolute name or a ".."
 * component; "" for the layer's root. */
static char *clean_name(const char *name, tote_err **err) {
  if (name[0] == '/')
    return err_set(err, 0, "entry \"%s\" has an absolute name", name), NULL;
  char *out = xzalloc(strlen(name) + 1), *o = out;
  const char *p = name;
  while (*p) {
    size_t n = strcspn(p, "/");
    if (n == 2 && p[0] == '.' && p[1] == '.') {
      free(out);
      return err_set(err, 0, "entry \"%s\" climbs out with \"..\"", name), NULL;
    }
    if (n > 0 && !(n == 1 && p[0] == '.')) {
      if (o != out)
        *o++ = '/';
      memcpy(o, p, n);
      o += n;
    }
    p += n;
    while (*p == '/')
      p++;
  }
  *o = '\0';
  return out;
}

static int open_beneath(int dirfd, const char *path, int flags, tote_err **err) {
  struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC,
                         .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                    RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV};
  int fd = (int)syscall(SYS_openat2, dirfd, *path ? path : ".", &how, sizeof how);
  if (fd < 0) {
    if (errno == ELOOP || errno == EXDEV)
      return err_set(err, 0, "\"%s\" goes through a symlink or out of the layer", path);
    return err_sys(err, "opening \"%s\" in the layer", path);
  }
  return fd;
}

/* The directory that will hold name (made, with its parents, where the
 * archive did not list them), and name's last component in *base.  One
 * component at a time, each made and opened relative to the one before it,
 * never through a symlink: mkdirat on a path would follow a symlink an
 * earlier entry planted in the middle of it, and make directories outside
 * the layer. */
static int open_parent(int dirfd, char *name, const char **base, tote_err **err) {
  char *slash = strrchr(name, '/');
  *base = slash ? slash + 1 : name;
  int cur = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (cur < 0)
    return err_sys(err, "opening the layer directory");
  for (char *p = name; slash && p < slash;) {
    size_t n = strcspn(p, "/");
    char comp[NAME_MAX + 1];
    if (n > NAME_MAX) {
      close(cur);
      return err_set(err, 0, "entry \"%s\" has a name component longer than %d bytes", name,
                     NAME_MAX);
    }
    memcpy(comp, p, n);
    comp[n] = '\0';
    if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
      int e = errno;
      close(cur);
      errno = e;
      return err_sys(err, "creating directory \"%.*s\" in the layer", (int)(p - name + n), name);
    }
    int next = open_beneath(cur, comp, O_PATH | O_DIRECTORY, err);
    close(cur);
    if (next < 0)
      return err_wrap(err, "\"%s\"", name);
    cur = next;
    p += n + 1;
  }
  return cur;
}

/* Rootless: what only the host's root may make is let go, with a note
 * once per kind — device nodes, trusted.* attributes, and file
 * capabilities and owners unless in the user's own namespace
 * (engine/userns.h), where root may set them — and overlayfs's markers are
 * the user.overlay.* ones (mounted with userxattr). */
enum { NOTE_DEVICES = 1, NOTE_CAPS = 2, NOTE_TRUSTED = 4, NOTE_OWNERS = 8 };

static void rootless_note(unsigned kind, const char *what, const char *name) {
  static unsigned said;
  if (said & kind)
    return;
  said |= kind;
  log_warn("not root: %s skipped (the first: \"%s\")", what, name);
}

/* ---- one entry ---- */

/* The entry's data into fd.  1: the data is whole but the archive stops
 * right after it, without the padding and end blocks tar puts there (some
 * layer writers do that; the layer's digest vouches for its bytes). */
static int copy_data(struct archive *a, int fd, la_int64_t size, const char *name,
                     tote_err **err) {
  const void *buf;
  size_t len;
  la_int64_t off, end = 0;
  int r;
  while ((r = archive_read_data_block(a, &buf, &len, &off)) == ARCHIVE_OK) {
    if (pwrite(fd, buf, len, off) != (ssize_t)len)
      return err_sys(err, "writing \"%s\"", name);
    if (off + (la_int64_t)len > end)
      end = off + (la_int64_t)len;
  }
  if (r == ARCHIVE_EOF)
    return 0;
  if (end >= size && strstr(archive_error_string(a) ? archive_error_string(a) : "", "Truncated"))
    return 1;
  return err_set(err, 0, "reading \"%s\": %s", name, archive_error_string(a));
}

/* The entry's xattrs (file capabilities among them).  A filesystem without
 * xattrs, and user.* on a symlink (which Linux does not allow), are let go;
 * any other failure names the entry and the attribute. */
static int set_xattrs(struct archive_entry *e, int pfd, const char *base, bool is_link,
                      const char *name, tote_err **err) {
  const char *xname;
  const void *xval;
  size_t xlen;
  archive_entry_xattr_reset(e);
  _cleanup_free_ char *path = xasprintf("/proc/self/fd/%d/%s", pfd, base);
  while (archive_entry_xattr_next(e, &xname, &xval, &xlen) == ARCHIVE_OK) {
    bool caps = strcmp(xname, "security.capability") == 0;
    if ((caps && geteuid() != 0) || (rootless() && strncmp(xname, "trusted.", 8) == 0)) {
      rootless_note(caps ? NOTE_CAPS : NOTE_TRUSTED,
                    caps ? "file capabilities" : "trusted.* attributes", name);
      continue;
    }
    int r = is_link ? lsetxattr(path, xname, xval, xlen, 0) : setxattr(path, xname, xval, xlen, 0);
    if (r == 0 || errno == ENOTSUP || (is_link && errno == EPERM))
      continue;
    return err_sys(err, "setting the extended attribute %s of \"%s\"", xname, name);
  }
  return 0;
}

/* The entry's owner: as root (the host's, or the user's namespace's, where
 * an id past the user's subordinate ranges is refused); a user without a
 * namespace keeps its own, with a note. */
static int set_owner(struct archive_entry *e, int pfd, const char *base, const char *name,
                     tote_err **err) {
  la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
  if (geteuid() != 0) {
    if (uid != 0 || gid != 0)
      rootless_note(NOTE_OWNERS, "owners other than root (no subordinate ids for you in "
                                 "/etc/subuid and /etc/subgid)", name);
    return 0;
  }
  if (fchownat(pfd, base, (uid_t)uid, (gid_t)gid, AT_SYMLINK_NOFOLLOW) == 0)
    return 0;
  if (errno == EINVAL && rootless())
    return err_set(err, 0, "the owner %lld:%lld of \"%s\" is past the ids mapped for you: give "
                           "your user larger ranges in /etc/subuid and /etc/subgid",
                   (long long)uid, (long long)gid, name);
  return err_sys(err, "setting the owner of \"%s\"", name);
}

static int set_meta(struct archive_entry *e, int pfd, const char *base, const char *name,
                    tote_err **err) {
  mode_t type = archive_entry_filetype(e);
  bool link = type == AE_IFLNK;
  if (set_owner(e, pfd, base, name, err) < 0)
    return -1;
  if (!link && fchmodat(pfd, base, archive_entry_perm(e) & 07777, 0) < 0)
    return err_sys(err, "setting the mode of \"%s\"", name);
  if (set_xattrs(e, pfd, base, link, name, err) < 0)
    return -1;
  struct timespec ts[2] = {{archive_entry_atime(e), archive_entry_atime_nsec(e)},
                           {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
  if (!archive_entry_atime_is_set(e))
    ts[0] = ts[1];
  utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW);
  return 0;
}

/* Remove what is at base (not a directory that stays a directory). */
static int make_room(int pfd, const char *base, bool want_dir, const char *name,
                     tote_err **err) {
  struct stat st;
  if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return 0;
  if (S_ISDIR(st.st_mode) && want_dir)
    return 0;
  if (unlinkat(pfd, base, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) < 0)
    return err_sys(err, "replacing \"%s\"", name);
  return 0;
}

static int whiteout(int pfd, const char *base, const char *name, tote_err **err) {
  if (strcmp(base, OPAQUE) == 0) {
    _cleanup_free_ char *dir = xasprintf("/proc/self/fd/%d", pfd);
    const char *attr = rootless() ? "user.overlay.opaque" : "trusted.overlay.opaque";
    if (setxattr(dir, attr, "y", 1, 0) < 0)
      return err_sys(err, "marking the directory of \"%s\" opaque", name);
    return 0;
  }
  const char *target = base + strlen(WHITEOUT);
  if (*target == '\0' || strcmp(target, ".") == 0 || strcmp(target, "..") == 0)
    return err_set(err, 0, "entry \"%s\" is a whiteout of nothing", name);
  if (make_room(pfd, target, false, name, err) < 0)
    return -1;
  if (mknodat(pfd, target, S_IFCHR | 0000, makedev(0, 0)) < 0)
    return err_sys(err, "making the whiteout of \"%s\"", name);
  return 0;
}

static int hardlink(int dirfd, int pfd, const char *base, const char *target, const char *name,
                    tote_err **err) {
  _cleanup_free_ char *t = clean_name(target, err);
  if (t == NULL)
    return err_wrap(err, "the hard link \"%s\"", name);
  const char *tbase;
  _cleanup_close_ int tfd = open_parent(dirfd, t, &tbase, err);
  if (tfd < 0)
    return err_wrap(err, "the hard link \"%s\"", name);
  if (linkat(tfd, tbase, pfd, base, 0) < 0)
    return err_sys(err, "linking \"%s\" to \"%s\"", name, target);
  return 0;
}

/* Directories' times, set once everything is in them: each file created
 * inside a directory moves its mtime again. */
struct dir_times {
  char **names;
  struct timespec (*ts)[2];
  size_t n;
};

static void dir_times_add(struct dir_times *d, const char *name, const struct timespec ts[2]) {
  d->names = xrealloc(d->names, (d->n + 1) * sizeof *d->names);
  d->ts = xrealloc(d->ts, (d->n + 1) * sizeof *d->ts);
  d->names[d->n] = xstrdup(name);
  memcpy(d->ts[d->n], ts, 2 * sizeof *ts);
  d->n++;
}

static void dir_times_apply(struct dir_times *d, int dirfd) {
  for (size_t i = 0; i < d->n; i++) {
    const char *base;
    int pfd = open_parent(dirfd, d->names[i], &base, NULL);
    if (pfd >= 0) {
      utimensat(pfd, base, d->ts[i], AT_SYMLINK_NOFOLLOW);
      close(pfd);
    }
    free(d->names[i]);
  }
  free(d->names);
  free(d->ts);
}

static int extract_entry(struct archive *a, struct archive_entry *e, int dirfd,
                         struct dir_times *times, tote_err **err) {
  const char *raw = archive_entry_pathname(e);
  if (raw == NULL)
    raw = archive_entry_pathname_utf8(e);
  _cleanup_free_ char *name = clean_name(raw ? raw : "", err);
  if (name == NULL)
    return -1;
  if (*name == '\0')
    return 0; /* the layer's root: its metadata is not the image's to set */
  const char *base;
  _cleanup_close_ int pfd = open_parent(dirfd, name, &base, err);
  if (pfd < 0)
    return -1;
  if (strncmp(base, WHITEOUT, strlen(WHITEOUT)) == 0)
    return whiteout(pfd, base, name, err);
  const char *hl = archive_entry_hardlink(e);
  if (hl == NULL)
    hl = archive_entry_hardlink_utf8(e);
  if (hl) {
    if (make_room(pfd, base, false, name, err) < 0)
      return -1;
    return hardlink(dirfd, pfd, base, hl, name, err);
  }
  mode_t type = archive_entry_filetype(e);
  bool truncated = false;
  if (make_room(pfd, base, type == AE_IFDIR, name, err) < 0)
    return -1;
  switch (type) {
  case AE_IFDIR:
    if (mkdirat(pfd, base, 0700) < 0 && errno != EEXIST)
      return err_sys(err, "creating directory \"%s\"", name);
    break;
  case AE_IFREG: {
    _cleanup_close_ int fd =
        openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
      return err_sys(err, "creating \"%s\"", name);
    int c = copy_data(a, fd, archive_entry_size(e), name, err);
    if (c < 0)
      return -1;
    if (ftruncate(fd, archive_entry_size(e)) < 0)
      return err_sys(err, "writing \"%s\"", name);
    if (c == 1)
      truncated = true;
    break;
  }
  case AE_IFLNK: {
    const char *target = archive_entry_symlink(e);
    if (target == NULL)
      target = archive_entry_symlink_utf8(e);
    if (symlinkat(target ? target : "", pfd, base) < 0)
      return err_sys(err, "creating symlink \"%s\"", name);
    break;
  }
  case AE_IFCHR:
  case AE_IFBLK:
    if (rootless()) {
      rootless_note(NOTE_DEVICES, "device nodes", name);
      return 0;
    }
    /* fall through */
  case AE_IFIFO:
    if (mknodat(pfd, base, type | (archive_entry_perm(e) & 07777), archive_entry_rdev(e)) < 0)
      return err_sys(err, "creating device or fifo \"%s\"", name);
    break;
  default:
    return err_set(err, 0, "entry \"%s\" is of a type a layer cannot hold", name);
  }
  if (set_meta(e, pfd, base, name, err) < 0)
    return -1;
  if (truncated)
    return 1;
  if (type == AE_IFDIR) {
    struct timespec ts[2] = {{archive_entry_atime(e), archive_entry_atime_nsec(e)},
                             {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
    if (!archive_entry_atime_is_set(e))
      ts[0] = ts[1];
    dir_times_add(times, name, ts);
  }
  return 0;
}

/* img_layer_extract_fd; *bytes gets the size of the regular files written
 * (what the layer takes on disk, as docker counts an image's size). */
static int extract(int afd, int dirfd, const char *what, uint64_t *bytes, tote_err **err) {
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  int r = 0;
  if (archive_read_open_fd(a, afd, 65536) != ARCHIVE_OK) {
    r = err_set(err, 0, "%s is not a tar archive: %s", what, archive_error_string(a));
  } else {
    struct archive_entry *e;
    struct dir_times times = {0};
    int ar;
    /* ARCHIVE_WARN: a name libarchive cannot convert to this locale's
     * charset (UTF-8 names under LANG=C); Linux names are bytes, and the
     * entry holds them as they are */
    while (r == 0 && ((ar = archive_read_next_header(a, &e)) == ARCHIVE_OK || ar == ARCHIVE_WARN)) {
      if (archive_entry_filetype(e) == AE_IFREG && archive_entry_hardlink(e) == NULL &&
          archive_entry_size(e) > 0)
        *bytes += (uint64_t)archive_entry_size(e);
      int x = extract_entry(a, e, dirfd, &times, err);
      if (x < 0)
        r = err_wrap(err, "%s", what);
      if (x == 1) { /* the archive ended after that entry's data */
        ar = ARCHIVE_EOF;
        break;
      }
    }
    if (r == 0 && ar != ARCHIVE_EOF)
      r = err_set(err, 0, "%s: a broken archive: %s", what, archive_error_string(a));
    dir_times_apply(&times, dirfd);
  }
  archive_read_free(a);
  return r;
}

int img_layer_extract_fd(int afd, int dirfd, const char *what, tote_err **err) {
  uint64_t bytes = 0;
  return extract(afd, dirfd, what, &bytes, err);
}

/* ---- by chain id ---- */

int img_layer_diff_id(int fd, char out[IMG_DIGEST_LEN + 1], const char *what, tote_err **err) {
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_raw(a);
  struct archive_entry *e;
  int r = 0;
  if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK ||
      archive_read_next_header(a, &e) != ARCHIVE_OK) {
    r = err_set(err, 0, "%s: %s", what, archive_error_string(a));
  } else {
    struct img_hasher *h = img_hasher_new();
    char buf[65536];
    la_ssize_t n;
    while ((n = archive_read_data(a, buf, sizeof buf)) > 0)
      img_hasher_update(h, buf, (size_t)n);
    if (n < 0)
      r = err_set(err, 0, "%s: %s", what, archive_error_string(a));
    img_hasher_final(h, out);
    img_hasher_free(h);
  }
  archive_read_free(a);
  return r;
}

const char *img_layer_compression(int fd) {
  unsigned char m[4] = {0};
  if (pread(fd, m, sizeof m, 0) < 2)
    return "";
  if (m[0] == 0x1f && m[1] == 0x8b)
    return "gzip";
  if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
    return "zstd";
  return "";
}

int64_t img_layer_size(struct img_store *s, const char *chain_id) {
  _cleanup_free_ char *path = xasprintf("%s/size", img_digest_hex(chain_id));
  _cleanup_free_ char *text = read_file_at(s->layersfd, path, NULL, NULL);
  char *end;
  long long v = text ? strtoll(text, &end, 10) : -1;
  return text && end != text && v >= 0 ? v : -1;
}

bool img_layer_exists(struct img_store *s, const char *chain_id) {
  return faccessat(s->layersfd, img_digest_hex(chain_id), F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

int img_layer_unpack(struct img_store *s, const char *blob, const char *diff_id,
                     const char *chain_id, tote_err **err) {
  const char *hex = img_digest_hex(chain_id);
  if (img_layer_exists(s, chain_id))
    return 0;
  _cleanup_free_ char *what = xasprintf("layer %s", blob);
  char got[IMG_DIGEST_LEN + 1];
  {
    _cleanup_close_ int fd = img_blob_open(s, blob, err);
    if (fd < 0 || img_layer_diff_id(fd, got, what, err) < 0)
      return -1;
  }
  if (strcmp(got, diff_id) != 0)
    return err_set(err, 0, "%s: its content is %s, the image config says %s", what, got,
                   diff_id);
  char tmp[32];
  img_tmp_name("layer", tmp, sizeof tmp);
  if (mkdirat(s->tmpfd, tmp, 0700) < 0)
    return err_sys(err, "creating %s/tmp/%s", s->root, tmp);
  int r = -1;
  _cleanup_close_ int tfd = openat(s->tmpfd, tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (tfd >= 0 && mkdirat(tfd, "fs", 0755) == 0) {
    _cleanup_close_ int fsfd = openat(tfd, "fs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    _cleanup_close_ int afd = img_blob_open(s, blob, err);
    uint64_t bytes = 0;
    char size[32];
    int n = 0;
    if (fsfd >= 0 && afd >= 0 && extract(afd, fsfd, what, &bytes, err) == 0 &&
        (n = snprintf(size, sizeof size, "%llu\n", (unsigned long long)bytes)) > 0 &&
        write_file_at(tfd, "size", size, (size_t)n, 0644, err) == 0)
      r = 0;
  } else {
    err_sys(err, "preparing %s/tmp/%s", s->root, tmp);
  }
  /* Not flushed before the rename: the files of a layer are data, not
   * metadata, and a flush of the filesystem here cost a pull seconds under
   * load (docker and podman do not flush layers either). */
  if (r == 0 && renameat(s->tmpfd, tmp, s->layersfd, hex) == 0)
    return 0;
  if (r == 0)
    err_sys(err, "storing %s as %s/layers/%s", what, s->root, hex);
  remove_tree_at(s->tmpfd, tmp);
  return -1;
}
