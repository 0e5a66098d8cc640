#!/bin/sh
# The command line contract: help, version, and exit status 2 with a
# one-line pointer to --help for every kind of usage error.
. "$srcdir/tests/lib.sh"

expect_exit 0 "--help exits 0" camaudit --help
for cmd in ingest audit scan status prune explain report help; do
	grep_file "--help lists $cmd" "^  $cmd " out
done
expect_exit 0 "--version exits 0" camaudit --version
grep_file "--version prints name and version" '^camaudit [0-9]+\.[0-9]+\.[0-9]+$' out

expect_exit 2 "no command is a usage error" camaudit
expect_exit 2 "an unknown command is a usage error" camaudit frobnicate
grep_file "the unknown command is named with a pointer to --help" \
	"^camaudit: unknown command 'frobnicate'; see 'camaudit --help'$" err
equal "the usage error is one line" 1 "$(wc -l < err)"
expect_exit 2 "an unknown global option is a usage error" camaudit --frob

for cmd in ingest audit scan status prune explain report; do
	expect_exit 0 "$cmd --help exits 0" camaudit $cmd --help
	grep_file "$cmd --help shows its usage" "^usage: camaudit $cmd " out
	cp out help.$cmd
	expect_exit 2 "$cmd rejects an unknown long option" camaudit $cmd --bogus x
	grep_file "$cmd names the unknown option" \
		"^camaudit: unknown option '--bogus'; see 'camaudit $cmd --help'$" err
	equal "$cmd: the usage error is one line" 1 "$(wc -l < err)"
	expect_exit 2 "$cmd rejects an unknown short option" camaudit $cmd -Z
	grep_file "$cmd names the unknown short option" "unknown option '-Z'" err
done
for opt in --since --until --type --format --skew --db --quiet --help; do
	grep_file "audit --help documents $opt" "$opt" help.audit
done
for opt in --since --until --type --format --skew --quiet --help; do
	grep_file "scan --help documents $opt" "$opt" help.scan
done
expect_exit 0 "help COMMAND works" camaudit help scan
check "help COMMAND equals COMMAND --help" cmp -s out help.scan
expect_exit 0 "help alone works" camaudit help
cp out help.list
grep_file "help is in the command list" "^  help +show this list" help.list
camaudit --help > out
check "help alone equals --help" cmp -s out help.list
expect_exit 0 "help --help works" camaudit help --help
grep_file "help --help shows help's usage" "^usage: camaudit help \[COMMAND\]$" out
expect_exit 0 "help help is help --help" camaudit help help
grep_file "it shows help's usage" "^usage: camaudit help \[COMMAND\]$" out
expect_exit 2 "help of an unknown command is a usage error" camaudit help stauts
grep_file "with the nearest command" "unknown command 'stauts' \(did you mean 'status'\?\)" err
expect_exit 2 "help takes one command" camaudit help audit scan
grep_file "the extra one is named" "^camaudit: unexpected argument 'scan'; see 'camaudit help --help'$" err

expect_exit 2 "ingest without files is a usage error" camaudit ingest
expect_exit 2 "scan without files is a usage error" camaudit scan
expect_exit 2 "audit takes no operands" camaudit audit extra.log
grep_file "audit points at scan for files" "camaudit scan" err
expect_exit 2 "a flag given a value is a usage error" camaudit audit --quiet=1
grep_file "it names the flag as typed" "^camaudit: option '--quiet' takes no value; see 'camaudit audit --help'$" err
expect_exit 2 "an ambiguous abbreviation is a usage error" camaudit audit --s 1
grep_file "it says so and names the candidates" \
	"^camaudit: ambiguous option '--s' \(could be --since, --skew\); see 'camaudit audit --help'$" err
expect_exit 2 "with a value after '=' too" camaudit audit --s=1
grep_file "the value is left out of the message" "ambiguous option '--s' \(could be --since, --skew\)" err
expect_exit 2 "an unambiguous abbreviation works" camaudit audit --sin 2019-12-26 --ske 2s --db missing.db
grep_file "it got as far as the database" "missing.db does not exist" err
expect_exit 2 "a near miss of an option is a usage error" camaudit audit --sinse 2h
grep_file "that suggests the nearest option" \
	"^camaudit: unknown option '--sinse' \(did you mean '--since'\?\); see 'camaudit audit --help'$" err
expect_exit 2 "two letters swapped count as one slip" camaudit export --formta json
grep_file "and are suggested" "unknown option '--formta' \(did you mean '--format'\?\)" err
expect_exit 2 "a near miss of a command is a usage error" camaudit stauts
grep_file "that suggests the nearest command" \
	"^camaudit: unknown command 'stauts' \(did you mean 'status'\?\); see 'camaudit --help'$" err
expect_exit 2 "a near miss of a global option" camaudit --verison
grep_file "suggests the global option" "unknown option '--verison' \(did you mean '--version'\?\)" err
expect_exit 2 "a lone dash is an unknown option" camaudit -
grep_file "without a suggestion" "^camaudit: unknown option '-'; see 'camaudit --help'$" err
expect_exit 2 "an operand with terminal escapes is a usage error" camaudit audit "evil$(printf '\033')[2J"
check "the escape does not reach the terminal" sh -c '! grep -q "$(printf "\033")" err'
grep_file "it is shown escaped" "unexpected argument 'evil\\\\x1b\\[2J'" err
expect_exit 2 "an option without its value is a usage error" camaudit audit --db
grep_file "the option missing a value is named" "option '--db' needs a value" err

expect_exit 2 "a bad --type is a usage error" camaudit audit --type cross
grep_file "the bad --type is named" "invalid --type 'cross'" err
expect_exit 2 "a bad --format is a usage error" camaudit audit --format xml
expect_exit 2 "a bad --skew is a usage error" camaudit audit --skew 2x
expect_exit 2 "a bad --since is a usage error" camaudit audit --since 2019-13-01
expect_exit 2 "an empty window is a usage error" \
	camaudit audit --since 2019-12-27 --until 2019-12-26
expect_exit 2 "scan checks options before reading files" \
	camaudit scan --format xml "$srcdir/tests/data/small"

expect_exit 2 "audit of a missing database is a configuration error" \
	camaudit audit --db "$TEST_DIR/missing.db"
grep_file "the missing database is named with the way out" \
	"missing.db does not exist .*camaudit ingest" err
check "audit did not create the missing database" test ! -e missing.db
CAMAUDIT_DB="$TEST_DIR/env.db" camaudit ingest -q "$srcdir/tests/data/small/registry.log"
check "CAMAUDIT_DB is the default database" test -s env.db

done_testing
