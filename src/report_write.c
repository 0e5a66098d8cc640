/*
 * What the writers of camaudit report share: the shares and figures
 * derived from the summary, and the window in words.  The
 * text, JSON and CSV writers are cmd_report.c's, the HTML page is
 * report_html.c's.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "report_write.h"
#include "timefmt.h"

double report_percent(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

uint64_t report_unattributed(const struct report_summary *sum)
{
	return sum->checked.by_type[FINDING_UNATTRIBUTED];
}

/* Each unconfirmed possible frame may be one more owner's, up to the cap. */
uint64_t report_unconfirmed_frames(const struct report_summary *sum)
{
	return sum->upper_bound[REPORT_FRAMES] - sum->confirmed[REPORT_FRAMES];
}

void report_text_window(const struct report_summary *sum, FILE *out)
{
	char since[TIMEFMT_SIZE], until[TIMEFMT_SIZE], skew[32];

	timefmt_format_duration(sum->window.skew_ms, skew, sizeof(skew));
	if (sum->window.since == INT64_MIN && sum->window.until == INT64_MAX) {
		fputs("all serves in the store", out);
	} else {
		timefmt_format(sum->window.since, since);
		timefmt_format(sum->window.until, until);
		if (sum->window.since != INT64_MIN)
			fprintf(out, "serves at or after %s", since);
		if (sum->window.since != INT64_MIN && sum->window.until != INT64_MAX)
			fprintf(out, " and before %s", until);
		else if (sum->window.until != INT64_MAX)
			fprintf(out, "serves before %s", until);
	}
	fprintf(out, " (skew %s)", skew);
}

