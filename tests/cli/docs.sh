#!/bin/sh
# Documentation is part of the contract: every example in the README and
# the man page runs, every option in --help has a man page entry, the man
# page renders without warnings, and the README's dependency list is the
# one CI installs.
. "$srcdir/tests/lib.sh"

man="$srcdir/man/camaudit.1"
readme="$srcdir/README.md"

mkdir bin
ln -s "$CAMAUDIT" bin/camaudit
PATH="$TEST_DIR/bin:$PATH"
export PATH
cp -R "$srcdir/samples" samples
chmod -R u+w samples

# Examples are the lines that start with "$ " in the README's ```sh blocks
# and in the man page's .EX/.EE blocks (roff escapes undone).
awk '/^```sh/ { on = 1; next } /^```/ { on = 0 } on && /^\$ / { sub(/^\$ /, ""); print }' \
	"$readme" > readme.examples
awk '/^\.EX/ { on = 1; next } /^\.EE/ { on = 0 } on && /^\$ / { sub(/^\$ /, ""); print }' \
	"$man" | sed 's/\\-/-/g; s/\\(aq/'"'"'/g; s/\\(dq/"/g; s/\\e/\\/g; s/\\&//g' > man.examples
check "the README has runnable examples" test -s readme.examples
check "the man page has runnable examples" test -s man.examples

# Each example must run as documented: exit 0 or 1 (findings), or 5 or 6
# (the same, blind: an example of a window without data), never a usage
# error (2) or a failure (3), and no complaint on stderr.
run_examples() {
	while IFS= read -r example; do
		sh -c "$example" > example.out 2> example.err < /dev/null
		status=$?
		if { [ $status -le 1 ] || [ $status -eq 5 ] || [ $status -eq 6 ]; } && ! grep -Eq "see 'camaudit|:[0-9]+: rejected|does not exist|No such file|no serve has" example.err; then
			ok "$1 example runs: $example"
		else
			not_ok "$1 example runs: $example (exit $status)"
			show example.err
		fi
	done
}
run_examples README < readme.examples
# Copied as written, the README must not mark findings as reported (audit
# --new would then never print them) nor quote an SQL string with double
# quotes (an identifier to SQL; an error where SQLite is built without
# that leniency).
equal "the README's examples leave nothing marked as reported" 0 \
	"$(rows incident.db 'SELECT count(*) FROM reported')"
check "no example quotes an SQL string with double quotes" \
	sh -c '! grep -E "^sqlite3 .*= \"" readme.examples man.examples'
run_examples man < man.examples

# Every option of every command is in the man page, as a whole word once
# roff's \- is read as the hyphen it renders as.
sed 's/\\-/-/g' "$man" > man.plain
for cmd in $(camaudit --help | awk '/^commands:/ { on = 1; next } on && NF { print $1 } on && !NF { exit }'); do
	camaudit $cmd --help | grep -Eo -- '--[a-z][a-z-]*' | sort -u > options.$cmd
	while read -r opt; do
		if grep -Eq -- "$opt([^a-z-]|\$)" man.plain; then
			ok "man page documents $cmd $opt"
		else
			not_ok "man page documents $cmd $opt"
		fi
	done < options.$cmd
done
for section in NAME SYNOPSIS DESCRIPTION COMMANDS INPUT CORRELATION OUTPUT "EXIT STATUS" ENVIRONMENT FILES EXAMPLES DIAGNOSTICS; do
	grep_file "man page has section $section" "^\.SH \"?$section\"?\$" "$man"
done

if command -v groff > /dev/null 2>&1; then
	groff -man -ww -z "$man" > groff.err 2>&1
	check "the man page renders without warnings" test ! -s groff.err
	show groff.err
else
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP groff not installed (apt-get install groff-base)"
fi

readme_packages=$(grep -o 'apt-get install -y [a-z0-9 .+-]*' "$readme" | head -n 1 | sed 's/apt-get install -y //; s/ *$//')
ci_packages=$(sed -n 's/^PACKAGES="\(.*\)"$/\1/p' "$srcdir/.ci/run")
equal "the README installs what CI installs" "$ci_packages" "$readme_packages"

done_testing
