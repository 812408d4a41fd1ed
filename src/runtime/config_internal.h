/* config_internal.h - shared between the config_*.c parsers only. */
#ifndef TOTE_RUNTIME_CONFIG_INTERNAL_H
#define TOTE_RUNTIME_CONFIG_INTERNAL_H

#include <jansson.h>

#include "runtime/config.h"

int config_parse_mounts(json_t *root, struct rt_config *c, struct tote_err **err);
void config_free_mount(struct rt_mount *m);
int config_parse_linux(json_t *root, struct rt_config *c, struct tote_err **err);
int config_parse_idmaps(json_t *obj, const char *key, const char *where, struct rt_idmap **out,
                        size_t *n, struct tote_err **err);
int config_parse_hooks(json_t *root, struct rt_config *c, struct tote_err **err);
void config_free_hooks(struct rt_hooks *h);
/* Refuse a present, non-empty member: "<where>.<key> is not supported<why>". */
int config_refuse(json_t *obj, const char *key, const char *where, const char *why,
                  struct tote_err **err);

#endif
