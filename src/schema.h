/*
 * The store's schema: the tables and views of each version and the
 * migrations between them (schema.c).  Documented in the man page, FILES.
 */
#ifndef CAMAUDIT_SCHEMA_H
#define CAMAUDIT_SCHEMA_H

#include "store.h"

/* The schema version this camaudit writes. */
int schema_latest(void);

/*
 * Bring an open database to the latest version, creating it in an empty
 * database.  A read-only store is only checked: it must be a camaudit
 * database no newer than this camaudit, and SCHEMA_OUTDATED (not
 * reported) says it is older and must be opened for writing to be
 * brought up to date.  Returns 0, SCHEMA_OUTDATED or -1 (reported).
 * The migrations leave the verdicts stale where they change them, for
 * store_open() to judge (verdict.h).
 */
#define SCHEMA_OUTDATED 1
int schema_prepare(struct store *st, int read_only);

/*
 * Before a load: when the store holds no serves, fills or removals yet
 * (a registry, however large, is small beside them), drop the secondary
 * indexes and mark the verdicts stale, for verdict_finish_load() to build
 * them once after the rows are in.  Until then the store is correct but
 * slow to audit, and any command that opens it for writing finishes the
 * load.  Otherwise, give the connection a larger page cache for the
 * inserts into large indexes.  Each is its own transaction; 0 or -1
 * (reported).
 */
int schema_defer_indexes(struct store *st);

/* The indexes of the correlation: how many are missing (or -1), and
 * creating them, in the caller's transaction. */
int schema_missing_indexes(struct store *st);
int schema_create_indexes(struct store *st);

/*
 * The stamp of the stored verdicts (verdict.h), in the caller's
 * transaction: whether they were judged by this camaudit's rules and
 * skew (1, 0 or -1), and marking them current or stale.
 */
int schema_verdicts_current(struct store *st);
int schema_stamp_verdicts(struct store *st);
int schema_mark_stale(struct store *st);

#endif
