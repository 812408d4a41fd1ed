/* tote_progress.c - pull progress for people and for logs (see
 * tote_progress.h).  Events come from the download threads: one mutex
 * guards the rows and the output. */
#include "cli/tote_progress.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/xalloc.h"

#define BAR 30
#define REDRAW_NS 100000000L /* at most ten redraws a second */

struct row {
  char what[8];   /* "config", "blob", "layer" */
  char id[20];    /* "sha256:0123456789ab" */
  char state[24]; /* "Downloading", "Download complete", ... */
  uint64_t done, total;
};

struct reporter {
  struct img_progress base;
  FILE *out;
  bool tty;
  pthread_mutex_t lock;
  struct row *rows;
  size_t n, drawn; /* rows, and lines on screen */
  struct timespec last;
};

static void human(uint64_t n, char *buf, size_t len) {
  const char *u[] = {"B", "kB", "MB", "GB"};
  double v = (double)n;
  int i = 0;
  while (v >= 1000 && i < 3)
    v /= 1000, i++;
  snprintf(buf, len, i ? "%.1f%s" : "%.0f%s", v, u[i]);
}

static struct row *row_of(struct reporter *r, const char *what, const char *digest) {
  for (size_t i = 0; i < r->n; i++)
    if (strncmp(r->rows[i].id, digest, 19) == 0 && strcmp(r->rows[i].what, what) == 0)
      return &r->rows[i];
  r->rows = xrealloc(r->rows, (r->n + 1) * sizeof *r->rows);
  struct row *w = &r->rows[r->n++];
  memset(w, 0, sizeof *w);
  snprintf(w->what, sizeof w->what, "%s", what);
  snprintf(w->id, sizeof w->id, "%.19s", digest);
  return w;
}

static void draw(struct reporter *r) {
  if (r->drawn)
    fprintf(r->out, "\033[%zuA", r->drawn);
  for (size_t i = 0; i < r->n; i++) {
    struct row *w = &r->rows[i];
    fprintf(r->out, "\033[2K%.12s: %-18s", w->id + 7, w->state);
    if (strcmp(w->state, "Downloading") == 0 && w->total) {
      int fill = (int)(w->done * BAR / w->total);
      char a[16], b[16];
      human(w->done, a, sizeof a);
      human(w->total, b, sizeof b);
      fprintf(r->out, " [%.*s>%*s] %s/%s", fill, "==============================", BAR - fill,
              "", a, b);
    }
    fputc('\n', r->out);
  }
  r->drawn = r->n;
  fflush(r->out);
}

static bool due(struct reporter *r) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  long ns = (now.tv_sec - r->last.tv_sec) * 1000000000L + (now.tv_nsec - r->last.tv_nsec);
  if (ns < REDRAW_NS)
    return false;
  r->last = now;
  return true;
}

/* Not a terminal: a line per finished step. */
static void line(struct reporter *r, enum img_progress_event ev, const char *what,
                 const char *digest, uint64_t total) {
  char size[16];
  human(total, size, sizeof size);
  switch (ev) {
  case IMG_PROGRESS_DONE:
    fprintf(r->out, "Copying %s %.19s done (%s)\n", what, digest, size);
    break;
  case IMG_PROGRESS_EXISTS:
    fprintf(r->out, "Copying %s %.19s skipped: already exists\n", what, digest);
    break;
  case IMG_PROGRESS_UNPACK:
    fprintf(r->out, "Unpacking layer %.19s\n", digest);
    break;
  default:
    return;
  }
  fflush(r->out);
}

static void on_event(void *arg, enum img_progress_event ev, const char *what, const char *digest,
                     uint64_t done, uint64_t total) {
  struct reporter *r = arg;
  pthread_mutex_lock(&r->lock);
  if (!r->tty) {
    line(r, ev, what, digest, total);
    pthread_mutex_unlock(&r->lock);
    return;
  }
  struct row *w = row_of(r, strcmp(what, "layer") == 0 ? "blob" : what, digest);
  w->done = done;
  w->total = total ? total : w->total;
  static const char *const states[] = {"Downloading", "Downloading", "Download complete",
                                       "Already exists", "Unpacking"};
  snprintf(w->state, sizeof w->state, "%s", states[ev]);
  if (ev != IMG_PROGRESS_BYTES || due(r))
    draw(r);
  pthread_mutex_unlock(&r->lock);
}

struct img_progress *tote_progress_new(FILE *out) {
  struct reporter *r = xzalloc(sizeof *r);
  r->out = out;
  r->tty = isatty(fileno(out));
  pthread_mutex_init(&r->lock, NULL);
  r->base.fn = on_event;
  r->base.arg = r;
  return &r->base;
}

void tote_progress_free(struct img_progress *p) {
  if (p == NULL)
    return;
  struct reporter *r = p->arg;
  if (r->tty && r->n) {
    for (size_t i = 0; i < r->n; i++)
      if (strcmp(r->rows[i].state, "Unpacking") == 0)
        snprintf(r->rows[i].state, sizeof r->rows[i].state, "Pull complete");
    draw(r);
  }
  pthread_mutex_destroy(&r->lock);
  free(r->rows);
  free(r);
}
