/*
 * Unit tests of the correlation rules (src/correlate.c): each test builds
 * a small store from logfmt lines and checks the verdict of one serve.
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

#include "correlate.h"
#include "logfmt.h"
#include "source.h"
#include "store.h"

#include "store_fixture.h"

static void registry(struct fixture *fx)
{
	add(fx, REGISTRY_LOG, "ts=2019-12-01T00:00:00Z op=bind device=cam-a account=alice");
	add(fx, REGISTRY_LOG, "ts=2019-12-01T00:00:00Z op=bind device=cam-a2 account=alice");
	add(fx, REGISTRY_LOG, "ts=2019-12-01T00:00:00Z op=bind device=cam-b account=bob");
}

static struct audit_summary run_window(struct fixture *fx, int64_t since,
				       int64_t until)
{
	struct audit_window w = {.since = since, .until = until, .skew_ms = 2000};
	struct audit_summary summary;
	uint64_t checked, differences;

	/*
	 * The verdicts that add() kept, line by line, equal those of a
	 * judgement of every serve from scratch; audit reads the former.
	 */
	assert_int_equal(verdict_check(fx->st, 0, NULL, NULL, &checked,
				       &differences), 0);
	assert_int_equal(differences, 0);
	assert_int_equal(correlate_run(fx->st, &w, CORRELATE_DELIVERIES, 0,
				       &summary), 0);
	return summary;
}

static struct audit_summary run(struct fixture *fx)
{
	return run_window(fx, INT64_MIN, INT64_MAX);
}

/* The verdict for the serve with this request id, "none" if unchecked. */
static const char *verdict(struct fixture *fx, const char *req)
{
	static char type[32];
	sqlite3_stmt *stmt;

	assert_int_equal(store_prepare_once(fx->st,
		"SELECT v.type, (SELECT text FROM atom WHERE id = f.device)"
		" FROM temp.verdict v JOIN serve s ON s.id = v.serve"
		" LEFT JOIN fill f ON f.id = v.fill WHERE s.req = ?1",
		&stmt, NULL, "reading a verdict"), 0);
	sqlite3_bind_text(stmt, 1, req, -1, SQLITE_STATIC);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(type, sizeof(type), "%s", sqlite3_column_text(stmt, 0));
	else
		snprintf(type, sizeof(type), "none");
	sqlite3_finalize(stmt);
	return type;
}

/* The camera of the fill chosen for the serve, "-" when none. */
static const char *origin(struct fixture *fx, const char *req)
{
	static char device[32];
	sqlite3_stmt *stmt;

	assert_int_equal(store_prepare_once(fx->st,
		"SELECT (SELECT text FROM atom WHERE id = f.device)"
		" FROM temp.verdict v JOIN serve s ON s.id = v.serve"
		" LEFT JOIN fill f ON f.id = v.fill WHERE s.req = ?1",
		&stmt, NULL, "reading a verdict's origin"), 0);
	sqlite3_bind_text(stmt, 1, req, -1, SQLITE_STATIC);
	snprintf(device, sizeof(device), "-");
	if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0))
		snprintf(device, sizeof(device), "%s", sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	return device;
}

static void test_own_frame_is_ok(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-a frame=f1");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:01Z req=r1 account=alice device=cam-a key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "ok");
}

static void test_latest_fill_of_key_on_node_decides(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-a");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:10Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=early account=alice key=k node=n1");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:15Z req=late account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "early"), "ok");
	assert_string_equal(verdict(fx, "late"), "cross_tenant");
	assert_string_equal(origin(fx, "late"), "cam-b");
}

static void test_frame_identity_wins_over_later_fill_of_same_key(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b frame=fb");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:10Z op=fill node=n1 key=k device=cam-a frame=fa");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:15Z req=r1 account=alice key=k node=n1 frame=fb");
	run(fx);
	assert_string_equal(origin(fx, "r1"), "cam-b");
	assert_string_equal(verdict(fx, "r1"), "cross_tenant");
}

static void test_fill_on_another_node_is_not_the_origin(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n2 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "unattributed");
}

static void test_serve_without_node_uses_any_node(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n2 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "cross_tenant");
}

static void test_serve_without_node_skips_a_node_whose_copy_was_evicted(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-a");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:02Z op=fill node=n2 key=k device=cam-b");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:03Z op=evict node=n2 key=k");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k");
	run(fx);
	assert_string_equal(origin(fx, "r1"), "cam-a");
	assert_string_equal(verdict(fx, "r1"), "ok");
}

static void test_fill_after_serve_within_skew_is_the_origin(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:01.900Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:00Z req=r1 account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "cross_tenant");
}

static void test_fill_after_serve_beyond_skew_is_ignored(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:02.001Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:00Z req=r1 account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "unattributed");
}

static void test_fill_after_serve_in_same_file_gets_no_skew(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-a");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k node=n1");
	/* A refill one second later, logged by the same host: not the origin. */
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:06Z op=fill node=n1 key=k device=cam-b");
	run(fx);
	assert_string_equal(origin(fx, "r1"), "cam-a");
	assert_string_equal(verdict(fx, "r1"), "ok");
}

static void test_eviction_between_fill_and_serve_leaves_serve_unattributed(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:03Z op=purge node=n1 key=k");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "unattributed");
}

static void test_eviction_before_fill_does_not_matter(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T07:59:00Z op=evict node=n1 key=k");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=evict node=n2 key=k");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "cross_tenant");
}

static void test_eviction_in_the_fills_millisecond_and_after_it_counts(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=purge node=n1 key=k");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "unattributed");
}

static void test_eviction_logged_before_the_fill_in_its_millisecond_does_not_count(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=evict node=n1 key=k");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "cross_tenant");
}

static void test_eviction_from_another_log_in_the_fills_millisecond_leaves_origin_unknown(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:00Z op=evict node=n1 key=k");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "unattributed");
}

static void test_fill_logged_after_serve_in_same_millisecond_of_one_log_is_not_origin(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-a");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k node=n1");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z op=fill node=n1 key=k device=cam-b");
	run(fx);
	assert_string_equal(origin(fx, "r1"), "cam-a");
}

static void test_serve_without_node_takes_latest_cached_of_many_fills(void **state)
{
	struct fixture *fx = *state;
	char line[160];
	int i;

	registry(fx);
	/* A hot key refilled on three nodes; the latest fill is on n2 but
	 * purged, so the origin is the latest on another node. */
	for (i = 0; i < 300; i++) {
		snprintf(line, sizeof(line),
			 "ts=%d op=fill node=n%d key=hot device=%s", 1577347200 + i,
			 i % 3, i % 3 == 0 ? "cam-a" : "cam-b");
		add(fx, CACHE_LOG, line);
	}
	add(fx, CACHE_LOG, "ts=1577347499.500 op=purge node=n2 key=hot");
	add(fx, RELAY_LOG, "ts=1577347500 req=r1 account=alice key=hot");
	run(fx);
	/* Fill 299 (n2) is purged; fill 298 on n1 is cam-b's. */
	assert_string_equal(origin(fx, "r1"), "cam-b");
	assert_string_equal(verdict(fx, "r1"), "cross_tenant");
}

static void test_serve_after_ttl_and_skew_is_unattributed(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b ttl_ms=10000");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:12Z req=within account=alice key=k node=n1");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:12.001Z req=after account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "within"), "cross_tenant");
	assert_string_equal(verdict(fx, "after"), "unattributed");
}

static void test_expired_latest_fill_does_not_fall_back_to_an_older_one(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-a ttl_ms=600000");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:10Z op=fill node=n1 key=k device=cam-b ttl_ms=1000");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:20Z req=r1 account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "unattributed");
}

static void test_owner_is_the_owner_at_fill_time_after_transfer(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	/* cam-a is sold to bob at 09:00; frames captured before stay alice's. */
	add(fx, REGISTRY_LOG, "ts=2019-12-26T09:00:00Z op=unbind device=cam-a account=alice");
	add(fx, REGISTRY_LOG, "ts=2019-12-26T09:00:00Z op=bind device=cam-a account=bob");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:59:00Z op=fill node=n1 key=old device=cam-a");
	add(fx, CACHE_LOG, "ts=2019-12-26T09:01:00Z op=fill node=n1 key=new device=cam-a");
	add(fx, RELAY_LOG, "ts=2019-12-26T09:02:00Z req=old account=bob key=old node=n1");
	add(fx, RELAY_LOG, "ts=2019-12-26T09:02:00Z req=new account=bob key=new node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "old"), "cross_tenant");
	assert_string_equal(verdict(fx, "new"), "ok");
}

static void test_unbound_camera_has_unknown_owner(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, REGISTRY_LOG, "ts=2019-12-26T07:00:00Z op=unbind device=cam-b account=bob");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=never device=cam-x");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=bob key=k node=n1");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r2 account=bob key=never node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "unknown_owner");
	assert_string_equal(verdict(fx, "r2"), "unknown_owner");
}

static void test_unbind_naming_another_account_does_not_end_ownership(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, REGISTRY_LOG, "ts=2019-12-26T07:00:00Z op=unbind device=cam-b account=alice");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=bob key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "ok");
}

static void test_share_held_at_serve_time_authorises(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, REGISTRY_LOG, "ts=2019-12-26T07:00:00Z op=share device=cam-b account=alice");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice device=cam-b key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "ok");
}

static void test_unshare_before_serve_makes_it_cross_tenant(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, REGISTRY_LOG, "ts=2019-12-26T07:00:00Z op=share device=cam-b account=alice");
	add(fx, REGISTRY_LOG, "ts=2019-12-26T08:00:03Z op=unshare device=cam-b account=alice");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:02Z req=before account=alice key=k node=n1");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=after account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "before"), "ok");
	assert_string_equal(verdict(fx, "after"), "cross_tenant");
}

/*
 * Late events: each arrives after the serves whose verdict it changes, as
 * a late log does; run() checks the kept verdicts against a judgement from
 * scratch each time, and the verdict must move.
 */
static void test_late_share_clears_a_cross_tenant_serve(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice device=cam-b key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "cross_tenant");
	add(fx, REGISTRY_LOG, "ts=2019-12-26T07:00:00Z op=share device=cam-b account=alice");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "ok");
}

static void test_late_binding_names_the_owner(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-x");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "unknown_owner");
	add(fx, REGISTRY_LOG, "ts=2019-12-26T07:00:00Z op=bind device=cam-x account=bob");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "cross_tenant");
	/* A back-dated transfer to the viewer, still before the fill. */
	add(fx, REGISTRY_LOG, "ts=2019-12-26T07:30:00Z op=bind device=cam-x account=alice");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "ok");
}

static void test_late_removal_ends_the_chosen_fill(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k node=n1");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:06Z req=r2 account=alice key=k");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "cross_tenant");
	assert_string_equal(verdict(fx, "r2"), "cross_tenant");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:03Z op=evict node=n1 key=k");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "unattributed");
	assert_string_equal(verdict(fx, "r2"), "unattributed");
}

static void test_late_fill_within_skew_is_found(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:00Z req=r1 account=alice key=k node=n1");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:00Z req=r2 account=alice key=k");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "unattributed");
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:01.500Z op=fill node=n1 key=k device=cam-b");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "cross_tenant");
	assert_string_equal(verdict(fx, "r2"), "cross_tenant");
}

static void test_late_fill_of_the_frame_outranks_the_key(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-a");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice key=k node=n1 frame=fb");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "ok");
	/* Hours later in time, on another node: rule 1a reaches it anyway. */
	add(fx, CACHE_LOG, "ts=2019-12-26T11:00:00Z op=fill node=n2 key=other device=cam-b frame=fb");
	run(fx);
	assert_string_equal(origin(fx, "r1"), "cam-b");
	assert_string_equal(verdict(fx, "r1"), "cross_tenant");
}

static void test_allowed_frame_of_another_camera_is_device_mismatch(void **state)
{
	struct fixture *fx = *state;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-a2");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r1 account=alice device=cam-a key=k node=n1");
	run(fx);
	assert_string_equal(verdict(fx, "r1"), "device_mismatch");
}

static void test_only_deliveries_are_checked(void **state)
{
	struct fixture *fx = *state;
	struct audit_summary s;

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=ok200 account=alice key=k node=n1 status=200");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=partial account=alice key=k node=n1 status=206");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=nostatus account=alice key=k node=n1");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=notmod account=alice key=k node=n1 status=304");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=err account=alice key=k node=n1 status=500");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=junk account=alice key=k node=n1 status=abc");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=spaced account=alice key=k node=n1 status=\"\\n200\"");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=plus account=alice key=k node=n1 status=+200");
	s = run(fx);
	assert_string_equal(verdict(fx, "ok200"), "cross_tenant");
	assert_string_equal(verdict(fx, "partial"), "cross_tenant");
	assert_string_equal(verdict(fx, "nostatus"), "cross_tenant");
	assert_string_equal(verdict(fx, "notmod"), "none");
	assert_string_equal(verdict(fx, "err"), "none");
	assert_string_equal(verdict(fx, "junk"), "none");
	assert_string_equal(verdict(fx, "spaced"), "none");
	assert_string_equal(verdict(fx, "plus"), "none");
	assert_int_equal(s.deliveries, 3);
	assert_int_equal(s.by_type[FINDING_CROSS_TENANT], 3);
}

static void test_window_selects_serves_by_serve_time(void **state)
{
	struct fixture *fx = *state;
	struct audit_summary s;
	/* 2019-12-26T08:00:05Z and 08:00:10Z in ms since the epoch. */
	const int64_t t05 = INT64_C(1577347205000), t10 = INT64_C(1577347210000);

	registry(fx);
	add(fx, CACHE_LOG, "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-b");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:04.999Z req=before account=alice key=k node=n1");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=first account=alice key=k node=n1");
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:10Z req=at_until account=alice key=k node=n1");
	s = run_window(fx, t05, t10);
	assert_string_equal(verdict(fx, "before"), "none");
	assert_string_equal(verdict(fx, "first"), "cross_tenant");
	assert_string_equal(verdict(fx, "at_until"), "none");
	assert_int_equal(s.deliveries, 1);
	assert_int_equal(s.attributed, 1);
}

/*
 * Re-judging a few serves must cost those serves: the plan reads the set
 * first and finds each serve by its id.  Without statistics for the temp
 * table, SQLite scanned every serve and probed the set with each, and an
 * hourly ingest cost the whole store.
 */
static void test_rejudging_a_set_reads_the_set_first(void **state)
{
	struct fixture *fx = *state;
	sqlite3_stmt *stmt;
	char *sql;
	char first[64] = "";

	registry(fx);
	add(fx, RELAY_LOG, "ts=2019-12-26T08:00:05Z req=r account=alice key=k node=n1");
	assert_int_equal(store_exec(fx->st,
		"CREATE TEMP TABLE IF NOT EXISTS rejudge"
		" (serve INTEGER PRIMARY KEY)", "making temp.rejudge"), 0);
	sql = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", CORRELATE_SET_SELECT);
	assert_non_null(sql);
	assert_int_equal(store_prepare_once(fx->st, sql, &stmt, NULL,
					    "explaining the plan"), 0);
	sqlite3_bind_int64(stmt, sqlite3_bind_parameter_index(stmt, ":skew"), 2000);
	/* Rows: id, parent, unused, detail; the first loop is the outermost. */
	while (sqlite3_step(stmt) == SQLITE_ROW)
		if (sqlite3_column_int(stmt, 1) == 0 && !first[0])
			snprintf(first, sizeof(first), "%s",
				 sqlite3_column_text(stmt, 3));
	sqlite3_finalize(stmt);
	sqlite3_free(sql);
	assert_string_equal(first, "SCAN j");
}

static void test_finding_types_parse_accepts_lists_and_all(void **state)
{
	unsigned types;

	(void)state;
	assert_int_equal(finding_types_parse("all", &types), 0);
	assert_int_equal(types, FINDING_ALL);
	assert_int_equal(finding_types_parse("unattributed,cross_tenant", &types), 0);
	assert_int_equal(types, (1u << FINDING_UNATTRIBUTED) | (1u << FINDING_CROSS_TENANT));
	assert_int_equal(finding_types_parse("cross_tenant,", &types), -1);
	assert_int_equal(finding_types_parse("", &types), -1);
	assert_int_equal(finding_types_parse("cross", &types), -1);
	assert_int_equal(finding_types_parse("all,cross_tenant", &types), -1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_own_frame_is_ok),
		T(test_latest_fill_of_key_on_node_decides),
		T(test_frame_identity_wins_over_later_fill_of_same_key),
		T(test_fill_on_another_node_is_not_the_origin),
		T(test_serve_without_node_uses_any_node),
		T(test_serve_without_node_skips_a_node_whose_copy_was_evicted),
		T(test_fill_after_serve_within_skew_is_the_origin),
		T(test_fill_after_serve_beyond_skew_is_ignored),
		T(test_fill_after_serve_in_same_file_gets_no_skew),
		T(test_eviction_between_fill_and_serve_leaves_serve_unattributed),
		T(test_eviction_before_fill_does_not_matter),
		T(test_eviction_in_the_fills_millisecond_and_after_it_counts),
		T(test_eviction_logged_before_the_fill_in_its_millisecond_does_not_count),
		T(test_eviction_from_another_log_in_the_fills_millisecond_leaves_origin_unknown),
		T(test_fill_logged_after_serve_in_same_millisecond_of_one_log_is_not_origin),
		T(test_serve_without_node_takes_latest_cached_of_many_fills),
		T(test_serve_after_ttl_and_skew_is_unattributed),
		T(test_expired_latest_fill_does_not_fall_back_to_an_older_one),
		T(test_owner_is_the_owner_at_fill_time_after_transfer),
		T(test_unbound_camera_has_unknown_owner),
		T(test_unbind_naming_another_account_does_not_end_ownership),
		T(test_share_held_at_serve_time_authorises),
		T(test_unshare_before_serve_makes_it_cross_tenant),
		T(test_late_share_clears_a_cross_tenant_serve),
		T(test_late_binding_names_the_owner),
		T(test_late_removal_ends_the_chosen_fill),
		T(test_late_fill_within_skew_is_found),
		T(test_late_fill_of_the_frame_outranks_the_key),
		T(test_allowed_frame_of_another_camera_is_device_mismatch),
		T(test_only_deliveries_are_checked),
		T(test_window_selects_serves_by_serve_time),
		T(test_rejudging_a_set_reads_the_set_first),
		cmocka_unit_test(test_finding_types_parse_accepts_lists_and_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
