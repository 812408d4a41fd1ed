/* tote_common.c - what the tote commands share: the engine's context,
 * docker's exit codes for a command that could not start, tote-init's
 * path, and an output file written whole or not at all. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/tote.h"
#include "engine/container.h"
#include "engine/lifecycle.h"
#include "engine/run.h"
#include "runtime/selfclone.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

int tote_engine(const struct tote_ctx *ctx, struct eng_ctx *e, tote_err **err) {
  int dir = eng_containers_dir(ctx->root, err);
  *e = (struct eng_ctx){.root = ctx->root, .state_root = TOTE_STATE_ROOT, .cdir = dir};
  return dir;
}

/* docker's codes when the command could not start: not found 127, not
 * executable (or, for exec, no -w directory) 126; tote's own errors 125. */
int tote_start_failed(int r, tote_err **err) {
  int e = r == ENG_RUNTIME_FAILED ? (*err)->errnum : 0;
  if (e != ENOENT && e != EACCES && r != ENG_NOT_INVOKED)
    return -1;
  log_error_exit_msg("tote", (*err)->msg);
  err_free(err);
  return r == ENG_RUNTIME_FAILED && e == ENOENT ? 127 : 126;
}

json_t *tote_find(const struct tote_ctx *ctx, struct eng_ctx *e, const char *arg,
                  tote_err **err) {
  _cleanup_close_ int dir = tote_engine(ctx, e, err);
  json_t *c = dir < 0 ? NULL : eng_find_synced(e, arg, err);
  e->cdir = -1;
  return c;
}

char *tote_sibling(const char *name) {
  char self[PATH_MAX];
  /* run from a protected copy, /proc/self/exe names the copy's mount */
  const char *orig = getenv(SELFCLONE_ENV);
  ssize_t n = orig ? (ssize_t)strlen(orig) : readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0 || n >= (ssize_t)sizeof self)
    return NULL;
  if (orig)
    memcpy(self, orig, (size_t)n);
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (slash)
    *slash = '\0';
  return xasprintf("%s/%s", self, name);
}

int tote_output_open(const char *path, const char *what, char **tmp, tote_err **err) {
  *tmp = NULL;
  if (path == NULL) {
    if (isatty(STDOUT_FILENO))
      return err_set(err, 0, "%s: stdout is a terminal; give -o FILE or redirect it", what);
    return STDOUT_FILENO;
  }
  *tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
  int fd = open(*tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  return fd >= 0 ? fd : err_sys(err, "creating %s", *tmp);
}

int tote_output_close(int fd, const char *path, char *tmp, int r, tote_err **err) {
  if (tmp && fd >= 0) {
    if (r == 0 && (fsync(fd) < 0 || rename(tmp, path) < 0))
      r = err_sys(err, "writing %s", path);
    close(fd);
    if (r < 0)
      unlink(tmp);
  }
  free(tmp);
  return r;
}

void tote_human_size(long long n, char *buf, size_t len) {
  const char *units[] = {"B", "kB", "MB", "GB", "TB"};
  double v = (double)n;
  int u = 0;
  while (v >= 1000 && u < 4)
    v /= 1000, u++;
  snprintf(buf, len, u ? "%.3g%s" : "%.0f%s", v, units[u]);
}

json_t *tote_labels(const struct strlist *labels, tote_err **err) {
  json_t *out = json_object();
  for (int k = 0; k < labels->n; k++) {
    const char *l = labels->items[k], *eq = strchr(l, '=');
    if (*l == '\0' || *l == '=') {
      json_decref(out);
      err_set(err, 0, "--label \"%s\": KEY[=VALUE] with a KEY", l);
      return NULL;
    }
    _cleanup_free_ char *key = xstrndup(l, eq ? (size_t)(eq - l) : strlen(l));
    json_object_set_new(out, key, json_string(eq ? eq + 1 : ""));
  }
  return out;
}
