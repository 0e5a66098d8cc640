#!/bin/sh
# The sample incident end to end: scan finds exactly the deliveries that
# the generator planted (tests/data/samples.expected, from its simulation,
# not from correlating logs), whatever the order, names and compression of
# the files, and re-ingesting changes nothing.
. "$srcdir/tests/lib.sh"

samples="$srcdir/samples"
expected="$srcdir/tests/data/samples.expected"
verdicts() { "$JQ" -r '[.request_id, .type] | @tsv' "$1" | LC_ALL=C sort; }

expect_exit 1 "scan of the samples finds leaks (exit 1)" \
	camaudit scan --type all --format json "$samples"
equal "every finding and nothing else, with its type" "$(cat "$expected")" "$(verdicts out)"
check "every finding names its serve line" "$JQ" -e -s 'all(.serve_ref | test(":[0-9]+$"))' out
check "every attributed finding names its fill line" \
	"$JQ" -e -s 'all(select(.type != "unattributed") | .fill_ref | test(":[0-9]+$"))' out

expect_exit 1 "the default scan reports cross-tenant deliveries" camaudit scan --format json "$samples"
equal "only cross_tenant by default" "$(grep -c cross_tenant "$expected")" "$(wc -l < out)"
grep_file "scan totals its ingest on stderr" "^camaudit: [0-9]+ files: [0-9]+ lines read, [0-9]+ events stored, 0 already ingested, 0 rejected$" err

# The leak window on cache-2: the first and last cross-tenant delivery.
expect_exit 1 "table output of the samples" camaudit scan "$samples"
first=$(awk '$7 == "cache-2" { print $2; exit }' out)
last=$(awk '$7 == "cache-2" { t = $2 } END { print t }' out)
check "the leak on cache-2 begins after the faulty update ($first)" \
	test "$first" \> 2019-12-26T08:14:00.000Z
check "the leak on cache-2 ends before the rollback ($last)" \
	test "$last" \< 2019-12-26T11:02:00.000Z

# Ingest into a store twice: the second run adds nothing.
expect_exit 0 "ingest of the samples directory" camaudit ingest --db s.db "$samples"
grep_file "gzip without a .gz name is detected" "relay-a.log.1 \(gzip\)" err
expect_exit 1 "audit of the ingested samples" camaudit audit --db s.db --type all --format json
cp out first.json
expect_exit 0 "ingest of the samples again" camaudit ingest --db s.db "$samples"
grep_file "nothing new the second time" "files: ([0-9]+) lines read, 0 events stored, \1 already ingested, 0 rejected$" err
expect_exit 1 "audit after the second ingest" camaudit audit --db s.db --type all --format json
check "re-ingest changed no finding" cmp -s first.json out

# Other names, other order, all compressed or all plain: the same answer.
mkdir shuffled
for f in "$samples"/*; do
	base=$(basename "$f")
	if gzip -t "$f" 2>/dev/null; then
		gzip -dc "$f" > "shuffled/plain-$base"
	else
		gzip -c "$f" > "shuffled/z-$base"
	fi
done
expect_exit 1 "scan of renamed, recompressed files in another order" \
	camaudit scan --type all --format json $(ls shuffled/* | sort -r)
equal "the same findings" "$(cat "$expected")" "$(verdicts out)"

done_testing
