#!/bin/sh
# Ingest: gzip by content, stdin, directories, and re-ingest that adds only
# what is new however logrotate renamed and compressed the files; rejected
# lines and damaged files reported without losing what was readable.
. "$srcdir/tests/lib.sh"

small="$srcdir/tests/data/small"
events() { rows "$1" "SELECT (SELECT count(*) FROM serve) + (SELECT count(*) FROM fill) + (SELECT count(*) FROM removal) + (SELECT count(*) FROM binding) + (SELECT count(*) FROM share)"; }

# --- plain files, the report, the store ----------------------------------
expect_exit 0 "ingest of plain files succeeds" camaudit ingest --db a.db "$small"/*.log
grep_file "per-file report counts lines, events, skipped, rejected" \
	"^camaudit: .*/relay.log: 10 lines read, 10 events stored, 0 already ingested, 0 rejected$" err
grep_file "a total follows for several files" \
	"^camaudit: 3 files: 20 lines read, 20 events stored, 0 already ingested, 0 rejected$" err
equal "every line became an event" 20 "$(events a.db)"
check "stdout stays empty (results only)" test ! -s out
equal "the database is created private (0600)" 600 "$(stat -c %a a.db)"

expect_exit 0 "ingesting the same files again succeeds" camaudit ingest --db a.db "$small"/*.log
grep_file "the second run stores nothing and says why" \
	"3 files: 20 lines read, 0 events stored, 20 already ingested, 0 rejected$" err
equal "the second run changed no count" 20 "$(events a.db)"

cp "$small/relay.log" renamed-copy
expect_exit 0 "a renamed copy is recognised" camaudit ingest --db a.db renamed-copy
grep_file "the renamed copy adds nothing" "renamed-copy: 10 lines read, 0 events stored, 10 already ingested" err
equal "the renamed copy changed no count" 20 "$(events a.db)"

expect_exit 0 "--quiet silences the report" camaudit ingest -q --db a.db "$small"/*.log
check "--quiet writes nothing to stderr" test ! -s err

# --- indexes: built after a first load, kept by later ones ----------------------
indexes="'fill_key_node_ts', 'fill_frame_ts', 'removal_key_node_ts', 'binding_device_bound_ts', 'share_account_device_ts'"
index_count() { rows "$1" "SELECT count(*) FROM sqlite_schema WHERE name IN ($indexes)"; }
equal "a first load ends with every index built" 5 "$(index_count a.db)"
before=$(rows a.db 'PRAGMA schema_version')
cp "$small/relay.log" more.log
echo "ts=2019-12-26T09:30:00Z req=r-new account=acct-1 device=cam-1 key=still/cam-1/hd node=cache-1 relay=relay-a cache=HIT status=200" >> more.log
expect_exit 0 "a later load adds to a store with events" camaudit ingest -q --db a.db more.log
equal "and keeps its indexes as they were (no schema change)" "$before" "$(rows a.db 'PRAGMA schema_version')"
# A first load stopped before its indexes were built leaves them to the
# next command, a reading one too.
cp a.db stopped.db
sqlite3 stopped.db "DROP INDEX fill_key_node_ts; DROP INDEX binding_device_bound_ts"
camaudit audit -q --db a.db --type all --format json > indexed.json
expect_exit 6 "a store without its indexes is audited" camaudit audit -q --db stopped.db --type all --format json
equal "with the same findings" "$(cat indexed.json)" "$(cat out)"
equal "after building the indexes it lacked" 5 "$(index_count stopped.db)"

# --- gzip by magic, multi-member, stdin ----------------------------------
gzip -c "$small/relay.log" > relay.log.1
expect_exit 0 "gzip data without a .gz name is read" camaudit ingest --db b.db relay.log.1
grep_file "it is reported as gzip and fully stored" "relay.log.1 \(gzip\): 10 lines read, 10 events stored" err
expect_exit 0 "its plain original adds nothing after it" camaudit ingest --db b.db "$small/relay.log"
grep_file "plain and gzip are the same content" "relay.log: 10 lines read, 0 events stored, 10 already ingested" err

gzip -c "$small/cache.log" > m1.gz
gzip -c "$small/registry.log" > m2.gz
cat m1.gz m2.gz > multi.gz
expect_exit 0 "a multi-member gzip is read" camaudit ingest --db c.db multi.gz
grep_file "every member's lines are stored" "multi.gz \(gzip\): 10 lines read, 10 events stored" err
equal "both members reached the store" "5|5" "$(rows c.db 'SELECT (SELECT count(*) FROM fill)+(SELECT count(*) FROM removal), (SELECT count(*) FROM binding)+(SELECT count(*) FROM share)')"

expect_exit 0 "- reads standard input" sh -c '"$CAMAUDIT" ingest --db d.db - < "$1"' sh "$small/relay.log"
grep_file "standard input is named <stdin>" "^camaudit: <stdin>: 10 lines read, 10 events stored" err
equal "evidence from stdin names <stdin>" "<stdin>" "$(rows d.db 'SELECT name FROM source')"
expect_exit 0 "gzip on standard input is read" sh -c '"$CAMAUDIT" ingest --db d.db - < relay.log.1'
grep_file "gzip stdin is the same content" "<stdin> \(gzip\): 10 lines read, 0 events stored, 10 already ingested" err

# --- directories ----------------------------------------------------------
mkdir -p tree/sub
cp "$small/relay.log" tree/
cp "$small/cache.log" tree/sub/
echo "this is not a log line" > tree/.hidden
expect_exit 0 "a directory stands for the files under it" camaudit ingest --db e.db tree
grep_file "nested files are ingested" "tree/sub/cache.log: 5 lines read" err
check "dot files are skipped" sh -c '! grep -q hidden err'
equal "the directory's files reached the store" 15 "$(events e.db)"

# --- a live file that grows, then rotation and compression ---------------
mkdir rot
head -n 4 "$small/relay.log" > rot/live.log
expect_exit 0 "first look at a live file" camaudit ingest --db f.db rot/live.log
tail -n +5 "$small/relay.log" | head -n 3 >> rot/live.log
expect_exit 0 "the grown file is ingested" camaudit ingest --db f.db rot/live.log
grep_file "only the new lines are added" "live.log: 7 lines read, 3 events stored, 4 already ingested" err
mv rot/live.log rot/live.log.1
tail -n +8 "$small/relay.log" > rot/live.log
expect_exit 0 "after rotation both files are ingested" camaudit ingest --db f.db rot/live.log.1 rot/live.log
grep_file "the rotated file adds nothing" "live.log.1: 7 lines read, 0 events stored, 7 already ingested" err
grep_file "the new live file is new" "live.log: 3 lines read, 3 events stored, 0 already ingested" err
gzip rot/live.log.1
mv rot/live.log.1.gz rot/live.log.2.gz
mv rot/live.log rot/live.log.1
expect_exit 0 "after compression the directory is ingested again" camaudit ingest --db f.db rot
grep_file "the compressed file is recognised" "live.log.2.gz \(gzip\): 7 lines read, 0 events stored, 7 already ingested" err
equal "rotation and compression doubled nothing" 10 "$(events f.db)"
equal "each line stored once" "10|10" "$(rows f.db 'SELECT count(*), count(DISTINCT req) FROM serve')"
cp f.db rot/
expect_exit 0 "the database itself inside an ingested directory is skipped" camaudit ingest --db rot/f.db rot
grep_file "it says it skipped the database" "rot/f.db: skipped: it is the database being written" err
check "no line of the database was read" sh -c '! grep -Eq "f\.db(-wal|-shm)?:[0-9]" err'

# --- an unterminated last line that the writer completes later -----------
printf 'ts=2019-12-26T08:00:00Z req=q1 account=acct-1 key=k\nts=2019-12-26T08:00:01Z req=q2 account=acct-1 key=partial' > tail.log
expect_exit 0 "a file without a final newline is ingested" camaudit ingest --db g.db tail.log
equal "its last line is stored" "k partial" "$(rows g.db "SELECT group_concat(text, ' ') FROM (SELECT a.text FROM serve s JOIN atom a ON a.id = s.key ORDER BY s.line)")"
expect_exit 0 "the same unfinished file again" camaudit ingest --db g.db tail.log
grep_file "the unfinished line is not stored twice" "tail.log: 2 lines read, 0 events stored, 2 already ingested" err
printf '_done node=n1\n' >> tail.log
expect_exit 0 "the completed line is ingested" camaudit ingest --db g.db tail.log
equal "the completed line replaced the partial one" "k partial_done" "$(rows g.db "SELECT group_concat(text, ' ') FROM (SELECT a.text FROM serve s JOIN atom a ON a.id = s.key ORDER BY s.line)")"

# --- killed ingests -------------------------------------------------------
awk 'BEGIN { for (i = 0; i < 150000; i++) printf "ts=2019-12-26T08:%02d:%02d.%03dZ req=k%06d account=acct-%d key=still/cam-%d/low node=cache-%d\n", (i / 60000) % 60, (i / 1000) % 60, i % 1000, i, i % 97, i % 89, i % 4 }' > kill-a.log
awk 'BEGIN { for (i = 0; i < 50000; i++) printf "ts=2019-12-26T08:%02d:%02d.%03dZ op=fill node=cache-%d key=still/cam-%d/low device=cam-%d\n", (i / 60000) % 60, (i / 1000) % 60, i % 1000, i % 4, i % 89, i % 89 }' | gzip > kill-b.log.gz
camaudit ingest -q --db clean.db kill-a.log kill-b.log.gz
for delay in 0.02 0.06 0.1 0.2 0.3; do
	"$CAMAUDIT" ingest -q --db killed.db kill-a.log kill-b.log.gz &
	pid=$!
	sleep $delay
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
done
expect_exit 0 "an ingest after repeated kill -9 completes" camaudit ingest -q --db killed.db kill-a.log kill-b.log.gz
equal "killed runs lost and doubled nothing" \
	"$(rows clean.db 'SELECT count(*), count(DISTINCT req), (SELECT count(*) FROM fill) FROM serve')" \
	"$(rows killed.db 'SELECT count(*), count(DISTINCT req), (SELECT count(*) FROM fill) FROM serve')"
equal "the killed store passes SQLite's integrity check" ok "$(rows killed.db 'PRAGMA integrity_check')"

# --- identity by content: short files, shared beginnings ---------------
head -n 3 "$small/relay.log" > short.log
cp short.log short-copy.log
expect_exit 0 "a short file is ingested" camaudit ingest --db m.db short.log
cat "$small/relay.log" "$small/relay.log" "$small/relay.log" "$small/relay.log" > short.log
check "the file grew past the fingerprint length" test "$(stat -c %s short.log)" -gt 4096
expect_exit 0 "the grown file adds its new lines" camaudit ingest --db m.db short.log
grep_file "the first three lines are not added twice" "short.log: 40 lines read, 37 events stored, 3 already ingested" err
expect_exit 0 "an older, shorter copy ingested afterwards" camaudit ingest --db m.db short-copy.log
grep_file "the older copy adds nothing" "short-copy.log: 3 lines read, 0 events stored, 3 already ingested" err
expect_exit 0 "the stdin copy keeps the evidence name" sh -c '"$CAMAUDIT" ingest --db m.db - < short.log'
equal "evidence keeps naming the file that holds every line" "short.log" "$(rows m.db 'SELECT name FROM source')"
head -c 40 "$small/relay.log" > tiny-copy.log
expect_exit 0 "a copy shorter than the index key (40 bytes) is recognised" camaudit ingest --db m.db tiny-copy.log
grep_file "the tiny copy adds nothing" "tiny-copy.log: 1 line read, 0 events stored, 1 already ingested" err
equal "and stores no second source" 1 "$(rows m.db 'SELECT count(*) FROM source')"

# A log seen right after rotation holds only its header; the next day's
# log starts with the same header but is another log.
echo "ts=2019-12-26T00:00:00Z op=bind device=cam-h account=acct-h" > hdr/hdr.log 2>/dev/null || { mkdir hdr; echo "ts=2019-12-26T00:00:00Z op=bind device=cam-h account=acct-h" > hdr/hdr.log; }
expect_exit 0 "a log holding only its first line" camaudit ingest --db o.db hdr/hdr.log
head -n 10 "$small/relay.log" >> hdr/hdr.log
expect_exit 0 "the same log a day later" camaudit ingest --db o.db hdr/hdr.log
mv hdr/hdr.log hdr/hdr.log.1
{ echo "ts=2019-12-26T00:00:00Z op=bind device=cam-h account=acct-h"; tail -n 3 "$small/cache.log"; } > hdr/hdr.log
expect_exit 0 "after rotation the new log with the same first line" camaudit ingest --db o.db hdr/hdr.log hdr/hdr.log.1
grep_file "the new log is a new source: all its lines are stored" "hdr/hdr.log: 4 lines read, 4 events stored, 0 already ingested" err
grep_file "the rotated log adds nothing" "hdr/hdr.log.1: 11 lines read, 0 events stored, 11 already ingested" err
equal "all of both logs is in the store" 15 "$(events o.db)"

# Two different logs that share their first 4096 bytes (a long header).
awk 'BEGIN { for (i = 0; i < 80; i++) printf "ts=2019-12-26T00:00:00Z op=bind device=cam-%02d account=acct-1\n", i }' > header
{ cat header; echo "ts=2019-12-26T08:00:00Z req=one account=acct-1 key=k"; } > first.log
{ cat header; echo "ts=2019-12-26T08:00:00Z req=two account=acct-1 key=k"; } > second.log
expect_exit 0 "two logs with the same beginning are both ingested" camaudit ingest --db n.db first.log second.log
grep_file "the second is recognised as a different source" "warning: second.log: starts like an earlier source but differs from it; ingested as a new source" err
equal "both requests are stored" "one two" "$(rows n.db "SELECT group_concat(req, ' ') FROM (SELECT req FROM serve ORDER BY req)")"
expect_exit 0 "ingesting both again" camaudit ingest --db n.db second.log first.log
grep_file "adds nothing from the second" "second.log: 81 lines read, 0 events stored, 81 already ingested" err
grep_file "adds nothing from the first" "first.log: 81 lines read, 0 events stored, 81 already ingested" err
{ cat header; echo "ts=2019-12-26T08:00:00Z req=three account=acct-1 key=k"; } > third.log
expect_exit 3 "a third such log on stdin cannot be re-read" sh -c '"$CAMAUDIT" ingest --db n.db - < third.log'
grep_file "it says why and how to fix it" "<stdin>: starts like an earlier source but differs .* \(give the file by name\)" err
equal "nothing of it was stored" 0 "$(rows n.db "SELECT count(*) FROM serve WHERE req = 'three'")"
mkfifo fifo
{ cat third.log > fifo & } 2>/dev/null
expect_exit 3 "nor can a FIFO" camaudit ingest --db n.db fifo
grep_file "the FIFO is named" "^camaudit: fifo: starts like an earlier source" err
expect_exit 0 "by name it is ingested" camaudit ingest --db n.db third.log
equal "all three logs are stored once" "one three two" "$(rows n.db "SELECT group_concat(req, ' ') FROM (SELECT req FROM serve ORDER BY req)")"
equal "no empty source was recorded" 0 "$(rows n.db 'SELECT count(*) FROM source WHERE length(head) = 0')"

printf 'ts=2019-12-26T08:00:00Z req=q3 account=acct-1 key=k ua="x \\"y\\""' > tail-escaped.log
expect_exit 0 "an unfinished last line with escapes is ingested" camaudit ingest --db g2.db tail-escaped.log
expect_exit 0 "and ingested again" camaudit ingest --db g2.db tail-escaped.log
grep_file "its escapes do not make it look changed" "tail-escaped.log: 1 line read, 0 events stored, 1 already ingested" err

# --- rejected lines --------------------------------------------------------
{
	cat "$small/relay.log"
	echo "ts=2019-12-26T08:30:00Z req=bad1 key=no-account"
	echo "ts=2019-02-30T08:30:00Z req=bad2 account=acct-1 key=k"
	echo "ts=2019-12-26T08:30:00Z op=frobnicate key=k"
	printf 'ts=2019-12-26T08:30:00Z req=bad4 account=acct-1 key=k\000nul\n'
	echo ""
	printf 'ts=2019-12-26T08:30:00Z req=crlf account=acct-1 key=k\r\n'
	echo 'ts=2019-12-26T08:30:00Z req=bad5 account="acct-1 key=k'
	echo "ts=2019-12-26T08:30:00Z req=bad6 account=acct-1 key=k"
	echo "ts=2019-12-26T08:30:00Z req=bad7 account=acct-1 key=k"
	printf 'ts=2019-12-26T08:30:00Z req=long account=acct-1 key=%070000d\n' 0
	echo "ts=1577349000000 req=bad8 account=acct-1 key=k"
} > mixed.log
expect_exit 0 "rejected lines are not an error" camaudit ingest --db h.db mixed.log
grep_file "a missing field is reported with file and line" \
	"^camaudit: mixed.log:11: rejected: missing required field 'account' \(relay line\)$" err
grep_file "an impossible date is reported" "^camaudit: mixed.log:12: rejected: bad timestamp '2019-02-30T08:30:00Z': impossible date$" err
grep_file "an unknown op is reported" "^camaudit: mixed.log:13: rejected: unknown op 'frobnicate'$" err
grep_file "NUL bytes are reported" "^camaudit: mixed.log:14: rejected: line holds NUL bytes$" err
grep_file "an unterminated quote is reported" "^camaudit: mixed.log:17: rejected: unterminated quoted value of 'account'$" err
grep_file "rejects past the first few are counted" "^camaudit: mixed.log: 2 more rejected lines not shown$" err
grep_file "the report counts every rejected line" "mixed.log: 21 lines read, 13 events stored, 0 already ingested, 7 rejected$" err
equal "each rejected line is kept with its reason" \
	"11|missing required field 'account' (relay line)
20|line longer than 65536 bytes
21|bad timestamp '1577349000000': epoch seconds out of range (milliseconds?)" \
	"$(rows h.db 'SELECT line, reason FROM reject WHERE line IN (11, 20, 21) ORDER BY line')"
equal "a CRLF line is stored without its CR" "crlf|k" "$(rows h.db "SELECT s.req, a.text FROM serve s JOIN atom a ON a.id = s.key WHERE s.req = 'crlf'")"

# Frame ids are text, kept as written even when they read as numbers.
{
	echo "ts=2019-12-26T08:00:00Z op=fill node=n1 key=k device=cam-a frame=007"
	echo "ts=2019-12-26T08:00:01Z req=r1 account=acct-1 key=k node=n1 frame=1e3"
} > frames.log
expect_exit 0 "a fill and a serve with numeric-looking frame ids are stored" \
	camaudit ingest -q --db frames.db frames.log
equal "their frame ids are kept as written" "007|text|1e3|text" \
	"$(rows frames.db 'SELECT f.frame, typeof(f.frame), s.frame, typeof(s.frame) FROM fill f, serve s')"
equal "a new store has 8 KiB pages" 8192 "$(rows frames.db 'PRAGMA page_size')"

# --- damaged gzip ------------------------------------------------------------
i=0
while [ $i -lt 3000 ]; do
	printf 'ts=2019-12-26T08:00:00.%03dZ req=z%05d account=acct-%d key=still/cam-%d/low node=cache-1\n' $((i % 1000)) $i $((i % 7)) $((i % 13))
	i=$((i + 1))
done > big.log
gzip -c big.log > big.gz
size=$(stat -c %s big.gz)
head -c $((size / 2)) big.gz > truncated.gz
expect_exit 3 "a truncated gzip file is an error (exit 3)" camaudit ingest --db i.db truncated.gz "$small/cache.log"
grep_file "the damage is reported with the file name" "^camaudit: truncated.gz: gzip data truncated \(unexpected end of file\); kept the [0-9]+ lines before the damage$" err
kept=$(rows i.db "SELECT count(*) FROM serve")
check "the lines before the damage are kept ($kept)" test "$kept" -gt 100 -a "$kept" -lt 3000
equal "the other file is still ingested" 5 "$(rows i.db 'SELECT (SELECT count(*) FROM fill) + (SELECT count(*) FROM removal)')"
check "kept lines are whole and in order" test "$(rows i.db "SELECT max(line) = count(*) FROM serve")" = 1
equal "the source is marked damaged" "1" "$(rows i.db "SELECT count(*) FROM source WHERE damaged IS NOT NULL")"
expect_exit 0 "the complete file later adds only the rest" camaudit ingest --db i.db big.gz
equal "nothing is doubled after the repair" "3000|3000" "$(rows i.db 'SELECT count(*), count(DISTINCT req) FROM serve')"
equal "the line cut by the damage is no longer listed as rejected" 0 "$(rows i.db 'SELECT count(*) FROM reject')"

cp big.gz corrupt.gz
printf 'XXXXXXXX' | dd of=corrupt.gz bs=1 seek=$((size - 8)) conv=notrunc 2>/dev/null
expect_exit 3 "a gzip with a bad CRC is an error" camaudit ingest --db j.db corrupt.gz
grep_file "the bad CRC is reported" "corrupt.gz: .*(check|crc|incorrect)" err

cat m1.gz "$small/registry.log" > gz-then-text.log
expect_exit 3 "text appended to a gzip file is reported, not dropped" camaudit ingest --db j2.db gz-then-text.log
grep_file "the trailing data is named as damage" "^camaudit: gz-then-text.log: data after the end of the gzip stream \(byte 0x74\) was not read; kept the 5 lines before the damage$" err
equal "the gzip part is kept" 5 "$(events j2.db)"

expect_exit 3 "a missing file is an error, the rest is ingested" camaudit ingest --db k.db nonexistent.log "$small/registry.log"
grep_file "the missing file is named" "^camaudit: nonexistent.log: No such file or directory$" err
equal "the readable file was ingested" 5 "$(events k.db)"

: > empty.log
expect_exit 0 "an empty file is fine" camaudit ingest --db l.db empty.log
grep_file "the empty file is reported with zero lines" "empty.log: 0 lines read, 0 events stored" err

mkdir nodb
expect_exit 3 "a database in a missing directory is an error" camaudit ingest --db nodb/missing/x.db "$small/registry.log"
grep_file "the database path is named" "nodb/missing/x.db" err
sqlite3 foreign.db "CREATE TABLE customers (name TEXT)"
expect_exit 3 "another application's SQLite database is refused" camaudit ingest --db foreign.db "$small/registry.log"
grep_file "it says whose it is not" "foreign.db: not a camaudit database \(it holds other tables\)" err
equal "the foreign database is left as it was" "customers|delete" "$(rows foreign.db "SELECT group_concat(name) FROM sqlite_schema; PRAGMA journal_mode" | tr '\n' '|' | sed 's/|$//')"
echo "not sqlite" > notdb.db
expect_exit 3 "a file that is not a database is an error" camaudit ingest --db notdb.db "$small/registry.log"
grep_file "it says so" "notdb.db.*(not a database|file is not)" err

# --- a run that stores nothing leaves no store -----------------------------------
# no_store DB: neither the database nor SQLite's files beside it exist.
no_store() {
	for f in "$1" "$1-wal" "$1-shm" "$1-journal"; do
		[ -e "$f" ] && return 1
	done
	return 0
}
expect_exit 3 "ingest of a missing file fails" camaudit ingest --db gone.db nonexistent.log
check "and creates no database, -wal or -shm" no_store gone.db
printf 'hello world\nthis is not a log\n' > notes.txt
expect_exit 3 "ingest of a file no format reads fails" camaudit ingest --db gone.db notes.txt nonexistent.log
grep_file "it says why" "notes.txt: no input format matches" err
check "and creates no database either" no_store gone.db
expect_exit 3 "a missing file next to a readable one" camaudit ingest --db kept.db nonexistent.log "$small/registry.log"
equal "keeps the store with what was read" 5 "$(events kept.db)"
expect_exit 3 "a failed run on an existing store" camaudit ingest --db kept.db nonexistent.log
equal "leaves that store as it was" 5 "$(events kept.db)"
camaudit ingest -q --db empty-kept.db empty.log
expect_exit 3 "a failed run on an existing empty store" camaudit ingest --db empty-kept.db nonexistent.log
check "keeps it: this run did not create it" test -s empty-kept.db
# A store that another connection has open when the run fails is kept:
# the other may be about to write into it.  The run waits on a FIFO while
# sqlite3 opens the new store, then reads nothing from it and fails.
mkfifo slow hold
{ camaudit ingest --db held.db slow nonexistent.log > /dev/null 2> held.err; echo $? > held.status; } &
n=0
until sqlite3 held.db "SELECT count(*) FROM source" > /dev/null 2>&1 || [ $n -gt 100 ]; do
	sleep 0.1; n=$((n + 1))
done
sqlite3 held.db < hold > held.out 2>&1 &
holder=$!
exec 9> hold
echo "SELECT 'connected', count(*) FROM source;" >&9
n=0
until grep -q connected held.out || [ $n -gt 100 ]; do sleep 0.1; n=$((n + 1)); done
: > slow
n=0
until [ -s held.status ] || [ $n -gt 100 ]; do sleep 0.1; n=$((n + 1)); done
equal "the run with the store held open fails" 3 "$(cat held.status)"
check "and keeps the store the other connection holds" test -s held.db
exec 9>&-
wait $holder
equal "which is still a camaudit store in WAL mode" "0|wal" \
	"$(rows held.db "SELECT count(*) FROM source; PRAGMA journal_mode" | tr '\n' '|' | sed 's/|$//')"

done_testing
