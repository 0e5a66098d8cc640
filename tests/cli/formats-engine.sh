#!/bin/sh
# The format engine beyond the presets' own tests: every preset read back
# from what `formats show` prints, one escaping convention, decoders, JSON
# lines, conditions and skipping, time zones, several --formats files and
# lines that start with NUL bytes.
. "$srcdir/tests/lib.sh"

data="$srcdir/tests/data/formats"

# --- formats show round trip ------------------------------------------------------
# Each preset printed by show, renamed, loaded with --formats and shown
# again must be the same text, and read its test log into the same events.
# A preset's test log is tests/data/formats/NAME.log or NAME-*.log.
camaudit formats list > list.out
presets=$(awk 'NR > 1 && $3 == "built-in" { print $1 }' list.out)
for name in $presets; do
	log=
	for candidate in "$data/$name.log" "$data/$name"-*.log; do
		[ -f "$candidate" ] && { log=$candidate; break; }
	done
	[ "$name" = logfmt ] && log="$data/registry.log"
	camaudit formats show "$name" > "$name.show"
	sed "s/^format $name\$/format $name-copy/" "$name.show" > "$name.formats"
	expect_exit 0 "$name: what show prints loads with --formats" \
		camaudit formats --formats "$name.formats" show "$name-copy"
	sed "s/^format $name-copy\$/format $name/" out > "$name.again"
	if cmp -s "$name.show" "$name.again"; then
		ok "$name: shown again, it is the same definition"
	else
		not_ok "$name: shown again, it is the same definition"
		diff "$name.show" "$name.again" | sed 's/^/#   /'
	fi
	if [ -z "$log" ]; then
		not_ok "$name: a test log tests/data/formats/$name.log or $name-*.log"
		continue
	fi
	camaudit formats test --lines 10000 --input-format "$name" "$log" > "$name.test" 2>&1
	camaudit formats test --lines 10000 --formats "$name.formats" --input-format "$name-copy" "$log" 2>&1 |
		sed "s/: $name-copy: /: $name: /; s/format $name-copy /format $name /" > "$name.test2"
	if cmp -s "$name.test" "$name.test2" && grep -q "ts=" "$name.test"; then
		ok "$name: the copy reads $(basename "$log") into the same events"
	else
		not_ok "$name: the copy reads $(basename "$log") into the same events"
		diff "$name.test" "$name.test2" | sed 's/^/#   /'
	fi
done

# --- one escaping convention ------------------------------------------------------------
expect_exit 0 "formats show nginx" camaudit formats show nginx
grep_file "a backslash of a pattern is printed once" '^pattern \^\(\?<ts>\\d\+\\\.\\d\+\) ' out
printf 'format tabbed\n\tkind relay\n\tpattern ^(?<ts>\\d+) (?<account>\\S+)\t(?<key>\\S+)$\n\ttime epoch\n' > tabbed.formats
expect_exit 0 "a definition indented with tabs is shown" camaudit formats --formats tabbed.formats show tabbed
equal "its tabs stay tabs" "$(cat tabbed.formats)" "$(cat out)"
sed 's/$/\r/' tabbed.formats > crlf.formats
expect_exit 0 "a definition with CRLF line ends is shown" camaudit formats --formats crlf.formats show tabbed
equal "with LF line ends, no escaped carriage return" "$(cat tabbed.formats)" "$(cat out)"
printf 'not\\a log \033[1m line\n' > odd.log
expect_exit 1 "formats test on a line no format matches" camaudit formats test odd.log
grep_file "the line is quoted with its backslash as it is, control bytes escaped" \
	"^1: no format matches 'not\\\\a log \\\\x1b\[1m line'" out
printf 'ts=2019-12-26T08:00:00Z op=fill node=n key=k device=cam-1 frame=f1\nts=2019-12-26T08:00:01Z req=r1 account="acct\\\\x" key=k node=n device=cam-1 frame=f1\n' > slash.log
expect_exit 0 "a line with escaped backslashes is ingested" camaudit ingest --db slash.db slash.log
camaudit explain --db slash.db r1 > out 2> err
grep_file "explain's evidence line is the line as it is in the log" \
	'^  line: ts=2019-12-26T08:00:01Z req=r1 account="acct\\\\x" key=k' out
grep_file "the decoded value has one backslash" '^  viewer_account: acct\\x$' out

# --- several formats files ----------------------------------------------------------------
printf 'format one\nkind relay\npattern ^(?<ts>\\d+) (?<account>\\S+) (?<key>\\S+)$\ntime epoch\n' > one.formats
printf 'format two\nkind cache\npattern ^fill (?<ts>\\d+) (?<node>\\S+) (?<key>\\S+)$\ntime epoch\nset op = fill\n' > two.formats
expect_exit 0 "--formats may be given twice" camaudit formats --formats one.formats --formats two.formats list
equal "the formats of both files are there, in order" "one two" \
	"$(awk '$3 ~ /formats:1$/ { printf "%s%s", sep, $1; sep = " " }' out)"
sed 's/^format two$/format one/' two.formats > again.formats
expect_exit 2 "a name defined in two files is a configuration error" \
	camaudit formats --formats one.formats --formats again.formats list
grep_file "it names both files" "again.formats:1: column 8: format 'one' is already defined \(one.formats:1\)" err
expect_exit 0 "CAMAUDIT_FORMATS holds a colon-separated list" \
	env CAMAUDIT_FORMATS="one.formats::two.formats" "$CAMAUDIT" formats list
equal "both files of the list are read" "one two" \
	"$(awk '$3 ~ /formats:1$/ { printf "%s%s", sep, $1; sep = " " }' out)"
expect_exit 0 "--formats replaces the list" \
	env CAMAUDIT_FORMATS="one.formats:nosuch.formats" "$CAMAUDIT" formats --formats two.formats list
equal "only its file is read" "two" "$(awk '$3 ~ /formats:1$/ { print $1 }' out)"
expect_exit 2 "a file of the list that cannot be read is a configuration error" \
	env CAMAUDIT_FORMATS="one.formats:nosuch.formats" "$CAMAUDIT" formats list
grep_file "it is named" "formats file nosuch.formats: No such file or directory" err

# --- a Caddy JSON access log ------------------------------------------------------------------
# Written by hand in the shape of Caddy's JSON log: keys and headers in an
# order of their own per line, JSON escapes, a header with two values, a
# line cut short, an upstream error.
expect_exit 0 "a Caddy JSON log is ingested" camaudit ingest --db caddy.db "$data/caddy.log" "$data/registry.log"
grep_file "it is sniffed as caddy" "caddy.log \(caddy\): 8 lines read, 11 events stored, 0 already ingested, 1 rejected$" err
grep_file "the line cut short is invalid JSON, with its line and byte" \
	"caddy.log:7: rejected: invalid JSON at byte 223: the line ends inside the object$" err
equal "each response from the origin is a fill and a serve, whatever the key order" "7|4" \
	"$(rows caddy.db 'SELECT (SELECT count(*) FROM serve), (SELECT count(*) FROM fill)')"
equal "exactly the planted delivery is cross-tenant" "cross_tenant r-c-002 acct-2 cam-1" \
	"$(camaudit audit -q --db caddy.db --type all --format json |
		"$JQ" -r '[.type, .request_id, .viewer_account, .origin_device] | join(" ")' | sort)"
equal "JSON and URL escapes are decoded (acct-\\u0033, camera=cam%2D3)" "acct-3|cam-3" \
	"$(rows caddy.db "SELECT a.text, d.text FROM serve s JOIN atom a ON a.id = s.account JOIN atom d ON d.id = s.device WHERE s.req = 'r-c-006'")"
# As in every preset, a response from the origin is a fill whether or not
# the cache stored it (Cache-Status without "stored").
printf '%s\n' '{"ts":1577348050.5,"status":200,"request":{"uri":"/still/cam-4/high?camera=cam-4","headers":{"X-Account":["acct-4"]}},"resp_headers":{"Cache-Status":["Souin; fwd=uri-miss"],"X-Cache-Key":["/still/cam-4/high"],"X-Camera-Device":["cam-4"],"X-Frame-Id":["f-cam-4-0005"],"X-Request-Id":["r-c-009"],"X-Cache-Node":["edge-1"]}}' > unstored.log
expect_exit 0 "a response the cache did not store is ingested" camaudit ingest --db unstored.db --input-format caddy unstored.log
equal "it is a fill and a serve" "1|1" \
	"$(rows unstored.db 'SELECT (SELECT count(*) FROM serve), (SELECT count(*) FROM fill)')"
# A revalidation that the origin answered with 304 (RFC 9211:
# fwd-status=304) fetched nothing: the cache served the object it held.
# Under a key without the camera that object is cam-1's, served to acct-2
# who asked for cam-2, with the origin's 304 headers naming cam-2: were
# the line a fill, it would be its own origin and the leak would vanish.
{
	printf '%s\n' '{"ts":1577348060.0,"status":200,"request":{"uri":"/still/low?camera=cam-1","headers":{"X-Account":["acct-1"]}},"resp_headers":{"Cache-Status":["Souin; fwd=uri-miss; stored"],"X-Cache-Key":["/still/low"],"X-Camera-Device":["cam-1"],"X-Frame-Id":["f-cam-1-0007"],"X-Request-Id":["r-c-010"],"X-Cache-Node":["edge-1"]}}'
	printf '%s\n' '{"ts":1577348120.0,"status":200,"request":{"uri":"/still/low?camera=cam-2","headers":{"X-Account":["acct-2"]}},"resp_headers":{"Cache-Status":["Souin; fwd=stale; fwd-status=304"],"X-Cache-Key":["/still/low"],"X-Camera-Device":["cam-2"],"X-Frame-Id":["f-cam-1-0007"],"X-Request-Id":["r-c-011"],"X-Cache-Node":["edge-1"]}}'
} > revalidated.log
camaudit ingest -q --db revalidated.db "$data/registry.log"
expect_exit 0 "a revalidated response is ingested" \
	camaudit ingest --db revalidated.db --input-format caddy revalidated.log
equal "it is a serve, not a fill" "2|1" \
	"$(rows revalidated.db 'SELECT (SELECT count(*) FROM serve), (SELECT count(*) FROM fill)')"
equal "so cam-1's frame served to acct-2 is cross-tenant" "cross_tenant r-c-011 acct-2 cam-1" \
	"$(camaudit audit -q --db revalidated.db --type all --format json |
		"$JQ" -r '[.type, .request_id, .viewer_account, .origin_device] | join(" ")')"

# --- time zones -------------------------------------------------------------------------------
# HAProxy's default date has no zone; the definition says where it is.  The
# conversion happens on the reader thread, whatever TZ the process has.
if [ -r /usr/share/zoneinfo/Europe/Paris ]; then
	cat > local.formats <<'EOF'
format local
kind relay
pattern ^\[(?<when>[^\]]+)\] (?<account>\S+) (?<key>\S+)$
time strftime %d/%b/%Y:%H:%M:%S
timezone Europe/Paris
field ts = when
EOF
	printf '[26/Dec/2019:09:14:03.512] a k\n[01/Jul/2019:12:00:00] a k\n' > local.log
	expect_exit 0 "zone-less local times are ingested with a timezone" \
		env TZ=America/New_York "$CAMAUDIT" ingest --db local.db --formats local.formats local.log
	equal "winter and summer times are converted with their own offsets" "1577348043512|1561975200000" \
		"$(rows local.db 'SELECT ts FROM serve ORDER BY line' | paste -sd '|' -)"
else
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP no tz database (/usr/share/zoneinfo; Debian: tzdata)"
fi

# --- conditions and skipping ---------------------------------------------------------------
# A proxy's shared access log read for its fills only: the other lines are
# skipped, not rejected, and counted as such.
cat > fills.formats <<'EOF'
format squidfills
kind cache
pattern ^(?<ts>\d+\.\d+) (?<node>\S+) (?<cache>\S+) (?<key>\S+) (?<device>\S+) "(?<note>(?:[^"\\]|\\.)*)"$
time epoch
decode backslash note
fill-when cache ~ ^TCP_(REFRESH_)?MISS
skip-when note = "health check"
EOF
cat > fills.log <<'EOF'
1577348043.100 cache-1 TCP_MISS still/low cam-1 "-"
1577348043.200 cache-1 TCP_HIT still/low cam-1 "-"
1577348043.300 cache-1 TCP_REFRESH_MISS still/high cam-2 "-"
1577348043.400 cache-1 TCP_MISS still/x cam-3 "health check"
1577348043.500 cache-1 TCP_MEM_HIT still/high cam-2 "a \"quoted\" note"
EOF
expect_exit 0 "a cache format with fill-when reads a shared log" \
	camaudit ingest --db fills.db --formats fills.formats fills.log
grep_file "the other lines are counted as skipped by the format, not rejected" \
	"fills.log \(squidfills\): 5 lines read, 2 events stored, 0 already ingested, 0 rejected, 3 skipped by the format$" err
equal "the fills are the MISS lines" "still/low|still/high" \
	"$(rows fills.db 'SELECT k.text FROM fill f JOIN atom k ON k.id = f.key ORDER BY f.ts' | paste -sd '|' -)"
expect_exit 0 "formats test says which lines the format skips" \
	camaudit formats --formats fills.formats test fills.log
grep_file "as skipped by the format" "^2: squidfills: skipped by the format$" out

# --- NUL bytes before a line ------------------------------------------------------------------
# copytruncate under a running writer: the writer's next line lands after
# a run of NUL bytes as long as what was truncated.
{ printf 'ts=2019-12-26T08:00:00Z op=fill node=n key=k device=cam-1 frame=f1\n'
  head -c 300 /dev/zero
  printf 'ts=2019-12-26T08:00:01Z req=r1 account=acct-1 key=k node=n device=cam-1 frame=f1\n'
  printf 'ts=2019-12-26T08:00:02Z req=r2 account=acct-1\0 key=k node=n\n'
} > truncated.log
expect_exit 0 "a log with NUL bytes before a line is ingested" camaudit ingest --db nul.db truncated.log
grep_file "the NUL bytes are passed over and counted" \
	"truncated.log: 3 lines read, 2 events stored, 0 already ingested, 1 rejected, 300 NUL bytes passed over$" err
equal "the line after them is stored" "r1" "$(rows nul.db 'SELECT req FROM serve')"
grep_file "a NUL inside a line is still damage" "truncated.log:3: rejected: line holds NUL bytes$" err

# --- under valgrind ---------------------------------------------------------------------------
if command -v valgrind > /dev/null 2>&1 && ! ldd "$CAMAUDIT" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	expect_exit 0 "JSON lines, conditions, time zones and NUL bytes are clean under valgrind" \
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$CAMAUDIT" ingest --db vg.db --formats fills.formats --formats one.formats \
		"$data/caddy.log" fills.log truncated.log
else
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP valgrind not installed, or a sanitizer build"
fi

done_testing
