-- Record the findings of the window as reported (see new.sql); recording
-- one twice keeps one row.
INSERT INTO reported
SELECT type, fp, line, now64(3, 'UTC') AS reported_at
FROM findings(since_ms = {since_ms:Int64}, until_ms = {until_ms:Int64},
              skew_ms = {skew_ms:Int64})
SETTINGS join_use_nulls = 1;
