#!/bin/sh
# The main paths of the shell tests once more under valgrind: no memory
# error and no leak.  Skipped where valgrind is not installed, and for a
# sanitizer build (the two do not mix).
. "$srcdir/tests/lib.sh"

if ! command -v valgrind > /dev/null 2>&1; then
	echo "1..0 # SKIP valgrind not installed (apt-get install valgrind)"
	exit 0
fi
if ldd "$CAMAUDIT" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	echo "1..0 # SKIP a sanitizer build cannot run under valgrind"
	exit 0
fi

small="$srcdir/tests/data/small"
vg() {
	valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect "$CAMAUDIT" "$@"
}
# vg_exit STATUS DESCRIPTION ARGS...: camaudit under valgrind; 99 means
# valgrind found something.
vg_exit() {
	want=$1
	desc=$2
	shift 2
	vg "$@" > out 2> err
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $got, expected $want; 99 is valgrind)"
		show err
	fi
}

gzip -c "$small/relay.log" > relay.gz
printf 'ts=2019-12-26T08:00:00Z req=bad account="unterminated\nno final newline' > odd.log
vg_exit 0 "ingest of plain, gzip and odd files" ingest --db v.db "$small/cache.log" "$small/registry.log" relay.gz odd.log
vg_exit 0 "re-ingest that skips everything" ingest --db v.db "$small" relay.gz
vg_exit 6 "audit as a table" audit --db v.db --type all
vg_exit 6 "audit as JSON" audit --db v.db --type all --format json
vg_exit 6 "audit as CSV" audit --db v.db --type all --format csv
vg_exit 6 "audit --new" audit --db v.db --new --type all
vg_exit 0 "status" status --db v.db --format json
vg_exit 0 "export as NDJSON" export --db v.db
vg_exit 0 "export as CSV" export --db v.db --format csv --events serve,fill
vg_exit 0 "normalize of plain, gzip and odd files" normalize "$small" relay.gz odd.log
vg_exit 0 "normalize as CSV from stdin" normalize --format csv - < relay.gz
vg_exit 0 "prune" prune --db v.db --before 2019-12-26T08:15:00Z
vg_exit 1 "scan of the samples" scan --type all "$srcdir/samples"
vg_exit 1 "explain" explain --db v.db --format json r-06 r-08
vg_exit 1 "report as HTML" report --db v.db --format html -o report.html
vg_exit 1 "report as JSON" report --db v.db --format json
# Reopened for writing: an older store, and one that lacks its indexes.
sqlite3 old.db < "$srcdir/tests/data/store-v2.sql"
vg_exit 6 "audit of a schema 2 store, upgraded first" audit --db old.db --type all
cp v.db unindexed.db
sqlite3 unindexed.db "DROP INDEX fill_key_node_ts"
vg_exit 6 "audit of a store that lacks an index, built first" audit --db unindexed.db --type all
head -c 10000 "$srcdir/samples/relay-a.log.3.gz" > cut.gz
vg_exit 3 "a damaged gzip file" ingest --db v.db cut.gz
vg_exit 2 "a usage error" audit --bogus

done_testing
