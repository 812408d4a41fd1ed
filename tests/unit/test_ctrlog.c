/* test_ctrlog.c - the json-file log (src/engine/ctrlog.c): entries encoded
 * as docker's, lines cut from a stream, partial lines, rotation. */
#include <fcntl.h>
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

#include "engine/ctrlog.h"
#include "util/fs.h"

#define T "2026-11-29T23:33:55.123456789Z"

static void check_encode(const char *stream, const char *data, size_t len, const char *want) {
  size_t n;
  char *got = eng_log_encode(stream, data, len, T, &n);
  assert_string_equal(got, want);
  assert_int_equal(n, strlen(want));
  free(got);
}

static void test_encode_plain(void **state) {
  (void)state;
  check_encode("stdout", "hello\n", 6,
               "{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"time\":\"" T "\"}\n");
  check_encode("stderr", "no newline", 10,
               "{\"log\":\"no newline\",\"stream\":\"stderr\",\"time\":\"" T "\"}\n");
}

static void test_encode_escapes(void **state) {
  (void)state;
  check_encode("stdout", "a\"b\\c\td\r\x01<&>\n", 13,
               "{\"log\":\"a\\\"b\\\\c\\td\\r\\u0001\\u003c\\u0026\\u003e\\n\",\"stream\":"
               "\"stdout\",\"time\":\"" T "\"}\n");
  /* UTF-8 kept, a bad byte becomes U+FFFD, a NUL is escaped */
  check_encode("stdout", "\xc3\xa9\xff\0", 4,
               "{\"log\":\"\xc3\xa9\\ufffd\\u0000\",\"stream\":\"stdout\",\"time\":\"" T "\"}\n");
  /* a truncated sequence and an overlong one are not UTF-8 */
  check_encode("stdout", "\xe2\x82", 2,
               "{\"log\":\"\\ufffd\\ufffd\",\"stream\":\"stdout\",\"time\":\"" T "\"}\n");
  check_encode("stdout", "\xc0\xaf", 2,
               "{\"log\":\"\\ufffd\\ufffd\",\"stream\":\"stdout\",\"time\":\"" T "\"}\n");
  check_encode("stdout", "\xe2\x80\xa8", 3,
               "{\"log\":\"\\u2028\",\"stream\":\"stdout\",\"time\":\"" T "\"}\n");
}

struct collected {
  char lines[8][64];
  size_t len[8];
  int n;
};

static void collect(void *arg, const char *data, size_t len) {
  struct collected *c = arg;
  assert_true(c->n < 8);
  memcpy(c->lines[c->n], data, len < 64 ? len : 64);
  c->len[c->n++] = len;
}

static void test_lines(void **state) {
  (void)state;
  static struct eng_linebuf lb;
  struct collected c = {0};
  eng_linebuf_feed(&lb, "one\ntw", 6, collect, &c);
  assert_int_equal(c.n, 1);
  assert_memory_equal(c.lines[0], "one\n", 4);
  eng_linebuf_feed(&lb, "o\nthree\nfo", 10, collect, &c);
  assert_int_equal(c.n, 3);
  assert_int_equal(c.len[1], 4);
  assert_memory_equal(c.lines[1], "two\n", 4);
  assert_memory_equal(c.lines[2], "three\n", 6);
  /* at EOF the partial line is flushed, without a newline */
  eng_linebuf_flush(&lb, collect, &c);
  assert_int_equal(c.n, 4);
  assert_int_equal(c.len[3], 2);
  assert_memory_equal(c.lines[3], "fo", 2);
  eng_linebuf_flush(&lb, collect, &c);
  assert_int_equal(c.n, 4);
}

static void test_long_line(void **state) {
  (void)state;
  static struct eng_linebuf lb;
  static char big[ENG_LOG_LINE_MAX + 10];
  memset(big, 'x', sizeof big);
  big[sizeof big - 1] = '\n';
  struct collected c = {0};
  eng_linebuf_feed(&lb, big, sizeof big, collect, &c);
  /* split at the buffer's size: a partial entry, then the rest */
  assert_int_equal(c.n, 2);
  assert_int_equal(c.len[0], ENG_LOG_LINE_MAX);
  assert_int_equal(c.len[1], 10);
}

static void test_rotation(void **state) {
  (void)state;
  char dir[] = "/tmp/test_ctrlog.XXXXXX";
  assert_non_null(mkdtemp(dir));
  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  assert_true(dfd >= 0);
  struct eng_log l;
  assert_int_equal(eng_log_open(&l, dfd, 300), 0);
  for (int i = 0; i < 10; i++)
    assert_int_equal(eng_log_write(&l, "stdout", "0123456789\n", 11), 0);
  eng_log_close(&l);
  struct stat cur, old;
  assert_int_equal(fstatat(dfd, ENG_LOG_FILE, &cur, 0), 0);
  assert_int_equal(fstatat(dfd, ENG_LOG_OLD, &old, 0), 0);
  /* each entry is 81 bytes: 3 fit under 300 */
  assert_true(cur.st_size <= 300 && cur.st_size > 0);
  assert_true(old.st_size <= 300 && old.st_size > 0);
  assert_int_equal((cur.st_size + old.st_size) % 81, 0);
  unlinkat(dfd, ENG_LOG_FILE, 0);
  unlinkat(dfd, ENG_LOG_OLD, 0);
  close(dfd);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_encode_plain), cmocka_unit_test(test_encode_escapes),
      cmocka_unit_test(test_lines),        cmocka_unit_test(test_long_line),
      cmocka_unit_test(test_rotation),
  };
  return cmocka_run_group_tests_name("ctrlog", tests, NULL, NULL);
}
