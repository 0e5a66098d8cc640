/*
 * The ingest pipeline for one file: find its source by content, skip what
 * an earlier run stored, parse and store the rest, and record the progress
 * in the same transaction as the rows, so that a killed run neither loses
 * nor doubles anything: the next run starts from the last commit.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "format.h"
#include "ingest.h"
#include "input.h"
#include "logfmt.h"
#include "progress.h"
#include "readahead.h"
#include "source.h"
#include "util.h"
#include "verdict.h"

struct file_state {
	struct store *st;
	const char *name;     /* for messages: terminal-safe */
	const char *stored;   /* for evidence: the path as given */
	struct source src;
	struct ingest_result *res;
	uint64_t shown;
	int progress_started; /* progress_start and _from are set */
	struct timespec progress_start; /* when the count started */
	uint64_t progress_from; /* file bytes read by then */
	int covered;          /* the file holds all the source had consumed */
	uint64_t first_new;   /* the first line this run stores, 0 if none */
	struct format *format; /* NULL: logfmt, parsed directly */
};

/* Lines between two looks at the clock for the progress display. */
#define PROGRESS_EVERY 65536

/*
 * A file's progress, once a second on a terminal (progress_due): the
 * share of its bytes (compressed ones for gzip) read, the rate and the
 * time left, from what this run read, and the share of all the files when
 * there are several; a line count where the size is unknown (stdin).
 */
static void show_progress(struct file_state *fs, const struct input *in,
			  uint64_t line)
{
	uint64_t done, size;
	double elapsed, rate, overall, left;
	char all[48];

	if (!progress_enabled() || line % PROGRESS_EVERY != 0)
		return;
	if (!fs->progress_started) {
		fs->progress_started = 1;
		clock_gettime(CLOCK_MONOTONIC, &fs->progress_start);
		if (input_position(in, &done, &size) == 0)
			fs->progress_from = done;
		return;
	}
	if ((elapsed = progress_due(&fs->progress_start)) < 0)
		return; /* short files never show a count */
	if (input_position(in, &done, &size) != 0 || size == 0 ||
	    done < fs->progress_from || elapsed <= 0) {
		progress_show("%s: %llu %s...", fs->name, (unsigned long long)line,
			      plural(line, "line", "lines"));
		return;
	}
	rate = (double)(done - fs->progress_from) / elapsed;
	if ((overall = progress_overall(done, &left)) < 0)
		*all = '\0';
	else if (left < 0)
		snprintf(all, sizeof(all), "; %.0f%% of all", 100.0 * overall);
	else
		snprintf(all, sizeof(all), "; %.0f%% of all, %.0f s left",
			 100.0 * overall, left);
	progress_show("%s: %.0f%% of %.1f MiB, %.1f MiB/s, %.0f s left%s",
		      fs->name, 100.0 * (double)done / (double)size,
		      (double)size / 1048576.0, rate / 1048576.0,
		      rate > 0 ? (double)(size - (done < size ? done : size)) / rate
			       : 0.0, all);
}

static int reject_line(struct file_state *fs, uint64_t number, const char *why)
{
	fs->res->rejected++;
	if (++fs->shown <= INGEST_REJECTS_SHOWN) {
		error("%s:%llu: rejected: %s", fs->name,
		      (unsigned long long)number, why);
	}
	return store_insert_reject(fs->st, fs->src.id, number, why);
}

/* Whether s[0..len) holds only spaces and tabs (it is not NUL-terminated). */
static int is_blank(const char *s, size_t len)
{
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return len == 0;
}

/* The reader thread's half of ingest_into (ingest.h). */
void ingest_parse_line(void *ctx, struct line *line, struct format_output *out)
{
	struct format *fmt = ctx;
	size_t len = line->len;
	char *text = line->ptr;

	out->count = 0;
	out->skipped = 0;
	out->nul_bytes = 0;
	out->why[0] = '\0';
	if (line->overlong) {
		snprintf(out->why, sizeof(out->why), "line longer than %d bytes",
			 INPUT_MAX_LINE);
		return;
	}
	if (line->cut) {
		snprintf(out->why, sizeof(out->why), "line cut short by unreadable input");
		return;
	}
	/*
	 * A log truncated under a running writer (copytruncate) gets NUL bytes
	 * up to the writer's old offset before its next line: read the line
	 * after them, and count them.  A NUL anywhere else is damage.
	 */
	while (out->nul_bytes < len && text[out->nul_bytes] == '\0')
		out->nul_bytes++;
	text += out->nul_bytes, len -= out->nul_bytes;
	if (memchr(text, '\0', len)) {
		snprintf(out->why, sizeof(out->why), "line holds NUL bytes");
		return;
	}
	if (len > 0 && text[len - 1] == '\r')
		len--; /* CRLF line endings */
	if (is_blank(text, len))
		return; /* blank lines carry nothing to store */
	if (fmt) {
		format_parse_line(fmt, text, len, out);
	} else if (logfmt_parse_line(text, len, &out->event[0])) {
		snprintf(out->why, sizeof(out->why), "%s", out->event[0].why);
	} else {
		out->count = 1;
	}
}

/* Store what the reader made of one line; -1 only on a database error. */
static int store_parsed(struct file_state *fs, const struct parsed_line *p)
{
	size_t i;

	/* An event's id holds its line number in 32 bits (store.h). */
	if (p->line.number > EVENT_LINE_MAX && p->out.count)
		return reject_line(fs, p->line.number, "past line 4294967295, the "
				   "last one a source can hold (split the file)");
	for (i = 0; i < p->out.count; i++) {
		if (store_insert_event(fs->st, fs->src.id, p->line.number,
				       &p->out.event[i]))
			return -1;
		fs->res->events++;
	}
	fs->res->omitted += p->out.skipped != 0;
	fs->res->nul_bytes += p->out.nul_bytes;
	return p->out.why[0] ? reject_line(fs, p->line.number, p->out.why) : 0;
}

enum attempt {
	ATTEMPT_DONE,
	ATTEMPT_MISMATCH,     /* not this source after all: same start, other content */
	ATTEMPT_FILE_FAILED,  /* the file could not be read again (reported) */
	ATTEMPT_STORE_FAILED
};

/*
 * Skip the lines an earlier run consumed and check that they are the same
 * bytes, then settle the line after them: an unterminated last line stored
 * by the earlier run is skipped when it is unchanged; anything an earlier
 * run stored for that line number (a provisional last line, a line cut
 * short by damage) is dropped before the line is stored again.  Sets
 * *pending when *line holds the first line to store, and *finished when
 * the file holds nothing new (an older copy ends inside what was read).
 */
static enum attempt skip_consumed(struct file_state *fs, struct input *in,
				  struct line *line, int *pending, int *finished)
{
	*pending = *finished = 0;
	fs->covered = 0;
	while (input_offset(in) < fs->src.bytes) {
		if (!input_next_line(in, line)) {
			*finished = 1; /* an earlier, shorter copy */
			return ATTEMPT_DONE;
		}
		fs->res->lines_read++;
		fs->res->skipped++;
		/* A header-driven format still needs the #Fields: lines. */
		if (fs->format && !line->overlong)
			format_observe_line(fs->format, line->ptr, line->len);
	}
	if (input_offset(in) != fs->src.bytes || input_crc(in) != fs->src.crc)
		return ATTEMPT_MISMATCH;
	if (!input_next_line(in, line)) {
		*finished = 1;
		fs->covered = fs->src.tail_bytes == 0;
		return ATTEMPT_DONE;
	}
	fs->covered = 1;
	if (fs->src.tail_bytes && !line->terminated && !line->overlong &&
	    line->len == fs->src.tail_bytes && input_line_crc(line) == fs->src.tail_crc) {
		fs->res->lines_read++;
		fs->res->skipped++;
		*finished = 1;
		return ATTEMPT_DONE;
	}
	if (verdict_note_line(fs->st, fs->src.id, line->number) ||
	    store_forget_line(fs->st, fs->src.id, line->number))
		return ATTEMPT_STORE_FAILED;
	fs->src.tail_bytes = 0;
	fs->src.tail_crc = 0;
	*pending = 1;
	return ATTEMPT_DONE;
}

/*
 * A last line with no newline that yields nothing is most likely still
 * being written: rejected, it was reported again on every run until the
 * writer finished it.  It is left unread for the next run.  Compressed
 * content and a pipe are final: there it is rejected as any other line.
 */
int ingest_line_unfinished(struct input *in, const struct parsed_line *p)
{
	return !p->line.terminated && !p->line.cut && !p->line.overlong &&
	       p->out.count == 0 && !input_is_gzip(in) && input_rereadable(in);
}

int ingest_refuse_container(const char *name, const unsigned char *prefix,
			    size_t len, int compressed)
{
	const char *container, *way_out;

	if (!input_container(prefix, len, &container, &way_out))
		return 0;
	error("%s: %s%s, not a log; %s", name,
	      compressed ? "gzip-compressed, " : "", container, way_out);
	return 1;
}

/*
 * Read the rest of the file into fs->src, recording progress as it goes.
 * A second thread reads and parses the lines (readahead.c) while this one
 * stores them.
 */
static enum attempt ingest_into(struct file_state *fs, struct input *in)
{
	struct line line;
	const struct parsed_line *p;
	struct readahead *ra;
	int pending, finished;
	enum attempt rc = skip_consumed(fs, in, &line, &pending, &finished);

	if (rc != ATTEMPT_DONE || finished)
		return rc;
	fs->first_new = pending ? line.number : fs->src.lines + 1;
	if (!(ra = readahead_start(in, pending ? &line : NULL, ingest_parse_line,
				   fs->format)))
		return ATTEMPT_FILE_FAILED;
	while (rc == ATTEMPT_DONE && (p = readahead_next(ra))) {
		fs->res->lines_read++;
		if (ingest_line_unfinished(in, p)) {
			fs->res->provisional = 1;
			continue;
		}
		if (p->line.terminated) {
			fs->src.lines = p->line.number;
			fs->src.bytes = p->offset;
			fs->src.crc = p->crc;
		} else if (!p->line.cut) {
			/*
			 * The last line has no newline yet: it is stored, but
			 * remembered apart so that a later run can tell whether
			 * the writer completed it.
			 */
			fs->src.tail_bytes = p->line.len;
			fs->src.tail_crc = p->line_crc;
		}
		if (store_parsed(fs, p))
			rc = ATTEMPT_STORE_FAILED;
		show_progress(fs, in, p->line.number);
	}
	readahead_finish(ra);
	return rc;
}

/* The file being ingested and the first bytes of its content. */
struct opened {
	struct input *in;
	unsigned char prefix[SOURCE_HEAD_MAX];
	size_t prefix_len;
};

/* Open path and read its first bytes; -1 (reported) when it cannot be. */
static int open_file(const char *path, const char *name, struct opened *f)
{
	const char *data;

	if (!(f->in = input_open(path))) {
		error("%s: %s", name, strerror(errno));
		return -1;
	}
	input_prefix(f->in, &data, &f->prefix_len);
	if (f->prefix_len > SOURCE_HEAD_MAX)
		f->prefix_len = SOURCE_HEAD_MAX;
	memcpy(f->prefix, data, f->prefix_len);
	return 0;
}

/*
 * Read the file again from its start, for the next candidate source.
 * Only a regular file can be: a pipe, a FIFO or a terminal gives its
 * bytes once.  Returns -1 (reported) when it cannot be read again.
 */
static int reopen_file(const char *path, const char *name, struct opened *f)
{
	struct opened again;

	if (!input_rereadable(f->in)) {
		error("%s: starts like an earlier source but differs from it; a "
		      "pipe cannot be read twice, so nothing was ingested (give "
		      "the file by name)", name);
		return -1;
	}
	input_close(f->in);
	f->in = NULL;
	if (open_file(path, name, &again))
		return -1;
	if (again.prefix_len != f->prefix_len ||
	    memcmp(again.prefix, f->prefix, f->prefix_len)) {
		error("%s: changed while it was being read; nothing was ingested",
		      name);
		input_close(again.in);
		return -1;
	}
	f->in = again.in;
	return 0;
}

/*
 * Ingest into the first candidate source that this content continues,
 * else into a new source.  A candidate whose consumed bytes differ is
 * another log with the same beginning (a long shared header), and the
 * file is read again for the next one.
 */
static enum attempt ingest_candidates(struct file_state *fs, const char *path,
				      struct opened *f, const struct source *candidates,
				      size_t count)
{
	enum attempt rc = ATTEMPT_MISMATCH;
	size_t i;

	for (i = 0; i <= count && rc == ATTEMPT_MISMATCH; i++) {
		if (i > 0) {
			memset(fs->res, 0, sizeof(*fs->res));
			if (reopen_file(path, fs->name, f))
				return ATTEMPT_FILE_FAILED;
			fs->res->compressed = input_is_gzip(f->in);
		}
		if (i < count) {
			fs->src = candidates[i];
		} else {
			memset(&fs->src, 0, sizeof(fs->src));
			memcpy(fs->src.head, f->prefix, f->prefix_len);
			fs->src.head_len = f->prefix_len;
			if (source_create(fs->st, fs->stored, &fs->src))
				return ATTEMPT_STORE_FAILED;
			if (count > 0)
				warning("%s: starts like an earlier source but differs "
					"from it; ingested as a new source", fs->name);
		}
		if (fs->format)
			format_begin_file(fs->format);
		fs->first_new = 0;
		rc = ingest_into(fs, f->in);
	}
	/* The verdicts the new events change, in the file's transaction. */
	if (rc == ATTEMPT_DONE && fs->first_new &&
	    verdict_update(fs->st, fs->src.id, fs->first_new))
		rc = ATTEMPT_STORE_FAILED;
	return rc;
}

enum ingest_status ingest_file(struct store *st, const char *path,
			       const char *shown, struct ingest_result *res)
{
	return ingest_file_as(st, path, shown, NULL, res);
}

void ingest_how_read(char out[INGEST_HOW_SIZE], int compressed,
		     const char *format)
{
	if (format && !strcmp(format, "logfmt"))
		format = NULL;
	out[0] = '\0';
	if (compressed || format)
		snprintf(out, INGEST_HOW_SIZE, " (%s%s%s)", compressed ? "gzip" : "",
			 compressed && format ? ", " : "", format ? format : "");
}

void ingest_write_notes(FILE *out, uint64_t omitted, uint64_t nul_bytes,
			int unfinished)
{
	/* Said only when they happen, so that the usual line stays the same. */
	if (omitted)
		fprintf(out, ", %llu skipped by the format",
			(unsigned long long)omitted);
	if (nul_bytes)
		fprintf(out, ", %llu NUL %s passed over",
			(unsigned long long)nul_bytes,
			plural(nul_bytes, "byte", "bytes"));
	if (unfinished)
		fputs("; the last line, unfinished, is left for the next run", out);
}

struct format *ingest_choose_format(const struct format_choice *formats,
				    const char *prefix, size_t len, const char *name)
{
	struct format *fmt;
	char first[96];

	if (formats->forced)
		return formats->forced;
	fmt = format_sniff(formats->set, prefix, len, len < INPUT_PREFIX_MAX,
			   first, sizeof(first), NULL, NULL);
	if (!fmt)
		error("%s: no input format matches its first lines; the first is "
		      "'%s' (name one with --input-format, or see 'camaudit "
		      "formats test')", name, first);
	return fmt;
}

enum ingest_status ingest_file_as(struct store *st, const char *path,
				  const char *shown,
				  const struct format_choice *formats,
				  struct ingest_result *res)
{
	int from_stdin = !strcmp(path, "-");
	const char *name = shown;
	struct file_state fs = {.st = st, .name = shown, .res = res,
				.stored = from_stdin ? "<stdin>" : path};
	struct source *candidates = NULL;
	struct opened f;
	const char *failure, *used = NULL;
	size_t count = 0;
	enum attempt rc;

	memset(res, 0, sizeof(*res));
	if (open_file(path, name, &f)) {
		res->failed = 1;
		return INGEST_FILE_FAILED;
	}
	res->compressed = input_is_gzip(f.in);
	if (ingest_refuse_container(name, f.prefix, f.prefix_len, res->compressed)) {
		input_close(f.in);
		res->failed = 1;
		return INGEST_FILE_FAILED;
	}
	if (f.prefix_len == 0) {
		/* Nothing to identify or store; only a read error matters. */
		if ((failure = input_failed(f.in))) {
			error("%s: %s", name, failure);
			res->failed = 1;
		}
		input_close(f.in);
		return res->failed ? INGEST_FILE_FAILED : INGEST_OK;
	}
	if (formats) {
		struct format *fmt = ingest_choose_format(formats,
				(const char *)f.prefix, f.prefix_len, name);

		if (!fmt) {
			input_close(f.in);
			res->failed = 1;
			return INGEST_FILE_FAILED;
		}
		res->format = used = format_name(fmt);
		fs.format = format_is_logfmt(fmt) ? NULL : fmt;
	}
	if (store_begin(st) || source_find(st, f.prefix, f.prefix_len,
					   &candidates, &count)) {
		rc = ATTEMPT_STORE_FAILED;
	} else {
		rc = ingest_candidates(&fs, path, &f, candidates, count);
		res->format = used; /* a retry clears res */
	}
	free(candidates);
	progress_clear(); /* erase the file's line, if shown */
	if (rc != ATTEMPT_DONE) {
		store_rollback(st);
		input_close(f.in);
		res->failed = 1;
		return rc == ATTEMPT_STORE_FAILED ? INGEST_STORE_FAILED
						  : INGEST_FILE_FAILED;
	}

	if ((failure = input_failed(f.in))) {
		error("%s: %s; kept the %llu %s before the damage", name,
		      failure, (unsigned long long)fs.src.lines,
		      plural(fs.src.lines, "line", "lines"));
		res->failed = 1;
	}
	/*
	 * A file that holds all the source had consumed names it from now on
	 * (evidence should point at a file that has the line) and lengthens
	 * its head; an earlier, shorter copy changes neither.  Standard input
	 * has no name worth keeping.
	 */
	if (fs.covered && f.prefix_len > fs.src.head_len) {
		memcpy(fs.src.head, f.prefix, f.prefix_len);
		fs.src.head_len = f.prefix_len;
	}
	fs.src.has_fingerprint = input_fingerprint(f.in, &fs.src.fingerprint);
	if (source_save(st, &fs.src, fs.covered && !from_stdin ? fs.stored : NULL,
			res->compressed, failure) ||
	    store_commit(st)) {
		store_rollback(st);
		input_close(f.in);
		res->failed = 1;
		return INGEST_STORE_FAILED;
	}
	if (fs.shown > INGEST_REJECTS_SHOWN)
		error("%s: %llu more rejected %s not shown", name,
		      (unsigned long long)(fs.shown - INGEST_REJECTS_SHOWN),
		      plural(fs.shown - INGEST_REJECTS_SHOWN, "line", "lines"));
	input_close(f.in);
	return res->failed ? INGEST_FILE_FAILED : INGEST_OK;
}

/* "camaudit: PATH: strerror(errno)", with the path made terminal-safe. */
static void report_path_error(const char *path)
{
	int saved = errno;
	char *shown = safe_strdup(path);

	error("%s: %s", shown, strerror(saved));
	free(shown);
}

static int keep_entry(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

int ingest_expand(const char *path, int (*fn)(const char *file, void *ctx),
		  void *ctx)
{
	struct dirent **entries;
	struct stat sb;
	int n, i, rc = 0;

	if (!strcmp(path, "-"))
		return fn(path, ctx);
	if (stat(path, &sb) != 0) {
		report_path_error(path);
		return -1;
	}
	if (!S_ISDIR(sb.st_mode))
		return fn(path, ctx);
	if ((n = scandir(path, &entries, keep_entry, alphasort)) < 0) {
		report_path_error(path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		size_t len = strlen(path) + strlen(entries[i]->d_name) + 2;
		char *child = xmalloc(len);
		struct stat csb;
		int sep = path[strlen(path) - 1] != '/';

		snprintf(child, len, "%s%s%s", path, sep ? "/" : "",
			 entries[i]->d_name);
		/* Follow links to files, but never into linked directories. */
		if (lstat(child, &csb) != 0) {
			report_path_error(child);
			rc = -1;
		} else if (S_ISDIR(csb.st_mode)) {
			rc |= ingest_expand(child, fn, ctx);
		} else if (S_ISREG(csb.st_mode) ||
			   (S_ISLNK(csb.st_mode) && stat(child, &csb) == 0 &&
			    S_ISREG(csb.st_mode))) {
			rc |= fn(child, ctx);
		}
		free(child);
		free(entries[i]);
	}
	free(entries);
	return rc ? -1 : 0;
}
