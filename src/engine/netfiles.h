/* netfiles.h - the texts of a container's /etc/resolv.conf and of the
 * network part of its /etc/hosts.  Pure: the callers read and write the
 * files. */
#ifndef TOTE_ENGINE_NETFILES_H
#define TOTE_ENGINE_NETFILES_H

#include <stddef.h>

#include "engine/hostconfig.h"

/* The container's resolv.conf from the host's (host_text, or NULL when
 * it has none): its nameserver lines but the loopback ones (127.0.0.0/8,
 * ::1: they are not reached from the container's network namespace), its
 * search/domain and options lines; --dns, --dns-search and --dns-option
 * replace each kind when given.  With no nameserver left, Google's public
 * ones (8.8.8.8, 8.8.4.4), as docker.  keep_loopback: the host's own
 * network namespace (--network host), where loopback resolvers answer. */
char *eng_resolv_conf(const char *host_text, const struct eng_list *dns,
                      const struct eng_list *search, const struct eng_list *options,
                      int keep_loopback);

/* The line that starts the network's part of a hosts file. */
#define ENG_HOSTS_MARK "# tote network\n"

struct eng_hosts_entry {
  const char *ip;
  const char *names; /* space-separated */
};

/* base (a hosts file: what comes before ENG_HOSTS_MARK is kept) followed
 * by the mark and one line for each entry. */
char *eng_hosts_text(const char *base, const struct eng_hosts_entry *e, size_t n);

#endif
