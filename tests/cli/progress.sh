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
# CAMAUDIT_PROGRESS_DELAY=0, as git's GIT_PROGRESS_DELAY: the line from
# the first look at the clock on, so that a fast machine shows it too.
CAMAUDIT_PROGRESS_DELAY=0 script -qfec "'$CAMAUDIT' ingest --db tty.db big.log.gz" tty.typescript > /dev/null 2>&1
equal "ingest on a terminal succeeds" 0 $?
grep_file "a slow ingest shows its share, rate and time left" \
	"camaudit: big\.log\.gz: [0-9]+% of [0-9.]+ MiB, [0-9.]+ MiB/s, [0-9]+ s left" tty.typescript
check "one file: no share of all" sh -c "! grep -q 'of all' tty.typescript"
# With the default delay of a second, a short run shows nothing.
script -qfec "'$CAMAUDIT' ingest --db small.db '$srcdir/samples/relay-a.log'" small.typescript > /dev/null 2>&1
equal "a short ingest on a terminal succeeds" 0 $?
check "and shows no status line" sh -c "! grep -q '% of\|([0-9]* s)' small.typescript"
grep_file "the summary ends the display" "camaudit: big\.log\.gz \(gzip\): 600000 lines read" tty.typescript
equal "the two runs stored the same" "$(rows pipe.db 'SELECT count(*) FROM serve')" "$(rows tty.db 'SELECT count(*) FROM serve')"

# The steps of a run: with CAMAUDIT_PROGRESS_DELAY=0 every statement that
# returns no rows is named on the status line as it runs, and erased when
# it ends, so that the summary and the results start on a clean line.
zcat big.log.gz | head -200000 > part-a.log
zcat big.log.gz | tail -n +200001 | head -200000 > part-b.log
CAMAUDIT_PROGRESS_DELAY=0 script -qfec "'$CAMAUDIT' scan part-a.log part-b.log" steps.typescript > /dev/null 2>&1
equal "scan on a terminal: exit 5, blind (no cache logs)" 5 $?
tr '\r' '\n' < steps.typescript > steps.lines
grep_file "names the judging of the deliveries" "^camaudit: judging every serve \([0-9]+ s\)" steps.lines
grep_file "names the audit's step" "^camaudit: correlating \([0-9]+ s\)" steps.lines
grep_file "each step's line is erased before the summary" \
	"^$(printf '\033')\[Kcamaudit: 2 files: 400000 lines read" steps.lines
CAMAUDIT_PROGRESS_DELAY=0 script -qfec "'$CAMAUDIT' scan -q part-a.log part-b.log" steps-quiet.typescript > /dev/null 2>&1
check "scan -q on a terminal names no step" sh -c "! grep -q 'judging\|correlating' steps-quiet.typescript"
CAMAUDIT_PROGRESS_DELAY=0 "$CAMAUDIT" scan part-a.log part-b.log > /dev/null 2> steps.err
check "nor does scan into a file" sh -c "! grep -q 'judging\|correlating' steps.err"

# Two files of a slow ingest: the file's line says how far the whole run is.
gzip -c part-a.log > two-a.log.gz
gzip -c part-b.log > two-b.log.gz
CAMAUDIT_PROGRESS_DELAY=0 script -qfec "'$CAMAUDIT' ingest --db two.db two-a.log.gz two-b.log.gz" two.typescript > /dev/null 2>&1
equal "ingest of two files on a terminal succeeds" 0 $?
grep_file "and says the share of all the files" \
	"camaudit: two-b\.log\.gz: [0-9]+% of [0-9.]+ MiB, [0-9.]+ MiB/s, [0-9]+ s left; [0-9]+% of all" two.typescript

done_testing
