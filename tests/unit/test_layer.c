/* test_layer.c - unit tests of layer unpacking (image/layer.c): archives
 * built in memory with libarchive, good and hostile, unpacked into a
 * scratch directory; and the store's checks around it (diff id, chain id). */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "image/layer.h"
#include "image/store.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* One entry of a test archive. */
struct ent {
  char type;          /* 'f' file, 'd' dir, 'l' symlink, 'h' hard link, 'c' char device */
  const char *name;
  const char *data;   /* file content, or link target */
  int mode;
  int uid;
};

/* A tar (gzip'd when gz) of the entries, in a memfd at offset 0. */
static int make_archive(const struct ent *e, size_t n, bool gz) {
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  if (gz)
    archive_write_add_filter_gzip(a);
  int fd = memfd_create("layer", MFD_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
  for (size_t i = 0; i < n; i++) {
    struct archive_entry *x = archive_entry_new();
    archive_entry_set_pathname(x, e[i].name);
    archive_entry_set_uid(x, (la_int64_t)e[i].uid);
    archive_entry_set_gid(x, (la_int64_t)e[i].uid);
    archive_entry_set_mtime(x, 1000000000, 0);
    switch (e[i].type) {
    case 'f':
      archive_entry_set_filetype(x, AE_IFREG);
      archive_entry_set_perm(x, e[i].mode ? e[i].mode : 0644);
      archive_entry_set_size(x, (la_int64_t)strlen(e[i].data));
      break;
    case 'd':
      archive_entry_set_filetype(x, AE_IFDIR);
      archive_entry_set_perm(x, e[i].mode ? e[i].mode : 0755);
      break;
    case 'l':
      archive_entry_set_filetype(x, AE_IFLNK);
      archive_entry_set_perm(x, 0777);
      archive_entry_set_symlink(x, e[i].data);
      break;
    case 'h':
      archive_entry_set_filetype(x, AE_IFREG);
      archive_entry_set_perm(x, 0644);
      archive_entry_set_hardlink(x, e[i].data);
      break;
    case 'c':
      archive_entry_set_filetype(x, AE_IFCHR);
      archive_entry_set_perm(x, 0600);
      archive_entry_set_rdev(x, makedev(1, 3));
      break;
    }
    assert_int_equal(archive_write_header(a, x), ARCHIVE_OK);
    if (e[i].type == 'f')
      archive_write_data(a, e[i].data, strlen(e[i].data));
    archive_entry_free(x);
  }
  archive_write_close(a);
  archive_write_free(a);
  lseek(fd, 0, SEEK_SET);
  return fd;
}

static char scratch[64];

/* scratch/outside (a sibling of the layer), scratch/layer (the target). */
static int setup(void **state) {
  (void)state;
  snprintf(scratch, sizeof scratch, "/tmp/tote-layer-test-XXXXXX");
  assert_non_null(mkdtemp(scratch));
  char p[128];
  snprintf(p, sizeof p, "%s/layer", scratch);
  assert_int_equal(mkdir(p, 0755), 0);
  snprintf(p, sizeof p, "%s/outside", scratch);
  assert_int_equal(mkdir(p, 0755), 0);
  return 0;
}

static int teardown(void **state) {
  (void)state;
  _cleanup_close_ int fd = open("/tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  remove_tree_at(fd, scratch + 5);
  return 0;
}

static int layer_dir(void) {
  char p[128];
  snprintf(p, sizeof p, "%s/layer", scratch);
  int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  assert_true(fd >= 0);
  return fd;
}

/* Nothing at all was made in scratch/outside: no file, no directory. */
static bool outside_empty(void) {
  char p[128];
  snprintf(p, sizeof p, "%s/outside", scratch);
  DIR *d = opendir(p);
  int n = 0;
  for (struct dirent *de; d && (de = readdir(d));)
    n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
  if (d)
    closedir(d);
  return d && n == 0;
}

/* Unpack e; want NULL: success; else the error must hold want. */
static void unpack(const struct ent *e, size_t n, const char *want) {
  int afd = make_archive(e, n, true);
  int dfd = layer_dir();
  tote_err *err = NULL;
  int r = img_layer_extract_fd(afd, dfd, "test layer", &err);
  close(afd);
  close(dfd);
  if (want == NULL && r < 0)
    fail_msg("unpack failed: %s", err->msg);
  if (want && r == 0)
    fail_msg("a hostile archive was unpacked (wanted \"%s\")", want);
  if (want && strstr(err->msg, want) == NULL)
    fail_msg("\"%s\" lacks \"%s\"", err->msg, want);
  err_free(&err);
  assert_true(outside_empty());
}

static char *layer_file(const char *name) {
  char p[256];
  snprintf(p, sizeof p, "%s/layer/%s", scratch, name);
  return read_file_at(AT_FDCWD, p, NULL, NULL);
}

static void test_good_layer(void **state) {
  (void)state;
  const struct ent e[] = {
      {'d', "./etc/", NULL, 0755, 0},
      {'f', "./etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0644, 0},
      {'f', "bin/tool", "#!/bin/sh\n", 04755, 0}, /* no dir entry for bin: made */
      {'l', "bin/abs", "/etc/shadow", 0, 0},       /* kept as a link, never followed */
      {'l', "bin/rel", "../etc/passwd", 0, 0},
      {'h', "etc/passwd.hl", "etc/passwd", 0, 0},
      {'d', "home/user", NULL, 0700, 1000},
      {'f', "home/user/.profile", "x\n", 0600, 1000},
      {'f', "etc/passwd", "replaced\n", 0600, 0}, /* a later entry wins */
      {'c', "dev/null", NULL, 0, 0},
      {'f', "etc/.wh.motd", "", 0, 0},
      {'d', "opt/data", NULL, 0755, 0},
      {'f', "opt/data/.wh..wh..opq", "", 0, 0},
  };
  unpack(e, sizeof e / sizeof e[0], NULL);
  _cleanup_free_ char *pw = layer_file("etc/passwd");
  assert_string_equal(pw, "replaced\n");
  char p[256], buf[64];
  struct stat st;
  snprintf(p, sizeof p, "%s/layer/bin/tool", scratch);
  assert_int_equal(stat(p, &st), 0);
  assert_int_equal(st.st_mode & 07777, 04755);
  assert_int_equal(st.st_mtime, 1000000000);
  snprintf(p, sizeof p, "%s/layer/bin/abs", scratch);
  ssize_t n = readlink(p, buf, sizeof buf - 1);
  assert_true(n > 0);
  buf[n] = '\0';
  assert_string_equal(buf, "/etc/shadow");
  snprintf(p, sizeof p, "%s/layer/home/user/.profile", scratch);
  assert_int_equal(stat(p, &st), 0);
  if (geteuid() == 0)
    assert_int_equal(st.st_uid, 1000);
  /* the hard link shares the first passwd's inode, not the replacement's */
  struct stat a;
  snprintf(p, sizeof p, "%s/layer/etc/passwd.hl", scratch);
  assert_int_equal(stat(p, &a), 0);
  assert_int_equal(a.st_nlink, 1);
  if (geteuid() == 0) {
    snprintf(p, sizeof p, "%s/layer/etc/motd", scratch);
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    assert_int_equal(st.st_rdev, makedev(0, 0));
    snprintf(p, sizeof p, "%s/layer/opt/data", scratch);
    n = getxattr(p, "trusted.overlay.opaque", buf, sizeof buf);
    assert_int_equal(n, 1);
    assert_int_equal(buf[0], 'y');
    snprintf(p, sizeof p, "%s/layer/dev/null", scratch);
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
  }
}

static void test_hostile_layers(void **state) {
  (void)state;
  char out_abs[128];
  snprintf(out_abs, sizeof out_abs, "%s/outside", scratch);
  const struct ent dotdot[] = {{'f', "../outside/pwned", "x", 0, 0}};
  unpack(dotdot, 1, "climbs out with \"..\"");
  const struct ent deep[] = {{'f', "a/../../outside/pwned", "x", 0, 0}};
  unpack(deep, 1, "climbs out");
  char abs_name[160];
  snprintf(abs_name, sizeof abs_name, "%s/pwned", out_abs);
  const struct ent absolute[] = {{'f', abs_name, "x", 0, 0}};
  unpack(absolute, 1, "has an absolute name");
  /* a symlink to outside, then a write through it */
  const struct ent via_link[] = {{'l', "evil", out_abs, 0, 0},
                                 {'f', "evil/pwned", "x", 0, 0}};
  unpack(via_link, 2, "goes through a symlink");
  const struct ent via_rel[] = {{'l', "up", "..", 0, 0}, {'f', "up/outside/pwned", "x", 0, 0}};
  /* missing parents are not made through a symlink either */
  const struct ent deep_link[] = {{'l', "link", out_abs, 0, 0},
                                  {'f', "link/sub/deeper/pwned", "x", 0, 0}};
  unpack(deep_link, 2, "goes through a symlink");
  const struct ent deep_rel[] = {{'l', "up2", "../outside", 0, 0},
                                 {'d', "up2/made/by/tar", NULL, 0, 0}};
  unpack(deep_rel, 2, "goes through a symlink");
  unpack(via_rel, 2, "goes through a symlink");
  /* a directory planted as a symlink, then a directory entry under it */
  const struct ent dir_link[] = {{'l', "d", out_abs, 0, 0}, {'d', "d/pwned", NULL, 0, 0}};
  unpack(dir_link, 2, "goes through a symlink");
  /* hard links out of the layer, directly or through a symlink */
  const struct ent hl_out[] = {{'h', "pwned", "../outside/x", 0, 0}};
  unpack(hl_out, 1, "climbs out");
  const struct ent hl_link[] = {{'l', "l", out_abs, 0, 0}, {'h', "x", "l/target", 0, 0}};
  unpack(hl_link, 2, "goes through a symlink");
  /* a file over a symlink replaces the link, never writes through it */
  char target[160];
  snprintf(target, sizeof target, "%s/pwned", out_abs);
  const struct ent over[] = {{'l', "victim", target, 0, 0}, {'f', "victim", "data", 0, 0}};
  unpack(over, 2, NULL);
  _cleanup_free_ char *v = layer_file("victim");
  assert_string_equal(v, "data");
  /* whiteouts of nothing, or of ".." */
  const struct ent wh[] = {{'f', "a/.wh...", "", 0, 0}};
  unpack(wh, 1, "a whiteout of nothing");
}

/* What is in the store's tmp/ (nothing, once a pull or unpack is over). */
static int tmp_entries(struct img_store *st) {
  DIR *d = fdopendir(dup(st->tmpfd));
  int n = 0;
  for (struct dirent *de; (de = readdir(d));)
    n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
  closedir(d);
  return n;
}

static void test_chain_and_diff_id(void **state) {
  (void)state;
  char c[IMG_DIGEST_LEN + 1], d[IMG_DIGEST_LEN + 1];
  const char *d1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  const char *d2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
  img_chain_id(NULL, d1, c);
  assert_string_equal(c, d1);
  img_chain_id(d1, d2, c);
  _cleanup_free_ char *s = xasprintf("%s %s", d1, d2);
  img_digest_of(s, strlen(s), d);
  assert_string_equal(c, d);

  /* a layer whose content is not its diff id is refused and leaves nothing */
  char root[160];
  snprintf(root, sizeof root, "%s/store", scratch);
  struct img_store st;
  tote_err *err = NULL;
  assert_int_equal(img_store_open(root, &st, &err), 0);
  const struct ent e[] = {{'f', "hello", "hi\n", 0, 0}};
  int afd = make_archive(e, 1, true);
  size_t len;
  _cleanup_free_ char *blob = read_all_fd(afd, &len);
  close(afd);
  char digest[IMG_DIGEST_LEN + 1];
  assert_int_equal(img_blob_put(&st, blob, len, digest, &err), 0);
  assert_int_equal(img_layer_unpack(&st, digest, d1, d1, &err), -1);
  assert_non_null(strstr(err->msg, "the image config says " "sha256:1111"));
  err_free(&err);
  assert_int_equal(faccessat(st.layersfd, img_digest_hex(d1), F_OK, 0), -1);
  /* the right diff id: the uncompressed tar's digest */
  afd = make_archive(e, 1, false);
  _cleanup_free_ char *tar = read_all_fd(afd, &len);
  close(afd);
  char diff[IMG_DIGEST_LEN + 1];
  img_digest_of(tar, len, diff);
  assert_int_equal(img_layer_unpack(&st, digest, diff, diff, &err), 0);
  char p[256];
  snprintf(p, sizeof p, "%s/layers/%s/fs/hello", root, img_digest_hex(diff));
  _cleanup_free_ char *hello = read_file_at(AT_FDCWD, p, NULL, NULL);
  assert_string_equal(hello, "hi\n");
  assert_int_equal(tmp_entries(&st), 0);
  img_store_close(&st);
}

static void test_blob_verification(void **state) {
  (void)state;
  char root[160];
  snprintf(root, sizeof root, "%s/store", scratch);
  struct img_store st;
  tote_err *err = NULL;
  assert_int_equal(img_store_open(root, &st, &err), 0);
  char want[IMG_DIGEST_LEN + 1];
  img_digest_of("good", 4, want);
  struct img_blob_writer w;
  /* the wrong content under a digest: refused, naming it, nothing kept */
  assert_int_equal(img_blob_begin(&st, want, 4, &w, &err), 0);
  assert_int_equal(img_blob_write(&w, "evil", 4, &err), 0);
  assert_int_equal(img_blob_commit(&st, &w, &err), -1);
  assert_non_null(strstr(err->msg, want));
  assert_non_null(strstr(err->msg, "failed verification"));
  err_free(&err);
  assert_false(img_blob_exists(&st, want));
  /* more bytes than the descriptor says */
  assert_int_equal(img_blob_begin(&st, want, 4, &w, &err), 0);
  assert_int_equal(img_blob_write(&w, "goodgood", 8, &err), -1);
  assert_non_null(strstr(err->msg, "more than the 4 bytes"));
  err_free(&err);
  img_blob_abort(&st, &w);
  /* fewer */
  assert_int_equal(img_blob_begin(&st, want, 5, &w, &err), 0);
  assert_int_equal(img_blob_write(&w, "good", 4, &err), 0);
  assert_int_equal(img_blob_commit(&st, &w, &err), -1);
  assert_non_null(strstr(err->msg, "4 bytes arrived, its descriptor says 5"));
  err_free(&err);
  /* the right one */
  assert_int_equal(img_blob_begin(&st, want, 4, &w, &err), 0);
  assert_int_equal(img_blob_write(&w, "good", 4, &err), 0);
  assert_int_equal(img_blob_commit(&st, &w, &err), 0);
  assert_true(img_blob_exists(&st, want));
  /* a stored blob corrupted afterwards is caught when read */
  int fd = openat(st.blobsfd, img_digest_hex(want), O_WRONLY | O_CLOEXEC);
  assert_int_equal(write(fd, "bad!", 4), 4);
  close(fd);
  size_t len;
  assert_null(img_blob_read(&st, want, 100, &len, &err));
  assert_non_null(strstr(err->msg, "is corrupt"));
  err_free(&err);
  assert_int_equal(tmp_entries(&st), 0);
  img_store_close(&st);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_good_layer, setup, teardown),
      cmocka_unit_test_setup_teardown(test_hostile_layers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_chain_and_diff_id, setup, teardown),
      cmocka_unit_test_setup_teardown(test_blob_verification, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
