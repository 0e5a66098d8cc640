#!/bin/sh
# camaudit report --format html: one self-contained file that fetches
# nothing, rendered by a real headless Chromium (Debian's chromium) to PNG
# and PDF without errors, whose headline numbers in the DOM are those of
# --format json, and in which markup from the logs stays text.  The browser
# part is skipped where /usr/bin/chromium is not installed.
. "$srcdir/tests/lib.sh"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
camaudit ingest -q --db r.db "$srcdir/tests/data/report"/*.log
camaudit ingest -q --db s.db "$srcdir/samples"
esc=$(printf '\033')
{
	echo 'ts=2019-12-01T00:00:00Z op=bind device=cam-1 account="<script>document.title=1</script>"'
	echo 'ts=2019-12-26T08:00:00Z op=fill node="<img src=x>" key=k device=cam-1 frame=f1 gen="<b>7"'
	echo 'ts=2019-12-26T09:00:00Z op=fill node="<img src=x>" key=k device=cam-1 frame=f2 gen="8\"'"'"'"'
	echo 'ts=2019-12-26T09:00:01Z req="<u>x1" account="<a href=\"http://evil.example/\">x</a>" key=k frame=f2 node="<img src=x>" relay="r\033[2J"'
} | sed "s/\\\\033/$esc/g" > '<b>hostile&.log'
camaudit ingest -q --db h.db '<b>hostile&.log'

started=$(date -u +%s)

# --- the file itself ------------------------------------------------------------
for name in r s h; do
	expect_exit 1 "$name: the report as HTML" camaudit report --db $name.db --format html -o $name.html
	check "$name: an HTML document" sh -c "head -n 1 $name.html | grep -qx '<!DOCTYPE html>' && tail -n 1 $name.html | grep -qx '</html>'"
	if [ $name != h ]; then # h's logs hold such text, escaped: see below
		check "$name: no http(s) URL anywhere" sh -c "! grep -Eiq 'https?:' $name.html"
		check "$name: nothing external (src, href, link, script, img, import, url())" \
			sh -c "! grep -Eiq '(src|href)=|<link|<script|<img|@import|url\\([^#]' $name.html"
	fi
	grep_file "$name: a content security policy that forbids fetching" \
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">" $name.html
	camaudit report --db $name.db --format json > $name.json
	camaudit report -q --db $name.db > $name.txt
done
check "h: markup from the logs is escaped, not written" sh -c "! grep -Eiq '<(a|img|script)[ >]|<[bu]>' h.html"
grep_file "h: a request id with markup is text" '<td>&lt;u&gt;x1</td>' h.html
grep_file "h: a file name with markup is text" '<span>&lt;b&gt;hostile&amp;\.log:4</span></td>' h.html
check "h: the only element with an href or src is none" sh -c "! grep -Eiq '<[a-z]+ [^>]*(href|src)=' h.html"
grep_file "the timeline is inline SVG" '<svg id="timeline" viewBox=' r.html
# --- incomplete ------------------------------------------------------------------------
expect_exit 0 "an empty window as HTML" camaudit report -q --db r.db --format html --since 2020-01-01 -o empty.html
grep_file "is incomplete: nothing was checked" '^<p id="incomplete-why">No deliveries in the store for this window, so nothing was checked\.</p>$' empty.html
grep_file "and its window says that no finding means unknown" \
	'^<p class="window" id="exposure">No cross-tenant delivery found in the window, but the report is incomplete: that means unknown, not clean\.</p>$' empty.html
expect_exit 1 "the fixture with --min-traced 84.5" camaudit report -q --db r.db --format html --min-traced 84.5 -o gaps.html
grep_file "is incomplete for its coverage gap alone" '^<p id="incomplete-why">4 deliveries fall in coverage gaps \(hours in which the cache node that served them wrote no cache log line\)\.</p>$' gaps.html
expect_exit 1 "the fixture after its gap" camaudit report -q --db r.db --format html --since 2019-12-26T11:00:00Z -o after.html
grep_file "is complete, and says so with its traced share" \
	'^<p class="complete" id="complete">Complete: 100\.0% of the deliveries were traced to a fill \(at least --min-traced 90%\) and none fall in a coverage gap\.</p>$' after.html
check "and has no banner" sh -c '! grep -q "id=\"incomplete\"" after.html'

# A scale in thousands: 12000 serves in one hour (no fill: unattributed).
awk 'BEGIN { for (i = 0; i < 12000; i++)
	printf "ts=2019-12-26T08:%02d:%02dZ req=r%d account=a key=k%d\n", i / 200, i % 60, i, i }' > many.log
camaudit ingest -q --db many.db many.log
expect_exit 0 "12000 deliveries in an hour" camaudit report -q --db many.db --format html -o many.html
equal "the scale's steps are written in thousands" "5000 10k 15k 0 5000 10k 15k 0" \
	"$(sed -n 's/.*<text class="tick"[^>]*>\([0-9.kM]*\)<.*/\1/p' many.html | tr '\n' ' ' | sed 's/ $//')"

hostile_db=$(printf 'h<i>"\033.db')
cp h.db "$hostile_db"
expect_exit 1 "a store with a hostile name" camaudit report --db "$hostile_db" --format html -o hp.html
grep_file "its name is shown escaped" '<code id="store">h&lt;i&gt;&quot;\\x1b\.db</code>' hp.html
check "no control character from it" sh -c '! LC_ALL=C grep -q "[$(printf "\001-\010\013\014\016-\037\177")]" hp.html'
grep_file "generation changes are marked on the timeline" 'stroke-dasharray="4 3"/>' r.html
grep_file "the coverage gap is shaded on the timeline" 'coverage gap: no cache log from cache-2' r.html

# --- in the browser ---------------------------------------------------------------
if [ ! -x "$CHROMIUM" ]; then
	test_count=$((test_count + 1))
	echo "ok $test_count # SKIP $CHROMIUM not installed: no rendering test (apt-get install chromium)"
	done_testing
	exit
fi
TIMEOUT=
command -v timeout > /dev/null 2>&1 && TIMEOUT="timeout 120"

# browser ARGS... URL: a headless run with a profile of its own and no
# network services; stdout in browser.out, stderr (with the page's console
# messages, logged as :CONSOLE lines) in browser.err.
browser() {
	profile=$(mktemp -d "$TEST_DIR/profile.XXXXXX")
	$TIMEOUT "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$profile" --enable-logging=stderr --v=0 \
		"$@" > browser.out 2> browser.err
}
id_value() { # ID FILE: the text of the element with that id in a DOM dump
	sed -n "s/.*id=\"$1\">\\([^<]*\\)<.*/\\1/p" "$2"
}
ticks() { # PANEL FILE: the labels of a timeline panel's scale, ascending
	sed -n "/<g id=\"panel-$1\">/,/<\/g>/p" "$2" |
		sed -n 's/.*<text class="tick"[^>]*>\([0-9]*\)<.*/\1/p' | sort -n | tr '\n' ' '
}
# round_scale MAX TICKS...: 0, then even steps of 1, 2 or 5 times a power
# of ten, at most 4 of them, the last the first at or above MAX.
round_scale() {
	echo "$@" | awk '{ max = $1; n = NF - 1; step = $3 - $2
		if ($2 != 0 || n < 2 || n > 5) exit 1
		for (i = 3; i <= NF; i++) if ($i - $(i - 1) != step) exit 1
		m = step; while (m >= 10 && m % 10 == 0) m /= 10
		if (m != 1 && m != 2 && m != 5) exit 1
		if ($NF < max || $NF - step >= max && max > 0) exit 1 }'
}
rows_of() { # ID FILE: the rows of the table with that id, cells ending in a tab
	sed -n "/<table id=\"$1\">/,/<\/table>/p" "$2" | grep '^<tr' |
		sed 's/<\/t[dh]>/\t/g; s/<[^>]*>//g'
}

for name in r s h; do
	url="file://$TEST_DIR/$name.html"
	if browser --window-size=1100,1600 --screenshot="$TEST_DIR/$name.png" "$url"; then
		ok "$name: Chromium renders it to PNG"
	else
		not_ok "$name: Chromium renders it to PNG"
		show browser.err
	fi
	check "$name: the PNG is a PNG" sh -c "head -c 4 $name.png | tail -c 3 | grep -qx PNG"
	check "$name: no console message (errors, blocked fetches) while rendering" sh -c '! grep -q ":CONSOLE" browser.err'
	show_console=$(grep ":CONSOLE" browser.err | head -n 3)
	[ -n "$show_console" ] && echo "$show_console" | sed 's/^/#   /'
	if browser --print-to-pdf="$TEST_DIR/$name.pdf" "$url"; then
		ok "$name: Chromium prints it to PDF"
	else
		not_ok "$name: Chromium prints it to PDF"
		show browser.err
	fi
	check "$name: the PDF is a PDF" sh -c "head -c 5 $name.pdf | grep -qx '%PDF-'"
	check "$name: no console message while printing" sh -c '! grep -q ":CONSOLE" browser.err'
	if browser --dump-dom "$url"; then
		ok "$name: Chromium loads it"
	else
		not_ok "$name: Chromium loads it"
	fi
	cp browser.out $name.dom
	equal "$name: the DOM holds the ten headline numbers" 10 \
		"$(grep -Eo 'id="(confirmed|upper)-[a-z]+">[0-9]+<' $name.dom | grep -c .)"
	for figure in owners recipients frames pairs deliveries; do
		equal "$name: confirmed $figure in the DOM equal the JSON's" \
			"$("$JQ" -r ".headline.confirmed.$figure" $name.json)" "$(id_value "confirmed-$figure" $name.dom)"
		equal "$name: upper-bound $figure in the DOM equal the JSON's" \
			"$("$JQ" -r ".headline.upper_bound.$figure" $name.json)" "$(id_value "upper-$figure" $name.dom)"
	done
	equal "$name: the exposure window in the DOM equals the JSON's" \
		"$("$JQ" -r '"\(.exposure.first_at) \(.exposure.last_at) \(.bursts | length)"' $name.json)" \
		"$(id_value first-exposure $name.dom) $(id_value last-exposure $name.dom) $(id_value burst-count $name.dom)"
	check "$name: the timeline is in the DOM" grep -q '<svg id="timeline"' $name.dom
	equal "$name: one heading per owner in the evidence" "$("$JQ" '.owners | length' $name.json)" \
		"$(grep -c '^<tr class="owner">' $name.dom)"
	equal "$name: the deliveries the evidence leaves out are counted" \
		"$("$JQ" '[.owners[].exposures[] | .deliveries - (.evidence | length)] | add // 0' $name.json)" \
		"$(sed -n 's/^<tr class="more"><td colspan="4">and \([0-9]*\) more deliver.*/\1/p' $name.dom | awk '{ s += $1 } END { print s + 0 }')"
	generated=$(id_value generated-at $name.dom)
	check "$name: the footer says when the page was made (RFC 3339 UTC)" sh -c \
		"echo '$generated' | grep -Eqx '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z' &&
		test \$(date -u -d '$generated' +%s) -ge $started -a \$(date -u -d '$generated' +%s) -le \$(date -u +%s)"
	equal "$name: by which camaudit" "$(camaudit --version | cut -d' ' -f2)" "$(id_value version $name.dom)"
	equal "$name: from which store" $name.db "$(id_value store $name.dom)"
	max=$("$JQ" '[.hours[].deliveries] | max' $name.json)
	check "$name: the deliveries' scale is round, to the first step at or above $max: $(ticks deliveries $name.dom)" \
		round_scale "$max" $(ticks deliveries $name.dom)
	max=$("$JQ" '[.hours[] | .cross_tenant, .unattributed] | max' $name.json)
	check "$name: the findings' scale too, above $max: $(ticks findings $name.dom)" \
		round_scale "$max" $(ticks findings $name.dom)
	equal "$name: each hour's findings are counted above their bars" \
		"$("$JQ" -r '.hours[] | .cross_tenant, .unattributed | select(. > 0)' $name.json | tr '\n' ' ')" \
		"$(sed -n 's/^<text class="count"[^>]*>\([0-9]*\)<.*/\1/p' $name.dom | tr '\n' ' ')"
	if [ "$("$JQ" .completeness.complete $name.json)" = true ]; then
		check "$name: complete, as the JSON says: one line, no banner" sh -c \
			"grep -q 'id=\"complete\"' $name.dom && ! grep -q 'id=\"incomplete\"' $name.dom"
	else
		equal "$name: incomplete, as the JSON says: a banner, in the text's words" \
			"$(sed -n 's/^INCOMPLETE: \(.*\);$/\1./p' $name.txt)" \
			"$(id_value incomplete-why $name.dom | sed 's/^./\L&/')"
		check "$name: the banner comes before the headline" sh -c \
			"grep -n 'id=\"incomplete\"\\|id=\"headline\"' $name.dom | cut -d: -f2- | tr '\n' ' ' | grep -q 'incomplete.*headline'"
	fi
	[ $name = h ] && continue # h's values are escaped in the DOM, raw in JSON
	equal "$name: and its input files with their line counts, as the JSON has them" \
		"$("$JQ" -r '.sources[] | [.file, .lines, .events, .rejected, .damaged // "-"] | join("\t")' $name.json)" \
		"$(rows_of t-sources $name.dom | sed 's/\t$//')"
	equal "$name: the owners to notify come first, with the JSON's totals" \
		"$("$JQ" -r '.owners[] | [.owner_account, .devices, .recipients, .frames, .deliveries, .first_at, .last_at] | join("\t")' $name.json)" \
		"$(rows_of t-owners $name.dom | sed 's/\t$//')"
	check "$name: before the evidence" sh -c "grep -n 'id=\"t-owners\"\\|id=\"evidence\"' $name.dom | cut -d: -f2 | tr '\n' ' ' | grep -q 't-owners.*evidence'"
	equal "$name: the evidence in the DOM is the JSON's, in its order" \
		"$("$JQ" -r '.owners[].exposures[].evidence[] | [.served_at, .request_id, .serve_ref, .fill_ref] | join(" ")' $name.json)" \
		"$(rows_of evidence $name.dom | awk -F'\t' 'NF >= 5 { print $(NF-4) " " $(NF-3) " " $(NF-2) " " $(NF-1) }')"
	equal "$name: each camera and recipient spans its deliveries and the count of the rest" \
		"$("$JQ" -r '.owners[].exposures[] | (.evidence | length) + (if .deliveries > (.evidence | length) then 1 else 0 end)' $name.json | tr '\n' ' ')" \
		"$(sed -n '/<table id="evidence">/,/<\/table>/p' $name.dom | sed -n 's/^<tr><td\( rowspan="\([0-9]*\)"\)\{0,1\}>.*/\2/p' | sed 's/^$/1/' | tr '\n' ' ')"
done
check "the samples leave deliveries out of the evidence" grep -q '^<tr class="more">' s.dom
# The samples' whole page (about 7400 pixels high), kept beside this
# test's log for a person to look at: make check leaves it in the build
# tree as tests/cli/report-html-samples.png (not committed).
artifact=$(dirname "$CAMAUDIT")/tests/cli/report-html-samples.png
if browser --hide-scrollbars --window-size=1100,8000 --screenshot="$TEST_DIR/s-page.png" "file://$TEST_DIR/s.html" &&
	head -c 4 s-page.png | tail -c 3 | grep -qx PNG && cp s-page.png "$artifact"; then
	ok "the samples' whole page is saved as $artifact"
else
	not_ok "the samples' whole page is saved as $artifact"
	show browser.err
fi
check "the fixture's report is incomplete (84.6% traced, a gap)" grep -q 'id="incomplete"' r.dom
check "the samples' is complete" grep -q 'id="complete"' s.dom
equal "the samples' scale of deliveries (397 at most)" "0 100 200 300 400 " "$(ticks deliveries s.dom)"
equal "the samples' scale of findings (54 at most)" "0 20 40 60 " "$(ticks findings s.dom)"
check "a log's <script> is no element in the DOM" sh -c '! grep -qi "<script" h.dom'
check "a log's <img> is no element in the DOM" sh -c '! grep -qi "<img" h.dom'
check "a log's link is no element in the DOM" sh -c '! grep -qi "<a " h.dom'
grep_file "the owner is text in the DOM" '&lt;script&gt;document.title=1&lt;/script&gt;' h.dom
grep_file "the title is the report's" '<title>camaudit report: cross-tenant frame deliveries</title>' h.dom

done_testing
