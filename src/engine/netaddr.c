/* netaddr.c - IPv4 subnet arithmetic (see netaddr.h). */
#include "engine/netaddr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/xalloc.h"

int eng_ip_parse(const char *s, uint32_t *ip) {
  unsigned v[4];
  int used = 0;
  if (sscanf(s, "%3u.%3u.%3u.%3u%n", &v[0], &v[1], &v[2], &v[3], &used) != 4 || s[used] ||
      strspn(s, "0123456789.") != strlen(s))
    return -1;
  uint32_t out = 0;
  for (int i = 0; i < 4; i++) {
    if (v[i] > 255)
      return -1;
    out = out << 8 | v[i];
  }
  *ip = out;
  return 0;
}

void eng_ip_format(uint32_t ip, char out[ENG_IP_LEN]) {
  snprintf(out, ENG_IP_LEN, "%u.%u.%u.%u", ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255);
}

uint32_t eng_prefix_mask(int prefix) {
  return prefix <= 0 ? 0 : prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix);
}

int eng_subnet_parse(const char *s, const char *what, struct eng_subnet *out, tote_err **err) {
  const char *slash = strchr(s, '/');
  _cleanup_free_ char *ip_s = slash ? xstrndup(s, (size_t)(slash - s)) : NULL;
  char *end = NULL;
  long prefix = slash ? strtol(slash + 1, &end, 10) : -1;
  uint32_t ip;
  if (!slash || !slash[1] || *end || eng_ip_parse(ip_s, &ip) < 0)
    return err_set(err, 0, "%s \"%s\": an IPv4 subnet in CIDR form, like 10.77.0.0/16", what, s);
  if (prefix < 8 || prefix > 30)
    return err_set(err, 0, "%s \"%s\": the prefix length is from /8 to /30", what, s);
  if (ip & ~eng_prefix_mask((int)prefix))
    return err_set(err, 0, "%s \"%s\": host bits are set (the network's address is %u.%u.%u.%u"
                   "/%ld)", what, s, (ip & eng_prefix_mask((int)prefix)) >> 24,
                   (ip & eng_prefix_mask((int)prefix)) >> 16 & 255,
                   (ip & eng_prefix_mask((int)prefix)) >> 8 & 255,
                   ip & eng_prefix_mask((int)prefix) & 255, prefix);
  out->addr = ip;
  out->prefix = (int)prefix;
  return 0;
}

char *eng_subnet_format(const struct eng_subnet *s) {
  char ip[ENG_IP_LEN];
  eng_ip_format(s->addr, ip);
  return xasprintf("%s/%d", ip, s->prefix);
}

bool eng_subnet_contains(const struct eng_subnet *s, uint32_t ip) {
  return (ip & eng_prefix_mask(s->prefix)) == s->addr;
}

bool eng_subnet_overlap(const struct eng_subnet *a, const struct eng_subnet *b) {
  int p = a->prefix < b->prefix ? a->prefix : b->prefix;
  return ((a->addr ^ b->addr) & eng_prefix_mask(p)) == 0;
}

uint32_t eng_subnet_first(const struct eng_subnet *s) { return s->addr + 1; }

uint32_t eng_subnet_last(const struct eng_subnet *s) {
  return (s->addr | ~eng_prefix_mask(s->prefix)) - 1;
}

bool eng_ip_assignable(const struct eng_subnet *s, uint32_t gateway, uint32_t ip) {
  return eng_subnet_contains(s, ip) && ip >= eng_subnet_first(s) && ip <= eng_subnet_last(s) &&
         ip != gateway;
}

static int cmp_u32(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return x < y ? -1 : x > y;
}

uint32_t eng_ip_pick(const struct eng_subnet *s, uint32_t gateway, const uint32_t *taken,
                     size_t n) {
  uint32_t *sorted = xcalloc_array(n + 1, sizeof *sorted);
  if (n)
    memcpy(sorted, taken, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, cmp_u32);
  uint32_t ip = eng_subnet_first(s), last = eng_subnet_last(s), found = 0;
  size_t i = 0;
  for (; ip <= last && ip != 0; ip++) {
    while (i < n && sorted[i] < ip)
      i++;
    if (ip != gateway && (i == n || sorted[i] != ip)) {
      found = ip;
      break;
    }
  }
  free(sorted);
  return found;
}

int eng_subnet_pick(const struct eng_subnet *used, size_t n, struct eng_subnet *out) {
  struct eng_subnet c;
  for (int k = 0; k < 11 + 5 + 23; k++) {
    if (k < 11)
      c = (struct eng_subnet){(10u << 24) | (uint32_t)(77 + k) << 16, 16};
    else if (k < 16)
      c = (struct eng_subnet){(172u << 24) | (uint32_t)(27 + k - 11) << 16, 16};
    else
      c = (struct eng_subnet){(192u << 24) | (168u << 16) | (uint32_t)(77 + k - 16) << 8, 24};
    bool free_ = true;
    for (size_t i = 0; i < n && free_; i++)
      free_ = !eng_subnet_overlap(&c, &used[i]);
    if (free_) {
      *out = c;
      return 0;
    }
  }
  return -1;
}
