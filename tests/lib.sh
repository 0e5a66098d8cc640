# tests/lib.sh: sourced by the shell tests in tests/cli/ (run by automake's
# TAP driver).  Each test runs in its own temporary directory, removed on
# exit; results are TAP lines; the plan is printed by done_testing.

set -u
: "${CAMAUDIT:?run through make check, which sets CAMAUDIT}"
: "${srcdir:?run through make check, which sets srcdir}"
JQ=${JQ:-jq}

TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/camaudit-test.XXXXXX") || exit 99
trap 'chmod -R u+rwx "$TEST_DIR" 2>/dev/null; rm -rf "$TEST_DIR"' EXIT
cd "$TEST_DIR" || exit 99
export CAMAUDIT_DB="$TEST_DIR/default.db"

test_count=0
test_failures=0

camaudit() { "$CAMAUDIT" "$@"; }

ok() {
	test_count=$((test_count + 1))
	echo "ok $test_count - $1"
}

not_ok() {
	test_count=$((test_count + 1))
	test_failures=$((test_failures + 1))
	echo "not ok $test_count - $1"
}

# Show a file in the TAP stream as diagnostics.
show() {
	[ -f "$1" ] && sed 's/^/#   /' "$1"
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	desc=$1
	shift
	if "$@" >/dev/null; then ok "$desc"; else not_ok "$desc"; fi
}

# expect_exit STATUS DESCRIPTION COMMAND...: runs the command with its
# stdout in ./out and its stderr in ./err, passes on the expected status.
expect_exit() {
	want=$1
	desc=$2
	shift 2
	"$@" >out 2>err
	got=$?
	if [ "$got" -eq "$want" ]; then
		ok "$desc"
	else
		not_ok "$desc (exit $got, expected $want)"
		show err
	fi
}

# equal DESCRIPTION EXPECTED ACTUAL
equal() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   expected: $2"
		echo "#   actual:   $3"
	fi
}

# grep_file DESCRIPTION PATTERN FILE: passes when an extended regex matches.
grep_file() {
	if grep -Eq -- "$2" "$3"; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   no line matches: $2"
		show "$3"
	fi
}

# rows DB SQL: one value from the store (sqlite3 reads it like a user would).
rows() {
	sqlite3 "$1" "$2"
}

done_testing() {
	echo "1..$test_count"
	[ "$test_failures" -eq 0 ]
}

# Lines of logfmt for the small fixtures written by the tests.
fill_line() { # TS NODE KEY DEVICE [extra...]
	ts=$1 node=$2 key=$3 device=$4
	shift 4
	echo "ts=$ts op=fill node=$node key=$key device=$device $*"
}

serve_line() { # TS REQ ACCOUNT KEY NODE [extra...]
	ts=$1 req=$2 account=$3 key=$4 node=$5
	shift 5
	echo "ts=$ts req=$req account=$account key=$key node=$node $*"
}

# unprivileged: sets $as_user to the command prefix that runs a command
# as nobody when the tests run as root (root reads and writes any file,
# so permission tests need someone else); empty for other users.  Fails
# (returns 1) as root without setpriv: the caller skips.
unprivileged() {
	as_user=
	[ "$(id -u)" -ne 0 ] && return 0
	command -v setpriv > /dev/null 2>&1 || return 1
	as_user="setpriv --reuid=65534 --regid=65534 --clear-groups"
}

# reader_errors COMMAND GOOD_DB: the errors every command that reads the
# store shares: no database, a database of something else, a full stdout.
reader_errors() {
	expect_exit 2 "a missing database is a usage error" camaudit "$1" --db nowhere.db
	grep_file "it says what to do" "database nowhere\.db does not exist" err
	check "nothing on stdout" test ! -s out
	check "and no database was created" test ! -e nowhere.db
	[ -e foreign.db ] || sqlite3 foreign.db 'CREATE TABLE t (x)'
	expect_exit 3 "a database of something else is a database error" \
		camaudit "$1" --db foreign.db
	grep_file "it says so" "not a camaudit database" err
	expect_exit 3 "a failed write to stdout is an error" \
		sh -c '"$CAMAUDIT" "$1" --db "$2" > /dev/full' sh "$1" "$2"
	grep_file "the write error is reported" \
		"^camaudit: writing standard output: No space left on device$" err
}

# For the tests that run real servers (varnish.sh, squid.sh and the other
# proxies of tests/proxies.sh).
# find_tool NAME: the path of a program, also in the sbin directories that
# an ordinary user's PATH may lack.
find_tool() {
	command -v "$1" 2>/dev/null && return 0
	for d in /usr/sbin /usr/local/sbin /sbin; do
		[ -x "$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}

# stop_pid PID: TERM (again each second), KILL after 10 s, then reap it.
stop_pid() {
	[ -n "$1" ] || return 0
	n=0
	while st=$(ps -o stat= -p "$1" 2>/dev/null) && [ -n "$st" ] && [ "${st#Z}" = "$st" ]; do
		[ $((n % 10)) -eq 0 ] && kill "$1" 2>/dev/null
		[ $n -ge 100 ] && kill -KILL "$1" 2>/dev/null
		sleep 0.1
		n=$((n + 1))
	done
	wait "$1" 2>/dev/null
}

# up URL: wait (5 s at most) until URL answers.
up() {
	tries=0
	while [ $tries -lt 50 ]; do
		curl -s -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
		sleep 0.1
		tries=$((tries + 1))
	done
	return 1
}

# For the tests that run a real nginx (formats.sh, varnish.sh, proxies.sh).
# nginx_conf_head DIR: the start of an nginx.conf for a test server kept
# in DIR (temporary files in DIR/tmp), in the foreground, logging nothing
# until a server asks; it ends inside "http {" for the caller to go on.
nginx_conf_head() {
	# As root, workers must run as root to write in our 0700 directory.
	[ "$(id -u)" -eq 0 ] && echo "user root;"
	cat <<EOF
worker_processes 1;
daemon off;
pid $1/nginx.pid;
error_log $1/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $1/tmp/body;
    proxy_temp_path $1/tmp/proxy;
    fastcgi_temp_path $1/tmp/fastcgi;
    uwsgi_temp_path $1/tmp/uwsgi;
    scgi_temp_path $1/tmp/scgi;
EOF
}

# nginx_origin PORT: a server block for a camera origin on PORT: each
# /still/CAMERA/TIER returns a frame with the camera and a frame id in
# X-Camera-Device and X-Frame-Id.
nginx_origin() {
	cat <<EOF
    server {
        listen 127.0.0.1:$1;
        location ~ ^/still/(?<cam>[^/]+)/(?<tier>[a-z]+)\$ {
            add_header X-Camera-Device \$cam;
            add_header X-Frame-Id "\$cam-\$tier-\$request_id";
            return 200 "frame of \$cam\n";
        }
    }
EOF
}
