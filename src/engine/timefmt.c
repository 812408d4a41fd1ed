/* timefmt.c - times read and shown as docker does (see timefmt.h). */
#include "engine/timefmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t eng_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * ENG_NS_PER_SEC + ts.tv_nsec;
}

/* n digits at *p as a number; the pointer moves past them. */
static int digits(const char **p, int n, int *out) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (!isdigit((unsigned char)(*p)[i]))
      return -1;
    v = v * 10 + ((*p)[i] - '0');
  }
  *p += n;
  *out = v;
  return 0;
}

static int expect(const char **p, char c) {
  if (**p != c)
    return -1;
  (*p)++;
  return 0;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* ".123456789" -> nanoseconds; nothing there is 0. */
static int fraction(const char **p, int64_t *ns) {
  *ns = 0;
  if (**p != '.' && **p != ',')
    return 0;
  (*p)++;
  int n = 0;
  int64_t scale = 100000000;
  for (; isdigit((unsigned char)**p); (*p)++, n++) {
    if (scale > 0)
      *ns += (**p - '0') * scale;
    scale /= 10;
  }
  return n > 0 ? 0 : -1;
}

int eng_parse_rfc3339(const char *s, int64_t *ns) {
  const char *p = s;
  int y, mo, d, h = 0, mi = 0, sec = 0;
  int64_t frac = 0, off = 0;
  if (digits(&p, 4, &y) < 0 || expect(&p, '-') < 0 || digits(&p, 2, &mo) < 0 ||
      expect(&p, '-') < 0 || digits(&p, 2, &d) < 0)
    return -1;
  if (*p == 'T' || *p == 't') {
    p++;
    if (digits(&p, 2, &h) < 0 || expect(&p, ':') < 0 || digits(&p, 2, &mi) < 0 ||
        expect(&p, ':') < 0 || digits(&p, 2, &sec) < 0 || fraction(&p, &frac) < 0)
      return -1;
    if (*p == 'Z' || *p == 'z') {
      p++;
    } else if (*p == '+' || *p == '-') {
      int sign = *p++ == '-' ? -1 : 1, oh, om;
      if (digits(&p, 2, &oh) < 0 || expect(&p, ':') < 0 || digits(&p, 2, &om) < 0)
        return -1;
      off = sign * (oh * 3600 + om * 60);
    } else {
      return -1;
    }
  }
  if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
    return -1;
  int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
  *ns = t * ENG_NS_PER_SEC + frac;
  return 0;
}

static const struct {
  const char *name;
  int64_t ns;
} units[] = {
    {"ns", 1},         {"us", 1000},          {"\xc2\xb5s", 1000}, {"ms", 1000000},
    {"s", ENG_NS_PER_SEC}, {"m", 60 * ENG_NS_PER_SEC}, {"h", 3600 * ENG_NS_PER_SEC},
};

int eng_parse_duration(const char *s, int64_t *ns) {
  const char *p = s;
  int sign = 1;
  if (*p == '-' || *p == '+')
    sign = *p++ == '-' ? -1 : 1;
  if (strcmp(p, "0") == 0) {
    *ns = 0;
    return 0;
  }
  if (*p == '\0')
    return -1;
  double total = 0;
  while (*p) {
    char *end;
    if (!isdigit((unsigned char)*p) && *p != '.')
      return -1;
    double v = strtod(p, &end);
    if (end == p)
      return -1;
    p = end;
    size_t best = 0;
    int64_t mult = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
      size_t n = strlen(units[i].name);
      if (n > best && strncmp(p, units[i].name, n) == 0) {
        best = n;
        mult = units[i].ns;
      }
    }
    if (best == 0)
      return -1;
    p += best;
    total += v * (double)mult;
  }
  if (total > 9.2e18)
    return -1;
  *ns = sign * (int64_t)(total + 0.5);
  return 0;
}

int eng_parse_since(const char *s, int64_t now_ns, int64_t *ns) {
  if (eng_parse_rfc3339(s, ns) == 0)
    return 0;
  const char *p = s;
  if (isdigit((unsigned char)*p)) {
    char *end;
    long long secs = strtoll(p, &end, 10);
    int64_t frac = 0;
    const char *q = end;
    if (fraction(&q, &frac) == 0 && *q == '\0' && secs < 9000000000LL) {
      *ns = (int64_t)secs * ENG_NS_PER_SEC + frac;
      return 0;
    }
  }
  int64_t d;
  if (eng_parse_duration(s, &d) < 0)
    return -1;
  *ns = now_ns - d;
  return 0;
}

void eng_human_duration(int64_t ns, char *buf, size_t len) {
  int64_t secs = ns / ENG_NS_PER_SEC;
  int64_t mins = secs / 60;
  /* hours rounded to the nearest, as docker's */
  int64_t hours = (ns + 1800 * ENG_NS_PER_SEC) / (3600 * ENG_NS_PER_SEC);
  if (secs < 1)
    snprintf(buf, len, "Less than a second");
  else if (secs == 1)
    snprintf(buf, len, "1 second");
  else if (secs < 60)
    snprintf(buf, len, "%lld seconds", (long long)secs);
  else if (mins == 1)
    snprintf(buf, len, "About a minute");
  else if (mins < 60)
    snprintf(buf, len, "%lld minutes", (long long)mins);
  else if (hours == 1)
    snprintf(buf, len, "About an hour");
  else if (hours < 48)
    snprintf(buf, len, "%lld hours", (long long)hours);
  else if (hours < 24 * 7 * 2)
    snprintf(buf, len, "%lld days", (long long)(hours / 24));
  else if (hours < 24 * 30 * 2)
    snprintf(buf, len, "%lld weeks", (long long)(hours / 24 / 7));
  else if (hours < 24 * 365 * 2)
    snprintf(buf, len, "%lld months", (long long)(hours / 24 / 30));
  else
    snprintf(buf, len, "%lld years", (long long)(secs / 3600 / 24 / 365));
}

/* now - the record's time field, or -1 when it has none. */
static int64_t since_field(json_t *c, const char *field, int64_t now_ns) {
  int64_t t;
  const char *s = json_string_value(json_object_get(c, field));
  if (s == NULL || eng_parse_rfc3339(s, &t) < 0)
    return -1;
  return now_ns > t ? now_ns - t : 0;
}

void eng_ps_status(json_t *c, int64_t now_ns, char *buf, size_t len) {
  const char *state = json_string_value(json_object_get(c, "state"));
  char human[64];
  if (state && strcmp(state, "running") == 0) {
    int64_t d = since_field(c, "started", now_ns);
    eng_human_duration(d < 0 ? 0 : d, human, sizeof human);
    snprintf(buf, len, "Up %s", human);
  } else if (state && strcmp(state, "exited") == 0) {
    int64_t d = since_field(c, "finished", now_ns);
    eng_human_duration(d < 0 ? 0 : d, human, sizeof human);
    snprintf(buf, len, "Exited (%lld) %s ago",
             (long long)json_integer_value(json_object_get(c, "exit_code")), human);
  } else if (state && strcmp(state, "created") == 0) {
    snprintf(buf, len, "Created");
  } else {
    snprintf(buf, len, "%s", state ? state : "unknown");
  }
}
