#!/bin/sh
# Export: every event of the store as NDJSON or CSV, in a stable order;
# loaded back into a fresh store (each record written as a logfmt line at
# its original FILE:LINE), it gives byte-identical findings.  Also the
# record keys, escaping, CSV defusing, --events, the window, an empty
# store, an old schema, and the errors.
. "$srcdir/tests/lib.sh"

tab=$(printf '\t')
esc=$(printf '\033')

cp -R "$srcdir/samples" samples
mkdir -p extra/small
cp "$srcdir/tests/data/small"/*.log extra/small/
# What samples/ lacks: values that need quoting and escaping, text where a
# number is usual, a negative number, a cell that a spreadsheet would run,
# a blank and a rejected line before later events (so the rebuilt file must
# keep line numbers), and every op.
{
	printf '%s\n' 'ts=2019-12-26T09:00:00.000Z req="r x \"1\" \\ y" account==1+2 device=cam-e key="k\tq" frame=a\b node=cache-e relay=relay-e cache=MISS status=-'
	echo
	echo 'ts=not-a-time account=acct-e key=k'
	echo 'ts=2019-12-26T08:59:59.000Z op=fill node=cache-e key="k\tq" device=cam-e frame=f-e ttl_ms=soon gen=-5'
	echo 'ts=2019-12-26T09:00:01Z op=purge node=cache-e key="k\tq"'
	echo 'ts=2019-12-26T09:00:02Z op=evict node=cache-e key=k2'
	echo 'ts=2019-12-26T09:00:03Z op=expire node=cache-e key=k3'
	echo 'ts=2019-12-01T00:00:00Z op=bind device=cam-e account=acct-e'
	echo 'ts=2019-12-02T00:00:00Z op=unbind device=cam-e account=acct-e'
	echo 'ts=2019-12-02T00:00:00Z op=share device=cam-e account=acct-f'
	echo 'ts=2019-12-04T00:00:00Z op=unshare device=cam-e account=acct-f'
	printf 'ts=2019-12-26T09:00:04Z account=acct-f key=k3 relay=r%s[31m\n' "$esc"
} > extra/edge.log

camaudit ingest -q --db a.db samples/ extra/ 2> ingest.err
check "the fixtures are ingested (one line rejected)" grep -q "edge.log:3: rejected" ingest.err

# --- NDJSON ----------------------------------------------------------------------
expect_exit 0 "export exits 0" camaudit export --db a.db
mv out export.ndjson
events=$(rows a.db "SELECT (SELECT count(*) FROM serves) + (SELECT count(*) FROM fills)
	+ (SELECT count(*) FROM removals) + (SELECT count(*) FROM bindings)
	+ (SELECT count(*) FROM shares)")
equal "one record per event of the views" "$events" "$(wc -l < export.ndjson | tr -d ' ')"
check "every line is one JSON object" "$JQ" -e -s 'length > 8000 and all(type == "object")' export.ndjson
count() { "$JQ" -r "select(.kind == \"$1\") | 1" export.ndjson | wc -l | tr -d ' '; }
equal "the summary on stderr counts each kind" \
	"camaudit: $events events exported: $(count serve) serves, $(count fill) fills, $(count removal) removals, $(count binding) bindings, $(count share) shares" \
	"$(cat err)"
equal "the kinds and their keys, in order" \
	"binding kind,ts,ts_ms,ref,event_id,op,device,account
fill kind,ts,ts_ms,ref,event_id,op,node,key,device,frame,ttl_ms,gen
removal kind,ts,ts_ms,ref,event_id,op,node,key
serve kind,ts,ts_ms,ref,event_id,node,key,device,frame,account,relay,cache,req,status
share kind,ts,ts_ms,ref,event_id,op,device,account" \
	"$("$JQ" -r '"\(.kind) \(keys_unsorted | join(","))"' export.ndjson | sort -u)"
equal "the ops of removals, bindings and shares" \
	"binding bind,binding unbind,fill fill,removal evict,removal expire,removal purge,share share,share unshare" \
	"$("$JQ" -r 'select(.op) | "\(.kind) \(.op)"' export.ndjson | sort -u | paste -sd , -)"
check "ts is ts_ms as RFC 3339 UTC with milliseconds" "$JQ" -e -s 'all(.[];
	.ts == ((.ts_ms / 1000 | floor | todate | rtrimstr("Z")) + "."
		+ ((1000 + .ts_ms % 1000) | tostring | .[1:]) + "Z"))' export.ndjson
check "records are ordered by time" "$JQ" -e -s '[.[].ts_ms] as $t | $t == ($t | sort)' export.ndjson
check "each ref is FILE:LINE" "$JQ" -e -s 'all(.[]; .ref | test("^(samples|extra)/.+:[1-9][0-9]*$"))' export.ndjson
check "each event id is 16 hex digits and the ref's line" "$JQ" -e -s 'all(.[];
	(.event_id | test("^[0-9a-f]{16}:[1-9][0-9]*$"))
	and (.event_id | sub("^.*:"; "")) == (.ref | sub("^.*:"; "")))' export.ndjson
check "event ids are unique within a kind" "$JQ" -e -s \
	'group_by(.kind) | all(length == (map(.event_id) | unique | length))' export.ndjson
check "a log's lines share one fingerprint, and two logs have two" "$JQ" -e -s '
	group_by(.ref | sub(":[0-9]+$"; "")) | map(map(.event_id | sub(":.*"; "")) | unique)
	| all(length == 1) and (map(.[0]) | length) == (map(.[0]) | unique | length)' export.ndjson
gzip -c samples/registry.log > registry.log.1.gz
camaudit ingest -q --db gz.db registry.log.1.gz
equal "a compressed copy under another name keeps the fingerprint" \
	"$("$JQ" -r 'select(.ref == "samples/registry.log:1") | .event_id' export.ndjson)" \
	"$(camaudit export -q --db gz.db | "$JQ" -r 'select(.ref == "registry.log.1.gz:1") | .event_id')"
equal "within a millisecond, by file, then line as a number" \
	"extra/edge.log:8 extra/small/registry.log:1 extra/small/registry.log:2 extra/small/registry.log:3 extra/small/registry.log:4 | extra/edge.log:9 extra/edge.log:10" \
	"$("$JQ" -r 'select(.ts == "2019-12-01T00:00:00.000Z") | .ref' export.ndjson | paste -sd ' ' -) | $("$JQ" -r 'select(.ts == "2019-12-02T00:00:00.000Z") | .ref' export.ndjson | paste -sd ' ' -)"
grep_file "the edge serve keeps its values exactly, escaped" \
	'^\{"kind":"serve","ts":"2019-12-26T09:00:00.000Z","ts_ms":1577350800000,"ref":"extra/edge.log:1","event_id":"[0-9a-f]{16}:1","node":"cache-e","key":"k\\tq","device":"cam-e","frame":"a\\\\b","account":"=1\+2","relay":"relay-e","cache":"MISS","req":"r x \\"1\\" \\\\ y","status":"-"\}$' \
	export.ndjson
check "no raw escape character in the JSON" sh -c "! grep -q '$esc' export.ndjson"
equal "a control character is escaped and decodes back" "r$esc[31m" \
	"$("$JQ" -r 'select(.ref == "extra/edge.log:12") | .relay' export.ndjson)"
equal "integers are JSON numbers, text where a number is usual stays a string" \
	"string number string" \
	"$("$JQ" -r 'select(.ref == "extra/edge.log:1") | .status | type' export.ndjson) $("$JQ" -r 'select(.ref == "extra/edge.log:4") | [.gen, .ttl_ms] | .[] | type' export.ndjson | paste -sd ' ' -)"

# The same logs ingested in another order (other row ids) export the same.
camaudit ingest -q --db b.db extra/small/registry.log samples/relay-b.log.1 extra/ samples/
camaudit export -q --db b.db > export-b.ndjson
check "another store of the same logs exports byte-identically" cmp -s export.ndjson export-b.ndjson

# --- the round trip ----------------------------------------------------------------
# rebuild DIR: each record of the export on stdin becomes a logfmt line at
# its LINE of DIR/FILE (blank lines before it keep the numbering), so that
# the refs, and with them the findings, come out the same.
rebuild() {
	"$JQ" -r '
		def q: if test("^\"|[ \t\n\r]") then
			"\"" + (gsub("\\\\"; "\\\\") | gsub("\""; "\\\"")
				| gsub("\n"; "\\n") | gsub("\t"; "\\t")
				| gsub("\r"; "\\r")) + "\""
			else . end;
		(.ref | capture("^(?<file>.*):(?<line>[0-9]+)$")) as $r
		| [$r.line, $r.file,
		   ([to_entries[] | select(.value != null and
			(.key | IN("kind", "ts_ms", "ref", "event_id") | not))
		     | "\(.key)=\(.value | tostring | q)"] | join(" "))]
		| join("\t")' |
	sort -t "$tab" -k2,2 -k1,1n |
	awk -F "$tab" -v dir="$1" '
		{ f = dir "/" $2
		  if (f != last) {
			if (last != "") close(last)
			last = f; d = f; sub(/\/[^\/]*$/, "", d)
			system("mkdir -p \"" d "\"")
		  }
		  if (n[f] >= $1) { print "two events on " $2 ":" $1 > "/dev/stderr"; bad = 1 }
		  while (n[f] < $1 - 1) { print "" > f; n[f]++ }
		  print $3 > f; n[f]++ }
		END { exit bad }'
}
if rebuild rebuilt < export.ndjson; then
	ok "the export rebuilds into logfmt files, one event per line"
else
	not_ok "the export rebuilds into logfmt files, one event per line"
fi
equal "every source file is rebuilt under its name" \
	"$(find samples extra -type f | LC_ALL=C sort)" \
	"$(cd rebuilt && find samples extra -type f | LC_ALL=C sort)"
equal "the edge file keeps its blank and rejected lines as blank lines" \
	"ts=2019-12-26T09:00:00.000Z node=cache-e key=\"k\\tq\" device=cam-e frame=a\\b account==1+2 relay=relay-e cache=MISS req=\"r x \\\"1\\\" \\\\ y\" status=-||" \
	"$(sed -n 1,3p rebuilt/extra/edge.log | paste -sd '|' -)"
(cd rebuilt && "$CAMAUDIT" ingest -q --db ../fresh.db samples/ extra/) 2> rebuilt.err
check "the rebuilt files ingest without a rejected line (blank lines are skipped)" test ! -s rebuilt.err
show rebuilt.err

camaudit audit -q --db a.db --type all --format json > findings.json
camaudit audit -q --db fresh.db --type all --format json > findings-fresh.json
check "the original store has findings of every type" "$JQ" -e -s \
	'[.[].type] | unique == ["cross_tenant", "device_mismatch", "unattributed", "unknown_owner"]' findings.json
check "the fresh store gives byte-identical findings, refs included" cmp -s findings.json findings-fresh.json
camaudit export -q --db fresh.db > export-fresh.ndjson
# The rebuilt files hold other bytes, so other fingerprints.
equal "and exports the same records but for their event ids" \
	"$("$JQ" -c 'del(.event_id)' export.ndjson)" "$("$JQ" -c 'del(.event_id)' export-fresh.ndjson)"

# --- CSV ------------------------------------------------------------------------------
edge_fp=$("$JQ" -r 'select(.ref == "extra/edge.log:1") | .event_id | sub(":.*"; "")' export.ndjson)
expect_exit 0 "export --format csv exits 0" camaudit export --db a.db --format csv
mv out export.csv
equal "the header row names every key" \
	"kind,ts,ts_ms,ref,event_id,op,node,key,device,frame,account,relay,cache,req,status,ttl_ms,gen" \
	"$(head -n 1 export.csv | tr -d '\r')"
equal "one row per NDJSON record" "$(wc -l < export.ndjson | tr -d ' ')" \
	"$(($(wc -l < export.csv) - 1))"
check "every line ends in CRLF" sh -c "! tr -d '\r' < export.csv | cmp -s - export.csv && [ \$(grep -c \"\$(printf '\r')\$\" export.csv) -eq \$(wc -l < export.csv) ]"
equal "a value that starts with = is defused" \
	"serve,2019-12-26T09:00:00.000Z,1577350800000,extra/edge.log:1,$edge_fp:1,,cache-e,k\\tq,cam-e,a\\b,'=1+2,relay-e,MISS,\"r x \"\"1\"\" \\ y\",'-,," \
	"$(grep 'extra/edge.log:1,' export.csv | tr -d '\r')"
equal "a fill row has its own columns, the others empty; -5, a number, is not defused" \
	"fill,2019-12-26T08:59:59.000Z,1577350799000,extra/edge.log:4,$edge_fp:4,fill,cache-e,k\\tq,cam-e,f-e,,,,,,soon,-5" \
	"$(grep 'extra/edge.log:4,' export.csv | tr -d '\r')"
expect_exit 0 "--keep-formulas" camaudit export --db a.db --format csv --keep-formulas
grep_file "keeps the cell as it was" '^serve,.*,extra/edge\.log:1,.*,=1\+2,' out
check "no raw escape character in the CSV" sh -c "! grep -q '$esc' export.csv"

# --- selecting ----------------------------------------------------------------------
expect_exit 0 "--events picks kinds" camaudit export --db a.db --events fill,binding
equal "only those kinds, all of them" \
	"$("$JQ" -c 'select(.kind == "fill" or .kind == "binding")' export.ndjson)" "$(cat out)"
expect_exit 0 "--since and --until pick a window of event time" \
	camaudit export --db a.db --since 2019-12-26T08:14:00Z --until 2019-12-26T08:20:00Z
equal "the records in [since, until), every kind" \
	"$("$JQ" -c 'select(.ts >= "2019-12-26T08:14:00.000Z" and .ts < "2019-12-26T08:20:00.000Z")' export.ndjson)" \
	"$(cat out)"
check "and that window is not empty" test -s out
expect_exit 2 "an unknown kind is a usage error" camaudit export --db a.db --events serve,evictions
grep_file "it names the kinds" "^camaudit: invalid --events 'serve,evictions' \(use a comma list of serve, fill, removal, binding, share, or all\); see 'camaudit export --help'$" err
expect_exit 2 "an empty window is a usage error" camaudit export --db a.db --since 2019-12-27 --until 2019-12-26

# --- an empty store ----------------------------------------------------------------
: > empty.log
camaudit ingest -q --db e.db empty.log
expect_exit 0 "export of an empty store exits 0" camaudit export --db e.db
check "and prints nothing" test ! -s out
grep_file "the summary says so" "^camaudit: 0 events exported: 0 serves, 0 fills, 0 removals, 0 bindings, 0 shares$" err
expect_exit 0 "CSV export of an empty store" camaudit export --db e.db --format csv -q
equal "is the header row alone" 1 "$(wc -l < out | tr -d ' ')"
check "--quiet: nothing on stderr" test ! -s err

# --- a store written by an older camaudit -------------------------------------------
# store-v2.sql is what camaudit 0.1.0 (schema 2) stored from tests/data/small
# under that name; export upgrades it first, which takes the write lock.
sqlite3 old.db < "$srcdir/tests/data/store-v2.sql"
mkdir -p tests/data && cp -R "$srcdir/tests/data/small" tests/data/
camaudit ingest -q --db small.db tests/data/small
{ echo "BEGIN IMMEDIATE;"; echo "CREATE TABLE lock (x);"; sleep 3; echo "ROLLBACK;"; } | sqlite3 old.db &
locker=$!
sleep 0.5
expect_exit 4 "upgrading an older store waits for the lock at most --wait" \
	camaudit export --db old.db --wait 200ms
grep_file "it says the database is busy" "^camaudit: database old.db is busy: .*see --wait" err
check "and prints nothing" test ! -s out
wait $locker
expect_exit 0 "export of a schema 2 store upgrades it" camaudit export -q --db old.db
grep_file "and says so" "^camaudit: warning: database old.db: upgraded from schema 2 to $(rows small.db 'PRAGMA user_version')$" err
equal "it exports what a fresh store of the same files exports" \
	"$(camaudit export -q --db small.db)" "$(cat out)"
check "which is not nothing" test -s out
equal "the store is now at the latest version" "$(rows small.db 'PRAGMA user_version')" "$(rows old.db 'PRAGMA user_version')"

# --- errors and the command line ------------------------------------------------------
reader_errors export a.db
expect_exit 0 "--help exits 0" camaudit export --help
grep_file "--help shows the usage" "^usage: camaudit export " out
for opt in --db --format --events --since --until --wait --keep-formulas --quiet --help; do
	grep_file "--help documents $opt" "$opt" out
done
expect_exit 0 "camaudit --help lists export" camaudit --help
grep_file "with a summary" "^  export +" out
expect_exit 2 "an unknown --format is a usage error" camaudit export --db a.db --format json
grep_file "it names the value and the choices" "^camaudit: invalid --format 'json' \(use ndjson, csv or tsv\); see 'camaudit export --help'$" err
check "nothing on stdout" test ! -s out
expect_exit 2 "export takes no operands" camaudit export --db a.db samples/relay-a.log
grep_file "it points at --db" "unexpected argument 'samples/relay-a.log' \(export reads the database; give it with --db\)" err
expect_exit 2 "an unknown option is a usage error" camaudit export --bogus

done_testing
