/*
 * What the writers of camaudit report share (cmd_report.c writes text,
 * JSON and CSV; report_html.c writes the HTML page).
 */
#ifndef CAMAUDIT_REPORT_WRITE_H
#define CAMAUDIT_REPORT_WRITE_H

#include <stdint.h>
#include <stdio.h>

#include "report.h"
#include "tree.h"

/* What every writer needs. */
struct writer {
	struct store *st;
	FILE *out;
	const struct report_summary *sum;
	struct tree tree;            /* json */
	unsigned flags;              /* EMIT_NO_HEADER, EMIT_WIDE */
	uint64_t rows;               /* html: rows counted */
	int nested;                  /* json: rows of a child table */
	enum report_table_id table;  /* the table being written */
	int64_t first_hour;          /* html: the timeline's first hour */
	uint64_t max_deliveries;     /* html: the timeline's scales (the
	                                largest count, then the top) */
	uint64_t max_findings;
	int marker;                  /* html: time labels, then generation
	                                markers, drawn so far */
};

double report_percent(uint64_t part, uint64_t whole);
uint64_t report_unattributed(const struct report_summary *sum);
uint64_t report_unconfirmed_frames(const struct report_summary *sum);

/* The window in words: "serves at or after T and before U (skew 2s)". */
void report_text_window(const struct report_summary *sum, FILE *out);

/* The HTML page: one self-contained file. */
int report_write_html(struct writer *w);

#endif
