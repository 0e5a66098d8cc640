/*
 * Fuzz target, end to end: the input is one log file, ingested into a
 * temporary store, ingested again (which must add nothing), correlated
 * over all time and printed in every output format.  The outputs are
 * checked for what the man page promises: JSON that parses, and table and
 * CSV text with no control character from a log in it.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "correlate.h"
#include "emit.h"
#include "ingest.h"
#include "store_open.h"
#include "verdict.h"

#include "common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * One store for the whole process, emptied after every run: opening a new
 * store (schema and all) for every run halves the rate.  Emptied, it is
 * the same as a new one to camaudit: every table is empty (so rowids
 * start again at 1), the schema version is PRAGMA user_version, and
 * store_rollback() drops the cache of interned strings.  (scan, too, runs
 * many ingests on one store.)  A reproducer run alone gets a new store.
 */
static struct store *shared_store;

static void close_shared_store(void)
{
	store_close(shared_store);
	shared_store = NULL;
}

static struct store *open_store(void)
{
	if (!shared_store) {
		shared_store = store_open(NULL, STORE_TEMPORARY, NULL);
		FUZZ_CHECK(shared_store != NULL);
		atexit(close_shared_store);
	}
	return shared_store;
}

static void empty_store(struct store *st)
{
	static const char *const schemas[] = {"main", "temp"};
	size_t i;

	/* End the audit's read transaction (store_rollback() would also walk
	 * the string cache, which the last line does once). */
	FUZZ_CHECK(store_exec(st, "ROLLBACK; BEGIN", "emptying the store") == 0);
	for (i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
		char *list = sqlite3_mprintf("SELECT name FROM %s.sqlite_master"
					     " WHERE type = 'table'"
					     /* keeps the rules' stamp */
					     " AND name <> 'setting'",
					     schemas[i]);
		sqlite3_stmt *stmt;

		FUZZ_CHECK(list != NULL);
		FUZZ_CHECK(store_prepare_once(st, list, &stmt, NULL, "listing tables") == 0);
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			char *sql = sqlite3_mprintf("DELETE FROM %s.\"%w\"", schemas[i],
						    sqlite3_column_text(stmt, 0));

			FUZZ_CHECK(sql != NULL);
			FUZZ_CHECK(store_exec(st, sql, "emptying a table") == 0);
			sqlite3_free(sql);
		}
		sqlite3_finalize(stmt);
		sqlite3_free(list);
	}
	FUZZ_CHECK(store_exec(st, "COMMIT", "emptying the store") == 0);
	store_rollback(st); /* no transaction now: only forgets interned strings */
}

/* Rows in the event tables, and rejected lines. */
static void count_rows(struct store *st, int64_t *events, int64_t *rejects)
{
	static const char sql[] =
		"SELECT (SELECT count(*) FROM serve) + (SELECT count(*) FROM fill)"
		" + (SELECT count(*) FROM removal) + (SELECT count(*) FROM binding)"
		" + (SELECT count(*) FROM share), (SELECT count(*) FROM reject)";
	sqlite3_stmt *stmt;

	FUZZ_CHECK(store_prepare_once(st, sql, &stmt, NULL, "counting rows") == 0);
	FUZZ_CHECK(sqlite3_step(stmt) == SQLITE_ROW);
	*events = sqlite3_column_int64(stmt, 0);
	*rejects = sqlite3_column_int64(stmt, 1);
	sqlite3_finalize(stmt);
}

/*
 * Length of the valid UTF-8 character at s[0..len), 0 if there is none
 * (written apart from util.c's decoder, which is under test here).
 */
static size_t utf8_length(const unsigned char *s, size_t len, unsigned *cp)
{
	size_t n, i;
	unsigned c;

	if (s[0] < 0x80)
		return *cp = s[0], 1;
	if ((s[0] & 0xe0) == 0xc0)
		n = 2, c = s[0] & 0x1f;
	else if ((s[0] & 0xf0) == 0xe0)
		n = 3, c = s[0] & 0x0f;
	else if ((s[0] & 0xf8) == 0xf0)
		n = 4, c = s[0] & 0x07;
	else
		return 0;
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/*
 * Text safe for a terminal: valid UTF-8 without C0 or C1 controls or DEL,
 * except the row ends ("\n", or "\r\n" with crlf).
 */
static void check_terminal_safe(const char *text, size_t len, int crlf)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;

	while (i < len) {
		unsigned cp;
		size_t n = utf8_length(s + i, len - i, &cp);

		FUZZ_CHECK(n > 0);
		if (cp == '\n')
			FUZZ_CHECK(!crlf || (i > 0 && s[i - 1] == '\r'));
		else if (cp == '\r')
			FUZZ_CHECK(crlf && i + 1 < len && s[i + 1] == '\n');
		else
			FUZZ_CHECK(cp >= 0x20 && cp != 0x7f &&
				   (cp < 0x80 || cp >= 0xa0));
		i += n;
	}
	FUZZ_CHECK(len == 0 || s[len - 1] == '\n');
}

/* A small JSON reader: enough to say whether a text is one valid value. */
struct json {
	const unsigned char *p, *end;
	int depth;
};

static void json_space(struct json *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' ||
				 *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int json_literal(struct json *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n))
		return -1;
	j->p += n;
	return 0;
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

static int json_string(struct json *j)
{
	if (j->p == j->end || *j->p != '"')
		return -1;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned cp;
		size_t n;

		if (*j->p == '\\') {
			int k;

			if (++j->p == j->end)
				return -1;
			if (*j->p == 'u') {
				for (k = 1; k <= 4; k++)
					if (j->p + k >= j->end || !is_hex(j->p[k]))
						return -1;
				j->p += 5;
			} else if (*j->p && strchr("\"\\/bfnrt", *j->p)) {
				j->p++;
			} else {
				return -1;
			}
			continue;
		}
		n = utf8_length(j->p, (size_t)(j->end - j->p), &cp);
		if (n == 0 || cp < 0x20)
			return -1;
		j->p += n;
	}
	if (j->p == j->end)
		return -1;
	j->p++;
	return 0;
}

static int json_number(struct json *j)
{
	const unsigned char *start = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	while (j->p < j->end && ((*j->p >= '0' && *j->p <= '9') ||
				 *j->p == '.' || *j->p == 'e' || *j->p == 'E' ||
				 *j->p == '+' || *j->p == '-'))
		j->p++;
	return j->p > start ? 0 : -1;
}

static int json_value(struct json *j)
{
	int rc = -1;

	json_space(j);
	if (j->p == j->end || ++j->depth > 64)
		return -1;
	if (*j->p == '"') {
		rc = json_string(j);
	} else if (*j->p == '{' || *j->p == '[') {
		unsigned char close = *j->p == '{' ? '}' : ']';
		int object = close == '}';

		j->p++;
		json_space(j);
		if (j->p < j->end && *j->p == close) {
			j->p++;
			rc = 0;
		} else {
			for (;;) {
				if (object) {
					json_space(j);
					if (json_string(j))
						break;
					json_space(j);
					if (j->p == j->end || *j->p++ != ':')
						break;
				}
				if (json_value(j))
					break;
				json_space(j);
				if (j->p < j->end && *j->p == ',') {
					j->p++;
					continue;
				}
				if (j->p < j->end && *j->p == close) {
					j->p++;
					rc = 0;
				}
				break;
			}
		}
	} else if (*j->p == 't') {
		rc = json_literal(j, "true");
	} else if (*j->p == 'f') {
		rc = json_literal(j, "false");
	} else if (*j->p == 'n') {
		rc = json_literal(j, "null");
	} else {
		rc = json_number(j);
	}
	j->depth--;
	return rc;
}

/* NDJSON: one object per line; returns the number of lines. */
static uint64_t check_ndjson(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	uint64_t rows = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		struct json j;

		FUZZ_CHECK(nl != NULL);
		j.p = (const unsigned char *)p;
		j.end = (const unsigned char *)nl;
		j.depth = 0;
		FUZZ_CHECK(j.p < j.end && *j.p == '{');
		FUZZ_CHECK(json_value(&j) == 0);
		json_space(&j);
		FUZZ_CHECK(j.p == j.end);
		rows++;
		p = nl + 1;
	}
	return rows;
}

static int starts_formula(char c)
{
	return c == '=' || c == '+' || c == '-' || c == '@';
}

/*
 * CSV cells, RFC 4180: no cell may start with a character a spreadsheet
 * takes for a formula.  Returns the number of rows.
 */
static uint64_t check_csv(const char *text, size_t len)
{
	size_t i = 0;
	uint64_t rows = 0;

	check_terminal_safe(text, len, 1);
	while (i < len) {
		/* One cell. */
		if (text[i] == '"') {
			i++;
			FUZZ_CHECK(i == len || !starts_formula(text[i]));
			for (;;) {
				FUZZ_CHECK(i < len);
				if (text[i] == '"') {
					if (i + 1 < len && text[i + 1] == '"') {
						i += 2;
						continue;
					}
					i++;
					break;
				}
				i++;
			}
		} else {
			FUZZ_CHECK(!starts_formula(text[i]));
			while (i < len && text[i] != ',' && text[i] != '\r') {
				FUZZ_CHECK(text[i] != '"');
				i++;
			}
		}
		FUZZ_CHECK(i < len);
		if (text[i] == ',') {
			i++;
		} else {
			FUZZ_CHECK(text[i] == '\r' && i + 1 < len && text[i + 1] == '\n');
			i += 2;
			rows++;
		}
	}
	return rows;
}

/* Print the last correlation's findings in one format into memory. */
static uint64_t emit_to_memory(struct store *st, enum emit_format format,
			       char **text, size_t *len)
{
	FILE *out = open_memstream(text, len);
	uint64_t printed = 0;

	FUZZ_CHECK(out != NULL);
	FUZZ_CHECK(emit_findings(st, FINDING_ALL, format, 0, out, &printed) == 0);
	FUZZ_CHECK(fclose(out) == 0);
	return printed;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_scratch_write(data, size);
	struct audit_window window = {INT64_MIN, INT64_MAX, 2000};
	struct audit_summary summary;
	struct ingest_result res, again;
	enum ingest_status status;
	struct store *st;
	int64_t events, rejects, events_again, rejects_again;
	uint64_t printed, findings = 0, checked, differences;
	char *text = NULL;
	size_t len = 0;
	unsigned t;
	int gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;

	st = open_store();

	/* Whatever the log holds, only the file can fail, never the store. */
	status = ingest_file(st, path, "fuzz.log", &res);
	FUZZ_CHECK(status == INGEST_OK || status == INGEST_FILE_FAILED);
	FUZZ_CHECK(res.failed == (status == INGEST_FILE_FAILED));
	FUZZ_CHECK(res.compressed == gzip);
	FUZZ_CHECK(res.skipped == 0);
	FUZZ_CHECK(res.events + res.rejected <= res.lines_read);
	count_rows(st, &events, &rejects);
	FUZZ_CHECK((uint64_t)events == res.events);
	FUZZ_CHECK((uint64_t)rejects == res.rejected);

	/* The same file again adds nothing and loses nothing. */
	status = ingest_file(st, path, "fuzz.log", &again);
	FUZZ_CHECK(status == INGEST_OK || status == INGEST_FILE_FAILED);
	FUZZ_CHECK(again.failed == res.failed);
	FUZZ_CHECK(again.events == 0);
	FUZZ_CHECK(again.lines_read == res.lines_read);
	count_rows(st, &events_again, &rejects_again);
	FUZZ_CHECK(events_again == events && rejects_again == rejects);

	/* The verdicts ingest kept are those a judge from scratch gives. */
	FUZZ_CHECK(store_begin(st) == 0);
	FUZZ_CHECK(verdict_check(st, 0, NULL, NULL, &checked, &differences) == 0);
	FUZZ_CHECK(differences == 0);
	store_rollback(st);

	/* An audit of all time, as `camaudit scan --type all` runs it. */
	FUZZ_CHECK(store_begin_read(st) == 0);
	FUZZ_CHECK(correlate_run(st, &window, CORRELATE_FINDINGS, 0, &summary) == 0);
	FUZZ_CHECK(summary.attributed <= summary.deliveries);
	FUZZ_CHECK(summary.deliveries <= (uint64_t)events);
	for (t = 0; t < FINDING_TYPE_COUNT; t++)
		findings += summary.by_type[t];
	FUZZ_CHECK(findings <= summary.deliveries);

	printed = emit_to_memory(st, EMIT_JSON, &text, &len);
	FUZZ_CHECK(printed == findings);
	check_terminal_safe(text, len, 0);
	FUZZ_CHECK(check_ndjson(text, len) == printed);
	free(text);

	printed = emit_to_memory(st, EMIT_TABLE, &text, &len);
	FUZZ_CHECK(printed == findings);
	check_terminal_safe(text, len, 0);
	free(text);

	printed = emit_to_memory(st, EMIT_CSV, &text, &len);
	FUZZ_CHECK(printed == findings);
	FUZZ_CHECK(check_csv(text, len) == printed + 1); /* and the header */
	free(text);

	empty_store(st);
	return 0;
}
