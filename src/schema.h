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
 * database no newer than this camaudit.  Returns 0 or -1 (reported).
 */
int schema_prepare(struct store *st, int read_only);

#endif
