#!/bin/sh
# Unattended runs (cron): audit --new reports each finding once, late logs
# included; overlapping and killed runs lose and double nothing; a busy
# store ends with status 4; prune keeps the store bounded; an older store
# is migrated on open.
. "$srcdir/tests/lib.sh"

small="$srcdir/tests/data/small"
events() { rows "$1" "SELECT (SELECT count(*) FROM serve) + (SELECT count(*) FROM fill) + (SELECT count(*) FROM removal) + (SELECT count(*) FROM binding) + (SELECT count(*) FROM share)"; }
verdicts() { "$JQ" -r '[.request_id, .type] | @tsv' "$1" | LC_ALL=C sort; }
# The same for output that a kill may have cut in the middle of a line.
cut_verdicts() { "$JQ" -R -r 'fromjson? | [.request_id, .type] | @tsv' "$1" | LC_ALL=C sort; }

# --- audit --new over three ingests, the fill log arriving late ---------------
camaudit ingest -q --db new.db "$small/registry.log" "$small/relay.log"
expect_exit 6 "the first --new run prints what it finds, blind" \
	camaudit audit --db new.db --new --type all --format json
equal "without fills every delivery is unattributed" 9 "$(grep -c '"type":"unattributed"' out)"
grep_file "the summary counts new and earlier findings" "new: 9 printed, 0 reported before$" err
expect_exit 5 "the same --new run again prints nothing and exits 5 (still blind)" \
	camaudit audit --db new.db --new --type all --format json
check "nothing on stdout" test ! -s out
camaudit ingest -q --db new.db "$small/cache.log"
expect_exit 6 "after the late fill log, --new prints what became visible" \
	camaudit audit --db new.db --new --type all --format json
equal "findings whose type changed are printed again, with the new type" \
	"r-03	cross_tenant
r-04	device_mismatch
r-06	device_mismatch
r-07	cross_tenant
r-10	unknown_owner" "$(verdicts out)"
camaudit ingest -q --db new.db "$small"
expect_exit 5 "re-ingesting everything makes nothing new" \
	camaudit audit --db new.db --new --type all
expect_exit 6 "a plain audit still shows every finding" camaudit audit --db new.db --type all --format json
equal "and records nothing" "$(cat "$srcdir/tests/data/small.expected")" "$(verdicts out)"
expect_exit 2 "--new needs an existing database" camaudit audit --db missing.db --new

# --- a request id that two deliveries share ----------------------------------------
# varnishncsa's vxid is a counter: two relays (or one relay on two days)
# log the same request id for different deliveries.  Each is a finding
# of its own for --new (issue 13).
{
	echo "ts=2019-12-01T00:00:00Z op=bind device=cam-a account=alice"
	echo "ts=2019-12-01T00:00:00Z op=bind device=cam-b account=bob"
	fill_line 2019-12-26T08:00:00Z n1 k1 cam-a
	fill_line 2019-12-27T08:00:00Z n2 k2 cam-b
} > reuse-cache.log
serve_line 2019-12-26T08:00:01Z 32770 bob k1 n1 > reuse-relay-a.log
serve_line 2019-12-27T08:00:01Z 32770 alice k2 n2 > reuse-relay-b.log
camaudit ingest -q --db reuse.db reuse-cache.log reuse-relay-a.log
expect_exit 1 "--new prints the first delivery with request id 32770" \
	camaudit audit --db reuse.db --new --format json
equal "bob's" "bob" "$("$JQ" -r .viewer_account out)"
camaudit ingest -q --db reuse.db reuse-relay-b.log
expect_exit 1 "another delivery with the same request id is new" \
	camaudit audit --db reuse.db --new --format json
equal "alice's, on the next day" "alice 2019-12-27T08:00:01.000Z" \
	"$("$JQ" -r '[.viewer_account, .served_at] | join(" ")' out)"
grep_file "and the summary counts one reported before" "new: 1 printed, 1 reported before" err
expect_exit 0 "then nothing is new" camaudit audit --db reuse.db --new

# --- a first load that drops the indexes under a waiting audit --new -------------------
# audit --new checked the indexes when it opened the store; a concurrent
# first load then dropped them while --new waited for the write lock, and
# --new correlated the whole store without them for minutes (issue 13).
# Here a writer holds the lock, drops an index and marks the verdicts
# stale as a first load does, and lets --new go on.
camaudit ingest -q --db race.db "$small"
mkfifo race.sql
sqlite3 race.db < race.sql > /dev/null 2>&1 &
sqlpid=$!
exec 9> race.sql
echo "BEGIN IMMEDIATE;" >&9
sleep 0.3
"$CAMAUDIT" audit -q --db race.db --new --wait 20s --format json > race.out 2> race.err &
auditpid=$!
sleep 1
echo "DROP INDEX fill_key_node_ts; UPDATE setting SET value = 'stale' WHERE name = 'verdict_rules'; COMMIT;" >&9
exec 9>&-
wait $sqlpid
wait $auditpid
equal "--new waited for the writer and printed the findings" \
	"$(grep -c cross_tenant "$srcdir/tests/data/small.expected")" "$(grep -c . race.out)"
equal "it built the index it found missing under the lock" 1 \
	"$(rows race.db "SELECT count(*) FROM sqlite_schema WHERE name = 'fill_key_node_ts'")"
expect_exit 0 "and judged with it: check agrees" camaudit check --db race.db

# --- a killed audit --new loses nothing ------------------------------------------
awk 'BEGIN {
	for (i = 0; i < 4000; i++)
		printf "ts=2019-12-26T08:00:%02d.%03dZ op=fill node=n key=k%d device=cam-%d\n", (i / 1000) % 60, i % 1000, i, i % 50
	for (i = 0; i < 50; i++)
		printf "ts=2019-12-01T00:00:00Z op=bind device=cam-%d account=acct-%d\n", i, i
	for (i = 0; i < 4000; i++)
		printf "ts=2019-12-26T08:01:%02d.%03dZ req=q%05d account=acct-%d key=k%d node=n\n", (i / 1000) % 60, i % 1000, i, (i + 1) % 50, i
}' > leaks.log
camaudit ingest -q --db kill-new.db leaks.log
cp kill-new.db kill-new-clean.db
camaudit audit --db kill-new-clean.db --format json > all.json
: > printed.json
for delay in 0.01 0.03 0.05 0.08 0.1 0.15 0.2; do
	"$CAMAUDIT" audit -q --db kill-new.db --new --format json >> printed.json &
	pid=$!
	sleep $delay
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
done
camaudit audit -q --db kill-new.db --new --format json >> printed.json
equal "every finding was printed at least once across killed runs" \
	"$(verdicts all.json | sort -u)" "$(cut_verdicts printed.json | sort -u)"
expect_exit 0 "after a run that completed, nothing is new" \
	camaudit audit --db kill-new.db --new --format json

# --- concurrent ingests of overlapping file sets ------------------------------------
awk 'BEGIN { for (i = 0; i < 30000; i++) printf "ts=2019-12-26T09:%02d:%02d.%03dZ req=c%06d account=acct-%d key=k%d node=n\n", (i / 60000) % 60, (i / 1000) % 60, i % 1000, i, i % 7, i % 11 }' > c1.log
awk 'BEGIN { for (i = 0; i < 30000; i++) printf "ts=2019-12-26T10:%02d:%02d.%03dZ req=d%06d account=acct-%d key=k%d node=n\n", (i / 60000) % 60, (i / 1000) % 60, i % 1000, i, i % 7, i % 11 }' | gzip > c2.log.gz
cp c1.log c1-copy.log
camaudit ingest -q --db one.db c1.log c2.log.gz
# The shortest of three clean runs on this machine, to spread the kills
# over (make -j runs other tests beside this one).
run_ms=
for i in 1 2 3; do
	rm -f timing.db timing.db-wal timing.db-shm
	start=$(date +%s%N)
	"$CAMAUDIT" ingest -q --db timing.db c1.log c2.log.gz
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	[ -z "$run_ms" ] || [ "$ms" -lt "$run_ms" ] && run_ms=$ms
done
pids=
for set in "c1.log c2.log.gz" "c2.log.gz c1-copy.log" "c1-copy.log" "c1.log c2.log.gz c1-copy.log"; do
	"$CAMAUDIT" ingest -q --db many.db $set &
	pids="$pids $!"
done
status=0
for pid in $pids; do wait $pid || status=$?; done
equal "four overlapping ingests at once all succeed" 0 "$status"
equal "and end with exactly the counts of one ingest" "$(events one.db)" "$(events many.db)"
equal "every request once" "60000|60000" "$(rows many.db 'SELECT count(*), count(DISTINCT req) FROM serve')"

# --- ingest killed at many moments, plain and gzip ----------------------------------
# Each round starts from an empty store, kills the ingest at another
# moment (a fraction of the shortest clean run on this machine), runs it
# again to the end and compares with one clean run.  Rounds go on until
# 25 kills landed mid-run (a loaded machine finishes some runs before the
# kill), at most 80 rounds.
kills=0 rounds=0 rounds_ok=0
for delay in $(awk -v ms="$run_ms" 'BEGIN { for (i = 0; i < 80; i++) printf "%.3f\n", ms * (0.02 + 0.7 * ((i * 7) % 29) / 29) / 1000 }'); do
	[ "$kills" -ge 25 ] && break
	rounds=$((rounds + 1))
	rm -f killed.db killed.db-wal killed.db-shm
	"$CAMAUDIT" ingest -q --db killed.db c1.log c2.log.gz &
	pid=$!
	sleep $delay
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
	[ $? -eq 137 ] && kills=$((kills + 1))
	"$CAMAUDIT" ingest -q --db killed.db c1.log c2.log.gz &&
		[ "$(events killed.db)" = "$(events one.db)" ] &&
		[ "$(rows killed.db 'SELECT count(DISTINCT req) FROM serve')" = 60000 ] &&
		rounds_ok=$((rounds_ok + 1))
done
check "at least 25 ingests were killed mid-run ($kills in $rounds rounds)" test "$kills" -ge 25
equal "after every kill the next run ends with the events of one clean run" "$rounds" "$rounds_ok"
camaudit audit -q --db one.db --type all --format json > clean-findings.json
camaudit audit -q --db killed.db --type all --format json > killed-findings.json
equal "and the same findings" "$(verdicts clean-findings.json)" "$(verdicts killed-findings.json)"

# --- a busy store -------------------------------------------------------------------------
{ echo "BEGIN IMMEDIATE;"; echo "INSERT INTO atom (text) VALUES ('lock');"; sleep 3; echo "COMMIT;"; } | sqlite3 one.db &
locker=$!
sleep 0.5
expect_exit 4 "an ingest that cannot get the lock within --wait exits 4" \
	camaudit ingest --db one.db --wait 1s "$small/relay.log"
grep_file "it says the database is busy and names --wait" "^camaudit: database one.db is busy: another process held it for longer than the wait \(1 s; see --wait\)" err
expect_exit 6 "a plain audit reads while the writer holds the lock" camaudit audit --db new.db --type all
expect_exit 5 "audit of the locked store is not blocked" camaudit audit --db one.db --type cross_tenant
wait $locker
expect_exit 0 "with a longer --wait the ingest gets the lock" camaudit ingest --db one.db --wait 10s "$small/relay.log"

# --- prune ------------------------------------------------------------------------------------
cp "$srcdir/tests/data/small"/*.log .
camaudit ingest -q --db prune.db relay.log cache.log registry.log
expect_exit 0 "prune drops old events" camaudit prune --db prune.db --before 2019-12-26T08:15:00Z
grep_file "it says what it dropped" "^camaudit: pruned before 2019-12-26T08:15:00.000Z: 5 serves, 0 fills, 0 removals$" err
expect_exit 6 "audit after prune" camaudit audit --db prune.db --type all --format json
equal "later findings are unchanged, earlier ones gone" \
	"r-06	device_mismatch
r-07	cross_tenant
r-08	unattributed
r-09	unattributed
r-10	unknown_owner" "$(verdicts out)"
equal "registry events are kept" 5 "$(rows prune.db 'SELECT (SELECT count(*) FROM binding) + (SELECT count(*) FROM share)')"
expect_exit 0 "prune with --vacuum" camaudit prune -q --db prune.db --before 2019-12-28 --vacuum
equal "fills a day older than the cut are dropped too" "0|0" "$(rows prune.db 'SELECT (SELECT count(*) FROM serve), (SELECT count(*) FROM fill)')"
# Every removal is pruned and counted, whatever its op: not only evictions.
printf '%s\n' 'ts=2019-12-20T08:00:00Z op=evict node=n1 key=k1' \
	'ts=2019-12-20T08:00:01Z op=purge node=n1 key=k2' \
	'ts=2019-12-20T08:00:02Z op=expire node=n1 key=k3' \
	'ts=2019-12-26T08:00:02Z op=expire node=n1 key=k4' > removals.log
camaudit ingest -q --db removals.db removals.log
expect_exit 0 "prune of an evict, a purge and an expire" \
	camaudit prune --db removals.db --before 2019-12-26T08:00:00Z
grep_file "counts them as removals" "^camaudit: pruned before 2019-12-26T08:00:00.000Z: 0 serves, 0 fills, 3 removals$" err
equal "and keeps the one within a day of the cut" "k4" \
	"$(rows removals.db 'SELECT key FROM removals')"
expect_exit 2 "prune without --before is a usage error" camaudit prune --db prune.db
expect_exit 2 "prune of a missing database is a configuration error" camaudit prune --db nowhere.db --before today

# --- an older store is upgraded on open ------------------------------------------------
# store-v2.sql is a dump of what camaudit 0.1.0 (schema 2) stored from
# tests/data/small, by that relative name: the same files ingested now
# under the same name must give the same findings.
sqlite3 old.db < "$srcdir/tests/data/store-v2.sql"
mkdir -p tests/data && cp -R "$small" tests/data/
camaudit ingest -q --db new.db tests/data/small
camaudit audit -q --db new.db --type all --format json > new.json
cp old.db locked.db
expect_exit 6 "a schema 2 store is audited after its upgrade" \
	camaudit audit --db old.db --type all --format json
equal "with the findings of a fresh store" "$(cat new.json)" "$(cat out)"
grep_file "and says so" "^camaudit: warning: database old.db: upgraded from schema 2 to $(rows new.db 'PRAGMA user_version')$" err
equal "it is now at the latest version" "$(rows new.db 'PRAGMA user_version')" "$(rows old.db 'PRAGMA user_version')"
equal "its findings view answers like audit" 7 "$(rows old.db 'SELECT count(*) FROM findings')"
equal "its sources know their serves' span" "$(sed -n '1s/^ts=\([^ ]*\) .*/\1/p' "$small/relay.log")" \
	"$(rows old.db "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', min(serve_min_ts) / 1000.0, 'unixepoch') FROM source")"
# Who may not write an older store cannot audit it: say why, change nothing.
if ! unprivileged; then
	skip "root writes any file, and setpriv is missing"
else
	mkdir ro && mv locked.db ro/ && chmod 644 ro/locked.db && chmod 755 ro
	chmod 711 "$TEST_DIR"
	expect_exit 3 "an older store that cannot be written is refused" \
		$as_user "$CAMAUDIT" audit --db ro/locked.db
	grep_file "with the reason" "written by an older camaudit \(schema 2, this camaudit needs $(rows new.db "PRAGMA user_version")\) and not writable here" err
	equal "and left as it was" 2 "$(rows ro/locked.db 'PRAGMA user_version')"
fi
sqlite3 old.db "PRAGMA user_version = 99"
expect_exit 3 "a store from a newer camaudit is refused" camaudit audit --db old.db
grep_file "with the way out" "written by a newer camaudit \(schema 99, this camaudit knows $(rows new.db "PRAGMA user_version")\); upgrade camaudit" err

# --- schemas 4 and 5: what --new reported, and the event ids ---------------------------
# store-v4.sql and store-v5.sql: tests/data/small as camaudit stored it at
# schema 4 (before the stored verdicts) and 5 (before the fingerprints),
# after an audit --new that reported its two cross-tenant findings.
latest=$(rows new.db 'PRAGMA user_version')
equal "the latest schema is the one the man page names" \
	"$(sed -n 's/^(now \([0-9]*\))\.$/\1/p' "$srcdir/man/camaudit.1")" "$latest"
camaudit ingest -q --db fresh.db tests/data/small
camaudit export -q --db fresh.db > fresh.ndjson
for v in 4 5; do
	sqlite3 v$v.db < "$srcdir/tests/data/store-v$v.sql"
	expect_exit 6 "a schema $v store: audit --new after its upgrade (findings; too little traced)" \
		camaudit audit --db v$v.db --new --type all --format json
	grep_file "says so (schema $v)" "^camaudit: warning: database v$v.db: upgraded from schema $v to $latest$" err
	equal "prints only what was not reported before it (schema $v)" "r-04	device_mismatch
r-06	device_mismatch
r-08	unattributed
r-09	unattributed
r-10	unknown_owner" "$(verdicts out)"
	camaudit export -q --db v$v.db > v$v.ndjson
	check "its events have a fresh store's event ids (schema $v)" cmp -s fresh.ndjson v$v.ndjson
	check "which are known (schema $v)" sh -c "test -s v$v.ndjson && ! grep -q '\"event_id\":null' v$v.ndjson"
	expect_exit 0 "its stored verdicts are those judged from scratch (schema $v)" camaudit check --db v$v.db
	grep_file "all of them (schema $v)" "^camaudit: 9 verdicts judged again, 0 differ$" err
done

done_testing
