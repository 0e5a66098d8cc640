/*
 * Opening a store: connect, then bring the schema and the verdicts up to
 * date.  A store opened for reading that needs either is opened again
 * for writing, as the queries know only the latest tables.
 */
#include "config.h"

#include "schema.h"
#include "store_open.h"
#include "util.h"
#include "verdict.h"

/*
 * The schema, then what a first load deferred (schema_defer_indexes): 0,
 * SCHEMA_OUTDATED when a read-only connection must write to bring either
 * up to date, or -1 (reported).
 */
static int bring_up_to_date(struct store *st, int read_only)
{
	int rc = schema_prepare(st, read_only);

	if (rc)
		return rc;
	/* A first load stopped before its end leaves them for the next. */
	if ((rc = verdict_load_finished(st)) != 0)
		return rc < 0 ? -1 : 0;
	if (read_only)
		return SCHEMA_OUTDATED;
	if (store_read_only(st)) {
		warning("database %s: its indexes or verdicts were never built "
			"and it is not writable here; audits will be slow",
			store_path(st));
		return 0;
	}
	return verdict_finish_load(st);
}

struct store *store_open_wait(const char *path, enum store_mode mode,
			      int64_t wait_ms, enum store_failure *why)
{
	struct store *st = store_connect(path, mode, wait_ms, why);
	int rc;

	if (!st)
		return NULL;
	/* The schema check comes first: it refuses a database that is not
	 * camaudit's before anything (such as the journal mode) is changed. */
	rc = bring_up_to_date(st, mode == STORE_READ);
	if (rc == SCHEMA_OUTDATED) {
		/*
		 * Reading an older store needs its upgrade too.  SQLite opens
		 * a file it may not write read-only, and schema_prepare() or
		 * bring_up_to_date() then says so.
		 */
		if (store_reconnect(st))
			goto fail;
		rc = bring_up_to_date(st, 0);
	}
	if (rc)
		goto fail;
	if ((mode == STORE_WRITE || mode == STORE_UPDATE) &&
	    store_exec(st, "PRAGMA journal_mode = WAL", "enabling write-ahead logging"))
		goto fail;
	return st;
fail:
	store_close_failed(st, why);
	return NULL;
}

struct store *store_open(const char *path, enum store_mode mode, int *missing)
{
	enum store_failure why;
	struct store *st = store_open_wait(path, mode, STORE_WAIT_MS, &why);

	if (missing)
		*missing = !st && why == STORE_MISSING;
	return st;
}
