#!/bin/sh
# Run every fuzz target for SECONDS seconds each (CI: about 60).
#
#   fuzz/run.sh SECONDS [TARGET...]
#
# Builds the targets first when they are missing or older than a source
# (fuzz/build.sh into $FUZZ_OUT, default fuzz/out; $FUZZ_CONFIG_H is passed
# on as the config.h).  Each target first runs its saved reproducers
# (fuzz/regressions/TARGET-*), then fuzzes a copy of its seed corpus in a
# temporary directory, so the tree is never written.  Exits 1 when any
# target crashes, leaks, runs out of memory or times out, naming the
# reproducer, which is kept (with the log) while everything else is removed.
set -u

usage() {
	echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
seconds=$1
shift
case $seconds in
'' | *[!0-9]*) usage ;;
esac

srcdir=$(cd "$(dirname "$0")/.." && pwd)
out=${FUZZ_OUT:-fuzz/out}
targets=${*:-logfmt timefmt input ingest format store}

# The longest input per target: a line is at most 64 KiB, timestamps and
# durations are short, the reader needs room for lines past the limit.
max_len() {
	case $1 in
	logfmt) echo 8192 ;;
	timefmt) echo 2048 ;;
	input) echo 131072 ;;
	ingest) echo 65536 ;;
	store) echo 1024 ;;
	*) echo 4096 ;;
	esac
}

dictionary() {
	case $1 in
	logfmt | ingest) echo "$srcdir/fuzz/logfmt.dict" ;;
	*) echo "$srcdir/fuzz/$1.dict" ;;
	esac
}

# Build when a binary is missing or anything it is made of is newer.
need_build=0
for t in $targets; do
	bin=$out/fuzz_$t
	[ -f "$srcdir/fuzz/fuzz_$t.c" ] || { echo "fuzz/run.sh: no target '$t'" >&2; exit 2; }
	if [ ! -x "$bin" ] || [ -n "$(find "$srcdir/src" "$srcdir/fuzz" \
		\( -name '*.[ch]' -o -name build.sh \) -newer "$bin" -print)" ]; then
		need_build=1
	fi
done
if [ $need_build = 1 ]; then
	"$srcdir/fuzz/build.sh" "$out" ${FUZZ_CONFIG_H:+"$FUZZ_CONFIG_H"} || exit 1
fi
out=$(cd "$out" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/camaudit-fuzz-run.XXXXXX") || exit 1
failed=0
summary=

for t in $targets; do
	dir=$work/$t
	mkdir -p "$dir/corpus" "$dir/tmp"
	cp "$srcdir/fuzz/corpus/$t/"* "$dir/corpus/"

	# Known reproducers first: each must now run clean.
	for r in "$srcdir/fuzz/regressions/$t"-*; do
		[ -f "$r" ] || continue
		if TMPDIR=$dir/tmp "$out/fuzz_$t" "$r" > "$dir/regression.log" 2>&1; then
			cp "$r" "$dir/corpus/"
		else
			echo "fuzz: $t: FAILED on the saved reproducer $r" >&2
			tail -n 40 "$dir/regression.log" >&2
			failed=1
			summary="$summary
  $t: regression $r fails"
		fi
	done

	echo "fuzz: $t: $seconds s" >&2
	dict=$(dictionary "$t")
	[ -f "$dict" ] && dict_opt=-dict=$dict || dict_opt=
	# -close_fd_mask=3: camaudit's own messages (rejected lines) would
	# drown the log; sanitizer reports and fuzz checks still get through.
	# shellcheck disable=SC2086
	TMPDIR=$dir/tmp "$out/fuzz_$t" \
		-max_total_time="$seconds" -timeout=10 -rss_limit_mb=512 \
		-max_len="$(max_len "$t")" -print_final_stats=1 \
		-close_fd_mask=3 -artifact_prefix="$dir/" $dict_opt \
		"$dir/corpus" > "$dir/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log")
	artifacts=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o \
		-name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) -print)
	if [ $rc -ne 0 ] || [ -n "$artifacts" ]; then
		failed=1
		echo "fuzz: $t: FAILED (libFuzzer exit $rc); the log ends:" >&2
		tail -n 60 "$dir/log" >&2
		for a in $artifacts; do
			echo "fuzz: $t: reproducer: $a (run: $out/fuzz_$t $a)" >&2
		done
		summary="$summary
  $t: FAILED ${artifacts:-"(no reproducer written; log: $dir/log)"}"
	else
		summary="$summary
  $t: ok, ${runs:-?} runs, ${rate:-?} exec/s"
		rm -rf "$dir"
	fi
done

echo "fuzz: results:$summary" >&2
if [ $failed = 0 ]; then
	rm -rf "$work"
	exit 0
fi
echo "fuzz: kept $work" >&2
exit 1
