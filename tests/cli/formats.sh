#!/bin/sh
# Input formats: the presets on their fixtures (CRLF, gzip, a CloudFront
# file whose #Fields: order differs), user definitions and their errors,
# sniffing, the match limit, `camaudit formats`, and a real nginx cache
# whose access log, in the documented nginx format, shows exactly the
# cross-tenant deliveries planted through it.
. "$srcdir/tests/lib.sh"

data="$srcdir/tests/data/formats"
skip() {
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP $1"
}
# findings DB: "type request_id viewer origin" per finding, sorted.
findings() {
	camaudit audit -q --db "$1" --type all --format json |
		"$JQ" -r '[.type, .request_id, .viewer_account, .origin_device] | join(" ")' | sort
}

# --- the formats command ------------------------------------------------------
expect_exit 0 "formats list succeeds" camaudit formats list
equal "list names the presets in sniffing order" "nginx varnishncsa cloudfront squid apache haproxy trafficserver caddy logfmt" \
	"$(awk 'NR > 1 { printf "%s%s", sep, $1; sep = " " }' out)"
expect_exit 0 "formats show prints a preset" camaudit formats show nginx
grep_file "show includes the log_format line to paste" "^#   log_format camaudit '\\\$msec \\\$request_id" out
grep_file "show includes the definition" "^fill-when cache = MISS\|EXPIRED$" out
expect_exit 0 "the varnishncsa preset documents its -F string" camaudit formats show varnishncsa
grep_file "the -F string is there" "varnishncsa .*-F '%\{VSL:Timestamp:Resp\[1\]\}x" out
expect_exit 2 "show of an unknown format is a usage error" camaudit formats show nosuch
grep_file "it points at formats list" "unknown format 'nosuch' \(see 'camaudit formats list'\)" err
expect_exit 2 "an unknown action is a usage error" camaudit formats frobnicate
expect_exit 2 "test needs a file" camaudit formats test

# --- the presets on their fixtures -------------------------------------------
expect_exit 0 "an nginx log is ingested" camaudit ingest --db nginx.db "$data/nginx.log" "$data/registry.log"
grep_file "its format is sniffed and named" "nginx.log \(nginx\): 10 lines read, 14 events stored, 0 already ingested, 2 rejected$" err
grep_file "the registry is logfmt and goes unnamed" "registry.log: 3 lines read, 3 events stored" err
equal "a MISS and an EXPIRED line are each a fill and a serve" "9|5" \
	"$(rows nginx.db 'SELECT (SELECT count(*) FROM serve), (SELECT count(*) FROM fill)')"
grep_file "a line without an account is rejected" "nginx.log:7: rejected: missing required field 'account' \(relay line\)$" err
grep_file "a MISS whose origin named no camera keeps its serve, not its fill" \
	"nginx.log:8: rejected: its fill: missing required field 'device' \(op=fill\)$" err
equal "the fill's camera is the origin's, the serve's the one asked for" "cam-1|cam-2" \
	"$(rows nginx.db "SELECT (SELECT a.text FROM fill f JOIN atom a ON a.id = f.device WHERE f.line = 1), (SELECT a.text FROM serve s JOIN atom a ON a.id = s.device WHERE s.line = 2)")"
equal "exactly the planted delivery is cross-tenant (a HIT logged above its MISS is not)" \
	"cross_tenant r-n-002 acct-2 cam-1" "$(findings nginx.db)"

expect_exit 0 "a varnishncsa log with CRLF line ends is ingested" camaudit ingest --db varnish.db "$data/varnishncsa-crlf.log" "$data/registry.log"
grep_file "it is sniffed as varnishncsa, with no line rejected" "varnishncsa-crlf.log \(varnishncsa\): 4 lines read, 6 events stored, 0 already ingested, 0 rejected$" err
equal "no carriage return reached the store" 0 "$(rows varnish.db "SELECT count(*) FROM atom WHERE text LIKE '%' || char(13) || '%'")"
equal "the planted varnish delivery is cross-tenant" "cross_tenant 32772 acct-2 cam-1" "$(findings varnish.db)"

gzip -c "$data/cloudfront.log" > cloudfront.log.gz
expect_exit 0 "a gzip'd CloudFront log is ingested" camaudit ingest --db cf.db cloudfront.log.gz "$data/registry.log"
grep_file "it is sniffed as cloudfront" "cloudfront.log.gz \(gzip, cloudfront\): 7 lines read, 8 events stored, 0 already ingested, 0 rejected$" err
equal "the planted CloudFront delivery is cross-tenant" "cross_tenant cf-0002 acct-2 cam-1" "$(findings cf.db)"
equal "URL-encoded query values and paths are decoded" "acct-1|still/cam-1/high" \
	"$(rows cf.db "SELECT a.text, k.text FROM serve s JOIN atom a ON a.id = s.account JOIN atom k ON k.id = s.key WHERE s.req = 'cf-0005'" | sed 's#|/#|#')"
expect_exit 0 "a CloudFront log whose #Fields: order differs is ingested" camaudit ingest --db cf2.db "$data/cloudfront-reordered.log" "$data/registry.log"
equal "it gives the same findings" "$(findings cf.db)" "$(findings cf2.db)"
equal "and the same events" "$(rows cf.db 'SELECT ts, req, status, bytes FROM serve ORDER BY ts')" \
	"$(rows cf2.db 'SELECT ts, req, status, bytes FROM serve ORDER BY ts')"

# A CloudFront file that grows: the #Fields: line is in the part already
# ingested, and the new lines still find their columns.
head -n 4 "$data/cloudfront.log" > growing.log
expect_exit 0 "the start of a CloudFront log is ingested" camaudit ingest --db grow.db growing.log
tail -n +5 "$data/cloudfront.log" >> growing.log
expect_exit 0 "its new lines are ingested later" camaudit ingest --db grow.db growing.log
grep_file "the columns are known from the header read before" "growing.log \(cloudfront\): 7 lines read, 5 events stored, 4 already ingested, 0 rejected$" err

# --- user formats ------------------------------------------------------------------
expect_exit 0 "user formats from --formats are sniffed too" \
	camaudit ingest --db user.db --formats "$data/relayd.formats" "$data/relayd.log" "$data/fillerd.log" "$data/registry.log"
grep_file "the relay log is read with its user format" "relayd.log \(relayd\): 2 lines read, 2 events stored" err
grep_file "the cache log is read with its user format" "fillerd.log \(fillerd\): 1 line read, 1 event stored" err
equal "clf times with an offset are stored in UTC" "1577348043000" "$(rows user.db 'SELECT ts FROM serve WHERE line = 1')"
equal "a constant op makes each line a fill" "1577348042900|f-r-0001" \
	"$(rows user.db 'SELECT ts, frame FROM fill')"
equal "the user formats find the planted delivery" "cross_tenant  acct-2 cam-1" "$(findings user.db)"
CAMAUDIT_FORMATS="$data/relayd.formats"
export CAMAUDIT_FORMATS
expect_exit 0 "CAMAUDIT_FORMATS stands for --formats" camaudit formats list
grep_file "its formats are listed with their origin" "^relayd +relay +.*relayd.formats:4 +the example relay daemon$" out
unset CAMAUDIT_FORMATS
expect_exit 1 "scan takes --formats too" camaudit scan -q --formats "$data/relayd.formats" "$data/relayd.log" "$data/fillerd.log" "$data/registry.log"

# --- definition errors ----------------------------------------------------------------
expect_exit 2 "a formats file with mistakes is a configuration error" \
	camaudit ingest --db none.db --formats "$data/broken.formats" "$data/registry.log"
grep_file "a pattern that does not compile is reported with its column" \
	"^camaudit: .*broken.formats:4: column 35: pattern does not compile: missing closing parenthesis$" err
grep_file "an unknown key is reported" "broken.formats:5: column 1: unknown key 'colour'" err
grep_file "an unknown field is reported" "broken.formats:6: column 7: unknown field 'wrong'" err
check "nothing was ingested" test ! -e none.db
expect_exit 2 "a formats file that cannot be read is a configuration error" \
	camaudit formats --formats nosuch.formats list
grep_file "it names the file" "formats file nosuch.formats: No such file or directory" err
printf 'format nginx\nkind relay\npattern ^(?<ts>\\d+) (?<account>\\S+) (?<key>\\S+)$\n' > clash.formats
expect_exit 2 "a user format may not take a preset's name" camaudit formats --formats clash.formats list
grep_file "it says which" "clash.formats:1: column 8: format 'nginx' is already defined \(built-in\)" err

# --- choosing the format ----------------------------------------------------------------
printf 'this is not a log line\n\033[31mnor this\n' > unknown.log
expect_exit 3 "a file that matches no format fails" camaudit ingest --db mixed.db unknown.log "$data/registry.log"
grep_file "the first line is quoted" "unknown.log: no input format matches its first lines; the first is 'this is not a log line'" err
grep_file "the other files are still ingested" "registry.log: 3 lines read, 3 events stored" err
printf '\033[31mnot a log line\n' > escape.log
expect_exit 3 "a line with a terminal escape matches nothing" camaudit ingest --db mixed.db escape.log
grep_file "it is quoted escaped" "the first is '\\\\x1b\[31mnot a log line'" err
expect_exit 0 "--input-format overrides sniffing" camaudit ingest --db forced.db --input-format nginx "$data/registry.log"
grep_file "every line is then rejected for not matching" "registry.log:1: rejected: does not match format 'nginx'$" err
expect_exit 2 "an unknown --input-format is a usage error" camaudit ingest --db forced.db --input-format nosuch "$data/registry.log"

# --- a line that makes a pattern backtrack without end --------------------------------
expect_exit 0 "a pathological line does not hang the ingest" \
	timeout 20 "$CAMAUDIT" ingest --db bt.db --formats "$data/backtrack.formats" "$data/backtrack.log"
grep_file "it is rejected with the reason" "backtrack.log:2: rejected: format 'backtrack' gave up on this line: match limit exceeded" err
grep_file "the lines around it are stored" "backtrack.log \(backtrack\): 3 lines read, 2 events stored, 0 already ingested, 1 rejected$" err

# --- formats test -------------------------------------------------------------------------
expect_exit 1 "formats test reports a rejected line with status 1" camaudit formats test "$data/nginx.log"
grep_file "it names the sniffed format" "nginx.log: format nginx \(it matches 8 of the first 8 lines\)$" out
grep_file "it shows a serve's canonical fields" "^2: nginx: ts=2019-12-26T08:14:03.180Z account=acct-2 device=cam-2 key=still/low frame=f-cam-1-0001 node=cache-1 relay=cache-1 req=r-n-002 cache=HIT status=200 bytes=5120$" out
grep_file "it shows the fill a MISS reveals" "^1: nginx: ts=2019-12-26T08:14:03.100Z op=fill device=cam-1 key=still/low frame=f-cam-1-0001 node=cache-1$" out
grep_file "it says why a line is rejected" "^7: nginx: rejected: missing required field 'account' \(relay line\)$" out
expect_exit 0 "formats test --lines 6 passes on the good lines" camaudit formats test --lines 6 "$data/nginx.log"
expect_exit 1 "formats test shows the match limit" camaudit formats --formats "$data/backtrack.formats" test "$data/backtrack.log"
grep_file "with the reason" "^2: no format matches '1577348044 acct1 a+!' \(format 'backtrack' gave up on this line: match limit exceeded" out
expect_exit 0 "formats test on a header-driven file" camaudit formats test "$data/cloudfront-reordered.log"
grep_file "the header line is shown as such" "^2: cloudfront: header$" out
grep_file "another # directive is skipped" "^1: cloudfront: skipped$" out

# --- under valgrind -------------------------------------------------------------------------
if command -v valgrind > /dev/null 2>&1 && ! ldd "$CAMAUDIT" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	expect_exit 0 "format-driven ingest is clean under valgrind" \
		valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
		"$CAMAUDIT" ingest --db vg.db --formats "$data/backtrack.formats" "$data/nginx.log" \
		cloudfront.log.gz "$data/varnishncsa-crlf.log" "$data/backtrack.log"
else
	skip "valgrind not installed, or a sanitizer build"
fi

# --- a real nginx cache -----------------------------------------------------------------------
# nginx on loopback as a caching reverse proxy in front of a second nginx
# server (the origin) that returns a frame per camera with X-Camera-Device
# and X-Frame-Id.  Low-quality stills are cached under a key without the
# camera (the December 2019 mistake); high-quality ones under the right
# key.  Its access log, written with the log_format line that `camaudit
# formats show nginx` documents, must show exactly the planted leaks.
NGINX=$(command -v nginx 2>/dev/null || { [ -x /usr/sbin/nginx ] && echo /usr/sbin/nginx; })
if [ -z "$NGINX" ]; then
	skip "nginx not installed (apt-get install nginx): the real nginx cache test did not run"
	done_testing
	exit
fi
if ! command -v curl > /dev/null 2>&1; then
	skip "curl not installed (apt-get install curl): the real nginx cache test did not run"
	done_testing
	exit
fi

ngx="$TEST_DIR/nginx"
mkdir -p "$ngx/tmp"
nginx_pid=
stop_nginx() {
	if [ -n "$nginx_pid" ]; then
		kill "$nginx_pid" 2>/dev/null
		wait "$nginx_pid" 2>/dev/null
		nginx_pid=
	fi
}
trap 'stop_nginx; chmod -R u+rwx "$TEST_DIR" 2>/dev/null; rm -rf "$TEST_DIR"' EXIT
trap 'exit 1' INT TERM HUP

camaudit formats show nginx | sed -n '/^#   log_format camaudit/,/;$/s/^#//p' > log_format.conf

# start_nginx PORT: write the configuration for PORT (relay) and PORT+1
# (origin) and start nginx in the foreground of a background job.
start_nginx() {
	relay_port=$1
	origin_port=$(($1 + 1))
	cat > "$ngx/nginx.conf" <<EOF
$(nginx_conf_head "$ngx")
$(cat log_format.conf)
    proxy_cache_path $ngx/cache levels=1:2 keys_zone=frames:1m inactive=1h use_temp_path=off;
    map \$http_x_account \$camaudit_account { default \$http_x_account; }

    # The origin: a frame per camera, with the camera and a frame id.
$(nginx_origin "$origin_port")

    # The relay with its cache.
    server {
        listen 127.0.0.1:$relay_port;
        access_log $ngx/access.log camaudit;
        add_header X-Request-Id \$request_id always;
        proxy_cache frames;
        proxy_cache_valid 200 1h;
        location ~ ^/still/(?<cam>[^/]+)/low\$ {
            set \$camaudit_key "still/low"; # the mistake: no camera
            set \$camaudit_device \$cam;
            proxy_cache_key \$camaudit_key;
            proxy_pass http://127.0.0.1:$origin_port;
        }
        location ~ ^/still/(?<cam>[^/]+)/high\$ {
            set \$camaudit_key "still/\$cam/high";
            set \$camaudit_device \$cam;
            proxy_cache_key \$camaudit_key;
            proxy_pass http://127.0.0.1:$origin_port;
        }
    }
}
EOF
	"$NGINX" -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/error.log" 2> "$ngx/start.err" &
	nginx_pid=$!
	tries=0
	while [ $tries -lt 50 ]; do
		# The origin logs nothing: probing it leaves the access log empty.
		if curl -s -o /dev/null "http://127.0.0.1:$origin_port/still/probe/none" 2>/dev/null; then
			return 0
		fi
		kill -0 "$nginx_pid" 2>/dev/null || break
		sleep 0.1
		tries=$((tries + 1))
	done
	stop_nginx
	return 1
}

port=$((20000 + $$ % 20000))
started=
for attempt in 1 2 3 4 5; do
	if start_nginx "$port"; then
		started=1
		break
	fi
	port=$(( (port + 7919) % 40000 + 20000 ))
done
if [ -z "$started" ]; then
	not_ok "nginx starts on loopback"
	show "$ngx/start.err"
	show "$ngx/error.log"
	done_testing
	exit
fi
ok "nginx starts on loopback as a caching reverse proxy (port $port)"

# get ACCOUNT CAMERA TIER: one request; prints the relay's request id.
get() {
	curl -s -D headers -o /dev/null -H "X-Account: $1" "http://127.0.0.1:$port/still/$2/$3"
	tr -d '\r' < headers | sed -n 's/^[Xx]-[Rr]equest-[Ii]d: //p'
}
: > planted
: > clean
get acct-1 cam-1 low > /dev/null       # MISS: cam-1's frame cached as still/low
get acct-2 cam-2 low >> planted        # HIT: acct-2 is handed cam-1's frame
get acct-1 cam-1 low >> clean          # HIT: the owner's own frame
get acct-3 cam-3 low >> planted        # HIT: acct-3 too
get acct-1 cam-1 high >> clean         # MISS, right key
get acct-2 cam-2 high >> clean         # MISS, right key
get acct-2 cam-2 high >> clean         # HIT of acct-2's own frame
get acct-3 cam-3 high >> clean         # MISS, right key
get acct-1 cam-1 high >> clean         # HIT of acct-1's own frame
get acct-3 cam-3 high >> clean         # HIT of acct-3's own frame
stop_nginx
equal "every request got a request id" 9 "$(cat planted clean | grep -c '^[0-9a-f]\{32\}$')"
grep_file "the wrong key served a frame across accounts (nginx really cached it)" "^.* \"still/low\" HIT " "$ngx/access.log"
check "nginx is stopped" sh -c '! kill -0 '"$(cat "$ngx/nginx.pid" 2>/dev/null || echo 999999)"' 2>/dev/null'

cat > registry.log <<'EOF'
ts=2019-12-01T00:00:00Z op=bind device=cam-1 account=acct-1
ts=2019-12-01T00:00:00Z op=bind device=cam-2 account=acct-2
ts=2019-12-01T00:00:00Z op=bind device=cam-3 account=acct-3
EOF
cp "$ngx/access.log" access.log
expect_exit 0 "nginx's own access log is ingested" camaudit ingest --db real.db access.log registry.log
grep_file "it is sniffed as the nginx preset, with no line rejected" "access.log \(nginx\): 10 lines read, 14 events stored, 0 already ingested, 0 rejected$" err
expect_exit 1 "the audit finds cross-tenant deliveries" camaudit audit --db real.db --format json
equal "exactly the planted deliveries are cross_tenant" "$(sort planted)" \
	"$("$JQ" -r 'select(.type == "cross_tenant") | .request_id' out | sort)"
camaudit audit --db real.db --type all --format json > all.json
equal "no request under the correct key is a finding of any type" "" \
	"$("$JQ" -r '.request_id' all.json | grep -F -x -f clean)"
equal "every delivery was traced to a fill" "0" \
	"$("$JQ" -r 'select(.type == "unattributed") | .request_id' all.json | wc -l | tr -d ' ')"

done_testing
