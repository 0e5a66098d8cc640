/*
 * Timestamp layouts.  Every named layout except the two that timefmt.c
 * already parses is a fixed strftime-like pattern, so one small matcher
 * serves clf, w3c and the patterns users write; it runs once per line and
 * allocates nothing.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "timefmt.h"
#include "timelayout.h"
#include "util.h"


static const struct {
	const char *name;
	enum time_layout_kind kind;
	const char *pattern; /* for the kinds matched as a pattern */
} layouts[] = {
	{"rfc3339", TIME_LAYOUT_RFC3339, NULL},
	{"epoch", TIME_LAYOUT_EPOCH, NULL},
	{"epoch_ms", TIME_LAYOUT_EPOCH_MS, NULL},
	{"clf", TIME_LAYOUT_CLF, "%d/%b/%Y:%H:%M:%S %z"},
	{"w3c", TIME_LAYOUT_W3C, "%Y-%m-%d %H:%M:%S"},
};

static const char *const month_names[12] = {"jan", "feb", "mar", "apr",
					    "may", "jun", "jul", "aug",
					    "sep", "oct", "nov", "dec"};

/* The directives a pattern may use; see time_layout_parse(). */
static const char directives[] = "YmdeHMSbzs%";

const char *time_layout_parse(const char *spec, struct time_layout *layout,
			      size_t *column)
{
	static const char *const needed[] = {"Y", "mb", "de", "H", "M"};
	const char *p;
	size_t i, len;
	int has_epoch = 0;

	memset(layout, 0, sizeof(*layout));
	*column = 0;
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++) {
		if (!strcmp(spec, layouts[i].name)) {
			layout->kind = layouts[i].kind;
			if (layouts[i].pattern)
				memcpy(layout->pattern, layouts[i].pattern,
				       strlen(layouts[i].pattern) + 1);
			return NULL;
		}
	}
	if (!strcmp(spec, "strftime"))
		return "strftime needs a pattern, such as %d/%b/%Y:%H:%M:%S %z";
	if (strncmp(spec, "strftime", 8) || (spec[8] != ' ' && spec[8] != '\t'))
		return "unknown time layout (use rfc3339, epoch, epoch_ms, clf, "
		       "w3c or strftime PATTERN)";
	p = spec + 8;
	while (*p == ' ' || *p == '\t')
		p++;
	*column = (size_t)(p - spec);
	if (!*p)
		return "strftime needs a pattern, such as %d/%b/%Y:%H:%M:%S %z";
	len = strlen(p);
	if (len >= TIME_LAYOUT_PATTERN_MAX)
		return "strftime pattern too long (at most 63 bytes)";
	for (i = 0; i < len; i++) {
		if (p[i] != '%')
			continue;
		if (i + 1 == len || !strchr(directives, p[i + 1]) || !p[i + 1]) {
			*column = (size_t)(p - spec) + i;
			return "unknown strftime directive (use %Y %m %d %e %H %M "
			       "%S %b %z %s or %%)";
		}
		has_epoch |= p[i + 1] == 's';
		i++;
	}
	if (!has_epoch) {
		for (i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
			const char *d;
			int found = 0;

			for (d = needed[i]; *d; d++) {
				char directive[3] = {'%', *d, '\0'};

				found |= strstr(p, directive) != NULL;
			}
			if (!found)
				return i == 1 ? "strftime pattern has no month (%m or %b)"
				     : i == 2 ? "strftime pattern has no day (%d or %e)"
				     : i == 0 ? "strftime pattern has no year (%Y)"
				     : i == 3 ? "strftime pattern has no hour (%H)"
					      : "strftime pattern has no minute (%M)";
		}
	}
	layout->kind = TIME_LAYOUT_STRFTIME;
	memcpy(layout->pattern, p, len + 1);
	return NULL;
}

const char *time_layout_name(const struct time_layout *layout)
{
	size_t i;

	if (layout->kind == TIME_LAYOUT_DEFAULT)
		return "rfc3339 or epoch";
	if (layout->kind == TIME_LAYOUT_STRFTIME)
		return "strftime";
	for (i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].kind == layout->kind)
			return layouts[i].name;
	return "?";
}

/* Read up to max digits (at least min) at *p; -1 when there are fewer. */
static int64_t read_digits(const char **p, const char *end, int min, int max)
{
	int64_t v = 0;
	int n = 0;

	while (*p < end && n < max && **p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	return n < min ? -1 : v;
}

/* A fraction of a second after '.', truncated to milliseconds. */
static int read_fraction(const char **p, const char *end, int64_t *ms)
{
	int n = 0;

	*ms = 0;
	if (*p == end || **p != '.')
		return 0;
	(*p)++;
	for (; *p < end && **p >= '0' && **p <= '9'; (*p)++, n++)
		if (n < 3)
			*ms = *ms * 10 + (**p - '0');
	if (n == 0)
		return -1;
	for (; n < 3; n++)
		*ms *= 10;
	return 0;
}

/* A UTC offset: Z, +hh, +hhmm or +hh:mm; minutes east of UTC. */
static const char *read_offset(const char **p, const char *end, int *minutes)
{
	int sign, hours, mins = 0;

	if (*p < end && (**p == 'Z' || **p == 'z')) {
		(*p)++;
		*minutes = 0;
		return NULL;
	}
	if (*p == end || (**p != '+' && **p != '-'))
		return "malformed UTC offset";
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if ((hours = (int)read_digits(p, end, 2, 2)) < 0)
		return "malformed UTC offset";
	if (*p < end && **p == ':')
		(*p)++;
	if (*p < end && **p >= '0' && **p <= '9' &&
	    (mins = (int)read_digits(p, end, 2, 2)) < 0)
		return "malformed UTC offset";
	if (hours > 23 || mins > 59)
		return "impossible UTC offset";
	*minutes = sign * (hours * 60 + mins);
	return NULL;
}

/* ---- Time zones ----------------------------------------------------------- */

/*
 * The span a zone's changes are worked out for (UTC seconds): logs are
 * not older than 1970; a time outside takes the offset at the nearer end.
 * A look a day costs about 25 ms of CPU per definition with a timezone.
 */
#define ZONE_FROM INT64_C(0)            /* 1970-01-01 */
#define ZONE_UNTIL INT64_C(4102444800)  /* 2100-01-01 */
#define DAY_SECONDS 86400

static int32_t offset_of(time_t t)
{
	struct tm tm;

	return localtime_r(&t, &tm) ? (int32_t)tm.tm_gmtoff : 0;
}

/* The zone file of an IANA name, if it is one (no "..", no leading '/'). */
static int iana_name_exists(const char *name)
{
	const char *dir = getenv("TZDIR");
	char path[PATH_MAX];

	if (!*name || name[0] == '/' || strstr(name, "..") || strlen(name) > 200)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo",
		 name);
	return access(path, R_OK) == 0;
}

/*
 * The offsets of the zone TZ now names: a look a day apart, and where two
 * looks differ, a binary search for the second the offset changed.  Zones
 * have never changed twice within a day.
 */
static void probe_changes(struct time_zone *zone)
{
	int64_t t, lo, hi;
	int32_t before, now;
	size_t room = 0;

	zone->initial = before = offset_of((time_t)ZONE_FROM);
	for (t = ZONE_FROM + DAY_SECONDS; t < ZONE_UNTIL; t += DAY_SECONDS) {
		if ((now = offset_of((time_t)t)) == before)
			continue;
		for (lo = t - DAY_SECONDS, hi = t; hi - lo > 1; ) {
			int64_t mid = lo + (hi - lo) / 2;

			if (offset_of((time_t)mid) == before)
				lo = mid;
			else
				hi = mid;
		}
		if (zone->count == room) {
			room = room ? room * 2 : 64;
			zone->at = xrealloc(zone->at, room * sizeof(*zone->at));
			zone->offset = xrealloc(zone->offset, room * sizeof(*zone->offset));
		}
		zone->at[zone->count] = hi;
		zone->offset[zone->count++] = now;
		before = now;
	}
}

struct time_zone *time_zone_new(const char *spec, const char **why)
{
	struct time_zone *zone;
	const char *p = spec, *end = spec + strlen(spec);
	int minutes;
	char *saved;

	if (!strcmp(spec, "UTC") || ((*spec == '+' || *spec == '-') &&
				     !read_offset(&p, end, &minutes) && p == end)) {
		zone = xcalloc(1, sizeof(*zone));
		zone->name = xstrdup(spec);
		zone->initial = strcmp(spec, "UTC") ? minutes * 60 : 0;
		return zone;
	}
	if (!iana_name_exists(spec)) {
		*why = "unknown time zone (use an IANA name such as Europe/Paris, "
		       "UTC, or an offset such as +01:00)";
		return NULL;
	}
	zone = xcalloc(1, sizeof(*zone));
	zone->name = xstrdup(spec);
	/* TZ is the process's: set it, look, put it back (see timelayout.h). */
	saved = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	setenv("TZ", spec, 1);
	tzset();
	probe_changes(zone);
	if (saved)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
	return zone;
}

void time_zone_free(struct time_zone *zone)
{
	if (!zone)
		return;
	free(zone->name);
	free(zone->at);
	free(zone->offset);
	free(zone);
}

/* The zone's offset at UTC second t. */
static int32_t zone_offset_at(const struct time_zone *zone, int64_t t)
{
	size_t lo = 0, hi = zone->count;

	while (lo < hi) { /* the number of changes at or before t */
		size_t mid = lo + (hi - lo) / 2;

		if (zone->at[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? zone->offset[lo - 1] : zone->initial;
}

/*
 * UTC seconds of the local time `local` (seconds as if it were UTC).  Of
 * the offsets in force a day before and a day after, the first that gives
 * back the same local time: in the hour repeated when clocks go back, the
 * first of the two instants; in the hour skipped when they go forward,
 * the time read with the offset before the change.
 */
static int64_t zone_to_utc(const struct time_zone *zone, int64_t local)
{
	int32_t before = zone_offset_at(zone, local - DAY_SECONDS);
	int32_t after = zone_offset_at(zone, local + DAY_SECONDS);

	if (zone_offset_at(zone, local - before) == before)
		return local - before;
	if (zone_offset_at(zone, local - after) == after)
		return local - after;
	return local - before;
}

int time_layout_has_zone(const struct time_layout *layout)
{
	if (layout->kind == TIME_LAYOUT_W3C)
		return 0;
	if (layout->kind != TIME_LAYOUT_STRFTIME)
		return 1; /* rfc3339 and clf have offsets; epoch times are UTC */
	return strstr(layout->pattern, "%z") || strstr(layout->pattern, "%s");
}

/* A directive's number, or "does not fit" when its digits are missing. */
#define NUMBER(var, min, max)                                                 \
	do {                                                                  \
		if (((var) = read_digits(&p, end, (min), (max))) < 0)         \
			return misfit;                                        \
	} while (0)

static const char *apply_pattern(const char *pattern, const struct time_zone *zone,
				 const char *s, size_t len, int64_t *ms)
{
	static const char misfit[] = "does not fit the time layout";
	const char *p = s, *end = s + len, *f, *why;
	int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
	int64_t epoch = -1, frac = 0;
	int offset = 0, i, k;

	for (f = pattern; *f; f++) {
		if (*f != '%' || f[1] == '%') {
			if (p == end || *p != *f)
				return misfit;
			p++;
			f += *f == '%';
			continue;
		}
		switch (*++f) {
		case 'Y': NUMBER(year, 4, 4); break;
		case 'm': NUMBER(month, 2, 2); break;
		case 'd': NUMBER(day, 2, 2); break;
		case 'H': NUMBER(hour, 2, 2); break;
		case 'M': NUMBER(minute, 2, 2); break;
		case 'e':
			if (p < end && *p == ' ')
				p++;
			NUMBER(day, 1, 2);
			break;
		case 'S':
			NUMBER(second, 2, 2);
			if (read_fraction(&p, end, &frac))
				return "fraction without digits";
			break;
		case 's':
			NUMBER(epoch, 1, 12);
			if (read_fraction(&p, end, &frac))
				return "fraction without digits";
			break;
		case 'b':
			month = 0;
			for (i = 0; i < 12 && end - p >= 3 && !month; i++) {
				for (k = 0; k < 3; k++)
					if ((p[k] | 0x20) != month_names[i][k])
						break;
				if (k == 3)
					month = i + 1;
			}
			if (!month)
				return "no month name where the layout has %b";
			p += 3;
			break;
		default: /* 'z'; time_layout_parse() let no other through */
			if ((why = read_offset(&p, end, &offset)))
				return why;
			break;
		}
	}
	if (p != end)
		return "text after the time layout";
	if (epoch >= 0) {
		if (epoch >= TIMEFMT_END_SECONDS)
			return "epoch seconds out of range";
		*ms = epoch * 1000 + frac;
		return NULL;
	}
	if (month < 1 || month > 12 || day < 1 ||
	    day > (int)timefmt_days_in_month(year, (unsigned)month))
		return "impossible date";
	if (hour > 23 || minute > 59 || second > 60)
		return "impossible time of day";
	*ms = ((timefmt_days_from_civil(year, (unsigned)month, (unsigned)day) * 24 +
		hour) * 60 + minute - offset) * INT64_C(60000) +
	      second * INT64_C(1000) + frac;
	if (zone) /* a time without %z, in the definition's timezone */
		*ms = zone_to_utc(zone, *ms / 1000 - (*ms % 1000 < 0)) * 1000 +
		      (*ms % 1000 + 1000) % 1000;
	if (*ms < TIMEFMT_MIN_SECONDS * 1000 || *ms >= TIMEFMT_END_SECONDS * 1000)
		return "timestamp outside years 0000 to 9999 in UTC";
	return NULL;
}

static const char *apply_epoch_ms(const char *s, size_t len, int64_t *ms)
{
	const char *p = s, *end = s + len;
	int64_t v = 0, ignored;

	if (p == end)
		return "empty timestamp";
	for (; p < end && *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (*p - '0');
		if (v >= TIMEFMT_END_SECONDS * 1000)
			return "epoch milliseconds out of range";
	}
	if (p == s)
		return "not epoch milliseconds";
	if (read_fraction(&p, end, &ignored) || p != end)
		return "not epoch milliseconds";
	*ms = v;
	return NULL;
}

const char *time_layout_apply(const struct time_layout *layout, const char *s,
			      size_t len, int64_t *ms)
{
	int dashed = len > 4 && s[4] == '-'; /* how timefmt tells RFC 3339 */

	switch (layout->kind) {
	case TIME_LAYOUT_DEFAULT:
		return timefmt_parse_log(s, len, ms);
	case TIME_LAYOUT_RFC3339:
		return dashed ? timefmt_parse_log(s, len, ms)
			      : "not an RFC 3339 timestamp";
	case TIME_LAYOUT_EPOCH:
		return dashed ? "not epoch seconds" : timefmt_parse_log(s, len, ms);
	case TIME_LAYOUT_EPOCH_MS:
		return apply_epoch_ms(s, len, ms);
	case TIME_LAYOUT_CLF:
	case TIME_LAYOUT_W3C:
	case TIME_LAYOUT_STRFTIME:
		if (len == 0)
			return "empty timestamp";
		return apply_pattern(layout->pattern, layout->zone, s, len, ms);
	}
	return "unknown time layout";
}
