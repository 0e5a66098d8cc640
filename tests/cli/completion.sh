#!/bin/sh
# The bash completion (contrib/bash-completion/camaudit): every command,
# every option of each command's --help, the values of --type, --format,
# --events, --list and --input-format, format names, files and directories.
. "$srcdir/tests/lib.sh"

command -v bash > /dev/null 2>&1 || { echo "1..0 # SKIP bash not installed"; exit 0; }
completion="$srcdir/contrib/bash-completion/camaudit"

# completes WORD...: what TAB offers after the words (the last is the one
# being typed), one a line, sorted.
completes() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		_camaudit; printf "%s\n" "${COMPREPLY[@]}"' sh "$completion" "$CAMAUDIT" "$@" |
		LC_ALL=C sort
}
# The options of a --help, read here apart from the completion's own way.
help_options() {
	camaudit "$1" --help | awk '/^options:/ { on = 1; next }
		on && /^ +-/ { for (i = 1; i <= NF; i++) if ($i ~ /^--/) { print $i; break } }'
}

commands=$(camaudit --help | awk '/^commands:/ { on = 1; next } on && NF { print $1 } on && !NF { exit }')
check "camaudit --help lists commands" test -n "$commands"
equal "every command is completed" \
	"$(printf '%s\n' $commands --help --version | LC_ALL=C sort)" "$(completes "")"
equal "a prefix completes to its command" audit "$(completes au)"
equal "help completes a command" audit "$(completes help au)"

for cmd in $commands; do
	help_options "$cmd" | LC_ALL=C sort > want
	completes "$cmd" -- > got
	check "$cmd --help has options" test -s want
	equal "every option of $cmd --help is completed, and nothing else" "$(cat want)" "$(cat got)"
done
grep_file "short options too" "^-t$" "$(completes audit - > short; echo short)"

equal "--type: the finding types" "all
cross_tenant
device_mismatch
unattributed
unknown_owner" "$(completes audit --type "")"
equal "--type: the last element of a comma list" "cross_tenant,unattributed
cross_tenant,unknown_owner" "$(completes audit --type cross_tenant,un)"
equal "--format of audit" "csv
json
table
tsv" "$(completes audit --format "")"
equal "--format=, as bash splits it" "csv
json
table
tsv" "$(completes scan --format = "")"
equal "-f of report" "csv
html
json
text
tsv" "$(completes report -f "")"
equal "--events of export" "all
binding
fill
removal
serve
share" "$(completes export --events "")"
equal "--list of report" "owners
recipients" "$(completes report --list "")"
formats=$(camaudit formats list | awk 'NR > 1 { print $1 }' | LC_ALL=C sort)
check "formats list names formats" test -n "$formats"
equal "--input-format: the names of formats list" "$formats" "$(completes ingest --input-format "")"
equal "formats: its actions" "list
show
test" "$(completes formats "")"
equal "formats show: the names" "$formats" "$(completes formats show "")"
equal "an option's value that is a duration gets nothing" "" "$(completes audit --skew "")"

mkdir -p logs/relay
: > logs/relay.log
: > store.db
equal "ingest: files and directories" "logs/relay
logs/relay.log" "$(completes ingest logs/rel)"
equal "scan: the same" "logs/relay
logs/relay.log" "$(completes scan --quiet logs/rel)"
equal "--db: a file" "store.db" "$(completes status --db sto)"
equal "formats test: a file" "store.db" "$(completes formats test sto)"

done_testing
