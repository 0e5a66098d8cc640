/*
 * The reader thread and its bounded queue of batches (see readahead.h).
 * One mutex and one condition variable: the reader waits for a free batch,
 * the caller for a full one, and each wakes the other when it hands one
 * over.  Handing over whole batches keeps the locking to once per thousand
 * lines.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "readahead.h"
#include "util.h"

/* Batches in memory at most: one being filled, one being stored, two queued. */
#define READAHEAD_BATCHES 4
#define BATCH_LINES 1024
/* Bytes of lines kept in a batch's arena; beyond it a line has its own. */
#define ARENA_SIZE (256 * 1024)

struct batch {
	struct parsed_line lines[BATCH_LINES];
	size_t count;
	char arena[ARENA_SIZE];
	size_t used;
	char **extra; /* room given past the arena, freed when recycled */
	size_t extra_count;
};

struct readahead {
	struct input *in;
	readahead_parser parse;
	void *ctx;
	struct line first;
	int has_first;
	pthread_t thread;

	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct batch *all[READAHEAD_BATCHES]; /* allocated as needed */
	size_t allocated;
	struct batch *free[READAHEAD_BATCHES];
	size_t free_count;
	struct batch *full[READAHEAD_BATCHES]; /* a FIFO ring */
	size_t full_head, full_count;
	int done;  /* the reader reached the end of the input */
	/* The caller wants no more lines: written under the lock, and also
	 * read without it between lines, to stop within a line, not a batch. */
	atomic_int stop;

	struct batch *current; /* the caller's batch and its next line */
	size_t next;
};

/* n bytes that live as long as the batch's contents. */
static char *room(struct batch *b, size_t n)
{
	char *p;

	if (ARENA_SIZE - b->used >= n) {
		p = b->arena + b->used;
		b->used += n;
		return p;
	}
	b->extra = xrealloc(b->extra, (b->extra_count + 1) * sizeof(*b->extra));
	p = xmalloc(n ? n : 1);
	b->extra[b->extra_count++] = p;
	return p;
}

static void recycle(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->extra_count; i++)
		free(b->extra[i]);
	free(b->extra);
	b->extra = NULL;
	b->extra_count = 0;
	b->count = 0;
	b->used = 0;
}

/*
 * Make every text of the line's events point into the batch: a parser may
 * leave a value in its own buffer (a decoded %HH, say), which the next
 * line overwrites.  Texts already inside the line's bytes stay.
 */
static void pin_texts(struct batch *b, struct parsed_line *p)
{
	uintptr_t lo = (uintptr_t)p->line.ptr, hi = lo + (p->line.ptr ? p->line.len : 0);
	size_t e, f;

	for (e = 0; e < p->out.count; e++) {
		struct text *t = p->out.event[e].field;

		for (f = 0; f < FIELD_COUNT; f++) {
			uintptr_t at = (uintptr_t)t[f].ptr;
			char *copy;

			if (!t[f].ptr || (at >= lo && at + t[f].len <= hi))
				continue;
			copy = room(b, t[f].len);
			memcpy(copy, t[f].ptr, t[f].len);
			t[f].ptr = copy;
		}
	}
}

/* Copy the line into the batch, note where the input stands, and parse it. */
static void add_line(struct readahead *ra, struct batch *b, const struct line *line)
{
	struct parsed_line *p = &b->lines[b->count++];

	p->line = *line;
	if (line->ptr) {
		p->line.ptr = room(b, line->len);
		memcpy(p->line.ptr, line->ptr, line->len);
	}
	p->offset = p->crc = p->line_crc = 0;
	if (line->terminated) {
		p->offset = input_offset(ra->in);
		p->crc = input_crc(ra->in);
	} else if (!line->cut) {
		/* Taken before the parser unescapes the line in place. */
		p->line_crc = input_line_crc(line);
	}
	ra->parse(ra->ctx, &p->line, &p->out);
	pin_texts(b, p);
}

/* A batch to fill, or NULL when the caller wants no more. */
static struct batch *take_free(struct readahead *ra)
{
	struct batch *b = NULL;

	pthread_mutex_lock(&ra->lock);
	while (!ra->stop && !ra->free_count && ra->allocated == READAHEAD_BATCHES)
		pthread_cond_wait(&ra->changed, &ra->lock);
	if (!ra->stop) {
		if (ra->free_count)
			b = ra->free[--ra->free_count];
		else
			b = ra->all[ra->allocated++] = xcalloc(1, sizeof(*b));
	}
	pthread_mutex_unlock(&ra->lock);
	return b;
}

/* Queue b (if any) for the caller; with done, say nothing follows. */
static void hand_over(struct readahead *ra, struct batch *b, int done)
{
	pthread_mutex_lock(&ra->lock);
	if (b) {
		ra->full[(ra->full_head + ra->full_count) % READAHEAD_BATCHES] = b;
		ra->full_count++;
	}
	ra->done |= done;
	pthread_cond_broadcast(&ra->changed);
	pthread_mutex_unlock(&ra->lock);
}

static void *read_lines(void *arg)
{
	struct readahead *ra = arg;
	struct batch *b = NULL;
	struct line line;
	int have = ra->has_first;

	if (have)
		line = ra->first;
	while (!atomic_load_explicit(&ra->stop, memory_order_relaxed) &&
	       (have || input_next_line(ra->in, &line))) {
		have = 0;
		if (!b && !(b = take_free(ra)))
			break; /* stopped */
		add_line(ra, b, &line);
		if (b->count == BATCH_LINES || b->used >= ARENA_SIZE) {
			hand_over(ra, b, 0);
			b = NULL;
		}
	}
	hand_over(ra, b, 1);
	return NULL;
}

struct readahead *readahead_start(struct input *in, const struct line *first,
				  readahead_parser parse, void *ctx)
{
	struct readahead *ra = xcalloc(1, sizeof(*ra));
	int rc;

	ra->in = in;
	ra->parse = parse;
	ra->ctx = ctx;
	if (first) {
		ra->first = *first;
		ra->has_first = 1;
	}
	pthread_mutex_init(&ra->lock, NULL);
	pthread_cond_init(&ra->changed, NULL);
	if ((rc = pthread_create(&ra->thread, NULL, read_lines, ra)) != 0) {
		error("cannot start the reading thread: %s", strerror(rc));
		pthread_cond_destroy(&ra->changed);
		pthread_mutex_destroy(&ra->lock);
		free(ra);
		return NULL;
	}
	return ra;
}

const struct parsed_line *readahead_next(struct readahead *ra)
{
	if (ra->current && ra->next < ra->current->count)
		return &ra->current->lines[ra->next++];
	pthread_mutex_lock(&ra->lock);
	if (ra->current) {
		recycle(ra->current);
		ra->free[ra->free_count++] = ra->current;
		ra->current = NULL;
		pthread_cond_broadcast(&ra->changed);
	}
	while (!ra->full_count && !ra->done)
		pthread_cond_wait(&ra->changed, &ra->lock);
	if (ra->full_count) {
		ra->current = ra->full[ra->full_head];
		ra->full_head = (ra->full_head + 1) % READAHEAD_BATCHES;
		ra->full_count--;
		ra->next = 0;
	}
	pthread_mutex_unlock(&ra->lock);
	/* A batch is handed over only with a line in it. */
	return ra->current ? &ra->current->lines[ra->next++] : NULL;
}

void readahead_finish(struct readahead *ra)
{
	size_t i;

	pthread_mutex_lock(&ra->lock);
	ra->stop = 1;
	pthread_cond_broadcast(&ra->changed);
	pthread_mutex_unlock(&ra->lock);
	pthread_join(ra->thread, NULL);
	for (i = 0; i < ra->allocated; i++) {
		recycle(ra->all[i]);
		free(ra->all[i]);
	}
	pthread_cond_destroy(&ra->changed);
	pthread_mutex_destroy(&ra->lock);
	free(ra);
}
