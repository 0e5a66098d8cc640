#!/bin/sh
# The times that --since, --until and prune --before take (one parser,
# timefmt_parse_when): RFC 3339 with or without seconds, a date, epoch
# seconds after '@', a duration before now with or without '-'; a bad
# value is a usage error that lists every form with an example.
. "$srcdir/tests/lib.sh"

camaudit ingest -q --db s.db "$srcdir/tests/data/small"

# requests SINCE: the request ids audit --type all prints from SINCE on.
requests() {
	camaudit audit -q --db s.db --type all --format json --min-traced 0 \
		--since "$1" > out 2> err
	"$JQ" -r .request_id out | tr '\n' ' ' | sed 's/ $//'
}

# --- absolute times: every spelling of 2019-12-26T08:16:00Z ----------------
reference=$(requests 2019-12-26T08:16:00Z)
check "the reference window holds serves" test -n "$reference"
check "and leaves some out" test "$reference" != "$(requests 2019-12-26)"
# date -u -d 2019-12-26T08:16:00Z +%s -> 1577348160
for t in 2019-12-26T08:16Z 2019-12-26T09:16+01:00 2019-12-26T09:16:00+0100 \
	2019-12-26T08:16:00.000Z "2019-12-26 08:16Z" @1577348160 @1577348160.000; do
	equal "--since $t is 08:16:00Z" "$reference" "$(requests "$t")"
done
equal "a fraction of a second counts" "$(requests 2019-12-26T08:16:00.001Z)" \
	"$(requests @1577348160.001)"

# --- relative times: with or without '-', counted back from now ------------
now=$(date -u +%s)
{
	echo "ts=$((now - 7200)) op=fill node=n key=k device=cam-x"
	echo "ts=$((now - 7200)) req=old account=acct-1 key=k node=n"
	echo "ts=$((now - 600)) req=recent account=acct-1 key=k node=n"
} > recent.log
camaudit ingest -q --db r.db recent.log
for t in 1h -1h 30m -30m 1h30m; do
	expect_exit 6 "--since $t is accepted" \
		camaudit audit --db r.db --type all --format json --since "$t"
	equal "--since $t selects only the serve of the last $t" recent \
		"$("$JQ" -r .request_id out)"
done
expect_exit 6 "--since 7d reaches back a week" \
	camaudit audit --db r.db --type all --format json --since 7d
equal "both serves are in the last week" "old recent" \
	"$("$JQ" -r .request_id out | tr '\n' ' ' | sed 's/ $//')"
for t in 3h -3h; do
	expect_exit 5 "--until $t, 3 hours ago, leaves both serves out" \
		camaudit audit --db r.db --type all --until "$t"
done
expect_exit 6 "--since yesterday includes the last hours" \
	camaudit audit --db r.db --type all --format json --since yesterday

# prune: -90d keeps its meaning, and 90d means the same.
for t in -90d 90d; do
	{
		echo "ts=$((now - 100 * 86400)) req=ancient account=acct-1 key=k node=n"
		echo "ts=$((now - 10 * 86400)) req=young account=acct-1 key=k node=n"
	} > old.log
	rm -f p.db
	camaudit ingest -q --db p.db old.log
	expect_exit 0 "prune --before $t" camaudit prune --db p.db --before "$t"
	equal "prune --before $t drops the serve of 100 days ago, keeps 10 days ago" young \
		"$(rows p.db 'SELECT req FROM serve')"
done

# --- bad values: the error lists the forms ---------------------------------
for t in 1577347200 2019-12-26T08:00 soon +2h @ 2019-02-30 2019-12-26T08:00.5Z; do
	expect_exit 2 "--since $t is a usage error" camaudit audit --db s.db --since "$t"
	equal "--since $t: one line" 1 "$(wc -l < err)"
	grep_file "--since $t: the value and option are named" \
		"^camaudit: invalid time '$(printf %s "$t" | sed 's/[.+]/\\&/g')' for --since: " err
	grep_file "--since $t: every form is listed with an example" \
		"RFC 3339 \(2019-12-26T08:00:00Z, .*a date \(2019-12-26.*epoch seconds \(@1577347200\).*a duration before now \(2h, -30m, 7d\), now, today or yesterday; see 'camaudit audit --help'$" err
done
camaudit audit --db s.db --since 1577347200 2> err
grep_file "a bare number points at '@'" "a number needs a unit, or a leading @ for epoch seconds" err
camaudit audit --db s.db --since 2019-12-26T08:00 2> err
grep_file "a time without offset says so" "for --since: timestamp has no UTC offset;" err
expect_exit 2 "prune --before takes the same parser" camaudit prune --db p.db --before soon
grep_file "and lists the same forms" "^camaudit: invalid time 'soon' for --before: not a time; use RFC 3339 .*; see 'camaudit prune --help'$" err
expect_exit 2 "export --until too" camaudit export --db s.db --until soon
grep_file "naming --until" "invalid time 'soon' for --until: " err

done_testing
