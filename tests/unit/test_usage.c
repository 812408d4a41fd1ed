/* test_usage.c - unit tests of tote stats' numbers and cells: memory
 * without the inactive page cache, the machine's memory as the limit when
 * there is none, network bytes without lo, block I/O by direction, and
 * docker's units. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/usage.h"

static const char *NET_DEV =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
    "    lo:  500000      10    0    0    0     0          0         0   500000      10    0    "
    "0    0     0       0          0\n"
    "  eth0:    1500      12    0    0    0     0          0         0     2048      20    0    "
    "0    0     0       0          0\n"
    "  eth1:     500       1    0    0    0     0          0         0        0       0    0    "
    "0    0     0       0          0\n";

static void test_v1(void **state) {
  (void)state;
  json_t *d = json_loads(
      "{\"cpu\": {\"usage\": {\"total\": 2000000000}},"
      " \"memory\": {\"usage\": {\"usage\": 10485760, \"limit\": 67108864},"
      "              \"raw\": {\"total_inactive_file\": 2097152}},"
      " \"pids\": {\"current\": 3},"
      " \"blkio\": {\"ioServiceBytesRecursive\": [{\"op\": \"Read\", \"value\": 4096},"
      "   {\"op\": \"Write\", \"value\": 1500000}, {\"op\": \"Read\", \"value\": 4096},"
      "   {\"op\": \"Total\", \"value\": 1508192}]}}",
      0, NULL);
  struct eng_usage prev = {.at_ns = 1000000000, .cpu_ns = 1500000000}, u = {0};
  eng_usage_from(d, NET_DEV, 16ull << 30, &u);
  u.at_ns = 2000000000;
  assert_int_equal(u.mem, 8388608);
  assert_int_equal(u.mem_limit, 67108864);
  assert_int_equal(u.net_rx, 2000);
  assert_int_equal(u.net_tx, 2048);
  assert_int_equal(u.blk_read, 8192);
  assert_int_equal(u.blk_write, 1500000);
  assert_int_equal(u.pids, 3);
  char cells[6][48];
  eng_usage_cells(&prev, &u, cells);
  assert_string_equal(cells[0], "50.00%");
  assert_string_equal(cells[1], "8MiB / 64MiB");
  assert_string_equal(cells[2], "12.50%");
  assert_string_equal(cells[3], "2kB / 2.048kB");
  assert_string_equal(cells[4], "8.192kB / 1.5MB");
  assert_string_equal(cells[5], "3");
  eng_usage_cells(NULL, &u, cells);
  assert_string_equal(cells[0], "--");
  json_decref(d);
}

static void test_v2_unlimited(void **state) {
  (void)state;
  /* v2's inactive_file; no limit (the kernel's huge number): the machine's */
  json_t *d = json_loads("{\"memory\": {\"usage\": {\"usage\": 3145728, \"limit\": "
                         "9223372036854771712}, \"raw\": {\"inactive_file\": 1048576}}}",
                         0, NULL);
  struct eng_usage u = {0};
  eng_usage_from(d, NULL, 2ull << 30, &u);
  char cells[6][48];
  eng_usage_cells(NULL, &u, cells);
  assert_string_equal(cells[1], "2MiB / 2GiB");
  assert_string_equal(cells[2], "0.10%");
  assert_string_equal(cells[3], "0B / 0B");
  assert_string_equal(cells[5], "0");
  json_decref(d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_v1),
      cmocka_unit_test(test_v2_unlimited),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
