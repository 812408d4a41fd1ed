/* timefmt.h - the times the engine shows and reads, as docker writes them:
 * RFC 3339 with nanoseconds, durations such as "1h30m", and the STATUS
 * column of `tote ps` ("Up 5 seconds", "Exited (3) 2 minutes ago").
 * Pure functions: no clock is read here, "now" is an argument. */
#ifndef TOTE_ENGINE_TIMEFMT_H
#define TOTE_ENGINE_TIMEFMT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define ENG_NS_PER_SEC 1000000000LL

/* "2006-01-02T15:04:05[.frac](Z|+07:00)" or "2006-01-02" (UTC midnight):
 * nanoseconds since the epoch; -1 when malformed. */
int eng_parse_rfc3339(const char *s, int64_t *ns);
/* Go's duration syntax, as docker takes it: "10m", "1h30m", "1.5s",
 * "300ms", "2us", "5ns"; a sign and units repeatable; -1 when malformed. */
int eng_parse_duration(const char *s, int64_t *ns);
/* --since and --until: an RFC 3339 time, a date, a Unix time in seconds
 * ("1700000000" or "1700000000.5"), or a duration back from now. */
int eng_parse_since(const char *s, int64_t now_ns, int64_t *ns);
/* Docker's human durations: "Less than a second", "1 second",
 * "5 seconds", "About a minute", "3 minutes", "About an hour", "5 hours",
 * "3 days", "2 weeks", "4 months", "2 years". */
void eng_human_duration(int64_t ns, char *buf, size_t len);
/* The STATUS of a container record at now: "Created", "Up 5 seconds",
 * "Exited (3) 2 minutes ago". */
void eng_ps_status(json_t *c, int64_t now_ns, char *buf, size_t len);
/* Now, as nanoseconds since the epoch. */
int64_t eng_now_ns(void);

#endif
