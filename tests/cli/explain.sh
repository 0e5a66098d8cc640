#!/bin/sh
# camaudit explain: the evidence for one serve, and a verdict that always
# equals audit's (checked over every delivery of the sample incident).
. "$srcdir/tests/lib.sh"

small="$srcdir/tests/data/small"
cp "$small"/*.log .
camaudit ingest -q --db s.db relay.log cache.log registry.log
x() { "$JQ" -r "$1" out; }

expect_exit 1 "explain of a cross-tenant delivery exits 1" camaudit explain --db s.db --format json r-03
equal "its serve line is quoted from the log" \
	"$(sed -n 3p relay.log)" "$(x .serve.line)"
equal "the origin and its rule" "cache.log:2|latest fill of the key on the node, within skew, still cached|cam-1" \
	"$(x '[.origin.fill_ref, .origin.rule, .origin.origin_device] | join("|")')"
equal "the owner at fill time with the registry line" "acct-1|registry.log:1" \
	"$(x '[.owner.owner_account, .owner.binding_ref] | join("|")')"
equal "the later fill is passed over for being after the serve" \
	"filled 58.000 s after the serve, beyond the skew" \
	"$(x '.candidates[] | select(.fill_ref == "cache.log:3") | .why')"
equal "the verdict" cross_tenant "$(x .verdict)"

expect_exit 1 "explain by FILE:LINE" camaudit explain --db s.db --format json relay.log:8
equal "an evicted object is named with its eviction line" \
	"evicted at 2019-12-26T08:16:00.000Z (cache.log:4), before the serve" \
	"$(x '.candidates[] | select(.fill_ref == "cache.log:3") | .why')"
equal "a replaced object names the fill that replaced it" \
	"replaced on its node by the fill at 2019-12-26T08:15:00.000Z (cache.log:3)" \
	"$(x '.candidates[] | select(.fill_ref == "cache.log:2") | .why')"
equal "no origin, no owner, unattributed" "null|null|unattributed" "$(x '[.origin, .owner, .verdict] | map(tostring) | join("|")')"

expect_exit 1 "a shared camera" camaudit explain --db s.db --format json r-06
equal "the viewer's share is listed with its line" "share|registry.log:5" "$(x '.shares[0] | [.op, .ref] | join("|")')"
equal "authorised but the wrong camera" device_mismatch "$(x .verdict)"

expect_exit 1 "a camera without owner" camaudit explain --db s.db --format json r-10
equal "no binding, unknown owner" "null|unknown_owner" "$(x '[.owner, .verdict] | map(tostring) | join("|")')"

expect_exit 0 "a 304 is not a delivery: exit 0" camaudit explain --db s.db --format json r-05
equal "it says so and gives no verdict" "false|null" "$(x '[.delivered, .verdict] | map(tostring) | join("|")')"

expect_exit 0 "an authorised delivery exits 0" camaudit explain --db s.db r-01
grep_file "the text form shows the verdict" "^verdict: ok$" out
grep_file "and the chosen fill" "^    why: the latest fill of the key the node held, still cached$" out

{
	echo "ts=2019-12-26T09:00:00Z op=fill node=n1 key=t device=cam-2 ttl_ms=1000"
	echo "ts=2019-12-26T09:00:00Z op=fill node=n2 key=o device=cam-2"
} > more-cache.log
{
	echo "ts=2019-12-26T09:00:05Z req=ttl account=acct-1 key=t node=n1"
	echo "ts=2019-12-26T09:00:05Z req=other account=acct-1 key=o node=n1"
} > more-relay.log
camaudit ingest -q --db s.db more-cache.log more-relay.log
expect_exit 1 "a fill whose TTL ran out" camaudit explain --db s.db --format json ttl
equal "says when it ran out" "its TTL ran out at 2019-12-26T09:00:01.000Z" "$(x '.candidates[0].why')"
expect_exit 1 "a fill on another node" camaudit explain --db s.db --format json other
equal "says so" "on another node than the serve's" "$(x '.candidates[0].why')"

expect_exit 1 "--skew changes what explain sees, as it does for audit" \
	camaudit explain --db s.db --format json --skew 60s r-03
equal "with a minute of skew the later fill is the origin" "cache.log:3" "$(x .origin.fill_ref)"
expect_exit 2 "an unknown request is a usage error" camaudit explain --db s.db no-such-request
grep_file "it is named" "^camaudit: no serve has request id or FILE:LINE 'no-such-request'$" err
expect_exit 2 "explain needs an operand" camaudit explain --db s.db

# The verdict of explain equals audit's for every delivery of the samples.
camaudit ingest -q --db samples.db "$srcdir/samples"
camaudit audit -q --db samples.db --type all --format json > audit.json
rows samples.db "SELECT serve_ref FROM serves WHERE status IS NULL OR status IN (200, 206)" > refs
camaudit explain --db samples.db --format json $(cat refs) > explain.json
equal "explain covers every delivery" "$(wc -l < refs)" "$(wc -l < explain.json)"
equal "every finding has the same type and fill as in audit" \
	"$("$JQ" -r '[.serve_ref, .type, (.fill_ref // "-")] | @tsv' audit.json | LC_ALL=C sort)" \
	"$("$JQ" -r 'select(.verdict != "ok") | [.serve.serve_ref, .verdict, (.origin.fill_ref // "-")] | @tsv' explain.json | LC_ALL=C sort)"
equal "and every other delivery is ok" "$(( $(wc -l < refs) - $(wc -l < audit.json) ))" \
	"$("$JQ" -r 'select(.verdict == "ok") | .verdict' explain.json | wc -l)"
check "the frame rule is explained where relays logged frames" \
	"$JQ" -e -s 'any(.[]; .origin.rule == "frame identity")' explain.json

done_testing
