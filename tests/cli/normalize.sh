#!/bin/sh
# normalize: logs read as ingest reads them, written as export writes a
# store of them (the same records, keys and event ids), with no store;
# rejected lines and damage reported as ingest reports them.
. "$srcdir/tests/lib.sh"

cp -R "$srcdir/samples" samples
cp "$srcdir/tests/data/formats/cloudfront.log" "$srcdir/tests/data/formats/nginx.log" .
sorted_csv() { tr -d '\r' | sed 1d | LC_ALL=C sort; }

camaudit ingest -q --db s.db samples cloudfront.log nginx.log
camaudit export -q --db s.db | LC_ALL=C sort > export.sorted
expect_exit 0 "normalize exits 0" camaudit normalize samples cloudfront.log nginx.log
LC_ALL=C sort out > normalize.sorted
check "it writes records" test -s normalize.sorted
check "the records of export of a store of the same logs, event ids and all" \
	cmp -s export.sorted normalize.sorted
grep_file "each file's count on stderr, with its format" \
	'^camaudit: cloudfront.log \(cloudfront\): [0-9]+ lines read, [0-9]+ events written, 0 rejected$' err
grep_file "and rejected lines as ingest reports them" '^camaudit: nginx.log:8: rejected: its fill: missing required field' err
grep_file "and the total" '^camaudit: 19 files: [0-9]+ lines read, [0-9]+ events written, 2 rejected$' err
check "records follow the lines of each file" sh -c \
	"camaudit normalize -q samples/registry.log | '$JQ' -r '.ref' | sed 's/.*://' | sort -nc"

expect_exit 0 "--format csv" camaudit normalize -q --format csv samples
equal "the header row of export" \
	"$(camaudit export -q --db s.db --format csv | head -n 1)" "$(head -n 1 out)"
camaudit export -q --db s.db --format csv | sorted_csv | grep ',samples/' > export-csv.sorted
check "and export's rows" sh -c "sorted_csv() { tr -d '\r' | sed 1d | LC_ALL=C sort; }; sorted_csv < out | cmp -s - export-csv.sorted"
expect_exit 0 "--events picks kinds" camaudit normalize -q --events binding,share samples
equal "only those" "binding share" "$("$JQ" -r .kind out | sort -u | paste -sd ' ' -)"

# A value with a NUL byte (nginx decodes \x00): written whole and escaped,
# in both formats, as export writes it from a store.
sed -n 1p nginx.log > nul.log
sed -n 2p nginx.log | sed 's/"acct-2"/"alice\\x00bob\\xe2\\x80\\xa8x"/' >> nul.log
camaudit ingest -q --db nul.db nul.log
expect_exit 0 "a value with a NUL byte" camaudit normalize -q nul.log
grep_file "is written whole, as \\u0000" '"account":"alice\\u0000bob\\u2028x"' out
equal "as export writes it" "$(camaudit export -q --db nul.db | LC_ALL=C sort)" "$(LC_ALL=C sort out)"
expect_exit 0 "and in CSV" camaudit normalize -q --format csv nul.log
grep_file "whole, escaped, not cut at the NUL (csv)" ',alice\\x00bob\\u2028x,' out
equal "as export writes it (csv)" "$(camaudit export -q --db nul.db --format csv | LC_ALL=C sort)" \
	"$(LC_ALL=C sort out)"

# --- the event id --------------------------------------------------------------------
gzip -c samples/relay-a.log > moved.gz
id_of() { camaudit normalize -q "$1" | "$JQ" -r 'select(.ref | endswith(":7")) | .event_id'; }
equal "a rotated and compressed copy keeps the event ids" "$(id_of samples/relay-a.log)" "$(id_of moved.gz)"
equal "standard input too" "$(id_of samples/relay-a.log)" \
	"$(camaudit normalize -q - < samples/relay-a.log | "$JQ" -r 'select(.ref == "<stdin>:7") | .event_id')"
{ i=0; while [ $i -lt 80 ]; do echo "# a comment line long enough to push the data past four kilobytes, $i"; i=$((i + 1)); done
  cat samples/registry.log; } > long-header.log
camaudit ingest -q --db long.db --input-format logfmt long-header.log
expect_exit 0 "a header longer than 4 KiB" camaudit normalize -q --input-format logfmt long-header.log
equal "gives the store's event ids" "$(camaudit export -q --db long.db | "$JQ" -r .event_id | sort)" \
	"$("$JQ" -r .event_id out | sort)"
check "which are known" sh -c "test -s out && ! grep -q '\"event_id\":null' out"
expect_exit 3 "through a pipe, such a header is an error" sh -c "cat long-header.log | '$CAMAUDIT' normalize -q --input-format logfmt -"
grep_file "that says what to do" '^camaudit: <stdin>: its first data line is not within its first 4096 bytes, and a pipe cannot be read twice to find it \(give the file by name\)$' err
printf 'ts=2019-12-26T09:00:00Z account=a key=k' > unterminated.log
expect_exit 0 "a log of one unterminated line" camaudit normalize -q unterminated.log
grep_file "has no event id yet, as in the store" '"event_id":null' out

# What ingest's per-file line says besides, normalize's says too: lines
# the format skips on purpose (skip-when), and NUL bytes passed over
# before a line (copytruncate under a running writer).
cat > fills.formats <<'END'
format squidfills
kind cache
pattern ^(?<ts>\d+\.\d+) (?<node>\S+) (?<cache>\S+) (?<key>\S+) (?<device>\S+) "(?<note>[^"]*)"$
time epoch
fill-when cache ~ ^TCP_MISS
skip-when note = "health check"
END
{
	echo '1577348043.100 cache-1 TCP_MISS still/low cam-1 "-"'
	echo '1577348043.200 cache-1 TCP_HIT still/low cam-1 "-"'
	echo '1577348043.400 cache-1 TCP_MISS still/x cam-3 "health check"'
} > fills.log
expect_exit 0 "a format that skips lines" camaudit normalize --formats fills.formats fills.log
grep_file "says how many, as ingest does" \
	"^camaudit: fills.log \(squidfills\): 3 lines read, 1 event written, 0 rejected, 2 skipped by the format$" err
{ printf 'ts=2019-12-26T08:00:00Z op=fill node=n key=k device=cam-1 frame=f1\n'
  head -c 300 /dev/zero
  printf 'ts=2019-12-26T08:00:01Z req=r1 account=acct-1 key=k node=n device=cam-1 frame=f1\n'
} > truncated.log
expect_exit 0 "NUL bytes before a line" camaudit normalize truncated.log
grep_file "are passed over and counted, as ingest does" \
	"^camaudit: truncated.log: 2 lines read, 2 events written, 0 rejected, 300 NUL bytes passed over$" err
equal "and the line after them is written" r1 "$("$JQ" -r 'select(.kind == "serve") | .req' out)"

# --- rejects and damage ----------------------------------------------------------------
{ echo 'ts=2019-12-26T09:00:00Z account=a key=k'; echo 'ts=bad account=a key=k'; echo 'op=fill'; } > rejects.log
expect_exit 0 "rejected lines do not fail the run, as for ingest" camaudit normalize rejects.log
grep_file "they are reported with FILE:LINE" "^camaudit: rejects.log:2: rejected: bad timestamp 'bad'" err
grep_file "every one" "^camaudit: rejects.log:3: rejected: missing required field" err
equal "the good line is written" 1 "$(wc -l < out | tr -d ' ')"
head -c 3000 samples/relay-a.log.2.gz > cut.gz
expect_exit 3 "a damaged gzip file exits 3" camaudit normalize -q cut.gz
grep_file "it names the damage" '^camaudit: cut.gz: gzip data truncated' err
check "after the events before it" test -s out
expect_exit 3 "a missing file exits 3" camaudit normalize -q missing.log
grep_file "named" '^camaudit: missing.log: No such file or directory$' err
tar cf logs.tar samples/relay-a.log
expect_exit 3 "an archive is refused, as ingest refuses it" camaudit normalize logs.tar
grep_file "by its magic, with the way out" "^camaudit: logs.tar: a tar archive, not a log; unpack it or give its members' files by name$" err
check "and none of its members' lines is written as the archive's" test ! -s out
gzip -c logs.tar > logs.tar.gz
expect_exit 3 "inside gzip too" camaudit normalize -q logs.tar.gz
grep_file "named as such" "^camaudit: logs.tar.gz: gzip-compressed, a tar archive, not a log" err
expect_exit 3 "a camaudit store is refused" camaudit normalize -q s.db samples/registry.log
grep_file "named" "^camaudit: s.db: a SQLite database" err
check "the other files are still written" grep -q '"ref":"samples/registry.log:1"' out
{ sed -n 1,2p samples/relay-a.log; sed -n 3p samples/relay-a.log | cut -c 1-20 | tr -d '\n'; } > growing.log
expect_exit 0 "a last line still being written is not an error" camaudit normalize growing.log
grep_file "nor rejected; the file's line says it is left" "^camaudit: growing.log: 3 lines read, 2 events written, 0 rejected; the last line, unfinished, is left for the next run$" err
mv out growing.first
sed -n 1,3p samples/relay-a.log > growing.log
expect_exit 0 "once finished" camaudit normalize -q growing.log
equal "the lines before keep their ids" "$("$JQ" -r .event_id growing.first)" \
	"$("$JQ" -r 'select(.ref != "growing.log:3") | .event_id' out)"
equal "and the next run writes the finished line" 1 \
	"$("$JQ" -r 'select(.ref == "growing.log:3") | .kind' out | wc -l | tr -d ' ')"
sed -n 3p samples/relay-a.log | cut -c 1-20 | tr -d '\n' > piped.log
expect_exit 0 "from a pipe, which is final" sh -c "'$CAMAUDIT' normalize - < piped.log"
grep_file "it is rejected as any other line" "^camaudit: <stdin>:1: rejected" err
printf 'this is no log at all\n' > prose.txt
expect_exit 3 "a file no format matches exits 3" camaudit normalize -q prose.txt
grep_file "as ingest says it" "^camaudit: prose.txt: no input format matches its first lines" err

# --- the command line ------------------------------------------------------------------
expect_exit 2 "no files is a usage error" camaudit normalize
grep_file "it says so" "^camaudit: no files to normalize" err
expect_exit 2 "an unknown --format is a usage error" camaudit normalize --format xml samples
expect_exit 2 "an unknown --events is a usage error" camaudit normalize --events serves samples
expect_exit 2 "an unknown --input-format is a usage error" camaudit normalize --input-format nope samples
expect_exit 0 "--help" camaudit normalize --help
for opt in --format --events --keep-formulas --formats --input-format --quiet --help; do
	grep_file "--help documents $opt" "^ *(-., )?$opt" out
done
expect_exit 0 "camaudit --help" camaudit --help
grep_file "lists normalize" "normalize" out
if [ -w /dev/full ]; then
	expect_exit 3 "a failed write is an error" sh -c "'$CAMAUDIT' normalize -q samples > /dev/full"
	grep_file "reported" "^camaudit: writing standard output" err
fi

done_testing
