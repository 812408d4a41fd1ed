/* dbus.c - a small D-Bus client for peer-to-peer unix sockets (dbus.h):
 * the wire format of the D-Bus specification's "Message Protocol" and the
 * EXTERNAL mechanism of its "Authentication Protocol". */
#include "util/dbus.h"

#include <byteswap.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"
#include "util/xalloc.h"

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NATIVE_ENDIAN 'l'
#else
#define NATIVE_ENDIAN 'B'
#endif

#define MAX_MESSAGE (128u << 20) /* the specification's limit */

enum {
  FIELD_PATH = 1,
  FIELD_INTERFACE = 2,
  FIELD_MEMBER = 3,
  FIELD_ERROR_NAME = 4,
  FIELD_REPLY_SERIAL = 5,
  FIELD_DESTINATION = 6,
  FIELD_SIGNATURE = 8,
};

/* ---- writing ---- */

static void reserve(struct dbus_buf *b, size_t n) {
  if (b->len + n <= b->cap)
    return;
  b->cap = (b->len + n) * 2 + 64;
  b->data = xrealloc(b->data, b->cap);
}

static void put(struct dbus_buf *b, const void *p, size_t n) {
  if (n == 0)
    return; /* no padding needed, maybe no buffer yet */
  reserve(b, n);
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void pad(struct dbus_buf *b, size_t align) {
  static const uint8_t zero[8];
  put(b, zero, (align - b->len % align) % align);
}

void dbus_buf_free(struct dbus_buf *b) {
  free(b->data);
  memset(b, 0, sizeof *b);
}

void dbus_put_byte(struct dbus_buf *b, uint8_t v) {
  put(b, &v, 1);
}

void dbus_put_u32(struct dbus_buf *b, uint32_t v) {
  pad(b, 4);
  put(b, &v, 4);
}

void dbus_put_bool(struct dbus_buf *b, bool v) {
  dbus_put_u32(b, v ? 1 : 0);
}

void dbus_put_u64(struct dbus_buf *b, uint64_t v) {
  pad(b, 8);
  put(b, &v, 8);
}

void dbus_put_str(struct dbus_buf *b, const char *s) {
  size_t n = strlen(s);
  dbus_put_u32(b, (uint32_t)n);
  put(b, s, n + 1);
}

void dbus_put_sig(struct dbus_buf *b, const char *sig) {
  size_t n = strlen(sig);
  dbus_put_byte(b, (uint8_t)n);
  put(b, sig, n + 1);
}

void dbus_open_struct(struct dbus_buf *b) {
  pad(b, 8);
}

void dbus_open_array(struct dbus_buf *b, size_t elem_align) {
  if (b->depth == (int)(sizeof b->open / sizeof b->open[0]))
    abort(); /* a programming error: tote's messages nest two deep */
  dbus_put_u32(b, 0);
  b->open[b->depth] = b->len - 4;
  pad(b, elem_align); /* there even when the array is empty; not counted */
  b->open_start[b->depth++] = b->len;
}

void dbus_close_array(struct dbus_buf *b) {
  b->depth--;
  uint32_t n = (uint32_t)(b->len - b->open_start[b->depth]);
  memcpy(b->data + b->open[b->depth], &n, 4);
}

/* ---- the connection ---- */

static int write_all(int fd, const void *p, size_t n) {
  const char *s = p;
  while (n > 0) {
    ssize_t w = send(fd, s, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0)
      return -1;
    s += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Read exactly n bytes before the deadline: 0, or -1 with errno. */
static int read_all(int fd, void *p, size_t n, long deadline) {
  char *d = p;
  while (n > 0) {
    long left = deadline - monotonic_ms();
    if (left <= 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int pr = poll(&pfd, 1, (int)left);
    if (pr < 0 && errno == EINTR)
      continue;
    if (pr < 0)
      return -1;
    if (pr == 0)
      continue;
    ssize_t r = read(fd, d, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r == 0) {
      errno = ECONNRESET;
      return -1;
    }
    d += r;
    n -= (size_t)r;
  }
  return 0;
}

/* One line of the authentication exchange, without its "\r\n". */
static int read_line(int fd, char *buf, size_t size, long deadline) {
  size_t n = 0;
  for (;;) {
    if (n + 1 >= size) {
      errno = EPROTO;
      return -1;
    }
    if (read_all(fd, buf + n, 1, deadline) < 0)
      return -1;
    if (buf[n] == '\n' && n > 0 && buf[n - 1] == '\r') {
      buf[n - 1] = '\0';
      return 0;
    }
    n++;
  }
}

int dbus_connect(struct dbus_conn *c, const char *path, tote_err **err) {
  c->serial = 0;
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof sa.sun_path)
    return err_set(err, 0, "D-Bus socket path too long: %s", path);
  strcpy(sa.sun_path, path);
  c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    return err_sys(err, "D-Bus: socket");
  if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
    int e = errno;
    dbus_close(c);
    return err_set(err, e, "connecting to %s", path);
  }
  /* A NUL byte, AUTH EXTERNAL with our uid in hex-encoded decimal, and
   * BEGIN, in one write, as sd-bus does: a server may read the BEGIN and
   * the first message in one go and leave the message unseen until more
   * comes (systemd 252 does), so the message must not follow BEGIN
   * closely: it goes once OK has come back. */
  char uid[16], hex[40], line[128];
  snprintf(uid, sizeof uid, "%u", (unsigned)geteuid());
  for (size_t i = 0; uid[i]; i++)
    snprintf(hex + 2 * i, 3, "%02x", (unsigned char)uid[i]);
  int n = snprintf(line, sizeof line, "%cAUTH EXTERNAL %s\r\nBEGIN\r\n", 0, hex);
  if (write_all(c->fd, line, (size_t)n) < 0 ||
      read_line(c->fd, line, sizeof line, monotonic_ms() + 10000) < 0) {
    int e = errno;
    dbus_close(c);
    return err_set(err, e, "authenticating on %s", path);
  }
  if (strncmp(line, "OK ", 3) != 0) {
    dbus_close(c);
    return err_set(err, EACCES, "authenticating on %s: the server said \"%.60s\"", path, line);
  }
  return 0;
}

void dbus_close(struct dbus_conn *c) {
  if (c->fd >= 0)
    close(c->fd);
  c->fd = -1;
}

static void put_field(struct dbus_buf *h, uint8_t code, const char *sig, const char *value) {
  dbus_open_struct(h);
  dbus_put_byte(h, code);
  dbus_put_sig(h, sig);
  if (sig[0] == 'g')
    dbus_put_sig(h, value);
  else
    dbus_put_str(h, value);
}

int dbus_call(struct dbus_conn *c, const char *dest, const char *path, const char *iface,
              const char *member, const char *sig, const struct dbus_buf *body, uint32_t *serial,
              tote_err **err) {
  struct dbus_buf h = {0};
  size_t body_len = body ? body->len : 0;
  uint8_t fixed[4] = {NATIVE_ENDIAN, DBUS_METHOD_CALL, 0, 1};
  put(&h, fixed, 4);
  dbus_put_u32(&h, (uint32_t)body_len);
  if (++c->serial == 0)
    c->serial = 1;
  dbus_put_u32(&h, c->serial);
  dbus_open_array(&h, 8);
  put_field(&h, FIELD_PATH, "o", path);
  put_field(&h, FIELD_INTERFACE, "s", iface);
  put_field(&h, FIELD_MEMBER, "s", member);
  put_field(&h, FIELD_DESTINATION, "s", dest);
  if (body_len)
    put_field(&h, FIELD_SIGNATURE, "g", sig);
  dbus_close_array(&h);
  pad(&h, 8);
  struct iovec iov[2] = {{h.data, h.len}, {body ? body->data : NULL, body_len}};
  struct msghdr mh = {.msg_iov = iov, .msg_iovlen = body_len ? 2 : 1};
  size_t total = h.len + body_len, sent = 0;
  int rc = 0;
  while (sent < total) {
    ssize_t w = sendmsg(c->fd, &mh, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w < 0) {
      rc = err_sys(err, "D-Bus call %s", member);
      break;
    }
    sent += (size_t)w;
    /* a short write: move the iovecs past what went */
    for (size_t k = (size_t)w; k > 0 && mh.msg_iovlen > 0;) {
      size_t take = k < mh.msg_iov->iov_len ? k : mh.msg_iov->iov_len;
      mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + take;
      mh.msg_iov->iov_len -= take;
      k -= take;
      if (mh.msg_iov->iov_len == 0) {
        mh.msg_iov++;
        mh.msg_iovlen--;
      }
    }
  }
  dbus_buf_free(&h);
  if (rc == 0 && serial)
    *serial = c->serial;
  return rc;
}

/* ---- reading ---- */

static bool align_to(struct dbus_msg *m, size_t align) {
  size_t p = (m->pos + align - 1) / align * align;
  if (p > m->end)
    return false;
  m->pos = p;
  return true;
}

static bool get_u32(struct dbus_msg *m, uint32_t *v) {
  if (!align_to(m, 4) || m->end - m->pos < 4)
    return false;
  memcpy(v, m->raw + m->pos, 4);
  if (m->swap)
    *v = bswap_32(*v);
  m->pos += 4;
  return true;
}

/* A string of length n at pos, NUL-terminated, inside the message. */
static bool get_chars(struct dbus_msg *m, uint32_t n, const char **s) {
  if (m->end - m->pos < (size_t)n + 1 || m->raw[m->pos + n] != '\0')
    return false;
  *s = (const char *)m->raw + m->pos;
  m->pos += (size_t)n + 1;
  return true;
}

static bool get_str(struct dbus_msg *m, const char **s) {
  uint32_t n;
  return get_u32(m, &n) && get_chars(m, n, s);
}

static bool get_sig(struct dbus_msg *m, const char **s) {
  if (m->pos >= m->end)
    return false;
  uint8_t n = m->raw[m->pos++];
  return get_chars(m, n, s);
}

/* One header field (yv), stored when tote reads it, skipped otherwise. */
static bool get_field(struct dbus_msg *m) {
  const char *sig, *s = NULL;
  uint32_t u = 0;
  if (!align_to(m, 8) || m->pos >= m->end)
    return false;
  uint8_t code = m->raw[m->pos++];
  if (!get_sig(m, &sig) || strlen(sig) != 1)
    return false;
  switch (sig[0]) {
  case 's':
  case 'o':
    if (!get_str(m, &s))
      return false;
    break;
  case 'g':
    if (!get_sig(m, &s))
      return false;
    break;
  case 'u':
    if (!get_u32(m, &u))
      return false;
    break;
  default:
    return false; /* no header field of the specification has another type */
  }
  switch (code) {
  case FIELD_PATH: m->path = s; break;
  case FIELD_INTERFACE: m->iface = s; break;
  case FIELD_MEMBER: m->member = s; break;
  case FIELD_ERROR_NAME: m->error_name = s; break;
  case FIELD_REPLY_SERIAL: m->reply_serial = u; break;
  case FIELD_SIGNATURE: m->signature = s; break;
  default: break;
  }
  return true;
}

int dbus_recv(struct dbus_conn *c, struct dbus_msg *m, int timeout_ms, tote_err **err) {
  memset(m, 0, sizeof *m);
  long deadline = monotonic_ms() + timeout_ms;
  uint8_t fixed[16];
  if (read_all(c->fd, fixed, sizeof fixed, deadline) < 0)
    return err_sys(err, "reading from D-Bus");
  if (fixed[0] != 'l' && fixed[0] != 'B')
    return err_set(err, EPROTO, "reading from D-Bus: not a D-Bus message");
  m->swap = fixed[0] != NATIVE_ENDIAN;
  uint32_t body_len, serial, fields_len;
  memcpy(&body_len, fixed + 4, 4);
  memcpy(&serial, fixed + 8, 4);
  memcpy(&fields_len, fixed + 12, 4);
  if (m->swap) {
    body_len = bswap_32(body_len);
    serial = bswap_32(serial);
    fields_len = bswap_32(fields_len);
  }
  size_t header = (16 + (size_t)fields_len + 7) / 8 * 8;
  if (header + body_len > MAX_MESSAGE)
    return err_set(err, EPROTO, "reading from D-Bus: a message of %zu bytes",
                   header + (size_t)body_len);
  m->end = header + body_len;
  m->raw = xmalloc(m->end + 1);
  memcpy(m->raw, fixed, sizeof fixed);
  if (read_all(c->fd, m->raw + 16, m->end - 16, deadline) < 0) {
    dbus_msg_free(m);
    return err_sys(err, "reading from D-Bus");
  }
  m->type = fixed[1];
  m->serial = serial;
  m->body = header;
  m->pos = 16;
  size_t fields_end = 16 + fields_len;
  size_t end = m->end;
  m->end = fields_end; /* the fields must not run into the body */
  while (m->pos < fields_end)
    if (!get_field(m)) {
      dbus_msg_free(m);
      return err_set(err, EPROTO, "reading from D-Bus: a malformed header");
    }
  m->end = end;
  m->pos = m->body;
  return 0;
}

void dbus_msg_free(struct dbus_msg *m) {
  free(m->raw);
  memset(m, 0, sizeof *m);
}

/* Body offsets are relative to the body's start, which is 8-aligned in
 * the message, so aligning the message offset aligns the body's. */
int dbus_get_u32(struct dbus_msg *m, uint32_t *v) {
  return get_u32(m, v) ? 0 : -1;
}

int dbus_get_str(struct dbus_msg *m, const char **s) {
  return get_str(m, s) ? 0 : -1;
}
