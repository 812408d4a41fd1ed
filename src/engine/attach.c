/* attach.c - a running container's stdio through its monitor (see
 * attach.h). */
#include "engine/attach.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "runtime/runtime.h"
#include "runtime/spawn.h"
#include "runtime/terminal.h"
#include "util/err.h"
#include "util/fs.h"
#include "util/unixsock.h"
#include "util/xalloc.h"

/* ---- frames ---- */

void eng_frame_header(uint8_t type, uint32_t len, uint8_t out[ATTACH_HEADER]) {
  out[0] = type;
  out[1] = (uint8_t)(len >> 24);
  out[2] = (uint8_t)(len >> 16);
  out[3] = (uint8_t)(len >> 8);
  out[4] = (uint8_t)len;
}

int eng_frames_feed(struct eng_frames *f, const void *data, size_t len) {
  if (len > sizeof f->buf - f->n)
    return -1;
  memcpy(f->buf + f->n, data, len);
  f->n += len;
  return 0;
}

int eng_frames_next(struct eng_frames *f, uint8_t *type, const uint8_t **payload,
                    uint32_t *len) {
  static uint8_t last[sizeof((struct eng_frames *)0)->buf];
  if (f->n < ATTACH_HEADER)
    return 0;
  uint32_t l = (uint32_t)f->buf[1] << 24 | (uint32_t)f->buf[2] << 16 | (uint32_t)f->buf[3] << 8 |
               f->buf[4];
  if (l > sizeof f->buf - ATTACH_HEADER)
    return -1;
  if (f->n < ATTACH_HEADER + l)
    return 0;
  *type = f->buf[0];
  memcpy(last, f->buf + ATTACH_HEADER, l);
  *payload = last;
  *len = l;
  memmove(f->buf, f->buf + ATTACH_HEADER + l, f->n - ATTACH_HEADER - l);
  f->n -= ATTACH_HEADER + l;
  return 1;
}

static int send_frame(int fd, uint8_t type, const void *data, size_t len) {
  uint8_t h[ATTACH_HEADER];
  eng_frame_header(type, (uint32_t)len, h);
  return write_all_fd(fd, h, sizeof h) < 0 || (len && write_all_fd(fd, data, len) < 0) ? -1 : 0;
}

/* ---- the monitor's side ---- */

int eng_attach_listen(struct eng_attach_srv *s, int dfd, tote_err **err) {
  s->listen_fd = -1;
  for (int i = 0; i < ENG_ATTACH_MAX_CLIENTS; i++) {
    s->clients[i] = -1;
    s->in[i] = NULL;
  }
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0)
    return err_sys(err, "making the attach socket");
  /* through the directory's fd: ROOT may be longer than a socket path can be */
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "/proc/self/fd/%d/%s", dfd, ENG_ATTACH_SOCK);
  unlinkat(dfd, ENG_ATTACH_SOCK, 0);
  mode_t old = umask(0077);
  int r = bind(fd, (struct sockaddr *)&a, sizeof a);
  umask(old);
  if (r < 0 || listen(fd, ENG_ATTACH_MAX_CLIENTS) < 0) {
    close(fd);
    return err_sys(err, "listening on %s", ENG_ATTACH_SOCK);
  }
  s->listen_fd = fd;
  return 0;
}

static void drop(struct eng_attach_srv *s, int i) {
  close(s->clients[i]);
  s->clients[i] = -1;
  free(s->in[i]);
  s->in[i] = NULL;
}

void eng_attach_accept(struct eng_attach_srv *s) {
  int c = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
  if (c < 0)
    return;
  for (int i = 0; i < ENG_ATTACH_MAX_CLIENTS; i++)
    if (s->clients[i] < 0) {
      s->clients[i] = c;
      s->in[i] = xcalloc_array(1, sizeof *s->in[i]);
      return;
    }
  close(c); /* too many at once */
}

void eng_attach_output(struct eng_attach_srv *s, uint8_t stream, const void *data, size_t len) {
  for (int i = 0; i < ENG_ATTACH_MAX_CLIENTS; i++)
    if (s->clients[i] >= 0 && send_frame(s->clients[i], stream, data, len) < 0)
      drop(s, i);
}

void eng_attach_input(struct eng_attach_srv *s, int i, int in_fd, int tty_fd) {
  uint8_t buf[65536];
  ssize_t n = read(s->clients[i], buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n <= 0 || eng_frames_feed(s->in[i], buf, (size_t)n) < 0) {
    drop(s, i);
    return;
  }
  uint8_t type;
  const uint8_t *p;
  uint32_t len;
  int r;
  while ((r = eng_frames_next(s->in[i], &type, &p, &len)) == 1) {
    if (type == ATTACH_STDIN && in_fd >= 0) {
      write_all_fd(in_fd, p, len);
    } else if (type == ATTACH_RESIZE && tty_fd >= 0 && len == 4) {
      struct winsize ws = {.ws_row = (unsigned short)(p[0] << 8 | p[1]),
                           .ws_col = (unsigned short)(p[2] << 8 | p[3])};
      ioctl(tty_fd, TIOCSWINSZ, &ws);
    }
  }
  if (r < 0)
    drop(s, i);
}

void eng_attach_close(struct eng_attach_srv *s, int code, int dfd) {
  uint8_t c[4] = {(uint8_t)(code >> 24), (uint8_t)(code >> 16), (uint8_t)(code >> 8),
                  (uint8_t)code};
  for (int i = 0; i < ENG_ATTACH_MAX_CLIENTS; i++)
    if (s->clients[i] >= 0) {
      send_frame(s->clients[i], ATTACH_EXIT, c, sizeof c);
      drop(s, i);
    }
  if (s->listen_fd >= 0) {
    close(s->listen_fd);
    unlinkat(dfd, ENG_ATTACH_SOCK, 0);
  }
  s->listen_fd = -1;
}

/* ---- the command's side ---- */

struct relay {
  const struct eng_attach_opts *o;
  int sock, sigfd;
  bool in_open, done;
  int code;
  struct eng_frames frames;
};

static void send_size(struct relay *r) {
  struct winsize ws;
  int tty = isatty(0) ? 0 : isatty(1) ? 1 : -1;
  if (tty < 0 || ioctl(tty, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
    return;
  uint8_t p[4] = {(uint8_t)(ws.ws_row >> 8), (uint8_t)ws.ws_row, (uint8_t)(ws.ws_col >> 8),
                  (uint8_t)ws.ws_col};
  send_frame(r->sock, ATTACH_RESIZE, p, sizeof p);
}

static void from_monitor(struct relay *r, tote_err **err) {
  uint8_t buf[65536];
  ssize_t n = read(r->sock, buf, sizeof buf);
  if (n < 0 && errno == EINTR)
    return;
  if (n <= 0 || eng_frames_feed(&r->frames, buf, (size_t)n) < 0) {
    if (!r->done)
      err_set(err, 0, "the monitor of container %.12s went away (see tote ps -a)", r->o->id);
    r->done = true;
    return;
  }
  uint8_t type;
  const uint8_t *p;
  uint32_t len;
  while (eng_frames_next(&r->frames, &type, &p, &len) == 1) {
    if (type == ATTACH_STDOUT || type == ATTACH_STDERR)
      write_all_fd(type, p, len); /* fds 1 and 2 */
    else if (type == ATTACH_EXIT && len == 4) {
      r->code = (int)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
      r->done = true;
    }
  }
}

static void from_stdin(struct relay *r) {
  uint8_t buf[65536];
  ssize_t n = read(0, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return;
  if (n > 0 && send_frame(r->sock, ATTACH_STDIN, buf, (size_t)n) == 0)
    return;
  r->in_open = false;
  send_frame(r->sock, ATTACH_STDIN_EOF, NULL, 0);
}

static void signals(struct relay *r) {
  struct signalfd_siginfo si;
  struct rt_context rt = {.root = r->o->state_root};
  while (read(r->sigfd, &si, sizeof si) == sizeof si) {
    if (si.ssi_signo == SIGWINCH) {
      if (r->o->tty)
        send_size(r);
      continue;
    }
    tote_err *e = NULL;
    if (r->o->sig_proxy && rt_kill(&rt, r->o->id, (int)si.ssi_signo, false, &e) < 0)
      err_free(&e); /* it has just exited: the monitor says so next */
  }
}

/* Without --sig-proxy only SIGWINCH is ours to take (for the pty's size):
 * the others end the command as they would any other. */
static int winch_fd(tote_err **err) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGWINCH);
  if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
    return err_sys(err, "blocking SIGWINCH");
  int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  return fd >= 0 ? fd : err_sys(err, "signalfd");
}

int eng_attach(const struct eng_attach_opts *o, int *exit_code, tote_err **err) {
  _cleanup_free_ char *path = xasprintf("%s/containers/%s/%s", o->root, o->id, ENG_ATTACH_SOCK);
  struct relay r = {.o = o, .sigfd = -1, .in_open = o->stdin_open, .code = -1};
  r.sock = unix_connect(path, err);
  if (r.sock < 0)
    return err_wrap(err, "attaching to container %.12s (is it running?)", o->id);
  r.sigfd = o->sig_proxy ? spawn_block_signals(false, SFD_NONBLOCK, err) : winch_fd(err);
  struct termios saved;
  int raw = o->tty ? terminal_raw(0, &saved, err) : 0;
  if (r.sigfd < 0 || raw < 0) {
    close(r.sock);
    if (r.sigfd >= 0)
      close(r.sigfd);
    return -1;
  }
  if (o->tty)
    send_size(&r);
  while (!r.done) {
    struct pollfd p[3] = {{r.sock, POLLIN, 0}, {r.sigfd, POLLIN, 0},
                          {r.in_open ? 0 : -1, POLLIN, 0}};
    if (poll(p, 3, -1) < 0 && errno != EINTR)
      break;
    if (p[0].revents)
      from_monitor(&r, err);
    if (p[1].revents)
      signals(&r);
    if (p[2].revents)
      from_stdin(&r);
  }
  if (raw == 1)
    terminal_restore(0, &saved);
  close(r.sigfd);
  close(r.sock);
  *exit_code = r.code;
  return r.code >= 0 ? 0 : -1;
}
