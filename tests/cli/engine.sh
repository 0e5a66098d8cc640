#!/bin/sh
# The stored verdicts (issue 18) as a property: the sample incident (late
# logs, an ownership transfer, shares, a lost stretch of cache log) is
# ingested in random orders and random splits (a log first as a prefix cut
# anywhere, even inside a line, then whole), with audit --new between the
# parts.  Whatever the order:
# - after every step the stored verdicts equal a judgement from scratch
#   (camaudit check), so each --new run printed what a full recompute over
#   the data of that moment gives;
# - the final verdicts equal those of a one-shot ingest;
# - the --new runs together printed every final finding at least once.
# Then check itself: it finds a verdict changed behind its back, and
# --repair mends it; prune leaves verdicts a recompute agrees with.
. "$srcdir/tests/lib.sh"

samples="$srcdir/samples"
TRIALS=${ENGINE_TRIALS:-6}

# Every verdict of a store, by evidence (FILE:LINE names, which do not
# depend on the order in which sources were ingested).
all_verdicts() {
	sqlite3 -separator ' ' "$1" "
		SELECT (SELECT name FROM source WHERE id = v.serve >> 32) || ':' || (v.serve & 4294967295),
		  v.type, coalesce(v.rule, '-'),
		  coalesce((SELECT name FROM source WHERE id = v.fill >> 32) || ':' || (v.fill & 4294967295), '-'),
		  coalesce((SELECT text FROM atom WHERE id = v.owner), '-')
		FROM verdict v" | sed "s|$PWD/||g" | LC_ALL=C sort
}

# The findings as (serve_ref, type), from audit's JSON.
findings_of() {
	"$JQ" -r '[.serve_ref, .type] | @tsv' "$1" | sed "s|$PWD/||g" | LC_ALL=C sort -u
}

# The one-shot answer, from the same paths the trials use.
mkdir logs
cp "$samples"/* logs/
expect_exit 0 "a one-shot ingest of the samples" camaudit ingest -q --db once.db logs
all_verdicts once.db > once.verdicts
equal "every delivered serve has a verdict" 5948 "$(wc -l < once.verdicts)"
expect_exit 0 "and check finds them equal to a judgement from scratch" camaudit check --db once.db
grep_file "check says how many it judged" "^camaudit: 5948 verdicts judged again, 0 differ$" err
camaudit audit --db once.db --type all --format json > once.json
findings_of once.json > once.findings
rm -rf logs

# plan SEED: the steps of one trial, "FILE BYTES" per line: BYTES > 0 puts
# the first BYTES of the file's (decoded) content at its path, 0 puts the
# file whole; "new" runs audit --new.  Half the files come in two parts,
# the whole file at a random later step.
plan() {
	ls "$samples" | awk -v seed="$1" -v dir="$samples" '
		BEGIN { srand(seed) }
		{ name[NR] = $0; key[NR] = rand() }
		END {
			n = NR
			for (i = 1; i <= n; i++)      # a random order
				for (j = i + 1; j <= n; j++)
					if (key[j] < key[i]) {
						t = key[i]; key[i] = key[j]; key[j] = t
						t = name[i]; name[i] = name[j]; name[j] = t
					}
			m = 0
			for (i = 1; i <= n; i++) {
				if (rand() < 0.5) {
					cmd = "gzip -dcf \"" dir "/" name[i] "\" | wc -c"
					cmd | getline size; close(cmd)
					step[++m] = name[i] " " int(1 + rand() * (size - 1))
					later[name[i]] = 1
				} else {
					step[++m] = name[i] " 0"
				}
				if (rand() < 0.3)
					step[++m] = "new"
			}
			for (f in later) {             # the rest of each split file
				at = int(1 + rand() * m)
				for (k = m; k > at; k--)
					step[k + 1] = step[k]
				step[at + 1] = f " 0"
				m++
			}
			for (k = 1; k <= m; k++)
				print step[k]
			print "new"
		}'
}

trial=1
while [ "$trial" -le "$TRIALS" ]; do
	rm -rf logs t.db t.db-wal t.db-shm printed.json
	mkdir logs
	: > printed.json
	plan "$trial" > plan.txt
	failures=0
	while read -r file bytes; do
		if [ "$file" = new ]; then
			camaudit audit -q --new --type all --format json --db t.db \
				>> printed.json 2> new.err
			# 5 and 6 are 0 and 1 while some logs are still missing.
			case $? in
			0 | 1 | 5 | 6) ;;
			*) failures=$((failures + 1)); show new.err ;;
			esac
		elif [ "$bytes" -gt 0 ]; then
			gzip -dcf "$samples/$file" | head -c "$bytes" > "logs/$file"
			camaudit ingest -q --db t.db "logs/$file" 2> /dev/null
		else
			cp "$samples/$file" "logs/$file"
			camaudit ingest -q --db t.db "logs/$file" 2> /dev/null
		fi
		[ -e t.db ] || continue
		if ! camaudit check -q --db t.db > check.out; then
			failures=$((failures + 1))
			echo "#   after '$file $bytes':"
			show check.out
		fi
	done < plan.txt
	equal "trial $trial: after every step, the stored verdicts equal a judgement from scratch" \
		0 "$failures"
	all_verdicts t.db > t.verdicts
	if cmp -s once.verdicts t.verdicts; then
		ok "trial $trial: the final verdicts equal the one-shot ingest's"
	else
		not_ok "trial $trial: the final verdicts equal the one-shot ingest's"
		diff once.verdicts t.verdicts | head -10 | sed 's/^/#   /'
		sed 's/^/#   plan: /' plan.txt
	fi
	findings_of printed.json > printed.findings
	missing=$(LC_ALL=C comm -23 once.findings printed.findings | wc -l)
	equal "trial $trial: the --new runs printed every final finding" 0 "$missing"
	trial=$((trial + 1))
done

# check finds what it should, and --repair mends it.
cp once.db bad.db
sqlite3 bad.db "UPDATE verdict SET type = 'ok' WHERE type = 'cross_tenant' AND rowid = (SELECT min(rowid) FROM verdict WHERE type = 'cross_tenant')"
expect_exit 1 "check finds a verdict that differs" camaudit check --db bad.db
equal "one line for it" 1 "$(wc -l < out)"
grep_file "naming the serve and both verdicts" "^.+:[0-9]+: stored ok \(fill .+:[0-9]+\) owner .+, judged now cross_tenant \(fill .+:[0-9]+\) owner .+$" out
expect_exit 1 "check --repair replaces it" camaudit check --repair --db bad.db
grep_file "and says so" "1 differs \(replaced\)$" err
expect_exit 0 "then check finds nothing" camaudit check --db bad.db
equal "the repaired verdicts are the one-shot ones" "$(cat once.verdicts)" "$(all_verdicts bad.db)"

# A store stamped by other rules is judged again when a writer opens it.
cp once.db old.db
sqlite3 old.db "UPDATE setting SET value = 'other rules' WHERE name = 'verdict_rules'; DELETE FROM verdict"
expect_exit 1 "an audit of verdicts stamped by other rules" camaudit audit --db old.db --type all --format json
check "answers as before" cmp -s once.json out
equal "and stored them again" "$(cat once.verdicts)" "$(all_verdicts old.db)"

# prune: the serves it keeps have the verdicts a recompute gives.
cp once.db pruned.db
expect_exit 0 "prune" camaudit prune -q --db pruned.db --before 2019-12-26T09:00:00Z
expect_exit 0 "check agrees with the verdicts after prune" camaudit check --db pruned.db
equal "no verdict is left without its serve" 0 \
	"$(rows pruned.db 'SELECT count(*) FROM verdict WHERE NOT EXISTS (SELECT 1 FROM serve WHERE id = verdict.serve)')"

done_testing
