/*
 * The incident report's figures: who was exposed to whom, when, and how
 * sure we are.  report_build() turns the verdicts of correlate_run() into
 * small temporary tables (temp.report_*) with SQL; every output format
 * then reads the same rows through report_each_row(), so the numbers of
 * the text, JSON, HTML and CSV renderings cannot disagree.  The man page
 * (camaudit report, OUTPUT) defines each figure in words.
 */
#ifndef CAMAUDIT_REPORT_H
#define CAMAUDIT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "correlate.h"
#include "emit.h"
#include "store.h"

/* A pause longer than this between cross-tenant deliveries ends a burst. */
#define REPORT_BURST_GAP_MS INT64_C(1800000)

/*
 * The deliveries of each owner, camera and recipient shown as evidence
 * (the first ones): a large incident stays a report one can read, and
 * audit lists every finding.
 */
#define REPORT_EVIDENCE_PER_PAIR 3

/* The headline figures, each confirmed and as an upper bound. */
enum report_figure {
	REPORT_OWNERS,     /* accounts whose camera frames reached others */
	REPORT_RECIPIENTS, /* accounts that received frames not theirs */
	REPORT_FRAMES,     /* distinct frames exposed */
	REPORT_PAIRS,      /* distinct (frame, recipient) pairs */
	REPORT_DELIVERIES, /* raw deliveries, retries included */
	REPORT_FIGURE_COUNT
};

/* "owners", "recipients", ...: the JSON key and the HTML id suffix. */
const char *report_figure_key(enum report_figure figure);
/* "affected owners", ...: the label people read. */
const char *report_figure_label(enum report_figure figure);

/*
 * Why an answer is incomplete, so that an absence of findings means
 * unknown rather than clean: audit and scan exit 5 or 6 for it, the
 * report says so.  The rule is report_blind_reasons(), written once.
 */
enum report_blind {
	REPORT_BLIND_NOTHING_CHECKED = 1u << 0, /* no delivery in the window */
	REPORT_BLIND_LITTLE_TRACED = 1u << 1,   /* traced share below --min-traced */
	REPORT_BLIND_GAPS = 1u << 2,            /* deliveries in coverage gaps */
};

/* The share of the deliveries traced to a fill, in percent (0 for none). */
double report_traced_percent(const struct audit_summary *checked);
/* The report_blind bits that hold for checked; 0 for a complete answer. */
unsigned report_blind_reasons(const struct audit_summary *checked,
			      double min_traced);

struct report_summary {
	struct audit_window window;
	struct audit_summary checked; /* correlate_run()'s counts */
	double min_traced;            /* --min-traced, in percent */
	unsigned blind;               /* report_blind bits */
	uint64_t confirmed[REPORT_FIGURE_COUNT];
	uint64_t upper_bound[REPORT_FIGURE_COUNT];
	int has_exposure;             /* any cross-tenant delivery */
	int64_t first_exposure, last_exposure;
	uint64_t bursts;
	uint64_t gaps;                /* (hour, node) coverage gaps */
	uint64_t gap_deliveries;      /* deliveries in those gaps */
	uint64_t uncertain;           /* gap deliveries judged by key alone,
	                                 neither cross_tenant nor unattributed */
	uint64_t owner_cap;           /* registry owners not confirmed */
	uint64_t hours;               /* rows of the hourly timeline */
	uint64_t generation_changes;  /* in the window */
	int64_t generated_at;         /* when report_build() ran, ms */
	const char *store;            /* the database's path, as given */
};

/* Room for report_blind_words(). */
#define REPORT_BLIND_WORDS_SIZE 400

/*
 * Why the report is incomplete, in words for people (empty when it is
 * complete): "only 81.5% of deliveries could be traced to a fill (below
 * --min-traced 90%) and 4 deliveries fall in coverage gaps (...)".
 * Holds no text from a log.
 */
void report_blind_words(const struct report_summary *summary, char *buf,
			size_t size);

/* The keys of the report_blind bits in JSON, in bit order. */
const char *report_blind_key(unsigned bit);

/*
 * Classify the window (correlate_run) and compute every figure into
 * temporary tables.  Call it inside the caller's read transaction, so
 * that the verdicts and the figures come from one snapshot.  Below
 * min_traced percent of deliveries traced, the report is incomplete.
 * Returns 0, or -1 on a database error (reported).
 */
int report_build(struct store *st, const struct audit_window *window,
		 double min_traced, struct report_summary *summary);

/* The tables of the report, in the order of the text rendering. */
enum report_table_id {
	REPORT_EXPOSURE_RELAYS,
	REPORT_EXPOSURE_NODES,
	REPORT_BURSTS,
	REPORT_BURST_RELAYS,
	REPORT_BURST_NODES,
	REPORT_HOURS,
	REPORT_HOUR_NODES,
	REPORT_GENERATIONS,
	REPORT_OWNERS_LIST,
	REPORT_OWNER_EXPOSURES,
	REPORT_PAIR_EVIDENCE,
	REPORT_RECIPIENTS_LIST,
	REPORT_RECIPIENT_EXPOSURES,
	REPORT_GAPS,
	REPORT_UNATTRIBUTED,
	REPORT_SOURCES,
	REPORT_TABLE_COUNT
};

#define REPORT_MAX_COLUMNS 9

struct report_table {
	const char *key;      /* JSON key of the array */
	const char *title;    /* text and HTML heading */
	const char *sql;      /* the rows; children take ?1..?2, a key range */
	/* emit.h's columns: an EMIT_KEY links a row to its children. */
	const struct emit_column *columns;
	size_t column_count;
	/*
	 * A child table's rows belong to a row of its parent (the bursts of
	 * a relay, say): its first parent_columns columns repeat the parent,
	 * and JSON nests it under the parent row (without those columns).
	 * The parent's link_column is the key the child's rows are selected
	 * by.
	 */
	int parent;           /* a report_table_id, or -1 */
	size_t parent_columns;
	int link_column;      /* for parents: the column that keys children */
};

extern const struct report_table report_tables[REPORT_TABLE_COUNT];

/*
 * Call fn for each row of a table, in the table's order: all of them, or
 * with parent non-NULL only the children of the parent row whose link
 * column is *parent.  Stops early and returns fn's value when non-zero;
 * -1 on a database error (reported).  Text is valid during the callback
 * only.
 */
int report_each_row(struct store *st, enum report_table_id table,
		    const struct emit_value *parent,
		    int (*fn)(const struct emit_value *row, void *ctx),
		    void *ctx);

#endif
