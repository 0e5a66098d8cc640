/*
 * Unit tests for the store's writes: events wait in a batch per kind
 * (store.c), so these check that every event given reaches its table as
 * given, whatever the batch size and however the kinds interleave, and
 * that anything else done meanwhile sees them first (store_prepare,
 * store_prepare_once, store_exec).
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "store_fixture.h"

/* One integer from sql, run through the store (which stores the batch). */
static int64_t value(struct fixture *fx, const char *sql)
{
	sqlite3_stmt *stmt = store_prepare(fx->st, sql);
	int64_t v;

	assert_non_null(stmt);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return v;
}

/* The text of one row's column (a fresh string), NULL for NULL. */
static char *text(struct fixture *fx, const char *sql)
{
	sqlite3_stmt *stmt = store_prepare(fx->st, sql);
	const unsigned char *t;
	char *copy;

	assert_non_null(stmt);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	t = sqlite3_column_text(stmt, 0);
	copy = t ? strdup((const char *)t) : NULL;
	sqlite3_reset(stmt);
	return copy;
}

static void add_serves(struct fixture *fx, int n)
{
	char line[160];
	int i;

	for (i = 1; i <= n; i++) {
		snprintf(line, sizeof(line), "ts=2019-12-26T08:00:%02d.%03dZ req=r%d "
			 "account=acct-%d key=k%d node=n1 status=200", i / 1000 % 60,
			 i % 1000, i, i % 5, i % 3);
		add(fx, RELAY_LOG, line);
	}
}

/* Around the batch size (32), every serve is stored once, as given. */
static void test_every_batch_size_stores_every_serve(void **state)
{
	static const int sizes[] = {1, 31, 32, 33, 64, 65, 100};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct fixture *fx;
		int n = sizes[i];
		char *req, *account;

		setup((void **)&fx);
		add_serves(fx, n);
		assert_int_equal(value(fx, "SELECT count(*) FROM serve"), n);
		assert_int_equal(value(fx, "SELECT count(DISTINCT line) FROM serve"), n);
		assert_int_equal(value(fx, "SELECT sum(line) FROM serve"),
				 (int64_t)n * (n + 1) / 2);
		/* The last serve, which may have waited alone in its batch. */
		req = text(fx, "SELECT req FROM serve ORDER BY line DESC LIMIT 1");
		account = text(fx, "SELECT a.text FROM serve s JOIN atom a"
			       " ON a.id = s.account ORDER BY s.line DESC LIMIT 1");
		assert_non_null(req);
		assert_non_null(account);
		assert_int_equal(atoi(req + 1), n);
		assert_int_equal(atoi(account + 5), n % 5);
		free(req);
		free(account);
		teardown((void **)&fx);
	}
}

static void test_columns_keep_their_types(void **state)
{
	struct fixture *fx = *state;
	char *s;

	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:00Z req=r1 account=a key=k "
	    "status=200 frame=007");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:01Z req=r2 account=a key=k "
	    "status=2xx");
	assert_int_equal(value(fx, "SELECT status FROM serve WHERE req = 'r1'"), 200);
	assert_int_equal(value(fx, "SELECT typeof(status) = 'integer' FROM serve"
			       " WHERE req = 'r1'"), 1);
	s = text(fx, "SELECT status FROM serve WHERE req = 'r2'");
	assert_string_equal(s, "2xx");
	free(s);
	s = text(fx, "SELECT frame FROM serve WHERE req = 'r1'");
	assert_string_equal(s, "007");
	free(s);
	assert_int_equal(value(fx, "SELECT frame IS NULL AND node IS NULL FROM serve"
			       " WHERE req = 'r2'"), 1);
}

/* A line forgotten while its serve still waits in the batch is gone. */
static void test_forgetting_a_waiting_serve(void **state)
{
	struct fixture *fx = *state;

	add_serves(fx, 3);
	assert_int_equal(store_forget_line(fx->st, fx->source[RELAY_LOG], 2), 0);
	assert_int_equal(value(fx, "SELECT count(*) FROM serve"), 2);
	assert_int_equal(value(fx, "SELECT count(*) FROM serve WHERE line = 2"), 0);
}

/* Kinds interleaved fill their batches apart, and each row is stored. */
static void test_kinds_interleaved(void **state)
{
	struct fixture *fx = *state;
	char line[160];
	int i;

	for (i = 0; i < 40; i++) {
		snprintf(line, sizeof(line), "ts=2019-12-26T08:00:%02dZ req=r%d "
			 "account=acct-%d key=k%d node=n1", i, i, i % 3, i % 4);
		add(fx, RELAY_LOG, line);
		snprintf(line, sizeof(line), "ts=2019-12-26T08:00:%02dZ op=fill "
			 "node=n1 key=k%d device=cam-%d frame=f%d ttl_ms=60000",
			 i, i % 4, i % 4, i);
		add(fx, CACHE_LOG, line);
		snprintf(line, sizeof(line), "ts=2019-12-26T08:00:%02dZ op=%s "
			 "node=n1 key=k%d", i, i % 2 ? "expire" : "purge", i % 4);
		add(fx, CACHE_LOG, line);
		snprintf(line, sizeof(line), "ts=2019-12-26T08:00:%02dZ op=%s "
			 "device=cam-%d account=acct-%d", i, i % 2 ? "unbind" : "bind",
			 i % 4, i % 3);
		add(fx, REGISTRY_LOG, line);
		snprintf(line, sizeof(line), "ts=2019-12-26T08:00:%02dZ op=%s "
			 "device=cam-%d account=acct-%d", i, i % 2 ? "unshare" : "share",
			 i % 4, i % 3);
		add(fx, REGISTRY_LOG, line);
	}
	assert_int_equal(value(fx, "SELECT count(*) FROM serve"), 40);
	assert_int_equal(value(fx, "SELECT count(*) FROM fill"), 40);
	assert_int_equal(value(fx, "SELECT count(*) FROM removal"), 40);
	assert_int_equal(value(fx, "SELECT count(*) FROM binding"), 40);
	assert_int_equal(value(fx, "SELECT count(*) FROM share"), 40);
	/* Each row holds its own line's values: the lines run 1 to 200. */
	assert_int_equal(value(fx, "SELECT sum(line) FROM (SELECT line FROM serve"
			       " UNION ALL SELECT line FROM fill UNION ALL SELECT line"
			       " FROM removal UNION ALL SELECT line FROM binding"
			       " UNION ALL SELECT line FROM share)"), 200 * 201 / 2);
	assert_int_equal(value(fx, "SELECT count(*) FROM fill WHERE frame ="
			       " 'f' || ((line - 2) / 5) AND ttl_ms = 60000"), 40);
	assert_int_equal(value(fx, "SELECT count(*) FROM removal WHERE op ="
			       " CASE (line - 3) / 5 % 2 WHEN 1 THEN 'expire' ELSE 'purge' END"),
			 40);
	assert_int_equal(value(fx, "SELECT count(*) FROM binding"
			       " WHERE bound = ((line - 4) / 5 % 2 = 0)"), 40);
	assert_int_equal(value(fx, "SELECT count(*) FROM share"
			       " WHERE granted = ((line - 5) / 5 % 2 = 0)"), 40);
}

/* A rollback drops the events waiting with the rest of the transaction. */
static void test_rollback_drops_waiting_serves(void **state)
{
	struct fixture *fx = *state;

	add_serves(fx, 5);
	store_rollback(fx->st);
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(value(fx, "SELECT count(*) FROM serve"), 0);
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:00Z req=after account=a key=k");
	assert_int_equal(value(fx, "SELECT count(*) FROM serve"), 1);
}

/* A commit stores the events still waiting. */
static void test_commit_stores_waiting_serves(void **state)
{
	struct fixture *fx = *state;

	add_serves(fx, 3);
	assert_int_equal(store_commit(fx->st), 0);
	store_rollback(fx->st); /* would drop any serve still waiting */
	assert_int_equal(store_begin(fx->st), 0);
	assert_int_equal(value(fx, "SELECT count(*) FROM serve"), 3);
}

/*
 * One serve given to the store and not yet stored: it waits alone in its
 * batch of 32, and nothing has run since (add() runs verdict_update(),
 * which would store it).
 */
static void add_waiting_serve(struct fixture *fx, const char *req)
{
	char line[128];
	struct event ev;

	snprintf(line, sizeof(line), "ts=2019-12-26T08:00:00Z req=%s account=a key=k",
		 req);
	assert_int_equal(logfmt_parse_line(line, strlen(line), &ev), 0);
	assert_int_equal(store_insert_event(fx->st, fx->source[RELAY_LOG],
					    ++fx->line, &ev), 0);
}

/*
 * A statement prepared for one run sees the events still waiting in
 * their batch, as store.h promises for every statement: the serve is in
 * the table only if store_prepare_once() stored the batch before it.
 */
static void test_a_statement_prepared_once_sees_waiting_events(void **state)
{
	struct fixture *fx = *state;
	sqlite3_stmt *stmt;

	add_waiting_serve(fx, "waiting");
	assert_int_equal(store_prepare_once(fx->st, "SELECT count(*), max(req)"
					    " FROM serve", &stmt, NULL,
					    "counting serves"), 0);
	assert_non_null(stmt);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(stmt, 0), 1);
	assert_string_equal((const char *)sqlite3_column_text(stmt, 1), "waiting");
	sqlite3_finalize(stmt);
}

/*
 * A script is prepared a statement at a time, each after the events
 * given before it; the tail of the last holds no statement.
 */
static void test_a_script_is_prepared_statement_by_statement(void **state)
{
	struct fixture *fx = *state;
	const char *next = "CREATE TEMP TABLE counted AS SELECT count(*) AS n"
			   " FROM serve;\n SELECT n FROM temp.counted; -- done\n";
	sqlite3_stmt *stmt;

	add_waiting_serve(fx, "first");
	assert_int_equal(store_prepare_once(fx->st, next, &stmt, &next, "counting"), 0);
	assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
	sqlite3_finalize(stmt);
	add_waiting_serve(fx, "second");
	assert_int_equal(store_prepare_once(fx->st, next, &stmt, &next, "reading"), 0);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(stmt, 0), 1);
	sqlite3_finalize(stmt);
	assert_int_equal(value(fx, "SELECT count(*) FROM serve"), 2);
	assert_int_equal(store_prepare_once(fx->st, next, &stmt, &next, "ending"), 0);
	assert_null(stmt);
}

/* A statement that SQLite refuses is reported, and no statement is made. */
static void test_a_bad_statement_prepared_once_fails(void **state)
{
	struct fixture *fx = *state;
	sqlite3_stmt *stmt = (sqlite3_stmt *)state; /* not NULL */

	assert_int_equal(store_prepare_once(fx->st, "SELECT nothing FROM nowhere",
					    &stmt, NULL, "testing"), -1);
	assert_null(stmt);
}

/* What the last change did, and the id of the last row inserted. */
static void test_changes_and_last_insert_id(void **state)
{
	struct fixture *fx = *state;
	int64_t id;

	add_serves(fx, 3);
	assert_int_equal(store_exec(fx->st, "DELETE FROM serve WHERE line > 1",
				    "deleting"), 0);
	assert_int_equal(store_changes(fx->st), 2);
	assert_int_equal(store_exec(fx->st, "INSERT INTO atom (text)"
				    " VALUES ('brand-new')", "inserting"), 0);
	id = store_last_insert_id(fx->st);
	assert_int_equal(value(fx, "SELECT id FROM atom WHERE text = 'brand-new'"), id);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_batch_size_stores_every_serve),
		T(test_columns_keep_their_types),
		T(test_forgetting_a_waiting_serve),
		T(test_kinds_interleaved),
		T(test_rollback_drops_waiting_serves),
		T(test_commit_stores_waiting_serves),
		T(test_a_statement_prepared_once_sees_waiting_events),
		T(test_a_script_is_prepared_statement_by_statement),
		T(test_a_bad_statement_prepared_once_fails),
		T(test_changes_and_last_insert_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
