/*
 * The SQLite store: the connection, statements and transactions, the
 * interned-string table, inserts of events and rejects, and the
 * per-source progress records that make re-ingesting idempotent.  The
 * tables are schema.c's (documented in the man page, FILES), and
 * store_open.h opens a store ready for use.  Every value from a log
 * reaches SQLite as a bound parameter.
 */
#ifndef CAMAUDIT_STORE_H
#define CAMAUDIT_STORE_H

#include <stdint.h>
#include <sqlite3.h>

#include "event.h"
#include "sql.h" /* the SQL fragments of events, windows and names */

/*
 * An event's id is where it was read: its source's id in the high 32
 * bits, its line number in the low 32 (schema version 3).  The id is the
 * evidence, costs no index, and orders events as their logs do.
 */
#define EVENT_LINE_MAX UINT64_C(4294967295)
#define EVENT_ID(source, line) \
	((int64_t)(((uint64_t)(source) << 32) | (uint64_t)(line)))
/* How long a writer waits by default for another camaudit (--wait). */
#define STORE_WAIT_MS 60000

enum store_mode {
	STORE_READ,      /* existing database, read-only (audit, status) */
	STORE_UPDATE,    /* existing database, read-write (audit --new, prune) */
	STORE_WRITE,     /* create if missing, read-write (ingest) */
	STORE_TEMPORARY  /* private database deleted on close (scan) */
};

/* Why a store failed to open, for the command to pick an exit status. */
enum store_failure {
	STORE_FAILED = 1,  /* reported: cannot open, not camaudit's, ... */
	STORE_MISSING,     /* reported: the database does not exist */
	STORE_BUSY         /* reported: another writer held it past the wait */
};

struct store;

/*
 * The connection alone, with the settings every store uses: what
 * store_open() (store_open.h) makes, before it checks and brings the
 * schema up to date.  Path is ignored for STORE_TEMPORARY; a new database
 * file is created with mode 0600, as it records who watched whose camera.
 * Reports and returns NULL on failure, with *why (if not NULL) set.
 */
struct store *store_connect(const char *path, enum store_mode mode,
			    int64_t wait_ms, enum store_failure *why);
/* Open the same file again for writing (SQLite falls back to reading
 * where it may not write: store_read_only() then says so); 0 or -1. */
int store_reconnect(struct store *st);
/* Close a store that failed to open, setting *why to STORE_BUSY when the
 * failure was another writer's lock. */
void store_close_failed(struct store *st, enum store_failure *why);
/*
 * Whether the last error was SQLite's "database is locked" after waiting:
 * the command then exits with EXIT_BUSY.
 */
int store_busy(const struct store *st);
void store_close(struct store *st);
/*
 * Close st, and remove the database when this process created it and no
 * file was ever ingested into it (a run that failed before storing
 * anything), unless another connection has it open; 1 when removed.
 */
int store_close_discarding_unused(struct store *st);
const char *store_path(const struct store *st);
/* Whether the database cannot be written here (read-only file or media). */
int store_read_only(struct store *st);

/*
 * Whether path is the store's own database file or one of SQLite's files
 * beside it (-wal, -shm, -journal): ingesting those would read the store
 * into itself.
 */
int store_owns_file(const struct store *st, const char *path);

/* Transactions.  store_begin takes the write lock at once; store_begin_read
 * gives one consistent snapshot to several statements (WAL readers never
 * block writers). */
int store_begin(struct store *st);
int store_begin_read(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* Run sql (no results); on error report "WHAT: MESSAGE" and return -1. */
int store_exec(struct store *st, const char *sql, const char *what);

/* Report the last SQLite error as "database PATH: WHAT: MESSAGE". */
void store_error(struct store *st, const char *what);

/*
 * Every statement goes through these, which store the batched events
 * first (see store_insert_event()): nothing reads or writes the store
 * without the events given before it.
 *
 * store_prepare(): prepare sql once and keep it for the life of the store,
 * found again by the address of sql (a static string); the caller resets
 * it after stepping.  NULL on error (reported).
 *
 * store_prepare_once(): prepare the first statement of sql for one run;
 * the caller finalizes *stmt (sqlite3_finalize).  *stmt is NULL when sql
 * holds only blanks or comments; *tail, when tail is not NULL, is where
 * the next statement starts.  0, or -1 reported as "WHAT: MESSAGE".
 */
sqlite3_stmt *store_prepare(struct store *st, const char *sql);
int store_prepare_once(struct store *st, const char *sql, sqlite3_stmt **stmt,
		       const char **tail, const char *what);

/* Bind value to the parameter called name (":since"), if sql has one. */
void store_bind_named(sqlite3_stmt *stmt, const char *name, int64_t value);

/* Step a statement that returns no rows and reset it; reports errors. */
int store_step_done(struct store *st, sqlite3_stmt *stmt, const char *what);

/* The rows that the last INSERT, UPDATE or DELETE changed. */
int64_t store_changes(struct store *st);
/* The rowid of the last row inserted (an INTEGER PRIMARY KEY). */
int64_t store_last_insert_id(struct store *st);

/* Drop what line `line` of a source stored (a provisional last line). */
int store_forget_line(struct store *st, int64_t source, uint64_t line);

/*
 * Store an event of line `line` of a source.  It may wait in a batch (see
 * store.c) until any other statement runs, through store_prepare(),
 * store_prepare_once() or store_exec(), which store it first; store_rollback() drops
 * it with the transaction.
 */
int store_insert_event(struct store *st, int64_t source, uint64_t line,
		       const struct event *ev);
int store_insert_reject(struct store *st, int64_t source, uint64_t line,
			const char *reason);

#endif
