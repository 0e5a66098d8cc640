/*
 * Exit statuses of camaudit: the contract with shell scripts and cron.
 * Documented in man/camaudit.1 (EXIT STATUS).  Never renumber; only append.
 */
#ifndef CAMAUDIT_EXITCODE_H
#define CAMAUDIT_EXITCODE_H

enum camaudit_exit {
	EXIT_CLEAN = 0,     /* ran; nothing of the requested types found */
	EXIT_FINDINGS = 1,  /* ran; findings were printed */
	EXIT_USAGE = 2,     /* usage or configuration error; nothing was done */
	EXIT_INCOMPLETE = 3, /* could not complete all it was asked (unreadable
	                        or damaged file, database error) */
	EXIT_BUSY = 4,      /* another camaudit held the database for longer
	                       than --wait: the run stopped there (what it had
	                       committed before stays) */
	EXIT_BLIND = 5,     /* audit, scan: ran, printed nothing, but the answer
	                       is incomplete (coverage gaps, a traced share
	                       below --min-traced, nothing checked) */
	EXIT_FINDINGS_BLIND = 6, /* audit, scan: findings printed, and the
	                       answer is incomplete: findings are 1 or 6,
	                       blindness 5 or 6 */
	EXIT_STALE = 7      /* status --max-age: the newest event of a relay
	                       or cache node is older than that */
};

#endif
