#!/bin/sh
# The layers, read from the built objects with nm: a command file defines
# its struct command and nothing else that is global, only main.c uses it,
# and no two files of src/ call or include each other, directly or through
# others (issue 15: commands stand on the library alone; report_html.c
# once called back into cmd_report.c, store.c into schema.c).
. "$srcdir/tests/lib.sh"

objects=$(dirname "$CAMAUDIT")/src
command -v nm > /dev/null 2>&1 || { echo "1..0 # SKIP nm not installed (apt-get install binutils)"; exit 0; }
[ -f "$objects/main.o" ] || { echo "1..0 # SKIP no objects in $objects (built elsewhere?)"; exit 0; }

# One line per object: OBJECT D SYMBOL for what it defines, OBJECT U SYMBOL
# for what it uses from elsewhere.
for o in "$objects"/*.o; do
	name=$(basename "$o" .o)
	# The sanitizers' own symbols (__odr_asan.NAME and the like) are not
	# the program's.
	nm -g "$o" | awk -v o="$name" '
		$NF ~ /^__(odr_asan|asan|ubsan|sanitizer|sancov)/ { next }
		$1 == "U" { print o, "U", $2; next }
		NF == 3 && $2 ~ /^[BCDGRSTVW]$/ { print o, "D", $3 }'
done > symbols

# Each cmd_NAME.o defines exactly NAME_command.
for o in "$objects"/cmd_*.o; do
	name=$(basename "$o" .o)
	equal "$name defines only ${name#cmd_}_command" "${name#cmd_}_command" \
		"$(awk -v o="$name" '$1 == o && $2 == "D" { print $3 }' symbols | tr '\n' ' ' | sed 's/ $//')"
done

# What a command file defines, only main.o uses.
awk '$2 == "D" && $1 ~ /^cmd_/ { cmd[$3] = $1; next }
     $2 == "U" && ($3 in cmd) && $1 != "main" { print $1 " uses " $3 " of " cmd[$3] }' \
	symbols symbols > uses_commands
equal "only main.c uses what the command files define" "" "$(cat uses_commands)"
show uses_commands

# The pairs of modules that reach each other, directly or through
# others (a cycle of any length), in an edge list FILE of lines "A B"
# (A uses B); "A and B" with A < B, one a line.
cycles() {
	awk '{ edge[$1, $2] = 1; node[$1]; node[$2] }
	     END {
		for (a in node) {
			split("", seen)
			n = 0; queue[n++] = a
			for (i = 0; i < n; i++)
				for (b in node)
					if ((queue[i], b) in edge && !(b in seen)) {
						seen[b]
						queue[n++] = b
					}
			for (b in seen)
				reach[a, b] = 1
		}
		for (a in node)
			for (b in node)
				if (a < b && (a, b) in reach && (b, a) in reach)
					print a " and " b
	     }' "$1" | sort
}

# A module is a file of src/ without its extension; format.c,
# format_define.c and format_json.c are one, split along format_private.h.
module() { sed -e 's/^format_[a-z]* /format /' -e 's/ format_[a-z]*$/ format/'; }

# The call graph: who uses a symbol that another object defines.
awk '$2 == "D" { owner[$3] = $1; next }
     $2 == "U" && ($3 in owner) && owner[$3] != $1 { print $1, owner[$3] }' \
	symbols symbols | module | sort -u > calls
cycles calls > call_cycles
equal "no two files of src/ call each other, directly or through others" "" \
	"$(cat call_cycles)"

# The include graph, from the sources: who includes another's header.
for f in "$srcdir"/src/*.c "$srcdir"/src/*.h; do
	name=$(basename "$f"); name=${name%.*}
	sed -n 's/^#include "\([a-z_]*\)\.h".*/\1/p' "$f" | sed "s/^/$name /"
done | module | awk '$1 != $2' | sort -u > includes
cycles includes > include_cycles
equal "no two files of src/ include each other, directly or through others" "" \
	"$(cat include_cycles)"
check "the include graph was read (commands.c includes store_open.h)" \
	grep -qx "commands store_open" includes
equal "no file of src/ includes a .c file (as commands once did cmd_audit.c)" "" \
	"$(grep -l '^#include "[a-z_]*\.c"' "$srcdir"/src/*.c "$srcdir"/src/*.h)"

# The tests above can fail: a pair, and a cycle through three, are caught.
printf 'a b\nb a\n' > pair
equal "a pair that calls each other is caught" "a and b" "$(cycles pair)"
printf 'a b\nb c\nc a\nc d\n' > ring
equal "a cycle through three files is caught" "a and b
a and c
b and c" "$(cycles ring)"

done_testing
