/* test_attach.c - unit tests of tote attach's frames: headers, frames cut
 * anywhere by reads, several in one read, and one too big. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "engine/attach.h"

static void test_frames(void **state) {
  (void)state;
  uint8_t wire[64];
  size_t n = 0;
  eng_frame_header(ATTACH_STDOUT, 5, wire);
  memcpy(wire + ATTACH_HEADER, "hello", 5);
  n = ATTACH_HEADER + 5;
  eng_frame_header(ATTACH_EXIT, 4, wire + n);
  memcpy(wire + n + ATTACH_HEADER, "\0\0\1\2", 4);
  n += ATTACH_HEADER + 4;
  assert_memory_equal(wire, "\1\0\0\0\5hello", 10);
  /* fed a byte at a time, the frames come out whole */
  struct eng_frames f = {.n = 0};
  uint8_t type;
  const uint8_t *p;
  uint32_t len;
  int got = 0;
  for (size_t i = 0; i < n; i++) {
    assert_int_equal(eng_frames_feed(&f, wire + i, 1), 0);
    while (eng_frames_next(&f, &type, &p, &len) == 1) {
      if (got == 0) {
        assert_int_equal(type, ATTACH_STDOUT);
        assert_int_equal(len, 5);
        assert_memory_equal(p, "hello", 5);
      } else {
        assert_int_equal(type, ATTACH_EXIT);
        assert_int_equal(len, 4);
        assert_int_equal(p[2] << 8 | p[3], 258);
      }
      got++;
    }
  }
  assert_int_equal(got, 2);
  assert_int_equal(f.n, 0);
  /* all in one read */
  assert_int_equal(eng_frames_feed(&f, wire, n), 0);
  assert_int_equal(eng_frames_next(&f, &type, &p, &len), 1);
  assert_int_equal(eng_frames_next(&f, &type, &p, &len), 1);
  assert_int_equal(eng_frames_next(&f, &type, &p, &len), 0);
  /* a frame longer than the buffer is an error, not an overflow */
  uint8_t big[ATTACH_HEADER];
  eng_frame_header(ATTACH_STDIN, 0x7fffffff, big);
  assert_int_equal(eng_frames_feed(&f, big, sizeof big), 0);
  assert_int_equal(eng_frames_next(&f, &type, &p, &len), -1);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_frames)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
