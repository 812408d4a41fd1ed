/* netaddr.h - IPv4 subnets and addresses for the engine's networks: the
 * arithmetic behind IPAM (ipam.h) and the choice of a free subnet.  Pure:
 * no I/O, no state.  Addresses are uint32_t in host byte order. */
#ifndef TOTE_ENGINE_NETADDR_H
#define TOTE_ENGINE_NETADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tote_err;

struct eng_subnet {
  uint32_t addr; /* the network's own address (host bits zero) */
  int prefix;    /* 0..32 */
};

#define ENG_IP_LEN 16 /* "255.255.255.255" and its NUL */

/* "a.b.c.d" -> *ip; -1 when it is no dotted IPv4 address. */
int eng_ip_parse(const char *s, uint32_t *ip);
void eng_ip_format(uint32_t ip, char out[ENG_IP_LEN]);
/* "a.b.c.d/N" with N from 8 to 30 and no host bits set; -1 with err
 * naming what (the flag's name, say) and the form. */
int eng_subnet_parse(const char *s, const char *what, struct eng_subnet *out,
                     struct tote_err **err);
/* "a.b.c.d/N", a new string. */
char *eng_subnet_format(const struct eng_subnet *s);
uint32_t eng_prefix_mask(int prefix);
bool eng_subnet_contains(const struct eng_subnet *s, uint32_t ip);
bool eng_subnet_overlap(const struct eng_subnet *a, const struct eng_subnet *b);
/* The first and last addresses a host may have (neither the network's
 * own address nor its broadcast). */
uint32_t eng_subnet_first(const struct eng_subnet *s);
uint32_t eng_subnet_last(const struct eng_subnet *s);
/* Whether ip may be given to a container: in s, a host address, not the
 * gateway. */
bool eng_ip_assignable(const struct eng_subnet *s, uint32_t gateway, uint32_t ip);
/* The lowest assignable address of s not in taken[0..n); 0 when s is full. */
uint32_t eng_ip_pick(const struct eng_subnet *s, uint32_t gateway, const uint32_t *taken,
                     size_t n);
/* The first of tote's candidate subnets (10.77.0.0/16 up to 10.87.0.0/16,
 * then 172.27.0.0/16 up to 172.31.0.0/16, then 192.168.77.0/24 up to
 * 192.168.99.0/24) that overlaps none of used[0..n); -1 when every one
 * does. */
int eng_subnet_pick(const struct eng_subnet *used, size_t n, struct eng_subnet *out);

#endif
