-- Coverage gaps, as camaudit status and audit's warning count them
-- (src/coverage.c): the hours (UTC) in which serves of the window named a
-- cache node that wrote no fill and no removal in that hour; for each,
-- the serves and the deliveries in it.  Parameters as for correlate.sql.
WITH
served AS (
    SELECT node, intDiv(ts_ms, 3600000) - (ts_ms % 3600000 < 0) AS hour,
           count() AS serves,
           countIf(status IS NULL OR status IN ('200', '206')) AS deliveries
    FROM serves FINAL
    WHERE ts_ms >= {since_ms:Int64} AND ts_ms < {until_ms:Int64}
      AND node IS NOT NULL
    GROUP BY node, hour
),
logged AS (
    SELECT DISTINCT node, intDiv(ts_ms, 3600000) - (ts_ms % 3600000 < 0) AS hour
    FROM (SELECT node, ts_ms FROM fills FINAL
          UNION ALL SELECT node, ts_ms FROM removals FINAL)
)
SELECT assumeNotNull(s.node) AS node,
       concat(left(formatDateTime(fromUnixTimestamp64Milli(s.hour * 3600000, 'UTC'),
                                  '%Y-%m-%dT%H:%i:%S.%f'), 23), 'Z') AS hour,
       s.serves AS serves, s.deliveries AS deliveries
FROM served AS s
LEFT ANTI JOIN logged AS l ON l.node = assumeNotNull(s.node) AND l.hour = s.hour
ORDER BY s.hour, node;
