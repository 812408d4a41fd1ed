/* test_resources.c - unit tests of the linux.resources sections that have a
 * file of their own: cgroup_blockio.c (parsing, runc's weight conversion,
 * what each cgroup version writes, into fake cgroup directories of empty
 * files), cgroup_hugetlb.c, cgroup_unified.c and cgroup_net.c (checks). */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/cgroup_internal.h"
#include "util/err.h"
#include "util/xalloc.h"

static int parse(const char *text, struct cg_blockio *b, tote_err **err) {
  json_t *j = json_loads(text, 0, NULL);
  assert_non_null(j);
  int r = cg_blockio_fields(j, b, err);
  json_decref(j);
  return r;
}

static void test_weight_conversion(void **state) {
  (void)state;
  assert_int_equal(cg_blkio_weight_to_io_weight(10), 1);
  assert_int_equal(cg_blkio_weight_to_io_weight(1000), 10000);
  assert_int_equal(cg_blkio_weight_to_io_weight(500), 1 + 490 * 9999 / 990);
  assert_int_equal(cg_blkio_weight_to_io_weight(0), 0);
}

static void test_parse(void **state) {
  (void)state;
  struct cg_blockio b;
  tote_err *err = NULL;
  assert_int_equal(parse("{\"blockIO\": {\"weight\": 500, \"weightDevice\": [{\"major\": 8, "
                         "\"minor\": 0, \"weight\": 100}], \"throttleWriteIOPSDevice\": "
                         "[{\"major\": 8, \"minor\": 16, \"rate\": 77}]}}",
                         &b, &err),
                   0);
  assert_int_equal(b.weight, 500);
  assert_int_equal(b.n_weight_dev, 1);
  assert_int_equal(b.weight_dev[0].major, 8);
  assert_int_equal(b.weight_dev[0].weight, 100);
  assert_int_equal(b.n_throttle[CG_THROTTLE_WRITE_IOPS], 1);
  assert_int_equal(b.throttle[CG_THROTTLE_WRITE_IOPS][0].minor, 16);
  assert_int_equal(b.throttle[CG_THROTTLE_WRITE_IOPS][0].rate, 77);
  assert_true(cg_blockio_is_set(&b));
  cg_blockio_free(&b);
  assert_int_equal(parse("{}", &b, &err), 0);
  assert_false(cg_blockio_is_set(&b));

  static const struct { const char *in, *want; } bad[] = {
      {"{\"blockIO\": []}", "linux.resources.blockIO must be an object"},
      {"{\"blockIO\": {\"weight\": 5}}", "blockIO.weight must be between 10 and 1000"},
      {"{\"blockIO\": {\"weight\": \"5\"}}", "blockIO.weight must be a non-negative integer"},
      {"{\"blockIO\": {\"weightDevice\": {}}}", "blockIO.weightDevice must be an array"},
      {"{\"blockIO\": {\"weightDevice\": [{\"minor\": 0}]}}",
       "blockIO.weightDevice[0].major is required"},
      {"{\"blockIO\": {\"throttleReadBpsDevice\": [{\"major\": 8, \"minor\": 0}]}}",
       "blockIO.throttleReadBpsDevice[0].rate is required"},
      {"{\"blockIO\": {\"throttleReadBpsDevice\": [1]}}",
       "blockIO.throttleReadBpsDevice[0] must be an object"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int r = parse(bad[i].in, &b, &err);
    cg_blockio_free(&b);
    if (r != -1 || err == NULL || strstr(err->msg, bad[i].want) == NULL)
      fail_msg("%s: got %s, wanted %s", bad[i].in, err ? err->msg : "success", bad[i].want);
    err_free(&err);
  }
}

/* A fake cgroup directory holding empty files. */
static char *fake_dir(const char *const *files) {
  char *dir = xstrdup("/tmp/tote-blockio-XXXXXX");
  assert_non_null(mkdtemp(dir));
  for (; *files; files++) {
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, *files);
    int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    close(fd);
  }
  return dir;
}

static char *slurp(const char *dir, const char *file) {
  _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
  char buf[256] = "";
  int fd = open(p, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
  if (fd >= 0)
    close(fd);
  buf[n > 0 ? n : 0] = '\0';
  return xstrdup(buf);
}

static void remove_dir(char *dir, const char *const *files) {
  for (; *files; files++) {
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, *files);
    unlink(p);
  }
  rmdir(dir);
  free(dir);
}

#define CHECK_FILE(dir, file, want)                                                           \
  do {                                                                                        \
    _cleanup_free_ char *got_ = slurp(dir, file);                                             \
    assert_string_equal(got_, want);                                                          \
  } while (0)

static void test_apply_v2(void **state) {
  (void)state;
  static const char *const files[] = {"io.weight", "io.max", NULL};
  char *dir = fake_dir(files);
  struct cg_blockio b;
  tote_err *err = NULL;
  assert_int_equal(parse("{\"blockIO\": {\"weight\": 1000, \"throttleReadBpsDevice\": "
                         "[{\"major\": 8, \"minor\": 0, \"rate\": 1024}]}}",
                         &b, &err),
                   0);
  assert_int_equal(cg_blockio_apply(dir, true, &b, &err), 0);
  cg_blockio_free(&b);
  CHECK_FILE(dir, "io.weight", "default 10000");
  CHECK_FILE(dir, "io.max", "8:0 rbps=1024");
  /* leafWeight has no v2 file */
  assert_int_equal(parse("{\"blockIO\": {\"leafWeight\": 100}}", &b, &err), 0);
  assert_int_equal(cg_blockio_apply(dir, true, &b, &err), -1);
  assert_non_null(strstr(err->msg, "leafWeight is not supported on cgroup v2"));
  err_free(&err);
  cg_blockio_free(&b);
  remove_dir(dir, files);
}

static void test_apply_v1(void **state) {
  (void)state;
  static const char *const files[] = {"blkio.bfq.weight", "blkio.bfq.weight_device",
                                      "blkio.throttle.write_iops_device", NULL};
  char *dir = fake_dir(files);
  struct cg_blockio b;
  tote_err *err = NULL;
  assert_int_equal(parse("{\"blockIO\": {\"weight\": 200, \"weightDevice\": [{\"major\": 8, "
                         "\"minor\": 0, \"weight\": 300}], \"throttleWriteIOPSDevice\": "
                         "[{\"major\": 8, \"minor\": 16, \"rate\": 50}]}}",
                         &b, &err),
                   0);
  assert_int_equal(cg_blockio_apply(dir, false, &b, &err), 0);
  cg_blockio_free(&b);
  CHECK_FILE(dir, "blkio.bfq.weight", "200");
  CHECK_FILE(dir, "blkio.bfq.weight_device", "8:0 300");
  CHECK_FILE(dir, "blkio.throttle.write_iops_device", "8:16 50");
  remove_dir(dir, files);
  /* no weight file at all: refused by name */
  static const char *const none[] = {"blkio.throttle.read_bps_device", NULL};
  dir = fake_dir(none);
  assert_int_equal(parse("{\"blockIO\": {\"weight\": 200}}", &b, &err), 0);
  assert_int_equal(cg_blockio_apply(dir, false, &b, &err), -1);
  assert_non_null(strstr(err->msg, "linux.resources.blockIO.weight is not supported"));
  err_free(&err);
  cg_blockio_free(&b);
  remove_dir(dir, none);
}

static int check(int (*fn)(json_t *, tote_err **), const char *text, tote_err **err) {
  json_t *j = json_loads(text, 0, NULL);
  assert_non_null(j);
  int r = fn(j, err);
  json_decref(j);
  return r;
}

static void expect(int (*fn)(json_t *, tote_err **), const char *text, const char *want) {
  tote_err *err = NULL;
  int r = check(fn, text, &err);
  if (want == NULL && r != 0)
    fail_msg("%s: %s", text, err ? err->msg : "?");
  if (want && (r == 0 || strstr(err->msg, want) == NULL))
    fail_msg("%s: got %s, wanted %s", text, r == 0 ? "success" : err->msg, want);
  err_free(&err);
}

static void test_hugetlb_unified_net(void **state) {
  (void)state;
  assert_int_equal(cg_hugepage_kb("2MB"), 2048);
  assert_int_equal(cg_hugepage_kb("1GB"), 1024 * 1024);
  assert_int_equal(cg_hugepage_kb("64KB"), 64);
  assert_int_equal(cg_hugepage_kb("2M"), 0);
  assert_int_equal(cg_hugepage_kb("MB"), 0);
  assert_int_equal(cg_hugepage_kb("0MB"), 0);
  expect(cg_hugetlb_check, "{\"hugepageLimits\": [{\"pageSize\": \"2MB\", \"limit\": 1}]}", NULL);
  expect(cg_hugetlb_check, "{\"hugepageLimits\": {}}", "hugepageLimits must be an array");
  expect(cg_hugetlb_check, "{\"hugepageLimits\": [{\"pageSize\": \"2XB\", \"limit\": 1}]}",
         "hugepageLimits[0].pageSize must be a size");
  expect(cg_hugetlb_check, "{\"hugepageLimits\": [{\"pageSize\": \"2MB\"}]}",
         "hugepageLimits[0].limit must be a number of bytes");
  expect(cg_unified_check, "{\"unified\": {\"memory.high\": \"50M\"}}", NULL);
  expect(cg_unified_check, "{\"unified\": {\"memory.high\": 5}}", "must be a string");
  expect(cg_unified_check, "{\"unified\": {\"../x.y\": \"1\"}}", "is not a cgroup interface");
  expect(cg_unified_check, "{\"unified\": {\"nodot\": \"1\"}}", "is not a cgroup interface");
  expect(cg_unified_check, "{\"unified\": {\"cgroup.kill\": \"1\"}}", "is not a resource");
  expect(cg_net_check, "{\"network\": {\"classID\": 1, \"priorities\": [{\"name\": \"eth0\","
                       " \"priority\": 3}]}}", NULL);
  expect(cg_net_check, "{\"network\": {\"classID\": -1}}", "classID must be a 32-bit");
  expect(cg_net_check, "{\"network\": {\"priorities\": [{\"name\": \"a b\", \"priority\": 3}]}}",
         "priorities[0].name must be an interface name");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_weight_conversion),
      cmocka_unit_test(test_parse),
      cmocka_unit_test(test_apply_v2),
      cmocka_unit_test(test_apply_v1),
      cmocka_unit_test(test_hugetlb_unified_net),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
