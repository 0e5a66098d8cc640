/*
 * Coverage: the hours in which the store cannot tell clean from unknown.
 * A gap is a UTC hour in which relays served from a cache node (serve rows
 * naming that node) while the node wrote no cache log line (no fill and no
 * removal naming it in that hour): its cache logs are missing there, so
 * serves from it cannot be traced to a fill.  The SQL is in coverage.c.
 */
#ifndef CAMAUDIT_COVERAGE_H
#define CAMAUDIT_COVERAGE_H

#include <stdint.h>

#include "event.h"
#include "store.h"

#define COVERAGE_HOUR_MS INT64_C(3600000)

struct coverage_gap {
	struct text node;    /* as named in the relay log: untrusted, may hold NUL */
	int64_t hour;        /* start of the UTC hour, ms since the epoch */
	uint64_t serves;     /* serves from the node in that hour */
	uint64_t deliveries; /* of which delivered: status absent, 200 or 206 */
};

/*
 * The gaps of a window, as rows (node, hour, serves, deliveries) of
 * temp.coverage_gap, keyed by (node, hour), the node an atom id, for the
 * caller's joins; *count is how many.  Only serves with ts in [since,
 * until) are counted and only the hours that hold such a serve are gaps;
 * cache lines count in the whole hour, inside the window or not.
 * INT64_MIN and INT64_MAX leave a side open.  The table is emptied and
 * filled again by the next call.  0, or -1 on a database error
 * (reported).  For a consistent view, call it inside the caller's read
 * transaction.
 */
int coverage_build_gaps(struct store *st, int64_t since, int64_t until,
			uint64_t *count);

/*
 * Build the gaps of the window as coverage_build_gaps() does and call fn
 * for each, oldest hour first and, within an hour, by node name.  Stops
 * early and returns fn's value when it is non-zero; -1 on a database
 * error (reported).  The gap's node is valid during the call.
 */
int coverage_each_gap(struct store *st, int64_t since, int64_t until,
		      int (*fn)(const struct coverage_gap *gap, void *ctx),
		      void *ctx);

/*
 * The number of delivered serves (status absent, 200 or 206) with ts in
 * [since, until) that fall in a gap: the sum of the gaps' deliveries over
 * the same window.  Returns 0, or -1 on a database error (reported).
 */
int coverage_count_gap_deliveries(struct store *st, int64_t since,
				  int64_t until, uint64_t *count);

/*
 * The tallies ingest keeps (table node_hour, schema 5): per cache node
 * and UTC hour, the serves naming the node, their deliveries, and the
 * node's cache lines.  A gap is a row with serves and no cache line, so
 * the two questions above cost the hours, not the serves, when the
 * window is whole hours (as --new's and status's are) and the stored
 * verdicts are current, which the tallies follow: both are kept by the
 * same calls (verdict.c) and rebuilt together.  Other windows, or a
 * store whose verdicts are stale, are answered from the serves.
 *
 * coverage_tally() adds (sign 1) or takes away (sign -1) the events with
 * ids in [lo, hi]; coverage_tally_all() rebuilds every row;
 * coverage_tally_check() counts the rows that differ from a rebuild
 * (and with repair, rebuilds).  All in the caller's transaction.
 */
int coverage_tally(struct store *st, int64_t lo, int64_t hi, int sign);
int coverage_tally_all(struct store *st);
int coverage_tally_check(struct store *st, int repair, uint64_t *differences);

#endif
