#!/bin/sh
# The hourly job (contrib/camaudit-hourly, run by cron or camaudit.timer)
# through simulated hours, with a stand-in mailer: an alert for every new
# finding, every blind hour and every failure, and nothing otherwise.  And
# the systemd generator that turns its CAMAUDIT_LOGS into read-only paths.
. "$srcdir/tests/lib.sh"

hourly=$(dirname "$CAMAUDIT")/contrib/camaudit-hourly
mkdir -p log/relay log/cache log/registry state mail

# The stand-in mailer keeps each alert's subject (one per line, per hour)
# and its message.
cat > mailer <<'EOF'
#!/bin/sh
echo "$1" >> "$MAILBOX.subjects"
{ echo "Subject: $1"; cat; echo; } >> "$MAILBOX"
EOF
chmod +x mailer
cat > default <<EOF
CAMAUDIT_LOGS="$TEST_DIR/log/relay $TEST_DIR/log/cache $TEST_DIR/log/registry"
CAMAUDIT_DB=$TEST_DIR/state/camaudit.db
CAMAUDIT_ALERT=$TEST_DIR/mailer
CAMAUDIT_WAIT=1s
CAMAUDIT_MAX_AGE=
CAMAUDIT_KEEP=
EOF
export CAMAUDIT_CONFIG="$TEST_DIR/default"

# The logs of hour H start at base + H hours; base is ten hours ago, so
# that the store's newest events are a few hours old at the end.
now=$(date -u +%s)
base=$(( now / 3600 * 3600 - 10 * 3600 ))
at() { echo $(( base + $1 * 3600 + $2 )); } # HOUR SECONDS
fill() { # HOUR SECONDS NODE KEY DEVICE
	echo "ts=$(at "$1" "$2") op=fill node=$3 key=$4 device=$5 frame=f-$1-$2-$3 ttl_ms=600000"
}
serve() { # HOUR SECONDS REQ ACCOUNT DEVICE KEY NODE
	echo "ts=$(at "$1" "$2") req=$3 account=$4 device=$5 key=$6 node=$7 relay=relay-a status=200"
}
# Ordinary traffic of hour H from NODE: each owner sees their camera; the
# relay's lines and the cache's lines can be written apart.
relay_traffic() { # HOUR NODE
	for i in 1 2 3; do
		serve "$1" $((i * 60 + 5)) "ok-$1-$2-$i" "acct-$i" "cam-$i" "still/cam-$i/$2" "$2"
	done >> "log/relay/relay-a-$1.log"
}
cache_traffic() { # HOUR NODE
	for i in 1 2 3; do
		fill "$1" $((i * 60)) "$2" "still/cam-$i/$2" "cam-$i"
	done >> "log/cache/$2-$1.log"
}
traffic() { relay_traffic "$@"; cache_traffic "$@"; }

# A leak in hour H on NODE: cam-1's frame under a key without the camera,
# served to acct-2.
leak() { # HOUR NODE
	fill "$1" 1800 "$2" still/low cam-1 >> "log/cache/$2-$1.log"
	serve "$1" 1805 "leak-$1" acct-2 cam-2 still/low "$2" >> "log/relay/relay-a-$1.log"
}
for i in 1 2 3; do
	echo "ts=$(at -48 0) op=bind device=cam-$i account=acct-$i"
done > log/registry/registry.log

# run_hour HOUR EXPECTED_SUBJECTS: run the job; the alerts sent must have
# exactly these subjects (one per line; empty: no alert at all).
run_hour() {
	MAILBOX="$TEST_DIR/mail/hour-$1"
	export MAILBOX
	"$hourly" > "hour-$1.out" 2> "hour-$1.err"
	status=$?
	sent=$(cat "$MAILBOX.subjects" 2>/dev/null)
	equal "hour $1: $3" "$2" "$sent"
	check "hour $1: the job writes nothing itself" test ! -s "hour-$1.out" -a ! -s "hour-$1.err"
	show "hour-$1.err"
	if [ -z "$2" ]; then
		equal "hour $1: and exits 0" 0 "$status"
	else
		equal "hour $1: and exits 1" 1 "$status"
	fi
}
host=$(uname -n)

# Hour 0: two nodes, every frame to its owner.
traffic 0 cache-1
traffic 0 cache-2
run_hour 0 "" "a clean, complete hour sends nothing"
check "the job made the store, mode 0600" \
	sh -c 'test "$(stat -c %a state/camaudit.db)" = 600'

# Hour 1: a leak on cache-2.
traffic 1 cache-1
traffic 1 cache-2
leak 1 cache-2
run_hour 1 "camaudit: new findings on $host" "a leak is alerted"
grep_file "hour 1: the alert carries the finding" "^cross_tenant .* leak-1 " mail/hour-1
findings=$(ls state/findings-*.txt)
check "hour 1: a copy of the findings is kept" test -s "$findings"
equal "hour 1: readable by its owner only" 600 "$(stat -c %a "$findings")"

# Hour 2: the relay log arrives, cache-2's log is late (and has a leak).
traffic 2 cache-1
traffic 2 cache-2
leak 2 cache-2
mv log/cache/cache-2-2.log late-cache-2-2.log
run_hour 2 "camaudit: blind on $host" "a late cache log makes the hour blind"
grep_file "hour 2: the alert says why" "deliveries fall in coverage gaps" mail/hour-2
grep_file "hour 2: and where to look" "camaudit status" mail/hour-2

# Hour 3: the late log arrives; its leak is alerted now, once.
mv late-cache-2-2.log log/cache/cache-2-2.log
traffic 3 cache-1
traffic 3 cache-2
run_hour 3 "camaudit: new findings on $host" "the late log's leak is alerted when it arrives"
grep_file "hour 3: the leak of hour 2" "^cross_tenant .* leak-2 " mail/hour-3
check "hour 3: the leak of hour 1 is not repeated" sh -c '! grep -q leak-1 mail/hour-3'

# Hour 4: relays serve from cache-3, whose logs never come.
traffic 4 cache-1
relay_traffic 4 cache-3
run_hour 4 "camaudit: blind on $host" "a missing node makes the hour blind"
traffic 5 cache-1
run_hour 5 "camaudit: blind on $host" "and every hour after it, while its logs are missing"

# Hour 6: another camaudit holds the store for longer than the job waits.
traffic 6 cache-1
{ echo "BEGIN IMMEDIATE;"; echo "INSERT INTO atom (text) VALUES ('lock');"; sleep 5; echo "COMMIT;"; } |
	sqlite3 state/camaudit.db &
locker=$!
sleep 0.5
run_hour 6 "camaudit: ingest failed (status 4) on $host
camaudit: audit failed (status 4) on $host" "a locked store is a failure of each step"
grep_file "hour 6: the alert has camaudit's message" "database .*camaudit.db is busy" mail/hour-6
wait $locker

# Hour 7: cache-3's log of hour 4 turns up: complete again, nothing new.
cache_traffic 4 cache-3
traffic 7 cache-1
run_hour 7 "" "once the missing log arrives, a clean hour sends nothing again"

# Hour 8: nothing new arrives, and the job checks for logs that stopped.
echo "CAMAUDIT_MAX_AGE=1h" >> default
run_hour 8 "camaudit: logs stopped on $host" "logs older than CAMAUDIT_MAX_AGE are alerted"
grep_file "hour 8: naming the relay" "relay relay-a: newest event" mail/hour-8
sed -i 's/^CAMAUDIT_MAX_AGE=1h$/CAMAUDIT_MAX_AGE=12h/' default
run_hour 9 "" "and within CAMAUDIT_MAX_AGE nothing is"

# A damaged file and a missing database directory are failures too.
printf '\037\213\010\000garbage' > log/relay/damaged.log.gz
run_hour 10 "camaudit: ingest failed (status 3) on $host" "a damaged log is a failure"
rm log/relay/damaged.log.gz
sed -i "s|^CAMAUDIT_DB=.*|CAMAUDIT_DB=$TEST_DIR/nowhere/camaudit.db|" default
run_hour 11 "camaudit: ingest failed (status 3) on $host
camaudit: audit failed (status 2) on $host
camaudit: status failed (status 2) on $host" "a store that cannot be made is a failure"

# Under systemd (INVOCATION_ID set) alerts go to the journal for
# camaudit-alert@ to send: who saw whose camera stays out of it.
sed -i -e "s|^CAMAUDIT_DB=.*|CAMAUDIT_DB=$TEST_DIR/state/journal.db|" -e '/^CAMAUDIT_ALERT=/d' default
leak 9 cache-2
INVOCATION_ID=test "$hourly" > journal.out 2> journal.err
equal "under systemd the job exits 1 on findings (the unit fails)" 1 $?
grep_file "its alert is on stderr, for the journal" "^camaudit: new findings on $host$" journal.err
grep_file "naming the file of findings" "a copy is in .*/state/findings-" journal.err
check "without the findings themselves" sh -c '! grep -q "leak-" journal.err'

# --- camaudit-generator ---------------------------------------------------------
generator=$(dirname "$CAMAUDIT")/contrib/systemd/camaudit-generator
dropin=gen/camaudit.service.d/50-logs.conf
# generates DESCRIPTION SETTINGS EXPECTED: the drop-in for these settings.
generates() {
	printf '%s\n' "$2" > gen.default
	CAMAUDIT_CONFIG=gen.default "$generator" gen gen-early gen-late
	equal "$1" "[Service]
$3" "$(grep -v '^#' "$dropin")"
}
generates "it hides /var/log but the logs, read-only, and makes others read-only" \
	'CAMAUDIT_LOGS="/var/log/relay /srv/cache/ relative /var/log/registry"' \
	"TemporaryFileSystem=/var/log:ro
BindReadOnlyPaths=-/var/log/relay
ReadOnlyPaths=-/srv/cache/
BindReadOnlyPaths=-/var/log/registry"
generates "when /var/log itself is named, nothing of it is hidden" \
	'CAMAUDIT_LOGS="/var/log/ /var/log/relay"' \
	"ReadOnlyPaths=-/var/log/
ReadOnlyPaths=-/var/log/relay"
generates "without CAMAUDIT_LOGS, the job's default logs" '# nothing set' \
	"TemporaryFileSystem=/var/log:ro
BindReadOnlyPaths=-/var/log/relay
BindReadOnlyPaths=-/var/log/cache
BindReadOnlyPaths=-/var/log/registry"
rm -rf gen
CAMAUDIT_CONFIG=missing.default "$generator" gen
equal "without the settings file it exits 0" 0 $?
check "and writes nothing" test ! -e gen

done_testing
