#!/bin/sh
# The shipped ClickHouse SQL (sql/clickhouse/) on a real ClickHouse (the
# chdb npm package, in process) gives camaudit's findings: on samples/, on
# an incident from bench/gen and on hand-made edge cases
# (tests/data/clickhouse/README), loaded through normalize and through
# export, loaded twice, whole and one day at a time; and --new.  Skips where chdb is
# not installed; .ci/clickhouse installs it.
. "$srcdir/tests/lib.sh"

command -v node > /dev/null 2>&1 || { echo "1..0 # SKIP node not installed (apt-get install nodejs; see .ci/clickhouse)"; exit 0; }
# chdb through NODE_PATH, beside contrib/clickhouse/audit, or where
# .ci/clickhouse puts it.
NODE_PATH=${NODE_PATH:-}${NODE_PATH:+:}$srcdir/contrib/clickhouse/node_modules:/opt/chdb/node_modules
export NODE_PATH
node -e 'require("chdb")' > /dev/null 2>&1 || { echo "1..0 # SKIP the chdb npm package is not installed (npm install chdb; see .ci/clickhouse)"; exit 0; }

export CAMAUDIT
ch() { node "$srcdir/contrib/clickhouse/chdb-run.js" --sql "$srcdir/sql/clickhouse" "$@"; }
# What the findings are compared on: type, serve, fill, owner, origin.
findings_key() { "$JQ" -r '[.type, .serve_ref, .fill_ref, .owner_account, .origin_device] | @tsv' "$1" | LC_ALL=C sort; }
same_findings() { equal "$1" "$(findings_key "$2")" "$(findings_key "$3")"; }
ms() { "$JQ" -rn --arg t "$1" '$t | fromdateiso8601 * 1000'; }

# --- samples/, through normalize: contrib/clickhouse/audit -------------------------------
cp -R "$srcdir/samples" samples
camaudit scan --type all --format json samples > scan.json 2> scan.err
scan_status=$?
expect_exit "$scan_status" "contrib/clickhouse/audit finds what scan finds, exit status included" \
	"$srcdir/contrib/clickhouse/audit" samples
check "findings there are" test -s out
check "printed byte for byte as scan prints them" cmp -s scan.json out
equal "with scan's summary line and warnings" "$(grep -v ' files: ' scan.err)" "$(cat err)"

# --- samples/, through export, loaded twice; then normalize's records on top ------------
camaudit ingest -q --db s.db samples
camaudit audit --db s.db --type all --format json > audit.json 2> audit.err
camaudit export -q --db s.db > export.ndjson
camaudit normalize -q samples > normalize.ndjson
expect_exit 1 "export's records, loaded twice, are correlated" \
	ch --db s.chdb --load export.ndjson --load export.ndjson --findings --summary
same_findings "to audit's findings" audit.json out
equal "and audit's summary" "$(head -n 1 audit.err)" "$(cat err)"
counts='SELECT (SELECT count() FROM serves FINAL) + (SELECT count() FROM fills FINAL) + (SELECT count() FROM removals FINAL) + (SELECT count() FROM bindings FINAL) + (SELECT count() FROM shares FINAL) AS n'
expect_exit 0 "normalize's records loaded on top" \
	ch --db s.chdb --load normalize.ndjson --query "$counts"
equal "add no row: one per event" "$(wc -l < export.ndjson | tr -d ' ')" "$("$JQ" -r .n out)"
expect_exit 1 "and the findings" ch --db s.chdb --findings
same_findings "stay audit's" audit.json out

# --- where the region assumption does not hold --------------------------------------------
# Say relay-a and cache-1 are one region, relay-b and cache-2 another:
# regions.sql lists the serves that cross, as export's records count them.
regions_sql=$(sed '/^--/d; s/;$//' "$srcdir/sql/clickhouse/regions.sql")
ch --db s.chdb --query "INSERT INTO regions VALUES ('relay', 'relay-a', 'A'), ('node', 'cache-1', 'A'), ('relay', 'relay-b', 'B'), ('node', 'cache-2', 'B')" > /dev/null 2>&1
ch --db s.chdb --query "$regions_sql" > regions.json 2>/dev/null
check "regions.sql finds serves across regions" test -s regions.json
equal "the serves across regions, by relay, node and day" \
	"$("$JQ" -r 'select(.kind == "serve" and .node != null
		and ((.relay == "relay-a") != (.node == "cache-1")))
		| "\(.relay) \(.node) \(.ts[0:10])"' export.ndjson | LC_ALL=C sort | uniq -c | awk '{ print $2, $3, $4, $1 }')" \
	"$("$JQ" -r '"\(.relay) \(.node) \(.day) \(.serves)"' regions.json | LC_ALL=C sort)"

# --- the edge cases ----------------------------------------------------------------------
# The logs that tie at a millisecond are ingested in the order of their
# fingerprints, the order in which the SQL breaks such ties (camaudit
# breaks them by ingest order; see correlate.sql).
mkdir edge && cp "$srcdir/tests/data/clickhouse"/* edge/
cd edge
cp rot-old rot.log
camaudit normalize -q rot.log > ../edge.ndjson
camaudit ingest -q --db ../e.db rot.log
cp rot-new rot.log
camaudit normalize -q rot.log >> ../edge.ndjson
camaudit ingest -q --db ../e.db rot.log
logs=$(for f in cache-x.log cache-y.log cache-z.log registry.log relay.log; do
	echo "$("$CAMAUDIT" normalize -q "$f" | "$JQ" -r 'first(.event_id)') $f"; done | LC_ALL=C sort | cut -d ' ' -f 2)
# shellcheck disable=SC2086
camaudit normalize -q $logs >> ../edge.ndjson
# shellcheck disable=SC2086
camaudit ingest -q --db ../e.db $logs
cd ..
camaudit audit --db e.db --type all --format json > edge-audit.json 2> edge-audit.err
equal "audit's answer on them is findings and incomplete (coverage gaps)" 6 "$?"
tab=$(printf '\t')
sed "s/ /$tab/g" > edge.expected <<'END'
cross_tenant relay.log:1 cache-y.log:1 acct-b cam-b
cross_tenant relay.log:11 cache-z.log:2 acct-b cam-b
cross_tenant relay.log:12 cache-x.log:10 acct-b cam-b
cross_tenant relay.log:15 cache-x.log:12 acct-b cam-b
cross_tenant relay.log:16 cache-x.log:13 acct-c cam-c
cross_tenant relay.log:2 cache-x.log:3 acct-b cam-b
cross_tenant relay.log:4 cache-x.log:6 acct-b cam-b
cross_tenant relay.log:17 cache-x.log:14 acct-b cam-b
cross_tenant relay.log:8 cache-z.log:1 acct-b cam-b
cross_tenant rot.log:1 rot.log:1 acct-b cam-b
cross_tenant rot.log:2 rot.log:1 acct-b cam-b
unattributed relay.log:10
unattributed relay.log:18
unattributed relay.log:3
unattributed relay.log:6
unknown_owner relay.log:13 cache-x.log:11  cam-d
END
sed "s/$tab*\$//" edge.expected | LC_ALL=C sort > edge.expected.trim
findings_key edge-audit.json | sed "s/$tab*\$//" > edge-audit.keys
check "camaudit classifies the edge cases as tests/data/clickhouse/README says" \
	cmp -s edge.expected.trim edge-audit.keys
show edge-audit.keys
camaudit export -q --db e.db > edge-export.ndjson
expect_exit 6 "the edge cases through normalize, loaded twice, exit as audit does" \
	ch --db e1.chdb --load edge.ndjson --load edge.ndjson --findings --summary
same_findings "give camaudit's findings" edge-audit.json out
equal "and its summary and warnings, coverage gaps included" "$(cat edge-audit.err)" "$(cat err)"
grep_file "which there are" "deliveries fall in coverage gaps" err
gaps_sql=$(sed '/^--/d; s/;$//' "$srcdir/sql/clickhouse/gaps.sql")
ch --db e1.chdb --query "$gaps_sql" > gaps.json 2>/dev/null
camaudit status --db e.db --format json > status.json 2>/dev/null
check "gaps.sql finds gaps" test -s gaps.json
equal "gaps.sql lists the coverage gaps that status lists" \
	"$("$JQ" -c '.gaps[] | [.hour, .node, .serves, .deliveries]' status.json)" \
	"$("$JQ" -c '[.hour, .node, (.serves | tonumber), (.deliveries | tonumber)]' gaps.json)"
cp out edge-whole.json
expect_exit 1 "through export, after normalize's records" \
	ch --db e1.chdb --load edge-export.ndjson --findings
same_findings "the same" edge-audit.json out
# The SQL's answer does not depend on the order of loading.
"$JQ" -c . edge.ndjson | awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }' > edge-reversed.ndjson
expect_exit 1 "the records loaded in the reverse order" \
	ch --db e2.chdb --load edge-reversed.ndjson --findings
same_findings "give the same findings" edge-audit.json out

# --- --new: a late cache log ------------------------------------------------------------
# As audit --new: what the first run reports is not reported again, and
# the late log's fills turn two unattributed serves into new findings.
cd edge
cp rot-old rot.log
camaudit ingest -q --db ../late.db rot.log
cp rot-new rot.log
# shellcheck disable=SC2086
camaudit ingest -q --db ../late.db rot.log $(echo $logs | sed 's/cache-z.log//')
camaudit audit -q --db ../late.db --new --type all --format json > ../late-1.json
camaudit ingest -q --db ../late.db cache-z.log
camaudit audit -q --db ../late.db --new --type all --format json > ../late-2.json
cd ..
"$JQ" -c 'select(.ref | startswith("cache-z.log:") | not)' edge.ndjson > early.ndjson
"$JQ" -c 'select(.ref | startswith("cache-z.log:"))' edge.ndjson > late.ndjson
ch --db e3.chdb --load early.ndjson --new --record > ch-late-1.json 2>/dev/null
same_findings "new.sql first reports what audit --new first reports" late-1.json ch-late-1.json
ch --db e3.chdb --new > ch-late-0.json 2>/dev/null
check "then nothing is new" test ! -s ch-late-0.json
ch --db e3.chdb --load late.ndjson --new --record > ch-late-2.json 2>/dev/null
same_findings "after the late log, what audit --new reports" late-2.json ch-late-2.json
check "which is two findings" test "$(wc -l < ch-late-2.json)" -eq 2

# --- --new: a request id that two deliveries share -----------------------------------------
# Relays reuse request ids (varnishncsa's vxid is a counter): as for
# audit --new, a finding is its serve, and a later delivery with the same
# request id is new.
mkdir reuse && cd reuse
{
	echo "ts=2019-12-01T00:00:00Z op=bind device=cam-a account=alice"
	echo "ts=2019-12-01T00:00:00Z op=bind device=cam-b account=bob"
} > registry.log
{
	echo "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k1 device=cam-a"
	echo "ts=2019-12-27T08:00:00Z op=fill node=n2 key=k2 device=cam-b"
} > cache.log
echo "ts=2019-12-26T08:00:01Z req=32770 account=bob key=k1 node=n1 relay=relay-a status=200" > relay-a.log
echo "ts=2019-12-27T08:00:01Z req=32770 account=alice key=k2 node=n2 relay=relay-b status=200" > relay-b.log
camaudit ingest -q --db ../reuse.db registry.log cache.log relay-a.log
camaudit audit -q --db ../reuse.db --new --type all --format json > ../reuse-1.json
camaudit ingest -q --db ../reuse.db relay-b.log
camaudit audit -q --db ../reuse.db --new --type all --format json > ../reuse-2.json
camaudit normalize -q registry.log cache.log relay-a.log > ../reuse-early.ndjson
camaudit normalize -q relay-b.log > ../reuse-late.ndjson
cd ..
ch --db reuse.chdb --load reuse-early.ndjson --new --record > ch-reuse-1.json 2>/dev/null
same_findings "new.sql reports the first delivery with request id 32770" reuse-1.json ch-reuse-1.json
ch --db reuse.chdb --load reuse-late.ndjson --new --record > ch-reuse-2.json 2>/dev/null
same_findings "and the next delivery with that id, as audit --new does" reuse-2.json ch-reuse-2.json
equal "alice's, on the next day" "alice 2019-12-27T08:00:01.000Z" \
	"$("$JQ" -r '[.viewer_account, .served_at] | join(" ")' ch-reuse-2.json)"

# --- one day at a time ----------------------------------------------------------------------
# Every serve belongs to one day, so the days' findings are the whole's
# (the fills before a day are in the tables: docs/scaling.md says what a
# partition must carry over when they are not).
d1=$(ms 2020-01-01T00:00:00Z) d2=$(ms 2020-01-02T00:00:00Z) d3=$(ms 2020-01-03T00:00:00Z)
ch --db e1.chdb --since "$d1" --until "$d2" --findings > day1.json 2>/dev/null
ch --db e1.chdb --since "$d2" --until "$d3" --findings > day2.json 2>/dev/null
check "both days have findings" sh -c "test -s day1.json && test -s day2.json"
cat day1.json day2.json > days.json
same_findings "and together they are the whole's" edge-whole.json days.json
check "the fill a second before midnight is found for the serve after it" \
	grep -q '"serve_ref":"relay.log:15".*"fill_ref":"cache-x.log:12"' day2.json

# --- partitions that hold only their own rows: 2 regions x 2 days ---------------------
# Region A: nodes n1 and n2 and the relay; region B: node n9, whose fill
# of frame f-old region A serves.  A partition (region, day D) holds its
# relays' serves of D; its nodes' fills and removals from D - largest
# TTL - skew to D + 1 day + skew; carried over, for each (node, key), the
# last fill before that and the key's removals after it on the node; the
# fills, in any region, of the frames its serves name; and the registry
# before D + 1 day (docs/scaling.md, Partitions).
ttl=$("$JQ" -s '[.[] | select(.kind == "fill") | .ttl_ms | numbers] | max // 0' edge.ndjson)
partition() { # REGION_NODES HAS_RELAYS DAY_START DAY_END: the partition's records
	"$JQ" -c -s --argjson nodes "$1" --argjson relays "$2" --argjson d "$3" \
		--argjson e "$4" --argjson lo "$(($3 - ttl - 2000))" \
		--argjson hi "$(($4 + 2000))" '
	def order: [.ts_ms, (.event_id | split(":")[0]), (.event_id | split(":")[1] | tonumber)];
	def mine: (.node as $n | $nodes | index($n)) != null;
	[.[] | select($relays and .kind == "serve" and .ts_ms >= $d and .ts_ms < $e)] as $serves
	| ([.[] | select((.kind == "fill" or .kind == "removal") and mine
	                 and .ts_ms >= $lo and .ts_ms <= $hi)]) as $window
	| ([.[] | select(.kind == "fill" and mine and .ts_ms < $lo)]
	   | group_by([.node, .key]) | map(sort_by(order) | last)) as $carried
	| ([.[] | select(.kind == "removal" and mine and .ts_ms < $lo)] as $rm
	   | [$carried[] as $f | $rm[] | select(.node == $f.node and .key == $f.key
	                                       and .ts_ms >= $f.ts_ms)]) as $removed
	| ([$serves[].frame | strings] | unique) as $frames
	| ([.[] | select(.kind == "fill" and .frame != null)
	   | select(.frame as $f | $frames | index($f))]) as $framed
	| ([.[] | select((.kind == "binding" or .kind == "share") and .ts_ms < $e)]) as $registry
	| ($serves + $window + $carried + $removed + $framed + $registry)[]' edge.ndjson
}
: > parts.json
for region in '["n1","n2"] true' '["n9"] false'; do
	for day in "$d1 $d2" "$d2 $d3"; do
		# shellcheck disable=SC2086 # two words each
		set -- $region $day
		partition "$1" "$2" "$3" "$4" > part.ndjson
		rm -rf part.chdb
		ch --db part.chdb --load part.ndjson --since "$3" --until "$4" --findings >> parts.json 2>/dev/null
	done
done
same_findings "the union of the 4 partitions' findings is the whole's" edge-whole.json parts.json
check "including the fill without a TTL from the day before" \
	grep -q '"serve_ref":"relay.log:17".*"fill_ref":"cache-x.log:14"' parts.json
check "and the frame filled in the other region" \
	grep -q '"serve_ref":"relay.log:16".*"fill_ref":"cache-x.log:13"' parts.json

# --- an incident from bench/gen ------------------------------------------------------------
# bench/gen as built, else built here from its source (make check does
# not build it; distcheck's tree has not).
gen=$(dirname "$CAMAUDIT")/bench/gen
[ -x "$gen" ] || { cc -std=c11 -O2 -I"$(dirname "$CAMAUDIT")" -o gen-bin \
	"$srcdir/bench/gen.c" -lz 2> /dev/null && gen=./gen-bin; }
if [ -x "$gen" ]; then
	mkdir gen && "$gen" gen 20000 7 full > /dev/null
	set -- gen/relay-a.log.gz gen/relay-b.log.gz gen/cache.log.gz gen/registry.log
	camaudit scan --type all --format json "$@" > gen-scan.json 2> gen-scan.err
	scan_status=$?
	expect_exit "$scan_status" "a generated incident: contrib/clickhouse/audit" \
		"$srcdir/contrib/clickhouse/audit" "$@"
	check "prints what scan prints" cmp -s gen-scan.json out
	equal "with its summary" "$(grep -v ' files: ' gen-scan.err)" "$(cat err)"
else
	for t in "a generated incident" "prints what scan prints" "with its summary"; do
		test_count=$((test_count + 1))
		echo "ok $test_count - $t # SKIP bench/gen could not be built (make bench/gen)"
	done
fi

done_testing
