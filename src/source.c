/*
 * Finding and recording sources.  The head is stored as a blob; lookups
 * go through an index on its first 64 bytes (and a small one for heads
 * shorter than that), and the candidates are then compared in full here.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "input.h"
#include "source.h"
#include "sql.h"
#include "util.h"

/* Bytes of the head that the index covers (see the schema in store.c). */
#define HEAD_KEY 64

#define SOURCE_COLUMNS "id, head, lines, bytes, crc, tail_bytes, tail_crc"

struct ranked {
	struct source src;
	size_t agreed; /* bytes on which head and prefix agree */
};

/* Run a lookup and keep the rows whose head agrees with the prefix. */
static int collect(struct store *st, sqlite3_stmt *stmt,
		   const unsigned char *prefix, size_t len, struct ranked **list,
		   size_t *count)
{
	int rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const void *head = sqlite3_column_blob(stmt, 1);
		size_t head_len = (size_t)sqlite3_column_bytes(stmt, 1);
		size_t agreed = head_len < len ? head_len : len;
		struct ranked *r;
		size_t i;

		if (head_len == 0 || head_len > SOURCE_HEAD_MAX ||
		    memcmp(head, prefix, agreed) != 0)
			continue;
		for (i = 0; i < *count; i++)
			if ((*list)[i].src.id == sqlite3_column_int64(stmt, 0))
				break;
		if (i < *count)
			continue; /* found by both lookups */
		*list = xrealloc(*list, (*count + 1) * sizeof(**list));
		r = &(*list)[(*count)++];
		memset(r, 0, sizeof(*r));
		r->agreed = agreed;
		r->src.id = sqlite3_column_int64(stmt, 0);
		memcpy(r->src.head, head, head_len);
		r->src.head_len = head_len;
		r->src.lines = (uint64_t)sqlite3_column_int64(stmt, 2);
		r->src.bytes = (uint64_t)sqlite3_column_int64(stmt, 3);
		r->src.crc = (uint32_t)sqlite3_column_int64(stmt, 4);
		r->src.tail_bytes = (uint64_t)sqlite3_column_int64(stmt, 5);
		r->src.tail_crc = (uint32_t)sqlite3_column_int64(stmt, 6);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		store_error(st, "looking up a source");
		return -1;
	}
	return 0;
}

static int best_first(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	uint64_t px = x->src.bytes + x->src.tail_bytes;
	uint64_t py = y->src.bytes + y->src.tail_bytes;

	if (x->agreed != y->agreed)
		return x->agreed < y->agreed ? 1 : -1;
	if (px != py)
		return px < py ? 1 : -1;
	return (x->src.id > y->src.id) - (x->src.id < y->src.id);
}

int source_find(struct store *st, const unsigned char *prefix, size_t len,
		struct source **list, size_t *count)
{
	/* Heads of at least HEAD_KEY bytes: by the indexed first 64 bytes. */
	static const char long_sql[] =
		"SELECT " SOURCE_COLUMNS " FROM source"
		" WHERE substr(head, 1, 64) = substr(?1, 1, 64)";
	/* Shorter heads: those that the prefix starts with. */
	static const char short_sql[] =
		"SELECT " SOURCE_COLUMNS " FROM source"
		" WHERE length(head) < 64 AND head = substr(?1, 1, length(head))";
	/* A prefix shorter than HEAD_KEY: any head it starts (rare: tiny files). */
	static const char tiny_sql[] =
		"SELECT " SOURCE_COLUMNS " FROM source"
		" WHERE substr(head, 1, length(?1)) = ?1";
	const char *const queries[] = {len >= HEAD_KEY ? long_sql : tiny_sql,
				       short_sql};
	struct ranked *found = NULL;
	size_t n = 0, i;

	*list = NULL;
	*count = 0;
	for (i = 0; i < ARRAY_SIZE(queries); i++) {
		sqlite3_stmt *stmt = store_prepare(st, queries[i]);

		if (!stmt) {
			free(found);
			return -1;
		}
		sqlite3_bind_blob(stmt, 1, prefix, (int)len, SQLITE_STATIC);
		if (collect(st, stmt, prefix, len, &found, &n)) {
			free(found);
			return -1;
		}
	}
	if (n > 1)
		qsort(found, n, sizeof(*found), best_first);
	if (n > 0) {
		*list = xmalloc(n * sizeof(**list));
		for (i = 0; i < n; i++)
			(*list)[i] = found[i].src;
	}
	*count = n;
	free(found);
	return 0;
}

int source_create(struct store *st, const char *name, struct source *src)
{
	static const char sql[] =
		"INSERT INTO source (name, head, first_ingested_at, last_ingested_at)"
		" VALUES (?1, ?2, ?3, ?3)";
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt)
		return -1;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, src->head, (int)src->head_len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)time(NULL) * 1000);
	if (store_step_done(st, stmt, "recording a source"))
		return -1;
	src->id = store_last_insert_id(st);
	return 0;
}

int source_save(struct store *st, const struct source *src, const char *name,
		int compressed, const char *damaged)
{
	static const char sql[] =
		"UPDATE source SET name = coalesce(?2, name), head = ?3,"
		" lines = ?4, bytes = ?5, crc = ?6, tail_bytes = ?7, tail_crc = ?8,"
		" compressed = ?9, damaged = ?10, last_ingested_at = ?11,"
		" fingerprint = coalesce(fingerprint, ?12),"
		" rejected = (SELECT count(*) FROM reject WHERE source = ?1),"
		/* The serves are read once, for their count and their span. */
		" (events, serve_min_ts, serve_max_ts) = (SELECT s.n"
		"  + (SELECT count(*) FROM fill WHERE id " SOURCE_EVENTS("?1") ")"
		"  + (SELECT count(*) FROM removal WHERE id " SOURCE_EVENTS("?1") ")"
		"  + (SELECT count(*) FROM binding WHERE id " SOURCE_EVENTS("?1") ")"
		"  + (SELECT count(*) FROM share WHERE id " SOURCE_EVENTS("?1") "),"
		"  s.lo, s.hi FROM (SELECT count(*) AS n, min(ts) AS lo, max(ts) AS hi"
		"   FROM serve WHERE id " SOURCE_EVENTS("?1") ") s)"
		" WHERE id = ?1";
	sqlite3_stmt *stmt = store_prepare(st, sql);

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, src->id);
	if (name)
		sqlite3_bind_text(stmt, 2, name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 2);
	sqlite3_bind_blob(stmt, 3, src->head, (int)src->head_len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, (sqlite3_int64)src->lines);
	sqlite3_bind_int64(stmt, 5, (sqlite3_int64)src->bytes);
	sqlite3_bind_int64(stmt, 6, src->crc);
	sqlite3_bind_int64(stmt, 7, (sqlite3_int64)src->tail_bytes);
	sqlite3_bind_int64(stmt, 8, src->tail_crc);
	sqlite3_bind_int(stmt, 9, compressed);
	if (damaged)
		sqlite3_bind_text(stmt, 10, damaged, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 10);
	sqlite3_bind_int64(stmt, 11, (sqlite3_int64)time(NULL) * 1000);
	if (src->has_fingerprint)
		sqlite3_bind_int64(stmt, 12, (sqlite3_int64)src->fingerprint);
	else
		sqlite3_bind_null(stmt, 12);
	return store_step_done(st, stmt, "recording ingest progress");
}

char *source_event_ref(struct store *st, int64_t event)
{
	static const char sql[] = "SELECT name FROM source WHERE id = ?1";
	sqlite3_stmt *stmt = store_prepare(st, sql);
	const char *name = NULL;
	char *safe, *ref;
	size_t len;

	if (stmt) {
		sqlite3_bind_int64(stmt, 1, (int64_t)((uint64_t)event >> 32));
		if (sqlite3_step(stmt) == SQLITE_ROW)
			name = (const char *)sqlite3_column_text(stmt, 0);
	}
	safe = safe_strdup(name ? name : "?");
	if (stmt)
		sqlite3_reset(stmt);
	len = strlen(safe) + 24;
	ref = xmalloc(len);
	snprintf(ref, len, "%s:%llu", safe,
		 (unsigned long long)((uint64_t)event & EVENT_LINE_MAX));
	free(safe);
	return ref;
}

/* The recorded progress of one source; 0 found, 1 none, -1 (reported). */
static int source_load(struct store *st, int64_t id, struct source *src)
{
	static const char sql[] = "SELECT " SOURCE_COLUMNS " FROM source WHERE id = ?1";
	sqlite3_stmt *stmt = store_prepare(st, sql);
	int rc;

	if (!stmt)
		return -1;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		size_t head_len = (size_t)sqlite3_column_bytes(stmt, 1);

		memset(src, 0, sizeof(*src));
		src->id = id;
		if (head_len > SOURCE_HEAD_MAX)
			head_len = SOURCE_HEAD_MAX;
		if (head_len)
			memcpy(src->head, sqlite3_column_blob(stmt, 1), head_len);
		src->head_len = head_len;
		src->lines = (uint64_t)sqlite3_column_int64(stmt, 2);
		src->bytes = (uint64_t)sqlite3_column_int64(stmt, 3);
		src->crc = (uint32_t)sqlite3_column_int64(stmt, 4);
		src->tail_bytes = (uint64_t)sqlite3_column_int64(stmt, 5);
		src->tail_crc = (uint32_t)sqlite3_column_int64(stmt, 6);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		store_error(st, "reading a source");
		return -1;
	}
	return rc == SQLITE_ROW ? 0 : 1;
}

/* Keep a copy of the line (NULL for an overlong one, whose bytes are gone). */
static void keep_line(const struct line *l, char **line, size_t *len)
{
	*line = l->overlong ? NULL : xstrndup(l->ptr, l->len);
	*len = l->overlong ? 0 : l->len;
}

int source_read_line(struct store *st, int64_t id, const char *path,
		     uint64_t number, char **line, size_t *len,
		     enum source_line *found)
{
	struct source *src = xmalloc(sizeof(*src));
	struct input *in;
	struct line l;
	const char *prefix;
	size_t prefix_len;
	int rc;

	*line = NULL;
	*len = 0;
	*found = SOURCE_LINE_UNREADABLE;
	if ((rc = source_load(st, id, src)) != 0 || !path ||
	    !strcmp(path, "<stdin>") || !(in = input_open(path))) {
		free(src);
		return rc < 0 ? -1 : 0;
	}
	*found = SOURCE_LINE_CHANGED;
	/* The head first: a file that starts otherwise is not read further. */
	input_prefix(in, &prefix, &prefix_len);
	if (prefix_len < src->head_len || memcmp(prefix, src->head, src->head_len))
		goto done;
	while (input_offset(in) < src->bytes && input_next_line(in, &l))
		if (l.number == number)
			keep_line(&l, line, len);
	if (input_offset(in) != src->bytes || input_crc(in) != src->crc)
		goto done;
	if (number > src->lines) {
		/* The unterminated last line ingest stored, as it was then. */
		if (number != src->lines + 1 || !src->tail_bytes ||
		    !input_next_line(in, &l) || l.overlong ||
		    l.len != src->tail_bytes || input_line_crc(&l) != src->tail_crc)
			goto done;
		keep_line(&l, line, len);
	}
	*found = SOURCE_LINE_VERIFIED;
done:
	if (*found != SOURCE_LINE_VERIFIED) {
		free(*line);
		*line = NULL;
		*len = 0;
	}
	input_close(in);
	free(src);
	return 0;
}
