/* systemd_bus.c - sd-bus loaded at run time, a connection to systemd's
 * manager, and manager calls that start jobs, waited for until done. */
#include "runtime/systemd_bus.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/xalloc.h"

#define MANAGER_PATH "/org/freedesktop/systemd1"
#define MANAGER_IFACE "org.freedesktop.systemd1.Manager"
#define SYSTEMD_DEST "org.freedesktop.systemd1"
#define PRIVATE_SOCKET "/run/systemd/private"

static int load_api(const struct sd_api **out, struct tote_err **err) {
  static struct sd_api api;
  static bool loaded;
  if (loaded) {
    *out = &api;
    return 0;
  }
  void *h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    return err_set(err, 0, "--systemd-cgroup needs libsystemd.so.0 (install libsystemd0): %s",
                   dlerror());
  static const struct {
    const char *name;
    size_t offset;
  } syms[] = {
#define SYM(field, name) {name, offsetof(struct sd_api, field)}
      SYM(bus_new, "sd_bus_new"),
      SYM(bus_set_address, "sd_bus_set_address"),
      SYM(bus_start, "sd_bus_start"),
      SYM(bus_flush_close_unref, "sd_bus_flush_close_unref"),
      SYM(message_new_method_call, "sd_bus_message_new_method_call"),
      SYM(message_append, "sd_bus_message_append"),
      SYM(message_append_array, "sd_bus_message_append_array"),
      SYM(message_open_container, "sd_bus_message_open_container"),
      SYM(message_close_container, "sd_bus_message_close_container"),
      SYM(message_read, "sd_bus_message_read"),
      SYM(message_unref, "sd_bus_message_unref"),
      SYM(call, "sd_bus_call"),
      SYM(call_method, "sd_bus_call_method"),
      SYM(match_signal, "sd_bus_match_signal"),
      SYM(process, "sd_bus_process"),
      SYM(wait, "sd_bus_wait"),
      SYM(error_free, "sd_bus_error_free"),
      SYM(error_has_name, "sd_bus_error_has_name"),
#undef SYM
  };
  for (size_t i = 0; i < sizeof syms / sizeof syms[0]; i++) {
    void *f = dlsym(h, syms[i].name);
    if (f == NULL) {
      dlclose(h);
      return err_set(err, 0, "--systemd-cgroup: libsystemd.so.0 has no %s (systemd too old?)",
                     syms[i].name);
    }
    memcpy((char *)&api + syms[i].offset, &f, sizeof f);
  }
  loaded = true;
  *out = &api;
  return 0;
}

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret) {
  (void)ret;
  struct sd_conn *c = userdata;
  uint32_t id;
  const char *job, *unit, *result;
  if (c->api->message_read(m, "uoss", &id, &job, &unit, &result) < 0)
    return 0;
  size_t n = 0;
  while (c->done_jobs && c->done_jobs[n])
    n++;
  c->done_jobs = xrealloc(c->done_jobs, (n + 2) * sizeof *c->done_jobs);
  c->done_jobs[n] = xasprintf("%s %s", job, result);
  c->done_jobs[n + 1] = NULL;
  return 0;
}

static int bus_err(struct tote_err **err, int r, sd_bus_error *e, const char *what) {
  int rc = err_set(err, -r, "%s: %s", what, e && e->message ? e->message : strerror(-r));
  return rc;
}

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

int sd_connect(struct sd_conn *c, struct tote_err **err) {
  memset(c, 0, sizeof *c);
  if (sd_usable(err) < 0 || load_api(&c->api, err) < 0)
    return -1;
  const struct sd_api *a = c->api;
  int r = a->bus_new(&c->bus);
  if (r >= 0)
    r = a->bus_set_address(c->bus, "unix:path=" PRIVATE_SOCKET);
  if (r >= 0)
    r = a->bus_start(c->bus);
  if (r < 0) {
    sd_disconnect(c);
    return err_set(err, -r, "--systemd-cgroup: connecting to systemd on " PRIVATE_SOCKET ": %s",
                   strerror(-r));
  }
  sd_bus_error e = SD_BUS_ERROR_NULL;
  r = a->match_signal(c->bus, NULL, SYSTEMD_DEST, MANAGER_PATH, MANAGER_IFACE, "JobRemoved",
                      on_job_removed, c);
  if (r >= 0)
    r = a->call_method(c->bus, SYSTEMD_DEST, MANAGER_PATH, MANAGER_IFACE, "Subscribe", &e, NULL,
                       "");
  if (r < 0) {
    bus_err(err, r, &e, "subscribing to systemd's job signals");
    a->error_free(&e);
    sd_disconnect(c);
    return -1;
  }
  return 0;
}

void sd_disconnect(struct sd_conn *c) {
  if (c->bus)
    c->api->bus_flush_close_unref(c->bus);
  c->bus = NULL;
  for (size_t i = 0; c->done_jobs && c->done_jobs[i]; i++)
    free(c->done_jobs[i]);
  free(c->done_jobs);
  c->done_jobs = NULL;
}

int sd_manager_call(struct sd_conn *c, const char *method, sd_bus_message **m,
                    struct tote_err **err) {
  int r = c->api->message_new_method_call(c->bus, m, SYSTEMD_DEST, MANAGER_PATH, MANAGER_IFACE,
                                          method);
  if (r < 0)
    return err_set(err, -r, "systemd %s: %s", method, strerror(-r));
  return 0;
}

/* The result of job, once systemd said it finished, or NULL. */
static const char *job_result(struct sd_conn *c, const char *job) {
  size_t len = strlen(job);
  for (size_t i = 0; c->done_jobs && c->done_jobs[i]; i++)
    if (strncmp(c->done_jobs[i], job, len) == 0 && c->done_jobs[i][len] == ' ')
      return c->done_jobs[i] + len + 1;
  return NULL;
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int sd_call_job(struct sd_conn *c, sd_bus_message *m, const char *what, bool quiet_missing,
                int timeout_ms, struct tote_err **err) {
  const struct sd_api *a = c->api;
  sd_bus_error e = SD_BUS_ERROR_NULL;
  sd_bus_message *reply = NULL;
  int r = a->call(c->bus, m, 0, &e, &reply);
  a->message_unref(m);
  if (r < 0) {
    int rc = 0;
    if (!(quiet_missing && a->error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit")))
      rc = bus_err(err, r, &e, what);
    a->error_free(&e);
    return rc;
  }
  const char *job = NULL;
  r = a->message_read(reply, "o", &job);
  if (r <= 0) {
    a->message_unref(reply);
    return 0; /* a call that starts no job */
  }
  _cleanup_free_ char *path = xstrdup(job);
  a->message_unref(reply);
  long deadline = now_ms() + timeout_ms;
  const char *result;
  while ((result = job_result(c, path)) == NULL) {
    r = a->process(c->bus, NULL);
    if (r < 0)
      return err_set(err, -r, "%s: reading from systemd: %s", what, strerror(-r));
    if (r > 0)
      continue;
    long left = deadline - now_ms();
    if (left <= 0)
      return err_set(err, ETIMEDOUT, "%s: systemd did not finish job %s within %d s", what, path,
                     timeout_ms / 1000);
    r = a->wait(c->bus, (uint64_t)left * 1000);
    if (r < 0)
      return err_set(err, -r, "%s: waiting for systemd: %s", what, strerror(-r));
  }
  if (strcmp(result, "done") != 0)
    return err_set(err, 0, "%s: systemd's job ended \"%s\" (see journalctl)", what, result);
  return 0;
}
