#!/bin/sh
# A real Apache Traffic Server (issue 16): traffic_server on loopback in
# front of an nginx origin of camera stills.  Low stills name the camera
# in the query string, which the cachekey plugin's remap rule drops from
# the key (the mistake).  Its log, written with the logging.yaml,
# plugin.config and header_rewrite rules that `camaudit formats show
# trafficserver` documents, must be read as the trafficserver preset and
# show exactly the cross-tenant and device-mismatch deliveries that the
# clients' received frames prove.
. "$srcdir/tests/lib.sh"
. "$srcdir/tests/proxies.sh"

TS=$(find_tool traffic_server) || { echo "1..0 # SKIP traffic_server not installed (apt-get install trafficserver)"; exit 0; }
need_tools trafficserver
layout() { "$(dirname "$TS")/traffic_layout" info 2>/dev/null | sed -n "s/^$1: //p"; }
sysconfdir=$(layout SYSCONFDIR)
plugindir=$(layout PLUGINDIR)
[ -r "$sysconfdir/records.config" ] && [ -f "$plugindir/cachekey.so" ] && [ -f "$plugindir/xdebug.so" ] ||
	{ echo "1..0 # SKIP no readable trafficserver configuration, cachekey.so or xdebug.so (apt-get install trafficserver)"; exit 0; }

work="$TEST_DIR/trafficserver"
mkdir -p "$work/etc" "$work/run" "$work/log" "$work/cache" "$work/var"

origin_up

# A runroot of our own: the package's configuration files, with ours
# over them, and directories for the run, the logs and the cache.
cp -R "$sysconfdir/." "$work/etc/"
cat > "$work/runroot.yaml" <<EOF
prefix: $work
exec_prefix: $(layout PREFIX)
bindir: $(layout BINDIR)
sbindir: $(layout BINDIR)
sysconfdir: $work/etc
datadir: $work/var
includedir: $work/var
libdir: $(layout LIBDIR)
libexecdir: $plugindir
localstatedir: $work/var
runtimedir: $work/run
logdir: $work/log
cachedir: $work/cache
plugindir: $plugindir
EOF

# logging.yaml, plugin.config and camaudit.config as the preset
# documents them.
show_preset=$(camaudit formats show trafficserver)
echo "$show_preset" | sed -n '/^#   logging:$/,/^#         mode: /s/^#   //p' > "$work/etc/logging.yaml"
echo "$show_preset" | sed -n 's/^#   \(header_rewrite\.so .*\)/\1/p; s/^#   \(xdebug\.so\)$/\1/p' > "$work/etc/plugin.config"
echo "$show_preset" | sed -n '/^#   cond %{READ_REQUEST_HDR_HOOK}$/,/^#       set-header X-Request-Id /s/^#   //p' > "$work/etc/camaudit.config"
check "the preset documents logging.yaml, plugin.config and the header_rewrite rules" \
	test "$(cat "$work/etc/logging.yaml" "$work/etc/plugin.config" "$work/etc/camaudit.config" | wc -l)" -eq 14

# The mistake: the cachekey plugin drops the query string, which names
# the camera, from the key of low stills.
still_path() {
	case $2 in
	low) echo "/still/low?camera=$1" ;;
	*) echo "/still/$1/$2" ;;
	esac
}
cat > "$work/etc/remap.config" <<EOF
map /still/low http://127.0.0.1:$origin_port/still/low @plugin=cachekey.so @pparam=--remove-all-params=true
map / http://127.0.0.1:$origin_port/
EOF
echo "$work/cache 64M" > "$work/etc/storage.config"

start_ts() {
	# No request before the cache is ready (a probe under load once came
	# first, and the clients' requests would not be cached either).  The
	# origin sends neither validators nor expiry: cache for an hour
	# anyway.  Few threads; logs written each second; no user change.
	cat > "$work/etc/records.config" <<EOF
CONFIG proxy.config.http.server_ports STRING $1:ipv4:ip-in=127.0.0.1
CONFIG proxy.config.admin.user_id STRING #-1
CONFIG proxy.config.crash_log_helper STRING /bin/true
CONFIG proxy.config.reverse_proxy.enabled INT 1
CONFIG proxy.config.url_remap.remap_required INT 1
CONFIG proxy.config.http.cache.http INT 1
CONFIG proxy.config.http.wait_for_cache INT 1
CONFIG proxy.config.http.cache.required_headers INT 0
CONFIG proxy.config.http.cache.heuristic_min_lifetime INT 3600
CONFIG proxy.config.http.cache.heuristic_max_lifetime INT 3600
CONFIG proxy.config.exec_thread.autoconfig INT 0
CONFIG proxy.config.exec_thread.limit INT 1
CONFIG proxy.config.accept_threads INT 1
CONFIG proxy.config.task_threads INT 1
CONFIG proxy.config.cache.threads_per_disk INT 2
CONFIG proxy.config.cache.ram_cache.size INT 4194304
CONFIG proxy.config.log.max_secs_per_buffer INT 1
CONFIG proxy.config.log.periodic_tasks_interval INT 1
CONFIG proxy.config.log.rolling_enabled INT 0
CONFIG proxy.config.log.max_space_mb_for_logs INT 10
CONFIG proxy.config.log.max_space_mb_headroom INT 1
EOF
	TS_RUNROOT="$work/runroot.yaml" "$TS" > "$work/traffic_server.out" 2>&1 &
	proxy_pid=$!
	proxy_answering "$1" 15
}
server_up "traffic_server" start_ts "$work/traffic_server.out" "$work/log/diags.log"

clients
# Traffic Server writes its log once a second: wait (10 s at most) for a
# line per request answered.
log="$work/log/camaudit.log"
answered=$(cat probes received | awk '$1 != "-"' | wc -l | tr -d ' ')
tries=0
while [ "$(cat "$log" 2>/dev/null | wc -l | tr -d ' ')" -lt "$answered" ] && [ $tries -lt 100 ]; do
	sleep 0.1
	tries=$((tries + 1))
done
stopped traffic_server

cp "$log" trafficserver.log
grep_file "traffic_server served cam-1's frame to acct-2 under the key the cachekey plugin made" \
	'^[0-9]+\.[0-9]{3} [^ ]+ [^ ]+ acct-2 [^ ]*still/low TCP_[A-Z_]*HIT - 200 [0-9]+ cam-2 - cam-1-low-' trafficserver.log
audit_log trafficserver.log trafficserver

done_testing
