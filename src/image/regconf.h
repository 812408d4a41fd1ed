/* regconf.h - the registries configuration: which registries are insecure
 * (reached without TLS verification, and over plain HTTP when they have no
 * TLS), as if --tls-verify=false were given for them.
 *
 * The file is JSON, {"insecure": ["registry.lan:5000", "10.0.0.5"]}: a name
 * with a port matches that host:port, a name without one matches the host
 * on any port.  It is $TOTE_REGISTRIES_CONF, else (not root)
 * $XDG_CONFIG_HOME/tote/registries.json (~/.config/...) if it exists, else
 * /etc/tote/registries.json; a missing file means none. */
#ifndef TOTE_IMAGE_REGCONF_H
#define TOTE_IMAGE_REGCONF_H

struct tote_err;

/* 1 when registry (host[:port]) is listed insecure, 0 when not, -1 with
 * err when the file cannot be read or is malformed. */
int img_registry_insecure(const char *registry, struct tote_err **err);

#endif
