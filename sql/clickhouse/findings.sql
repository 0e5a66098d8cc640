-- The findings of the window, as `camaudit audit --type all --format json`
-- prints them, oldest serve first (ties: see correlate.sql).  Parameters
-- as for correlate.sql.
SELECT * EXCEPT (ts_ms, fp, line)
FROM findings(since_ms = {since_ms:Int64}, until_ms = {until_ms:Int64},
              skew_ms = {skew_ms:Int64})
ORDER BY ts_ms, fp, line
SETTINGS join_use_nulls = 1, output_format_json_escape_forward_slashes = 0;
