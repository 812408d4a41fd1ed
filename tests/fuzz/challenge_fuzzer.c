/* challenge_fuzzer.c - libFuzzer entry point for the WWW-Authenticate parser.
 *
 * Each input, up to its first NUL, is a registry's challenge ("Bearer
 * realm=\"...\",service=\"...\",scope=\"...\"", as a 401 sends it) given to
 * reg_challenge_param() for "realm", "service" and "scope", the three
 * parameters the token flow uses.  Besides ASan/UBSan/LeakSanitizer
 * findings, it aborts when a value is longer than the challenge, or when
 * asking twice gives two answers.  What the values are is for the unit
 * tests (tests/unit/test_challenge.c).
 *
 * Build: make fuzz.  Run: tests/fuzz/run.sh [SECONDS]. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "image/registry.h"

#define FUZZER "challenge_fuzzer"
#include "report.h"


int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* libFuzzer's -close_fd_mask=2 closes stderr after this runs; keep a copy
 * for the invariant messages. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  report_init();
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *ch = malloc(size + 1);
  if (ch == NULL)
    return 0;
  memcpy(ch, data, size);
  ch[size] = '\0';
  static const char *const keys[] = {"realm", "service", "scope"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
    char *v = reg_challenge_param(ch, keys[i]);
    char *again = reg_challenge_param(ch, keys[i]);
    if (v != NULL && strlen(v) > strlen(ch))
      broken("%s = \"%s\" is longer than the challenge: %s", keys[i], v, ch);
    if ((v == NULL) != (again == NULL) || (v && strcmp(v, again) != 0))
      broken("%s: two answers for one challenge: %s", keys[i], ch);
    free(v);
    free(again);
  }
  free(ch);
  return 0;
}
