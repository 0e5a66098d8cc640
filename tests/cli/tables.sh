#!/bin/sh
# The tables for cut and awk, and for a terminal (issue 15): audit, scan,
# status, report, export, normalize and formats list with --format tsv,
# --no-header, and text tables that fit 80 columns on a terminal (found
# with isatty, tried through script(1)'s pty and $CAMAUDIT_COLUMNS) but
# keep every column with --wide or in a pipe.
. "$srcdir/tests/lib.sh"

small="$srcdir/tests/data/small"
camaudit ingest -q --db s.db "$small"
tab=$(printf '\t')

# --- TSV ------------------------------------------------------------------------
expect_exit 6 "--format tsv" camaudit audit --db s.db --type all --format tsv
equal "the TSV header names the columns of CSV" \
	"type${tab}served_at${tab}request_id${tab}viewer_account${tab}requested_device${tab}key${tab}frame${tab}cache${tab}relay${tab}node${tab}origin_device${tab}owner_account${tab}filled_at${tab}serve_ref${tab}fill_ref" \
	"$(head -n 1 out)"
equal "one line per finding after the header" 8 "$(wc -l < out)"
check "lines end in LF alone" sh -c '! grep -q "$(printf "\r")" out'
equal "every line has the 15 fields" 15 "$(awk -F "$tab" '{ print NF }' out | sort -u)"
equal "a field is cut out by name's position" "r-03 acct-2" \
	"$(awk -F "$tab" '$3 == "r-03" { print $3, $4 }' out)"
equal "the same rows as JSON, in order" \
	"$(camaudit audit --db s.db --type all --format json 2>/dev/null | "$JQ" -r .request_id)" \
	"$(tail -n +2 out | cut -f 3)"

# Hostile values: no tab, newline or escape character inside a field.
esc=$(printf '\033')
{
	echo "ts=2019-12-26T08:00:00Z op=fill node=n key=k device=cam-x"
	printf 'ts=2019-12-26T08:00:01Z req="a\\tb" account="x\\ny\\033[2J" key=k node=n\n' |
		sed "s/\\\\t/$tab/; s/\\\\033/$esc/"
	echo 'ts=2019-12-26T08:00:02Z req=+1 account=@acct key=k node=n'
} > hostile.log
camaudit ingest -q --db h.db hostile.log
expect_exit 1 "hostile values as TSV" camaudit audit --db h.db --type all --format tsv
equal "a tab in a value does not split the field" 15 "$(awk -F "$tab" '{ print NF }' out | sort -u)"
check "no escape character reaches the terminal" sh -c '! grep -q "$(printf "\033")" out'
grep_file "tab and escape are shown escaped" "a\\\\tb${tab}x\\\\ny\\\\x1b\[2J" out
grep_file "formula-like cells are defused as in CSV" "${tab}'\+1${tab}'@acct${tab}" out
expect_exit 1 "--keep-formulas for TSV" camaudit audit --db h.db --type all --format tsv --keep-formulas
grep_file "the value is as logged" "${tab}\+1${tab}@acct${tab}" out

# --- --no-header -----------------------------------------------------------------
for format in table csv tsv; do
	camaudit audit --db s.db --type all --format "$format" > with 2>/dev/null
	expect_exit 6 "--no-header, $format" camaudit audit --db s.db --type all --format "$format" --no-header
	equal "$format: the same lines but the first" "$(tail -n +2 with)" "$(cat out)"
done
expect_exit 6 "--no-header leaves JSON alone" camaudit audit --db s.db --type all --format json --no-header
equal "JSON has one object per finding" 7 "$(wc -l < out)"
expect_exit 1 "scan takes --no-header and tsv" camaudit scan -q --format tsv --no-header --min-traced 0 --type cross_tenant "$small"
equal "scan: two findings, no header" 2 "$(wc -l < out)"

# --- width ------------------------------------------------------------------------
expect_exit 6 "a table in a pipe" camaudit audit --db s.db --type all
cp out piped
check "in a pipe it is wider than 80 columns" test "$(awk '{ print length }' piped | sort -n | tail -n 1)" -gt 80
expect_exit 6 "CAMAUDIT_COLUMNS=80 fits it as on a terminal" \
	env CAMAUDIT_COLUMNS=80 "$CAMAUDIT" audit --db s.db --type all
equal "no line is longer than 80" "" "$(awk 'length > 80' out)"
grep_file "the heading keeps the columns that matter" "^TYPE +SERVED_AT +VIEWER +OWNER +SERVE_REF$" out
grep_file "a long reference is cut at the start, keeping its line" "~[^ ]*relay\.log:3$" out
equal "one row per finding still" 8 "$(wc -l < out)"
expect_exit 6 "--wide keeps every column" env CAMAUDIT_COLUMNS=80 "$CAMAUDIT" audit --db s.db --type all --wide
equal "--wide is the piped table" "$(cat piped)" "$(cat out)"
expect_exit 6 "CSV is never cut" env CAMAUDIT_COLUMNS=20 "$CAMAUDIT" audit --db s.db --type all --format csv
check "CSV keeps its full lines" test "$(awk '{ print length }' out | sort -n | tail -n 1)" -gt 80

# --- status -------------------------------------------------------------------------
expect_exit 0 "status --format tsv" camaudit status -q --db s.db --format tsv
grep_file "each part has its header, section first" \
	"^section${tab}name${tab}fingerprint${tab}kind${tab}lines${tab}bytes${tab}events${tab}rejected${tab}last_ingested_at${tab}damaged\$" out
grep_file "the gaps' header too" "^section${tab}hour${tab}node${tab}serves${tab}deliveries\$" out
equal "the sources are the JSON's, by name" \
	"$(camaudit status -q --db s.db --format json | "$JQ" -r '.sources[].name')" \
	"$(awk -F "$tab" '$1 == "sources" { print $2 }' out)"
equal "a count is a bare number" \
	"$(camaudit status -q --db s.db --format json | "$JQ" -r '.sources[0].lines')" \
	"$(awk -F "$tab" '$1 == "sources" { print $5; exit }' out)"
expect_exit 0 "status --format csv --no-header" camaudit status -q --db s.db --format csv --no-header
check "no header line in CSV" sh -c '! grep -q "^section," out'
equal "CSV has the rows of TSV" "$(grep -vc "^section" out)" "$(wc -l < out)"
check "CSV lines end in CRLF" sh -c 'test "$(grep -c "$(printf "\r")\$" out)" -eq "$(wc -l < out)"'
expect_exit 0 "status --no-header in text" camaudit status -q --db s.db --no-header
check "the counting lines stay" grep -q "^sources: [0-9]" out
check "the column headings go" sh -c '! grep -q "^  NAME " out'
mkdir -p "a-rather-long-directory-name-for-the-logs/of-the-relays-and-caches"
cp "$small"/* "a-rather-long-directory-name-for-the-logs/of-the-relays-and-caches/"
camaudit ingest -q --db long.db "$PWD/a-rather-long-directory-name-for-the-logs"
expect_exit 0 "status in 80 columns" env CAMAUDIT_COLUMNS=80 "$CAMAUDIT" status -q --db long.db
equal "status: no line is longer than 80" "" "$(awk 'length > 80' out)"
grep_file "a long name is cut at its start" "^  ~.*/relay.log " out
expect_exit 0 "status --wide" env CAMAUDIT_COLUMNS=80 "$CAMAUDIT" status -q --db long.db --wide
grep_file "--wide keeps the fingerprint" "^  NAME +FINGERPRINT" out

# --- report ---------------------------------------------------------------------------
expect_exit 1 "report --format tsv --list owners" camaudit report -q --db s.db --format tsv --list owners
camaudit report -q --db s.db --format csv --list owners > owners.csv
equal "the TSV list is the CSV list with tabs" "$(tr -d '\r' < owners.csv | tr ',' "$tab")" "$(cat out)"
expect_exit 1 "report --format tsv --no-header" camaudit report -q --db s.db --format tsv --list recipients --no-header
check "no header line" sh -c '! grep -q "^recipient" out'
equal "one line per recipient and camera" \
	"$(camaudit report -q --db s.db --format json | "$JQ" '[.recipients[].exposures[]] | length')" "$(wc -l < out)"
expect_exit 2 "tsv needs --list too" camaudit report -q --db s.db --format tsv
grep_file "and says so" "--format tsv writes one list" err
expect_exit 1 "report text in 40 columns" env CAMAUDIT_COLUMNS=40 "$CAMAUDIT" report -q --db s.db
grep_file "its text columns are cut short to fit" "^  rela~  2019-" out
grep_file "counts and times are never cut, the lesser counts left out" \
	"^      1  2019-12-26T08:14:02.000Z  2019-12-26T08:15:02.000Z +2 +2$" out
grep_file "a reference keeps its line" " ~[^ ]*:3$" out
expect_exit 1 "report --wide" env CAMAUDIT_COLUMNS=40 "$CAMAUDIT" report -q --db s.db --wide
grep_file "--wide keeps the names whole" "^  relay-a  2019-" out
# The samples' incident in 80 columns: every table fits, by leaving out
# times and lesser counts, and the accounts stay whole.
camaudit ingest -q --db samples.db "$srcdir/samples"
expect_exit 1 "report of the samples in 80 columns" \
	env CAMAUDIT_COLUMNS=80 "$CAMAUDIT" report -q --db samples.db
equal "no table line is longer than 80" "" "$(awk '/^  / && length > 80' out)"
check "an account is never cut short" sh -c '! grep -Eq "acct-?[0-9]{0,3}~" out'
grep_file "bursts keep their span and owners" \
	"^  BURST  FIRST +LAST +DELIVERIES  OWNERS$" out
grep_file "owners keep their first exposure" \
	"^  OWNER +DEVICES  RECIPIENTS  FRAMES  DELIVERIES  FIRST$" out
expect_exit 1 "and with --wide" env CAMAUDIT_COLUMNS=80 "$CAMAUDIT" report -q --db samples.db --wide
grep_file "every column is back" "^  OWNER +DEVICES  RECIPIENTS  FRAMES  DELIVERIES  FIRST +LAST$" out
expect_exit 1 "report text, --no-header" camaudit report -q --db s.db --no-header
check "the title lines stay" grep -q "^affected owners: 2" out
check "the column headings go" sh -c '! grep -q "^  OWNER " out'

# --- export and normalize ------------------------------------------------------------
expect_exit 0 "export --format tsv" camaudit export -q --db s.db --format tsv
camaudit export -q --db s.db --format csv > events.csv
equal "export: TSV has CSV's lines (no comma or quote in these values)" \
	"$(tr -d '\r' < events.csv | tr ',' "$tab")" "$(cat out)"
expect_exit 0 "export --format tsv --no-header" camaudit export -q --db s.db --format tsv --no-header
equal "export: the same lines but the header" "$(tail -n +2 events.csv | tr -d '\r' | tr ',' "$tab")" "$(cat out)"
expect_exit 0 "normalize --format tsv --no-header" camaudit normalize -q --format tsv --no-header hostile.log
equal "normalize: one line per event" 3 "$(wc -l < out)"
equal "a tab in a value does not split the field" 1 "$(awk -F "$tab" '{ print NF }' out | sort -u | wc -l)"
grep_file "tab and escape are shown escaped" "x\\\\ny\\\\x1b\\[2J${tab}([^${tab}]*${tab}){2}a\\\\tb${tab}" out

# --- formats list ----------------------------------------------------------------------
camaudit formats list > list.table
expect_exit 0 "formats list --format tsv --no-header" camaudit formats --format tsv --no-header list
equal "the TSV names are the table's" "$(awk 'NR > 1 { print $1 }' list.table)" "$(cut -f 1 out)"
equal "four fields on every line" 4 "$(awk -F "$tab" '{ print NF }' out | sort -u)"
expect_exit 0 "formats list --format json" camaudit formats --format json list
equal "one JSON object per format, its name first" \
	"$(awk 'NR > 1 { print $1 }' list.table)" \
	"$("$JQ" -r .name out)"
equal "with its kind, origin and description" "logfmt any built-in" \
	"$("$JQ" -r 'select(.name == "logfmt") | "\(.name) \(.kind) \(.origin)"' out)"
expect_exit 0 "formats list --format csv" camaudit formats --format csv list
equal "the CSV header names the keys" "name,kind,origin,description" "$(head -n 1 out | tr -d '\r')"
expect_exit 0 "formats list in 60 columns" env CAMAUDIT_COLUMNS=60 "$CAMAUDIT" formats list
equal "formats list: no line is longer than 60" "" "$(awk 'length > 60' out)"
grep_file "the origin goes first, the names stay" "^NAME +KIND +DESCRIPTION$" out
expect_exit 2 "--format is for list" camaudit formats --format json show nginx
grep_file "and says so" "--format, --no-header and --wide are for list" err

if script -qc true /dev/null > /dev/null 2>&1; then
	script -qc "\"$CAMAUDIT\" audit -q --db s.db --type all --min-traced 0" /dev/null < /dev/null |
		tr -d '\r' > tty
	equal "on a terminal (script's pty) no line is longer than 80" "" "$(awk 'length > 80' tty)"
	grep_file "and it has the narrow heading" "^TYPE +SERVED_AT +VIEWER +OWNER +SERVE_REF$" tty
	script -qc "\"$CAMAUDIT\" audit -q --db s.db --type all --min-traced 0 --wide" /dev/null < /dev/null |
		tr -d '\r' > tty
	equal "--wide on a terminal: the full table" "$(cat piped)" "$(cat tty)"
else
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP script(1) cannot open a pty here (bsdutils)"
fi

done_testing
