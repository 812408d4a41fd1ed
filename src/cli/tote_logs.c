/* tote_logs.c - `tote logs`: a container's output from its json-file log
 * (engine/ctrlog.h), ctr.log.1 then ctr.log; stdout lines to stdout,
 * stderr lines to stderr; -f follows the log until the container exits. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/tote.h"
#include "engine/container.h"
#include "engine/ctrlog.h"
#include "engine/lifecycle.h"
#include "engine/timefmt.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/xalloc.h"

/* How often -f looks for more (and for the container's end). */
#define FOLLOW_POLL_US 50000

static bool logs_follow, logs_timestamps;
static const char *logs_tail = "all", *logs_since, *logs_until;
static const struct cli_opt logs_opts[] = {
    {"follow", 'f', OPT_BOOL, &logs_follow, "go on printing until the container exits", NULL},
    {"tail", 'n', OPT_STRING, &logs_tail, "only the last N lines (default all)", "N"},
    {"timestamps", 't', OPT_BOOL, &logs_timestamps, "print each line's time before it", NULL},
    {"since", 0, OPT_STRING, &logs_since,
     "only lines since TIME (RFC 3339, a Unix time, or a duration back from now: 10m)", "TIME"},
    {"until", 0, OPT_STRING, &logs_until, "only lines before TIME (as --since)", "TIME"},
    {NULL},
};

struct filter {
  int64_t since, until; /* ns; 0: none */
};

/* One json-file line to stdout or stderr; false when it is to be skipped. */
static bool print_entry(const char *line, size_t len, const struct filter *f) {
  json_t *o = json_loadb(line, len, 0, NULL);
  const char *log = json_string_value(json_object_get(o, "log"));
  const char *stream = json_string_value(json_object_get(o, "stream"));
  const char *time = json_string_value(json_object_get(o, "time"));
  int64_t t = 0;
  bool ok = log && time && eng_parse_rfc3339(time, &t) == 0 && (f->since == 0 || t >= f->since) &&
            (f->until == 0 || t < f->until);
  if (ok) {
    FILE *to = stream && strcmp(stream, "stderr") == 0 ? stderr : stdout;
    if (logs_timestamps)
      fprintf(to, "%s ", time);
    fwrite(log, 1, json_string_length(json_object_get(o, "log")), to);
  }
  json_decref(o);
  return ok;
}

/* The complete lines of text into lines (pointers into it); the length of
 * what they take. */
static size_t split(char *text, size_t len, json_t *lines) {
  size_t used = 0;
  for (char *nl; used < len && (nl = memchr(text + used, '\n', len - used));) {
    json_array_append_new(lines, json_stringn_nocheck(text + used, (size_t)(nl - text) + 1 -
                                                                       used));
    used = (size_t)(nl - text) + 1;
  }
  return used;
}

/* Everything logged so far: ctr.log.1 then what fd (ctr.log) holds, as
 * lines; fd is left at the end of what was read whole. */
static json_t *read_all(int dfd, int fd) {
  json_t *lines = json_array();
  size_t len;
  _cleanup_free_ char *old = read_file_at(dfd, ENG_LOG_OLD, &len, NULL);
  if (old)
    split(old, len, lines);
  _cleanup_free_ char *cur = read_all_fd(fd, &len);
  if (cur) {
    size_t used = split(cur, len, lines);
    lseek(fd, (off_t)used, SEEK_SET); /* a line being written: read again */
  }
  return lines;
}

static long tail_count(tote_err **err) {
  if (strcmp(logs_tail, "all") == 0)
    return -1;
  char *end;
  long n = strtol(logs_tail, &end, 10);
  if (*logs_tail == '\0' || *end)
    return err_set(err, 0, "tote logs --tail %s: give a number of lines, or all", logs_tail),
           -2;
  return n < 0 ? -1 : n;
}

/* What came since: the lines of fd from its offset; on rotation, the rest
 * of the old file then the new one. */
static int follow_more(int dfd, int *fd, const struct filter *f) {
  char buf[65536];
  _cleanup_free_ char *pending = NULL;
  size_t plen = 0;
  for (;;) {
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n > 0) {
      pending = xrealloc(pending, plen + (size_t)n);
      memcpy(pending + plen, buf, (size_t)n);
      plen += (size_t)n;
      continue;
    }
    break;
  }
  size_t used = 0;
  for (char *nl; used < plen && (nl = memchr(pending + used, '\n', plen - used));) {
    print_entry(pending + used, (size_t)(nl - pending) + 1 - used, f);
    used = (size_t)(nl - pending) + 1;
  }
  if (used < plen)
    lseek(*fd, -(off_t)(plen - used), SEEK_CUR);
  fflush(stdout);
  fflush(stderr);
  struct stat a, b;
  if (fstat(*fd, &a) == 0 && fstatat(dfd, ENG_LOG_FILE, &b, 0) == 0 && a.st_ino != b.st_ino) {
    int nfd = openat(dfd, ENG_LOG_FILE, O_RDONLY | O_CLOEXEC);
    if (nfd >= 0) {
      close(*fd);
      *fd = nfd;
      return 1; /* rotated: read the new one at once */
    }
  }
  return 0;
}

static int show(const struct eng_ctx *e, const char *arg, json_t *c, const struct filter *f,
                tote_err **err) {
  long tail = tail_count(err);
  if (tail == -2)
    return -1;
  const char *id = json_string_value(json_object_get(c, "id"));
  _cleanup_close_ int dfd = openat(e->cdir, id, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return err_sys(err, "container %s: opening its directory", arg);
  int fd = openat(dfd, ENG_LOG_FILE, O_RDONLY | O_CLOEXEC);
  if (fd < 0 && errno != ENOENT)
    return err_sys(err, "container %s: opening %s", arg, ENG_LOG_FILE);
  json_t *lines = fd >= 0 ? read_all(dfd, fd) : json_array();
  size_t n = json_array_size(lines), first = 0;
  if (tail >= 0 && (size_t)tail < n)
    first = n - (size_t)tail;
  for (size_t i = first; i < n; i++) {
    json_t *l = json_array_get(lines, i);
    print_entry(json_string_value(l), json_string_length(l), f);
  }
  json_decref(lines);
  fflush(stdout);
  fflush(stderr);
  if (logs_follow && fd >= 0 && eng_running(c)) {
    int code;
    for (;;) {
      bool gone = eng_wait_exit(e, id, 0, &code) == 1;
      while (follow_more(dfd, &fd, f) == 1)
        ;
      if (gone)
        break;
      usleep(FOLLOW_POLL_US);
    }
  }
  if (fd >= 0)
    close(fd);
  return 0;
}

static int parse_time(const char *flag, const char *v, int64_t *out, tote_err **err) {
  if (v && eng_parse_since(v, eng_now_ns(), out) < 0)
    return err_set(err, 0, "tote logs %s %s: give an RFC 3339 time (2026-01-02T15:04:05Z), a "
                           "Unix time or a duration (10m, 1h30m)", flag, v);
  return 0;
}

static int do_logs(const struct tote_ctx *ctx, int argc, char **argv, tote_err **err) {
  int i = tote_parse(&tote_logs_cmd, argc, argv, 1, err);
  if (i < 0)
    return -1;
  if (argc - i != 1)
    return err_set(err, 0, "tote logs takes one container (see tote logs --help)");
  struct filter f = {0};
  if (parse_time("--since", logs_since, &f.since, err) < 0 ||
      parse_time("--until", logs_until, &f.until, err) < 0 || tail_count(err) == -2)
    return -1;
  struct eng_ctx e;
  _cleanup_close_ int dir = tote_engine(ctx, &e, err);
  if (dir < 0)
    return -1;
  tote_err *er = NULL;
  json_t *c = eng_find_synced(&e, argv[i], &er);
  int r = c ? show(&e, argv[i], c, &f, &er) : -1;
  json_decref(c);
  if (r < 0) {
    fprintf(stderr, "tote: %s\n", er->msg);
    err_free(&er);
    return TOTE_EXIT_FAILED;
  }
  return TOTE_EXIT_OK;
}

const struct tote_cmd tote_logs_cmd = {
    "logs", "[-f] [--tail N|all] [-t] [--since TIME] [--until TIME] CONTAINER",
    "print a container's output (stdout to stdout, stderr to stderr)", do_logs, logs_opts};
