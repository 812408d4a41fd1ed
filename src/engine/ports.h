/* ports.h - published ports: docker's -p forms parsed, -P's ExposedPorts,
 * and the host side's checks (is a host port free, which one is). */
#ifndef TOTE_ENGINE_PORTS_H
#define TOTE_ENGINE_PORTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct tote_err;

struct eng_port {
  char proto[4];      /* "tcp" or "udp" */
  uint32_t host_ip;   /* host byte order; 0: every address of the host */
  uint16_t host_port; /* 0: a free one is chosen when the container starts */
  uint16_t ctr_port;
};

/* The most ports one -p range may publish. */
#define ENG_PORT_RANGE_MAX 1024

/* -p [HOSTIP:][HOSTPORT[-END]:]CTRPORT[-END][/tcp|/udp] appended to *v (n
 * of them): one entry per port of a range; a range on both sides has the
 * same length.  -1 with one line naming the value and the form. */
int eng_parse_publish(const char *s, struct eng_port **v, size_t *n, struct tote_err **err);
/* An image's ExposedPorts key ("80/tcp", "53/udp", "8080"): a port to
 * publish on a free host port; -1 when it is none. */
int eng_parse_exposed(const char *s, struct eng_port *p);
/* {"proto", "host_ip", "host_port", "ctr_port"} and back. */
json_t *eng_port_to_json(const struct eng_port *p);
int eng_port_from_json(json_t *j, struct eng_port *p);
/* docker's line of tote port: "80/tcp -> 0.0.0.0:8080", a new string. */
char *eng_port_line(const struct eng_port *p);
/* Whether the host port can be had: a socket of p's protocol bound to it
 * (then closed).  -1 with err when something holds it. */
int eng_port_check_free(const struct eng_port *p, struct tote_err **err);
/* p->host_port 0: a free port of the host's ephemeral range chosen (the
 * kernel's pick for a bind to port 0). */
int eng_port_choose(struct eng_port *p, struct tote_err **err);

#endif
