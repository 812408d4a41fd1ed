/* test_dbus.c - the D-Bus client's wire format against bytes worked out by
 * hand from the specification, through a peer on a unix socket: the
 * EXTERNAL authentication, a method call, a reply and a signal in the other
 * byte order, and malformed input.  Against a real systemd: tests/vm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/dbus.h"
#include "util/err.h"

/* call(dest "d", path "/p", iface "i.f", member "M", sig "s", body "x") */
static const uint8_t CALL[] = {
    'l', 1, 0, 1, 6, 0, 0, 0, 1, 0, 0, 0, 71, 0, 0, 0,     /* fixed header, fields: 71 */
    1, 1, 'o', 0, 2, 0, 0, 0, '/', 'p', 0, 0, 0, 0, 0, 0,  /* PATH "/p", pad */
    2, 1, 's', 0, 3, 0, 0, 0, 'i', '.', 'f', 0, 0, 0, 0, 0, /* INTERFACE "i.f", pad */
    3, 1, 's', 0, 1, 0, 0, 0, 'M', 0, 0, 0, 0, 0, 0, 0,    /* MEMBER "M", pad */
    6, 1, 's', 0, 1, 0, 0, 0, 'd', 0, 0, 0, 0, 0, 0, 0,    /* DESTINATION "d", pad */
    8, 1, 'g', 0, 1, 's', 0, 0,                            /* SIGNATURE "s", pad to 8 */
    1, 0, 0, 0, 'x', 0,                                    /* body: "x" */
};

/* a big-endian signal, member "J", signature "u", body 5 */
static const uint8_t SIGNAL_BE[] = {
    'B', 4, 0, 1, 0, 0, 0, 4, 0, 0, 0, 9, 0, 0, 0, 23, /* body 4, serial 9, fields 23 */
    3, 1, 's', 0, 0, 0, 0, 1, 'J', 0, 0, 0, 0, 0, 0, 0, /* MEMBER "J" */
    8, 1, 'g', 0, 1, 'u', 0, 0,                         /* SIGNATURE "u" */
    0, 0, 0, 5,                                         /* body: 5 */
};

/* the reply to serial 1: signature "o", body "/j/1" */
static const uint8_t REPLY[] = {
    'l', 2, 0, 1, 9, 0, 0, 0, 7, 0, 0, 0, 15, 0, 0, 0, /* body 9, serial 7, fields 15 */
    5, 1, 'u', 0, 1, 0, 0, 0,                          /* REPLY_SERIAL 1 */
    8, 1, 'g', 0, 1, 'o', 0, 0,                        /* SIGNATURE "o" */
    4, 0, 0, 0, '/', 'j', '/', '1', 0,                 /* body: "/j/1" */
};

static char sock_path[108];

static void read_exact(int fd, void *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = read(fd, (char *)buf + got, n - got);
    if (r <= 0)
      _exit(10);
    got += (size_t)r;
  }
}

/* The peer: checks the authentication and the call, answers with the
 * signal and the reply (or, with bad set, a message that is not D-Bus). */
static pid_t start_peer(bool bad) {
  snprintf(sock_path, sizeof sock_path, "/tmp/tote-dbus-test.%d", (int)getpid());
  unlink(sock_path);
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  strcpy(sa.sun_path, sock_path);
  assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
  assert_int_equal(listen(s, 1), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid > 0) {
    close(s);
    return pid;
  }
  int c = accept(s, NULL, NULL);
  char auth[64], want[64];
  char uid[16];
  snprintf(uid, sizeof uid, "%u", (unsigned)geteuid());
  int n = snprintf(want, sizeof want, "%cAUTH EXTERNAL ", 0);
  for (size_t i = 0; uid[i]; i++)
    n += snprintf(want + n, sizeof want - (size_t)n, "%02x", (unsigned char)uid[i]);
  n += snprintf(want + n, sizeof want - (size_t)n, "\r\nBEGIN\r\n");
  read_exact(c, auth, (size_t)n);
  if (memcmp(auth, want, (size_t)n) != 0)
    _exit(11);
  if (write(c, "OK 0123456789abcdef0123456789abcdef\r\n", 37) != 37)
    _exit(12);
  uint8_t call[sizeof CALL];
  read_exact(c, call, sizeof call);
  if (memcmp(call, CALL, sizeof CALL) != 0)
    _exit(14);
  if (bad) {
    if (write(c, "HTTP/1.1 200 OK\r\n\r\n", 19) != 19)
      _exit(15);
  } else if (write(c, SIGNAL_BE, sizeof SIGNAL_BE) != sizeof SIGNAL_BE ||
             write(c, REPLY, sizeof REPLY) != sizeof REPLY) {
    _exit(15);
  }
  _exit(0);
}

static void finish_peer(pid_t pid) {
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  unlink(sock_path);
  if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
    fail_msg("the peer found a difference (exit %d)", WEXITSTATUS(st));
}

static void send_call(struct dbus_conn *c) {
  tote_err *err = NULL;
  if (dbus_connect(c, sock_path, &err) < 0)
    fail_msg("%s", err->msg);
  struct dbus_buf body = {0};
  dbus_put_str(&body, "x");
  uint32_t serial = 0;
  if (dbus_call(c, "d", "/p", "i.f", "M", "s", &body, &serial, &err) < 0)
    fail_msg("%s", err->msg);
  assert_int_equal(serial, 1);
  dbus_buf_free(&body);
}

static void test_call_and_replies(void **state) {
  (void)state;
  pid_t peer = start_peer(false);
  struct dbus_conn c;
  send_call(&c);
  tote_err *err = NULL;
  struct dbus_msg m;
  uint32_t u;
  const char *s;
  /* the signal, in the other byte order */
  if (dbus_recv(&c, &m, 5000, &err) < 0)
    fail_msg("%s", err->msg);
  assert_int_equal(m.type, DBUS_SIGNAL);
  assert_int_equal(m.serial, 9);
  assert_string_equal(m.member, "J");
  assert_string_equal(m.signature, "u");
  assert_int_equal(dbus_get_u32(&m, &u), 0);
  assert_int_equal(u, 5);
  assert_int_equal(dbus_get_u32(&m, &u), -1); /* the body ends */
  dbus_msg_free(&m);
  /* the reply */
  if (dbus_recv(&c, &m, 5000, &err) < 0)
    fail_msg("%s", err->msg);
  assert_int_equal(m.type, DBUS_METHOD_RETURN);
  assert_int_equal(m.reply_serial, 1);
  assert_null(m.member);
  assert_int_equal(dbus_get_str(&m, &s), 0);
  assert_string_equal(s, "/j/1");
  dbus_msg_free(&m);
  /* the peer is gone: no message comes */
  assert_int_equal(dbus_recv(&c, &m, 5000, &err), -1);
  err_free(&err);
  dbus_close(&c);
  finish_peer(peer);
}

static void test_not_dbus(void **state) {
  (void)state;
  pid_t peer = start_peer(true);
  struct dbus_conn c;
  send_call(&c);
  struct dbus_msg m;
  tote_err *err = NULL;
  assert_int_equal(dbus_recv(&c, &m, 5000, &err), -1);
  assert_non_null(strstr(err->msg, "not a D-Bus message"));
  err_free(&err);
  dbus_close(&c);
  finish_peer(peer);
}

static void test_nested_arrays(void **state) {
  (void)state;
  /* a(sv) holding ("A", <au [7]>), then an empty a(sa(sv)) */
  struct dbus_buf b = {0};
  dbus_open_array(&b, 8);
  dbus_open_struct(&b);
  dbus_put_str(&b, "A");
  dbus_put_sig(&b, "au");
  dbus_open_array(&b, 4);
  dbus_put_u32(&b, 7);
  dbus_close_array(&b);
  dbus_close_array(&b);
  dbus_open_array(&b, 8);
  dbus_close_array(&b);
  static const uint8_t want[] = {
      20, 0, 0, 0, 0, 0, 0, 0,          /* outer length 20, pad to the struct */
      1, 0, 0, 0, 'A', 0, 2, 'a', 'u', 0, 0, 0, /* "A", signature "au", pad */
      4, 0, 0, 0, 7, 0, 0, 0,           /* au: length 4, 7 */
      0, 0, 0, 0,                       /* the empty array (8-aligned already) */
  };
  assert_int_equal(b.len, sizeof want);
  assert_memory_equal(b.data, want, sizeof want);
  dbus_buf_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_call_and_replies),
      cmocka_unit_test(test_not_dbus),
      cmocka_unit_test(test_nested_arrays),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
