#!/bin/sh
# A real Apache httpd (issue 16): apache2 with mod_proxy_http, mod_cache
# and mod_cache_disk on loopback in front of an nginx origin of camera
# stills.  Low stills name the camera in the query string, which
# CacheIgnoreQueryString leaves out of the key (the mistake).  Its access
# log, written with the LogFormat that `camaudit formats show apache`
# documents, must be read as the apache preset and show exactly the
# cross-tenant and device-mismatch deliveries that the clients' received
# frames prove.
. "$srcdir/tests/lib.sh"
. "$srcdir/tests/proxies.sh"

APACHE=$(find_tool apache2) || APACHE=$(find_tool httpd) ||
	{ echo "1..0 # SKIP apache2 not installed (apt-get install apache2)"; exit 0; }
need_tools apache2
modules=
for d in /usr/lib/apache2/modules /usr/lib64/httpd/modules /usr/lib/httpd/modules; do
	[ -f "$d/mod_cache_disk.so" ] && { modules=$d; break; }
done
[ -n "$modules" ] || { echo "1..0 # SKIP apache2's mod_cache_disk.so not found"; exit 0; }

work="$TEST_DIR/apache2"
mkdir -p "$work/cache"

origin_up

# The LogFormat line as the preset documents it, the node named cache-1
# and the key without the query string, as CacheIgnoreQueryString keys.
camaudit formats show apache | sed -n 's/^#   \(LogFormat .*\)/\1/p' |
	sed 's/ NODE / cache-1 /; s/%U%q/%U/' > "$work/camaudit.conf"
check "the preset documents its LogFormat line" grep -q "^LogFormat '%{msec}t .* cache-1 .*%U\"" "$work/camaudit.conf"

# As root, apache2's children run as nobody, who must reach the cache.
user_lines=
if [ "$(id -u)" -eq 0 ]; then
	user_lines="User nobody
Group #$(id -g nobody)"
	chmod 711 "$TEST_DIR"
	chown nobody "$work/cache"
fi
# Modules that Debian builds in (log_config, unixd) need no LoadModule.
load() { [ -f "$modules/mod_$1.so" ] && echo "LoadModule $1_module $modules/mod_$1.so"; }

still_path() {
	case $2 in
	low) echo "/still/low?camera=$1" ;;
	*) echo "/still/$1/$2" ;;
	esac
}

start_apache() {
	cat > "$work/httpd.conf" <<EOF
ServerRoot $work
DefaultRuntimeDir $work
ServerName cache-1
Listen 127.0.0.1:$1
PidFile $work/httpd.pid
ErrorLog $work/error.log
$user_lines
$(load mpm_event)
$(load authz_core)
$(load unique_id)
$(load proxy)
$(load proxy_http)
$(load cache)
$(load cache_disk)
StartServers 1
ServerLimit 1
ThreadsPerChild 8
MaxRequestWorkers 8
CacheRoot $work/cache
CacheEnable disk /still
# The origin sends no validators nor expiry: cache for an hour anyway.
CacheIgnoreNoLastMod On
CacheDefaultExpire 3600
# The mistake: the query string, and with it the camera, is not in the key.
CacheIgnoreQueryString On
ProxyPass /still http://127.0.0.1:$origin_port/still
$(cat "$work/camaudit.conf")
CustomLog $work/camaudit.log camaudit
EOF
	"$APACHE" -f "$work/httpd.conf" -DFOREGROUND > "$work/apache2.out" 2>&1 &
	proxy_pid=$!
	proxy_answering "$1"
}
server_up "apache2 with mod_cache" start_apache "$work/apache2.out" "$work/error.log"

clients
stopped apache2
cp "$work/camaudit.log" apache.log

# Apache cannot tell a client the UNIQUE_ID of a hit (mod_cache serves the
# headers it stored), so each request is paired with the log line it made
# by time: one at a time, each request began after the one before ended.
# The pairing holds only if each line has its request's account and camera.
sort -s -n -k1,1 apache.log > sorted.log
awk '
FNR == NR { id[NR] = $2; who[NR] = $4 " " $8; lines = NR; next }
$4 != "-" { n++; if (who[n] != "\"" $2 "\" \"" $3 "\"") bad++; $1 = id[n] }
{ print > (FILENAME ".paired") }
END { if (n != lines) bad++; exit bad != 0 }' sorted.log probes received
check "the log's lines, in time order, are the requests answered, in order" test $? -eq 0
mv probes.paired probes; mv received.paired received

grep_file "apache2 served cam-1's frame to acct-2 under the key without the camera" \
	'^[0-9]{13} [^ ]+ cache-1 "acct-2" "/still/low" 200 [0-9]+ "cam-2" "cam-1" "cam-1-low-[^"]*" "cache hit"$' apache.log
audit_log apache.log apache

done_testing
