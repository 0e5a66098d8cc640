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
#include <zlib.h>

#include "ingest.h"
#include "input.h"
#include "logfmt.h"
#include "util.h"

uint64_t ingest_fingerprint(const char *data, size_t len)
{
	uint64_t h = UINT64_C(14695981039346656037);

	while (len--)
		h = (h ^ (unsigned char)*data++) * UINT64_C(1099511628211);
	return h;
}

/*
 * Find the source whose fingerprint matches this content.  Sources seen
 * while they were shorter than INPUT_PREFIX_MAX were fingerprinted on
 * fewer bytes, so every recorded length up to what we have is tried.
 */
static int find_source(struct store *st, const char *prefix, size_t len,
		       struct source *src)
{
	int64_t *lengths;
	size_t count, i;
	int found = 0;

	if (store_fingerprint_lengths(st, (int64_t)len, &lengths, &count))
		return -1;
	for (i = count; i-- > 0 && !found;) {
		uint64_t fp = ingest_fingerprint(prefix, (size_t)lengths[i]);

		found = store_find_source(st, lengths[i], fp, src);
		if (found < 0)
			break;
	}
	free(lengths);
	if (found > 0 && src->fp_len < (int64_t)len) {
		/* The content grew: fingerprint it on more bytes from now on. */
		src->fp_len = (int64_t)len;
		src->fp = ingest_fingerprint(prefix, len);
	}
	return found;
}

struct file_state {
	struct store *st;
	const char *name;
	struct source src;
	struct ingest_result *res;
	uint64_t shown;
};

static int reject_line(struct file_state *fs, uint64_t number, const char *why)
{
	fs->res->rejected++;
	if (++fs->shown <= INGEST_REJECTS_SHOWN)
		error("%s:%llu: rejected: %s", fs->name,
		      (unsigned long long)number, why);
	return store_insert_reject(fs->st, fs->src.id, number, why);
}

/* Parse and store one line; -1 only on a database error. */
static int store_line(struct file_state *fs, struct line *line)
{
	char why[64];
	struct event ev;
	size_t len = line->len;

	if (line->overlong) {
		snprintf(why, sizeof(why), "line longer than %d bytes",
			 INPUT_MAX_LINE);
		return reject_line(fs, line->number, why);
	}
	if (line->cut)
		return reject_line(fs, line->number,
				   "line cut short by unreadable input");
	if (memchr(line->ptr, '\0', len))
		return reject_line(fs, line->number, "line holds NUL bytes");
	if (len > 0 && line->ptr[len - 1] == '\r')
		len--; /* CRLF line endings */
	if (strspn(line->ptr, " \t") >= len)
		return 0; /* blank lines carry nothing to store */
	if (logfmt_parse_line(line->ptr, len, &ev))
		return reject_line(fs, line->number, ev.why);
	if (store_insert_event(fs->st, fs->src.id, line->number, &ev))
		return -1;
	fs->res->events++;
	return 0;
}

/*
 * Skip the lines an earlier run consumed and check that they are the same
 * bytes.  Returns 0 when the rest of the file is new content, 1 when the
 * file ended inside what was consumed (an older copy), -1 when the content
 * differs although the fingerprint matched (reported).
 */
static int skip_consumed(struct file_state *fs, struct input *in,
			 struct line *line, int *have_line)
{
	*have_line = 0;
	while (input_offset(in) < fs->src.bytes) {
		if (!input_next_line(in, line))
			return 1;
		fs->res->lines_read++;
		fs->res->skipped++;
	}
	if (input_offset(in) != fs->src.bytes || input_crc(in) != fs->src.crc) {
		error("%s: content differs from a source ingested earlier that "
		      "starts with the same %lld bytes; not ingested (rename "
		      "cannot explain this: was the file rewritten in place?)",
		      fs->name, (long long)fs->src.fp_len);
		return -1;
	}
	if (fs->src.tail_bytes == 0)
		return 0;
	/* An unterminated last line stored by an earlier run. */
	if (!input_next_line(in, line))
		return 1;
	fs->res->lines_read++;
	if (!line->terminated && !line->overlong && line->len == fs->src.tail_bytes &&
	    (uint32_t)crc32(0L, (const Bytef *)line->ptr, (uInt)line->len) ==
		    fs->src.tail_crc) {
		fs->res->skipped++;
		return 1;
	}
	/* It has grown or changed since: replace what it stored. */
	if (store_forget_line(fs->st, fs->src.id, line->number))
		return -2;
	fs->src.tail_bytes = 0;
	fs->src.tail_crc = 0;
	*have_line = 1;
	return 0;
}

enum ingest_status ingest_file(struct store *st, const char *path,
			       struct ingest_result *res)
{
	const char *name = strcmp(path, "-") ? path : "<stdin>";
	struct file_state fs = {.st = st, .name = name, .res = res};
	struct input *in;
	struct line line;
	const char *prefix, *failure;
	size_t prefix_len;
	int found, have_line, rc;

	memset(res, 0, sizeof(*res));
	if (!(in = input_open(path))) {
		res->failed = 1;
		return INGEST_FILE_FAILED;
	}
	input_prefix(in, &prefix, &prefix_len);
	res->compressed = input_is_gzip(in);
	if (prefix_len == 0) {
		/* Nothing to identify or store; only a read error matters. */
		if ((failure = input_failed(in))) {
			error("%s: %s", name, failure);
			res->failed = 1;
		}
		input_close(in);
		return res->failed ? INGEST_FILE_FAILED : INGEST_OK;
	}
	if (store_begin(st))
		goto store_failed;
	if ((found = find_source(st, prefix, prefix_len, &fs.src)) < 0)
		goto store_failed;
	if (!found) {
		memset(&fs.src, 0, sizeof(fs.src));
		fs.src.fp_len = (int64_t)prefix_len;
		fs.src.fp = ingest_fingerprint(prefix, prefix_len);
		if (store_create_source(st, name, &fs.src))
			goto store_failed;
	}

	rc = skip_consumed(&fs, in, &line, &have_line);
	if (rc == -2)
		goto store_failed;
	if (rc < 0) {
		store_rollback(st);
		input_close(in);
		res->failed = 1;
		return INGEST_FILE_FAILED;
	}
	while (rc == 0 && (have_line || input_next_line(in, &line))) {
		if (!have_line)
			res->lines_read++;
		have_line = 0;
		if (store_line(&fs, &line))
			goto store_failed;
		if (line.terminated) {
			fs.src.lines = line.number;
			fs.src.bytes = input_offset(in);
			fs.src.crc = input_crc(in);
		} else if (!line.cut) {
			/*
			 * The last line has no newline yet: it is stored, but
			 * remembered apart so that a later run can tell whether
			 * the writer completed it.
			 */
			fs.src.tail_bytes = line.len;
			fs.src.tail_crc = line.overlong ? 0 :
				(uint32_t)crc32(0L, (const Bytef *)line.ptr, (uInt)line.len);
		}
	}
	if ((failure = input_failed(in))) {
		error("%s: %s; kept the %llu lines before the damage", name,
		      failure, (unsigned long long)fs.src.lines);
		res->failed = 1;
	}
	if (store_save_source(st, &fs.src, name, res->compressed, failure) ||
	    store_commit(st))
		goto store_failed;
	if (fs.shown > INGEST_REJECTS_SHOWN)
		error("%s: %llu more rejected lines not shown", name,
		      (unsigned long long)(fs.shown - INGEST_REJECTS_SHOWN));
	input_close(in);
	return res->failed ? INGEST_FILE_FAILED : INGEST_OK;

store_failed:
	store_rollback(st);
	input_close(in);
	res->failed = 1;
	return INGEST_STORE_FAILED;
}

static int skip_entry(const struct dirent *entry)
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
		error("%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(sb.st_mode))
		return fn(path, ctx);
	if ((n = scandir(path, &entries, skip_entry, alphasort)) < 0) {
		error("%s: %s", path, strerror(errno));
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
			error("%s: %s", child, strerror(errno));
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
