/*
 * Timestamp parsing and formatting.  The RFC 3339 parser is hand-written
 * because it runs once per log line; the calendar arithmetic is Howard
 * Hinnant's days_from_civil, which needs no time zone database and no
 * global state (unlike mktime/timegm with TZ).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "timefmt.h"
#include "util.h"

#define MS_PER_DAY INT64_C(86400000)

int64_t timefmt_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned timefmt_days_in_month(int64_t y, unsigned m)
{
	static const unsigned char days[12] = {31, 28, 31, 30, 31, 30,
					       31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Read exactly n decimal digits at s; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
	int v = 0;

	while (n--) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s++ - '0');
	}
	return v;
}

/* Fraction digits after a '.', truncated to milliseconds. */
static const char *parse_fraction(const char **p, const char *end, int64_t *ms)
{
	const char *s = *p;
	int64_t frac = 0;
	int n = 0;

	if (s == end || *s < '0' || *s > '9')
		return "fraction without digits";
	for (; s < end && *s >= '0' && *s <= '9'; s++, n++)
		if (n < 3)
			frac = frac * 10 + (*s - '0');
	for (; n < 3; n++)
		frac *= 10;
	*ms = frac;
	*p = s;
	return NULL;
}

/*
 * RFC 3339; with seconds_optional (a person typing a time), "HH:MM" without
 * ":SS" too.  Logs must carry their seconds.
 */
static const char *parse_rfc3339(const char *s, size_t len, int seconds_optional,
				 int64_t *ms)
{
	const char *end = s + len, *p;
	int year, month, day, hour, minute, second = 0, offset = 0;
	int64_t frac = 0, days;
	const char *why;

	/* "YYYY-MM-DDTHH:MM" is 16 characters, then ":SS", fraction and zone. */
	if (len < 16 || s[4] != '-' || s[7] != '-' || s[13] != ':' ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
		return "not an RFC 3339 timestamp";
	year = digits(s, 4), month = digits(s + 5, 2), day = digits(s + 8, 2);
	hour = digits(s + 11, 2), minute = digits(s + 14, 2);
	p = s + 16;
	if (end - p >= 3 && *p == ':') {
		second = digits(p + 1, 2);
		p += 3;
		/* A fraction belongs to the seconds. */
		if (p < end && *p == '.') {
			p++;
			if ((why = parse_fraction(&p, end, &frac)))
				return why;
		}
	} else if (!seconds_optional) {
		return "not an RFC 3339 timestamp";
	}
	if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 ||
	    second < 0)
		return "not an RFC 3339 timestamp";
	if (month < 1 || month > 12 || day < 1 ||
	    (unsigned)day > timefmt_days_in_month(year, (unsigned)month))
		return "impossible date";
	/* 60 is a leap second; it is kept as the first instant after :59. */
	if (hour > 23 || minute > 59 || second > 60)
		return "impossible time of day";

	if (p == end)
		return "timestamp has no UTC offset";
	if ((*p == 'Z' || *p == 'z') && p + 1 == end) {
		offset = 0;
	} else if ((*p == '+' || *p == '-') &&
		   ((end - p == 6 && p[3] == ':') || end - p == 5)) {
		/* +hh:mm as RFC 3339 says, or +hhmm as many servers write */
		int oh = digits(p + 1, 2), om = digits(p + (end - p == 6 ? 4 : 3), 2);

		if (oh < 0 || om < 0)
			return "malformed UTC offset";
		if (oh > 23 || om > 59)
			return "impossible UTC offset";
		offset = (oh * 60 + om) * (*p == '-' ? -1 : 1);
	} else {
		return "malformed UTC offset";
	}

	days = timefmt_days_from_civil(year, (unsigned)month, (unsigned)day);
	*ms = ((days * 24 + hour) * 60 + minute - offset) * INT64_C(60000) +
	      second * INT64_C(1000) + frac;
	/* An offset can carry a time just past either end of what UTC output
	 * can write (0000-01-01 to 9999-12-31). */
	if (*ms < TIMEFMT_MIN_SECONDS * 1000 || *ms >= TIMEFMT_END_SECONDS * 1000)
		return "timestamp outside years 0000 to 9999 in UTC";
	return NULL;
}

static const char *parse_epoch(const char *s, size_t len, int64_t *ms)
{
	const char *p = s, *end = s + len;
	int64_t seconds = 0, frac = 0;
	const char *why;

	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		seconds = seconds * 10 + (*p - '0');
		if (seconds >= TIMEFMT_END_SECONDS)
			return "epoch seconds out of range (milliseconds?)";
	}
	if (p == s)
		return "not a timestamp";
	if (p < end && *p == '.') {
		p++;
		if ((why = parse_fraction(&p, end, &frac)))
			return why;
	}
	if (p != end)
		return "not a timestamp";
	*ms = seconds * 1000 + frac;
	return NULL;
}

const char *timefmt_parse_log(const char *s, size_t len, int64_t *ms)
{
	if (len == 0)
		return "empty timestamp";
	/* An RFC 3339 date has '-' after four digits; epoch seconds never do. */
	if (len > 4 && s[4] == '-')
		return parse_rfc3339(s, len, 0, ms);
	return parse_epoch(s, len, ms);
}

void timefmt_format(int64_t ms, char out[TIMEFMT_SIZE])
{
	int64_t days = ms / MS_PER_DAY, rest = ms % MS_PER_DAY, year;
	unsigned month, day;

	if (rest < 0)
		rest += MS_PER_DAY, days--;
	civil_from_days(days, &year, &month, &day);
	if (year < 0 || year > 9999) {
		/* The parsers reject such times; keep the output well-formed. */
		memcpy(out, "0000-00-00T00:00:00.000Z", TIMEFMT_SIZE);
		return;
	}
	snprintf(out, TIMEFMT_SIZE, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
		 (int)year, month, day, (int)(rest / 3600000),
		 (int)(rest / 60000 % 60), (int)(rest / 1000 % 60),
		 (int)(rest % 1000));
}

/* The units of a duration, largest first. */
static const struct {
	const char *name;
	int64_t ms;
} duration_units[] = {
	{"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1},
};

int timefmt_parse_duration(const char *s, int64_t *ms)
{
	int64_t total = 0;

	if (!strcmp(s, "0")) {
		*ms = 0;
		return 0;
	}
	if (!*s)
		return -1;
	while (*s) {
		int64_t n = 0;
		size_t i, unit = ARRAY_SIZE(duration_units), unit_len = 0;
		const char *start = s;

		for (; *s >= '0' && *s <= '9'; s++) {
			n = n * 10 + (*s - '0');
			if (n > 100000000) /* keeps n * 1d far from overflow */
				return -1;
		}
		if (s == start)
			return -1;
		/* The longest unit name that fits: "ms" rather than "m". */
		for (i = 0; i < ARRAY_SIZE(duration_units); i++) {
			size_t len = strlen(duration_units[i].name);

			if (!strncmp(s, duration_units[i].name, len) && len > unit_len) {
				unit = i;
				unit_len = len;
			}
		}
		if (unit == ARRAY_SIZE(duration_units))
			return -1;
		total += n * duration_units[unit].ms;
		if (total > INT64_C(1) << 60)
			return -1;
		s += unit_len;
	}
	*ms = total;
	return 0;
}

void timefmt_format_duration(int64_t ms, char *buf, size_t size)
{
	size_t i, used = 0;

	if (ms <= 0) {
		snprintf(buf, size, "0");
		return;
	}
	buf[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(duration_units) && used < size; i++) {
		if (ms >= duration_units[i].ms) {
			int n = snprintf(buf + used, size - used, "%" PRId64 "%s",
					 ms / duration_units[i].ms,
					 duration_units[i].name);

			used += n > 0 ? (size_t)n : 0;
			ms %= duration_units[i].ms;
		}
	}
}

static const char *parse_date(const char *s, int64_t *ms)
{
	int year, month, day;

	year = digits(s, 4), month = digits(s + 5, 2), day = digits(s + 8, 2);
	if (year < 0 || month < 0 || day < 0)
		return "not a date";
	if (month < 1 || month > 12 || day < 1 ||
	    (unsigned)day > timefmt_days_in_month(year, (unsigned)month))
		return "impossible date";
	*ms = timefmt_days_from_civil(year, (unsigned)month, (unsigned)day) *
	      MS_PER_DAY;
	return NULL;
}

const char *timefmt_parse_when(const char *s, int64_t now_ms, int64_t *ms)
{
	int64_t midnight = now_ms - ((now_ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
	size_t len = strlen(s);
	int64_t back;

	if (!strcmp(s, "now")) {
		*ms = now_ms;
	} else if (!strcmp(s, "today")) {
		*ms = midnight;
	} else if (!strcmp(s, "yesterday")) {
		*ms = midnight - MS_PER_DAY;
	} else if (s[0] == '@') {
		return len > 1 ? parse_epoch(s + 1, len - 1, ms) : "no epoch seconds after '@'";
	} else if (len > 4 && s[4] == '-') {
		/* As in timefmt_parse_log: a date has '-' after four digits. */
		return len == 10 ? parse_date(s, ms) : parse_rfc3339(s, len, 1, ms);
	} else if (timefmt_parse_duration(s + (s[0] == '-'), &back) == 0) {
		/* "2h" and "-2h" alike: a time before now, never after it. */
		*ms = now_ms - back;
	} else if (len && strspn(s, "0123456789") == len) {
		return "a number needs a unit, or a leading @ for epoch seconds";
	} else {
		return s[0] == '-' || (s[0] >= '0' && s[0] <= '9') ?
			"not a duration" : "not a time";
	}
	return NULL;
}
