/* report.h - what the fuzzers here share: the fd their messages go to (a
 * copy of stderr, which libFuzzer's -close_fd_mask=2 closes), and broken()
 * for an invariant that does not hold (the message, then abort: libFuzzer
 * keeps the input as a crash).  Define FUZZER before including it. */
#ifndef TOTE_FUZZ_REPORT_H
#define TOTE_FUZZ_REPORT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int report_fd = 2;

/* From LLVMFuzzerInitialize, before libFuzzer closes stderr. */
static inline void report_init(void) {
  int fd = dup(2);
  if (fd >= 0)
    report_fd = fd;
}

__attribute__((noreturn, format(printf, 1, 2), unused)) static void broken(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  dprintf(report_fd, FUZZER ": invariant broken: ");
  vdprintf(report_fd, fmt, ap);
  dprintf(report_fd, "\n");
  va_end(ap);
  abort();
}

#endif
