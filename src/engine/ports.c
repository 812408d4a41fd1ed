/* ports.c - -p and -P (see ports.h). */
#include "engine/ports.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/netaddr.h"
#include "util/err.h"
#include "util/xalloc.h"

#define FORM "[HOSTIP:][HOSTPORT[-END]:]PORT[-END][/tcp|/udp], like 8080:80 or 127.0.0.1:53:53/udp"

/* "N" or "N-M" of ports 1..65535; -1 when it is not. */
static int parse_range(const char *s, unsigned *lo, unsigned *hi) {
  char *end;
  if (*s < '0' || *s > '9')
    return -1;
  unsigned long a = strtoul(s, &end, 10), b = a;
  if (*end == '-') {
    const char *t = end + 1;
    if (*t < '0' || *t > '9')
      return -1;
    b = strtoul(t, &end, 10);
  }
  if (*end || a < 1 || a > 65535 || b < a || b > 65535)
    return -1;
  *lo = (unsigned)a;
  *hi = (unsigned)b;
  return 0;
}

int eng_parse_publish(const char *s, struct eng_port **v, size_t *n, tote_err **err) {
  _cleanup_free_ char *copy = xstrdup(s);
  const char *proto = "tcp";
  char *slash = strchr(copy, '/');
  if (slash) {
    *slash++ = '\0';
    if (strcmp(slash, "tcp") != 0 && strcmp(slash, "udp") != 0)
      return err_set(err, 0, "-p \"%s\": the protocol is tcp or udp, not \"%s\"", s, slash);
    proto = slash;
  }
  /* from the right: CTR, then HOST, then HOSTIP (which has no ':' of its own) */
  char *parts[3] = {NULL, NULL, NULL};
  int np = 0;
  for (char *p = copy;;) {
    parts[np++] = p;
    char *c = strchr(p, ':');
    if (c == NULL || np == 3)
      break;
    *c = '\0';
    p = c + 1;
  }
  if (np == 3 && strchr(parts[2], ':'))
    return err_set(err, 0, "-p \"%s\": IPv6 host addresses are not supported: " FORM, s);
  const char *ip_s = np == 3 ? parts[0] : NULL;
  const char *host_s = np == 3 ? parts[1] : np == 2 ? parts[0] : "";
  const char *ctr_s = parts[np - 1];
  uint32_t ip = 0;
  if (ip_s && *ip_s && eng_ip_parse(ip_s, &ip) < 0)
    return err_set(err, 0, "-p \"%s\": \"%s\" is no IPv4 address: " FORM, s, ip_s);
  unsigned clo, chi, hlo = 0, hhi = 0;
  if (parse_range(ctr_s, &clo, &chi) < 0)
    return err_set(err, 0, "-p \"%s\": the container port \"%s\" is not a port (1-65535) or "
                   "range: " FORM, s, ctr_s);
  if (*host_s && parse_range(host_s, &hlo, &hhi) < 0)
    return err_set(err, 0, "-p \"%s\": the host port \"%s\" is not a port (1-65535) or range: "
                   FORM, s, host_s);
  if (*host_s && hhi - hlo != chi - clo)
    return err_set(err, 0, "-p \"%s\": the host range and the container range differ in "
                   "length", s);
  if (chi - clo + 1 > ENG_PORT_RANGE_MAX)
    return err_set(err, 0, "-p \"%s\": a range publishes at most %d ports", s,
                   ENG_PORT_RANGE_MAX);
  *v = xrealloc(*v, (*n + (chi - clo + 1)) * sizeof **v);
  for (unsigned k = 0; k <= chi - clo; k++) {
    struct eng_port *p = &(*v)[(*n)++];
    *p = (struct eng_port){.host_ip = ip, .host_port = (uint16_t)(*host_s ? hlo + k : 0),
                           .ctr_port = (uint16_t)(clo + k)};
    snprintf(p->proto, sizeof p->proto, "%s", proto);
  }
  return 0;
}

int eng_parse_exposed(const char *s, struct eng_port *p) {
  char *end;
  unsigned long port = strtoul(s, &end, 10);
  const char *proto = *end == '/' ? end + 1 : *end == '\0' ? "tcp" : NULL;
  if (end == s || port < 1 || port > 65535 || proto == NULL ||
      (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0))
    return -1;
  *p = (struct eng_port){.ctr_port = (uint16_t)port};
  snprintf(p->proto, sizeof p->proto, "%s", proto);
  return 0;
}

json_t *eng_port_to_json(const struct eng_port *p) {
  char ip[ENG_IP_LEN];
  eng_ip_format(p->host_ip, ip);
  return json_pack("{s:s, s:s, s:i, s:i}", "proto", p->proto, "host_ip", ip, "host_port",
                   (int)p->host_port, "ctr_port", (int)p->ctr_port);
}

int eng_port_from_json(json_t *j, struct eng_port *p) {
  const char *proto = json_string_value(json_object_get(j, "proto"));
  const char *ip = json_string_value(json_object_get(j, "host_ip"));
  json_int_t hp = json_integer_value(json_object_get(j, "host_port"));
  json_int_t cp = json_integer_value(json_object_get(j, "ctr_port"));
  *p = (struct eng_port){.host_port = (uint16_t)hp, .ctr_port = (uint16_t)cp};
  if (proto == NULL || ip == NULL || eng_ip_parse(ip, &p->host_ip) < 0 || hp < 0 ||
      hp > 65535 || cp < 1 || cp > 65535)
    return -1;
  snprintf(p->proto, sizeof p->proto, "%s", proto);
  return 0;
}

char *eng_port_line(const struct eng_port *p) {
  char ip[ENG_IP_LEN];
  eng_ip_format(p->host_ip, ip);
  return xasprintf("%u/%s -> %s:%u", p->ctr_port, p->proto, ip, p->host_port);
}

static int bound_socket(const struct eng_port *p, uint16_t port, int *fd) {
  *fd = socket(AF_INET, (strcmp(p->proto, "udp") == 0 ? SOCK_DGRAM : SOCK_STREAM) | SOCK_CLOEXEC,
               0);
  if (*fd < 0)
    return -1;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port),
                           .sin_addr.s_addr = htonl(p->host_ip)};
  return bind(*fd, (struct sockaddr *)&sa, sizeof sa);
}

int eng_port_check_free(const struct eng_port *p, tote_err **err) {
  _cleanup_close_ int fd = -1;
  if (bound_socket(p, p->host_port, &fd) == 0)
    return 0;
  char ip[ENG_IP_LEN];
  eng_ip_format(p->host_ip, ip);
  if (errno == EADDRINUSE)
    return err_set(err, 0, "-p: host port %s:%u/%s is already in use: choose another host port "
                   "(or stop what holds it)", ip, p->host_port, p->proto);
  if (errno == EADDRNOTAVAIL)
    return err_set(err, 0, "-p: %s is not an address of this host: give one of its addresses, "
                   "or none for all of them", ip);
  return err_sys(err, "-p: binding host port %s:%u/%s", ip, p->host_port, p->proto);
}

int eng_port_choose(struct eng_port *p, tote_err **err) {
  _cleanup_close_ int fd = -1;
  struct sockaddr_in sa;
  socklen_t len = sizeof sa;
  if (bound_socket(p, 0, &fd) < 0 || getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
    return err_sys(err, "-P: choosing a free host port for %u/%s", p->ctr_port, p->proto);
  p->host_port = ntohs(sa.sin_port);
  return 0;
}
