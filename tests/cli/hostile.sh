#!/bin/sh
# Hostile input and hard failures, one test per row of the bad-input table
# in the man page (DIAGNOSTICS): each has a clear message, the documented
# exit status, and keeps everything that was readable.
. "$srcdir/tests/lib.sh"

small="$srcdir/tests/data/small"
skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP $1"
}

# --- a gzip bomb: 1 GiB of zeros, in bounded memory ---------------------------
head -c 67108864 /dev/zero | gzip -1 > zeros.gz
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do cat zeros.gz; done > bomb.gz
if ldd "$CAMAUDIT" 2>/dev/null | grep -q 'libasan'; then
	expect_exit 0 "a gzip bomb is read to its end" camaudit ingest --db bomb.db bomb.gz
else
	# 256 MiB of address space: a reader that buffered the line would fail.
	expect_exit 0 "a gzip bomb is read in bounded memory" \
		sh -c 'ulimit -v 262144; "$CAMAUDIT" ingest --db bomb.db bomb.gz'
fi
grep_file "its one line of zeros is rejected as too long" "^camaudit: bomb.gz:1: rejected: line longer than 65536 bytes$" err
grep_file "after all of it was read" "bomb.gz \\(gzip\\): 1 line read, 0 events stored, 0 already ingested, 1 rejected$" err

# --- a truncated gzip whose decoder still held output (found by fuzzing) --------
cut="$srcdir/fuzz/regressions/input-truncated-gzip-drops-pending-output"
expect_exit 3 "a truncated gzip file found by the fuzzer" camaudit ingest --db cut.db "$cut"
equal "every complete line zlib can decode is kept" \
	"$( (gzip -dc < "$cut" 2>/dev/null) | wc -l | tr -d ' ')" \
	"$(rows cut.db 'SELECT count(*) FROM binding')"

# --- every fuzzing seed gives valid JSON ---------------------------------------
bad=0
for seed in "$srcdir"/fuzz/corpus/ingest/* "$srcdir"/fuzz/corpus/logfmt/*; do
	"$CAMAUDIT" scan -q --type all --format json "$seed" > seed.json 2>/dev/null
	"$JQ" -e -s 'all(type == "object")' seed.json > /dev/null 2>&1 || {
		[ -s seed.json ] && { bad=$((bad + 1)); echo "# not valid JSON: $seed"; }
	}
done
equal "the JSON for every fuzzing seed is valid for jq" 0 "$bad"

# --- SQL in values ---------------------------------------------------------------------
{
	cat "$small/registry.log" "$small/cache.log"
	echo "ts=2019-12-26T08:14:02Z req=\"'); DROP TABLE serve; --\" account=\"acct-2'; DELETE FROM fill; --\" device=cam-2 key=still/low node=cache-2"
} > sql.log
expect_exit 1 "values full of SQL are stored and audited as text" camaudit scan --type all --format json sql.log
equal "the SQL came back as data" "'); DROP TABLE serve; --|acct-2'; DELETE FROM fill; --" \
	"$("$JQ" -r '[.request_id, .viewer_account] | join("|")' out)"

# --- the database path --------------------------------------------------------------
camaudit ingest -q --db real.db "$small/registry.log"
ln -s real.db link.db
expect_exit 3 "a database path that is a symbolic link is refused" camaudit ingest --db link.db "$small/cache.log"
grep_file "the refusal names the path" "link.db" err
equal "nothing was written through the link" 0 "$(rows real.db 'SELECT count(*) FROM fill')"

# --- disk full during ingest ---------------------------------------------------------
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "ts=2019-12-26T09:%02d:%02d.%03dZ req=c%06d account=acct-%d key=k%d node=n\n", (i / 60000) % 60, (i / 1000) % 60, i % 1000, i, i % 7, i % 11 }' > big.log
expect_exit 3 "a full disk (file size limit) fails the ingest with exit 3" \
	sh -c 'trap "" XFSZ; ulimit -f 2048; "$CAMAUDIT" ingest --db real.db big.log'
grep_file "the message says what failed" "^camaudit: database real.db: .*(disk I/O error|full)" err
equal "the store is intact" ok "$(rows real.db 'PRAGMA integrity_check')"
equal "what was there before is kept" 4 "$(rows real.db 'SELECT count(*) FROM binding')"
expect_exit 0 "with room again the same ingest completes" camaudit ingest -q --db real.db big.log
equal "and stores every line once" "200000|200000" "$(rows real.db 'SELECT count(*), count(DISTINCT req) FROM serve')"

# --- unreadable files, and files that change while read ---------------------------
mkdir perm
cp "$small/relay.log" "$small/cache.log" perm/
chmod 000 perm/relay.log
chmod 777 perm
chmod 711 "$TEST_DIR"  # nobody must reach perm/
# As root, drop to nobody for this one: root reads any file.
if ! unprivileged; then
	skip "root reads files without read permission, and setpriv is missing"
else
	expect_exit 3 "a file without read permission is an error" \
		$as_user "$CAMAUDIT" ingest --db perm/perm.db perm/relay.log perm/cache.log
	grep_file "it is named with the reason" "^camaudit: perm/relay.log: Permission denied$" err
	grep_file "the other file is still ingested" "perm/cache.log: 5 lines read, 5 events stored" err
fi
chmod 644 perm/relay.log

cp big.log shrinking.log
"$CAMAUDIT" ingest -q --db shrink.db shrinking.log 2> shrink.err &
pid=$!
sleep 0.05
: > shrinking.log
wait $pid
status=$?
check "a file truncated while it is read ends the ingest cleanly (exit $status)" test $status -eq 0 -o $status -eq 3
equal "the store is intact" ok "$(rows shrink.db 'PRAGMA integrity_check')"
check "nothing crashed" sh -c '! grep -q "Sanitizer\|runtime error" shrink.err'

# --- scan's temporary database ------------------------------------------------------
mkdir tmp
TMPDIR="$TEST_DIR/tmp" "$CAMAUDIT" scan -q "$small" big.log > /dev/null &
pid=$!
sleep 0.1
# SQLite unlinks each temporary file right after opening it; a loaded
# machine (CI's sanitizer run) can catch one in that instant, so what
# counts is a name still there 50 ms later.
ls -A tmp | sort > tmp-seen-1
sleep 0.05
ls -A tmp | sort > tmp-seen-2
check "scan's temporary database is never visible in TMPDIR" test -z "$(comm -12 tmp-seen-1 tmp-seen-2)"
kill -INT $pid 2>/dev/null
wait $pid
check "nor after an interrupt" test -z "$(ls -A tmp)"

done_testing
