/*
 * The report's figures as SQL.  After correlate_run() has classified the
 * window into temp.verdict and coverage_build_gaps() found its coverage
 * gaps (temp.coverage_gap), a script of CREATE TEMP TABLE ... AS SELECT
 * statements derives one row per delivery (temp.report_delivery), the
 * cross-tenant ones numbered by burst (temp.report_exposure), the cache
 * generations (temp.report_generation) and the hourly timeline; the
 * tables of report_tables[] are small GROUP BYs over those.  Nothing is
 * held in C memory but one row at a time.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "coverage.h"
#include "progress.h"
#include "report.h"
#include "sql.h"
#include "util.h"

static const char *const figure_keys[REPORT_FIGURE_COUNT] = {
	[REPORT_OWNERS] = "owners",
	[REPORT_RECIPIENTS] = "recipients",
	[REPORT_FRAMES] = "frames",
	[REPORT_PAIRS] = "pairs",
	[REPORT_DELIVERIES] = "deliveries",
};

static const char *const figure_labels[REPORT_FIGURE_COUNT] = {
	[REPORT_OWNERS] = "affected owners",
	[REPORT_RECIPIENTS] = "recipients",
	[REPORT_FRAMES] = "frames exposed",
	[REPORT_PAIRS] = "frame-recipient pairs",
	[REPORT_DELIVERIES] = "deliveries",
};

const char *report_figure_key(enum report_figure figure)
{
	return figure_keys[figure];
}

const char *report_figure_label(enum report_figure figure)
{
	return figure_labels[figure];
}

double report_traced_percent(const struct audit_summary *checked)
{
	return checked->deliveries ? 100.0 * (double)checked->attributed /
		(double)checked->deliveries : 0.0;
}

unsigned report_blind_reasons(const struct audit_summary *checked,
			      double min_traced)
{
	if (checked->deliveries == 0)
		return REPORT_BLIND_NOTHING_CHECKED;
	return (report_traced_percent(checked) < min_traced ?
		REPORT_BLIND_LITTLE_TRACED : 0u) |
	       (checked->in_gaps ? REPORT_BLIND_GAPS : 0u);
}

static const char *const blind_keys[] = {
	"nothing_checked", "little_traced", "coverage_gaps",
};

const char *report_blind_key(unsigned bit)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(blind_keys); i++)
		if (bit == 1u << i)
			return blind_keys[i];
	return NULL;
}

void report_blind_words(const struct report_summary *sum, char *buf,
			size_t size)
{
	int n = 0;

	buf[0] = '\0';
	if (sum->blind & REPORT_BLIND_NOTHING_CHECKED)
		n = snprintf(buf, size, "no deliveries in the store for this "
			     "window, so nothing was checked");
	if (sum->blind & REPORT_BLIND_LITTLE_TRACED)
		n = snprintf(buf, size, "only %.1f%% of deliveries could be traced "
			     "to a fill (below --min-traced %g%%; are cache logs "
			     "missing?)", report_traced_percent(&sum->checked),
			     sum->min_traced);
	if (sum->blind & REPORT_BLIND_GAPS && n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, "%s%" PRIu64 " deliveries fall "
			 "in coverage gaps (hours in which the cache node that "
			 "served them wrote no cache log line)", n ? " and " : "",
			 sum->gap_deliveries);
}

#define STRINGIFY(x) #x
#define NUMBER(x) STRINGIFY(x) /* a macro's value in SQL text */

/*
 * The types that may be a leak whatever else is known: a cross-tenant
 * finding, and an unattributed delivery (any camera's frame).  Their
 * counts among a group of report_delivery's rows.
 */
#define LEAK_TYPES "('cross_tenant', 'unattributed')"
#define LEAK_TYPE_COUNTS \
	"sum(type = 'cross_tenant') AS cross_tenant,\n" \
	"  sum(type = 'unattributed') AS unattributed"
/* The same counts of c, a group that may not be there (0). */
#define LEAK_TYPE_TOTALS(c) \
	"coalesce(" c ".cross_tenant, 0) AS cross_tenant,\n" \
	"  coalesce(" c ".unattributed, 0) AS unattributed"

/*
 * The steps, in order.  In report_delivery:
 *
 * frame: what was exposed, for counting distinct frames.  The frame id
 * the serve names, else the fill's (as audit's frame column), else, with
 * no frame id at all, the object the origin fill stored ('f' and its id)
 * or, without an origin, the serve itself ('s'): an unknown object counts
 * as a frame of its own.  The viewer is an atom id, which holds no ':',
 * so frame || ':' || viewer is an unambiguous pair.
 *
 * possible: the delivery may have been a leak, so it is in the upper
 * bound: a cross_tenant finding; an unattributed one (any camera's frame);
 * or one in a coverage gap whose origin was found by key (rule 1b or 1c),
 * where the missing cache log may hold the refill or eviction that would
 * change it.  An origin found by frame identity does not depend on the
 * node's log and keeps its verdict.
 *
 * possible_frame: the frame as the upper bound counts it: an origin that
 * may be wrong does not identify the object, so there only the serve's
 * own frame id, else the serve, counts.
 */
static const char build_sql[] =
	"DROP TABLE IF EXISTS temp.report_delivery;\n"
	"CREATE TEMP TABLE report_delivery AS SELECT *,\n"
	"  (type IN " LEAK_TYPES " OR (in_gap AND rule = 'key'))\n"
	"    AS possible\n"
	"FROM (SELECT v.serve AS serve, s.ts AS ts, " HOUR_OF("s.ts") " AS hour,\n"
	"  s.account AS viewer, v.owner AS owner, f.device AS device,\n"
	"  coalesce(s.node, f.node) AS node, s.relay AS relay, v.type AS type,\n"
	"  v.rule AS rule, v.fill AS fill,\n"
	"  coalesce('a' || coalesce(s.frame, f.frame), 'f' || f.id, 's' || s.id) AS frame,\n"
	"  CASE WHEN v.type = 'cross_tenant'\n"
	"    THEN coalesce('a' || coalesce(s.frame, f.frame), 'f' || f.id)\n"
	"    ELSE coalesce('a' || s.frame, 's' || s.id) END AS possible_frame,\n"
	"  (s.node IS NOT NULL AND EXISTS (SELECT 1 FROM temp.coverage_gap g\n"
	"    WHERE g.node = s.node AND g.hour = " HOUR_OF("s.ts") ")) AS in_gap\n"
	"  FROM temp.verdict v " SERVE_AND_FILL("v") ");\n"
	/*
	 * Cross-tenant deliveries, oldest first; a pause of more than :gap
	 * after the previous one starts a new burst.  pair numbers the
	 * (owner, camera, recipient) of the notification lists, whose
	 * evidence the report shows.
	 */
	"DROP TABLE IF EXISTS temp.report_exposure;\n"
	"CREATE TEMP TABLE report_exposure AS\n"
	"SELECT serve, fill, ts, viewer, owner, device, node, relay, frame,\n"
	"  sum(starts) OVER (ORDER BY ts, serve ROWS UNBOUNDED PRECEDING) AS burst,\n"
	"  dense_rank() OVER (ORDER BY owner, device, viewer) AS pair\n"
	"FROM (SELECT *, CASE WHEN ts - lag(ts) OVER (ORDER BY ts, serve) <= :gap\n"
	"  THEN 0 ELSE 1 END AS starts\n"
	"  FROM temp.report_delivery WHERE type = 'cross_tenant');\n"
	"CREATE INDEX temp.report_exposure_burst ON report_exposure(burst);\n"
	"CREATE INDEX temp.report_exposure_owner ON report_exposure(owner);\n"
	"CREATE INDEX temp.report_exposure_viewer ON report_exposure(viewer);\n"
	"CREATE INDEX temp.report_exposure_pair ON report_exposure(pair, ts);\n"
	/*
	 * Cache generations: per node, the first fill that logged a gen and
	 * every fill whose gen differs from the one before it on that node
	 * (fills without gen change nothing).  Fills up to the window's end,
	 * so that the generation in effect when the window opens is known.
	 */
	"DROP TABLE IF EXISTS temp.report_generation;\n"
	"CREATE TEMP TABLE report_generation AS\n"
	"SELECT fill, node, ts, gen, previous, ts >= :since AS in_window FROM (\n"
	"  SELECT id AS fill, node, ts, gen,\n"
	"    lag(gen) OVER (PARTITION BY node ORDER BY ts, id) AS previous\n"
	"  FROM main.fill WHERE gen IS NOT NULL AND ts < :until)\n"
	"WHERE previous IS NULL OR gen IS NOT previous;\n"
	"CREATE INDEX temp.report_generation_node ON report_generation(node, ts);\n"
	/* Every hour from that of the first delivery to that of the last. */
	"DROP TABLE IF EXISTS temp.report_hour;\n"
	"CREATE TEMP TABLE report_hour AS\n"
	"WITH RECURSIVE span(hour) AS (\n"
	"  SELECT min(hour) FROM temp.report_delivery\n"
	"  UNION ALL SELECT hour + " SQL_HOUR_MS " FROM span\n"
	"  WHERE hour < (SELECT max(hour) FROM temp.report_delivery)),\n"
	"counted AS (SELECT hour, count(*) AS deliveries,\n"
	"  " LEAK_TYPE_COUNTS ", sum(in_gap) AS in_gaps\n"
	"  FROM temp.report_delivery GROUP BY hour)\n"
	"SELECT span.hour AS hour, coalesce(c.deliveries, 0) AS deliveries,\n"
	"  " LEAK_TYPE_TOTALS("c") ",\n"
	"  coalesce(c.in_gaps, 0) AS in_gaps,\n"
	"  EXISTS (SELECT 1 FROM temp.report_generation g WHERE g.previous IS NOT NULL\n"
	"    AND g.ts >= span.hour AND g.ts < span.hour + " SQL_HOUR_MS ") AS generation_change\n"
	"FROM span LEFT JOIN counted c ON c.hour = span.hour\n"
	"WHERE span.hour IS NOT NULL;\n"
	/*
	 * Per hour and cache node, only where something happened (a
	 * delivery, a gap, a generation change): the node's generation in
	 * effect at the end of the hour, whether it changed in the hour.
	 */
	"DROP TABLE IF EXISTS temp.report_hour_node;\n"
	"CREATE TEMP TABLE report_hour_node AS\n"
	"WITH keys AS (SELECT hour, node FROM temp.report_delivery\n"
	"  UNION SELECT hour, node FROM temp.coverage_gap\n"
	"  UNION SELECT " HOUR_OF("ts") ", node FROM temp.report_generation\n"
	"    WHERE previous IS NOT NULL),\n"
	"counted AS (SELECT hour, node, count(*) AS deliveries,\n"
	"  " LEAK_TYPE_COUNTS "\n"
	"  FROM temp.report_delivery GROUP BY hour, node)\n"
	"SELECT k.hour AS hour, k.node AS node,\n"
	"  coalesce(c.deliveries, 0) AS deliveries,\n"
	"  " LEAK_TYPE_TOTALS("c") ",\n"
	"  EXISTS (SELECT 1 FROM temp.coverage_gap g\n"
	"    WHERE g.node = k.node AND g.hour = k.hour) AS gap,\n"
	"  (SELECT g.gen FROM temp.report_generation g WHERE g.node = k.node\n"
	"    AND g.ts < k.hour + " SQL_HOUR_MS " ORDER BY g.ts DESC, g.fill DESC LIMIT 1) AS gen,\n"
	"  EXISTS (SELECT 1 FROM temp.report_generation g WHERE g.node = k.node\n"
	"    AND g.previous IS NOT NULL AND g.ts >= k.hour\n"
	"    AND g.ts < k.hour + " SQL_HOUR_MS ") AS gen_changed\n"
	"FROM keys k LEFT JOIN counted c ON c.hour = k.hour AND c.node IS k.node\n"
	"WHERE k.hour BETWEEN (SELECT min(hour) FROM temp.report_hour)\n"
	"  AND (SELECT max(hour) FROM temp.report_hour);\n"
	"CREATE INDEX temp.report_hour_node_hour ON report_hour_node(hour);\n"
	/* What the deliveries in each gap were judged, for the coverage list. */
	"DROP TABLE IF EXISTS temp.report_gap_count;\n"
	"CREATE TEMP TABLE report_gap_count AS\n"
	"SELECT node, hour, " LEAK_TYPE_COUNTS ",\n"
	"  sum(possible AND type NOT IN " LEAK_TYPES ") AS uncertain\n"
	"FROM temp.report_delivery WHERE in_gap GROUP BY node, hour;\n";

/* The headline: confirmed from the findings, the bound from "possible". */
static const char confirmed_sql[] =
	"SELECT count(DISTINCT owner), count(DISTINCT viewer), count(DISTINCT frame),\n"
	"  count(DISTINCT frame || ':' || viewer), count(*),\n"
	"  min(ts), max(ts), coalesce(max(burst), 0)\n"
	"FROM temp.report_exposure";

static const char upper_sql[] =
	"SELECT count(DISTINCT viewer), count(DISTINCT possible_frame),\n"
	"  count(DISTINCT possible_frame || ':' || viewer), count(*),\n"
	"  coalesce(sum(type NOT IN " LEAK_TYPES "), 0)\n"
	"FROM temp.report_delivery WHERE possible";

/*
 * Each possible frame not confirmed may be one more owner's, but no more
 * owners than the registry has accounts that owned a camera before the
 * window's end and are not confirmed already.
 */
static const char owner_cap_sql[] =
	"SELECT count(DISTINCT account) FROM main.binding\n"
	"WHERE bound = 1 AND ts < :until\n"
	"  AND account NOT IN (SELECT owner FROM temp.report_exposure)";

static const char counts_sql[] =
	"SELECT (SELECT coalesce(sum(deliveries), 0) FROM temp.coverage_gap),\n"
	"  (SELECT count(*) FROM temp.report_hour),\n"
	"  (SELECT count(*) FROM temp.report_generation\n"
	"    WHERE previous IS NOT NULL AND in_window)";

/* --- the tables ----------------------------------------------------------- */

/*
 * On a terminal, a text table leaves out columns in their drop order (1
 * first) before it cuts names short (emit.h): the times, 24 columns each,
 * and the lesser counts go, so that accounts, cameras and nodes stay
 * readable in 80 columns.
 */
#define COLUMNS(c) c, ARRAY_SIZE(c)
#define SPAN_COLUMNS(last_drop) \
	{"first_at", "FIRST", EMIT_TIME, NULL, 0, 0}, \
	{"last_at", "LAST", EMIT_TIME, NULL, last_drop, 0}, \
	{"deliveries", "DELIVERIES", EMIT_COUNT, NULL, 0, 0}

static const struct emit_column relay_columns[] = {
	{"relay", "RELAY", EMIT_TEXT, NULL, 0, 0}, SPAN_COLUMNS(1),
};
static const struct emit_column node_columns[] = {
	{"node", "NODE", EMIT_TEXT, NULL, 0, 0}, SPAN_COLUMNS(1),
};
static const struct emit_column burst_columns[] = {
	{"burst", "BURST", EMIT_COUNT, NULL, 0, 0}, SPAN_COLUMNS(0),
	{"frames", "FRAMES", EMIT_COUNT, NULL, 2, 0},
	{"pairs", "PAIRS", EMIT_COUNT, NULL, 1, 0},
	{"owners", "OWNERS", EMIT_COUNT, NULL, 0, 0},
	{"recipients", "RECIPIENTS", EMIT_COUNT, NULL, 3, 0},
};
static const struct emit_column burst_relay_columns[] = {
	{"burst", "BURST", EMIT_COUNT, NULL, 0, 0}, {"relay", "RELAY", EMIT_TEXT, NULL, 0, 0},
	SPAN_COLUMNS(1),
};
static const struct emit_column burst_node_columns[] = {
	{"burst", "BURST", EMIT_COUNT, NULL, 0, 0}, {"node", "NODE", EMIT_TEXT, NULL, 0, 0},
	SPAN_COLUMNS(1),
};
static const struct emit_column hour_columns[] = {
	{"hour", "HOUR", EMIT_TIME, NULL, 0, 0},
	{"deliveries", "DELIVERIES", EMIT_COUNT, NULL, 0, 0},
	{"cross_tenant", "CROSS_TENANT", EMIT_COUNT, NULL, 0, 0},
	{"unattributed", "UNATTRIBUTED", EMIT_COUNT, NULL, 2, 0},
	{"in_gaps", "IN_GAPS", EMIT_COUNT, NULL, 0, 0},
	{"generation_change", "GEN_CHANGE", EMIT_FLAG, NULL, 1, 0},
};
static const struct emit_column hour_node_columns[] = {
	{"hour", "HOUR", EMIT_TIME, NULL, 0, 0},
	{"node", "NODE", EMIT_TEXT, NULL, 0, 0},
	{"deliveries", "DELIVERIES", EMIT_COUNT, NULL, 0, 0},
	{"cross_tenant", "CROSS_TENANT", EMIT_COUNT, NULL, 0, 0},
	{"unattributed", "UNATTRIBUTED", EMIT_COUNT, NULL, 2, 0},
	{"gap", "GAP", EMIT_FLAG, NULL, 0, 0},
	{"gen", "GEN", EMIT_TEXT, NULL, 3, 0},
	{"gen_changed", "GEN_CHANGED", EMIT_FLAG, NULL, 1, 0},
};
static const struct emit_column generation_columns[] = {
	{"node", "NODE", EMIT_TEXT, NULL, 0, 0},
	{"changed_at", "CHANGED_AT", EMIT_TIME, NULL, 0, 0},
	{"from", "FROM", EMIT_TEXT, NULL, 0, 0},
	{"to", "TO", EMIT_TEXT, NULL, 0, 0},
	{"fill_ref", "FILL_REF", EMIT_TEXT, NULL, 1, 1},
	{"first_cross_tenant_at", "FIRST_CROSS_TENANT", EMIT_TIME, NULL, 0, 0},
};
#define EXPOSURE_COLUMNS(first_drop) \
	{"frames", "FRAMES", EMIT_COUNT, NULL, 2, 0}, \
	{"deliveries", "DELIVERIES", EMIT_COUNT, NULL, 0, 0}, \
	{"first_at", "FIRST", EMIT_TIME, NULL, first_drop, 0}, \
	{"last_at", "LAST", EMIT_TIME, NULL, 1, 0}
static const struct emit_column owner_columns[] = {
	{"id", NULL, EMIT_KEY, NULL, 0, 0},
	{"owner_account", "OWNER", EMIT_TEXT, NULL, 0, 0},
	{"devices", "DEVICES", EMIT_COUNT, NULL, 3, 0},
	{"recipients", "RECIPIENTS", EMIT_COUNT, NULL, 4, 0},
	EXPOSURE_COLUMNS(0),
};
/* An owner's camera and one recipient of its frames. */
#define PAIR_COLUMNS \
	{"owner_account", "OWNER", EMIT_TEXT, NULL, 0, 0}, \
	{"origin_device", "DEVICE", EMIT_TEXT, NULL, 0, 0}, \
	{"recipient_account", "RECIPIENT", EMIT_TEXT, NULL, 0, 0}
static const struct emit_column owner_exposure_columns[] = {
	PAIR_COLUMNS,
	EXPOSURE_COLUMNS(3),
	{"pair", NULL, EMIT_KEY, NULL, 0, 0},
};
/* The link to the owner exposures' pair column. */
#define PAIR_COLUMN 7
static const struct emit_column evidence_columns[] = {
	PAIR_COLUMNS, /* the parent's, left out where JSON nests them */
	{"served_at", "SERVED_AT", EMIT_TIME, NULL, 0, 0},
	{"request_id", "REQUEST_ID", EMIT_TEXT, NULL, 2, 0},
	{"serve_ref", "SERVE_REF", EMIT_TEXT, NULL, 0, 1},
	{"fill_ref", "FILL_REF", EMIT_TEXT, NULL, 1, 1},
};
static const struct emit_column recipient_columns[] = {
	{"id", NULL, EMIT_KEY, NULL, 0, 0},
	{"recipient_account", "RECIPIENT", EMIT_TEXT, NULL, 0, 0},
	{"owners", "OWNERS", EMIT_COUNT, NULL, 4, 0},
	{"devices", "DEVICES", EMIT_COUNT, NULL, 3, 0},
	EXPOSURE_COLUMNS(0),
};
static const struct emit_column recipient_exposure_columns[] = {
	{"recipient_account", "RECIPIENT", EMIT_TEXT, NULL, 0, 0},
	{"owner_account", "OWNER", EMIT_TEXT, NULL, 0, 0},
	{"origin_device", "DEVICE", EMIT_TEXT, NULL, 0, 0},
	EXPOSURE_COLUMNS(3),
};
static const struct emit_column gap_columns[] = {
	{"hour", "HOUR", EMIT_TIME, NULL, 0, 0},
	{"node", "NODE", EMIT_TEXT, NULL, 0, 0},
	{"serves", "SERVES", EMIT_COUNT, NULL, 1, 0},
	{"deliveries", "DELIVERIES", EMIT_COUNT, NULL, 0, 0},
	{"cross_tenant", "CROSS_TENANT", EMIT_COUNT, NULL, 0, 0},
	{"unattributed", "UNATTRIBUTED", EMIT_COUNT, NULL, 2, 0},
	{"uncertain", "UNCERTAIN", EMIT_COUNT, NULL, 0, 0},
};
/* The input files: every source of the store, as status counts them. */
static const struct emit_column source_columns[] = {
	{"file", "FILE", EMIT_TEXT, NULL, 0, 1},
	{"lines", "LINES", EMIT_COUNT, NULL, 0, 0},
	{"events", "EVENTS", EMIT_COUNT, NULL, 0, 0},
	{"rejected", "REJECTED", EMIT_COUNT, NULL, 0, 0},
	{"damaged", "DAMAGED", EMIT_TEXT, NULL, 0, 0},
};
static const struct emit_column unattributed_columns[] = {
	{"node", "NODE", EMIT_TEXT, NULL, 0, 0},
	{"deliveries", "DELIVERIES", EMIT_COUNT, NULL, 0, 0},
	{"in_gaps", "IN_GAPS", EMIT_COUNT, NULL, 0, 0},
	{"first_at", "FIRST", EMIT_TIME, NULL, 0, 0},
	{"last_at", "LAST", EMIT_TIME, NULL, 1, 0},
};

#define SPAN_SQL "min(ts), max(ts), count(*)"
#define CHILDREN(col) " WHERE " col " BETWEEN ?1 AND ?2"

const struct report_table report_tables[REPORT_TABLE_COUNT] = {
	[REPORT_EXPOSURE_RELAYS] = {
		"relays", "cross-tenant deliveries per relay",
		"SELECT " ATOM("relay") " AS name, " SPAN_SQL
		" FROM temp.report_exposure GROUP BY relay ORDER BY min(ts), name",
		COLUMNS(relay_columns), -1, 0, 0},
	[REPORT_EXPOSURE_NODES] = {
		"nodes", "cross-tenant deliveries per cache node",
		"SELECT " ATOM("node") " AS name, " SPAN_SQL
		" FROM temp.report_exposure GROUP BY node ORDER BY min(ts), name",
		COLUMNS(node_columns), -1, 0, 0},
	[REPORT_BURSTS] = {
		"bursts", "bursts",
		"SELECT burst, " SPAN_SQL ", count(DISTINCT frame),"
		" count(DISTINCT frame || ':' || viewer), count(DISTINCT owner),"
		" count(DISTINCT viewer) FROM temp.report_exposure"
		" GROUP BY burst ORDER BY burst",
		COLUMNS(burst_columns), -1, 0, 0},
	[REPORT_BURST_RELAYS] = {
		"relays", "bursts per relay",
		"SELECT burst, " ATOM("relay") " AS name, " SPAN_SQL
		" FROM temp.report_exposure" CHILDREN("burst")
		" GROUP BY burst, relay ORDER BY burst, min(ts), name",
		COLUMNS(burst_relay_columns), REPORT_BURSTS, 1, 0},
	[REPORT_BURST_NODES] = {
		"nodes", "bursts per cache node",
		"SELECT burst, " ATOM("node") " AS name, " SPAN_SQL
		" FROM temp.report_exposure" CHILDREN("burst")
		" GROUP BY burst, node ORDER BY burst, min(ts), name",
		COLUMNS(burst_node_columns), REPORT_BURSTS, 1, 0},
	[REPORT_HOURS] = {
		"hours", "hours",
		"SELECT hour, deliveries, cross_tenant, unattributed, in_gaps,"
		" generation_change FROM temp.report_hour ORDER BY hour",
		COLUMNS(hour_columns), -1, 0, 0},
	[REPORT_HOUR_NODES] = {
		"nodes", "hours per cache node",
		"SELECT hour, " ATOM("node") " AS name, deliveries, cross_tenant,"
		" unattributed, gap, gen, gen_changed FROM temp.report_hour_node"
		CHILDREN("hour") " ORDER BY hour, name",
		COLUMNS(hour_node_columns), REPORT_HOURS, 1, 0},
	[REPORT_GENERATIONS] = {
		"generations", "cache generation changes",
		"SELECT " ATOM("g.node") " AS name, g.ts, g.previous, g.gen,"
		" " EVENT_REF("f") ","
		" (SELECT min(e.ts) FROM temp.report_exposure e"
		"   WHERE e.node = g.node AND e.ts >= g.ts)"
		" FROM temp.report_generation g JOIN main.fill f ON f.id = g.fill"
		" WHERE g.previous IS NOT NULL AND g.in_window ORDER BY g.ts, name",
		COLUMNS(generation_columns), -1, 0, 0},
	[REPORT_OWNERS_LIST] = {
		"owners", "affected owners",
		"SELECT owner, " ATOM("owner") " AS name, count(DISTINCT device),"
		" count(DISTINCT viewer), count(DISTINCT frame), count(*), min(ts),"
		" max(ts) FROM temp.report_exposure GROUP BY owner ORDER BY name",
		COLUMNS(owner_columns), -1, 0, 0},
	[REPORT_OWNER_EXPOSURES] = {
		"exposures", "exposures by owner",
		"SELECT " ATOM("owner") " AS o, " ATOM("device") " AS d, "
		ATOM("viewer") " AS r, count(DISTINCT frame), count(*), min(ts),"
		" max(ts), min(pair) FROM temp.report_exposure" CHILDREN("owner")
		" GROUP BY owner, device, viewer ORDER BY o, d, r",
		COLUMNS(owner_exposure_columns), REPORT_OWNERS_LIST, 1, PAIR_COLUMN},
	[REPORT_PAIR_EVIDENCE] = {
		"evidence", "evidence by owner, camera and recipient",
		"SELECT " ATOM("e.owner") " AS o, " ATOM("e.device") " AS d, "
		ATOM("e.viewer") " AS r, e.ts, s.req, " EVENT_REF("s") ", " EVENT_REF("f")
		" FROM (SELECT serve, fill, ts, owner, device, viewer, row_number()"
		"   OVER (PARTITION BY pair ORDER BY ts, serve) AS nth"
		"   FROM temp.report_exposure" CHILDREN("pair") ") e"
		" " SERVE_AND_FILL("e")
		" WHERE e.nth <= " NUMBER(REPORT_EVIDENCE_PER_PAIR)
		" ORDER BY o, d, r, e.ts, e.serve",
		COLUMNS(evidence_columns), REPORT_OWNER_EXPOSURES, 3, 0},
	[REPORT_RECIPIENTS_LIST] = {
		"recipients", "recipients",
		"SELECT viewer, " ATOM("viewer") " AS name, count(DISTINCT owner),"
		" count(DISTINCT device), count(DISTINCT frame), count(*), min(ts),"
		" max(ts) FROM temp.report_exposure GROUP BY viewer ORDER BY name",
		COLUMNS(recipient_columns), -1, 0, 0},
	[REPORT_RECIPIENT_EXPOSURES] = {
		"exposures", "exposures by recipient",
		"SELECT " ATOM("viewer") " AS r, " ATOM("owner") " AS o, "
		ATOM("device") " AS d, count(DISTINCT frame), count(*), min(ts),"
		" max(ts) FROM temp.report_exposure" CHILDREN("viewer")
		" GROUP BY viewer, owner, device ORDER BY r, o, d",
		COLUMNS(recipient_exposure_columns), REPORT_RECIPIENTS_LIST, 1, 0},
	[REPORT_GAPS] = {
		"gaps", "coverage gaps",
		"SELECT g.hour, " ATOM("g.node") " AS name, g.serves, g.deliveries,"
		" coalesce(c.cross_tenant, 0), coalesce(c.unattributed, 0),"
		" coalesce(c.uncertain, 0) FROM temp.coverage_gap g"
		" LEFT JOIN temp.report_gap_count c"
		"   ON c.node = g.node AND c.hour = g.hour ORDER BY g.hour, name",
		COLUMNS(gap_columns), -1, 0, 0},
	[REPORT_UNATTRIBUTED] = {
		"unattributed", "unattributed deliveries per cache node",
		"SELECT " ATOM("node") " AS name, count(*), sum(in_gap), min(ts),"
		" max(ts) FROM temp.report_delivery WHERE type = 'unattributed'"
		" GROUP BY node ORDER BY name",
		COLUMNS(unattributed_columns), -1, 0, 0},
	[REPORT_SOURCES] = {
		"sources", "input files",
		"SELECT name, lines, events, rejected, damaged FROM main.source"
		" ORDER BY name, id",
		COLUMNS(source_columns), -1, 0, 0},
};

/* --- building ------------------------------------------------------------- */

static void bind_window(sqlite3_stmt *stmt, const struct audit_window *window)
{
	store_bind_named(stmt, ":since", window->since);
	store_bind_named(stmt, ":until", window->until);
	store_bind_named(stmt, ":gap", REPORT_BURST_GAP_MS);
}

/*
 * Run each statement of a script once, with the window's parameters.
 * One-shot statements are prepared here and finalized, rather than kept
 * in the store's cache of statements that run again.
 */
static int run_script(struct store *st, const char *sql,
		      const struct audit_window *window, const char *what)
{
	const char *next = sql;
	int failed = 0;

	progress_step(what); /* the whole script is one step of the report */
	while (*next && !failed) {
		sqlite3_stmt *stmt;
		int rc;

		if (store_prepare_once(st, next, &stmt, &next, what)) {
			failed = 1;
			break;
		}
		if (!stmt) /* only blanks were left */
			break;
		bind_window(stmt, window);
		while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
			;
		if (rc != SQLITE_DONE) {
			store_error(st, what);
			failed = 1;
		}
		sqlite3_finalize(stmt);
	}
	progress_end();
	return failed ? -1 : 0;
}

/* One row of integers from a one-shot query; NULL reads as 0. */
static int query_row(struct store *st, const char *sql,
		     const struct audit_window *window, int64_t *values,
		     int count, const char *what)
{
	sqlite3_stmt *stmt;
	int rc, i;

	if (store_prepare_once(st, sql, &stmt, NULL, what))
		return -1;
	bind_window(stmt, window);
	rc = sqlite3_step(stmt);
	for (i = 0; i < count; i++)
		values[i] = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, i) : 0;
	if (rc != SQLITE_ROW)
		store_error(st, what);
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW ? 0 : -1;
}

static uint64_t count_of(int64_t value)
{
	return value > 0 ? (uint64_t)value : 0;
}

int report_build(struct store *st, const struct audit_window *window,
		 double min_traced, struct report_summary *summary)
{
	int64_t confirmed[8], upper[5], cap, counts[3];
	uint64_t unconfirmed_frames;
	struct timespec now;
	int f;

	memset(summary, 0, sizeof(*summary));
	summary->window = *window;
	if (correlate_run(st, window, CORRELATE_DELIVERIES, 0, &summary->checked) ||
	    coverage_build_gaps(st, window->since, window->until,
				&summary->gaps) ||
	    run_script(st, build_sql, window, "computing the report") ||
	    query_row(st, confirmed_sql, window, confirmed, 8,
		      "counting confirmed exposures") ||
	    query_row(st, upper_sql, window, upper, 5, "counting the upper bound") ||
	    query_row(st, owner_cap_sql, window, &cap, 1, "counting owners") ||
	    query_row(st, counts_sql, window, counts, 3, "counting coverage"))
		return -1;
	for (f = 0; f < REPORT_FIGURE_COUNT; f++)
		summary->confirmed[f] = count_of(confirmed[f]);
	summary->upper_bound[REPORT_RECIPIENTS] = count_of(upper[0]);
	summary->upper_bound[REPORT_FRAMES] = count_of(upper[1]);
	summary->upper_bound[REPORT_PAIRS] = count_of(upper[2]);
	summary->upper_bound[REPORT_DELIVERIES] = count_of(upper[3]);
	summary->uncertain = count_of(upper[4]);
	summary->owner_cap = count_of(cap);
	unconfirmed_frames = summary->upper_bound[REPORT_FRAMES] -
			     summary->confirmed[REPORT_FRAMES];
	summary->upper_bound[REPORT_OWNERS] = summary->confirmed[REPORT_OWNERS] +
		(unconfirmed_frames < summary->owner_cap ? unconfirmed_frames :
		 summary->owner_cap);
	summary->has_exposure = summary->confirmed[REPORT_DELIVERIES] > 0;
	summary->first_exposure = confirmed[5];
	summary->last_exposure = confirmed[6];
	summary->bursts = count_of(confirmed[7]);
	summary->gap_deliveries = count_of(counts[0]);
	summary->checked.in_gaps = summary->gap_deliveries;
	summary->hours = count_of(counts[1]);
	summary->generation_changes = count_of(counts[2]);
	summary->min_traced = min_traced;
	clock_gettime(CLOCK_REALTIME, &now);
	summary->generated_at = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	summary->store = store_path(st);
	summary->blind = report_blind_reasons(&summary->checked, min_traced);
	return 0;
}

/* --- reading -------------------------------------------------------------- */

int report_each_row(struct store *st, enum report_table_id id,
		    const struct emit_value *parent,
		    int (*fn)(const struct emit_value *row, void *ctx),
		    void *ctx)
{
	const struct report_table *table = &report_tables[id];
	struct emit_value row[REPORT_MAX_COLUMNS];
	sqlite3_stmt *stmt = store_prepare(st, table->sql);
	int rc = SQLITE_DONE, stop = 0;
	size_t c;

	if (table->column_count > REPORT_MAX_COLUMNS)
		die("report table %s: more than %d columns", table->key,
		    REPORT_MAX_COLUMNS);
	if (!stmt)
		return -1;
	if (table->parent >= 0) {
		sqlite3_bind_int64(stmt, 1, parent ? parent->number : INT64_MIN);
		sqlite3_bind_int64(stmt, 2, parent ? parent->number : INT64_MAX);
	}
	while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (c = 0; c < table->column_count; c++)
			row[c] = emit_sql_value(stmt, (int)c, table->columns[c].kind);
		stop = fn(row, ctx);
	}
	sqlite3_reset(stmt);
	if (stop)
		return stop;
	if (rc != SQLITE_DONE) {
		store_error(st, "reading the report");
		return -1;
	}
	return 0;
}
