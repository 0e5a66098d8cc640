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
 * reported) says it is older, or lacks indexes, and must be opened for
 * writing to be brought up to date.  Returns 0, SCHEMA_OUTDATED or -1
 * (reported).
 */
#define SCHEMA_OUTDATED 1
int schema_prepare(struct store *st, int read_only);

/*
 * Before a load: when the store holds no serves, fills or removals yet
 * (a registry, however large, is small beside them), drop the secondary
 * indexes, for schema_build_indexes() to build after the rows are in.
 * Until then the store is correct but slow to audit, and any command that
 * opens it builds them.  Each is its own transaction; 0 or -1 (reported).
 */
int schema_defer_indexes(struct store *st);
int schema_build_indexes(struct store *st);

#endif
