#!/bin/sh
# A real Squid (issue 16): squid as a reverse proxy on loopback in front
# of an nginx origin of camera stills, with a store_id helper whose key
# for low stills leaves the camera out.  Its access log, written with the
# logformat that `camaudit formats show squid` documents, must be read as
# the squid preset and show exactly the cross-tenant and device-mismatch
# deliveries that the clients' received frames prove.
. "$srcdir/tests/lib.sh"
. "$srcdir/tests/proxies.sh"

SQUID=$(find_tool squid) || { echo "1..0 # SKIP squid not installed (apt-get install squid)"; exit 0; }
need_tools squid

work="$TEST_DIR/squid"
mkdir -p "$work"
# A service name of our own: squid names its shared memory segments
# (/dev/shm/NAME-*) after it, and must not meet the system's squid.
service=camaudittest$$
after_stop() { rm -f /dev/shm/"$service"-* 2>/dev/null; }

origin_up

# --- squid -----------------------------------------------------------------------------------
# The store_id helper: the mistake is its key for low stills.
cat > "$work/store-id" <<'EOF'
#!/bin/sh
while read -r url rest; do
	case $url in
	*/still/*/low) key=still/low ;;
	*) key=${url#*://*/} ;;
	esac
	echo "OK store-id=http://frames.invalid/$key cache_key=$key"
done
EOF
chmod 755 "$work/store-id"

# The logformat, access_log and reply_header_add lines as the preset
# documents them, the node named cache-1.
camaudit formats show squid | sed -n 's/^#   \(logformat camaudit .*\)/\1/p; s/^#   \(reply_header_add .*\)/\1/p' |
	sed 's/ NODE / cache-1 /' > "$work/camaudit.conf"
check "the preset documents its logformat and reply_header_add lines" \
	test "$(grep -c '^logformat camaudit .* cache-1 \|^reply_header_add X-Request-Id ' "$work/camaudit.conf")" -eq 2

# As root, squid will not run as root: it runs as nobody, who must reach
# its directory inside ours.
user_line=
if [ "$(id -u)" -eq 0 ]; then
	user_line="cache_effective_user nobody"
	chmod 711 "$TEST_DIR"
fi

start_squid() {
	cat > "$work/squid.conf" <<EOF
$user_line
pid_filename $work/squid.pid
cache_log $work/cache.log
coredump_dir $work
http_port 127.0.0.1:$1 accel defaultsite=frames no-vhost
cache_peer 127.0.0.1 parent $origin_port 0 no-query originserver name=origin
http_access allow all
cache_peer_access origin allow all
cache_mem 8 MB
refresh_pattern . 60 100% 60
store_id_program $work/store-id
store_id_children 1 startup=1 idle=1 concurrency=0
shutdown_lifetime 0 seconds
$(cat "$work/camaudit.conf")
access_log stdio:$work/camaudit.log camaudit
EOF
	[ -n "$user_line" ] && chown -R nobody "$work"
	"$SQUID" -n "$service" -N -f "$work/squid.conf" > "$work/squid.out" 2>&1 &
	proxy_pid=$!
	proxy_answering "$1"
}
server_up "squid" start_squid "$work/squid.out" "$work/cache.log"

clients
stopped squid

cp "$work/camaudit.log" squid.log
grep_file "squid logged the key from the helper's note" \
	'^[0-9]+\.[0-9]{3} [0-9]+-[0-9]+ acct-2 still/low TCP_[A-Z_]*HIT 200 [0-9]+ cache-1 cam-2 cam-1 cam-1-low-' squid.log
audit_log squid.log squid

done_testing
