/*
 * Timestamp layouts of the input formats (format.h): how the text of a
 * line's `ts` turns into milliseconds since the epoch, UTC, when the log
 * does not write RFC 3339.  timefmt.h owns the RFC 3339 and epoch parsers
 * that logfmt uses; this module adds the layouts other servers write.
 */
#ifndef CAMAUDIT_TIMELAYOUT_H
#define CAMAUDIT_TIMELAYOUT_H

#include <stddef.h>
#include <stdint.h>

enum time_layout_kind {
	TIME_LAYOUT_DEFAULT,  /* as logfmt: RFC 3339, or epoch seconds */
	TIME_LAYOUT_RFC3339,  /* 2019-12-26T08:14:03.512Z, +hh:mm offsets */
	TIME_LAYOUT_EPOCH,    /* 1577348043.512 (seconds, optional fraction) */
	TIME_LAYOUT_EPOCH_MS, /* 1577348043512 */
	TIME_LAYOUT_CLF,      /* 26/Dec/2019:08:14:03 +0100 (nginx $time_local) */
	TIME_LAYOUT_W3C,      /* 2019-12-26 08:14:03 (date and time columns), UTC */
	TIME_LAYOUT_STRFTIME  /* a pattern of % directives, see below */
};

/* The longest strftime-like pattern kept. */
#define TIME_LAYOUT_PATTERN_MAX 64

/*
 * A time zone for times written without one: a fixed offset, or the UTC
 * offsets of an IANA zone from 1970 to 2100 as the C library's tz
 * database gives them, worked out once when the definition is read, so
 * that converting a line's time is a binary search that any thread may
 * do (localtime_r() and mktime() would need TZ set per conversion, and TZ
 * is the process's).
 */
struct time_zone {
	char *name;            /* as written */
	int32_t initial;       /* the offset (seconds east) before the first change */
	size_t count;          /* changes */
	int64_t *at;           /* UTC seconds of each change, ascending */
	int32_t *offset;       /* the offset from then on */
};

struct time_layout {
	enum time_layout_kind kind;
	char pattern[TIME_LAYOUT_PATTERN_MAX]; /* TIME_LAYOUT_STRFTIME only */
	const struct time_zone *zone; /* for a time without a zone; NULL: UTC */
};

/*
 * Read a layout as written in a format definition: a name (rfc3339,
 * epoch, epoch_ms, clf, w3c) or "strftime PATTERN".  A pattern knows
 * %Y %m %d %e %H %M %S (seconds, with an optional .fraction) %b (English
 * month abbreviation) %z (Z, +hhmm or +hh:mm) %s (epoch seconds) and %%;
 * any other character stands for itself.  Without %z the time is UTC.
 * Returns NULL, or a reason with *column set to the 0-based offset in
 * spec of what is wrong.
 */
const char *time_layout_parse(const char *spec, struct time_layout *layout,
			      size_t *column);

/*
 * A zone as a definition writes it: an IANA name (Europe/Paris, from the
 * C library's tz database), UTC, or a fixed offset (+01:00, -0500).  NULL
 * with *why set when it is none of them.  Sets TZ for a moment and
 * restores it: call it before any other thread reads the time zone.
 */
struct time_zone *time_zone_new(const char *spec, const char **why);
void time_zone_free(struct time_zone *zone);
/* Whether the layout writes a zone of its own (then a timezone is no use). */
int time_layout_has_zone(const struct time_layout *layout);

/* The layout as it would be written in a definition, for messages. */
const char *time_layout_name(const struct time_layout *layout);

/*
 * Parse s[0..len) with the layout.  Fractions are truncated to
 * milliseconds; years outside 0000-9999 are refused.  Returns NULL on
 * success, else a short reason fit for a rejection message.
 */
const char *time_layout_apply(const struct time_layout *layout, const char *s,
			      size_t len, int64_t *ms);

#endif
