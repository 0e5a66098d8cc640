#!/bin/sh
# Audit output and its contract: exit status, NDJSON with the documented
# keys, CSV, an aligned table that never passes control characters to the
# terminal, the time window, the skew tolerance, the stderr summary and
# the statuses of an incomplete answer (blindness).  tests/data/small
# traces 7 of its 9 deliveries (77.8%): below the default --min-traced,
# so its audits are blind (5 or 6) unless they lower it.
. "$srcdir/tests/lib.sh"

small="$srcdir/tests/data/small"
camaudit ingest -q --db s.db "$small"

# --- exit status and types --------------------------------------------------
expect_exit 1 "findings printed: exit 1" camaudit audit --db s.db --min-traced 70
equal "the default type is cross_tenant" "cross_tenant cross_tenant" \
	"$(awk 'NR > 1 { printf "%s%s", sep, $1; sep = " " }' out)"
expect_exit 0 "nothing of the requested type: exit 0" \
	camaudit audit --db s.db --since 2019-12-26T08:16:00Z --type cross_tenant --min-traced 0
check "nothing found prints nothing on stdout" test ! -s out
grep_file "the summary still goes to stderr" "^camaudit: [0-9]+ deliveries checked" err

# --- JSON -----------------------------------------------------------------
expect_exit 6 "--format json with --type all" camaudit audit --db s.db --type all --format json
check "every line is one JSON object" "$JQ" -e -s 'length == 7 and all(type == "object")' out
equal "the keys are the documented ones, in order" \
	"type,served_at,request_id,viewer_account,requested_device,key,frame,cache,relay,node,origin_device,owner_account,filled_at,serve_ref,fill_ref" \
	"$(head -n 1 out | "$JQ" -r 'keys_unsorted | join(",")')"
equal "the findings are exactly the fixture's known truth" \
	"$(cat "$srcdir/tests/data/small.expected")" \
	"$("$JQ" -r '[.request_id, .type] | @tsv' out | LC_ALL=C sort)"
equal "a cross-tenant finding carries its evidence" \
	"acct-2 cam-2 cam-1 acct-1 f-2 cache-2 2019-12-26T08:14:02.000Z 2019-12-26T08:14:00.000Z relay.log:3 cache.log:2" \
	"$("$JQ" -r 'select(.request_id == "r-03") | [.viewer_account, .requested_device, .origin_device, .owner_account, .frame, .node, .served_at, .filled_at, (.serve_ref | sub(".*/"; "")), (.fill_ref | sub(".*/"; ""))] | join(" ")' out)"
equal "absent values are null" "null null null" \
	"$("$JQ" -r 'select(.request_id == "r-09") | [.origin_device, .owner_account, .filled_at] | map(tostring) | join(" ")' out)"
equal "findings come oldest first" \
	"$("$JQ" -r .served_at out | LC_ALL=C sort)" "$("$JQ" -r .served_at out)"

# --- CSV --------------------------------------------------------------------
expect_exit 6 "--format csv" camaudit audit --db s.db --type all --format csv
equal "the CSV header names the same columns" \
	"type,served_at,request_id,viewer_account,requested_device,key,frame,cache,relay,node,origin_device,owner_account,filled_at,serve_ref,fill_ref" \
	"$(head -n 1 out | tr -d '\r')"
equal "one CSV row per finding after the header" 8 "$(wc -l < out)"
check "CSV lines end in CRLF (RFC 4180)" sh -c 'test "$(grep -c "$(printf "\r")\$" out)" -eq 8'

# --- table ------------------------------------------------------------------
expect_exit 6 "--format table" camaudit audit --db s.db --type all
grep_file "the table has a heading" "^TYPE +SERVED_AT +REQUEST +VIEWER" out
equal "columns are aligned" 1 \
	"$(awk '{ print index($0, "SERVED_AT") ? index($0, "SERVED_AT") : index($0, "2019-") }' out | sort -u | wc -l)"

# --- hostile values ---------------------------------------------------------
esc=$(printf '\033')
{
	echo "ts=2019-12-26T08:00:00Z op=fill node=n key=k device=cam-x"
	printf 'ts=2019-12-26T08:00:01Z req=evil account="acct-\\033]0;owned\\a\\033[2J" key=k node=n ua="x"\n' | sed "s/\\\\033/$esc/g; s/\\\\a/$(printf '\007')/"
	printf 'ts=2019-12-26T08:00:02Z req="q,\\"uoted\\"" account=acct-q key=k node=n\n'
	printf 'ts=2019-12-26T08:00:03Z req=bytes account=acct-\377\376 key=k node=n\n'
	printf 'ts=2019-12-26T08:00:04Z req=rtl account=rtl-\342\200\256gpj.exe key=k node=n\n'
} > hostile.log
camaudit ingest -q --db h.db hostile.log
expect_exit 1 "hostile values are audited" camaudit audit --db h.db --type all
check "no escape character reaches the terminal" sh -c '! grep -q "$(printf "\033")" out'
check "no BEL character reaches the terminal" sh -c '! grep -q "$(printf "\007")" out'
grep_file "control characters are shown escaped" 'acct-\\x1b\]0;owned\\x07\\x1b\[2J' out
grep_file "invalid UTF-8 is shown as bytes" 'acct-\\xff\\xfe' out
check "no right-to-left override reaches the terminal" sh -c '! grep -q "$(printf "\342\200\256")" out'
grep_file "it is shown as an escape" 'rtl-\\u202e' out
expect_exit 1 "hostile values as JSON" camaudit audit --db h.db --type all --format json
check "the JSON is valid for jq" "$JQ" -e -s 'length == 4' out
equal "control characters round-trip through JSON" \
	"$(printf 'acct-\033]0;owned\007\033[2J')" \
	"$("$JQ" -r 'select(.request_id == "evil") | .viewer_account' out)"
equal "invalid UTF-8 becomes U+FFFD in JSON" "acct-��" \
	"$("$JQ" -r 'select(.request_id == "bytes") | .viewer_account' out)"
expect_exit 1 "hostile values as CSV" camaudit audit --db h.db --type all --format csv
grep_file "CSV quotes a field with a comma and doubles its quotes" '^unknown_owner,[^,]*,"q,""uoted""",' out
check "no escape character reaches the terminal in CSV" sh -c '! grep -q "$(printf "\033")" out'
grep_file "CSV shows control characters escaped" 'acct-\\x1b\]0;owned\\x07' out
mkdir "evil$(printf '\033')]0;owned$(printf '\007')dir"
cp "$small/relay.log" "evil$(printf '\033')]0;owned$(printf '\007')dir/"
expect_exit 0 "a file name with escape sequences is ingested" camaudit ingest --db n.db evil*dir
check "no escape character reaches the terminal in messages" sh -c '! grep -q "$(printf "\033")" err'
grep_file "the name is shown escaped" 'evil\\x1b\]0;owned\\x07dir/relay.log: 10 lines read' err

# --- spreadsheet formulas ------------------------------------------------------
{
	echo "ts=2019-12-26T08:00:00Z op=fill node=n key=k device=cam-x"
	echo 'ts=2019-12-26T08:00:01Z req="=HYPERLINK(\"http://x\",\"y\")" account=@acct key=k node=n'
	echo 'ts=2019-12-26T08:00:02Z req=+1 account=-2 key=k node=n'
} > formula.log
camaudit ingest -q --db f.db formula.log
expect_exit 1 "CSV of formula-like values" camaudit audit --db f.db --type all --format csv
grep_file "a cell starting with = gets an apostrophe" "^unknown_owner,[^,]*,\"'=HYPERLINK\(" out
grep_file "cells starting with @ + - get one too" "^unknown_owner,[^,]*,'\+1,'-2," out
grep_file "and the first row's @ account" ",'@acct," out
expect_exit 1 "--keep-formulas leaves them alone" camaudit audit --db f.db --type all --format csv --keep-formulas
grep_file "the value is as logged" "^unknown_owner,[^,]*,\+1,-2," out
expect_exit 1 "JSON is never changed" camaudit audit --db f.db --type all --format json
equal "the request id is exact in JSON" "+1" "$("$JQ" -r 'select(.viewer_account == "-2") | .request_id' out)"

# --- time window ------------------------------------------------------------
expect_exit 6 "a date selects from its midnight UTC" \
	camaudit audit --db s.db --type all --format json --since 2019-12-26 --until 2019-12-27
equal "the whole day is inside" 7 "$(wc -l < out)"
expect_exit 1 "RFC 3339 bounds select serve times" \
	camaudit audit --db s.db --type all --format json \
	--since 2019-12-26T09:14:02+01:00 --until 2019-12-26T08:16:30Z
equal "since is inclusive, until exclusive" "r-03 r-04 r-06 r-07" \
	"$("$JQ" -r .request_id out | tr '\n' ' ' | sed 's/ $//')"
# Relative times (-1h, 2h, yesterday) and the other forms: tests/cli/times.sh.

# --- skew -------------------------------------------------------------------
{
	echo "ts=2019-12-26T08:00:01.500Z op=fill node=n key=k device=cam-x"
} > skew-cache.log
echo "ts=2019-12-26T08:00:00Z req=s1 account=acct-1 key=k node=n" > skew-relay.log
camaudit ingest -q --db k.db skew-cache.log skew-relay.log
expect_exit 1 "a fill 1.5 s after the serve is the origin with the default skew" \
	camaudit audit --db k.db --type unknown_owner
expect_exit 6 "with --skew 1s it is not" camaudit audit --db k.db --type unattributed --skew 1s
expect_exit 5 "so nothing is unknown_owner with --skew 1s" camaudit audit --db k.db --type unknown_owner --skew 1000ms

# --- summary and quiet --------------------------------------------------------
expect_exit 6 "the summary counts every type" camaudit audit --db s.db
grep_file "summary line" "^camaudit: 9 deliveries checked, 7 \(77\.8%\) traced to a fill; findings: cross_tenant 2, device_mismatch 2, unknown_owner 1, unattributed 2$" err
grep_file "low attribution is called out" "warning: only 77.8% of deliveries could be traced to a fill \(--min-traced 90; are cache logs missing\?\): an absence of findings means unknown, not clean$" err
expect_exit 1 "--quiet keeps stderr empty" camaudit audit -q --db s.db --min-traced 77.7
check "nothing on stderr with --quiet" test ! -s err

# --- blindness: an incomplete answer is an exit status, --quiet or not ------------
expect_exit 6 "findings printed from too little traced: exit 6" camaudit audit -q --db s.db
equal "--quiet keeps one line on stderr, saying why" \
	"camaudit: warning: only 77.8% of deliveries could be traced to a fill (--min-traced 90; are cache logs missing?): an absence of findings means unknown, not clean" \
	"$(cat err)"
check "the findings are printed all the same" test -s out
expect_exit 6 "the threshold is a share: 77.8% is below 77.9" \
	camaudit audit -q --db s.db --min-traced 77.9
expect_exit 5 "nothing found and too little traced: exit 5" \
	camaudit audit -q --db s.db --since 2019-12-26T08:16:00Z --type cross_tenant
check "nothing on stdout" test ! -s out
grep_file "the share of the window is the one compared" "only 33\.3% of deliveries" err
expect_exit 5 "an empty window is blind: nothing was checked" \
	camaudit audit -q --db s.db --since 2020-01-01
equal "in one line, --quiet or not" \
	"camaudit: warning: no deliveries in the store for this window: nothing was checked" "$(cat err)"
expect_exit 5 "--min-traced 0 does not make nothing checked clean" \
	camaudit audit -q --db s.db --since 2020-01-01 --min-traced 0
for bad in 101 -1 abc 50x nan ""; do
	expect_exit 2 "--min-traced '$bad' is a usage error" camaudit audit --db s.db --min-traced "$bad"
done
grep_file "it says what is expected" "invalid --min-traced '' \(a percentage from 0 to 100\); see 'camaudit audit --help'" err
expect_exit 6 "scan is blind the same way" camaudit scan -q --type all "$small"
grep_file "and says so with --quiet" "^camaudit: warning: only 77\.8% of deliveries" err
expect_exit 1 "scan takes --min-traced" camaudit scan -q --min-traced 70 "$small"
expect_exit 3 "a file scan could not read makes 3, whatever else" \
	camaudit scan -q "$small" missing.log
cp s.db s-new.db
expect_exit 6 "audit --new with new findings, blind: exit 6" camaudit audit -q --new --db s-new.db
expect_exit 5 "nothing new, still blind: exit 5" camaudit audit -q --new --db s-new.db
grep_file "and says why" "only 77\.8% of deliveries" err

# --- coverage gaps ---------------------------------------------------------------
{
	echo "ts=2019-12-26T08:00:00Z op=fill node=n key=k device=cam-x"
	echo "ts=2019-12-26T08:00:01Z req=covered account=acct-1 key=k node=n"
	echo "ts=2019-12-26T10:00:01Z req=gap1 account=acct-1 key=k node=n"
	echo "ts=2019-12-26T10:59:59Z req=gap2 account=acct-1 key=k node=n status=404"
} > gap.log
camaudit ingest -q --db gap.db gap.log
expect_exit 6 "audit of a store with an hour without cache logs is blind" camaudit audit --db gap.db --type all
grep_file "the deliveries in the gap are counted in a warning" \
	"^camaudit: warning: 1 delivery falls in coverage gaps .*see 'camaudit status'.*unknown, not clean$" err
echo "ts=2019-12-26T08:00:02Z req=lost account=acct-1 key=zz node=n" > lost.log
expect_exit 6 "a gap and too little traced" camaudit scan -q --type all gap.log lost.log
equal "are said in one line" \
	"camaudit: warning: only 66.7% of deliveries could be traced to a fill (--min-traced 90; are cache logs missing?) and 1 delivery falls in coverage gaps (hours in which the cache node that served it wrote no cache log line; see 'camaudit status'): an absence of findings means unknown, not clean" \
	"$(cat err)"
expect_exit 5 "a gap is blind whatever --min-traced" \
	camaudit audit -q --db gap.db --type cross_tenant --min-traced 0
grep_file "and says so with --quiet" "^camaudit: warning: 1 delivery falls in coverage gaps" err
expect_exit 0 "outside the gap's hour there is no such warning" \
	camaudit audit --db gap.db --type cross_tenant --until 2019-12-26T09:00:00Z
check "no gap warning for the covered hour" sh -c '! grep -q "coverage gaps" err'

# --- read-only store and pipes ---------------------------------------------
cp s.db ro.db
chmod 0444 ro.db
expect_exit 6 "audit works on a read-only database" camaudit audit --db ro.db
expect_exit 3 "a failed write to stdout is an error" sh -c '"$CAMAUDIT" audit --db s.db > /dev/full'
grep_file "the write error is reported" "^camaudit: writing standard output: No space left on device$" err
equal "it is reported once" 1 "$(grep -c 'writing standard output' err)"

done_testing
