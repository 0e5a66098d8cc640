#!/bin/sh
# A real Caddy (issue 16): Debian's caddy, which has no cache module, as
# the relay on loopback in front of an nginx proxy_cache, in front of an
# nginx origin of camera stills.  The cache's key leaves out the query
# string, where the camera is (the mistake).  Caddy's JSON access log,
# written with the Caddyfile and the cache's headers that `camaudit
# formats show caddy` documents, must be read as the caddy preset and show
# exactly the cross-tenant and device-mismatch deliveries that the
# clients' received frames prove.
. "$srcdir/tests/lib.sh"
. "$srcdir/tests/proxies.sh"

CADDY=$(find_tool caddy) || { echo "1..0 # SKIP caddy not installed (apt-get install caddy)"; exit 0; }
need_tools caddy

work="$TEST_DIR/caddy"
cache="$TEST_DIR/cache"
mkdir -p "$work" "$cache/tmp"

# The cache, a second nginx, is stopped after Caddy and before the origin
# is checked gone by `stopped`.
cache_pid=
after_stop() { stop_pid "$cache_pid"; cache_pid=; }

origin_up

# The relay's Caddyfile and the cache's http block as the preset documents
# them (the second of its two setups).
camaudit formats show caddy | sed -n '/^# As the relay/,/^# nginx has no variable/s/^#   //p' > relay.txt
sed -n '1,/^}$/p' relay.txt > "$work/Caddyfile.doc"
sed -n '/^map /,$p' relay.txt > "$cache/http.conf.doc"
check "the preset documents the relay's Caddyfile" \
	test "$(grep -c '^frames\.example\.com {$\|^    header X-Request-Id {http\.request\.uuid}$\|^    reverse_proxy cache:8080$' "$work/Caddyfile.doc")" -eq 3
check "and the cache's map and server blocks" \
	test "$(grep -c '^map \$upstream_cache_status \|^        add_header Cache-Status \|^        proxy_cache_key \$camaudit_key;$' "$cache/http.conf.doc")" -eq 3

# The camera is asked for in the query string, where the preset reads it.
still_path() {
	case $2 in
	low) echo "/still/low?camera=$1" ;;
	*) echo "/still/$1/$2?camera=$1" ;;
	esac
}

start_cache() {
	# Its address; the origin's; the mistake: the key leaves out the query
	# string; the origin sends no expiry, without which nginx stores nothing.
	cat > "$cache/nginx.conf" <<EOF
$(nginx_conf_head "$cache")
    proxy_cache_path $cache/store levels=1:2 keys_zone=frames:1m inactive=1h use_temp_path=off;
$(sed -e "s/^    listen 8080;\$/    listen 127.0.0.1:$1;/" \
	-e "s#http://origin:8080#http://127.0.0.1:$origin_port#" \
	-e 's/^        set \$camaudit_key \$uri\$is_args\$args;$/        set $camaudit_key $uri;/' \
	-e 's/^        proxy_cache frames;$/&\n            proxy_cache_valid 200 1h;/' \
	-e 's/^/    /' "$cache/http.conf.doc")
}
EOF
	cache_port=$1
	run_nginx "$cache" "$1" cache_pid
}
server_up "the nginx cache" start_cache "$cache/start.err" "$cache/error.log" "$cache/nginx.conf"
check "the cache's key is the one planted, without the query string" \
	grep -q '^            set \$camaudit_key \$uri;$' "$cache/nginx.conf"

# Caddy keeps its state under HOME and XDG_*; no admin endpoint, so that
# two runs do not fight over its port; plain HTTP on the test's port.
start_caddy() {
	{
		echo "{"
		echo "    admin off"
		echo "}"
		sed -e "s#^frames\\.example\\.com {\$#http://127.0.0.1:$1 {#" \
			-e "s#output file /var/log/caddy/camaudit.log#output file $work/camaudit.log#" \
			-e "s#reverse_proxy cache:8080#reverse_proxy 127.0.0.1:$cache_port#" "$work/Caddyfile.doc"
	} > "$work/Caddyfile"
	env HOME="$work" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" \
		"$CADDY" run --adapter caddyfile --config "$work/Caddyfile" > "$work/caddy.out" 2>&1 &
	proxy_pid=$!
	proxy_answering "$1"
}
server_up "caddy as the relay" start_caddy "$work/caddy.out" "$work/Caddyfile"

clients
stopped caddy

cp "$work/camaudit.log" caddy.log
equal "caddy logged acct-2's request for cam-2 with cam-1's frame, a hit under the key without the camera" \
	"acct-2 cam-2 /still/low nginx; hit cam-1" \
	"$("$JQ" -r 'select(.request.uri == "/still/low?camera=cam-2") |
		[.request.headers["X-Account"][0], .request.headers["X-Camera"][0], .resp_headers["X-Cache-Key"][0],
		 .resp_headers["Cache-Status"][0], .resp_headers["X-Camera-Device"][0]] | join(" ")' caddy.log)"
audit_log caddy.log caddy

done_testing
