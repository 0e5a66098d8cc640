#!/bin/sh
# Ingest progress: on a terminal only, once a second, as the share of the
# file's bytes (compressed ones for gzip) with the rate and time left;
# never into a pipe or a file, and never with --quiet.
. "$srcdir/tests/lib.sh"

command -v script > /dev/null 2>&1 || { echo "1..0 # SKIP script(1) not installed (apt-get install bsdutils)"; exit 0; }

# Enough lines for a few seconds of ingest on a loaded machine.
awk 'BEGIN { for (i = 0; i < 600000; i++) printf "ts=2019-12-26T09:%02d:%02d.%03dZ req=p%07d account=acct-%d key=k%d node=n\n", (i / 60000) % 60, (i / 1000) % 60, i % 1000, i, i % 7, i % 11 }' |
	gzip > big.log.gz
cr=$(printf '\r')

expect_exit 0 "ingest with stderr in a file" camaudit ingest --db pipe.db big.log.gz
check "shows no progress there" sh -c "! grep -q '$cr' err"
grep_file "only the summary" "^camaudit: big.log.gz \(gzip\): 600000 lines read" err

# script(1) gives camaudit a terminal; its typescript keeps what it showed.
script -qfec "'$CAMAUDIT' ingest -q --db quiet.db big.log.gz" quiet.typescript > /dev/null 2>&1
equal "ingest -q on a terminal succeeds" 0 $?
check "and shows no progress" sh -c "! grep -q '% of' quiet.typescript"
start=$(date +%s)
script -qfec "'$CAMAUDIT' ingest --db tty.db big.log.gz" tty.typescript > /dev/null 2>&1
equal "ingest on a terminal succeeds" 0 $?
seconds=$(( $(date +%s) - start ))
# A run shorter than two seconds may end before the first display.
if [ "$seconds" -ge 2 ]; then
	grep_file "a slow ingest shows its share, rate and time left" \
		"camaudit: big\.log\.gz: [0-9]+% of [0-9.]+ MiB, [0-9.]+ MiB/s, [0-9]+ s left" tty.typescript
else
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP the ingest took ${seconds}s: too fast to show progress"
fi
grep_file "the summary ends the display" "camaudit: big\.log\.gz \(gzip\): 600000 lines read" tty.typescript
equal "the two runs stored the same" "$(rows pipe.db 'SELECT count(*) FROM serve')" "$(rows tty.db 'SELECT count(*) FROM serve')"

done_testing
