/*
 * Fuzz target: the time parsers and the formatter.  Besides the sanitizers,
 * three oracles: a log timestamp agrees with an independent reading through
 * libc's timegm(), a formatted time parses back to the same instant, and
 * durations agree with a plain reading of their grammar.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "timefmt.h"

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 2019-12-26T08:14:03.512Z: "now" for timefmt_parse_when(). */
#define FIXED_NOW INT64_C(1577348043512)
#define MS_PER_DAY INT64_C(86400000)
/* The instants RFC 3339 output can write: years 0000 to 9999 in UTC. */
#define FIRST_MS (INT64_C(-62167219200) * 1000)
#define END_MS (INT64_C(253402300800) * 1000)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* n digits at s as a number, or -1. */
static int read_digits(const char *s, int n)
{
	int v = 0;

	for (; n > 0; n--, s++) {
		if (!is_digit(*s))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int month_days(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

/* Milliseconds of a UTC civil time, by libc (proleptic Gregorian). */
static int64_t civil_ms(int year, int month, int day, int hour, int minute,
			int second)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	tm.tm_sec = second; /* 60 normalises to the next minute, as intended */
	return (int64_t)timegm(&tm) * 1000;
}

/* Fraction digits at *p (at least one), truncated to milliseconds. */
static int read_fraction(const char **p, const char *end, int64_t *ms)
{
	int n = 0;

	*ms = 0;
	for (; *p < end && is_digit(**p); (*p)++, n++)
		if (n < 3)
			*ms += (**p - '0') * (n == 0 ? 100 : n == 1 ? 10 : 1);
	return n > 0 ? 0 : -1;
}

/*
 * The log timestamp grammar of timefmt.h, read the slow way.  Returns 0
 * with *ms set, or -1 when the text is not a timestamp.
 */
static int reference_parse_log(const char *s, size_t len, int64_t *ms)
{
	const char *p = s, *end = s + len;
	int64_t frac = 0;

	if (len > 4 && s[4] == '-') {
		int y, mo, d, h, mi, sec, offset = 0;

		if (len < 19 || s[7] != '-' || s[13] != ':' || s[16] != ':' ||
		    (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
			return -1;
		y = read_digits(s, 4), mo = read_digits(s + 5, 2);
		d = read_digits(s + 8, 2), h = read_digits(s + 11, 2);
		mi = read_digits(s + 14, 2), sec = read_digits(s + 17, 2);
		if (y < 0 || mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) ||
		    h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
			return -1;
		p = s + 19;
		if (p < end && *p == '.') {
			p++;
			if (read_fraction(&p, end, &frac))
				return -1;
		}
		if (end - p == 1 && (*p == 'Z' || *p == 'z')) {
			offset = 0;
		} else if (p < end && (*p == '+' || *p == '-') &&
			   ((end - p == 6 && p[3] == ':') || end - p == 5)) {
			/* +hh:mm, or +hhmm as nginx's and Apache's %z write */
			int oh = read_digits(p + 1, 2);
			int om = read_digits(p + (end - p == 6 ? 4 : 3), 2);

			if (oh < 0 || oh > 23 || om < 0 || om > 59)
				return -1;
			offset = (oh * 60 + om) * (*p == '-' ? -1 : 1);
		} else {
			return -1;
		}
		*ms = civil_ms(y, mo, d, h, mi, sec) + frac - offset * INT64_C(60000);
		return *ms >= FIRST_MS && *ms < END_MS ? 0 : -1;
	}
	/* Epoch seconds with an optional fraction. */
	{
		int64_t seconds = 0;

		for (; p < end && is_digit(*p); p++) {
			seconds = seconds * 10 + (*p - '0');
			if (seconds >= END_MS / 1000)
				return -1;
		}
		if (p == s)
			return -1;
		if (p < end && *p == '.') {
			p++;
			if (read_fraction(&p, end, &frac))
				return -1;
		}
		if (p != end)
			return -1;
		*ms = seconds * 1000 + frac;
		return 0;
	}
}

/*
 * Durations: "0", or NUMBER UNIT groups with units ms s m h d (longest
 * match); a number above 10^8 or a total above 2^60 is refused.
 */
static int reference_parse_duration(const char *s, int64_t *ms)
{
	int64_t total = 0;

	if (!strcmp(s, "0")) {
		*ms = 0;
		return 0;
	}
	if (!*s)
		return -1;
	while (*s) {
		int64_t n = 0, unit;

		if (!is_digit(*s))
			return -1;
		for (; is_digit(*s); s++)
			if ((n = n * 10 + (*s - '0')) > 100000000)
				return -1;
		if (s[0] == 'm' && s[1] == 's')
			unit = 1, s += 2;
		else if (*s == 's')
			unit = 1000, s++;
		else if (*s == 'm')
			unit = 60000, s++;
		else if (*s == 'h')
			unit = 3600000, s++;
		else if (*s == 'd')
			unit = MS_PER_DAY, s++;
		else
			return -1;
		if ((total += n * unit) > INT64_C(1) << 60)
			return -1;
	}
	*ms = total;
	return 0;
}

/* A formatted time: its length, its shape, and libc's reading of it. */
static void check_formatted(int64_t ms, const char *out)
{
	int y, mo, d, h, mi, sec, milli;

	FUZZ_CHECK(strlen(out) == TIMEFMT_SIZE - 1);
	if (ms < FIRST_MS || ms >= END_MS) {
		FUZZ_CHECK(!strcmp(out, "0000-00-00T00:00:00.000Z"));
		return;
	}
	FUZZ_CHECK(out[4] == '-' && out[7] == '-' && out[10] == 'T' &&
		   out[13] == ':' && out[16] == ':' && out[19] == '.' &&
		   out[23] == 'Z');
	y = read_digits(out, 4), mo = read_digits(out + 5, 2);
	d = read_digits(out + 8, 2), h = read_digits(out + 11, 2);
	mi = read_digits(out + 14, 2), sec = read_digits(out + 17, 2);
	milli = read_digits(out + 20, 3);
	FUZZ_CHECK(y >= 0 && mo >= 1 && mo <= 12 && d >= 1 &&
		   d <= month_days(y, mo) && h >= 0 && h <= 23 && mi >= 0 &&
		   mi <= 59 && sec >= 0 && sec <= 59 && milli >= 0);
	FUZZ_CHECK(civil_ms(y, mo, d, h, mi, sec) + milli == ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *exact = malloc(size ? size : 1); /* no terminator to lean on */
	char *text = malloc(size + 1);
	char out[TIMEFMT_SIZE];
	int64_t ms, ref, back, when, duration;
	const char *why;
	int ref_rc, rc;

	FUZZ_CHECK(exact && text);
	memcpy(exact, data, size);
	memcpy(text, data, size);
	text[size] = '\0';

	/* A log timestamp, as the logfmt parser hands it over. */
	why = timefmt_parse_log(exact, size, &ms);
	ref_rc = reference_parse_log(exact, size, &ref);
	if (why)
		fuzz_touch(why, strlen(why));
	FUZZ_CHECK((why == NULL) == (ref_rc == 0));
	if (!why) {
		FUZZ_CHECK(ms == ref);
		FUZZ_CHECK(ms >= FIRST_MS && ms < END_MS);
		timefmt_format(ms, out);
		check_formatted(ms, out);
		/* What camaudit writes, it must read back unchanged. */
		if (timefmt_parse_log(out, strlen(out), &back) != NULL ||
		    back != ms) {
			fprintf(stderr, "timefmt: %s does not parse back to %lld\n",
				out, (long long)ms);
			abort();
		}
		FUZZ_CHECK(timefmt_parse_when(out, FIXED_NOW, &when) == NULL &&
			   when == ms);
		/* The date alone means its midnight UTC. */
		out[10] = '\0';
		FUZZ_CHECK(timefmt_parse_when(out, FIXED_NOW, &when) == NULL);
		FUZZ_CHECK(when == ms - ((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY);
	}

	/* Any int64 formats to something well-formed. */
	if (size >= sizeof(int64_t)) {
		int64_t any;

		memcpy(&any, data, sizeof(any));
		timefmt_format(any, out);
		check_formatted(any, out);
	}

	/* Durations and command-line times (NUL-terminated, as from argv). */
	rc = timefmt_parse_duration(text, &duration);
	ref_rc = reference_parse_duration(text, &ref);
	FUZZ_CHECK(rc == ref_rc);
	if (rc == 0)
		FUZZ_CHECK(duration == ref && duration >= 0);

	/*
	 * A duration, with or without a leading '-', is that long before now;
	 * a failure always says why; what is accepted is within the years.
	 */
	why = timefmt_parse_when(text, FIXED_NOW, &when);
	if (why)
		FUZZ_CHECK(*why != '\0');
	if (text[0] != '@' && !(size > 4 && text[4] == '-' && text[0] != '-')) {
		int64_t back_by;
		int drc = timefmt_parse_duration(text + (text[0] == '-'), &back_by);

		if (drc == 0)
			FUZZ_CHECK(why == NULL && when == FIXED_NOW - back_by);
	}
	if (!why && text[0] == '@')
		FUZZ_CHECK(when >= 0 && when < END_MS);
	if (!why && text[0] != '-' && text[0] != '@' && !strchr(text, 'd') &&
	    !strchr(text, 'h') && !strchr(text, 'm') && !strchr(text, 's'))
		FUZZ_CHECK(when >= FIRST_MS && when < END_MS);

	free(exact);
	free(text);
	return 0;
}
