/*
 * The status line on a terminal (progress.h): one line, redrawn in place
 * with \r and erased with \033[K, so that a message never lands in the
 * middle of it.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

static struct {
	int on;
	double delay;          /* seconds a step runs before it is shown */
	int drawn;             /* a line is on the terminal now */
	int drawn_for_step;    /* and it names the step, not ingest's file */
	const char *step;      /* the step under way, NULL if none */
	struct timespec began; /* when it began */
	struct timespec drew;  /* when the line was last drawn */
	uint64_t total, done;  /* ingest's plan: bytes of all files, finished */
	struct timespec planned; /* when the plan was made */
} line;

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) +
	       (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

void progress_enable(int on)
{
	line.on = on;
	line.delay = 1.0;
}

void progress_on_terminal(int quiet)
{
	/* As git's GIT_PROGRESS_DELAY: the tests show every step at once. */
	const char *delay = getenv("CAMAUDIT_PROGRESS_DELAY");
	char *end;

	line.on = !quiet && isatty(STDERR_FILENO);
	line.delay = delay && *delay ? strtod(delay, &end) : 1.0;
	if (!delay || !*delay || *end || !(line.delay >= 0 && line.delay <= 3600))
		line.delay = 1.0;
}

int progress_enabled(void)
{
	return line.on;
}

void progress_step(const char *what)
{
	if (!line.on)
		return;
	line.step = what; /* its line, when drawn, overwrites the last one */
	clock_gettime(CLOCK_MONOTONIC, &line.began);
}

void progress_tick(void)
{
	double took;

	/* A step shorter than the delay (a second) is never shown: most runs
	 * show none. */
	if (!line.on || !line.step || (took = since(&line.began)) < line.delay ||
	    (line.drawn && since(&line.drew) < 1.0))
		return;
	fprintf(stderr, "\rcamaudit: %s (%.0f s)\033[K", line.step, took);
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &line.drew);
	line.drawn = line.drawn_for_step = 1;
}

double progress_due(const struct timespec *began)
{
	double took;

	if (!line.on || (took = since(began)) < line.delay ||
	    (line.drawn && since(&line.drew) < (line.delay < 1 ? line.delay : 1)))
		return -1;
	return took;
}

void progress_show(const char *fmt, ...)
{
	va_list ap;

	fputs("\rcamaudit: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\033[K", stderr);
	fflush(stderr);
	clock_gettime(CLOCK_MONOTONIC, &line.drew);
	line.drawn = 1;
	line.drawn_for_step = 0;
}

void progress_clear(void)
{
	if (line.drawn)
		fputs("\r\033[K", stderr);
	line.drawn = line.drawn_for_step = 0;
}

void progress_end(void)
{
	/* Ingest's file line outlives the batches stored under it. */
	if (line.drawn_for_step)
		progress_clear();
	line.step = NULL;
}

void progress_plan(uint64_t total_bytes)
{
	line.total = total_bytes;
	line.done = 0;
	clock_gettime(CLOCK_MONOTONIC, &line.planned);
}

void progress_file_done(uint64_t bytes)
{
	line.done += bytes;
}

double progress_overall(uint64_t bytes_in_current, double *seconds_left)
{
	uint64_t done = line.done + bytes_in_current;
	double took = since(&line.planned);

	*seconds_left = -1;
	if (!line.total)
		return -1;
	if (done >= line.total)
		return 1.0;
	if (done > 0 && took > 0)
		*seconds_left = (double)(line.total - done) * took / (double)done;
	return (double)done / (double)line.total;
}
