/*
 * The status line on a terminal: what a long run is doing, shown on
 * stderr once a second and erased before any message and at the end.
 * Off unless the command turns it on (a terminal, and no --quiet), so
 * that pipes, cron and -q never see it.
 */
#ifndef CAMAUDIT_PROGRESS_H
#define CAMAUDIT_PROGRESS_H

#include <stdint.h>
#include <time.h>

#include "compiler.h"

/* Turn the status line on or off (the tests). */
void progress_enable(int on);
/* On when stderr is a terminal and the run is not quiet: never in pipes,
 * cron or with -q.  What commands call, at start and on --quiet. */
void progress_on_terminal(int quiet);
int progress_enabled(void);

/*
 * Begin a step, such as "judging the deliveries" (a constant string): from
 * its first second on, the line shows it with the seconds it has taken.
 * A step lasts until the next one begins or progress_end().
 */
void progress_step(const char *what);
/*
 * Called often during a step (the store calls it from SQLite's progress
 * handler): redraws the line when a second has passed.
 */
void progress_tick(void);
/*
 * The line for ingest's files, text of the caller's: ingest decides itself
 * when to show it (its own flag, at most once a second).
 */
void progress_show(const char *fmt, ...) PRINTF_LIKE(1, 2);
/*
 * Whether ingest's line is due: on, began (CLOCK_MONOTONIC) at least the
 * delay ago, and not drawn within the last second.  The seconds since
 * began when it is, else -1.
 */
double progress_due(const struct timespec *began);
/* End the step, erasing its line (ingest's file line stays). */
void progress_end(void);
/* Erase the line if one is shown, keeping the step (util.c's messages). */
void progress_clear(void);

/*
 * Ingest over several files: the bytes of all of them (0: unknown), so
 * that the line can say how far the whole run is; progress_file_done()
 * adds a finished file's bytes.
 */
void progress_plan(uint64_t total_bytes);
void progress_file_done(uint64_t bytes);
/*
 * The share of the plan done, the current file being bytes_in_current
 * into its bytes, and the seconds left at the rate so far; -1 without a
 * plan (or before there is a rate, for the seconds).
 */
double progress_overall(uint64_t bytes_in_current, double *seconds_left);

#endif
