/*
 * Times: every instant inside camaudit is int64 milliseconds since the Unix
 * epoch, UTC.  This module turns log timestamps, command-line times and
 * durations into that, and formats it back as RFC 3339.
 */
#ifndef CAMAUDIT_TIMEFMT_H
#define CAMAUDIT_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The seconds RFC 3339 can write: from 0000-01-01T00:00:00Z up to, not
 * including, 10000-01-01T00:00:00Z.  Parsers reject times outside.
 */
#define TIMEFMT_MIN_SECONDS INT64_C(-62167219200)
#define TIMEFMT_END_SECONDS INT64_C(253402300800)

/* "2019-12-26T08:14:03.512Z" plus the terminating NUL. */
#define TIMEFMT_SIZE 25

/*
 * Parse a log timestamp: RFC 3339 (date, 'T' or 't' or one space, time,
 * optional fraction, 'Z' or +hh:mm/-hh:mm) or Unix epoch seconds with an
 * optional fraction.  Fractions are truncated to milliseconds.  Returns
 * NULL on success, else a short reason fit for a rejection message.
 */
const char *timefmt_parse_log(const char *s, size_t len, int64_t *ms);

/* Format ms as RFC 3339 UTC with milliseconds; years 0000-9999 only. */
void timefmt_format(int64_t ms, char out[TIMEFMT_SIZE]);

/*
 * A duration: one or more NUMBER UNIT groups, unit one of ms s m h d,
 * as in "2s", "500ms", "1h30m"; a bare "0" is zero.  Returns 0 or -1.
 */
int timefmt_parse_duration(const char *s, int64_t *ms);

/*
 * A duration as timefmt_parse_duration takes it back ("2s", "1m30s",
 * "250ms", "0"), into buf of size bytes (cut short if it is too small).
 */
void timefmt_format_duration(int64_t ms, char *buf, size_t size);

/*
 * A time given on the command line: RFC 3339 with or without seconds, a
 * date (YYYY-MM-DD, meaning its midnight UTC), epoch seconds after '@',
 * "now", "today", "yesterday" (midnight UTC), or a DURATION, with or
 * without a leading '-', counted back from now_ms.  Returns NULL on
 * success, else a short reason; TIMEFMT_WHEN_FORMS lists the forms.
 */
const char *timefmt_parse_when(const char *s, int64_t now_ms, int64_t *ms);
#define TIMEFMT_WHEN_FORMS \
	"RFC 3339 (2019-12-26T08:00:00Z, 2019-12-26T09:00+01:00), a date " \
	"(2019-12-26, its 00:00 UTC), epoch seconds (@1577347200), a " \
	"duration before now (2h, -30m, 7d), now, today or yesterday"

/* The days in month m (1-12) of year y, February of leap years included. */
unsigned timefmt_days_in_month(int64_t year, unsigned month);

/* Days since 1970-01-01 of a proleptic Gregorian date (any year). */
int64_t timefmt_days_from_civil(int64_t year, unsigned month, unsigned day);

#endif
