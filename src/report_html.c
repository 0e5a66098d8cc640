/*
 * camaudit report --format html: one self-contained page (no scripts,
 * fonts or fetches), with the timeline as inline SVG.  Everything from a
 * log is escaped (html_put).
 */
#include "config.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

#include "report_write.h"
#include "timefmt.h"
#include "util.h"

/*
 * Text from logs (and file names) in HTML: the five characters HTML
 * gives meaning to become entities, and whatever could mislead a reader
 * becomes a visible C-style escape, as in the text format: control
 * characters, invalid UTF-8, and the bidirectional controls that would
 * reorder the text around them, NUL bytes (as \x00: a value is read with
 * its length) and U+2028 and U+2029, which break the line.
 */
static void html_put(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n = utf8_decode(p + i, len - i, &cp);

		if (n == 0) {
			fprintf(out, "\\x%02x", p[i]);
			i++;
			continue;
		}
		switch (cp) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		case '\r': fputs("\\r", out); break;
		default:
			if (cp < 0x20 || cp == 0x7f)
				fprintf(out, "\\x%02x", cp);
			else if ((cp >= 0x80 && cp < 0xa0) || cp == 0x061c ||
				 cp == 0x200e || cp == 0x200f ||
				 (cp >= 0x202a && cp <= 0x202e) ||
				 (cp >= 0x2066 && cp <= 0x2069) ||
				 cp == 0x2028 || cp == 0x2029)
				fprintf(out, "\\u%04x", cp);
			else
				fwrite(p + i, 1, n, out);
		}
		i += n;
	}
}

/* A text value of a row, "-" when absent. */
static void html_value(FILE *out, const struct emit_value *v)
{
	if (v->text)
		html_put(out, v->text, v->len);
	else
		fputs("-", out);
}

/*
 * A FILE:LINE: as text in pieces that do not wrap (a browser would break
 * "cache-2.log" after its hyphen), with a line break allowed after each
 * '/', so that a long path wraps between directories.
 */
static void html_ref(FILE *out, const struct emit_value *v)
{
	const char *p = v->text, *end = v->text + v->len, *slash;

	if (!p) {
		fputs("-", out);
		return;
	}
	while ((slash = memchr(p, '/', (size_t)(end - p)))) {
		fputs("<span>", out);
		html_put(out, p, (size_t)(slash - p) + 1);
		fputs("</span><wbr>", out);
		p = slash + 1;
	}
	fputs("<span>", out);
	html_put(out, p, (size_t)(end - p));
	fputs("</span>", out);
}

static const char html_head[] =
	"<!DOCTYPE html>\n"
	"<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	/* Nothing may be fetched: no scripts, fonts, images or styles. */
	"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	"'none'; style-src 'unsafe-inline'\">\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	"<title>camaudit report: cross-tenant frame deliveries</title>\n"
	"<style>\n"
	"body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,"
	"\"DejaVu Sans\",sans-serif;color:#1b1b1b;background:#fff;margin:24px auto;"
	"max-width:1040px;padding:0 16px}\n"
	"h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px;"
	"border-bottom:1px solid #ddd;padding-bottom:4px}"
	"h3{font-size:15px;margin:16px 0 6px}\n"
	".meta{color:#555;margin:0 0 16px}\n"
	"table{border-collapse:collapse;margin:4px 0 8px}\n"
	"th,td{padding:3px 10px;border-bottom:1px solid #e4e4e4;text-align:left;"
	"vertical-align:top}\n"
	"th{background:#f4f4f4;font-weight:600}\n"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	"td.t{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;"
	"font-size:12.5px;white-space:nowrap}\n"
	"table.headline td,table.headline th{font-size:16px;padding:6px 16px;"
	"vertical-align:middle}\n"
	"table.headline td{font-size:26px;font-weight:700;text-align:right;"
	"font-variant-numeric:tabular-nums}\n"
	"table.headline td.confirmed{color:#b3261e}\n"
	"table.headline td.upper{color:#6b4e00}\n"
	".window{font-size:16px;margin:8px 0}\n"
	".incomplete{border:3px solid #b3261e;border-left-width:10px;"
	"background:#fdecea;padding:10px 16px;margin:12px 0 18px;font-size:15px;"
	"-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
	".incomplete p{margin:4px 0}\n"
	".incomplete .banner{font-size:21px;font-weight:700;color:#b3261e}\n"
	".complete{color:#1b5e20;margin:0 0 12px}\n"
	".window strong{color:#b3261e}\n"
	".note{color:#444;max-width:880px}\n"
	".none{color:#777;font-style:italic}\n"
	"code{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;font-size:13px}\n"
	"#evidence td,#evidence thead th{white-space:nowrap}\n"
	"#evidence td.ref{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;"
	"font-size:12px;white-space:normal}\n"
	"#evidence td.ref span{white-space:nowrap}\n"
	"#evidence tr.owner th{background:#fbeaea;border-top:2px solid #b3261e;"
	"font-size:15px}\n"
	"#evidence tr.more td{color:#555;font-style:italic}\n"
	"svg{display:block;max-width:100%;height:auto}\n"
	"svg text{font:11px system-ui,\"DejaVu Sans\",sans-serif;fill:#333}\n"
	"svg text.count{font-size:10px;font-weight:600;paint-order:stroke;"
	"stroke:#fff;stroke-width:4px}\n"
	"details{margin:8px 0}summary{cursor:pointer;color:#333}\n"
	"@media print{body{margin:0;max-width:none}h2{break-after:avoid}"
	"tr{break-inside:avoid}}\n"
	"</style>\n</head>\n<body>\n";

/* A cell spanning rows (1: an ordinary one). */
static void html_cell_span(FILE *out, const struct emit_value *v,
			   enum emit_kind kind, int64_t rows)
{
	char buf[EMIT_VALUE_SIZE];
	struct text text = emit_value_text(v, kind, buf);

	fprintf(out, "<td%s", kind == EMIT_COUNT ? " class=\"n\"" :
		kind == EMIT_TIME ? " class=\"t\"" : "");
	if (rows > 1)
		fprintf(out, " rowspan=\"%" PRId64 "\"", rows);
	fputc('>', out);
	if (!text.ptr)
		fputs("-", out);
	else if (kind == EMIT_TEXT)
		html_put(out, text.ptr, text.len);
	else
		fputs(text.ptr, out);
	fputs("</td>", out);
}

static void html_cell(FILE *out, const struct emit_value *v,
		      enum emit_kind kind)
{
	html_cell_span(out, v, kind, 1);
}

static int count_row(const struct emit_value *row, void *ctx)
{
	struct writer *w = ctx;

	(void)row;
	w->rows++;
	return 0;
}

static int html_row(const struct emit_value *row, void *ctx)
{
	struct writer *w = ctx;
	const struct report_table *table = &report_tables[w->table];
	size_t c;

	fputs("<tr>", w->out);
	for (c = 0; c < table->column_count; c++)
		if (table->columns[c].kind != EMIT_KEY)
			html_cell(w->out, &row[c], table->columns[c].kind);
	fputs("</tr>\n", w->out);
	return 0;
}

/* "t-owners", "t-bursts-relays": a table's JSON path, for an id. */
static void html_table_id(FILE *out, enum report_table_id id)
{
	const struct report_table *table = &report_tables[id];

	if (table->parent >= 0)
		fprintf(out, "t-%s-%s", report_tables[table->parent].key, table->key);
	else
		fprintf(out, "t-%s", table->key);
}

/*
 * A table with an id (html_table_id) under an h3, or "none" (rows are
 * counted first: the tables are small).
 */
static int html_table(struct writer *w, enum report_table_id id, int heading)
{
	const struct report_table *table = &report_tables[id];
	size_t c;

	if (heading)
		fprintf(w->out, "<h3>%s</h3>\n", table->title);
	w->rows = 0;
	if (report_each_row(w->st, id, NULL, count_row, w))
		return -1;
	if (w->rows == 0) {
		fputs("<p class=\"none\" id=\"", w->out);
		html_table_id(w->out, id);
		fputs("\">none</p>\n", w->out);
		return 0;
	}
	fputs("<table id=\"", w->out);
	html_table_id(w->out, id);
	fputs("\">\n<thead><tr>", w->out);
	for (c = 0; c < table->column_count; c++) {
		const struct emit_column *col = &table->columns[c];
		const char *k;

		if (col->kind == EMIT_KEY)
			continue;
		fputs(col->kind == EMIT_COUNT ? "<th class=\"n\">" : "<th>", w->out);
		for (k = col->key; *k; k++)
			fputc(*k == '_' ? ' ' : *k, w->out);
		fputs("</th>", w->out);
	}
	fputs("</tr></thead>\n<tbody>\n", w->out);
	w->table = id;
	if (report_each_row(w->st, id, NULL, html_row, w))
		return -1;
	fputs("</tbody>\n</table>\n", w->out);
	return 0;
}

/*
 * The timeline's geometry, in SVG user units: deliveries in the upper
 * panel, and below, on a scale of their own (they are few beside the
 * deliveries), the cross-tenant and unattributed ones; one time axis.
 */
#define SVG_WIDTH 1000
#define SVG_HEIGHT 340
#define PLOT_LEFT 52
#define PLOT_RIGHT 988
#define MARKER_TOP 44     /* generation change lines start here */
#define UPPER_TOP 66
#define UPPER_BOTTOM 156
#define LOWER_TITLE 174
#define LOWER_TOP 190     /* below its title by the height of a bar's count */
#define LOWER_BOTTOM 280  /* the time axis */
#define HOUR_MS INT64_C(3600000)
#define SCALE_STEPS 4     /* grid lines above 0 on a panel's scale, at most */
#define LABEL_SLOT_MIN 12 /* an hour this wide has its findings counted */

static double svg_x(const struct writer *w, int64_t ms)
{
	double hours = w->sum->hours ? (double)w->sum->hours : 1.0;

	return PLOT_LEFT + (double)(ms - w->first_hour) / (double)HOUR_MS *
		(PLOT_RIGHT - PLOT_LEFT) / hours;
}

static int svg_measure(const struct emit_value *row, void *ctx)
{
	struct writer *w = ctx;

	if (w->rows++ == 0)
		w->first_hour = row[0].number;
	if ((uint64_t)row[1].number > w->max_deliveries)
		w->max_deliveries = (uint64_t)row[1].number;
	if ((uint64_t)row[2].number > w->max_findings)
		w->max_findings = (uint64_t)row[2].number;
	if ((uint64_t)row[3].number > w->max_findings)
		w->max_findings = (uint64_t)row[3].number;
	return 0;
}

/*
 * A bar of one hour in a panel whose top stands for max; with labelled,
 * its count above it where there is room, so that an hour of one or two
 * findings is read, not guessed.
 */
static void svg_bar(struct writer *w, int64_t hour, double offset, double share,
		    int64_t count, uint64_t max, int top, int bottom,
		    const char *colour, const char *what, int labelled)
{
	double slot = svg_x(w, hour + HOUR_MS) - svg_x(w, hour);
	double height = max ? (double)count / (double)max * (bottom - top) : 0;
	double x = svg_x(w, hour) + slot * offset;
	char when[TIMEFMT_SIZE];

	if (count <= 0)
		return;
	if (height < 1.5) /* one delivery stays visible on any scale */
		height = 1.5;
	timefmt_format(hour, when);
	fprintf(w->out, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
		"fill=\"%s\"><title>%.13s:00Z %s: %" PRId64 "</title></rect>\n",
		x, bottom - height, slot * share, height, colour, when, what, count);
	if (labelled && slot >= LABEL_SLOT_MIN)
		fprintf(w->out, "<text class=\"count\" x=\"%.2f\" y=\"%.2f\" "
			"text-anchor=\"middle\">%" PRId64 "</text>\n",
			x + slot * share / 2, bottom - height - 3, count);
}

/*
 * Hours between time labels: the first of these steps that draws at most
 * 24 labels; steps divide days or weeks, so labels fall on round hours.
 */
static int64_t label_step(uint64_t hours)
{
	static const int64_t steps[] = {1, 2, 3, 4, 6, 12, 24, 48, 168, 336, 672};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(steps); i++)
		if (hours <= (uint64_t)steps[i] * 24)
			return steps[i];
	return (int64_t)(hours / 24 / 672 + 1) * 672;
}

static int svg_hour(const struct emit_value *row, void *ctx)
{
	struct writer *w = ctx;
	int64_t hour = row[0].number, step = label_step(w->sum->hours);
	int64_t index = hour / HOUR_MS;
	char when[TIMEFMT_SIZE];
	double x = svg_x(w, hour);

	svg_bar(w, hour, 0.12, 0.76, row[1].number, w->max_deliveries, UPPER_TOP,
		UPPER_BOTTOM, "#9aa5b1", "deliveries", 0);
	svg_bar(w, hour, 0.08, 0.4, row[2].number, w->max_findings, LOWER_TOP,
		LOWER_BOTTOM, "#c62828", "cross-tenant deliveries", 1);
	svg_bar(w, hour, 0.52, 0.4, row[3].number, w->max_findings, LOWER_TOP,
		LOWER_BOTTOM, "#ef8f00", "unattributed deliveries", 1);
	if ((index % step + step) % step != 0)
		return 0;
	/* A tick and its label: the hour, or the day for steps of days. */
	timefmt_format(hour, when);
	fprintf(w->out, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" "
		"stroke=\"#888\"/>\n<text x=\"%.2f\" y=\"%d\">%.*s</text>\n",
		x, LOWER_BOTTOM, x, LOWER_BOTTOM + 4, x + 1, LOWER_BOTTOM + 16,
		step < 24 ? 2 : 5, when + (step < 24 ? 11 : 5));
	/* The date under the first label and each midnight (the year, for days). */
	if (w->marker++ == 0 || (step < 24 && !strncmp(when + 11, "00", 2)) ||
	    (step >= 24 && !strncmp(when + 5, "01-01", 5)))
		fprintf(w->out, "<text x=\"%.2f\" y=\"%d\">%.*s</text>\n", x + 1,
			LOWER_BOTTOM + 30, step < 24 ? 10 : 4, when);
	return 0;
}

static int svg_gap(const struct emit_value *row, void *ctx)
{
	struct writer *w = ctx;
	int64_t hour = row[0].number;
	double x = svg_x(w, hour);
	char when[TIMEFMT_SIZE];

	timefmt_format(hour, when);
	fprintf(w->out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"%d\" "
		"fill=\"url(#gap)\"><title>%.13s:00Z coverage gap: no cache log "
		"from ", x, UPPER_TOP, svg_x(w, hour + HOUR_MS) - x,
		LOWER_BOTTOM - UPPER_TOP, when);
	html_value(w->out, &row[1]);
	fputs("</title></rect>\n", w->out);
	return 0;
}

static int svg_burst(const struct emit_value *row, void *ctx)
{
	struct writer *w = ctx;
	double x1 = svg_x(w, row[1].number), x2 = svg_x(w, row[2].number);

	if (x2 - x1 < 2)
		x2 = x1 + 2;
	fprintf(w->out, "<rect x=\"%.2f\" y=\"%d\" width=\"%.2f\" height=\"6\" "
		"fill=\"#c62828\"><title>burst %" PRId64 ": %" PRId64
		" cross-tenant deliveries</title></rect>\n", x1, LOWER_BOTTOM + 38,
		x2 - x1, row[0].number, row[3].number);
	return 0;
}

static int svg_generation(const struct emit_value *row, void *ctx)
{
	struct writer *w = ctx;
	double x = svg_x(w, row[1].number);
	int y = MARKER_TOP - 13 * (w->marker++ % 2);
	/* Labels near the right edge run leftwards. */
	int leftwards = x > PLOT_RIGHT - 160;

	fprintf(w->out, "<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" "
		"stroke=\"#6a1b9a\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n"
		"<text x=\"%.2f\" y=\"%d\" text-anchor=\"%s\" style=\"fill:#6a1b9a\">",
		x, y + 3, x, LOWER_BOTTOM, leftwards ? x - 3 : x + 3, y,
		leftwards ? "end" : "start");
	html_value(w->out, &row[0]);
	fputs(" gen ", w->out);
	html_value(w->out, &row[2]);
	fputs(" \xe2\x86\x92 ", w->out); /* U+2192, a right arrow */
	html_value(w->out, &row[3]);
	fputs("</text>\n", w->out);
	return 0;
}

/*
 * A scale for counts up to max: a round step (1, 2 or 5 times a power of
 * ten) that takes at most SCALE_STEPS steps to reach max, and the top
 * the panel's height stands for, the first multiple of the step at or
 * above max.
 */
static void nice_scale(uint64_t max, uint64_t *step, uint64_t *top)
{
	static const uint64_t factors[] = {1, 2, 5};
	uint64_t magnitude = 1;
	size_t i;

	for (;;) {
		for (i = 0; i < ARRAY_SIZE(factors); i++) {
			uint64_t s = factors[i] * magnitude;
			uint64_t steps = max / s + (max % s != 0);

			if (steps <= SCALE_STEPS) {
				*step = s;
				*top = (steps ? steps : 1) * s;
				return;
			}
		}
		magnitude *= 10;
	}
}

/*
 * A value of a scale in the room left of the plot: 300000 as 300k,
 * 1500000 as 1.5M.  Nothing is rounded: a scale that reaches 10000 has
 * steps of 5000 or more, one that reaches 1000000 steps of 500000 or
 * more (nice_scale() takes at most four).
 */
static void format_tick(uint64_t value, char *buf, size_t size)
{
	if (value >= 1000000 && value % 1000000)
		snprintf(buf, size, "%" PRIu64 ".%" PRIu64 "M", value / 1000000,
			 value % 1000000 / 100000);
	else if (value >= 1000000)
		snprintf(buf, size, "%" PRIu64 "M", value / 1000000);
	else if (value >= 10000)
		snprintf(buf, size, "%" PRIu64 "k", value / 1000);
	else
		snprintf(buf, size, "%" PRIu64, value);
}

/*
 * A panel's frame: its title, a labelled grid line at each step of its
 * scale, and a baseline; returns the top of the scale, which the panel's
 * height stands for.
 */
static uint64_t svg_panel(FILE *out, const char *id, const char *title,
			  int title_y, uint64_t max, int top, int bottom)
{
	uint64_t step, scale_top, value;
	char label[32];

	nice_scale(max, &step, &scale_top);
	fprintf(out, "<g id=\"panel-%s\">\n<text x=\"%d\" y=\"%d\" "
		"style=\"font-weight:600\">%s</text>\n", id, PLOT_LEFT, title_y,
		title);
	for (value = step; value <= scale_top; value += step) {
		double y = bottom - (double)value / (double)scale_top * (bottom - top);

		format_tick(value, label, sizeof(label));
		fprintf(out, "<line class=\"grid\" x1=\"%d\" y1=\"%.2f\" x2=\"%d\" "
			"y2=\"%.2f\" stroke=\"#e6e6e6\"/>\n<text class=\"tick\" "
			"x=\"%d\" y=\"%.2f\" text-anchor=\"end\">%s</text>\n",
			PLOT_LEFT, y, PLOT_RIGHT, y, PLOT_LEFT - 6, y + 4, label);
	}
	fprintf(out, "<text class=\"tick\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0"
		"</text>\n<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"stroke=\"#333\"/>\n</g>\n", PLOT_LEFT - 6, bottom + 4, PLOT_LEFT,
		bottom, PLOT_RIGHT, bottom);
	return scale_top;
}

/* The hourly timeline as inline SVG; nothing is fetched. */
static int html_timeline(struct writer *w)
{
	FILE *out = w->out;

	w->rows = 0;
	w->max_deliveries = 0;
	w->max_findings = 0;
	w->marker = 0;
	if (report_each_row(w->st, REPORT_HOURS, NULL, svg_measure, w))
		return -1;
	if (w->rows == 0) {
		fputs("<p class=\"none\">no deliveries in the window</p>\n", out);
		return 0;
	}
	fprintf(out, "<svg id=\"timeline\" viewBox=\"0 0 %d %d\" width=\"%d\" "
		"height=\"%d\" role=\"img\" aria-label=\"deliveries, cross-tenant "
		"deliveries and unattributed deliveries per hour\">\n"
		"<defs><pattern id=\"gap\" width=\"6\" height=\"6\" "
		"patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
		"<rect width=\"6\" height=\"6\" fill=\"#fff4c2\"/>"
		"<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#e0c050\" "
		"stroke-width=\"2\"/></pattern></defs>\n",
		SVG_WIDTH, SVG_HEIGHT, SVG_WIDTH, SVG_HEIGHT);
	if (report_each_row(w->st, REPORT_GAPS, NULL, svg_gap, w))
		return -1;
	/* The bars are drawn to the round tops of the scales. */
	w->max_deliveries = svg_panel(out, "deliveries", "deliveries per hour",
				      UPPER_TOP - 6, w->max_deliveries, UPPER_TOP,
				      UPPER_BOTTOM);
	w->max_findings = svg_panel(out, "findings", "cross-tenant and "
				    "unattributed deliveries per hour",
				    LOWER_TITLE, w->max_findings, LOWER_TOP,
				    LOWER_BOTTOM);
	/* Generation changes under the bars, whose counts stay readable. */
	if (report_each_row(w->st, REPORT_GENERATIONS, NULL, svg_generation, w))
		return -1;
	w->marker = 0;
	if (report_each_row(w->st, REPORT_HOURS, NULL, svg_hour, w) ||
	    report_each_row(w->st, REPORT_BURSTS, NULL, svg_burst, w))
		return -1;
	/* The legend, on the first line. */
	fprintf(out, "<g transform=\"translate(%d,14)\">"
		"<rect x=\"0\" y=\"-9\" width=\"10\" height=\"10\" fill=\"#9aa5b1\"/>"
		"<text x=\"14\" y=\"0\">deliveries</text>"
		"<rect x=\"84\" y=\"-9\" width=\"10\" height=\"10\" fill=\"#c62828\"/>"
		"<text x=\"98\" y=\"0\">cross-tenant</text>"
		"<rect x=\"180\" y=\"-9\" width=\"10\" height=\"10\" fill=\"#ef8f00\"/>"
		"<text x=\"194\" y=\"0\">unattributed</text>"
		"<rect x=\"276\" y=\"-9\" width=\"10\" height=\"10\" fill=\"url(#gap)\" "
		"stroke=\"#e0c050\"/><text x=\"290\" y=\"0\">coverage gap</text>"
		"<line x1=\"376\" y1=\"-4\" x2=\"394\" y2=\"-4\" stroke=\"#6a1b9a\" "
		"stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>"
		"<text x=\"398\" y=\"0\">cache generation change</text>"
		"<rect x=\"550\" y=\"-7\" width=\"18\" height=\"6\" fill=\"#c62828\"/>"
		"<text x=\"572\" y=\"0\">burst of cross-tenant deliveries</text>"
		"</g>\n</svg>\n", PLOT_LEFT);
	return 0;
}

/*
 * The evidence, one table: per owner a heading row, then per camera and
 * recipient its counts, spanning the rows of its first deliveries
 * (request id, FILE:LINE of the serve and of the fill) and of the count
 * of the rest.
 */
#define EVIDENCE_COLUMNS 8

struct evidence_pair {
	struct writer *w;
	const struct emit_value *pair; /* a REPORT_OWNER_EXPOSURES row */
	int64_t span;                    /* rows its cells span */
	int64_t shown;                   /* evidence rows written */
};

/* The pair's camera, recipient, frames and deliveries, spanning its rows. */
static void evidence_pair_cells(const struct evidence_pair *p)
{
	const struct emit_column *col =
		report_tables[REPORT_OWNER_EXPOSURES].columns;
	int c;

	for (c = 1; c <= 4; c++)
		html_cell_span(p->w->out, &p->pair[c], col[c].kind, p->span);
}

static int evidence_row(const struct emit_value *row, void *ctx)
{
	struct evidence_pair *p = ctx;
	FILE *out = p->w->out;

	fputs("<tr>", out);
	if (p->shown++ == 0)
		evidence_pair_cells(p);
	html_cell(out, &row[3], EMIT_TIME);
	html_cell(out, &row[4], EMIT_TEXT);
	fputs("<td class=\"ref\">", out);
	html_ref(out, &row[5]);
	fputs("</td><td class=\"ref\">", out);
	html_ref(out, &row[6]);
	fputs("</td></tr>\n", out);
	return 0;
}

static int evidence_pair(const struct emit_value *row, void *ctx)
{
	struct writer *w = ctx;
	int64_t deliveries = row[4].number;
	struct evidence_pair p = {w, row, 0, 0};
	int64_t rest;

	p.span = deliveries < REPORT_EVIDENCE_PER_PAIR ? deliveries :
		REPORT_EVIDENCE_PER_PAIR;
	p.span += deliveries > p.span;
	if (report_each_row(w->st, REPORT_PAIR_EVIDENCE, &row[report_tables[REPORT_OWNER_EXPOSURES].link_column],
			    evidence_row, &p))
		return -1;
	rest = deliveries - p.shown;
	if (p.shown == 0) /* cannot happen: a pair is made of deliveries */
		p.span = 1;
	if (rest > 0 || p.shown == 0) {
		fputs("<tr class=\"more\">", w->out);
		if (p.shown == 0)
			evidence_pair_cells(&p);
		fprintf(w->out, "<td colspan=\"4\">and %" PRId64 " more deliver%s"
			"</td></tr>\n", rest, rest == 1 ? "y" : "ies");
	}
	return 0;
}

static int evidence_owner(const struct emit_value *row, void *ctx)
{
	struct writer *w = ctx;

	fprintf(w->out, "<tbody>\n<tr class=\"owner\"><th colspan=\"%d\">",
		EVIDENCE_COLUMNS);
	html_value(w->out, &row[1]);
	fputs("</th></tr>\n", w->out);
	if (report_each_row(w->st, REPORT_OWNER_EXPOSURES, &row[0], evidence_pair,
			    w))
		return -1;
	fputs("</tbody>\n", w->out);
	return 0;
}

static int html_evidence(struct writer *w)
{
	if (!w->sum->has_exposure) {
		fputs("<p class=\"none\" id=\"evidence\">none</p>\n", w->out);
		return 0;
	}
	fputs("<table id=\"evidence\">\n<thead><tr><th>camera</th><th>recipient"
	      "</th><th class=\"n\">frames</th><th class=\"n\">deliveries</th>"
	      "<th>served at</th><th>request id</th><th>serve (file:line)</th>"
	      "<th>fill (file:line)</th></tr></thead>\n", w->out);
	if (report_each_row(w->st, REPORT_OWNERS_LIST, NULL, evidence_owner, w))
		return -1;
	fputs("</table>\n", w->out);
	return 0;
}

static void html_figure_row(FILE *out, const struct report_summary *sum,
			    enum report_figure f)
{
	const char *key = report_figure_key(f), *label = report_figure_label(f);

	fprintf(out, "<tr><th>%c%s</th><td class=\"confirmed\" id=\"confirmed-%s\">"
		"%" PRIu64 "</td><td class=\"upper\" id=\"upper-%s\">%" PRIu64
		"</td></tr>\n", label[0] - 'a' + 'A', label + 1, key,
		sum->confirmed[f], key, sum->upper_bound[f]);
}

/*
 * Whether an absence of findings means clean: a banner above everything
 * when the report is incomplete (audit would exit 5 or 6), else one line.
 */
static void html_completeness(struct writer *w)
{
	const struct report_summary *sum = w->sum;
	char why[REPORT_BLIND_WORDS_SIZE];

	if (!sum->blind) {
		fprintf(w->out, "<p class=\"complete\" id=\"complete\">Complete: "
			"%.1f%% of the deliveries were traced to a fill (at least "
			"--min-traced %g%%) and none fall in a coverage gap.</p>\n",
			report_traced_percent(&sum->checked), sum->min_traced);
		return;
	}
	report_blind_words(sum, why, sizeof(why));
	fprintf(w->out, "<div class=\"incomplete\" id=\"incomplete\" role=\"alert\">"
		"\n<p class=\"banner\">Incomplete: this report cannot show that "
		"the window is clean.</p>\n<p id=\"incomplete-why\">%c",
		toupper((unsigned char)why[0]));
	html_put(w->out, why + 1, strlen(why + 1));
	fputs(".</p>\n<p>Where this report shows no finding, that means "
	      "<strong>unknown</strong>, not clean: the missing logs may hold "
	      "leaks, which only the upper bound counts.  Ingest the missing logs "
	      "(<code>camaudit status</code> shows the gaps) and write the report "
	      "again.</p>\n</div>\n", w->out);
}

static void html_window(struct writer *w)
{
	const struct report_summary *sum = w->sum;
	char first[TIMEFMT_SIZE], last[TIMEFMT_SIZE];

	if (!sum->has_exposure) {
		fprintf(w->out, "<p class=\"window\" id=\"exposure\">No cross-tenant "
			"delivery found in the window%s.</p>\n", sum->blind ?
			", but the report is incomplete: that means unknown, not "
			"clean" : "");
		return;
	}
	timefmt_format(sum->first_exposure, first);
	timefmt_format(sum->last_exposure, last);
	fprintf(w->out, "<p class=\"window\" id=\"exposure\">Cross-tenant "
		"deliveries from <strong id=\"first-exposure\">%s</strong> to "
		"<strong id=\"last-exposure\">%s</strong>, in <strong "
		"id=\"burst-count\">%" PRIu64 "</strong> burst%s.</p>\n", first, last,
		sum->bursts, sum->bursts == 1 ? "" : "s");
}

/* Where the page comes from: when, which camaudit, which store and logs. */
static int html_footer(struct writer *w)
{
	char when[TIMEFMT_SIZE];

	timefmt_format(w->sum->generated_at, when);
	fprintf(w->out, "<footer id=\"provenance\">\n<h2>Sources</h2>\n<p>"
		"Generated <span id=\"generated-at\">%s</span> by camaudit <span "
		"id=\"version\">" PACKAGE_VERSION "</span> from the database <code "
		"id=\"store\">", when);
	html_put(w->out, w->sum->store, strlen(w->sum->store));
	fputs("</code>, which holds these input files (lines read, events "
	      "stored, lines rejected):</p>\n", w->out);
	if (html_table(w, REPORT_SOURCES, 0))
		return -1;
	fputs("</footer>\n", w->out);
	return 0;
}

int report_write_html(struct writer *w)
{
	const struct report_summary *sum = w->sum;
	FILE *out = w->out;
	int f;

	fputs(html_head, out);
	fputs("<h1>Cross-tenant frame deliveries</h1>\n<p class=\"meta\">"
	      "camaudit " PACKAGE_VERSION " report: ", out);
	report_text_window(sum, out);
	fprintf(out, ". %" PRIu64 " deliveries checked, %" PRIu64 " (%.1f%%) "
		"traced to a fill. Times are UTC.</p>\n", sum->checked.deliveries,
		sum->checked.attributed,
		report_percent(sum->checked.attributed, sum->checked.deliveries));
	html_completeness(w);

	fputs("<section id=\"headline\">\n<table class=\"headline\">\n<thead><tr>"
	      "<th></th><th class=\"n\">Confirmed</th><th class=\"n\">Upper bound"
	      "</th></tr></thead>\n<tbody>\n", out);
	for (f = 0; f < REPORT_FIGURE_COUNT; f++)
		html_figure_row(out, sum, (enum report_figure)f);
	fputs("</tbody>\n</table>\n", out);
	html_window(w);
	fprintf(out, "<p class=\"note\"><em>Confirmed</em> counts the cross-tenant "
		"findings: frames whose origin was traced to a camera whose owner "
		"neither was the viewer nor had shared it. The <em>upper bound</em> "
		"adds %" PRIu64 " unattributed deliveries (no cache log explains "
		"them) and %" PRIu64 " deliveries in coverage gaps whose verdict "
		"rests on the cache key alone; each of their %" PRIu64 " frames may "
		"be one more owner's, up to the %" PRIu64 " other owners in the "
		"registry. Frames and pairs count retries once.</p>\n</section>\n",
		report_unattributed(sum), sum->uncertain, report_unconfirmed_frames(sum),
		sum->owner_cap);

	fputs("<section id=\"timeline-section\">\n<h2>Timeline (per hour, UTC)"
	      "</h2>\n", out);
	if (html_timeline(w))
		return -1;
	fputs("</section>\n<section id=\"bursts\">\n<h2>Bursts</h2>\n<p class="
	      "\"note\">A pause of more than 30 minutes between cross-tenant "
	      "deliveries starts a new burst.</p>\n", out);
	if (html_table(w, REPORT_BURSTS, 0) ||
	    html_table(w, REPORT_BURST_RELAYS, 1) ||
	    html_table(w, REPORT_BURST_NODES, 1))
		return -1;
	fprintf(out, "</section>\n<section id=\"owners\">\n<h2>Owners to notify"
		"</h2>\n<p class=\"note\">One row per owner whose camera frames "
		"reached another account, by name: %" PRIu64 " owner%s.</p>\n",
		sum->confirmed[REPORT_OWNERS],
		sum->confirmed[REPORT_OWNERS] == 1 ? "" : "s");
	if (html_table(w, REPORT_OWNERS_LIST, 0))
		return -1;
	fprintf(out, "<h3>Evidence: who saw which of their cameras</h3>\n<p "
		"class=\"note\">Per owner, camera and recipient, the first %d "
		"deliveries, oldest first: when, the relay's request id, and the "
		"log lines (file:line) of the serve and of the cache fill its frame "
		"came from; the rest are counted.  <code>camaudit audit</code> with "
		"the same window lists every one, and <code>camaudit explain "
		"REQUEST_ID</code> shows how one was judged.</p>\n",
		REPORT_EVIDENCE_PER_PAIR);
	if (html_evidence(w))
		return -1;
	fputs("</section>\n<section id=\"recipients\">\n<h2>Recipients: whose "
	      "cameras they saw</h2>\n", out);
	if (html_table(w, REPORT_RECIPIENTS_LIST, 0))
		return -1;
	fputs("<details><summary>Per recipient, owner and camera</summary>\n",
	      out);
	if (html_table(w, REPORT_RECIPIENT_EXPOSURES, 0))
		return -1;
	fputs("</details>\n", out);
	fputs("</section>\n<section id=\"causes\">\n<h2>Cause hints</h2>\n", out);
	if (html_table(w, REPORT_GENERATIONS, 1) ||
	    html_table(w, REPORT_EXPOSURE_RELAYS, 1) ||
	    html_table(w, REPORT_EXPOSURE_NODES, 1))
		return -1;
	fputs("<details><summary>Hours per cache node (generation in effect at "
	      "the end of each hour)</summary>\n", out);
	if (html_table(w, REPORT_HOUR_NODES, 0))
		return -1;
	fprintf(out, "</details>\n</section>\n<section id=\"coverage\">\n<h2>"
		"Coverage</h2>\n<p class=\"note\">%" PRIu64 " deliveries fall in "
		"coverage gaps (hours in which a cache node that served wrote no "
		"cache log line); %" PRIu64 " deliveries could not be traced to a "
		"fill. Both can hide leaks: the upper bound counts the unattributed "
		"ones and the %" PRIu64 " gap deliveries judged by key alone.</p>\n",
		sum->gap_deliveries, report_unattributed(sum), sum->uncertain);
	if (html_table(w, REPORT_GAPS, 1) ||
	    html_table(w, REPORT_UNATTRIBUTED, 1))
		return -1;
	fputs("</section>\n", out);
	if (html_footer(w))
		return -1;
	fputs("</body>\n</html>\n", out);
	return 0;
}

