/*
 * A store for the unit tests that check SQL over events (correlation,
 * coverage): a private temporary database with three sources, and add()
 * to store one logfmt line into one of them.  Lines from different
 * sources are compared with the clock-skew tolerance, lines of one source
 * without it.  Include after <cmocka.h>.
 */
#ifndef CAMAUDIT_TEST_STORE_FIXTURE_H
#define CAMAUDIT_TEST_STORE_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logfmt.h"
#include "source.h"
#include "store_open.h"
#include "verdict.h"

enum { RELAY_LOG, CACHE_LOG, REGISTRY_LOG, SOURCE_COUNT };

struct fixture {
	struct store *st;
	int64_t source[SOURCE_COUNT];
	uint64_t line;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	int i;

	fx->st = store_open(NULL, STORE_TEMPORARY, NULL);
	assert_non_null(fx->st);
	assert_int_equal(store_begin(fx->st), 0);
	for (i = 0; i < SOURCE_COUNT; i++) {
		struct source src = {.head_len = 1};
		char name[16];

		src.head[0] = (unsigned char)('a' + i);
		snprintf(name, sizeof(name), "log%d", i);
		assert_int_equal(source_create(fx->st, name, &src), 0);
		fx->source[i] = src.id;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	store_rollback(fx->st);
	store_close(fx->st);
	free(fx);
	return 0;
}

/*
 * Store one logfmt line (which must parse) as the next line of source,
 * and keep the stored verdicts current as ingest does after a file: so
 * the lines of a test, in the order it adds them, are each a late log
 * for the verdicts of what came before.
 */
static void add(struct fixture *fx, int source, const char *line)
{
	char *copy = strdup(line);
	struct event ev;

	assert_int_equal(logfmt_parse_line(copy, strlen(copy), &ev), 0);
	assert_int_equal(store_insert_event(fx->st, fx->source[source],
					    ++fx->line, &ev), 0);
	assert_int_equal(verdict_update(fx->st, fx->source[source], fx->line), 0);
	free(copy);
}

#endif
