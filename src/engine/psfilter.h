/* psfilter.h - `tote ps --filter KEY=VALUE`, as docker's: status=
 * (created, running, paused, exited), name= (a part of the name), id= (a
 * prefix of the id), label=KEY or label=KEY=VALUE.  Filters with the same
 * key match when any does; different keys must all match. */
#ifndef TOTE_ENGINE_PSFILTER_H
#define TOTE_ENGINE_PSFILTER_H

#include <jansson.h>
#include <stdbool.h>

struct tote_err;

/* A filter's form: -1 with err naming it and the keys known. */
int eng_filter_check(const char *filter, struct tote_err **err);
/* Whether the container record c, whose status is status, passes filters. */
bool eng_filter_match(json_t *c, const char *status, const char *const *filters, int n);

#endif
