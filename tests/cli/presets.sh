#!/bin/sh
# The presets of the proxies that tests/cli/squid.sh, apache2.sh,
# haproxy.sh and trafficserver.sh run for real, on logs those servers
# wrote (tests/data/formats/NAME.log, each with one hit added by hand by
# an account whose name holds a blank), so that each preset is
# checked where the server is not installed too.
. "$srcdir/tests/lib.sh"
data="$srcdir/tests/data/formats"
registry="$data/proxies-registry.log"

# preset NAME CROSS_TENANT DEVICE_MISMATCH: the log of NAME is sniffed as
# NAME with no line rejected, and its findings are exactly these request
# ids; the hand-written hit's account is read back as the server got it.
preset() {
	expect_exit 0 "$1: the log is ingested" camaudit ingest --db "$1.db" "$data/$1.log" "$registry"
	grep_file "$1: it is sniffed as the $1 preset, with no line rejected" \
		"$1.log \\($1\\): 12 lines read, [0-9]+ events stored, 0 already ingested, 0 rejected\$" err
	camaudit audit -q --db "$1.db" --type all --format json > "$1.json"
	equal "$1: the cross_tenant findings" "$2" \
		"$("$JQ" -r 'select(.type == "cross_tenant") | .request_id' "$1.json" | sort | tr '\n' ' ')"
	equal "$1: the device_mismatch findings" "$3" \
		"$("$JQ" -r 'select(.type == "device_mismatch") | .request_id' "$1.json" | tr '\n' ' ')"
	equal "$1: every delivery is traced to its fill, and no other finding" "" \
		"$("$JQ" -r 'select(.type != "cross_tenant" and .type != "device_mismatch") | .type' "$1.json")"
	equal "$1: an account with a blank, which the server escapes or quotes, is read back whole" "acct 9" \
		"$("$JQ" -r 'select(.requested_device == "cam-9") | .viewer_account' "$1.json")"
}

preset squid "0-58 0-99 " "0-62 "
preset apache "axCLgop806xaY6wKk43p5gAAAAQ hand-written-0000000000000 " "axCLgop806xaY6wKk43p6AAAAAA "
preset haproxy "00000000-0000-4000-8000-000000000099 f47ebd15-9995-42d4-b7d7-70229d4ef0cb " \
	"91a60f6d-957b-4c56-9219-8290eb6545cc "
preset trafficserver "734fe2ae-3116-4533-a7ae-f36ea3a93645-2 734fe2ae-3116-4533-a7ae-f36ea3a93645-99 " \
	"734fe2ae-3116-4533-a7ae-f36ea3a93645-4 "

# A fill is a line whose object came from the origin: Squid's, Apache's
# and Traffic Server's misses and HAProxy's non-hits, with status 200.
equal "squid: a fill per miss" "$(grep -c ' TCP_MISS 200 ' "$data/squid.log")" \
	"$(rows squid.db 'SELECT count(*) FROM fill')"
equal "apache: a fill per miss" "$(grep -c ' 200 [0-9]* .*"cache miss: [^"]*"$' "$data/apache.log")" \
	"$(rows apache.db 'SELECT count(*) FROM fill')"
equal "haproxy: a fill per line that is no hit" "$(grep -c ' 0 200 ' "$data/haproxy.log")" \
	"$(rows haproxy.db 'SELECT count(*) FROM fill')"
equal "trafficserver: a fill per miss" "$(grep -c ' TCP_[A-Z_]*MISS [^ ]* 200 ' "$data/trafficserver.log")" \
	"$(rows trafficserver.db 'SELECT count(*) FROM fill')"

# Apache cannot %-encode: it writes a quote in a value as \" and a
# backslash as \\, which the preset decodes (decode backslash).
printf '%s\n' '1796246403002 hand-written-escapes cache-1 "acct \"q\" \\x" "/still/low" 200 58 "cam-9" "cam-1" "cam-1-low-630c498235635a55f708887b874113e1" "cache hit"' > escaped.log
expect_exit 0 "apache: a line with escaped quotes and backslashes is ingested" \
	camaudit ingest --db escaped.db --input-format apache escaped.log
equal "apache: the account is stored as the client sent it" 'acct "q" \x' \
	"$(rows escaped.db "SELECT a.text FROM serve s JOIN atom a ON a.id = s.account WHERE s.req = 'hand-written-escapes'")"

done_testing
