#!/bin/sh
# A real Varnish cache (issue 4): varnishd on loopback in front of a tiny
# nginx origin that returns a frame per camera with X-Camera-Device and
# X-Frame-Id.  Its VCL hashes low-quality stills without the camera (the
# December 2019 mistake) and high-quality ones with it, and logs what the
# varnishncsa preset needs with std.log.  varnishncsa, run with the -F
# string that `camaudit formats show varnishncsa` documents, must write a
# log that camaudit reads as that preset and that shows exactly the
# planted cross-tenant deliveries.
. "$srcdir/tests/lib.sh"

# --- what is needed ---------------------------------------------------------------
VARNISHD=$(find_tool varnishd) || { echo "1..0 # SKIP varnishd not installed (apt-get install varnish)"; exit 0; }
VARNISHNCSA=$(find_tool varnishncsa) || { echo "1..0 # SKIP varnishncsa not installed (apt-get install varnish)"; exit 0; }
NGINX=$(find_tool nginx) || { echo "1..0 # SKIP nginx not installed (apt-get install nginx)"; exit 0; }
command -v curl > /dev/null 2>&1 || { echo "1..0 # SKIP curl not installed (apt-get install curl)"; exit 0; }
# varnishd compiles its VCL with the C compiler.
command -v cc > /dev/null 2>&1 || { echo "1..0 # SKIP no C compiler for varnishd to compile its VCL"; exit 0; }

# --- processes, stopped on any exit --------------------------------------------------
work="$TEST_DIR/varnish"
ngx="$TEST_DIR/origin"
mkdir -p "$work" "$ngx/tmp"
origin_pid=
varnishd_pid=
ncsa_pid=
stop_all() {
	stop_pid "$ncsa_pid"; ncsa_pid=
	stop_pid "$varnishd_pid"; varnishd_pid=
	stop_pid "$origin_pid"; origin_pid=
}
trap 'stop_all; chmod -R u+rwx "$TEST_DIR" 2>/dev/null; rm -rf "$TEST_DIR"' EXIT
trap 'exit 1' INT TERM HUP

# --- the origin: nginx -------------------------------------------------------------------
start_origin() {
	cat > "$ngx/nginx.conf" <<EOF
$(nginx_conf_head "$ngx")
$(nginx_origin "$1")
}
EOF
	"$NGINX" -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/error.log" 2> "$ngx/start.err" &
	origin_pid=$!
	if up "http://127.0.0.1:$1/still/probe/none" && kill -0 "$origin_pid" 2>/dev/null; then
		return 0
	fi
	stop_pid "$origin_pid"; origin_pid=
	return 1
}

# Ports in 20000-59999, from the test's pid; a start that fails (the port
# is taken) moves on to the next.
port=$((20000 + ($$ * 7) % 40000))
next_port() { port=$(( (port + 7919) % 40000 + 20000 )); }

started=
for attempt in 1 2 3 4 5; do
	if start_origin "$port"; then started=1; break; fi
	next_port
done
if [ -z "$started" ]; then
	not_ok "the nginx origin starts on loopback"
	show "$ngx/start.err"; show "$ngx/error.log"
	done_testing; exit
fi
origin_port=$port
ok "the nginx origin starts on loopback (port $origin_port)"

# --- varnishd ------------------------------------------------------------------------------------
cat > "$work/camaudit.vcl" <<EOF
vcl 4.1;
import std;

backend origin { .host = "127.0.0.1"; .port = "$origin_port"; }

sub vcl_recv {
    std.log("camaudit-account:" + req.http.X-Account);
    std.log("camaudit-device:" + req.http.X-Camera);
}

sub vcl_hash {
    if (req.url ~ "^/still/[^/]+/low$") {
        # The mistake: the camera is left out of the key.
        hash_data("still/low");
        std.log("camaudit-key:still/low");
    } else {
        hash_data(regsub(req.url, "^/", ""));
        std.log("camaudit-key:" + regsub(req.url, "^/", ""));
    }
    return (lookup);
}

sub vcl_deliver {
    std.log("camaudit-node:" + server.hostname);
    set resp.http.X-Request-Id = req.xid;
}
EOF

# -j none: no privilege separation, so that it runs the same as root (the
# workdir is in our 0700 directory) and as anyone else.
start_varnishd() {
	"$VARNISHD" -F -j none -n "$work/n" -a "127.0.0.1:$1" -T none \
		-f "$work/camaudit.vcl" -s malloc,16m -l 2m -t 3600 \
		> "$work/varnishd.out" 2>&1 &
	varnishd_pid=$!
	tries=0
	while [ $tries -lt 100 ]; do
		kill -0 "$varnishd_pid" 2>/dev/null || break
		# varnishncsa is not running yet: this request is in no log.
		if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/ping" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		tries=$((tries + 1))
	done
	stop_pid "$varnishd_pid"; varnishd_pid=
	return 1
}
started=
next_port
for attempt in 1 2 3 4 5; do
	if start_varnishd "$port"; then started=1; break; fi
	next_port
done
if [ -z "$started" ]; then
	not_ok "varnishd starts on loopback"
	show "$work/varnishd.out"
	done_testing; exit
fi
ok "varnishd starts on loopback with the VCL (port $port)"

# --- varnishncsa ---------------------------------------------------------------------------------
# The -F string exactly as the preset documents it.
fmt=$(camaudit formats show varnishncsa | sed -n "s/^#   varnishncsa .* -F '\(.*\)'\$/\1/p")
check "the preset documents its -F string" test -n "$fmt"
"$VARNISHNCSA" -n "$work/n" -t 10 -F "$fmt" -w "$work/varnishncsa.log" 2> "$work/varnishncsa.err" &
ncsa_pid=$!

# get ACCOUNT CAMERA TIER: one request through varnish; prints its vxid.
get() {
	curl -s -D headers -o /dev/null --max-time 5 -H "X-Account: $1" -H "X-Camera: $2" \
		"http://127.0.0.1:$port/still/$2/$3"
	tr -d '\r' < headers | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p'
}
log="$work/varnishncsa.log"
lines() { if [ -f "$log" ]; then wc -l < "$log" | tr -d ' '; else echo 0; fi; }

# varnishncsa reads the log from its tail once attached: until then a
# request leaves no line.  Probe with requests of an account that owns its
# camera (in the registry below) until one is written; each under a key of
# its own, so that each is a miss, whose fill is in the log with it.
: > probes
tries=0
while [ "$(lines)" -eq 0 ] && [ $tries -lt 100 ] && kill -0 "$ncsa_pid" 2>/dev/null; do
	get acct-probe cam-probe "high?probe=$tries" >> probes
	sleep 0.1
	tries=$((tries + 1))
done
if [ "$(lines)" -eq 0 ]; then
	not_ok "varnishncsa writes a line per request"
	show "$work/varnishncsa.err"
	done_testing; exit
fi
ok "varnishncsa writes a line per request"
sleep 0.2 # a probe sent as the first was written may still be on its way
before=$(lines)

: > planted
: > clean
get acct-1 cam-1 low >> clean          # miss: cam-1's frame cached as still/low
get acct-2 cam-2 low >> planted        # hit: acct-2 is handed cam-1's frame
get acct-1 cam-1 low >> clean          # hit: the owner's own frame
get acct-3 cam-3 low >> planted        # hit: acct-3 too
get acct-1 cam-1 high >> clean         # miss, right key
get acct-2 cam-2 high >> clean         # miss, right key
get acct-2 cam-2 high >> clean         # hit of acct-2's own frame
get acct-3 cam-3 high >> clean         # miss, right key
get acct-1 cam-1 high >> clean         # hit of acct-1's own frame
get acct-3 cam-3 high >> clean         # hit of acct-3's own frame
equal "every request got a vxid" 10 "$(cat planted clean | grep -c '^[0-9][0-9]*$')"

# Wait (10 s at most) until varnishncsa has written a line for each.
tries=0
while [ "$(lines)" -lt $((before + 10)) ] && [ $tries -lt 100 ]; do
	sleep 0.1
	tries=$((tries + 1))
done
equal "varnishncsa wrote a line for each request" $((before + 10)) "$(lines)"

stop_all
equal "no varnishd, varnishncsa or nginx of this test is left" "" \
	"$(pgrep -f "$TEST_DIR" 2>/dev/null)"

cp "$log" varnishncsa.log
cat > registry.log <<'EOF2'
ts=2019-12-01T00:00:00Z op=bind device=cam-1 account=acct-1
ts=2019-12-01T00:00:00Z op=bind device=cam-2 account=acct-2
ts=2019-12-01T00:00:00Z op=bind device=cam-3 account=acct-3
ts=2019-12-01T00:00:00Z op=bind device=cam-probe account=acct-probe
EOF2
grep_file "the wrong key served cam-1's frame to another account (varnish really cached it)" \
	'"acct-2" "still/low" hit 200 [0-9]+ "[^"]*" "cam-2" "cam-1" "cam-1-low-' varnishncsa.log
expect_exit 0 "varnishncsa's log is ingested with the preset named" \
	camaudit ingest --db real.db --input-format varnishncsa varnishncsa.log
grep_file "no line is rejected" "varnishncsa.log \(varnishncsa\): $(lines) lines read, [0-9]+ events stored, 0 already ingested, 0 rejected$" err
expect_exit 0 "the registry is ingested" camaudit ingest --db real.db registry.log
expect_exit 0 "without --input-format it is sniffed as varnishncsa" \
	camaudit ingest --db sniffed.db varnishncsa.log registry.log
grep_file "sniffed, with no line rejected" "varnishncsa.log \(varnishncsa\): $(lines) lines read, [0-9]+ events stored, 0 already ingested, 0 rejected$" err
expect_exit 1 "the audit finds cross-tenant deliveries" camaudit audit --db real.db --format json
equal "exactly the planted deliveries are cross_tenant" "$(sort planted)" \
	"$("$JQ" -r 'select(.type == "cross_tenant") | .request_id' out | sort)"
camaudit audit -q --db real.db --type all --format json > all.json
equal "no request under the correct key (nor a probe) is a finding of any type" "" \
	"$("$JQ" -r '.request_id' all.json | grep -F -x -f clean -f probes)"
equal "every delivery was traced to a fill" "0" \
	"$("$JQ" -r 'select(.type == "unattributed") | .request_id' all.json | wc -l | tr -d ' ')"

done_testing
