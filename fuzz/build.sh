#!/bin/sh
# Build the libFuzzer targets fuzz/fuzz_*.c with clang, ASan and UBSan.
#
#   fuzz/build.sh [OUTDIR [CONFIG_H]]
#
# OUTDIR defaults to fuzz/out (relative to the current directory).
# CONFIG_H is the configured build tree's config.h; without it, the one in
# the source tree is used when there is one, else a minimal one that asks
# for what configure's AC_USE_SYSTEM_EXTENSIONS would.  FUZZ_CC names the
# compiler (default clang); FUZZ_CFLAGS adds flags.  The library sources
# are every src/*.c except main.c and the commands; the linker takes only
# what a target needs.
set -eu

srcdir=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-fuzz/out}
config=${2:-}
cc=${FUZZ_CC:-clang}

if ! command -v "$cc" > /dev/null 2>&1; then
	echo "fuzz/build.sh: $cc not found (apt-get install clang libclang-rt-dev)" >&2
	exit 2
fi
mkdir -p "$out/obj" "$out/include"
out=$(cd "$out" && pwd)

if [ -z "$config" ] && [ -f "$srcdir/config.h" ]; then
	config=$srcdir/config.h
fi
if [ -n "$config" ]; then
	[ -f "$config" ] || { echo "fuzz/build.sh: $config: no such file" >&2; exit 2; }
	cp "$config" "$out/include/config.h"
else
	cat > "$out/include/config.h" <<'CONFIG'
/* Minimal config.h for the fuzz build: what AC_USE_SYSTEM_EXTENSIONS sets. */
#define _GNU_SOURCE 1
#define _ALL_SOURCE 1
#define _DARWIN_C_SOURCE 1
#define _NETBSD_SOURCE 1
#define _OPENBSD_SOURCE 1
#define _POSIX_PTHREAD_SEMANTICS 1
#define _TANDEM_SOURCE 1
#define __EXTENSIONS__ 1
CONFIG
fi

libs_pc="sqlite3 zlib"
if pkg-config --exists libpcre2-8 2> /dev/null; then
	libs_pc="$libs_pc libpcre2-8"
fi
# shellcheck disable=SC2086
pc_cflags=$(pkg-config --cflags $libs_pc)
# shellcheck disable=SC2086
pc_libs=$(pkg-config --libs $libs_pc)

# Any sanitizer report is a crash for libFuzzer: UBSan must not recover.
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
cflags="-std=c11 -g -O1 -fno-omit-frame-pointer $san
	-I$out/include -I$srcdir/src ${FUZZ_CFLAGS:-}"
# The targets are held to the project's warnings; src/ is checked by the
# regular build (with the project's compiler), so clang's opinions of it
# are left out here.
warn="-Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes
	-Wmissing-prototypes -Wvla -Werror"

# The library, instrumented for coverage (fuzzer-no-link: no main()).
rm -f "$out/obj/"*.o "$out/libcamaudit-fuzz.a"
for c in "$srcdir"/src/*.c; do
	name=$(basename "$c" .c)
	case $name in
	main | cmd_*) continue ;;
	esac
	# shellcheck disable=SC2086
	"$cc" $cflags -w $pc_cflags -fsanitize=fuzzer-no-link -c "$c" \
		-o "$out/obj/$name.o"
done
ar rcs "$out/libcamaudit-fuzz.a" "$out/obj/"*.o

for c in "$srcdir"/fuzz/fuzz_*.c; do
	name=$(basename "$c" .c)
	# shellcheck disable=SC2086
	"$cc" $cflags $warn $pc_cflags -I"$srcdir/fuzz" -fsanitize=fuzzer "$c" \
		"$out/libcamaudit-fuzz.a" $pc_libs -o "$out/$name"
	echo "  FUZZ     $out/$name"
done
