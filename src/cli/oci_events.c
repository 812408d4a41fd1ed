/* oci_events.c - `events [--stats] [--interval DUR] ID`: the container's
 * statistics and OOM kills, one JSON object per line, as runc prints them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/oci.h"
#include "util/err.h"

static bool stats_once;
static const char *interval = "5s";
static const struct cli_opt events_opts[] = {
    {"stats", 0, OPT_BOOL, &stats_once, "print the container's statistics once and exit", NULL},
    {"interval", 0, OPT_STRING, &interval, "time between stats events (default 5s)", "DUR"},
    {NULL},
};

/* A Go duration ("5s", "250ms", "1m30s", "1.5s") in milliseconds, at
 * least 1; -1 if malformed or not positive. */
static long parse_duration_ms(const char *s) {
  static const struct {
    const char *unit;
    double ms;
  } units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"µs", 1e-3}, {"ms", 1},
               {"s", 1e3},   {"m", 6e4},   {"h", 3.6e6}};
  double total = 0;
  const char *p = s;
  if (*p == '\0')
    return -1;
  while (*p) {
    char *end;
    double v = strtod(p, &end);
    if (end == p || *p == '-' || *p == '+')
      return -1;
    p = end;
    size_t best = 0, best_len = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
      size_t l = strlen(units[i].unit);
      if (strncmp(p, units[i].unit, l) == 0 && l > best_len)
        best = i, best_len = l;
    }
    if (best_len == 0)
      return -1;
    total += v * units[best].ms;
    p += best_len;
  }
  if (total <= 0 || total > 1e12)
    return -1;
  return total < 1 ? 1 : (long)total;
}

static int print_event(json_t *e, void *arg, tote_err **err) {
  (void)arg;
  if (json_dumpf(e, stdout, JSON_COMPACT) < 0 || fputc('\n', stdout) == EOF ||
      fflush(stdout) == EOF)
    return err_set(err, 0, "writing the event to stdout");
  return 0;
}

static int do_events(const struct rt_context *ctx, int argc, char **argv, tote_err **err) {
  int i = oci_parse(&oci_events_cmd, argc, argv, 1, err);
  if (i < 0)
    return i;
  long ms = parse_duration_ms(interval);
  if (ms < 0) {
    err_set(err, 0, "--interval takes a positive duration like 5s or 250ms, not \"%s\"",
            interval);
    return OCI_USAGE_ERROR;
  }
  if (stats_once) {
    json_t *e = rt_stats(ctx, argv[i], err);
    if (e == NULL)
      return -1;
    int r = print_event(e, NULL, err);
    json_decref(e);
    return r;
  }
  return rt_events(ctx, argv[i], ms, print_event, NULL, err) < 0 ? -1 : 0;
}

const struct oci_cmd oci_events_cmd = {"events", "[flags] ID",
                                       "print a container's statistics and OOM events as JSON",
                                       do_events, events_opts, false};
