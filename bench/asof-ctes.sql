-- The rules as camaudit 0.1.0 wrote them (schema 2's verdicts view): one
-- MATERIALIZED CTE per step, every serve written to a temporary table
-- three times.  bench/asof times it against the verdicts view of today,
-- which joins each as-of lookup by the id it finds (src/correlate.c).
-- Parameters as the view fixes them: all time, --skew 2s.
CREATE TEMP VIEW verdicts_ctes AS WITH delivered AS (
  SELECT id, source, line, ts, account, key, device, frame, node
  FROM main.serve
  WHERE ts >= -9223372036854775807 AND ts < 9223372036854775807
    AND (status IS NULL OR status IN (200, 206))
),
candidate AS MATERIALIZED (
  SELECT d.*, coalesce(
    (SELECT f.id FROM main.fill f WHERE f.frame = d.frame
      AND f.node = d.node AND f.ts <= d.ts + 2000
      ORDER BY f.ts DESC, f.id DESC LIMIT 1),
    (SELECT f.id FROM main.fill f WHERE f.frame = d.frame
      AND f.ts <= d.ts + 2000 ORDER BY f.ts DESC, f.id DESC LIMIT 1),
    (SELECT f.id FROM main.fill f WHERE f.frame = d.frame
      ORDER BY f.ts, f.id LIMIT 1)) AS by_frame,
    (SELECT f.id FROM main.fill f
      WHERE d.node IS NOT NULL AND f.key = d.key AND f.node = d.node
        AND f.ts <= d.ts + 2000 AND (f.source <> d.source OR f.ts < d.ts OR (f.ts = d.ts AND f.line <= d.line))
      ORDER BY f.ts DESC, f.id DESC LIMIT 1) AS latest_on_node
  FROM delivered d
),
nodes AS MATERIALIZED (SELECT DISTINCT node FROM main.fill),
origin AS MATERIALIZED (
  SELECT c.id, c.ts, c.account, c.device,
    CASE WHEN c.by_frame IS NOT NULL THEN c.by_frame
      WHEN c.node IS NOT NULL THEN
        (SELECT f.id FROM main.fill f
          WHERE f.id = c.latest_on_node AND NOT EXISTS (SELECT 1 FROM main.removal r WHERE r.key = f.key  AND r.node = f.node AND r.ts >= f.ts AND r.ts <= c.ts  AND (r.ts > f.ts OR r.source <> f.source OR r.line > f.line)) AND (typeof(f.ttl_ms) <> 'integer'  OR c.ts <= f.ts + f.ttl_ms + (CASE WHEN f.source = c.source THEN 0 ELSE 2000 END)))
      ELSE
        (SELECT f.id FROM nodes n JOIN main.fill f ON f.id =
          (SELECT g.id FROM main.fill g
            WHERE g.key = c.key AND g.node = n.node
              AND g.ts <= c.ts + 2000 AND (g.source <> c.source OR g.ts < c.ts OR (g.ts = c.ts AND g.line <= c.line))
            ORDER BY g.ts DESC, g.id DESC LIMIT 1)
          WHERE NOT EXISTS (SELECT 1 FROM main.removal r WHERE r.key = f.key  AND r.node = f.node AND r.ts >= f.ts AND r.ts <= c.ts  AND (r.ts > f.ts OR r.source <> f.source OR r.line > f.line)) AND (typeof(f.ttl_ms) <> 'integer'  OR c.ts <= f.ts + f.ttl_ms + (CASE WHEN f.source = c.source THEN 0 ELSE 2000 END))
          ORDER BY f.ts DESC, f.id DESC LIMIT 1)
    END AS fill,
    CASE WHEN c.by_frame IS NOT NULL THEN 'frame' ELSE 'key' END AS rule
  FROM candidate c
),
bound AS (
  SELECT o.*, f.device AS origin_device, f.ts AS filled_at,
    (SELECT b.id FROM main.binding b
      WHERE b.device = f.device AND b.bound = 1 AND b.ts <= f.ts
      ORDER BY b.ts DESC, b.id DESC LIMIT 1) AS binding
  FROM origin o LEFT JOIN main.fill f ON f.id = o.fill
),
owned AS MATERIALIZED (
  SELECT w.*,
    (SELECT b.account FROM main.binding b WHERE b.id = w.binding
      AND NOT EXISTS (SELECT 1 FROM main.binding u
        WHERE u.device = b.device AND u.account = b.account
          AND u.bound = 0 AND u.ts <= w.filled_at
          AND (u.ts > b.ts OR (u.ts = b.ts AND u.id > b.id)))) AS owner
  FROM bound w
)
SELECT j.id AS serve, j.fill AS fill,
  CASE WHEN j.fill IS NOT NULL THEN j.rule END AS rule, j.owner AS owner,
  CASE
    WHEN j.fill IS NULL THEN 'unattributed'
    WHEN j.owner IS NULL THEN 'unknown_owner'
    WHEN j.owner <> j.account AND coalesce(
      (SELECT s.granted FROM main.share s
        WHERE s.account = j.account AND s.device = j.origin_device
          AND s.ts <= j.ts ORDER BY s.ts DESC, s.id DESC LIMIT 1), 0) = 0
      THEN 'cross_tenant'
    WHEN j.device IS NOT NULL AND j.device <> j.origin_device
      THEN 'device_mismatch'
    ELSE 'ok'
  END AS type
FROM owned j;
