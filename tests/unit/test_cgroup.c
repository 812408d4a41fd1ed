// gcc -std=gnu17 -D_GNU_SOURCE -Wall -Wextra -Isrc tests/unit/test_cgroup.c src/runtime/cgroup*.c src/util/*.c $(pkg-config --cflags --libs cmocka jansson) -o /tmp/test_cgroup
/* test_cgroup.c - unit tests of src/runtime/cgroup*.c.  Run as root for the
 * real-cgroup tests (they skip otherwise).
 *
 * The pure tests feed mountinfo, /proc/self/cgroup and config text as
 * strings.  The real tests create cgroups named tote-test-<pid> (absolute,
 * and relative to this process's own cgroups), move forked children into
 * them, and remove them in the teardown, which also sweeps
 * /<mount>/tote-test-<pid> in every hierarchy and kills the children, so a
 * failing assertion leaves nothing behind.  They write only into cgroups
 * they created. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "runtime/cgroup.h"
#include "runtime/cgroup_internal.h"
#include "runtime/runtime.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* ---------------------------------------------------------------- pure */

/* This machine (hybrid), verbatim. */
static const char hybrid_mountinfo[] =
    "22 1 253:0 / / rw,relatime - ext4 /dev/vda rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "32 30 0:29 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct\n"
    "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "35 30 0:32 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices\n"
    "36 30 0:33 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer\n"
    "37 30 0:34 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio\n"
    "38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

static const char hybrid_proc_cgroup[] = "9:name=systemd:/\n"
                                         "8:pids:/\n"
                                         "7:blkio:/\n"
                                         "6:freezer:/\n"
                                         "5:devices:/\n"
                                         "4:memory:/process_api/f4e3\n"
                                         "3:cpuset:/\n"
                                         "2:cpuacct:/\n"
                                         "1:cpu:/\n"
                                         "0::/\n";

static struct cg_hier *find_mount(struct cg_hier *h, size_t n, const char *mount) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(h[i].mount, mount) == 0)
      return &h[i];
  return NULL;
}

static void test_mountinfo_hybrid(void **state) {
  (void)state;
  struct cg_hier *h;
  size_t n;
  tote_err *err = NULL;
  assert_int_equal(cg_parse_mountinfo(hybrid_mountinfo, &h, &n, &err), 0);
  assert_int_equal(n, 10);
  assert_int_equal(cg_layout_of(h, n), CG_LAYOUT_HYBRID);
  struct cg_hier *p = find_mount(h, n, "/sys/fs/cgroup/pids");
  assert_non_null(p);
  assert_false(p->v2);
  assert_string_equal(p->root, "/");
  assert_true(cg_hier_has(p, "pids"));
  assert_null(p->controllers[1]);
  struct cg_hier *sd = find_mount(h, n, "/sys/fs/cgroup/systemd");
  assert_non_null(sd);
  assert_string_equal(sd->name, "systemd");
  assert_null(sd->controllers[0]); /* named: no controllers */
  struct cg_hier *u = find_mount(h, n, "/sys/fs/cgroup/unified");
  assert_non_null(u);
  assert_true(u->v2);

  struct cg_proc_entry *e;
  size_t ne;
  assert_int_equal(cg_parse_proc_cgroup(hybrid_proc_cgroup, &e, &ne, &err), 0);
  assert_int_equal(ne, 10);
  const struct cg_proc_entry *m = cg_proc_entry_for(find_mount(h, n, "/sys/fs/cgroup/memory"), e, ne);
  assert_non_null(m);
  assert_string_equal(m->path, "/process_api/f4e3");
  assert_string_equal(cg_proc_entry_for(sd, e, ne)->controllers, "name=systemd");
  assert_int_equal(cg_proc_entry_for(u, e, ne)->id, 0);
  assert_int_equal(cg_proc_entry_for(p, e, ne)->id, 8);
  cg_proc_entries_free(e, ne);
  cg_hiers_free(h, n);
}

static void test_mountinfo_v2_and_v1(void **state) {
  (void)state;
  struct cg_hier *h;
  size_t n;
  tote_err *err = NULL;
  const char *v2 = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                   "29 22 0:26 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 "
                   "rw,nsdelegate,memory_recursiveprot\n";
  assert_int_equal(cg_parse_mountinfo(v2, &h, &n, &err), 0);
  assert_int_equal(n, 1);
  assert_int_equal(cg_layout_of(h, n), CG_LAYOUT_V2);
  assert_string_equal(h[0].mount, "/sys/fs/cgroup");
  cg_hiers_free(h, n);

  /* Pure v1 with co-mounted controllers, a flag option, a bind mount of the
   * same hierarchy (deduped), an escaped space and a non-root mount root. */
  const char *v1 =
      "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
      "30 22 0:27 / /sys/fs/cgroup ro - tmpfs tmpfs ro,mode=755\n"
      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
      "32 30 0:29 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset,clone_children\n"
      "33 30 0:30 /docker/abc /sys/fs/cgroup/my\\040pids rw - cgroup cgroup "
      "rw,pids,release_agent=/x\n"
      "34 22 0:28 / /mnt/again rw - cgroup cgroup rw,cpu,cpuacct\n";
  assert_int_equal(cg_parse_mountinfo(v1, &h, &n, &err), 0);
  assert_int_equal(n, 3);
  assert_int_equal(cg_layout_of(h, n), CG_LAYOUT_V1);
  assert_true(cg_hier_has(&h[0], "cpu") && cg_hier_has(&h[0], "cpuacct"));
  assert_null(h[0].controllers[2]);
  assert_true(cg_hier_has(&h[1], "cpuset"));
  assert_null(h[1].controllers[1]); /* clone_children is a flag */
  assert_string_equal(h[2].mount, "/sys/fs/cgroup/my pids");
  assert_string_equal(h[2].root, "/docker/abc");
  assert_null(h[2].controllers[1]); /* release_agent= is a flag */

  struct cg_proc_entry *e;
  size_t ne;
  assert_int_equal(cg_parse_proc_cgroup("3:pids:/docker/abc/x:y\n2:cpuset:/\n1:cpu,cpuacct:/a\n",
                                        &e, &ne, &err),
                   0);
  assert_string_equal(cg_proc_entry_for(&h[0], e, ne)->path, "/a");
  assert_string_equal(cg_proc_entry_for(&h[2], e, ne)->path, "/docker/abc/x:y");
  cg_proc_entries_free(e, ne);
  cg_hiers_free(h, n);
}

static void test_mountinfo_hidden_and_malformed(void **state) {
  (void)state;
  struct cg_hier *h;
  size_t n;
  tote_err *err = NULL;
  /* A cgroup2 at /sys/fs/cgroup hidden by a tmpfs mounted over it later,
   * which then holds v1 hierarchies: only those count. */
  const char *text = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                     "29 22 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
                     "30 29 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
                     "31 30 0:28 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
  assert_int_equal(cg_parse_mountinfo(text, &h, &n, &err), 0);
  assert_int_equal(n, 1);
  assert_string_equal(h[0].mount, "/sys/fs/cgroup/pids");
  assert_int_equal(cg_layout_of(h, n), CG_LAYOUT_V1);
  cg_hiers_free(h, n);

  assert_int_equal(cg_parse_mountinfo("31 30 0:28 / /x rw - cgroup\n", &h, &n, &err), -1);
  assert_non_null(strstr(err->msg, "malformed"));
  err_free(&err);
  assert_int_equal(cg_parse_mountinfo("", &h, &n, &err), 0);
  assert_int_equal(n, 0);
  free(h);

  struct cg_proc_entry *e;
  size_t ne;
  static const char *const bad[] = {"pids:/\n", "x:pids:/\n", "1:pids\n", "1:pids:rel\n",
                                    ":pids:/\n"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(cg_parse_proc_cgroup(bad[i], &e, &ne, &err), -1);
    err_free(&err);
  }
}

static void check_clean(const char *in, const char *want) {
  tote_err *err = NULL;
  char *out = cg_clean_path(in, &err);
  if (want == NULL) {
    assert_null(out);
    assert_non_null(strstr(err->msg, ".."));
    err_free(&err);
    return;
  }
  assert_non_null(out);
  assert_string_equal(out, want);
  free(out);
}

static void test_clean_path(void **state) {
  (void)state;
  check_clean("/a//./b/", "/a/b");
  check_clean("a/b", "a/b");
  check_clean("./a/./", "a");
  check_clean("/", "/");
  check_clean("/./", "/");
  check_clean(".", "");
  check_clean("/a/..b/c..", "/a/..b/c..");
  check_clean("/a/../b", NULL);
  check_clean("..", NULL);
  check_clean("/..", NULL);
  check_clean("a/b/..", NULL);
  check_clean("a/../../etc", NULL);
}

static void check_resolve(const char *root, const char *path, const char *own, const char *want,
                          const char *errpart) {
  struct cg_hier h = {.mount = "/sys/fs/cgroup/pids", .root = (char *)root};
  tote_err *err = NULL;
  char *out = cg_resolve_path(&h, path, own, &err);
  if (want) {
    assert_non_null(out);
    assert_string_equal(out, want);
    free(out);
  } else {
    assert_null(out);
    assert_non_null(err);
    if (strstr(err->msg, errpart) == NULL)
      fail_msg("\"%s\" not in \"%s\"", errpart, err->msg);
    err_free(&err);
  }
}

static void test_resolve_path(void **state) {
  (void)state;
  check_resolve("/", "/tote/x", NULL, "/tote/x", NULL);
  check_resolve("/", "//tote/./x/", NULL, "/tote/x", NULL);
  check_resolve("/", "tote/x", "/process_api/f4e3", "/process_api/f4e3/tote/x", NULL);
  check_resolve("/", "tote/x", "/", "/tote/x", NULL);
  check_resolve("/docker/abc", "x", "/docker/abc/sub", "/sub/x", NULL);
  check_resolve("/docker/abc", "x", "/docker/abc", "/x", NULL);
  check_resolve("/docker/abc", "/x", "/elsewhere", "/x", NULL);
  check_resolve("/docker/abc", "x", "/docker/abcd", NULL, "outside the mount");
  check_resolve("/", "x", NULL, NULL, "not in /proc/self/cgroup");
  check_resolve("/", "/", NULL, NULL, "hierarchy root");
  check_resolve("/", "/./", NULL, NULL, "hierarchy root");
  check_resolve("/", ".", "/me", NULL, "own cgroup");
  check_resolve("/", "/tote/../..", NULL, NULL, "..");
  check_resolve("/", "../sibling", "/me", NULL, "..");

  tote_err *err = NULL;
  char *d = cg_default_path("abc", &err);
  assert_string_equal(d, "/tote/abc");
  free(d);
  static const char *const bad_ids[] = {"", ".", "..", "a/b", "/"};
  for (size_t i = 0; i < sizeof bad_ids / sizeof bad_ids[0]; i++) {
    assert_null(cg_default_path(bad_ids[i], &err));
    err_free(&err);
  }
}

struct res_case {
  const char *json;
  const char *err; /* NULL: valid; else a part of the message */
};

static const struct res_case res_cases[] = {
    {"{}", NULL},
    {"null", NULL},
    {"{\"pids\": {\"limit\": 10}, \"memory\": {\"limit\": 1048576}}", NULL},
    {"{\"pids\": {}, \"memory\": {}, \"cpu\": {}, \"blockIO\": {}, \"network\": {}, "
     "\"hugepageLimits\": [], \"rdma\": {}, \"unified\": {}, \"devices\": []}",
     NULL},
    /* Zero values that mean "not set", as Docker writes them. */
    {"{\"cpu\": {\"shares\": 0, \"cpus\": \"\"}, \"memory\": {\"disableOOMKiller\": false, "
     "\"swap\": 0}, \"blockIO\": {\"weight\": 0}, \"network\": {\"priorities\": []}}",
     NULL},
    {"{\"unknownExtension\": 5}", NULL},
    {"{\"pids\": {\"limit\": -1}}", NULL},
    {"{\"pids\": {\"limit\": 0}}", NULL},
    {"{\"memory\": {\"limit\": -1}}", NULL},
    {"{\"memory\": {\"limit\": 0}}", NULL},
    {"{\"cpu\": {\"shares\": 1024, \"quota\": 50000, \"period\": 100000}}", NULL},
    /* memory and cpu fields tote applies */
    {"{\"cpu\": {\"cpus\": \"0-1,3\", \"mems\": \"0\", \"burst\": 1000, \"quota\": 5000, "
     "\"realtimeRuntime\": 950000, \"realtimePeriod\": 1000000, \"idle\": 1}}",
     NULL},
    {"{\"cpu\": {\"realtimeRuntime\": -1, \"idle\": 0, \"burst\": 1000}}", NULL},
    {"{\"memory\": {\"limit\": 5, \"swap\": 10, \"reservation\": 3, \"swappiness\": 0, "
     "\"disableOOMKiller\": true}}",
     NULL},
    {"{\"memory\": {\"limit\": 5, \"swap\": 5}}", NULL},
    {"{\"memory\": {\"limit\": -1, \"swap\": -1, \"reservation\": -1}}", NULL},
    {"{\"memory\": {\"limit\": 10, \"swap\": 5}}",
     "linux.resources.memory.swap (5) is memory+swap: it must be at least memory.limit (10)"},
    {"{\"memory\": {\"swap\": 5}}", "linux.resources.memory.swap (memory+swap) needs a "
                                           "memory.limit"},
    {"{\"memory\": {\"reservation\": -2}}", "linux.resources.memory.reservation must be"},
    {"{\"memory\": {\"swappiness\": 101}}",
     "linux.resources.memory.swappiness must be between 0 and 100"},
    {"{\"memory\": {\"swappiness\": -1}}", "memory.swappiness must be between"},
    {"{\"memory\": {\"disableOOMKiller\": 1}}",
     "linux.resources.memory.disableOOMKiller must be a boolean"},
    {"{\"memory\": {\"kernelTCP\": 5, \"useHierarchy\": false}}", NULL},
    {"{\"memory\": {\"kernelTCP\": -1, \"useHierarchy\": true}}", NULL},
    {"{\"memory\": {\"kernelTCP\": -2}}", "linux.resources.memory.kernelTCP must be -1"},
    {"{\"memory\": {\"useHierarchy\": 1}}",
     "linux.resources.memory.useHierarchy must be a boolean"},
    {"{\"memory\": {\"kernel\": 4096}}",
     "linux.resources.memory.kernel is not supported: Linux no longer enforces kernel memory"},
    {"{\"memory\": {\"kernel\": 0}}", NULL},
    {"{\"memory\": {\"checkBeforeUpdate\": true}}", NULL},
    {"{\"memory\": {\"checkBeforeUpdate\": 1}}",
     "linux.resources.memory.checkBeforeUpdate must be a boolean"},
    {"{\"cpu\": {\"cpus\": 1}}", "linux.resources.cpu.cpus must be a string"},
    {"{\"cpu\": {\"mems\": \"0;1\"}}", "linux.resources.cpu.mems \"0;1\" is not a list"},
    {"{\"cpu\": {\"idle\": 2}}", "linux.resources.cpu.idle must be 0 or 1"},
    {"{\"cpu\": {\"burst\": -1}}", "linux.resources.cpu.burst must not be negative"},
    {"{\"cpu\": {\"burst\": 6000, \"quota\": 5000}}",
     "linux.resources.cpu.burst must not exceed cpu.quota"},
    {"{\"cpu\": {\"realtimeRuntime\": -2}}", "linux.resources.cpu.realtimeRuntime must be"},
    {"{\"cpu\": {\"realtimePeriod\": -5}}",
     "linux.resources.cpu.realtimePeriod must not be negative"},
    /* blockIO, network, hugepageLimits and unified are checked in their own
     * files (test_resources.c): here, that validation reaches them */
    {"{\"blockIO\": {\"weightDevice\": [{\"major\": 8, \"minor\": 0, \"weight\": 5}]}}",
     "linux.resources.blockIO.weightDevice[0].weight must be between 10 and 1000"},
    {"{\"network\": {\"classID\": -7}}", "linux.resources.network.classID must be"},
    {"{\"hugepageLimits\": [{\"pageSize\": \"2XB\", \"limit\": 1}]}",
     "linux.resources.hugepageLimits[0].pageSize must be"},
    {"{\"rdma\": {\"mlx5_1\": {\"hcaHandles\": 3, \"hcaObjects\": 10000}, "
     "\"rxe0\": {\"hcaObjects\": null}, \"x\": {}}}",
     NULL},
    {"{\"rdma\": []}", "linux.resources.rdma must be an object of device names"},
    {"{\"rdma\": {\"a b\": {\"hcaHandles\": 3}}}",
     "linux.resources.rdma[\"a b\"]: not an RDMA device name"},
    {"{\"rdma\": {\"\": {}}}", "linux.resources.rdma[\"\"]: not an RDMA device name"},
    {"{\"rdma\": {\"mlx5_1\": 3}}", "linux.resources.rdma[\"mlx5_1\"] must be an object"},
    {"{\"rdma\": {\"mlx5_1\": {\"hcaHandles\": -1}}}",
     "linux.resources.rdma[\"mlx5_1\"].hcaHandles must be a number from 0 to 2147483647"},
    {"{\"rdma\": {\"mlx5_1\": {\"handles\": 1}}}",
     "linux.resources.rdma[\"mlx5_1\"].handles is not a limit (hcaHandles, hcaObjects)"},
    {"{\"unified\": {\"cgroup.procs\": \"5\"}}",
     "linux.resources.unified: cgroup.procs is not a resource"},
    {"{\"cpu\": 5}", "linux.resources.cpu must be an object"},
    {"[]", "linux.resources must be an object"},
    {"{\"pids\": {\"limit\": \"10\"}}", "linux.resources.pids.limit must be an integer"},
    {"{\"pids\": 3}", "linux.resources.pids must be an object"},
    {"{\"memory\": {\"limit\": -2}}", "linux.resources.memory.limit must be -1"},
    {"{\"devices\": [{\"allow\": false, \"access\": \"rwm\"}]}", NULL},
    {"{\"devices\": {}}", "linux.resources.devices must be an array"},
    {"{\"devices\": [{\"access\": \"rwm\"}]}", "devices[0].allow is required"},
    {"{\"devices\": [{\"allow\": true, \"type\": \"p\"}]}", "devices[0].type must be"},
    {"{\"devices\": [{\"allow\": true}, {\"allow\": true, \"access\": \"rx\"}]}",
     "devices[1].access \"rx\""},
    {"{\"devices\": [{\"allow\": true, \"major\": -2}]}", "devices[0].major must be"},
    {"{\"devices\": [{\"allow\": true, \"minor\": 4294967296}]}", "devices[0].minor"},
};

static void test_validate_resources(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof res_cases / sizeof res_cases[0]; i++) {
    const struct res_case *c = &res_cases[i];
    json_error_t je;
    json_t *j = json_loads(c->json, JSON_DECODE_ANY, &je);
    if (j == NULL)
      fail_msg("case %zu: bad test JSON: %s", i, je.text);
    tote_err *err = NULL;
    int rc = cg_validate_resources(j, &err);
    json_decref(j);
    if (c->err == NULL && rc != 0)
      fail_msg("case %zu (%s): unexpected error: %s", i, c->json, err->msg);
    if (c->err != NULL && rc == 0)
      fail_msg("case %zu (%s): accepted, wanted \"%s\"", i, c->json, c->err);
    if (c->err != NULL && strstr(err->msg, c->err) == NULL)
      fail_msg("case %zu: \"%s\" not in \"%s\"", i, c->err, err->msg);
    err_free(&err);
  }
}

static void test_device_rules(void **state) {
  (void)state;
  json_t *d = json_loads("[{\"allow\": false, \"access\": \"rwm\"},"
                         " {\"allow\": true, \"type\": \"c\", \"major\": 10, \"minor\": 229,"
                         "  \"access\": \"wr\"},"
                         " {\"allow\": true, \"type\": \"b\", \"major\": 8, \"access\": \"m\"},"
                         " {\"allow\": true, \"type\": \"c\", \"minor\": -1, \"major\": 136},"
                         " {\"allow\": false, \"type\": \"a\", \"access\": \"r\"},"
                         " {\"allow\": true}]",
                         0, NULL);
  assert_non_null(d);
  struct cg_dev_rule *r;
  size_t n;
  tote_err *err = NULL;
  assert_int_equal(cg_device_rules(d, &r, &n, &err), 0);
  static const struct {
    bool allow;
    const char *text;
  } want[] = {{false, "a"},           {true, "c 10:229 rw"}, {true, "b 8:* m"},
              {true, "c 136:* rwm"},  {false, "c *:* r"},    {false, "b *:* r"},
              {true, "a"}};
  assert_int_equal(n, sizeof want / sizeof want[0]);
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(r[i].allow, want[i].allow);
    assert_string_equal(r[i].text, want[i].text);
  }
  free(r);
  json_decref(d);
}

static void test_conversions(void **state) {
  (void)state;
  /* runc's shares -> weight: 1 + ((shares - 2) * 9999) / 262142, clamped */
  assert_int_equal(cg_shares_to_weight(0), 0);
  assert_int_equal(cg_shares_to_weight(1), 1);
  assert_int_equal(cg_shares_to_weight(2), 1);
  assert_int_equal(cg_shares_to_weight(1024), 39);
  assert_int_equal(cg_shares_to_weight(262144), 10000);
  assert_int_equal(cg_shares_to_weight(1000000), 10000);

  /* OCI swap is memory+swap; v2's memory.swap.max is swap alone */
  static const struct {
    int64_t swap, limit;
    int rc;
    int64_t out;
  } sw[] = {
      {0, 0, 0, 0},      {0, 100, 0, 0},     {0, -1, 1, -1},   {-1, 100, 1, -1},
      {-1, 0, 1, -1},    {300, 100, 1, 200}, {100, 100, 1, 0}, {50, 100, -1, 0},
      {100, 0, -1, 0},   {100, -1, -1, 0},
  };
  for (size_t i = 0; i < sizeof sw / sizeof sw[0]; i++) {
    int64_t out = 12345;
    tote_err *err = NULL;
    int rc = cg_v2_swap_max(sw[i].swap, sw[i].limit, &out, &err);
    if (rc != sw[i].rc)
      fail_msg("swap %lld limit %lld: rc %d", (long long)sw[i].swap, (long long)sw[i].limit, rc);
    if (rc == 1)
      assert_int_equal(out, sw[i].out);
    if (rc < 0)
      assert_non_null(strstr(err->msg, "linux.resources.memory.swap"));
    err_free(&err);
  }
  char buf[32];
  cg_fmt_max(buf, sizeof buf, -1);
  assert_string_equal(buf, "max");
  cg_fmt_max(buf, sizeof buf, 0);
  assert_string_equal(buf, "0");
  cg_fmt_max(buf, sizeof buf, 67108864);
  assert_string_equal(buf, "67108864");
}

/* ---- backends applied to a fake cgroup directory (empty regular files) */

/* A new temp dir holding the given (empty) files; *dir is freed by the
 * caller after fake_rm. */
static char *fake_dir(const char *const *files) {
  char *dir = xstrdup("/tmp/tote-fakecg-XXXXXX");
  assert_non_null(mkdtemp(dir));
  for (; *files; files++) {
    _cleanup_free_ char *p = xasprintf("%s/%s", dir, *files);
    int fd = open(p, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    assert_true(fd >= 0);
    close(fd);
  }
  return dir;
}

static void fake_rm(char *dir) {
  _cleanup_free_ char *cmd = xasprintf("rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
  free(dir);
}

static void assert_file(const char *dir, const char *file, const char *want) {
  tote_err *err = NULL;
  _cleanup_free_ char *got = cg_read(dir, file, &err);
  if (got == NULL)
    fail_msg("%s: %s", file, err->msg);
  if (strcmp(got, want) != 0)
    fail_msg("%s: \"%s\", wanted \"%s\"", file, got, want);
}

static void assert_refused(int rc, tote_err **err, const char *part) {
  assert_int_equal(rc, -1);
  assert_non_null(*err);
  if (strstr((*err)->msg, part) == NULL)
    fail_msg("\"%s\" not in \"%s\"", part, (*err)->msg);
  err_free(err);
}

static const char *const v2_files[] = {"memory.max", "memory.low",   "memory.swap.max",
                                       "cpu.weight", "cpu.max",      "cpu.max.burst",
                                       "cpu.idle",   "cpuset.cpus",  "cpuset.mems",
                                       NULL};

static void test_v2_backend_fake(void **state) {
  (void)state;
  const struct cg_backend *be = &cg_backend_v2;
  tote_err *err = NULL;
  char *d = fake_dir(v2_files);
  struct cg_memory m = {.limit = 67108864, .reservation = 33554432, .swap = 100663296};
  assert_int_equal(be->set_memory(d, &m, &err), 0);
  assert_file(d, "memory.max", "67108864");
  assert_file(d, "memory.low", "33554432");
  assert_file(d, "memory.swap.max", "33554432"); /* 96 MiB memory+swap - 64 MiB */
  struct cg_cpu c = {.shares = 1024, .quota = 50000, .period = 200000, .burst = 10000,
                     .idle = 1};
  assert_int_equal(be->set_cpu(d, &c, &err), 0);
  assert_file(d, "cpu.weight", "39");
  assert_file(d, "cpu.max", "50000 200000");
  assert_file(d, "cpu.max.burst", "10000");
  assert_file(d, "cpu.idle", "1");
  assert_int_equal(be->set_cpuset(d, "0-1", "0", &err), 0);
  assert_file(d, "cpuset.cpus", "0-1");
  assert_file(d, "cpuset.mems", "0");
  fake_rm(d);

  /* Unlimited memory with swap unset: both "max"; quota alone: period 100000. */
  d = fake_dir(v2_files);
  m = (struct cg_memory){.limit = -1};
  assert_int_equal(be->set_memory(d, &m, &err), 0);
  assert_file(d, "memory.max", "max");
  assert_file(d, "memory.swap.max", "max");
  c = (struct cg_cpu){.quota = -1};
  assert_int_equal(be->set_cpu(d, &c, &err), 0);
  assert_file(d, "cpu.max", "max 100000");
  fake_rm(d);

  /* What v2 cannot do is refused, naming the field. */
  d = fake_dir(v2_files);
  m = (struct cg_memory){.swappiness_set = true};
  assert_refused(be->set_memory(d, &m, &err), &err,
                 "linux.resources.memory.swappiness is not supported on cgroup v2");
  m = (struct cg_memory){.disable_oom = true};
  assert_refused(be->set_memory(d, &m, &err), &err,
                 "linux.resources.memory.disableOOMKiller is not supported on cgroup v2");
  c = (struct cg_cpu){.rt_runtime = 1000};
  assert_refused(be->set_cpu(d, &c, &err), &err,
                 "linux.resources.cpu.realtimeRuntime is not supported on cgroup v2");
  m = (struct cg_memory){.kernel_tcp = 1048576};
  assert_refused(be->set_memory(d, &m, &err), &err,
                 "linux.resources.memory.kernelTCP is not supported on cgroup v2");
  m = (struct cg_memory){.use_hierarchy = -1};
  assert_refused(be->set_memory(d, &m, &err), &err,
                 "linux.resources.memory.useHierarchy false is not supported on cgroup v2");
  m = (struct cg_memory){.use_hierarchy = 1}; /* what v2 always is */
  assert_int_equal(be->set_memory(d, &m, &err), 0);
  c = (struct cg_cpu){.rt_period = 1000};
  assert_refused(be->set_cpu(d, &c, &err), &err,
                 "linux.resources.cpu.realtimePeriod is not supported on cgroup v2");
  fake_rm(d);

  /* No memory.swap.max: no swap accounting. */
  static const char *const noswap[] = {"memory.max", NULL};
  d = fake_dir(noswap);
  m = (struct cg_memory){.limit = 1048576, .swap = 2097152};
  assert_refused(be->set_memory(d, &m, &err), &err,
                 "linux.resources.memory.swap is not supported: swap accounting is off");
  /* no cpu files: the controller is not delegated */
  c = (struct cg_cpu){.shares = 100};
  assert_refused(be->set_cpu(d, &c, &err), &err, "the cpu controller is not enabled");
  fake_rm(d);
}

static const char *const v1_files[] = {
    "memory.limit_in_bytes", "memory.soft_limit_in_bytes", "memory.swappiness",
    "memory.oom_control",    "memory.kmem.tcp.limit_in_bytes", "memory.use_hierarchy",
    "cpu.shares",            "cpu.cfs_period_us",
    "cpu.cfs_quota_us",      "cpuset.cpus",                "cpuset.mems",
    NULL};

static void test_v1_backend_fake(void **state) {
  (void)state;
  const struct cg_backend *be = &cg_backend_v1;
  tote_err *err = NULL;
  char *d = fake_dir(v1_files);
  struct cg_memory m = {.limit = 67108864, .reservation = 33554432, .swappiness_set = true,
                        .swappiness = 0, .disable_oom = true, .kernel_tcp = 2097152,
                        .use_hierarchy = 1};
  assert_int_equal(be->set_memory(d, &m, &err), 0);
  assert_file(d, "memory.kmem.tcp.limit_in_bytes", "2097152");
  assert_file(d, "memory.use_hierarchy", "1");
  assert_file(d, "memory.limit_in_bytes", "67108864");
  assert_file(d, "memory.soft_limit_in_bytes", "33554432");
  assert_file(d, "memory.swappiness", "0");
  assert_file(d, "memory.oom_control", "1");
  struct cg_cpu c = {.shares = 512, .quota = -1, .period = 50000};
  assert_int_equal(be->set_cpu(d, &c, &err), 0);
  assert_file(d, "cpu.shares", "512");
  assert_file(d, "cpu.cfs_period_us", "50000");
  assert_file(d, "cpu.cfs_quota_us", "-1");
  assert_int_equal(be->set_cpuset(d, "1", NULL, &err), 0);
  assert_file(d, "cpuset.cpus", "1");
  assert_file(d, "cpuset.mems", "");

  /* Files this kernel lacks refuse their field, naming it and the reason. */
  m = (struct cg_memory){.limit = 1048576, .swap = 2097152};
  assert_refused(be->set_memory(d, &m, &err), &err,
                 "linux.resources.memory.swap is not supported: swap accounting is off in this "
                 "kernel");
  c = (struct cg_cpu){.quota = 5000, .burst = 1000};
  assert_refused(be->set_cpu(d, &c, &err), &err, "linux.resources.cpu.burst is not supported: ");
  c = (struct cg_cpu){.rt_period = 100000};
  assert_refused(be->set_cpu(d, &c, &err), &err,
                 "linux.resources.cpu.realtimePeriod is not supported: this kernel has no "
                 "real-time group scheduling");
  c = (struct cg_cpu){.rt_runtime = 1000};
  assert_refused(be->set_cpu(d, &c, &err), &err,
                 "linux.resources.cpu.realtimeRuntime is not supported");
  c = (struct cg_cpu){.idle = 1};
  assert_refused(be->set_cpu(d, &c, &err), &err, "linux.resources.cpu.idle is not supported");
  fake_rm(d);

  /* With the optional files: all written. */
  static const char *const full[] = {"memory.limit_in_bytes", "memory.memsw.limit_in_bytes",
                                     "cpu.cfs_quota_us",      "cpu.cfs_burst_us",
                                     "cpu.rt_period_us",      "cpu.rt_runtime_us",
                                     "cpu.idle",              "cpu.shares",
                                     NULL};
  d = fake_dir(full);
  m = (struct cg_memory){.limit = 1048576, .swap = 2097152};
  assert_int_equal(be->set_memory(d, &m, &err), 0);
  assert_file(d, "memory.limit_in_bytes", "1048576");
  assert_file(d, "memory.memsw.limit_in_bytes", "2097152");
  c = (struct cg_cpu){.shares = 10, .quota = 5000, .burst = 1000, .rt_period = 100000,
                      .rt_runtime = 5000, .idle = 1};
  assert_int_equal(be->set_cpu(d, &c, &err), 0);
  assert_file(d, "cpu.cfs_quota_us", "5000");
  assert_file(d, "cpu.cfs_burst_us", "1000");
  assert_file(d, "cpu.rt_period_us", "100000");
  assert_file(d, "cpu.rt_runtime_us", "5000");
  assert_file(d, "cpu.idle", "1");
  fake_rm(d);
  d = fake_dir(full);
  /* unlimited memory with swap unset: memsw unlimited too (as runc) */
  m = (struct cg_memory){.limit = -1};
  assert_int_equal(be->set_memory(d, &m, &err), 0);
  assert_file(d, "memory.limit_in_bytes", "-1");
  assert_file(d, "memory.memsw.limit_in_bytes", "-1");
  fake_rm(d);
}

static void test_resource_fields(void **state) {
  (void)state;
  tote_err *err = NULL;
  json_t *j = json_loads("{\"memory\": {\"limit\": 100, \"swap\": 200, \"reservation\": 50,"
                         " \"swappiness\": 0, \"disableOOMKiller\": true},"
                         " \"cpu\": {\"cpus\": \"0-3\", \"mems\": \"\", \"idle\": 1,"
                         " \"realtimeRuntime\": -1, \"realtimePeriod\": 10, \"burst\": 7}}",
                         0, NULL);
  assert_non_null(j);
  struct cg_memory m;
  assert_int_equal(cg_memory_fields(j, &m, &err), 0);
  assert_int_equal(m.limit, 100);
  assert_int_equal(m.swap, 200);
  assert_int_equal(m.reservation, 50);
  assert_true(m.swappiness_set);
  assert_int_equal(m.swappiness, 0);
  assert_true(m.disable_oom);
  struct cg_cpu c;
  assert_int_equal(cg_cpu_fields(j, &c, &err), 0);
  assert_string_equal(c.cpus, "0-3");
  assert_null(c.mems); /* "" is not set */
  assert_int_equal(c.idle, 1);
  assert_int_equal(c.rt_runtime, -1);
  assert_int_equal(c.rt_period, 10);
  assert_int_equal(c.burst, 7);
  json_decref(j);
  j = json_loads("{\"memory\": {\"swappiness\": null}}", 0, NULL);
  assert_int_equal(cg_memory_fields(j, &m, &err), 0);
  assert_false(m.swappiness_set);
  json_decref(j);
}

static void test_pid_list(void **state) {
  (void)state;
  pid_t *p = NULL;
  size_t n = 0;
  tote_err *err = NULL;
  assert_int_equal(cg_parse_pids("12\n5\n", &p, &n, &err), 0);
  assert_int_equal(cg_parse_pids("5\n7\n\n", &p, &n, &err), 0);
  assert_int_equal(cg_parse_pids("", &p, &n, &err), 0);
  cg_pids_uniq(p, &n);
  assert_int_equal(n, 3);
  assert_int_equal(p[0], 5);
  assert_int_equal(p[1], 7);
  assert_int_equal(p[2], 12);
  assert_int_equal(cg_parse_pids("3x\n", &p, &n, &err), -1);
  err_free(&err);
  assert_int_equal(cg_parse_pids("-3\n", &p, &n, &err), -1);
  err_free(&err);
  free(p);
}

static const char state_json[] =
    "{\"path\": \"/tote/x\", \"rootless\": false, \"hierarchies\": ["
    " {\"version\": 1, \"mount\": \"/sys/fs/cgroup/pids\", \"root\": \"/\","
    "  \"path\": \"/tote/x\", \"controllers\": [\"pids\"], \"dir\": "
    "  \"/sys/fs/cgroup/pids/tote/x\", \"created\": [%s]},"
    " {\"version\": 1, \"mount\": \"/sys/fs/cgroup/systemd\", \"root\": \"/\", \"name\": "
    "  \"systemd\", \"path\": \"/tote/x\", \"controllers\": [], \"dir\": null, \"created\": []}"
    "]}";

static struct cgroup *cg_from_text(const char *created, tote_err **err) {
  char buf[2048];
  snprintf(buf, sizeof buf, state_json, created);
  json_t *j = json_loads(buf, 0, NULL);
  assert_non_null(j);
  struct cgroup *cg = cgroup_from_json(j, err);
  json_decref(j);
  return cg;
}

static void test_state_json(void **state) {
  (void)state;
  tote_err *err = NULL;
  struct cgroup *cg = cg_from_text(
      "\"/sys/fs/cgroup/pids/tote\", \"/sys/fs/cgroup/pids/tote/x\"", &err);
  assert_non_null(cg);
  assert_string_equal(cgroup_path(cg), "/tote/x");
  json_t *j = cgroup_to_json(cg);
  struct cgroup *again = cgroup_from_json(j, &err);
  assert_non_null(again);
  json_t *j2 = cgroup_to_json(again);
  assert_true(json_equal(j, j2));
  json_decref(j);
  json_decref(j2);
  cgroup_free(again);
  cgroup_free(cg);

  /* Nothing outside the way from the mount point to the cgroup. */
  static const char *const bad[] = {
      "\"/sys/fs/cgroup/pids\"",           "\"/sys/fs/cgroup/pids/tote/../../..\"",
      "\"/sys/fs/cgroup/pids/other\"",     "\"/etc\"",
      "\"/sys/fs/cgroup/pidsx/tote\"",     "\"/sys/fs/cgroup/pids/tote/x/y\"",
      "\"/sys/fs/cgroup/pids//tote\"",     "3",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    cg = cg_from_text(bad[i], i % 2 ? NULL : &err); /* err may be NULL */
    if (cg != NULL)
      fail_msg("accepted created = [%s]", bad[i]);
    err_free(&err);
  }
  json_t *kern = json_loads("{\"memory\": {\"kernel\": 4096}}", 0, NULL);
  assert_int_equal(cgroup_check_resources(kern, NULL), -1);
  json_decref(kern);
}

/* ---------------------------------------------------------------- real */

#define MAX_CHILDREN 8
#define MAX_CGROUPS 4

static struct {
  char name[64];               /* tote-test-<pid> */
  pid_t children[MAX_CHILDREN];
  struct cgroup *cgs[MAX_CGROUPS];
} rt;

static pid_t spawn_sleeper(void) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    signal(SIGTERM, SIG_DFL);
    for (;;)
      pause();
  }
  for (int i = 0; i < MAX_CHILDREN; i++)
    if (rt.children[i] == 0) {
      rt.children[i] = pid;
      return pid;
    }
  kill(pid, SIGKILL);
  fail_msg("too many children");
  return -1;
}

static void reaped(pid_t pid) {
  for (int i = 0; i < MAX_CHILDREN; i++)
    if (rt.children[i] == pid)
      rt.children[i] = 0;
}

static struct cgroup *keep(struct cgroup *cg) {
  for (int i = 0; i < MAX_CGROUPS; i++)
    if (rt.cgs[i] == NULL)
      return rt.cgs[i] = cg;
  fail_msg("too many cgroups");
  return NULL;
}

static void forget(struct cgroup *cg) {
  for (int i = 0; i < MAX_CGROUPS; i++)
    if (rt.cgs[i] == cg)
      rt.cgs[i] = NULL;
  cgroup_free(cg);
}

static int real_setup(void **state) {
  (void)state;
  memset(&rt, 0, sizeof rt);
  snprintf(rt.name, sizeof rt.name, "tote-test-%d", (int)getpid());
  return 0;
}

/* rmdir mount/name and what is below it: only our uniquely named dirs. */
static void sweep(const char *dir) {
  struct stat st;
  if (stat(dir, &st) < 0)
    return;
  _cleanup_free_ char *fz = xasprintf("%s/freezer.state", dir);
  if (access(fz, F_OK) == 0)
    write_file_at(AT_FDCWD, fz, "THAWED", 6, 0, NULL);
  _cleanup_free_ char *cmd = xasprintf("find '%s' -depth -type d -exec rmdir {} + 2>/dev/null",
                                       dir);
  if (system(cmd) != 0 || stat(dir, &st) == 0)
    fprintf(stderr, "teardown: could not remove %s\n", dir);
}

static int real_teardown(void **state) {
  (void)state;
  tote_err *err = NULL;
  for (int i = 0; i < MAX_CGROUPS; i++)
    if (rt.cgs[i])
      cgroup_freeze(rt.cgs[i], false, &err), err_free(&err);
  for (int i = 0; i < MAX_CHILDREN; i++) {
    if (rt.children[i] > 0) {
      kill(rt.children[i], SIGKILL);
      waitpid(rt.children[i], NULL, 0);
    }
  }
  for (int i = 0; i < MAX_CGROUPS; i++) {
    if (rt.cgs[i] && cgroup_destroy(rt.cgs[i], &err) < 0) {
      fprintf(stderr, "teardown: %s\n", err->msg);
      err_free(&err);
    }
    cgroup_free(rt.cgs[i]);
  }
  /* Whatever is left named tote-test-<pid>, at the hierarchy roots and
   * below this process's own cgroups. */
  struct cg_hier *h;
  size_t n;
  struct cg_proc_entry *e = NULL;
  size_t ne = 0;
  _cleanup_free_ char *self = read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL, &err);
  if (self == NULL || cg_parse_proc_cgroup(self, &e, &ne, &err) < 0)
    err_free(&err);
  if (cg_detect(&h, &n, &err) == 0) {
    for (size_t i = 0; i < n; i++) {
      _cleanup_free_ char *dir = xasprintf("%s/%s", h[i].mount, rt.name);
      sweep(dir);
      const struct cg_proc_entry *own = cg_proc_entry_for(&h[i], e, ne);
      _cleanup_free_ char *rel = own ? cg_resolve_path(&h[i], rt.name, own->path, &err) : NULL;
      _cleanup_free_ char *reldir = rel ? xasprintf("%s%s", h[i].mount, rel) : NULL;
      if (reldir)
        sweep(reldir);
      err_free(&err);
    }
    cg_hiers_free(h, n);
  }
  cg_proc_entries_free(e, ne);
  err_free(&err);
  memset(&rt, 0, sizeof rt);
  return 0;
}

static void need_root(void) {
  if (geteuid() != 0 || access("/proc/self/mountinfo", R_OK) != 0)
    skip();
  enum cg_layout l;
  tote_err *err = NULL;
  if (cgroup_detect_layout(&l, &err) < 0) {
    err_free(&err);
    skip();
  }
}

static struct cg_hier *hier_of(struct cgroup *cg, const char *ctrl) { return cg_find(cg, ctrl); }

static char *read_cg(struct cgroup *cg, const char *ctrl, const char *file) {
  struct cg_hier *h = hier_of(cg, ctrl);
  if (h == NULL || h->dir == NULL)
    return NULL;
  tote_err *err = NULL;
  char *s = cg_read(h->dir, file, &err);
  err_free(&err);
  return s;
}

static json_t *json_of(const char *text) {
  json_t *j = json_loads(text, 0, NULL);
  assert_non_null(j);
  return j;
}

#define OK(call)                                                                                \
  do {                                                                                          \
    tote_err *err_ = NULL;                                                                      \
    if ((call) < 0)                                                                             \
      fail_msg("%s: %s", #call, err_ ? err_->msg : "?");                                       \
  } while (0)

/* Each process's /proc/PID/cgroup must show path in every hierarchy. */
static void assert_member(pid_t pid, struct cgroup *cg) {
  char file[64];
  snprintf(file, sizeof file, "/proc/%d/cgroup", (int)pid);
  tote_err *err = NULL;
  _cleanup_free_ char *text = read_file_at(AT_FDCWD, file, NULL, &err);
  assert_non_null(text);
  struct cg_proc_entry *e;
  size_t ne;
  assert_int_equal(cg_parse_proc_cgroup(text, &e, &ne, &err), 0);
  for (size_t i = 0; i < cg->n; i++) {
    const struct cg_proc_entry *m = cg_proc_entry_for(&cg->h[i], e, ne);
    assert_non_null(m);
    if (strcmp(m->path, cg->h[i].path) != 0)
      fail_msg("%s: pid %d is in %s, not %s", cg->h[i].mount, (int)pid, m->path,
               cg->h[i].path);
  }
  cg_proc_entries_free(e, ne);
}

static bool exists(const char *p) {
  struct stat st;
  return stat(p, &st) == 0;
}

static bool exists_in(const char *dir, const char *file) {
  _cleanup_free_ char *p = xasprintf("%s/%s", dir, file);
  return exists(p);
}

static void test_real_lifecycle(void **state) {
  (void)state;
  need_root();
  tote_err *err = NULL;
  _cleanup_free_ char *path = xasprintf("/%s", rt.name);
  struct cgroup *cg = cgroup_create(path, "unused", false, &err);
  if (cg == NULL)
    fail_msg("create: %s", err->msg);
  keep(cg);
  assert_string_equal(cgroup_path(cg), path);
  for (size_t i = 0; i < cg->n; i++) {
    assert_non_null(cg->h[i].dir);
    assert_true(exists(cg->h[i].dir));
    assert_string_equal(cg->h[i].created[0], cg->h[i].dir);
    assert_null(cg->h[i].created[1]);
  }
  /* v1 cpuset: the new dir got the root's cpus and mems. */
  struct cg_hier *cs = hier_of(cg, "cpuset");
  if (cs && !cs->v2) {
    _cleanup_free_ char *mine = read_cg(cg, "cpuset", "cpuset.cpus");
    _cleanup_free_ char *root = cg_read(cs->mount, "cpuset.cpus", &err);
    assert_non_null(mine);
    assert_non_null(root);
    assert_string_equal(mine, root);
  }

  pid_t a = spawn_sleeper(), b = spawn_sleeper();
  OK(cgroup_enter(cg, a, &err_));
  OK(cgroup_enter(cg, b, &err_));
  assert_member(a, cg);
  assert_member(b, cg);
  pid_t *pids;
  size_t n;
  OK(cgroup_pids(cg, &pids, &n, &err_));
  assert_int_equal(n, 2);
  assert_true((pids[0] == a && pids[1] == b) || (pids[0] == b && pids[1] == a));
  free(pids);

  /* A second create on the same, busy path is refused and removes nothing. */
  struct cgroup *twin = cgroup_create(path, "unused", false, &err);
  assert_null(twin);
  assert_non_null(strstr(err->msg, "has processes"));
  err_free(&err);
  assert_true(exists(cg->h[0].dir));

  /* Freeze and thaw. */
  bool frozen = true;
  OK(cgroup_is_frozen(cg, &frozen, &err_));
  assert_false(frozen);
  OK(cgroup_freeze(cg, true, &err_));
  OK(cgroup_is_frozen(cg, &frozen, &err_));
  assert_true(frozen);
  OK(cgroup_freeze(cg, false, &err_));
  OK(cgroup_is_frozen(cg, &frozen, &err_));
  assert_false(frozen);

  /* Resources. */
  json_t *res = json_of("{\"pids\": {\"limit\": 42}, \"memory\": {\"limit\": 67108864},"
                        " \"devices\": [{\"allow\": false, \"access\": \"rwm\"},"
                        "  {\"allow\": true, \"type\": \"c\", \"major\": 1, \"minor\": 3,"
                        "   \"access\": \"rwm\"},"
                        "  {\"allow\": true, \"type\": \"c\", \"major\": 136, \"access\": \"rw\"}]}");
  OK(cgroup_check_resources(res, &err_));
  OK(cgroup_apply_resources(cg, res, &err_));
  json_decref(res);
  _cleanup_free_ char *pmax = read_cg(cg, "pids", "pids.max");
  assert_non_null(pmax);
  assert_string_equal(pmax, "42");
  struct cg_hier *mem = hier_of(cg, "memory");
  assert_non_null(mem);
  _cleanup_free_ char *mlim =
      read_cg(cg, "memory", mem->v2 ? "memory.max" : "memory.limit_in_bytes");
  assert_non_null(mlim);
  assert_string_equal(mlim, "67108864");
  struct cg_hier *dv = hier_of(cg, "devices");
  if (dv && !dv->v2) {
    _cleanup_free_ char *list = read_cg(cg, "devices", "devices.list");
    assert_non_null(list);
    assert_string_equal(list, "c 1:3 rwm\nc 136:* rw");
  }
  res = json_of("{\"pids\": {\"limit\": -1}, \"memory\": {\"limit\": -1}}");
  OK(cgroup_apply_resources(cg, res, &err_));
  json_decref(res);
  _cleanup_free_ char *pmax2 = read_cg(cg, "pids", "pids.max");
  assert_string_equal(pmax2, "max");
  /* runtime-spec: 0 is a real limit, only negative means max. */
  res = json_of("{\"pids\": {\"limit\": 0}}");
  OK(cgroup_apply_resources(cg, res, &err_));
  json_decref(res);
  _cleanup_free_ char *pmax3 = read_cg(cg, "pids", "pids.max");
  assert_string_equal(pmax3, "0");
  res = json_of("{\"cpu\": {\"shares\": 512, \"quota\": 25000, \"period\": 50000}}");
  OK(cgroup_apply_resources(cg, res, &err_));
  json_decref(res);
  if (cg_find(cg, "cpu") && !cg_find(cg, "cpu")->v2) {
    _cleanup_free_ char *shares = read_cg(cg, "cpu", "cpu.shares");
    _cleanup_free_ char *quota = read_cg(cg, "cpu", "cpu.cfs_quota_us");
    _cleanup_free_ char *period = read_cg(cg, "cpu", "cpu.cfs_period_us");
    assert_string_equal(shares, "512");
    assert_string_equal(quota, "25000");
    assert_string_equal(period, "50000");
  }
  /* cpuset: the parent's first cpu and mem node. */
  if (cs && !cs->v2) {
    _cleanup_free_ char *root = cg_read(cs->mount, "cpuset.cpus", &err);
    assert_non_null(root);
    char first[16];
    snprintf(first, sizeof first, "%d", atoi(root));
    _cleanup_free_ char *text =
        xasprintf("{\"cpu\": {\"cpus\": \"%s\", \"mems\": \"0\"}}", first);
    res = json_of(text);
    OK(cgroup_apply_resources(cg, res, &err_));
    json_decref(res);
    _cleanup_free_ char *cpus = read_cg(cg, "cpuset", "cpuset.cpus");
    assert_string_equal(cpus, first);
  }
  /* v1 memory: memsw must stay >= limit at each write, raising and
   * lowering both. */
  if (mem && !mem->v2 && exists_in(mem->dir, "memory.memsw.limit_in_bytes")) {
    static const char *const steps[][2] = {{"67108864", "67108864"},
                                           {"134217728", "268435456"},
                                           {"33554432", "33554432"},
                                           {"67108864", "67108864"}};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
      _cleanup_free_ char *text = xasprintf(
          "{\"memory\": {\"limit\": %s, \"swap\": %s, \"reservation\": 16777216, "
          "\"swappiness\": 10}}",
          steps[i][0], steps[i][1]);
      res = json_of(text);
      OK(cgroup_apply_resources(cg, res, &err_));
      json_decref(res);
      _cleanup_free_ char *lim = read_cg(cg, "memory", "memory.limit_in_bytes");
      _cleanup_free_ char *sw = read_cg(cg, "memory", "memory.memsw.limit_in_bytes");
      assert_string_equal(lim, steps[i][0]);
      assert_string_equal(sw, steps[i][1]);
    }
    _cleanup_free_ char *soft = read_cg(cg, "memory", "memory.soft_limit_in_bytes");
    _cleanup_free_ char *swp = read_cg(cg, "memory", "memory.swappiness");
    assert_string_equal(soft, "16777216");
    assert_string_equal(swp, "10");
    res = json_of("{\"memory\": {\"limit\": -1}}"); /* both unlimited again */
    OK(cgroup_apply_resources(cg, res, &err_));
    json_decref(res);
  }

  /* The state record leads to the same directories. */
  json_t *j = cgroup_to_json(cg);
  struct cgroup *back = cgroup_from_json(j, &err);
  json_decref(j);
  assert_non_null(back);
  keep(back);
  OK(cgroup_pids(back, &pids, &n, &err_));
  assert_int_equal(n, 2);
  free(pids);

  /* SIGTERM goes through freeze / signal / thaw; SIGKILL through cgroup.kill
   * where cgroup2 has it. */
  OK(cgroup_kill_all(back, SIGTERM, &err_));
  int st;
  for (int i = 0; i < 2; i++) {
    pid_t w = waitpid(-1, &st, 0);
    assert_true(w == a || w == b);
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
  }
  reaped(a);
  reaped(b);
  OK(cgroup_is_frozen(back, &frozen, &err_));
  assert_false(frozen);
  pid_t c = spawn_sleeper();
  OK(cgroup_enter(back, c, &err_));
  assert_int_equal(cgroup_kill_all(back, SIGKILL, NULL), 0); /* err may be NULL */
  assert_int_equal(waitpid(c, &st, 0), c);
  assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
  reaped(c);
  OK(cgroup_pids(back, &pids, &n, &err_));
  assert_int_equal(n, 0);
  free(pids);

  /* Destroy through the restored record; the original then has nothing
   * left to remove. */
  assert_int_equal(cgroup_destroy(back, NULL), 0);
  for (size_t i = 0; i < cg->n; i++)
    if (exists(cg->h[i].dir))
      fail_msg("%s is still there", cg->h[i].dir);
  forget(back);
}

static void test_real_relative_and_refusals(void **state) {
  (void)state;
  need_root();
  tote_err *err = NULL;
  /* Relative: below this process's own cgroup in each hierarchy (on this
   * machine memory's is /process_api/<x>); two levels, both created. */
  _cleanup_free_ char *rel = xasprintf("%s/inner", rt.name);
  struct cgroup *cg = cgroup_create(rel, "unused", false, &err);
  if (cg == NULL)
    fail_msg("create %s: %s", rel, err->msg);
  keep(cg);
  _cleanup_free_ char *self = read_file_at(AT_FDCWD, "/proc/self/cgroup", NULL, &err);
  struct cg_proc_entry *e;
  size_t ne;
  assert_int_equal(cg_parse_proc_cgroup(self, &e, &ne, &err), 0);
  for (size_t i = 0; i < cg->n; i++) {
    struct cg_hier *h = &cg->h[i];
    const struct cg_proc_entry *own = cg_proc_entry_for(h, e, ne);
    assert_non_null(own);
    _cleanup_free_ char *want = xasprintf("%s/%s", strcmp(own->path, "/") ? own->path : "", rel);
    assert_string_equal(h->path, want);
    assert_true(exists(h->dir));
    assert_non_null(h->created[1]);
    assert_null(h->created[2]);
    assert_non_null(strstr(h->created[0], rt.name));
  }
  cg_proc_entries_free(e, ne);
  /* The intermediate dir is now there: a sibling creates only its leaf, and
   * destroying the sibling leaves the first one alone. */
  _cleanup_free_ char *rel2 = xasprintf("%s/other", rt.name);
  struct cgroup *sib = cgroup_create(rel2, "unused", false, &err);
  if (sib == NULL)
    fail_msg("create %s: %s", rel2, err->msg);
  keep(sib);
  assert_null(sib->h[0].created[1]);
  OK(cgroup_destroy(cg, &err_));
  assert_false(exists(cg->h[0].dir));
  assert_true(exists(sib->h[0].dir)); /* parent in use: left */
  OK(cgroup_destroy(sib, &err_));
  assert_true(exists(sib->h[0].dir) == false);
  /* The parent cg created was in use at cg's destroy, so it stays (as with
   * runc); the teardown sweep removes it. */

  /* Refusals create nothing. */
  static const char *const bad[] = {"/", "/tote/../x", "..", ".", "a/../../b"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    struct cgroup *x = cgroup_create(bad[i], "id", false, &err);
    if (x != NULL)
      fail_msg("cgroupsPath \"%s\" accepted", bad[i]);
    err_free(&err);
  }
  assert_null(cgroup_create(NULL, "a/b", false, &err));
  err_free(&err);
}

/* As nobody: rootless skips every hierarchy it may not write (the limits
 * that need one then fail, devices are skipped); not rootless, it fails. */
static int rootless_child(const char *path) {
  if (setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
    return 10;
  tote_err *err = NULL;
  struct cgroup *cg = cgroup_create(path, "x", true, &err);
  if (cg == NULL)
    return 11;
  for (size_t i = 0; i < cg->n; i++)
    if (cg->h[i].dir || cg->h[i].created)
      return 12;
  json_t *dev = json_loads("{\"devices\": [{\"allow\": false}]}", 0, NULL);
  json_t *pids = json_loads("{\"pids\": {\"limit\": 5}}", 0, NULL);
  if (cgroup_apply_resources(cg, dev, &err) < 0)
    return 13;
  if (cgroup_apply_resources(cg, pids, &err) == 0 || strstr(err->msg, "rootless") == NULL)
    return 14;
  err_free(&err);
  pid_t *p;
  size_t n;
  if (cgroup_pids(cg, &p, &n, &err) < 0 || n != 0 || cgroup_destroy(cg, &err) < 0)
    return 15;
  cgroup_free(cg);
  json_decref(dev);
  json_decref(pids);
  if (cgroup_create(path, "x", false, &err) != NULL || err->errnum != EACCES)
    return 16;
  err_free(&err);
  return 0;
}

static void test_real_rootless(void **state) {
  (void)state;
  need_root();
  _cleanup_free_ char *path = xasprintf("/%s", rt.name);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(rootless_child(path));
  rt.children[0] = pid;
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  rt.children[0] = 0;
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  struct cg_hier *h;
  size_t n;
  tote_err *err = NULL;
  assert_int_equal(cg_detect(&h, &n, &err), 0);
  for (size_t i = 0; i < n; i++) {
    _cleanup_free_ char *dir = xasprintf("%s/%s", h[i].mount, rt.name);
    assert_false(exists(dir));
  }
  cg_hiers_free(h, n);
}

/* ---------------------------------------------------------------- stats */

static void test_stats_parsers(void **state) {
  (void)state;
  struct cg_stats s = {0};
  uint64_t v = 0;
  assert_int_equal(cg_kv_get("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", "oom_kill", &v), 0);
  assert_int_equal(v, 3);
  assert_int_equal(cg_kv_get("oom_kill_disable 0\n", "oom_kill", &v), -1);

  cg_parse_u64_list("313777410 3580185 \n", &s.percpu);
  assert_int_equal(s.percpu.n, 2);
  assert_int_equal(s.percpu.v[1], 3580185);

  cg_parse_cpuacct_stat("user 30\nsystem 2\n", 100, &s);
  assert_int_equal(s.cpu_user, 300000000ULL);
  assert_int_equal(s.cpu_kernel, 20000000ULL);

  cg_parse_memory_stat("cache 4096\nrss 57344\nbogus\ntotal_rss 57344\n", &s);
  assert_int_equal(s.nraw, 3);
  assert_string_equal(s.raw[1].key, "rss");
  assert_int_equal(s.raw[1].value, 57344);

  cg_parse_blkio_v1("254:0 Read 471040\n254:0 Write 0\n254:16 Total 7\nTotal 471047\n",
                    &s.io_bytes);
  assert_int_equal(s.io_bytes.n, 3);
  assert_int_equal(s.io_bytes.e[2].minor, 16);
  assert_string_equal(s.io_bytes.e[2].op, "Total");
  cg_stats_free(&s);

  cg_parse_io_stat("8:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n", &s);
  assert_int_equal(s.io_bytes.n, 2);
  assert_int_equal(s.io_serviced.n, 2);
  assert_string_equal(s.io_bytes.e[1].op, "Write");
  assert_int_equal(s.io_bytes.e[1].value, 2048);
  assert_int_equal(s.io_serviced.e[0].value, 1);

  cg_parse_cpu_stat_v2("usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 7\n"
                       "nr_throttled 2\nthrottled_usec 30\n", &s);
  assert_int_equal(s.cpu_total, 1500000);
  assert_int_equal(s.cpu_kernel, 500000);
  assert_int_equal(s.throttled_periods, 2);
  assert_int_equal(s.throttled_time, 30000);
  cg_stats_free(&s);

  assert_int_equal(cg_parse_limit("max", 0), 0);
  assert_true(cg_parse_limit("max", UINT64_MAX) == UINT64_MAX);
  assert_int_equal(cg_parse_limit("67108864", 0), 67108864);
  char name[16];
  cg_hugepage_name(2048, name, sizeof name);
  assert_string_equal(name, "2MB");
  cg_hugepage_name(1048576, name, sizeof name);
  assert_string_equal(name, "1GB");
  cg_hugepage_name(64, name, sizeof name);
  assert_string_equal(name, "64KB");
}

/* runc's layout: zeros left out where runc's fields are omitempty. */
static void test_stats_json(void **state) {
  (void)state;
  struct cg_stats s = {0};
  s.cpu_total = 10;
  s.cpu_user = 7;
  cg_parse_u64_list("4 6", &s.percpu);
  s.throttled_periods = 1;
  s.mem_usage = (struct cg_mem_entry){.limit = 100, .usage = 50, .max = 0, .failcnt = 0};
  cg_parse_memory_stat("rss 5\n", &s);
  s.pids_current = 3;
  cg_parse_blkio_v1("8:0 Read 9\n", &s.io_bytes);
  json_t *j = cg_stats_json(&s);
  char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(
      text, "{\"blkio\":{\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":9}]},"
            "\"cpu\":{\"throttling\":{\"throttledPeriods\":1},\"usage\":{\"kernel\":0,"
            "\"percpu\":[4,6],\"total\":10,\"user\":7}},\"hugetlb\":{},\"intel_rdt\":{},"
            "\"memory\":{\"kernel\":{\"failcnt\":0,\"limit\":0},\"kernelTCP\":{\"failcnt\":0,"
            "\"limit\":0},\"raw\":{\"rss\":5},\"swap\":{\"failcnt\":0,\"limit\":0},\"usage\":{"
            "\"failcnt\":0,\"limit\":100,\"usage\":50}},\"network_interfaces\":null,"
            "\"pids\":{\"current\":3}}");
  free(text);
  json_decref(j);
  cg_stats_free(&s);
}

static void test_merge_resources(void **state) {
  (void)state;
  tote_err *err = NULL;
  json_t *old = json_loads("{\"memory\": {\"limit\": 100, \"swap\": 200}, \"cpu\": {\"period\": "
                           "200000, \"shares\": 5}, \"devices\": [{\"allow\": false}]}", 0, NULL);
  json_t *delta = json_loads("{\"memory\": {\"swap\": 300, \"reservation\": 0}, \"cpu\": "
                             "{\"quota\": 5000, \"cpus\": \"\"}, \"pids\": {\"limit\": 9}, "
                             "\"devices\": []}", 0, NULL);
  json_t *eff = NULL;
  json_t *m = cg_merge_resources(old, delta, &eff, &err);
  assert_non_null(m);
  char *ms = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
  char *es = json_dumps(eff, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(ms, "{\"cpu\":{\"period\":200000,\"quota\":5000,\"shares\":5},\"devices\":"
                          "[{\"allow\":false}],\"memory\":{\"limit\":100,\"swap\":300},"
                          "\"pids\":{\"limit\":9}}");
  /* the pairs are completed from the merged value; 0 and "" change nothing */
  assert_string_equal(es, "{\"cpu\":{\"period\":200000,\"quota\":5000},\"memory\":{\"limit\":100,"
                          "\"swap\":300},\"pids\":{\"limit\":9}}");
  free(ms);
  free(es);
  json_decref(m);
  json_decref(eff);
  json_decref(delta);
  delta = json_loads("[1]", 0, NULL);
  assert_null(cg_merge_resources(old, delta, NULL, &err));
  assert_non_null(strstr(err->msg, "must be an object"));
  err_free(&err);
  json_decref(delta);
  json_decref(old);
}

static void test_mem_size(void **state) {
  (void)state;
  static const struct {
    const char *in;
    int64_t out;
  } ok[] = {{"1048576", 1048576},  {"64m", 67108864},      {"64M", 67108864},
            {"1g", 1073741824},    {"1.5g", 1610612736},   {"512KiB", 524288},
            {"2 GB", 2147483648LL}, {"10b", 10},           {"1t", 1099511627776LL}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    int64_t v = 0;
    assert_int_equal(rt_parse_mem_size(ok[i].in, &v), 0);
    assert_true(v == ok[i].out);
  }
  static const char *const bad[] = {"", "-1", "abc", "64x", "1..5g", "64mm", "m", "1.g"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    int64_t v;
    assert_int_equal(rt_parse_mem_size(bad[i], &v), -1);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mountinfo_hybrid),
      cmocka_unit_test(test_mountinfo_v2_and_v1),
      cmocka_unit_test(test_mountinfo_hidden_and_malformed),
      cmocka_unit_test(test_clean_path),
      cmocka_unit_test(test_resolve_path),
      cmocka_unit_test(test_validate_resources),
      cmocka_unit_test(test_device_rules),
      cmocka_unit_test(test_conversions),
      cmocka_unit_test(test_v2_backend_fake),
      cmocka_unit_test(test_v1_backend_fake),
      cmocka_unit_test(test_resource_fields),
      cmocka_unit_test(test_pid_list),
      cmocka_unit_test(test_state_json),
      cmocka_unit_test(test_stats_parsers),
      cmocka_unit_test(test_stats_json),
      cmocka_unit_test(test_merge_resources),
      cmocka_unit_test(test_mem_size),
      cmocka_unit_test_setup_teardown(test_real_lifecycle, real_setup, real_teardown),
      cmocka_unit_test_setup_teardown(test_real_relative_and_refusals, real_setup,
                                      real_teardown),
      cmocka_unit_test_setup_teardown(test_real_rootless, real_setup, real_teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
