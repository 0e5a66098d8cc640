/*
 * Stored verdicts (schema 5): the store keeps, for every delivered serve,
 * the fill, rule, owner and type that the rules of sql.h give it,
 * and ingest keeps them current by re-judging exactly the serves that new
 * events can change.  docs/engine.md argues why that set is complete.
 */
#ifndef CAMAUDIT_VERDICT_H
#define CAMAUDIT_VERDICT_H

#include <stdint.h>

#include "event.h"
#include "store.h"

/*
 * Whether what a first load defers (schema_defer_indexes) is built: the
 * indexes, and verdicts judged by these rules; 1, 0 or -1.  Finishing
 * it judges every serve, in a transaction of its own; 0 or -1 (reported).
 * store_open() finishes it for any store it may write.
 */
int verdict_load_finished(struct store *st);
int verdict_finish_load(struct store *st);

/* Whether the stored verdicts answer a question asked with this skew. */
enum verdict_state {
	VERDICT_STORED,   /* current: read them */
	VERDICT_COMPUTE,  /* stale, or another skew: judge on the fly */
	VERDICT_LOADING   /* stale and no indexes: a first load is under way
	                     (reported) */
};

/*
 * In the caller's transaction.  A writable store (the caller holds the
 * write lock) with stale verdicts is brought up to date first: missing
 * indexes are built and every serve re-judged.  -1 on a database error.
 */
int verdict_state(struct store *st, int64_t skew_ms, int writable,
		  enum verdict_state *state);

/*
 * Ingest, in the file's transaction.  verdict_note_line() before a line
 * of a source is forgotten (its events may be stored anew), so that what
 * depended on the old events is re-judged; verdict_update() once the
 * file's events from line `first` on are stored: it re-judges the new
 * serves and every serve whose verdict the new events can change.  Both
 * do nothing while the verdicts are stale.
 */
int verdict_note_line(struct store *st, int64_t source, uint64_t line);
int verdict_update(struct store *st, int64_t source, uint64_t first);

/* After prune deleted events: drop and re-judge what they decided. */
int verdict_after_prune(struct store *st);

/*
 * camaudit check: judge every serve from scratch into temp.verdict and
 * call fn for each serve whose stored verdict differs (stored first, then
 * recomputed; either may be absent).  *differences counts them.  With
 * repair, the stored verdicts are replaced by the recomputed ones.
 */
struct verdict_row {
	int present;
	int64_t fill;      /* 0: none */
	const char *rule;  /* NULL: none */
	struct text owner; /* ptr NULL: none; may hold NUL */
	const char *type;
};
int verdict_check(struct store *st, int repair,
		  int (*fn)(int64_t serve, const struct verdict_row *stored,
			    const struct verdict_row *recomputed, void *ctx),
		  void *ctx, uint64_t *checked, uint64_t *differences);

#endif
