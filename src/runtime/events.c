/* events.c - `events`: the container's statistics, once or every interval,
 * and its OOM kills, in runc's event JSON.
 *
 * The state is read once and unlocked at once: `events` runs as long as the
 * container does, and kill, delete or update must not wait for it.  The end
 * of the container is its init's pidfd becoming readable; OOM kills are the
 * cgroup's counter (v1 memory.oom_control, v2 memory.events "oom_kill"),
 * read when the cgroup's OOM notification fd wakes (cgroup_oom.c).  v1
 * signals before the kill is counted: after a wake-up that finds the
 * counter unchanged, it is read again every OOM_RECHECK_MS for
 * OOM_SETTLE_MS.  Where no notification can be had, the counter is read
 * every OOM_POLL_MS. */
#include <errno.h>
#include <poll.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime/cgroup.h"
#include "runtime/runtime.h"
#include "runtime/state.h"
#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#define OOM_POLL_MS 100
#define OOM_RECHECK_MS 10
#define OOM_SETTLE_MS 1000

struct watched {
  struct cgroup *cg;
  pid_t pid;
  unsigned long long start;
};

static int watch(const struct rt_context *ctx, const char *id, struct watched *w,
                 tote_err **err) {
  struct rt_state *st = state_load_by_id(ctx->root, id, err);
  if (st == NULL)
    return -1;
  enum rt_status s = state_status(st);
  int r = 0;
  if (s == RT_STOPPED || s == RT_CREATING)
    r = err_set(err, 0, "container %s is not running (it is %s)", id, rt_status_name(s));
  else if (st->cgroup == NULL)
    r = err_set(err, 0, "container %s has no cgroup to report on", id);
  w->cg = steal_ptr(&st->cgroup);
  w->pid = st->pid;
  w->start = st->pid_start;
  state_free(st);
  if (r < 0) {
    cgroup_free(w->cg);
    w->cg = NULL;
  }
  return r;
}

static json_t *event(const char *type, const char *id, json_t *data) {
  json_t *e = json_pack("{s:s, s:s}", "type", type, "id", id);
  if (data)
    json_object_set_new(e, "data", data);
  return e;
}

json_t *rt_stats(const struct rt_context *ctx, const char *id, tote_err **err) {
  struct watched w;
  if (watch(ctx, id, &w, err) < 0)
    return NULL;
  json_t *data = cgroup_stats(w.cg, err);
  cgroup_free(w.cg);
  if (data == NULL) {
    err_wrap(err, "container %s", id);
    return NULL;
  }
  return event("stats", id, data);
}

static int emit(rt_event_fn fn, void *arg, json_t *e, tote_err **err) {
  int r = fn(e, arg, err);
  json_decref(e);
  return r;
}

/* One "oom" event when the counter went up since *last; *seen tells
 * whether it did. */
static int check_oom(struct watched *w, const char *id, bool *have, unsigned long long *last,
                     bool *seen, rt_event_fn fn, void *arg, tote_err **err) {
  unsigned long long n;
  *seen = false;
  if (!*have || cgroup_oom_kills(w->cg, &n, NULL) < 0)
    return 0;
  if (n <= *last)
    return 0;
  *last = n;
  *seen = true;
  return emit(fn, arg, event("oom", id, NULL), err);
}

/* How long poll may sleep: until the next stats, and no longer than the
 * OOM counter's next reading needs. */
static long poll_ms(long next, bool have_oom, int nfd, long recheck_until) {
  long now = monotonic_ms(), wait = next - now;
  if (wait < 0)
    wait = 0;
  long cap = !have_oom ? wait : nfd < 0 ? OOM_POLL_MS : now < recheck_until ? OOM_RECHECK_MS
                                                                            : wait;
  return wait < cap ? wait : cap;
}

static int loop(struct watched *w, const char *id, long interval_ms, rt_event_fn fn, void *arg,
                tote_err **err) {
  _cleanup_close_ int pfd = (int)syscall(SYS_pidfd_open, w->pid, 0);
  if (pfd < 0 && errno != ESRCH)
    return err_sys(err, "watching the init of container %s (pidfd_open)", id);
  unsigned long long ooms = 0;
  bool have_oom = cgroup_oom_kills(w->cg, &ooms, NULL) == 0, seen;
  _cleanup_close_ int nfd = have_oom ? cgroup_oom_notify_fd(w->cg, NULL) : -1;
  long recheck_until = 0;
  bool gone = pfd < 0 || proc_start_time(w->pid) != w->start;
  long next = monotonic_ms() + interval_ms;
  while (!gone) {
    struct pollfd p[2] = {{.fd = pfd, .events = POLLIN}, {.fd = nfd, .events = POLLIN}};
    int r = poll(p, 2, (int)poll_ms(next, have_oom, nfd, recheck_until));
    if (r < 0 && errno != EINTR)
      return err_sys(err, "waiting on container %s", id);
    gone = r > 0 && p[0].revents;
    if (r > 0 && p[1].revents) {
      cgroup_oom_drain(nfd);
      recheck_until = monotonic_ms() + OOM_SETTLE_MS;
    }
    if (check_oom(w, id, &have_oom, &ooms, &seen, fn, arg, err) < 0)
      return -1;
    if (seen)
      recheck_until = 0;
    if (gone || monotonic_ms() < next)
      continue;
    tote_err *e = NULL;
    json_t *data = cgroup_stats(w->cg, &e);
    if (data == NULL) {
      if (proc_start_time(w->pid) != w->start) {
        err_free(&e); /* its cgroup went with it */
        break;
      }
      *err = e;
      return err_wrap(err, "container %s", id);
    }
    if (emit(fn, arg, event("stats", id, data), err) < 0)
      return -1;
    next += interval_ms;
    if (next <= monotonic_ms())
      next = monotonic_ms() + interval_ms;
  }
  /* An OOM kill of the init itself ends the container: report it still. */
  return check_oom(w, id, &have_oom, &ooms, &seen, fn, arg, err);
}

int rt_events(const struct rt_context *ctx, const char *id, long interval_ms, rt_event_fn fn,
              void *arg, tote_err **err) {
  if (interval_ms <= 0)
    return err_set(err, 0, "the events interval must be positive");
  struct watched w;
  if (watch(ctx, id, &w, err) < 0)
    return -1;
  int r = loop(&w, id, interval_ms, fn, arg, err);
  cgroup_free(w.cg);
  return r;
}
