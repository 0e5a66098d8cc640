/*
 * Opening a store ready for use: the connection (store.c), its schema
 * checked and brought up to date (schema.c), and what a first load left
 * unbuilt built (verdict.c).  Above all three, so that none of them
 * calls back into another.
 */
#ifndef CAMAUDIT_STORE_OPEN_H
#define CAMAUDIT_STORE_OPEN_H

#include "store.h"

/*
 * Open or create the store at path (ignored for STORE_TEMPORARY).
 * A new database file is created with mode 0600: it records who watched
 * whose camera.  Reports and returns NULL on failure; *missing is set
 * when STORE_READ found no file (a configuration problem, not a failure).
 */
struct store *store_open(const char *path, enum store_mode mode, int *missing);
/*
 * The same, waiting up to wait_ms for another process's write lock before
 * giving up with STORE_BUSY; *why (if not NULL) says why it failed.
 */
struct store *store_open_wait(const char *path, enum store_mode mode,
			      int64_t wait_ms, enum store_failure *why);

#endif
