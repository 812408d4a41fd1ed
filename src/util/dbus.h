/* dbus.h - a small D-Bus client for a peer-to-peer connection on a unix
 * socket (systemd's /run/systemd/private, as systemctl uses it): the
 * EXTERNAL authentication, method calls written from a body the caller
 * marshals, and the messages that come back, read one at a time.
 *
 * Only what the systemd cgroup driver needs: the basic types, arrays,
 * structs and variants for writing; strings, object paths and integers
 * for reading.  Messages are written in this host's byte order; messages
 * read may be in either. */
#ifndef TOTE_UTIL_DBUS_H
#define TOTE_UTIL_DBUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tote_err;

enum { DBUS_METHOD_CALL = 1, DBUS_METHOD_RETURN = 2, DBUS_ERROR = 3, DBUS_SIGNAL = 4 };

/* A message body being written: the offsets are the body's, which starts
 * 8-aligned in the message, so alignment is the same in both. */
struct dbus_buf {
  uint8_t *data;
  size_t len, cap;
  size_t open[16]; /* offsets of the length of each open array */
  size_t open_start[16];
  int depth;
};

void dbus_buf_free(struct dbus_buf *b);
void dbus_put_byte(struct dbus_buf *b, uint8_t v);
void dbus_put_bool(struct dbus_buf *b, bool v);
void dbus_put_u32(struct dbus_buf *b, uint32_t v);
void dbus_put_u64(struct dbus_buf *b, uint64_t v);
/* A string ('s') or an object path ('o'): the same bytes. */
void dbus_put_str(struct dbus_buf *b, const char *s);
/* A signature ('g'), also the start of a variant's value. */
void dbus_put_sig(struct dbus_buf *b, const char *sig);
/* A struct's start: 8-aligned. */
void dbus_open_struct(struct dbus_buf *b);
/* An array of elements aligned to elem_align (1, 4 or 8), then its end. */
void dbus_open_array(struct dbus_buf *b, size_t elem_align);
void dbus_close_array(struct dbus_buf *b);

struct dbus_conn {
  int fd;
  uint32_t serial;
};

/* Connect to the unix socket at path and authenticate as this uid. */
int dbus_connect(struct dbus_conn *c, const char *path, struct tote_err **err);
void dbus_close(struct dbus_conn *c);
/* Send a method call; body (NULL: none) has signature sig.  *serial is the
 * call's, for matching its reply. */
int dbus_call(struct dbus_conn *c, const char *dest, const char *path, const char *iface,
              const char *member, const char *sig, const struct dbus_buf *body, uint32_t *serial,
              struct tote_err **err);

/* A message read: the header fields it had (NULL when absent) and its
 * body, read in order with dbus_get_*. */
struct dbus_msg {
  uint8_t type;
  uint32_t serial, reply_serial;
  const char *path, *iface, *member, *error_name, *signature;
  uint8_t *raw; /* the whole message; the strings point into it */
  size_t body, end, pos; /* the body's offset, the message's end, the reader's place */
  bool swap;
};

/* Read the next message, waiting up to timeout_ms (ETIMEDOUT). */
int dbus_recv(struct dbus_conn *c, struct dbus_msg *m, int timeout_ms, struct tote_err **err);
void dbus_msg_free(struct dbus_msg *m);
/* The body's next value: -1 when the body ends first or is malformed. */
int dbus_get_u32(struct dbus_msg *m, uint32_t *v);
int dbus_get_str(struct dbus_msg *m, const char **s); /* 's' or 'o' */

#endif
