/*
 * bench/gen: writes a deterministic, realistic data set for the benchmark:
 * gzip'd relay and cache logs in logfmt and a registry, with a known
 * number of planted cross-tenant deliveries.  Usage:
 *   gen DIR LINES [SEED]
 * Each camera belongs to its own account and is refilled on its cache node
 * every ten minutes; every PLANT_EVERY-th serve goes to the account of the
 * next camera instead of the owner's, which is a cross-tenant delivery.
 *
 * With a fourth argument "full", the logs also exercise the rules' other
 * paths: relay-b names the frame it served (as a proxy that logs the ETag
 * would), so half the serves go by frame, and each refill first expires
 * the object it replaces, in the same millisecond and before it in the
 * cache log, so every serve's fill has a removal to look past.  Neither
 * changes a verdict.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define DEVICES 10000
#define NODES 4
#define FILL_PERIOD_MS 600000   /* each key refilled every 10 minutes */
#define TTL_MS 900000
#define PLANT_EVERY 1000
#define START_MS INT64_C(1577318400000) /* 2019-12-26T00:00:00Z */

static uint64_t rng_state;

static uint64_t next_random(void)
{
	/* xorshift64*: the same sequence on every platform for a seed. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static void format_time(int64_t ms, char *out, size_t size)
{
	int64_t s = ms / 1000, days = s / 86400, rest = s % 86400;
	/* Days since 2019-12-26, which stays inside one month for a bench run. */
	int64_t day = 26 + (days - 18256);

	snprintf(out, size, "2019-12-%02" PRId64 "T%02d:%02d:%02d.%03dZ", day,
		 (int)(rest / 3600), (int)(rest / 60 % 60), (int)(rest % 60),
		 (int)(ms % 1000));
}

static gzFile open_gz(const char *dir, const char *name)
{
	char path[4096];
	gzFile gz;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(gz = gzopen(path, "wb6"))) {
		fprintf(stderr, "gen: cannot write %s\n", path);
		exit(1);
	}
	return gz;
}

int main(int argc, char **argv)
{
	char ts[64], path[4096], frame[64];
	int64_t lines, duration_ms, t, i;
	uint64_t planted = 0;
	gzFile relay[2], cache;
	FILE *registry;
	int full;

	if (argc < 3 || (lines = strtoll(argv[2], NULL, 10)) <= 0 ||
	    (argc > 4 && strcmp(argv[4], "full"))) {
		fprintf(stderr, "usage: gen DIR LINES [SEED [full]]\n");
		return 2;
	}
	full = argc > 4;
	rng_state = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
	if (rng_state == 0)
		rng_state = 1;
	/* One fill per five serves: DEVICES keys refilled every period. */
	duration_ms = lines / 5 * (int64_t)FILL_PERIOD_MS / DEVICES;
	if (duration_ms < FILL_PERIOD_MS)
		duration_ms = FILL_PERIOD_MS;
	/* format_time() writes December dates: stay inside the month. */
	if (duration_ms > INT64_C(5) * 86400000)
		duration_ms = INT64_C(5) * 86400000;

	snprintf(path, sizeof(path), "%s/registry.log", argv[1]);
	if (!(registry = fopen(path, "w"))) {
		fprintf(stderr, "gen: cannot write %s\n", path);
		return 1;
	}
	for (i = 0; i < DEVICES; i++)
		fprintf(registry, "ts=2019-12-01T00:00:00Z op=bind device=cam-%05" PRId64
			" account=acct-%05" PRId64 "\n", i, i);
	fclose(registry);

	cache = open_gz(argv[1], "cache.log.gz");
	/* Fills start one period early so every serve finds one. */
	for (t = START_MS - FILL_PERIOD_MS; t <= START_MS + duration_ms;
	     t += FILL_PERIOD_MS) {
		for (i = 0; i < DEVICES; i++) {
			int64_t at = t + i * (FILL_PERIOD_MS / DEVICES);

			format_time(at, ts, sizeof(ts));
			if (full && t > START_MS - FILL_PERIOD_MS)
				gzprintf(cache, "ts=%s op=expire node=cache-%d key=still/"
					 "cam-%05" PRId64 "/low\n", ts, (int)(i % NODES), i);
			gzprintf(cache, "ts=%s op=fill node=cache-%d key=still/cam-%05"
				 PRId64 "/low device=cam-%05" PRId64 " frame=f-%05" PRId64
				 "-%" PRId64 " ttl_ms=%d gen=41\n", ts, (int)(i % NODES),
				 i, i, i, at, TTL_MS);
		}
	}
	gzclose(cache);

	relay[0] = open_gz(argv[1], "relay-a.log.gz");
	relay[1] = open_gz(argv[1], "relay-b.log.gz");
	for (i = 0; i < lines; i++) {
		int64_t at = START_MS + i * duration_ms / lines;
		int64_t device = (int64_t)(next_random() % DEVICES);
		int64_t viewer = device;

		if (i % PLANT_EVERY == PLANT_EVERY - 1) {
			viewer = (device + 1) % DEVICES;
			planted++;
		}
		format_time(at, ts, sizeof(ts));
		frame[0] = '\0';
		if (full && (i & 1)) {
			/* The latest fill of the camera at or before the serve. */
			int64_t first = START_MS - FILL_PERIOD_MS +
					device * (FILL_PERIOD_MS / DEVICES);
			int64_t filled = first + (at - first) / FILL_PERIOD_MS *
							 FILL_PERIOD_MS;

			snprintf(frame, sizeof(frame), " frame=f-%05" PRId64 "-%" PRId64,
				 device, filled);
		}
		gzprintf(relay[i & 1], "ts=%s req=r-%010" PRId64 " account=acct-%05"
			 PRId64 " device=cam-%05" PRId64 " key=still/cam-%05" PRId64
			 "/low%s cache=HIT node=cache-%d relay=relay-%c status=200"
			 " bytes=%d rtt_ms=%d ua=\"Nest Hub/1.7 (Linux; \\\"cast\\\")\"\n",
			 ts, i, viewer, device, device, frame, (int)(device % NODES),
			 (i & 1) ? 'b' : 'a', 20000 + (int)(next_random() % 20000),
			 5 + (int)(next_random() % 200));
	}
	gzclose(relay[0]);
	gzclose(relay[1]);
	printf("%" PRIu64 "\n", planted);
	return 0;
}
