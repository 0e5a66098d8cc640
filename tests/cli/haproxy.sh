#!/bin/sh
# A real HAProxy (issue 16): haproxy with its cache section on loopback in
# front of an nginx origin of camera stills.  Low stills choose the camera
# by the X-Camera header alone, which the cache key (Host and URI) does
# not hold (the mistake).  Its log, written to its standard output with
# the configuration that `camaudit formats show haproxy` documents, must
# be read as the haproxy preset and show exactly the cross-tenant and
# device-mismatch deliveries that the clients' received frames prove.
. "$srcdir/tests/lib.sh"
. "$srcdir/tests/proxies.sh"

HAPROXY=$(find_tool haproxy) || { echo "1..0 # SKIP haproxy not installed (apt-get install haproxy)"; exit 0; }
need_tools haproxy

work="$TEST_DIR/haproxy"
mkdir -p "$work"

origin_up

# The configuration as the preset documents it.
camaudit formats show haproxy | sed -n '/^#   frontend relay$/,/^#       max-age /s/^#   //p' > "$work/camaudit.cfg"
check "the preset documents its frontend, backend and cache sections" \
	test "$(grep -c '^frontend relay$\|^backend frames$\|^cache frames$\|^    log-format "' "$work/camaudit.cfg")" -eq 4

still_path() {
	case $2 in
	low) echo "/still/low" ;;
	*) echo "/still/$1/$2" ;;
	esac
}

start_haproxy() {
	{
		cat <<EOF
defaults
    mode http
    timeout connect 5s
    timeout client 10s
    timeout server 10s
EOF
		# Its address; the origin's; the mistake: the origin is told the
		# camera after the key is made; the origin sends no Cache-Control,
		# without which HAProxy stores nothing; a small cache.
		sed -e "s/^frontend relay\$/&\\n    bind 127.0.0.1:$1/" \
			-e "s/192\\.0\\.2\\.10:80/127.0.0.1:$origin_port/" \
			-e 's/^    http-request cache-use frames$/&\n    http-request set-query camera=%[req.hdr(X-Camera)] if { path \/still\/low }/' \
			-e 's/^    http-response cache-store frames$/    http-response set-header Cache-Control max-age=3600\n&/' \
			-e 's/^    total-max-size .*/    total-max-size 4/' "$work/camaudit.cfg"
	} > "$work/haproxy.cfg"
	"$HAPROXY" -db -f "$work/haproxy.cfg" > "$work/camaudit.log" 2> "$work/haproxy.err" &
	proxy_pid=$!
	proxy_answering "$1"
}
server_up "haproxy with its cache" start_haproxy "$work/haproxy.err" "$work/haproxy.cfg"

clients
stopped haproxy

cp "$work/camaudit.log" haproxy.log
grep_file "haproxy served cam-1's frame to acct-2 from its cache" \
	'^[0-9]+\.[0-9]{3} [^ ]+ [^ ]+ acct-2 %2Fstill%2Flow 1 200 [0-9]+ cam-2 cam-1 cam-1-low-' haproxy.log
audit_log haproxy.log haproxy

done_testing
