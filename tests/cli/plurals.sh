#!/bin/sh
# Counts in messages agree with their nouns and verbs: "1 file", "2 files",
# "1 delivery falls", "2 deliveries fall" (util.c's plural()).
. "$srcdir/tests/lib.sh"

fill_line 2019-12-26T08:00:00Z n k cam-1 > one.log
serve_line 2019-12-26T08:00:01Z r-1 acct-1 k n >> one.log
serve_line 2019-12-26T08:00:02Z r-2 acct-1 k n > two.log
serve_line 2019-12-26T08:00:03Z r-3 acct-1 k n >> two.log

echo "ts=2019-12-26T07:00:00Z op=bind account=acct-9 device=cam-9" > single.log
expect_exit 0 "ingest of a one-line file" camaudit ingest --db a.db single.log
grep_file "1 line read, 1 event stored" "^camaudit: single.log: 1 line read, 1 event stored, 0 already ingested, 0 rejected$" err
expect_exit 0 "ingest of two files" camaudit ingest --db b.db one.log two.log
grep_file "the total names 2 files, 4 lines, 4 events" "^camaudit: 2 files: 4 lines read, 4 events stored," err
expect_exit 1 "scan of one file" camaudit scan --type all --min-traced 0 one.log
grep_file "its total names 1 file" "^camaudit: 1 file: 2 lines read, 2 events stored," err
grep_file "the audit summary: 1 delivery" "^camaudit: 1 delivery checked, 1 \(100.0%\) traced" err
expect_exit 1 "scan of two files" camaudit scan --type all one.log two.log
grep_file "the audit summary: 3 deliveries" "^camaudit: 3 deliveries checked," err

expect_exit 0 "export of one event" camaudit export --db a.db --since 2019-12-26T07:00Z --until 2019-12-26T07:01Z
grep_file "1 event exported, 1 binding, 0 shares" "^camaudit: 1 event exported: 0 serves, 0 fills, 0 removals, 1 binding, 0 shares$" err
expect_exit 0 "prune of one serve" camaudit prune --db b.db --before 2019-12-26T08:00:02Z
grep_file "1 serve, 0 fills (kept a day longer), 0 removals" "^camaudit: pruned before 2019-12-26T08:00:02.000Z: 1 serve, 0 fills, 0 removals$" err
expect_exit 0 "check of two verdicts" camaudit check --db b.db
grep_file "2 verdicts, 0 differ" "^camaudit: 2 verdicts judged again, 0 differ$" err

done_testing
