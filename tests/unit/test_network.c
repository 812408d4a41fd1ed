/* test_network.c - unit tests of the pure parts of the engine's
 * networks: subnet arithmetic and the choice of a free subnet, address
 * allocation in the IPAM's json, the -p parser, resolv.conf filtering and
 * the network part of /etc/hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "engine/ipam.h"
#include "engine/netaddr.h"
#include "engine/netfiles.h"
#include "engine/ports.h"
#include "util/err.h"

static uint32_t ip(const char *s) {
  uint32_t v = 0;
  assert_int_equal(eng_ip_parse(s, &v), 0);
  return v;
}

static void test_ip_parse(void **state) {
  (void)state;
  uint32_t v;
  assert_int_equal(ip("10.77.0.1"), 0x0a4d0001);
  char out[ENG_IP_LEN];
  eng_ip_format(0xc0a80101, out);
  assert_string_equal(out, "192.168.1.1");
  const char *bad[] = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4x", "a.b.c.d", " 1.2.3.4",
                       "1.2.3.-4"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
    assert_int_equal(eng_ip_parse(bad[i], &v), -1);
}

static void test_subnet(void **state) {
  (void)state;
  struct eng_subnet s, t;
  tote_err *err = NULL;
  assert_int_equal(eng_subnet_parse("10.77.0.0/16", "--subnet", &s, &err), 0);
  assert_int_equal(s.prefix, 16);
  assert_true(eng_subnet_contains(&s, ip("10.77.255.254")));
  assert_false(eng_subnet_contains(&s, ip("10.78.0.1")));
  assert_int_equal(eng_subnet_first(&s), ip("10.77.0.1"));
  assert_int_equal(eng_subnet_last(&s), ip("10.77.255.254"));
  char *f = eng_subnet_format(&s);
  assert_string_equal(f, "10.77.0.0/16");
  free(f);
  /* host bits, prefixes out of range, no prefix */
  assert_int_equal(eng_subnet_parse("10.77.0.1/16", "--subnet", &t, &err), -1);
  assert_non_null(strstr(err->msg, "10.77.0.0/16"));
  err_free(&err);
  assert_int_equal(eng_subnet_parse("10.0.0.0/31", "--subnet", &t, &err), -1);
  err_free(&err);
  assert_int_equal(eng_subnet_parse("10.0.0.0/4", "--subnet", &t, &err), -1);
  err_free(&err);
  assert_int_equal(eng_subnet_parse("10.0.0.0", "--subnet", &t, &err), -1);
  assert_non_null(strstr(err->msg, "--subnet"));
  err_free(&err);
  /* overlaps, both ways */
  assert_int_equal(eng_subnet_parse("10.77.3.0/24", "s", &t, NULL), 0);
  assert_true(eng_subnet_overlap(&s, &t));
  assert_true(eng_subnet_overlap(&t, &s));
  assert_int_equal(eng_subnet_parse("10.76.0.0/16", "s", &t, NULL), 0);
  assert_false(eng_subnet_overlap(&s, &t));
}

static void test_pick(void **state) {
  (void)state;
  struct eng_subnet s = {ip("192.168.5.0"), 29}; /* .1 to .6 */
  uint32_t gw = ip("192.168.5.1");
  assert_int_equal(eng_ip_pick(&s, gw, NULL, 0), ip("192.168.5.2"));
  uint32_t taken[] = {ip("192.168.5.3"), ip("192.168.5.2"), ip("192.168.5.5")};
  assert_int_equal(eng_ip_pick(&s, gw, taken, 3), ip("192.168.5.4"));
  uint32_t full[] = {ip("192.168.5.2"), ip("192.168.5.3"), ip("192.168.5.4"), ip("192.168.5.5"),
                     ip("192.168.5.6")};
  assert_int_equal(eng_ip_pick(&s, gw, full, 5), 0);
  /* neither the network's address, its broadcast nor the gateway */
  assert_false(eng_ip_assignable(&s, gw, ip("192.168.5.0")));
  assert_false(eng_ip_assignable(&s, gw, ip("192.168.5.7")));
  assert_false(eng_ip_assignable(&s, gw, gw));
  assert_true(eng_ip_assignable(&s, gw, ip("192.168.5.6")));
}

static void test_subnet_pick(void **state) {
  (void)state;
  struct eng_subnet out, used[3];
  assert_int_equal(eng_subnet_pick(NULL, 0, &out), 0);
  assert_int_equal(out.addr, ip("10.77.0.0"));
  assert_int_equal(out.prefix, 16);
  /* a route of the host inside 10.77/16, and 10.78/16 taken: 10.79/16 */
  used[0] = (struct eng_subnet){ip("10.77.8.0"), 24};
  used[1] = (struct eng_subnet){ip("10.78.0.0"), 16};
  assert_int_equal(eng_subnet_pick(used, 2, &out), 0);
  assert_int_equal(out.addr, ip("10.79.0.0"));
  /* all of 10/8 and 172.16/12 taken: a /24 of 192.168 */
  used[0] = (struct eng_subnet){ip("10.0.0.0"), 8};
  used[1] = (struct eng_subnet){ip("172.16.0.0"), 12};
  assert_int_equal(eng_subnet_pick(used, 2, &out), 0);
  assert_int_equal(out.addr, ip("192.168.77.0"));
  assert_int_equal(out.prefix, 24);
  used[2] = (struct eng_subnet){ip("192.168.0.0"), 16};
  assert_int_equal(eng_subnet_pick(used, 3, &out), -1);
}

static void test_ipam(void **state) {
  (void)state;
  json_t *st = json_pack("{s:{}, s:{}}", "bridges", "ports");
  struct eng_subnet s = {ip("10.77.0.0"), 16};
  uint32_t gw = ip("10.77.0.1"), got;
  tote_err *err = NULL;
  json_t *b = eng_ipam_bridge(st, "tote0", "tote", &s, gw, false, &err);
  assert_non_null(b);
  assert_int_equal(eng_ipam_take(b, &s, gw, 0, "aaa", "/r", &got, &err), 0);
  assert_int_equal(got, ip("10.77.0.2"));
  assert_int_equal(eng_ipam_take(b, &s, gw, ip("10.77.0.9"), "bbb", "/r", &got, &err), 0);
  assert_int_equal(eng_ipam_take(b, &s, gw, 0, "ccc", "/r", &got, &err), 0);
  assert_int_equal(got, ip("10.77.0.3"));
  /* asked for a taken one, one outside, the gateway */
  assert_int_equal(eng_ipam_take(b, &s, gw, ip("10.77.0.9"), "ddd", "/r", &got, &err), -1);
  assert_non_null(strstr(err->msg, "taken by container bbb"));
  err_free(&err);
  assert_int_equal(eng_ipam_take(b, &s, gw, ip("10.99.0.9"), "ddd", "/r", &got, &err), -1);
  err_free(&err);
  assert_int_equal(eng_ipam_take(b, &s, gw, gw, "ddd", "/r", &got, &err), -1);
  err_free(&err);
  assert_int_equal(eng_ipam_bridge_users(st, "tote0"), 3);
  /* another subnet on the same bridge: refused */
  struct eng_subnet other = {ip("10.80.0.0"), 16};
  assert_null(eng_ipam_bridge(st, "tote0", "tote", &other, ip("10.80.0.1"), false, &err));
  err_free(&err);
  /* ports: 0.0.0.0 holds every address */
  struct eng_port p = {"tcp", 0, 8080, 80}, q = {"tcp", ip("127.0.0.1"), 8080, 81},
                  u = {"udp", 0, 8080, 80};
  assert_int_equal(eng_ipam_take_port(st, &p, "aaa", "/r", &err), 0);
  assert_true(eng_ipam_port_taken(st, &q));
  assert_false(eng_ipam_port_taken(st, &u));
  assert_int_equal(eng_ipam_take_port(st, &q, "bbb", "/r", &err), -1);
  err_free(&err);
  /* released: the address and the port are free again */
  eng_ipam_release(st, "aaa");
  assert_int_equal(eng_ipam_bridge_users(st, "tote0"), 2);
  assert_false(eng_ipam_port_taken(st, &q));
  assert_int_equal(eng_ipam_take(b, &s, gw, 0, "eee", "/r", &got, &err), 0);
  assert_int_equal(got, ip("10.77.0.2"));
  /* the sweep drops what belongs to containers that are gone (/r has none) */
  eng_ipam_sweep(st);
  assert_int_equal(eng_ipam_bridge_users(st, "tote0"), 0);
  json_decref(st);
}

static void test_publish(void **state) {
  (void)state;
  struct eng_port *v = NULL;
  size_t n = 0;
  tote_err *err = NULL;
  assert_int_equal(eng_parse_publish("8080:80", &v, &n, &err), 0);
  assert_int_equal(eng_parse_publish("127.0.0.1:5353:53/udp", &v, &n, &err), 0);
  assert_int_equal(eng_parse_publish("443", &v, &n, &err), 0);
  assert_int_equal(eng_parse_publish("10.0.0.1::22", &v, &n, &err), 0);
  assert_int_equal(eng_parse_publish("9000-9002:7000-7002/tcp", &v, &n, &err), 0);
  assert_int_equal(n, 7);
  assert_string_equal(v[0].proto, "tcp");
  assert_int_equal(v[0].host_ip, 0);
  assert_int_equal(v[0].host_port, 8080);
  assert_int_equal(v[0].ctr_port, 80);
  assert_string_equal(v[1].proto, "udp");
  assert_int_equal(v[1].host_ip, ip("127.0.0.1"));
  assert_int_equal(v[1].host_port, 5353);
  assert_int_equal(v[2].host_port, 0);
  assert_int_equal(v[2].ctr_port, 443);
  assert_int_equal(v[3].host_ip, ip("10.0.0.1"));
  assert_int_equal(v[3].host_port, 0);
  assert_int_equal(v[6].host_port, 9002);
  assert_int_equal(v[6].ctr_port, 7002);
  char *line = eng_port_line(&v[1]);
  assert_string_equal(line, "53/udp -> 127.0.0.1:5353");
  free(line);
  const char *bad[] = {"", "80/sctp", "0", "65536", "8080:", "a:80", "1.2.3:80:80",
                       "9000-9001:80", "80-79", "1-2000", "::1:80:80"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(eng_parse_publish(bad[i], &v, &n, &err), -1);
    assert_non_null(strstr(err->msg, "-p \""));
    err_free(&err);
  }
  assert_int_equal(n, 7);
  /* :PORT: no host port given, as docker's */
  assert_int_equal(eng_parse_publish(":80", &v, &n, &err), 0);
  assert_int_equal(v[7].host_port, 0);
  free(v);
  struct eng_port p;
  assert_int_equal(eng_parse_exposed("80/tcp", &p), 0);
  assert_int_equal(p.ctr_port, 80);
  assert_int_equal(eng_parse_exposed("53/udp", &p), 0);
  assert_string_equal(p.proto, "udp");
  assert_int_equal(eng_parse_exposed("8080", &p), 0);
  assert_int_equal(eng_parse_exposed("80/sctp", &p), -1);
}

static void test_resolv(void **state) {
  (void)state;
  const char *host = "# made by hand\nnameserver 127.0.0.53\nnameserver 10.0.0.2\n"
                     "nameserver ::1\nsearch example.com lan\noptions edns0 trust-ad\n";
  struct eng_list none = {NULL, 0};
  char *out = eng_resolv_conf(host, &none, &none, &none, 0);
  assert_string_equal(out, "nameserver 10.0.0.2\nsearch example.com lan\noptions edns0 trust-ad\n");
  free(out);
  /* host networking: the loopback resolvers answer */
  out = eng_resolv_conf(host, &none, &none, &none, 1);
  assert_non_null(strstr(out, "nameserver 127.0.0.53\n"));
  free(out);
  /* only loopback ones: the public fallbacks */
  out = eng_resolv_conf("nameserver 127.0.0.53\n", &none, &none, &none, 0);
  assert_string_equal(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  free(out);
  /* the flags replace each kind */
  const char *dns[] = {"1.1.1.1"}, *search[] = {"a.test", "b.test"}, *opts[] = {"ndots:2"};
  struct eng_list d = {dns, 1}, s = {search, 2}, o = {opts, 1};
  out = eng_resolv_conf(host, &d, &s, &o, 0);
  assert_string_equal(out, "nameserver 1.1.1.1\nsearch a.test b.test\noptions ndots:2\n");
  free(out);
  out = eng_resolv_conf(NULL, &none, &none, &none, 0);
  assert_string_equal(out, "nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
  free(out);
}

static void test_hosts(void **state) {
  (void)state;
  const char *base = "127.0.0.1\tlocalhost\n";
  struct eng_hosts_entry e[] = {{"10.78.0.2", "web abc"}, {"10.78.0.3", "db"}};
  char *one = eng_hosts_text(base, e, 2);
  assert_string_equal(one, "127.0.0.1\tlocalhost\n" ENG_HOSTS_MARK "10.78.0.2\tweb abc\n"
                           "10.78.0.3\tdb\n");
  /* written again: the old network part is replaced, what came before kept */
  char *two = eng_hosts_text(one, e + 1, 1);
  assert_string_equal(two, "127.0.0.1\tlocalhost\n" ENG_HOSTS_MARK "10.78.0.3\tdb\n");
  free(one);
  free(two);
  char *none = eng_hosts_text("a\tb", NULL, 0);
  assert_string_equal(none, "a\tb\n" ENG_HOSTS_MARK);
  free(none);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_ip_parse),  cmocka_unit_test(test_subnet),
      cmocka_unit_test(test_pick),      cmocka_unit_test(test_subnet_pick),
      cmocka_unit_test(test_ipam),      cmocka_unit_test(test_publish),
      cmocka_unit_test(test_resolv),    cmocka_unit_test(test_hosts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
