#!/bin/sh
# camaudit report: every figure against the fixture's known truth
# (tests/data/report/truth.tsv, computed here with awk, sort and uniq and
# never with camaudit), in JSON, text and the CSV lists; windows, exit
# status, usage errors, -o FILE, and hostile values in every format.
# The HTML rendering is tested in a browser by report-html.sh.
. "$srcdir/tests/lib.sh"

data="$srcdir/tests/data/report"
camaudit ingest -q --db r.db "$data"/*.log

# The truth's rows, and those in [SINCE, UNTIL) (times compare as text).
truth() { grep -v '^#' "$data/truth.tsv"; }
window() { truth | awk -F'\t' -v since="$1" -v until="$2" '$2 >= since && $2 < until'; }
count_distinct() { sort -u | grep -c .; }

# The headline computed from the truth for a window, in the JSON's order:
# owners recipients frames pairs deliveries, confirmed then upper bound.
expected_headline() {
	window "$1" "$2" > rows
	awk -F'\t' '$3 == "cross_tenant"' rows > confirmed
	awk -F'\t' '$11 == "yes"' rows > possible
	c_owners=$(cut -f7 confirmed | count_distinct)
	c_frames=$(cut -f9 confirmed | count_distinct)
	u_frames=$(cut -f9 possible | count_distinct)
	# Each possible frame not confirmed may be one more owner's, up to
	# the registry's owners (of a camera) that are not confirmed.
	cut -f7 confirmed | sort -u > confirmed.owners
	sed -n 's/.*op=bind .*account=\([^ ]*\).*/\1/p' "$data/registry.log" | sort -u > registry.owners
	cap=$(comm -23 registry.owners confirmed.owners | grep -c .)
	extra=$((u_frames - c_frames))
	[ "$extra" -gt "$cap" ] && extra=$cap
	printf '%s\t' "$c_owners" "$(cut -f6 confirmed | count_distinct)" "$c_frames" \
		"$(cut -f6,9 confirmed | count_distinct)" "$(grep -c . confirmed)" \
		"$((c_owners + extra))" "$(cut -f6 possible | count_distinct)" "$u_frames" \
		"$(cut -f6,9 possible | count_distinct)"
	grep -c . possible
}
headline_of() {
	"$JQ" -r '.headline | [.confirmed, .upper_bound] | map(.owners, .recipients, .frames, .pairs, .deliveries) | @tsv' "$1"
}

# --- the whole fixture as JSON --------------------------------------------------
before=$(date -u +%s)
expect_exit 1 "a report with cross-tenant deliveries exits 1" camaudit report --db r.db --format json
after=$(date -u +%s)
cp out all.json
check "the JSON is one object" "$JQ" -e -s 'length == 1 and (.[0] | type) == "object"' all.json
equal "the JSON is one line" 1 "$(wc -l < all.json)"
check "every count is an integer" "$JQ" -e '[.. | numbers] | all(. == floor and . >= 0)' all.json
check "every time is RFC 3339 UTC with milliseconds" "$JQ" -e \
	'[.. | strings | select(test("^[0-9]{4}-[0-9]{2}-"))] | length > 0 and all(test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$"))' all.json
equal "the top-level keys" \
	"generated_at,camaudit_version,store,since,until,skew_ms,burst_gap_ms,evidence_per_pair,checked,completeness,headline,exposure,bursts,hours,generations,owners,recipients,coverage,sources" \
	"$("$JQ" -r 'keys_unsorted | join(",")' all.json)"

# The truth agrees with audit's verdicts (so the fixture is what it says).
camaudit audit -q --db r.db --type all --format json > audit.json
equal "the fixture's verdicts are those of its truth" \
	"$(truth | awk -F'\t' '$3 != "ok" && $3 != "not_delivered" { print $1 "\t" $3 }' | LC_ALL=C sort)" \
	"$("$JQ" -r '[.request_id, .type] | @tsv' audit.json | LC_ALL=C sort)"

# --- headline -------------------------------------------------------------------
equal "the headline equals the truth's: confirmed, then upper bound" \
	"$(expected_headline 0 9)" "$(headline_of all.json)"
equal "the fixture's headline as the README states it" \
	"$(printf '3\t5\t5\t8\t12\t5\t6\t10\t13\t18')" "$(headline_of all.json)"
equal "the checked deliveries by verdict" \
	"$(truth | awk -F'\t' '$3 != "not_delivered"' | grep -c .) $(for t in cross_tenant device_mismatch unknown_owner unattributed ok; do
		truth | awk -F'\t' -v t=$t '$3 == t' | grep -c .; done | tr '\n' ' ' | sed 's/ $//')" \
	"$("$JQ" -r '.checked | [.deliveries, .cross_tenant, .device_mismatch, .unknown_owner, .unattributed, .ok] | map(tostring) | join(" ")' all.json)"

# --- provenance ----------------------------------------------------------------------
generated=$("$JQ" -r '.generated_at | sub("\\.[0-9]+Z$"; "Z") | fromdateiso8601' all.json)
check "generated_at is the time the report was made" test "$before" -le "$generated" -a "$generated" -le "$after"
equal "the version is camaudit's" "$(camaudit --version | cut -d' ' -f2)" "$("$JQ" -r .camaudit_version all.json)"
equal "the store is named as given" r.db "$("$JQ" -r .store all.json)"
equal "the input files with their line counts" \
	"$(for f in "$data"/*.log; do echo "$f $(wc -l < "$f") 0 null"; done | LC_ALL=C sort)" \
	"$("$JQ" -r '.sources[] | "\(.file) \(.lines) \(.rejected) \(.damaged)"' all.json)"
check "every line is an event" "$JQ" -e 'all(.sources[]; .events == .lines)' all.json

# --- completeness ------------------------------------------------------------------
# The fixture traces 22 of 26 deliveries (84.6%) and has a coverage gap.
equal "the fixture's traced share" "22 26" "$("$JQ" -r '.checked | "\(.attributed) \(.deliveries)"' all.json)"
equal "below --min-traced 90 and with a gap, the report is incomplete for both" \
	'false 90 ["little_traced","coverage_gaps"]' \
	"$("$JQ" -c -r '.completeness | "\(.complete) \(.min_traced_percent) \(.incomplete_because)"' all.json)"
expect_exit 1 "--min-traced 84.5" camaudit report --db r.db --format json --min-traced 84.5
equal "at 84.6% traced, --min-traced 84.5 leaves only the gap" \
	'false 84.5 ["coverage_gaps"]' \
	"$("$JQ" -c -r '.completeness | "\(.complete) \(.min_traced_percent) \(.incomplete_because)"' out)"
expect_exit 1 "--min-traced 84.7" camaudit report --db r.db --format json --min-traced 84.7 --since 2019-12-26T11:00:00Z
equal "after the gap, with every delivery traced, the report is complete" \
	'true []' "$("$JQ" -c -r '.completeness | "\(.complete) \(.incomplete_because)"' out)"
expect_exit 0 "an empty window" camaudit report --db r.db --format json --since 2020-01-01
equal "is incomplete: nothing was checked" '["nothing_checked"]' "$("$JQ" -c .completeness.incomplete_because out)"
expect_exit 2 "a bad --min-traced" camaudit report --db r.db --min-traced 101
grep_file "is named" "invalid --min-traced '101'" err

# --- window and bursts ------------------------------------------------------------
truth | awk -F'\t' '$3 == "cross_tenant"' | sort -t "$(printf '\t')" -k2,2 > cross
equal "the first and last cross-tenant delivery" \
	"$(head -n 1 cross | cut -f2) $(tail -n 1 cross | cut -f2)" \
	"$("$JQ" -r '.exposure | "\(.first_at) \(.last_at)"' all.json)"
# Bursts from the truth: a pause of more than 1800 s starts a new one.
awk -F'\t' '{ split(substr($2, 12, 8), t, ":"); s = t[1] * 3600 + t[2] * 60 + t[3];
	if (NR == 1 || s - last > 1800) burst++; last = s; print burst "\t" $0 }' cross > bursts
for b in $(cut -f1 bursts | sort -un); do
	awk -F'\t' -v b="$b" '$1 == b' bursts | cut -f2- > burst.$b
	printf '%s %s %s %s %s %s %s %s\n' "$b" "$(head -n 1 burst.$b | cut -f2)" \
		"$(tail -n 1 burst.$b | cut -f2)" "$(grep -c . burst.$b)" \
		"$(cut -f9 burst.$b | count_distinct)" "$(cut -f6,9 burst.$b | count_distinct)" \
		"$(cut -f7 burst.$b | count_distinct)" "$(cut -f6 burst.$b | count_distinct)"
done > bursts.expected
equal "two bursts, split by the pause of more than 30 minutes" 2 "$(grep -c . bursts.expected)"
equal "each burst's span and counts" "$(cat bursts.expected)" \
	"$("$JQ" -r '.bursts[] | [.burst, .first_at, .last_at, .deliveries, .frames, .pairs, .owners, .recipients] | map(tostring) | join(" ")' all.json)"
equal "a pause of exactly 30 minutes stays in the burst" "2019-12-26T11:33:00.000Z" \
	"$("$JQ" -r '.bursts[1].last_at' all.json)"
span_by() { # FIELD FILE: per value of the field, first last deliveries (sorted by value)
	awk -F'\t' -v f="$1" '{ n[$f]++; if (!($f in a) || $2 < a[$f]) a[$f] = $2; if ($2 > z[$f]) z[$f] = $2 }
		END { for (k in n) print k " " a[k] " " z[k] " " n[k] }' "$2" | LC_ALL=C sort
}
for b in 1 2; do
	equal "burst $b per relay" "$(span_by 4 burst.$b)" \
		"$("$JQ" -r --argjson b $b '.bursts[$b - 1].relays[] | [.relay, .first_at, .last_at, .deliveries] | map(tostring) | join(" ")' all.json | LC_ALL=C sort)"
	equal "burst $b per cache node" "$(span_by 5 burst.$b)" \
		"$("$JQ" -r --argjson b $b '.bursts[$b - 1].nodes[] | [.node, .first_at, .last_at, .deliveries] | map(tostring) | join(" ")' all.json | LC_ALL=C sort)"
done
equal "the whole window per relay" "$(span_by 4 cross)" \
	"$("$JQ" -r '.exposure.relays[] | [.relay, .first_at, .last_at, .deliveries] | map(tostring) | join(" ")' all.json | LC_ALL=C sort)"
equal "the whole window per cache node" "$(span_by 5 cross)" \
	"$("$JQ" -r '.exposure.nodes[] | [.node, .first_at, .last_at, .deliveries] | map(tostring) | join(" ")' all.json | LC_ALL=C sort)"

# --- cause hints: hours and generations ----------------------------------------------
equal "per hour: deliveries, cross-tenant, unattributed, in gaps" \
	"$(truth | awk -F'\t' '$3 != "not_delivered" { h = substr($2, 1, 13); d[h]++; c[h] += $3 == "cross_tenant";
		u[h] += $3 == "unattributed"; g[h] += $10 == "yes" } END { for (h in d) print h ":00:00.000Z " d[h] " " c[h] " " u[h] " " g[h] }' | LC_ALL=C sort)" \
	"$("$JQ" -r '.hours[] | [.hour, .deliveries, .cross_tenant, .unattributed, .in_gaps] | map(tostring) | join(" ")' all.json)"
# Generation changes from the cache logs: per node, a fill whose gen
# differs from the node's previous gen (fills without gen change nothing).
cat "$data"/cache-*.log | LC_ALL=C sort | awk '{ node = ""; gen = ""
	for (i = 1; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "node") node = kv[2]; if (kv[1] == "gen") gen = kv[2]; if (kv[1] == "ts") ts = kv[2] }
	if (gen == "") next; if ((node in last) && last[node] != gen) print node " " ts " " last[node] " " gen; last[node] = gen }' > generations.expected
equal "two generation changes" 2 "$(grep -c . generations.expected)"
equal "each generation change: node, time, from, to" "$(cat generations.expected)" \
	"$("$JQ" -r '.generations[] | [.node, .changed_at, .from, .to] | join(" ")' all.json)"
equal "the first cross-tenant delivery after each change, on its node" \
	"2019-12-26T09:10:05.000Z 2019-12-26T11:02:00.000Z" \
	"$("$JQ" -r '[.generations[].first_cross_tenant_at] | join(" ")' all.json)"
check "each change names its fill line" "$JQ" -e 'all(.generations[]; .fill_ref | test("cache-[12]\\.log:[0-9]+$"))' all.json
equal "the hours in which a generation changed are marked" \
	"2019-12-26T09:00:00.000Z 2019-12-26T11:00:00.000Z" \
	"$("$JQ" -r '[.hours[] | select(.generation_change) | .hour] | join(" ")' all.json)"
equal "the generation in effect per hour and node" \
	"08 cache-1 7 false|08 cache-2 7 false|09 cache-1 7 false|09 cache-2 8 true|10 cache-1 7 false|10 cache-2 8 false|11 cache-1 8 true|11 cache-2 8 false" \
	"$("$JQ" -r '[.hours[] | .hour[11:13] as $h | .nodes[] | select(.node) | "\($h) \(.node) \(.gen) \(.gen_changed)"] | join("|")' all.json)"
equal "deliveries per hour and node" \
	"$(truth | awk -F'\t' '$3 != "not_delivered" && $5 != "-" { k = substr($2, 12, 2) " " $5; d[k]++; c[k] += $3 == "cross_tenant" }
		END { for (k in d) print k " " d[k] " " c[k] }' | LC_ALL=C sort)" \
	"$("$JQ" -r '.hours[] | .hour[11:13] as $h | .nodes[] | select(.node) | "\($h) \(.node) \(.deliveries) \(.cross_tenant)"' all.json | LC_ALL=C sort)"
check "the gap hour is marked on its node" "$JQ" -e \
	'[.hours[].nodes[] | select(.gap)] | length == 1' all.json

# --- notification lists -----------------------------------------------------------------
# group FIELDS...: per group of the cross-tenant rows, distinct frames,
# deliveries, first and last time, as CSV after the group's fields.
group() {
	awk -F'\t' -v keys="$*" 'BEGIN { n = split(keys, f, " ") }
		{ k = $f[1]; for (i = 2; i <= n; i++) k = k "," $f[i]
		  d[k]++; if (!((k, $9) in seen)) { seen[k, $9] = 1; fr[k]++ }
		  if (!(k in a) || $2 < a[k]) a[k] = $2; if ($2 > z[k]) z[k] = $2 }
		END { for (k in d) print k "," fr[k] "," d[k] "," a[k] "," z[k] }' cross | LC_ALL=C sort
}
expect_exit 1 "--format csv --list owners" camaudit report --db r.db --format csv --list owners
equal "the owners list's header" "owner_account,origin_device,recipient_account,frames,deliveries,first_at,last_at" \
	"$(head -n 1 out | tr -d '\r')"
check "CSV lines end in CRLF" sh -c 'test "$(grep -c "$(printf "\r")\$" out)" -eq "$(wc -l < out)"'
equal "per owner: which recipient saw which camera, frames, deliveries, first, last" \
	"$(group 7 8 6)" "$(tail -n +2 out | tr -d '\r' | LC_ALL=C sort)"
equal "the owners list is sorted by owner, camera, recipient" \
	"$(tail -n +2 out | tr -d '\r' | LC_ALL=C sort -t, -k1,1 -k2,2 -k3,3)" "$(tail -n +2 out | tr -d '\r')"
expect_exit 1 "--format csv --list recipients" camaudit report --db r.db --format csv --list recipients
equal "the recipients list's header" "recipient_account,owner_account,origin_device,frames,deliveries,first_at,last_at" \
	"$(head -n 1 out | tr -d '\r')"
equal "per recipient: whose camera they saw, frames, deliveries, first, last" \
	"$(group 6 7 8)" "$(tail -n +2 out | tr -d '\r' | LC_ALL=C sort)"
equal "the JSON owners nest the same rows" "$(group 7 8 6)" \
	"$("$JQ" -r '.owners[] | .owner_account as $o | .exposures[] | [$o, .origin_device, .recipient_account, .frames, .deliveries, .first_at, .last_at] | map(tostring) | join(",")' all.json | LC_ALL=C sort)"
equal "per owner in JSON: cameras, recipients, frames, deliveries" \
	"$(for o in $(cut -f7 cross | sort -u); do awk -F'\t' -v o="$o" '$7 == o' cross > one
		echo "$o $(cut -f8 one | count_distinct) $(cut -f6 one | count_distinct) $(cut -f9 one | count_distinct) $(grep -c . one)"; done)" \
	"$("$JQ" -r '.owners[] | [.owner_account, .devices, .recipients, .frames, .deliveries] | map(tostring) | join(" ")' all.json)"
equal "per recipient in JSON: owners, cameras, frames, deliveries" \
	"$(for r in $(cut -f6 cross | sort -u); do awk -F'\t' -v r="$r" '$6 == r' cross > one
		echo "$r $(cut -f7 one | count_distinct) $(cut -f8 one | count_distinct) $(cut -f9 one | count_distinct) $(grep -c . one)"; done)" \
	"$("$JQ" -r '.recipients[] | [.recipient_account, .owners, .devices, .frames, .deliveries] | map(tostring) | join(" ")' all.json)"

# --- coverage -----------------------------------------------------------------------------
equal "the coverage gap: hour, node, serves, deliveries, cross-tenant, unattributed, uncertain" \
	"$(truth | awk -F'\t' '$10 == "yes" { s++; d += $3 != "not_delivered"; c += $3 == "cross_tenant"; u += $3 == "unattributed"
		x += $11 == "yes" && $3 != "cross_tenant" && $3 != "unattributed"; h = substr($2, 1, 13); n = $5 }
		END { print h ":00:00.000Z " n " " s " " d " " c " " u " " x }')" \
	"$("$JQ" -r '.coverage.gaps[] | [.hour, .node, .serves, .deliveries, .cross_tenant, .unattributed, .uncertain] | map(tostring) | join(" ")' all.json)"
equal "coverage totals: in gaps, unattributed, uncertain" \
	"$(truth | awk -F'\t' '$3 != "not_delivered" { g += $10 == "yes"; u += $3 == "unattributed"; x += $11 == "yes" && $3 != "cross_tenant" && $3 != "unattributed" } END { print g " " u " " x }')" \
	"$("$JQ" -r '.coverage | [.gap_deliveries, .unattributed_deliveries, .uncertain_deliveries] | map(tostring) | join(" ")' all.json)"
equal "unattributed deliveries per node (null: the relay named none)" \
	"$(truth | awk -F'\t' '$3 == "unattributed" { n[$5]++; g[$5] += $10 == "yes" } END { for (k in n) print (k == "-" ? "null" : k) " " n[k] " " g[k] }' | LC_ALL=C sort)" \
	"$("$JQ" -r '.coverage.unattributed[] | [.node, .deliveries, .in_gaps] | map(tostring) | join(" ")' all.json | LC_ALL=C sort)"

# --- windows -----------------------------------------------------------------------------
expect_exit 0 "a window without cross-tenant deliveries exits 0" \
	camaudit report --db r.db --format json --until 2019-12-26T09:00:00Z
equal "its headline: nothing confirmed, the unattributed in the bound" \
	"$(expected_headline 0 2019-12-26T09:00:00.000Z)" "$(headline_of out)"
equal "no exposure: null times, no bursts" "null null 0" \
	"$("$JQ" -r '"\(.exposure.first_at) \(.exposure.last_at) \(.bursts | length)"' out)"
expect_exit 0 "the hour of the gap alone" \
	camaudit report --db r.db --format json --since 2019-12-26T10:00:00Z --until 2019-12-26T11:00:00Z
equal "its headline counts the gap's uncertain deliveries in the bound" \
	"$(expected_headline 2019-12-26T10:00:00.000Z 2019-12-26T11:00:00.000Z)" "$(headline_of out)"
equal "the window is in the JSON" "2019-12-26T10:00:00.000Z 2019-12-26T11:00:00.000Z 2000 1800000" \
	"$("$JQ" -r '"\(.since) \(.until) \(.skew_ms) \(.burst_gap_ms)"' out)"
expect_exit 1 "the second burst alone" camaudit report --db r.db --format json --since 2019-12-26T10:30:00Z
equal "its headline" "$(expected_headline 2019-12-26T10:30:00.000Z 9)" "$(headline_of out)"
equal "one burst" 1 "$("$JQ" -r '.bursts | length' out)"
expect_exit 0 "an empty window of the store" camaudit report --db r.db --since 2020-01-01
grep_file "an empty report says nothing was checked" "no deliveries in the store for this window" err
expect_exit 0 "--skew is taken" camaudit report --db r.db --format json --skew 0 --until 2019-12-26T09:00:00Z
equal "and reported" 0 "$("$JQ" -r .skew_ms out)"

# --- text ------------------------------------------------------------------------------------
expect_exit 1 "the text format" camaudit report --db r.db
grep_file "the text names the window" "^camaudit report: all serves in the store \(skew 2s\)$" out
grep_file "the text headline heading" "^  FIGURE +CONFIRMED +UPPER_BOUND$" out
set -- $(expected_headline 0 9)
grep_file "text: affected owners" "^  affected owners +$1 +$6$" out
grep_file "text: recipients" "^  recipients +$2 +$7$" out
grep_file "text: frames exposed" "^  frames exposed +$3 +$8$" out
grep_file "text: frame-recipient pairs" "^  frame-recipient pairs +$4 +$9$" out
grep_file "text: deliveries" "^  deliveries +$5 +${10}$" out
grep_file "text: the exposure window" "^exposure: first $(head -n 1 cross | cut -f2), last $(tail -n 1 cross | cut -f2)$" out
grep_file "text: the bursts" "^bursts: 2 " out
grep_file "text: the first burst" "^ +1  2019-12-26T09:10:05.000Z  2019-12-26T09:39:59.000Z +8 +3 +5 +2 +3$" out
grep_file "text: a generation change" "^  cache-2 +2019-12-26T09:10:00.000Z +7 +8 +.*cache-2.log:2 +2019-12-26T09:10:05.000Z$" out
grep_file "text: an owner's exposure" "^  acct-alice +cam-a1 +acct-carol +1 +3 +2019-12-26T09:10:05.000Z +2019-12-26T09:10:35.000Z$" out
grep_file "text: the coverage gap" "^  2019-12-26T10:00:00.000Z +cache-2 +5 +4 +0 +1 +2$" out
check "text has no trailing blanks" sh -c '! grep -q " \$" out'
grep_file "text: when, by which camaudit, from which store" \
	"^generated: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z by camaudit $(camaudit --version | cut -d' ' -f2) from r\.db$" out
grep_file "text: the input files" "^input files: 5$" out
grep_file "text: an input file and its lines" "^  [^ ]*/relay-a\.log +$(wc -l < "$data/relay-a.log") +$(wc -l < "$data/relay-a.log") +0 +-$" out
grep_file "the text says first that the report is incomplete, and why" \
	"^INCOMPLETE: only 84\.6% of deliveries could be traced to a fill \(below --min-traced 90%; are cache logs missing\?\) and 4 deliveries fall in coverage gaps .*;$" out
grep_file "and what that means" "^  where no finding is shown, that means unknown, not clean$" out
equal "the incomplete line comes before the headline" 3 "$(grep -n '^INCOMPLETE: ' out | cut -d: -f1)"
grep_file "incompleteness is warned about on stderr" \
	"^camaudit: warning: the report is incomplete: only 84\.6% .* and 4 deliveries fall in coverage gaps .*: an absence of findings means unknown, not clean$" err
expect_exit 1 "--quiet" camaudit report -q --db r.db
check "--quiet keeps stderr empty" test ! -s err

# --- usage and failures ------------------------------------------------------------------
expect_exit 0 "--help" camaudit report --help
for opt in --db --since --until --skew --format --list --min-traced --output --quiet --help; do
	grep_file "--help documents $opt" "$opt" out
done
grep_file "--help states the evidence's bound, the JSON's" "first $("$JQ" .evidence_per_pair all.json) deliveries as evidence" out
expect_exit 2 "csv needs --list" camaudit report --db r.db --format csv
grep_file "and says so" "^camaudit: --format csv writes one list: add --list owners or --list recipients; see 'camaudit report --help'$" err
expect_exit 2 "--list needs csv" camaudit report --db r.db --list owners
expect_exit 2 "a bad --list" camaudit report --db r.db --format csv --list everyone
expect_exit 2 "a bad --format" camaudit report --db r.db --format pdf
grep_file "the bad format is named" "invalid --format 'pdf'" err
expect_exit 2 "an operand" camaudit report --db r.db extra
expect_exit 2 "an empty window" camaudit report --db r.db --since 2019-12-27 --until 2019-12-26
expect_exit 2 "a missing database" camaudit report --db missing.db
check "the missing database is not created" test ! -e missing.db

# --- -o FILE ---------------------------------------------------------------------------------
expect_exit 1 "-o writes the report to a file" camaudit report --db r.db --format json -o report.json
check "nothing on stdout with -o" test ! -s out
equal "the file holds the report (made at another time)" "$("$JQ" -c 'del(.generated_at)' all.json)" \
	"$("$JQ" -c 'del(.generated_at)' report.json)"
equal "the file is created private (0600)" 600 "$(stat -c %a report.json)"
echo old > victim
ln -s victim link.json
expect_exit 3 "-o refuses a symbolic link" camaudit report --db r.db --format json -o link.json
grep_file "and says so, naming it" "^camaudit: link.json: is a symbolic link; not writing through it$" err
equal "the link's target is untouched" old "$(cat victim)"
expect_exit 3 "-o into a missing directory" camaudit report --db r.db -o nodir/r.txt
grep_file "the error names the file" "^camaudit: nodir/r.txt: No such file or directory$" err
expect_exit 3 "-o to a full device" camaudit report --db r.db -o /dev/full
grep_file "the write error names the file" "^camaudit: /dev/full: No space left on device$" err
expect_exit 3 "stdout to a full device" sh -c '"$CAMAUDIT" report --db r.db > /dev/full'
grep_file "the write error is reported" "^camaudit: writing standard output: No space left on device$" err
expect_exit 2 "a usage error leaves -o FILE alone" camaudit report --db r.db --format csv -o kept.csv
check "no file was created" test ! -e kept.csv

# --- hostile values ---------------------------------------------------------------------
esc=$(printf '\033')
rlo=$(printf '\342\200\256') # U+202E RIGHT-TO-LEFT OVERRIDE
{
	echo 'ts=2019-12-01T00:00:00Z op=bind device="cam<b>1" account="<script>alert(1)</script>"'
	echo 'ts=2019-12-26T08:00:00Z op=fill node="n&<i>" key=k device="cam<b>1" frame=f1 gen="<i>9</i>"'
	echo 'ts=2019-12-26T09:00:00Z op=fill node="n&<i>" key=k device="cam<b>1" frame=f2 gen="10\"'"'"'"'
	printf 'ts=2019-12-26T09:00:01Z req="x1<u>%s" account="=cmd|\\" /c calc\\"!A1" key=k frame=f2 node="n&<i>" relay="r\\033[2J%s"\n' "$rlo" "$rlo"
	printf 'ts=2019-12-26T09:00:02Z req=x2 account="evil\\033]0;owned\\a" key=k frame=f2 node="n&<i>"\n'
} | sed "s/\\\\033/$esc/g; s/\\\\a/$(printf '\007')/g" > hostile.log
camaudit ingest -q --db h.db hostile.log
expect_exit 1 "hostile values: text" camaudit report --db h.db
check "no escape character reaches the terminal" sh -c "! grep -q '$esc' out"
check "no bell reaches the terminal" sh -c '! grep -q "$(printf "\007")" out'
grep_file "control characters are shown escaped" 'evil\\x1b\]0;owned\\x07' out
expect_exit 1 "hostile values: JSON" camaudit report --db h.db --format json
check "the JSON is valid" "$JQ" -e '.headline.confirmed.deliveries == 2' out
equal "values round-trip exactly through JSON" "$(printf 'evil\033]0;owned\007')" \
	"$("$JQ" -r '.recipients[] | select(.recipient_account | startswith("evil")) | .recipient_account' out)"
equal "the node with markup round-trips" "n&<i>" "$("$JQ" -r '.generations[0].node' out)"
equal "a generation with quotes round-trips" "10\"'" "$("$JQ" -r '.generations[0].to' out)"
expect_exit 1 "hostile values: CSV" camaudit report --db h.db --format csv --list recipients
grep_file "a formula-like cell is defused and quoted" "^\"'=cmd\|\"\" /c calc\"\"!A1\",<script>" out
check "no escape character in the CSV" sh -c "! grep -q '$esc' out"
expect_exit 1 "hostile values: HTML" camaudit report --db h.db --format html -o h.html
check "no markup from the logs survives" sh -c '! grep -q "<script\|<b>1\|<i>9\|n&<i>" h.html'
grep_file "the owner is shown as text" "&lt;script&gt;alert\(1\)&lt;/script&gt;" h.html
grep_file "quotes are escaped" "10&quot;&#39;" h.html
check "no control character in the HTML" sh -c '! LC_ALL=C grep -q "[$(printf "\001-\010\013\014\016-\037\177")]" h.html'
check "no bidirectional override in the HTML" sh -c "! grep -q '$rlo' h.html"
grep_file "the override is shown as an escape" 'r\\x1b\[2J\\u202e' h.html
grep_file "a request id in the evidence is escaped too" '<td>x1&lt;u&gt;\\u202e</td>' h.html
expect_exit 1 "hostile values: text, again" camaudit report --db h.db
grep_file "a request id in the text's evidence is escaped" ' x1<u>\\u202e ' out
check "no bidirectional override in the text" sh -c "! grep -q '$rlo' out"

# --- the samples -----------------------------------------------------------------------------
camaudit ingest -q --db s.db "$srcdir/samples"
expect_exit 1 "the samples' report" camaudit report --db s.db --format json
equal "the samples' report is complete" true "$("$JQ" -r .completeness.complete out)"
equal "the samples' confirmed deliveries are audit's cross-tenant findings" \
	"$(camaudit audit -q --db s.db --format json | grep -c .)" "$("$JQ" -r .headline.confirmed.deliveries out)"
equal "the leak on cache-2 begins after its generation change" "cache-2 2019-12-26T08:14:37.206Z 41 42 2019-12-26T08:16:58.604Z" \
	"$("$JQ" -r '.generations[0] | [.node, .changed_at, .from, .to, .first_cross_tenant_at] | join(" ")' out)"

# Evidence: per owner, camera and recipient, the first 3 of audit's findings.
evidence_of_audit() { # the first 3 findings per pair, from audit --format json
	"$JQ" -s -r 'map(select(.type == "cross_tenant")) | group_by([.owner_account, .origin_device, .viewer_account])[] | sort_by(.served_at)[:3][]
		| [.owner_account, .origin_device, .viewer_account, .served_at, .request_id, .serve_ref, .fill_ref] | join(" ")' "$1" | LC_ALL=C sort
}
evidence_of_report() { # the evidence nested in a JSON report
	"$JQ" -r '.owners[] | .owner_account as $o | .exposures[] | [$o, .origin_device, .recipient_account] as $p
		| .evidence[] | $p + [.served_at, .request_id, .serve_ref, .fill_ref] | join(" ")' "$1" | LC_ALL=C sort
}
camaudit audit -q --db s.db --format json > s-audit.json
cp out s.json
equal "the bound is stated" 3 "$("$JQ" -r .evidence_per_pair s.json)"
check "some of the samples' pairs have more deliveries than the bound" "$JQ" -e '[.owners[].exposures[] | select(.deliveries > 3)] | length > 0' s.json
check "each pair shows its deliveries up to the bound" "$JQ" -e \
	'all(.owners[].exposures[]; (.evidence | length) == ([.deliveries, 3] | min))' s.json
equal "the evidence is the first 3 findings of each owner, camera and recipient" \
	"$(evidence_of_audit s-audit.json)" "$(evidence_of_report s.json)"
check "every reference is FILE:LINE" "$JQ" -e \
	'all(.owners[].exposures[].evidence[]; (.serve_ref | test("/relay-[ab]\\.log[.0-9gz]*:[0-9]+$")) and (.fill_ref | test("/cache-[12]\\.log[.0-9gz]*:[0-9]+$")))' s.json
equal "the fixture's evidence too" "$(evidence_of_audit audit.json)" "$(evidence_of_report all.json)"
expect_exit 1 "the samples' report as text" camaudit report -q --db s.db
grep_file "text: the evidence, and its bound" "^evidence by owner, camera and recipient: $(evidence_of_audit s-audit.json | grep -c .) \(the first 3 deliveries of each; audit lists them all\)$" out
grep_file "text: an evidence line" "^  acct-0019 +cam-3be5fb +acct-0006 +2019-12-26T08:50:32\.251Z +r-[ab]-[0-9]+ +[^ ]*/relay-[ab]\.log[^ ]*:[0-9]+ +[^ ]*/cache-2\.log[^ ]*:[0-9]+$" out
check "text has no trailing blanks" sh -c '! grep -q " \$" out'

done_testing
