-- Where the region assumption does not hold (docs/scaling.md,
-- Partitions): the serves of the window whose relay and cache node are
-- in different regions, or whose relay or node has no region, counted by
-- relay, node and day.  A partition by region is exact for the rules 1b
-- and 1c only when this is empty (rule 1a's frames are looked up across
-- regions anyway).  The fleet's map is the table `regions` (schema.sql):
-- one row per relay and per cache node.  Parameters as for correlate.sql.
SELECT s.relay AS relay, s.node AS node,
       toDate(s.ts) AS day,
       r.region AS relay_region, n.region AS node_region,
       count() AS serves
FROM (SELECT relay, node, ts FROM serves FINAL
      WHERE ts_ms >= {since_ms:Int64} AND ts_ms < {until_ms:Int64}
        AND node IS NOT NULL) AS s
LEFT JOIN (SELECT name, region FROM regions FINAL WHERE role = 'relay') AS r
    ON r.name = s.relay
LEFT JOIN (SELECT name, region FROM regions FINAL WHERE role = 'node') AS n
    ON n.name = s.node
WHERE r.region IS NULL OR n.region IS NULL OR r.region != n.region
GROUP BY relay, node, day, relay_region, node_region
ORDER BY day, relay, node
SETTINGS join_use_nulls = 1;
