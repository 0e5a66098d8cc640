# tests/proxies.sh: sourced, after tests/lib.sh, by the tests that run a
# real caching proxy (squid.sh, apache2.sh, haproxy.sh, trafficserver.sh;
# caddy.sh, a relay in front of an nginx cache): an nginx origin of camera
# stills, clients whose received frames are the truth, and the audit of
# the proxy's log against that truth.

# need_tools SERVER: skips the whole test, saying what to install, unless
# nginx and curl (the origin and the clients) are there.
need_tools() {
	NGINX=$(find_tool nginx) || { echo "1..0 # SKIP nginx not installed (apt-get install nginx): the $1 test needs it as the origin"; exit 0; }
	command -v curl > /dev/null 2>&1 || { echo "1..0 # SKIP curl not installed (apt-get install curl)"; exit 0; }
}

# The processes: the origin and the proxy (the test's START function sets
# proxy_pid), stopped by stop_all and on any exit; a test may redefine
# after_stop to clean up after its proxy.
origin_pid=
proxy_pid=
after_stop() { :; }
stop_all() {
	stop_pid "$proxy_pid"; proxy_pid=
	stop_pid "$origin_pid"; origin_pid=
	after_stop
}
trap 'stop_all; chmod -R u+rwx "$TEST_DIR" 2>/dev/null; rm -rf "$TEST_DIR"' EXIT
trap 'exit 1' INT TERM HUP

# stopped WHAT: stop_all, then check that neither is left, by pid (a
# server's command line need not name our directory) and by directory.
stopped() {
	pids="$proxy_pid,$origin_pid"
	stop_all
	equal "no $1 or nginx of this test is left" "" \
		"$(ps -o pid= -p "$pids" 2>/dev/null; pgrep -f "$TEST_DIR" 2>/dev/null)"
}

# Ports in 20000-59999, from the test's pid; a start that fails (the port
# is taken) moves on to the next.
port=$((20000 + ($$ * 7) % 40000))
next_port() { port=$(( (port + 7919) % 40000 + 20000 )); }

# server_up WHAT START FILE...: runs START PORT on successive ports until it
# succeeds, then passes "WHAT starts on loopback (port PORT)" and moves to
# the next port; if none does, fails it, shows the FILEs and ends the test.
server_up() {
	what=$1 start=$2
	shift 2
	for attempt in 1 2 3 4 5; do
		if "$start" "$port"; then
			ok "$what starts on loopback (port $port)"
			next_port
			return 0
		fi
		next_port
	done
	not_ok "$what starts on loopback"
	for f in "$@"; do show "$f"; done
	done_testing; exit
}

# --- the origin --------------------------------------------------------------------
# An nginx server on loopback: /still/CAMERA/TIER, and /still/TIER?camera=CAMERA
# for proxies whose key can only drop the query string, return a frame
# whose body names the camera and a frame id unique to the response, and
# send both in X-Camera-Device and X-Frame-Id.  It logs nothing.
origin_dir="$TEST_DIR/origin"
start_origin() {
	mkdir -p "$origin_dir/tmp"
	cat > "$origin_dir/nginx.conf" <<EOF
$(nginx_conf_head "$origin_dir")
    server {
        listen 127.0.0.1:$1;
        location ~ ^/still/(?<cam>[^/]+)/(?<tier>[a-z]+)\$ {
            add_header X-Camera-Device \$cam;
            add_header X-Frame-Id "\$cam-\$tier-\$request_id";
            return 200 "frame of \$cam \$cam-\$tier-\$request_id\n";
        }
        location ~ ^/still/(?<tier>[a-z]+)\$ {
            add_header X-Camera-Device \$arg_camera;
            add_header X-Frame-Id "\$arg_camera-\$tier-\$request_id";
            return 200 "frame of \$arg_camera \$arg_camera-\$tier-\$request_id\n";
        }
    }
}
EOF
	origin_port=$1
	run_nginx "$origin_dir" "$1" origin_pid
}

# run_nginx DIR PORT PIDVAR: starts nginx on DIR/nginx.conf in the
# background, its pid in the variable PIDVAR (which stop_all, or a test's
# after_stop, stops), and succeeds once it answers on PORT (a still of
# the origin, or through a cache), else stops it and fails.
run_nginx() {
	"$NGINX" -p "$1" -c "$1/nginx.conf" -e "$1/error.log" 2> "$1/start.err" &
	nginx_pid=$!
	eval "$3=\$nginx_pid"
	if up "http://127.0.0.1:$2/still/cam-probe/none" && kill -0 "$nginx_pid" 2>/dev/null; then
		return 0
	fi
	stop_pid "$nginx_pid"; eval "$3="
	return 1
}

origin_up() {
	server_up "the nginx origin" start_origin "$origin_dir/start.err" "$origin_dir/error.log"
}

# --- the clients ----------------------------------------------------------------------
# still_path CAMERA TIER: the URL path of a still; a test may redefine it.
still_path() { echo "/still/$1/$2"; }

# get ACCOUNT CAMERA TIER: one request through the proxy on proxy_port, as
# ACCOUNT asking for CAMERA; appends "REQUEST_ID ACCOUNT CAMERA RECEIVED
# FRAME" to ./received (or to ./probes while probing), RECEIVED and FRAME
# read from the body the client got ("-" for none).
get() {
	rm -f headers body
	curl -s -D headers -o body --max-time 5 -H "X-Account: $1" -H "X-Camera: $2" \
		"http://127.0.0.1:$proxy_port$(still_path "$2" "$3")"
	id=$(tr -d '\r' < headers 2>/dev/null | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p')
	got=$(sed -n 's/^frame of \([^ ]*\) \([^ ]*\)$/\1 \2/p' body 2>/dev/null)
	echo "${id:--} $1 $2 ${got:-- -}" >> "${get_into:-received}"
}

# proxy_answers [SECONDS]: probes the proxy (5 s at most, or SECONDS; each
# probe a request of acct-probe for its own camera, logged in ./probes)
# until one gets a frame.
proxy_answers() {
	tries=0
	while [ $tries -lt $((${1:-5} * 10)) ]; do
		get_into=probes get acct-probe cam-probe high
		[ "$(tail -n 1 probes | cut -d' ' -f4)" = cam-probe ] && return 0
		sleep 0.1
		tries=$((tries + 1))
	done
	return 1
}

# proxy_answering PORT [SECONDS]: in a START function, once it has started
# the proxy (proxy_pid) on PORT: succeeds when the proxy answers (within 5
# s or SECONDS), else stops it and fails.
: > probes
proxy_answering() {
	proxy_port=$1
	if proxy_answers "${2:-5}" && kill -0 "$proxy_pid" 2>/dev/null; then
		return 0
	fi
	stop_pid "$proxy_pid"; proxy_pid=
	return 1
}

# clients: the requests of three accounts, each for its own camera.  The
# proxy's key for low stills leaves the camera out, so after the first
# every low still is cam-1's frame; the high ones are keyed right.
clients() {
	: > received
	get acct-1 cam-1 low    # a miss: cam-1's frame is cached under the bad key
	get acct-2 cam-2 low    # a hit: cam-1's frame to acct-2
	get acct-1 cam-1 low    # a hit: the owner's own frame
	get acct-3 cam-3 low    # a hit: cam-1's frame to acct-3, who has a share of cam-1
	get acct-1 cam-1 high   # a miss under the right key
	get acct-2 cam-2 high   # a miss
	get acct-2 cam-2 high   # a hit of acct-2's own frame
	get acct-3 cam-3 high   # a miss
	get acct-1 cam-1 high   # a hit of acct-1's own frame
	get acct-3 cam-1 high   # a hit: cam-1's frame, asked for under the share
}

# --- the truth and the audit ----------------------------------------------------------
write_registry() {
	cat > registry.log <<'EOF'
ts=2019-12-01T00:00:00Z op=bind device=cam-1 account=acct-1
ts=2019-12-01T00:00:00Z op=bind device=cam-2 account=acct-2
ts=2019-12-01T00:00:00Z op=bind device=cam-3 account=acct-3
ts=2019-12-01T00:00:00Z op=bind device=cam-probe account=acct-probe
ts=2019-12-01T00:00:00Z op=share device=cam-1 account=acct-3
EOF
}

# truth: from what each client received and the registry, the request
# ids that are cross_tenant (a frame of a camera the account may not see)
# and device_mismatch (one it may see, of another camera than it asked
# for), in ./truth.cross_tenant and ./truth.device_mismatch.
truth() {
	awk '
	FNR == NR {
		delete v
		for (i = 1; i <= NF; i++) { n = index($i, "="); v[substr($i, 1, n - 1)] = substr($i, n + 1) }
		if (v["op"] == "bind") owner[v["device"]] = v["account"]
		if (v["op"] == "share") shared[v["device"], v["account"]] = 1
		next
	}
	$4 == "-" { next }
	owner[$4] != $2 && !(($4, $2) in shared) { print $1 > "truth.cross_tenant"; next }
	$4 != $3 { print $1 > "truth.device_mismatch" }
	' registry.log probes received
	touch truth.cross_tenant truth.device_mismatch
}

# audit_log LOG PRESET: the checks every proxy's log must pass: each
# client got a frame and a request id, the bad key really mixed cameras,
# and camaudit reads LOG as PRESET without a rejected line and finds
# exactly the true cross_tenant and device_mismatch deliveries.
audit_log() {
	equal "every client got a frame and a request id" 10 \
		"$(awk '$1 != "-" && $5 != "-"' received | wc -l | tr -d ' ')"
	write_registry
	truth
	equal "the proxy handed cam-1's frame to acct-2 and acct-3 (it really cached under the bad key)" \
		"1 1" "$(wc -l < truth.cross_tenant | tr -d ' ') $(wc -l < truth.device_mismatch | tr -d ' ')"
	nlines=$(wc -l < "$1" | tr -d ' ')
	# Each request that the proxy answered (its response has a request id).
	equal "the log has a line for each request" \
		"$(cat probes received | awk '$1 != "-"' | wc -l | tr -d ' ')" "$nlines"
	expect_exit 0 "the log is ingested, its format sniffed" camaudit ingest --db real.db "$1" registry.log
	grep_file "it is read as the $2 preset, with no line rejected" \
		"$1 \($2\): $nlines lines read, [0-9]+ events stored, 0 already ingested, 0 rejected\$" err
	expect_exit 1 "camaudit scan finds deliveries to report" \
		camaudit scan --type all --format json "$1" registry.log
	equal "the cross_tenant findings are exactly the true ones" "$(sort truth.cross_tenant)" \
		"$("$JQ" -r 'select(.type == "cross_tenant") | .request_id' out | sort)"
	equal "the device_mismatch findings are exactly the true ones" "$(sort truth.device_mismatch)" \
		"$("$JQ" -r 'select(.type == "device_mismatch") | .request_id' out | sort)"
	other=$("$JQ" -r 'select(.type != "cross_tenant" and .type != "device_mismatch") | .type' out)
	equal "there is no finding of another type (every delivery traced to its fill)" "" "$other"
	# Whatever failed above, the log and the findings tell why.
	if [ "$test_failures" -gt 0 ]; then
		show "$1"; show out; show received
	fi
}
