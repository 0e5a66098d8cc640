#!/bin/sh
# Evidence integrity (issue 13): archives and store copies refused rather
# than ingested twice, values with NUL bytes named in full, evidence lines
# checked against the store, crafted stores refused, read-only stores read,
# and the messages of the failures around them.
. "$srcdir/tests/lib.sh"

small="$srcdir/tests/data/small"
skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP $1"
}
events() { rows "$1" "SELECT (SELECT count(*) FROM serve) + (SELECT count(*) FROM fill) + (SELECT count(*) FROM removal) + (SELECT count(*) FROM binding) + (SELECT count(*) FROM share)"; }

# --- containers and stores are refused by their magic bytes ------------------
mkdir logs
cp "$small"/*.log logs/
expect_exit 0 "a directory of logs is ingested" camaudit ingest -q --db c.db logs
camaudit audit -q --db c.db --type all --format json > before.json
before_events=$(events c.db)
# The issue's scenario: the rotated logs archived beside them, and a copy
# of the store, in the directory that is ingested again.
(cd logs && tar czf rotated.tar.gz relay.log cache.log registry.log)
cp c.db logs/camaudit.db.bak
expect_exit 3 "archives and store copies in a directory fail the run" \
	camaudit ingest --db c.db logs
grep_file "the .tar.gz is named as a tar archive" \
	"^camaudit: logs/rotated\.tar\.gz: gzip-compressed, a tar archive, not a log; unpack it or give its members' files by name$" err
grep_file "the store copy is named as a database" \
	"^camaudit: logs/camaudit\.db\.bak: a SQLite database \(such as a camaudit store\), not a log; " err
equal "no line of either was stored" "$before_events" "$(events c.db)"
equal "nothing was rejected either" 0 "$(rows c.db 'SELECT count(*) FROM reject')"
camaudit audit -q --db c.db --type all --format json > after.json
equal "the findings do not double" "$(cat before.json)" "$(cat after.json)"

# One file per kind; the tools that make them are installed by .ci/run.
container() { # KIND FILE: make FILE, a container of relay.log
	case $1 in
	tar) tar cf "$2" -C "$small" relay.log ;;
	zip) zip -q -j "$2" "$small/relay.log" ;;
	xz) xz -c "$small/relay.log" > "$2" ;;
	bzip2) bzip2 -c "$small/relay.log" > "$2" ;;
	zstd) zstd -q -c "$small/relay.log" > "$2" ;;
	lz4) lz4 -q -c "$small/relay.log" > "$2" ;;
	sqlite) cp c.db "$2" ;;
	esac
}
for kind in tar:"a tar archive" zip:"a zip archive" xz:"xz-compressed" \
	bzip2:"bzip2-compressed" zstd:"zstd-compressed" lz4:"lz4-compressed" \
	sqlite:"a SQLite database"; do
	tool=${kind%%:*} what=${kind#*:}
	[ "$tool" = sqlite ] || command -v "$tool" > /dev/null 2>&1 || {
		skip "$tool is not installed (.ci/run installs it)"
		continue
	}
	container "$tool" "file.$tool" || { not_ok "making a $tool file"; continue; }
	expect_exit 3 "a $tool file is refused" camaudit ingest -q --db k.db "file.$tool"
	grep_file "as $what, in one line" "^camaudit: file\.$tool: $what.*, not a log; " err
	equal "with no other message (-q)" 1 "$(wc -l < err | tr -d ' ')"
	if [ -f k.db ]; then
		equal "and nothing of it stored" 0 "$(events k.db)"
	else
		ok "and nothing of it stored (no store)"
	fi
done
# Inside gzip, on standard input too.
tar cf - -C "$small" relay.log | gzip -c > piped.tgz
expect_exit 3 "a .tar.gz on standard input is refused" \
	sh -c '"$CAMAUDIT" ingest --db k.db - < piped.tgz'
grep_file "as a gzip-compressed tar archive" "^camaudit: <stdin>: gzip-compressed, a tar archive, not a log" err

# --- a crafted schema version cannot choose a pointer --------------------------
# migrations[version] with a negative user_version jumped anywhere (SIGSEGV).
for version in -1 -2147483648; do
	cp c.db crafted.db
	sqlite3 crafted.db "PRAGMA user_version = $version"
	for cmd in audit status ingest; do
		if [ $cmd = ingest ]; then set -- "$small/relay.log"; else set --; fi
		expect_exit 3 "$cmd refuses a store of schema version $version" \
			camaudit $cmd -q --db crafted.db "$@"
		grep_file "saying it is damaged" \
			"^camaudit: database crafted\.db: damaged or not a camaudit database \(schema version $version\)$" err
	done
	equal "and leaves it as it was" "$version" "$(rows crafted.db 'PRAGMA user_version')"
done

# --- messages after a full disk --------------------------------------------------
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "ts=2019-12-26T09:%02d:%02d.%03dZ req=c%06d account=acct-%d key=k%d node=n\n", (i / 60000) % 60, (i / 1000) % 60, i % 1000, i, i % 7, i % 11 }' > big.log
expect_exit 3 "a first load that runs out of room fails" \
	sh -c 'trap "" XFSZ; ulimit -f 2048; "$CAMAUDIT" ingest --db full.db "$1" big.log' sh "$small/relay.log"
grep_file "the file before the failure is reported stored" \
	"relay\.log: 10 lines read, 10 events stored" err
equal "the database error is printed once" 1 "$(grep -c '^camaudit: database full\.db: ' err)"
grep_file "the total counts only what was stored, not the rolled-back file" \
	"^camaudit: 2 files: 200010 lines read, 10 events stored, 0 already ingested, 0 rejected$" err
equal "which is what the store holds" 10 "$(events full.db)"

# --- two runs that create a store together --------------------------------------
# The second to take the lock found the schema made: "upgraded from schema
# 4 to 4" (with -q too).  A few pairs, as the race is not every time.
said=0
for i in 1 2 3 4 5; do
	"$CAMAUDIT" ingest -q --db "race$i.db" "$small/relay.log" 2> "race$i.a" &
	"$CAMAUDIT" ingest -q --db "race$i.db" "$small/cache.log" 2> "race$i.b" &
	wait
	cat "race$i.a" "race$i.b" >> race.err
	[ "$(events "race$i.db")" = 15 ] || said=$((said + 1))
done
equal "both runs of each pair stored their file" 0 "$said"
check "and neither said the store was upgraded" test ! -s race.err
show race.err

# --- --db: empty, a symbolic link, under a linked directory ------------------------
for cmd in ingest audit status export report prune; do
	expect_exit 2 "$cmd --db '' is a usage error" camaudit $cmd --db ""
	grep_file "saying the name is empty" "^camaudit: --db needs a file name, not an empty one; see 'camaudit $cmd --help'$" err
done
cp c.db real.db
ln -s real.db link.db
expect_exit 3 "a symbolic link at --db is refused" camaudit ingest --db link.db "$small/relay.log"
grep_file "saying so, not 'File exists'" \
	"^camaudit: database link\.db: is a symbolic link, and no database is opened through one \(give the real path\)$" err
expect_exit 3 "by readers too" camaudit status --db link.db
grep_file "with the same message" "^camaudit: database link\.db: is a symbolic link" err
mkdir realdir
ln -s realdir linkdir
expect_exit 3 "a database under a linked directory is refused" \
	camaudit ingest --db linkdir/new.db "$small/relay.log"
grep_file "naming the link" "^camaudit: database linkdir/new\.db: linkdir is a symbolic link" err
check "and no empty file is left behind" test ! -e realdir/new.db

# --- a live log's half-written last line ---------------------------------------------
cp "$small/relay.log" live.log
printf 'ts=2019-12-26T09:00:00Z req=r-live acc' >> live.log
for run in 1 2; do
	expect_exit 0 "run $run over a log whose last line is half-written" \
		camaudit ingest --db live.db live.log
	grep_file "run $run: it is not rejected, but left for the next run" \
		"live\.log: 11 lines read, [0-9]+ events stored, [0-9]+ already ingested, 0 rejected; the last line, unfinished, is left for the next run$" err
done
equal "nothing of it is kept as a reject" 0 "$(rows live.db 'SELECT count(*) FROM reject')"
printf 'ount=acct-9 key=still/cam-1/hd node=cache-1\n' >> live.log
expect_exit 0 "once the writer finishes it" camaudit ingest --db live.db live.log
grep_file "it is stored" "live\.log: 11 lines read, 1 event stored, 10 already ingested, 0 rejected$" err
equal "as a serve" 1 "$(rows live.db "SELECT count(*) FROM serve WHERE req = 'r-live'")"
printf 'ts=2019-12-26T09:00:00Z req=r-x acc' | gzip -c > final.gz
expect_exit 0 "in compressed content, which is final" camaudit ingest --db final.db final.gz
grep_file "such a line is rejected as before" "final\.gz:1: rejected: " err

# --- prune --vacuum without room for the vacuum ---------------------------------
# A small prune (its commit fits in 2 MiB) and a vacuum that must copy
# the whole 7 MB store.
camaudit ingest -q --db vac.db big.log
expect_exit 3 "a vacuum without room fails prune --vacuum" \
	sh -c 'trap "" XFSZ; ulimit -f 4096; "$CAMAUDIT" prune --db vac.db --before 2019-12-26T09:00:01Z --vacuum'
grep_file "what the prune did is said first" \
	"^camaudit: pruned before 2019-12-26T09:00:01\.000Z: 1000 serves, 0 fills, 0 removals$" err
grep_file "and that it was committed, only the vacuum failing" \
	"^camaudit: database vac\.db: the prune was committed; only the vacuum failed, so the file keeps its size" err
equal "which is so" 199000 "$(rows vac.db 'SELECT count(*) FROM serve')"

# --- a store on read-only media, with no -wal or -shm beside it -------------------
# A read-only tmpfs where the machine lets us mount one; else, as nobody,
# a directory nobody may write (root writes any directory).
readers_agree() { # WHERE PREFIX...: every reader gives what it gives on c.db
	where=$1
	shift
	for cmd in "audit --type all --format json" status "export --format ndjson" \
		"report --format json" "explain r-01"; do
		# shellcheck disable=SC2086
		camaudit $cmd --db c.db > want.out 2> /dev/null
		want=$?
		# shellcheck disable=SC2086
		"$@" "$CAMAUDIT" $cmd --db "$where/c.db" > out 2> err
		status=$?
		# A report names its store and when it was made: not those.
		case $cmd in report*) for f in want.out out; do
			"$JQ" -c 'del(.generated_at, .store)' $f > $f.new && mv $f.new $f
		done ;; esac
		# The same answer: audit exits 6 here (findings, and too few
		# deliveries traced), the others 0 or 1.
		if [ $status -eq $want ] && [ $status -le 1 -o $status -eq 6 ] &&
			cmp -s want.out out; then
			ok "${cmd%% *} reads a store $how"
		else
			not_ok "${cmd%% *} reads a store $how (exit $status)"
			show err
		fi
	done
	check "and leaves no -wal or -shm there" test ! -e "$where/c.db-wal" -a ! -e "$where/c.db-shm"
}
mkdir ro
if mount -t tmpfs -o size=8m tmpfs ro 2> /dev/null; then
	trap 'umount "$TEST_DIR/ro" 2>/dev/null; chmod -R u+rwx "$TEST_DIR" 2>/dev/null; rm -rf "$TEST_DIR"' EXIT
	cp c.db ro/
	# The same store with its last commit still in its write-ahead log.
	cp c.db w0.db
	printf "PRAGMA wal_autocheckpoint=0;\nUPDATE source SET last_ingested_at = last_ingested_at + 1;\n.shell cp w0.db ro/w.db; cp w0.db-wal ro/w.db-wal\n" \
		| sqlite3 w0.db > /dev/null
	if mount -o remount,ro ro 2> /dev/null; then
		how="on a read-only mount"
		readers_agree ro
		expect_exit 3 "a store whose -wal cannot be read there is refused" \
			camaudit status --db ro/w.db
		grep_file "saying why and what to do" \
			"^camaudit: database ro/w\.db: cannot be read here: its last commits are in ro/w\.db-wal, .*copy the database with its -wal to a writable place$" err
	else
		skip "read-only stores: this machine cannot remount a tmpfs read-only"
	fi
	umount ro
elif unprivileged; then
	how="in a directory its reader may not write"
	cp c.db ro/
	chmod 555 ro
	chmod 644 ro/c.db
	chmod 755 "$TEST_DIR"
	# shellcheck disable=SC2086
	readers_agree ro $as_user
	chmod 700 "$TEST_DIR"
else
	skip "read-only stores: no tmpfs mount here, and no setpriv to drop root"
fi

# --- a value with a NUL byte and a line separator, through every output ------------
# nginx escapes bytes as \xHH and the preset decodes them: the account is
# stored whole, and every output must name it whole, escaped.
data="$srcdir/tests/data/formats"
sed -n 1p "$data/nginx.log" > nul.log
sed -n 2p "$data/nginx.log" | sed 's/"acct-2"/"alice\\x00bob\\xe2\\x80\\xa8x"/' >> nul.log
expect_exit 0 "a log with an escaped NUL in an account is ingested" \
	camaudit ingest -q --db nul.db nul.log "$data/registry.log"
equal "the account is stored whole" "616C69636500626F62E280A878" \
	"$(rows nul.db "SELECT hex(text) FROM atom WHERE text LIKE 'alice%'")"
plain='alice\\x00bob\\u2028x'   # as a regex: alice\x00bob\u2028x
json='alice\\u0000bob\\u2028x'
for f in table csv; do
	expect_exit 1 "audit --format $f" camaudit audit -q --db nul.db --format $f
	grep_file "names the viewer whole, NUL and U+2028 escaped ($f)" "$plain" out
done
expect_exit 1 "audit --format json" camaudit audit -q --db nul.db --format json
grep_file "names the viewer whole, as \\u0000 (json)" "\"viewer_account\":\"$json\"" out
check "and the JSON reads back as the stored value" \
	test "$("$JQ" -r '.viewer_account' out | od -An -c | tr -s ' ' | tr -d '\n')" = " a l i c e \0 b o b 342 200 250 x \n"
expect_exit 1 "explain" camaudit explain --db nul.db r-n-002
grep_file "names the viewer whole (explain)" "^  viewer_account: $plain$" out
expect_exit 1 "explain --format json" camaudit explain --db nul.db --format json r-n-002
grep_file "names the viewer whole (explain json)" "\"viewer_account\":\"$json\"" out
expect_exit 0 "export --format ndjson" camaudit export -q --db nul.db --format ndjson
grep_file "names the account whole (ndjson)" "\"account\":\"$json\"" out
expect_exit 0 "export --format csv" camaudit export -q --db nul.db --format csv
grep_file "names the account whole (csv)" ",$plain," out
expect_exit 1 "report" camaudit report -q --db nul.db
grep_file "names the recipient whole (report)" "^  $plain  " out
expect_exit 1 "report --format json" camaudit report -q --db nul.db --format json
grep_file "names the recipient whole (report json)" "\"$json\"" out
expect_exit 1 "report --format csv --list recipients" \
	camaudit report -q --db nul.db --format csv --list recipients
grep_file "names the recipient whole (report csv)" "^$plain," out
expect_exit 1 "report --format html" camaudit report -q --db nul.db --format html
grep_file "names the recipient whole (report html)" "<td>$plain</td>" out
check "no raw NUL or U+2028 in any of them" sh -c '! grep -q "$(printf "\342\200\250")" out && tr -d "\000" < out | cmp -s - out'

# A node and an owner with a NUL byte, set in the store (no preset decodes
# the node field).  A coverage gap went from SQL through C and back into
# SQL by its text, cut at the NUL: the report found no such node and lost
# the gap.  Line 2 is served from cache-9, which logged nothing: a gap.
sed '2s/ cache-1 / cache-9 /' nul.log > nulnode.log
camaudit ingest -q --db nulnode.db nulnode.log "$data/registry.log"
sqlite3 nulnode.db "UPDATE atom SET text = CAST(X'63616368650039' AS TEXT) WHERE text = 'cache-9'"
expect_exit 1 "report --format json with a NUL in a gap's node" \
	camaudit report -q --db nulnode.db --format json
equal "the report keeps the gap" 1 "$("$JQ" '.coverage.gaps | length' out)"
equal "and names its node whole" '"cache\u00009"' "$("$JQ" -c '.coverage.gaps[0].node' out)"
expect_exit 0 "status --format json" camaudit status -q --db nulnode.db --format json
equal "status names the gap's node whole" '"cache\u00009"' "$("$JQ" -c '.gaps[0].node' out)"
sqlite3 nulnode.db "UPDATE atom SET text = CAST(X'6163637400312D31' AS TEXT) WHERE text = 'acct-1';
	UPDATE verdict SET type = 'ok' WHERE type = 'cross_tenant'"
expect_exit 1 "check with a NUL in the owner" camaudit check --db nulnode.db
grep_file "names the owner whole" "owner acct\\\\x001-1, judged now cross_tenant .* owner acct\\\\x001-1$" out

# U+2028 alone, raw in a logfmt value: it broke the line in table, CSV,
# text and HTML (JSON escaped it already).
cp "$small/registry.log" "$small/cache.log" .
serve_line 2019-12-26T08:14:03.250Z r-ls "acct$(printf '\342\200\250')2" still/low cache-2 device=cam-2 > ls.log
camaudit ingest -q --db ls.db registry.log cache.log ls.log
for f in table csv; do
	camaudit audit -q --db ls.db --type all --format $f > ls.out
	grep_file "U+2028 is escaped in audit --format $f" "acct\\\\u20282" ls.out
done
camaudit report -q --db ls.db > ls.out
grep_file "and in the report's text" "acct\\\\u20282" ls.out
camaudit report -q --db ls.db --format html > ls.out
grep_file "and in its HTML" "acct\\\\u20282" ls.out

# --- explain checks the line it quotes against what was ingested -----------------
mkdir ev
cp "$small/relay.log" "$small/cache.log" "$small/registry.log" ev/
(cd ev && camaudit ingest -q --db ../ev.db relay.log cache.log registry.log)
jx() { "$JQ" -r "$1" out; }
cd ev
expect_exit 1 "explain of a serve of an unchanged log" camaudit explain --db ../ev.db --format json r-03
equal "quotes its line" "$(sed -n 3p relay.log)" "$(jx .serve.line)"
equal "and says it was verified" "verified: the file holds the bytes ingested" "$(jx .serve.line_check)"
# The issue's scenario: rotated by renaming, and a new log under the name.
mv relay.log relay.log.1
sed 's/r-0/r-9/; s/acct-2/acct-7/' relay.log.1 > relay.log
expect_exit 1 "explain of a serve of the renamed log" camaudit explain --db ../ev.db --format json r-03
equal "does not quote the new file's line as its evidence" null "$(jx .serve.line)"
equal "says the file changed since ingest" \
	"the file changed since ingest: the line is not shown; the stored fields above are the evidence" \
	"$(jx .serve.line_check)"
equal "and shows the stored fields" "r-03|acct-2|cam-2" \
	"$(jx '[.serve.request_id, .serve.viewer_account, .serve.requested_device] | join("|")')"
expect_exit 1 "in text too" camaudit explain --db ../ev.db r-03
grep_file "it says so there" "^  line_check: the file changed since ingest" out
# A log that grew since: the bytes ingested are still its first ones.
mv relay.log.1 relay.log
serve_line 2019-12-26T09:00:00Z r-more acct-1 still/low cache-2 >> relay.log
expect_exit 1 "a log appended to since" camaudit explain --db ../ev.db --format json r-03
equal "still has its line verified" "verified: the file holds the bytes ingested|$(sed -n 3p relay.log)" \
	"$(jx '[.serve.line_check, .serve.line] | join("|")')"
# The same length, one byte changed before the line: the CRC tells.
sed -i '1s/acct-1/acct-9/' relay.log
expect_exit 1 "a log rewritten in place" camaudit explain --db ../ev.db --format json r-03
equal "is seen as changed" null "$(jx .serve.line)"
rm relay.log
expect_exit 1 "a log that is gone" camaudit explain --db ../ev.db --format json r-03
equal "is said to be unreadable" "the file cannot be read here: the stored fields above are the evidence" \
	"$(jx .serve.line_check)"
cd ..
# The last line with no newline yet: checked against its own CRC.
cp "$small/relay.log" tail.log
printf '%s' "$(serve_line 2019-12-26T09:00:00Z r-tail acct-2 still/low cache-2)" >> tail.log
camaudit ingest -q --db tail.db tail.log "$small/cache.log" "$small/registry.log"
camaudit explain --db tail.db --format json r-tail > out
equal "an unterminated last line is verified by its own CRC" \
	"verified: the file holds the bytes ingested" "$(jx .serve.line_check)"
printf ' extra=1\n' >> tail.log
camaudit explain --db tail.db --format json r-tail > out
equal "and seen as changed when the writer completed it since" null "$(jx .serve.line)"

done_testing
