-- audit --new at scale: the findings of the window that were not
-- reported before with the same type (a finding whose type changed, say
-- from unattributed to cross_tenant once a late cache log arrived, is
-- new).  Record them with record.sql after they were delivered.
SELECT * EXCEPT (ts_ms, fp, line)
FROM findings(since_ms = {since_ms:Int64}, until_ms = {until_ms:Int64},
              skew_ms = {skew_ms:Int64})
WHERE (type, fp, line) NOT IN (SELECT type, fp, line FROM reported FINAL)
ORDER BY ts_ms, fp, line
SETTINGS join_use_nulls = 1, output_format_json_escape_forward_slashes = 0;
