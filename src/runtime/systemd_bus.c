/* systemd_bus.c - a connection to systemd's manager on its private socket,
 * and manager calls that start jobs, waited for until done. */
#include "runtime/systemd_bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#define MANAGER_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define SYSTEMD_DEST "org.freedesktop.systemd1"
#define PRIVATE_SOCKET "/run/systemd/private"
#define CALL_TIMEOUT_MS 25000 /* sd-bus's default for a method call */

int sd_usable(struct tote_err **err) {
  struct stat st;
  if (stat("/run/systemd/system", &st) < 0 || !S_ISDIR(st.st_mode))
    return err_set(err, 0, "--systemd-cgroup: systemd is not running on this host (no "
                           "/run/systemd/system); leave the option out to use cgroupfs");
  if (geteuid() != 0)
    return err_set(err, EPERM, "--systemd-cgroup needs root: the user manager (rootless) is not "
                               "supported; leave the option out");
  return 0;
}

/* Keep what a JobRemoved signal (uoss: id, job, unit, result) says. */
static void note_signal(struct sd_conn *c, struct dbus_msg *m) {
  uint32_t id;
  const char *job, *unit, *result;
  if (m->type != DBUS_SIGNAL || !m->member || strcmp(m->member, "JobRemoved") != 0 ||
      !m->iface || strcmp(m->iface, MANAGER_IFACE) != 0 || !m->signature ||
      strcmp(m->signature, "uoss") != 0)
    return;
  if (dbus_get_u32(m, &id) < 0 || dbus_get_str(m, &job) < 0 || dbus_get_str(m, &unit) < 0 ||
      dbus_get_str(m, &result) < 0)
    return;
  size_t n = 0;
  while (c->done_jobs && c->done_jobs[n])
    n++;
  c->done_jobs = xrealloc(c->done_jobs, (n + 2) * sizeof *c->done_jobs);
  c->done_jobs[n] = xasprintf("%s %s", job, result);
  c->done_jobs[n + 1] = NULL;
}

/* Call method and read messages until its reply (*reply, to free), noting
 * the signals that come before it.  An error reply fails, naming it,
 * unless it is NoSuchUnit and quiet_missing (then 1, no reply). */
static int call(struct sd_conn *c, const char *method, const char *sig,
                const struct dbus_buf *body, const char *what, bool quiet_missing,
                struct dbus_msg *reply, tote_err **err) {
  uint32_t serial;
  if (dbus_call(&c->bus, SYSTEMD_DEST, MANAGER_PATH, MANAGER_IFACE, method, sig, body, &serial,
                err) < 0)
    return err_wrap(err, "%s", what);
  for (;;) {
    if (dbus_recv(&c->bus, reply, CALL_TIMEOUT_MS, err) < 0)
      return err_wrap(err, "%s", what);
    if (reply->type == DBUS_SIGNAL)
      note_signal(c, reply);
    if ((reply->type == DBUS_METHOD_RETURN || reply->type == DBUS_ERROR) &&
        reply->reply_serial == serial)
      break;
    dbus_msg_free(reply);
  }
  if (reply->type == DBUS_METHOD_RETURN)
    return 0;
  const char *name = reply->error_name ? reply->error_name : "an error";
  const char *text = NULL;
  if (reply->signature && reply->signature[0] == 's')
    dbus_get_str(reply, &text);
  int rc = quiet_missing && strcmp(name, "org.freedesktop.systemd1.NoSuchUnit") == 0
               ? 1
               : err_set(err, 0, "%s: %s", what, text ? text : name);
  dbus_msg_free(reply);
  return rc;
}

int sd_connect(struct sd_conn *c, struct tote_err **err) {
  memset(c, 0, sizeof *c);
  c->bus.fd = -1;
  if (sd_usable(err) < 0)
    return -1;
  if (dbus_connect(&c->bus, PRIVATE_SOCKET, err) < 0)
    return err_wrap(err, "--systemd-cgroup");
  struct dbus_msg reply;
  if (call(c, "Subscribe", "", NULL, "subscribing to systemd's job signals", false, &reply,
           err) < 0) {
    sd_disconnect(c);
    return -1;
  }
  dbus_msg_free(&reply);
  return 0;
}

void sd_disconnect(struct sd_conn *c) {
  dbus_close(&c->bus);
  for (size_t i = 0; c->done_jobs && c->done_jobs[i]; i++)
    free(c->done_jobs[i]);
  free(c->done_jobs);
  c->done_jobs = NULL;
}

/* The result of job, once systemd said it finished, or NULL. */
static const char *job_result(struct sd_conn *c, const char *job) {
  size_t len = strlen(job);
  for (size_t i = 0; c->done_jobs && c->done_jobs[i]; i++)
    if (strncmp(c->done_jobs[i], job, len) == 0 && c->done_jobs[i][len] == ' ')
      return c->done_jobs[i] + len + 1;
  return NULL;
}

int sd_call_job(struct sd_conn *c, const char *method, const char *sig,
                const struct dbus_buf *body, const char *what, bool quiet_missing,
                int timeout_ms, struct tote_err **err) {
  struct dbus_msg reply;
  int r = call(c, method, sig, body, what, quiet_missing, &reply, err);
  if (r != 0)
    return r < 0 ? -1 : 0;
  const char *job;
  if (!reply.signature || strcmp(reply.signature, "o") != 0 || dbus_get_str(&reply, &job) < 0) {
    dbus_msg_free(&reply);
    return 0; /* a call that starts no job */
  }
  _cleanup_free_ char *path = xstrdup(job);
  dbus_msg_free(&reply);
  long deadline = monotonic_ms() + timeout_ms;
  const char *result;
  while ((result = job_result(c, path)) == NULL) {
    long left = deadline - monotonic_ms();
    if (left <= 0)
      return err_set(err, ETIMEDOUT, "%s: systemd did not finish job %s within %d s", what, path,
                     timeout_ms / 1000);
    struct dbus_msg m;
    if (dbus_recv(&c->bus, &m, (int)left, err) < 0) {
      if ((*err)->errnum != ETIMEDOUT)
        return err_wrap(err, "%s: waiting for systemd", what);
      err_free(err); /* the deadline above says it */
      continue;
    }
    note_signal(c, &m);
    dbus_msg_free(&m);
  }
  if (strcmp(result, "done") != 0)
    return err_set(err, 0, "%s: systemd's job ended \"%s\" (see journalctl)", what, result);
  return 0;
}
