#!/bin/sh
# Status: the sources in the store with their kind and counts, the time
# span of each relay and cache node, and the coverage gaps (an hour in
# which relays served from a cache node that wrote no cache log line), as
# aligned text and as one JSON object; read-only stores; escaping.
. "$srcdir/tests/lib.sh"

# cache-2 writes lines at 08:01, 08:59:59.999, 10:00 and 10:30 but none in
# the 09:00 hour, while relays serve from it at 09:15 (200) and 09:20
# (304): that hour, and only it, is a gap.  cache-1 is logged in both of
# its hours; a serve without a node makes no gap.
cat > relay.log <<'EOF'
ts=2019-12-26T08:05:00Z req=q1 account=acct-1 key=k1 node=cache-1 relay=relay-a status=200
ts=2019-12-26T08:10:00Z req=q2 account=acct-1 key=k2 node=cache-2 relay=relay-a status=200
ts=2019-12-26T09:15:00Z req=q3 account=acct-2 key=k2 node=cache-2 relay=relay-b status=200
ts=2019-12-26T09:20:00Z req=q4 account=acct-2 key=k2 node=cache-2 relay=relay-a status=304
ts=2019-12-26T09:30:00Z req=q5 account=acct-1 key=k1 node=cache-1 relay=relay-b status=200
ts=2019-12-26T10:40:00Z req=q6 account=acct-2 key=k2 node=cache-2 relay=relay-a status=206
ts=2019-12-26T10:50:00Z req=q7 account=acct-2 key=k3 relay=relay-b status=200
EOF
{
	fill_line 2019-12-26T08:00:00Z cache-1 k1 cam-1
	fill_line 2019-12-26T08:01:00Z cache-2 k2 cam-2
	fill_line 2019-12-26T08:59:59.999Z cache-2 k2 cam-2
	fill_line 2019-12-26T09:00:00Z cache-1 k1 cam-1
	echo "ts=2019-12-26T10:00:00Z op=evict node=cache-2 key=k2"
	fill_line 2019-12-26T10:30:00Z cache-2 k2 cam-2
} > cache.log
printf '%s\n' \
	"ts=2019-12-01T00:00:00Z op=bind device=cam-1 account=acct-1" \
	"ts=2019-12-01T00:00:00Z op=bind device=cam-2 account=acct-2" \
	"ts=not-a-time op=bind device=cam-3 account=acct-3" > registry.log
# A relay line without relay or node, and a registry line, in one file.
printf '%s\n' \
	"ts=2019-12-26T07:00:00Z req=q0 account=acct-3 key=k9" \
	"ts=2019-12-02T00:00:00Z op=bind device=cam-3 account=acct-3" > mixed.log
camaudit ingest -q --db s.db relay.log cache.log registry.log mixed.log

# --- text ---------------------------------------------------------------------
expect_exit 0 "status exits 0" camaudit status --db s.db
cp out status.txt
equal "the sections come in order" \
	"sources: 4|relays: 3|cache nodes: 2|coverage gaps: 1" \
	"$(grep -E '^[a-z]' out | sed 's/ (.*//' | paste -sd '|' -)"
equal "the text shows exactly the missing hour as a gap" \
	"2019-12-26T09:00:00.000Z cache-2 2 1" \
	"$(sed -n '/^coverage gaps/,$p' out | sed -n '3,$p' | tr -s ' ' | sed 's/^ //')"
grep_file "the gap section has its heading" \
	"^  HOUR +NODE +SERVES +DELIVERIES$" out
grep_file "a source row: name, fingerprint, kind, lines, bytes, events, rejected, time, damaged" \
	"^  relay\.log +[0-9a-f]{16}  relay +7 +$(wc -c < relay.log) +7 +0  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z  none$" out
grep_file "the registry log is a registry source with its rejected line" \
	"^  registry\.log +[0-9a-f]{16}  registry +3 +170 +2 +1 " out
grep_file "the cache log is a cache source" "^  cache\.log +[0-9a-f]{16}  cache +6 " out
grep_file "a log with relay and registry lines is mixed" "^  mixed\.log +[0-9a-f]{16}  mixed +2 " out
grep_file "a relay's span and serve count" \
	"^  relay-a +2019-12-26T08:05:00\.000Z  2019-12-26T10:40:00\.000Z +4$" out
grep_file "the other relay's span" \
	"^  relay-b +2019-12-26T09:15:00\.000Z  2019-12-26T10:50:00\.000Z +3$" out
grep_file "serves without a relay are shown as -" \
	"^  - +2019-12-26T07:00:00\.000Z  2019-12-26T07:00:00\.000Z +1$" out
grep_file "a node's span counts fills and removals" \
	"^  cache-2 +2019-12-26T08:01:00\.000Z  2019-12-26T10:30:00\.000Z +4$" out
grep_file "the other node's span" \
	"^  cache-1 +2019-12-26T08:00:00\.000Z  2019-12-26T09:00:00\.000Z +2$" out
grep_file "a warning about the gap goes to stderr" \
	"^camaudit: warning: 1 coverage gap \(an hour in which relays served from a cache node that wrote no cache log line\): an audit there means unknown, not clean; are cache logs missing\?$" err
# Each row of a section whose last column is a right-aligned count is as
# long as its heading; in sources, each column starts under its heading.
for section in relays "cache nodes" "coverage gaps"; do
	equal "$section: the rows line up with the heading" 1 \
		"$(sed -n "/^$section:/,/^\$/p" out | grep '^  ' | awk '{ print length($0) }' | sort -u | wc -l | tr -d ' ')"
done
equal "sources: the fingerprints and times start under their headings" "ok" \
	"$(sed -n '/^sources:/,/^$/p' out | awk '
		/^  NAME/ { f = index($0, "FINGERPRINT"); t = index($0, "LAST_INGESTED"); next }
		/^  / { if (substr($0, f - 2, 18) !~ /^  [0-9a-f]+$/) bad = 1
			if (substr($0, t - 2, 26) !~ /^  [0-9]+-[0-9]+-[0-9]+T[0-9:.]+Z$/) bad = 1 }
		END { print (f && !bad) ? "ok" : "bad" }')"
expect_exit 0 "--quiet drops the warning" camaudit status -q --db s.db
check "nothing on stderr with --quiet" test ! -s err
check "--quiet changes nothing on stdout" cmp -s out status.txt

# --- JSON ---------------------------------------------------------------------
expect_exit 0 "--format json exits 0" camaudit status --db s.db --format json
check "stdout is one JSON object" "$JQ" -e -s 'length == 1 and (.[0] | type == "object")' out
equal "its keys are sources, relays, nodes, gaps, in that order" \
	"sources,relays,nodes,gaps" "$("$JQ" -r 'keys_unsorted | join(",")' out)"
equal "the JSON shows exactly the missing hour as a gap" \
	'[{"hour":"2019-12-26T09:00:00.000Z","node":"cache-2","serves":2,"deliveries":1}]' \
	"$("$JQ" -c .gaps out)"
equal "source keys are the documented ones" \
	"name,fingerprint,kind,lines,bytes,events,rejected,last_ingested_at,damaged" \
	"$("$JQ" -r '.sources[0] | keys_unsorted | join(",")' out)"
equal "sources: name, kind and counts" \
	"cache.log cache 6 6 0
mixed.log mixed 2 2 0
registry.log registry 3 2 1
relay.log relay 7 7 0" \
	"$("$JQ" -r '.sources[] | [.name, .kind, .lines, .events, .rejected] | join(" ")' out)"
equal "bytes are the bytes read" "$(wc -c < relay.log | tr -d ' ')" \
	"$("$JQ" -r '.sources[] | select(.name == "relay.log") | .bytes' out)"
equal "the fingerprint is FNV-1a 64 of the head" a8ec248fc3f0680c \
	"$("$JQ" -r '.sources[] | select(.name == "registry.log") | .fingerprint' out)"
check "counts are JSON numbers" "$JQ" -e \
	'[.sources[] | .lines, .bytes, .events, .rejected] + [.relays[], .nodes[] | .events] + [.gaps[] | .serves, .deliveries] | all(type == "number")' out
check "an undamaged source has damaged null" "$JQ" -e 'all(.sources[]; .damaged == null)' out
check "last_ingested_at is RFC 3339 UTC with ms" "$JQ" -e \
	'all(.sources[]; .last_ingested_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"))' out
equal "relay spans" \
	'[{"relay":"relay-a","first_event_at":"2019-12-26T08:05:00.000Z","last_event_at":"2019-12-26T10:40:00.000Z","events":4},{"relay":"relay-b","first_event_at":"2019-12-26T09:15:00.000Z","last_event_at":"2019-12-26T10:50:00.000Z","events":3},{"relay":null,"first_event_at":"2019-12-26T07:00:00.000Z","last_event_at":"2019-12-26T07:00:00.000Z","events":1}]' \
	"$("$JQ" -c .relays out)"
equal "node spans" \
	'[{"node":"cache-1","first_event_at":"2019-12-26T08:00:00.000Z","last_event_at":"2019-12-26T09:00:00.000Z","events":2},{"node":"cache-2","first_event_at":"2019-12-26T08:01:00.000Z","last_event_at":"2019-12-26T10:30:00.000Z","events":4}]' \
	"$("$JQ" -c .nodes out)"

# --- fingerprints follow content, not names ------------------------------------
cp registry.log renamed.log
camaudit ingest -q --db s.db renamed.log
expect_exit 0 "status after a renamed copy" camaudit status --db s.db --format json
equal "the copy adds no source; the source takes its newest name" \
	"a8ec248fc3f0680c renamed.log 4" \
	"$("$JQ" -r '[(.sources[] | select(.kind == "registry") | .fingerprint, .name), (.sources | length)] | join(" ")' out)"

# --- the cache hour arrives late ------------------------------------------------
fill_line 2019-12-26T09:40:00Z cache-2 k2 cam-2 > late-cache.log
camaudit ingest -q --db s.db late-cache.log
expect_exit 0 "status after the missing cache hour arrived" camaudit status --db s.db --format json
equal "the gap is gone" "[]" "$("$JQ" -c .gaps out)"
check "and no warning is given" test ! -s err
expect_exit 0 "text status without gaps" camaudit status --db s.db
grep_file "the text says there are none" "^coverage gaps: none$" out

# --- an empty store and a damaged source ----------------------------------------
: > empty.log
camaudit ingest -q --db e.db empty.log
expect_exit 0 "status of an empty store" camaudit status --db e.db --format json
equal "every section is an empty array" '{"sources":[],"relays":[],"nodes":[],"gaps":[]}' \
	"$("$JQ" -c . out)"
expect_exit 0 "text status of an empty store" camaudit status --db e.db
equal "each section says none" "sources: none|relays: none|cache nodes: none|coverage gaps: none" \
	"$(grep -v '^$' out | paste -sd '|' -)"

gzip -c relay.log | head -c 150 > cut.log.gz
expect_exit 3 "ingesting a truncated gzip file fails" camaudit ingest -q --db d.db cut.log.gz
expect_exit 0 "status of a store with a damaged source" camaudit status --db d.db --format json
equal "the damage is shown" "gzip data truncated (unexpected end of file)" \
	"$("$JQ" -r '.sources[0].damaged' out)"
expect_exit 0 "text status of a damaged source" camaudit status --db d.db
grep_file "the text shows the reason" "  gzip data truncated \(unexpected end of file\)$" out

# --- escaping: node names and file names are untrusted -------------------------
esc=$(printf '\033')
printf 'ts=2019-12-26T09:00:00Z account=a key=k node=evil%s[31m relay=r%s]0;x\n' "$esc" "$esc" \
	> "$(printf 'bad\nname.log')"
camaudit ingest -q --db x.db ./bad*
expect_exit 0 "status with control characters in names" camaudit status --db x.db
check "no escape character reaches the terminal" sh -c "! grep -q \"\$(printf '\\033')\" out"
grep_file "the node is escaped in the gap" '  evil\\x1b\[31m +1 +1$' out
grep_file "the relay is escaped" '^  r\\x1b\]0;x ' out
grep_file "the file name is escaped" '^  \./bad\\nname\.log ' out
expect_exit 0 "JSON status with control characters in names" camaudit status --db x.db --format json
check "no escape character in the JSON either" sh -c "! grep -q \"\$(printf '\\033')\" out"
equal "JSON keeps the exact name" "$(printf 'evil\033[31m')" "$("$JQ" -r '.gaps[0].node' out)"
equal "JSON keeps the exact file name" "$(printf './bad\nname.log')" "$("$JQ" -r '.sources[0].name' out)"

# --- the database: default, read-only, missing, foreign --------------------------
camaudit ingest -q relay.log cache.log
expect_exit 0 "status uses \$CAMAUDIT_DB without --db" camaudit status --format json
equal "it read that database" "2" "$("$JQ" '.sources | length' out)"

cp s.db ro.db
chmod 0444 ro.db
expect_exit 0 "status works on a read-only database file" camaudit status --db ro.db --format json
check "and prints its status" "$JQ" -e '.sources | length == 5' out
mkdir rodir
cp s.db rodir/
chmod 0555 rodir
expect_exit 0 "status works in a read-only directory" camaudit status --db rodir/s.db --format json
check "and prints its status" "$JQ" -e '.sources | length == 5' out
chmod 0755 rodir

reader_errors status s.db

# --- --max-age: a stopped log shipper is noticed ------------------------------------
now=$(date -u +%s)
{
	echo "ts=$((now - 600)) op=fill node=fresh key=k device=cam-1"
	echo "ts=$((now - 10800)) op=fill node=late key=k device=cam-1"
	echo "ts=$((now - 300)) req=a account=acct-1 key=k node=fresh relay=r1"
	echo "ts=$((now - 7200)) req=b account=acct-1 key=k node=late relay=r2"
} > fresh.log
camaudit ingest -q --db age.db fresh.log
expect_exit 0 "everything newer than --max-age: exit 0" camaudit status -q --db age.db --max-age 4h
check "with no warning" test ! -s err
grep_file "and the status on stdout" "^cache nodes: 2" out
expect_exit 7 "a relay or node older than --max-age: exit 7" camaudit status --db age.db --max-age 1h
grep_file "the status is still shown" "^relays: 2" out
equal "each stale relay and node is named, oldest first, in one line each" \
"camaudit: warning: cache node late: newest event $(date -u -d @$((now - 10800)) +%Y-%m-%dT%H:%M:%S).000Z, older than --max-age 1h
camaudit: warning: relay r2: newest event $(date -u -d @$((now - 7200)) +%Y-%m-%dT%H:%M:%S).000Z, older than --max-age 1h" \
	"$(grep warning err | grep -v 'coverage gap')"
expect_exit 7 "--quiet does not hide them" camaudit status -q --db age.db --max-age 1h
equal "two lines" 2 "$(wc -l < err)"
echo "ts=$((now - 60)) req=c account=acct-1 key=k node=silent relay=r1" > silent.log
camaudit ingest -q --db age.db silent.log
expect_exit 7 "a node named by relay lines that never wrote a cache line is stale" \
	camaudit status -q --db age.db --max-age 4h
equal "and named" "camaudit: warning: cache node silent: relay lines name it but it wrote no cache line at all" "$(cat err)"
camaudit ingest -q --db empty.db "$srcdir/tests/data/small/registry.log"
expect_exit 7 "a store without relay lines has nothing fresh" camaudit status -q --db empty.db --max-age 1d
grep_file "it says so" "^camaudit: warning: no relay line in the store: nothing is fresh$" err
expect_exit 0 "without --max-age that is no failure" camaudit status -q --db empty.db
for bad in 1 1x -1h ""; do
	expect_exit 2 "--max-age '$bad' is a usage error" camaudit status --db age.db --max-age "$bad"
done
grep_file "it names the value and the form" "invalid --max-age '' \(a duration such as 90m, 2h, 1d\)" err

# --- the command line -------------------------------------------------------------
expect_exit 0 "--help exits 0" camaudit status --help
grep_file "--help shows the usage" "^usage: camaudit status " out
for opt in --db --format --max-age --quiet --help; do
	grep_file "--help documents $opt" "$opt" out
done
expect_exit 0 "camaudit --help lists status" camaudit --help
grep_file "with a summary" "^  status +" out
expect_exit 2 "a bad --format is a usage error" camaudit status --db s.db --format table
grep_file "it names the value and the choices" "invalid --format 'table' \(use text, json, csv or tsv\); see 'camaudit status --help'" err
expect_exit 2 "status takes no operands" camaudit status --db s.db relay.log
grep_file "it points at --db" "unexpected argument 'relay.log'" err
expect_exit 2 "an unknown option is a usage error" camaudit status --bogus

# --- the tallies ingest keeps --------------------------------------------------------
# status and --new ask of whole hours and read the gaps from the per-node,
# per-hour tallies ingest keeps; any other window counts the serves.  Both
# must give the same gap, and a tally changed behind camaudit's back is
# found by check and mended by check --repair.  (The gap of the store
# above before its late cache log.)
camaudit ingest -q --db g.db relay.log cache.log registry.log mixed.log 2> /dev/null
gaps_of() { "$JQ" -c '.coverage.gaps | map([.node, .hour, .serves, .deliveries])' out; }
expect_exit 1 "report of whole hours (from the tallies)" \
	camaudit report -q --db g.db --format json --since 2019-12-26T08:00:00Z --until 2019-12-26T11:00:00Z
whole=$(gaps_of)
equal "the gap, from the tallies" '[["cache-2","2019-12-26T09:00:00.000Z",2,1]]' "$whole"
expect_exit 1 "report of the same serves, not whole hours (from the serves)" \
	camaudit report -q --db g.db --format json --since 2019-12-26T08:00:00.001Z --until 2019-12-26T10:59:59.999Z
equal "the same gap" "$whole" "$(gaps_of)"
expect_exit 0 "check agrees with the tallies" camaudit check -q --db g.db
cp g.db tally.db
sqlite3 tally.db "UPDATE node_hour SET cache_lines = 0 WHERE node = (SELECT id FROM atom WHERE text = 'cache-1')"
expect_exit 1 "check finds tallies changed behind its back" camaudit check -q --db tally.db
grep_file "and says how many" "^camaudit: warning: 2 of the cache nodes' hourly tallies differ from a count from scratch$" err
expect_exit 1 "check --repair counts them again" camaudit check -q --repair --db tally.db
expect_exit 0 "then check finds nothing" camaudit check -q --db tally.db
expect_exit 0 "and status shows the one gap again" camaudit status -q --db tally.db --format json
equal "the one gap" 1 "$("$JQ" '.gaps | length' out)"

done_testing
