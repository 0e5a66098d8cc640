-- camaudit's correlation on ClickHouse: the rules of camaudit(1),
-- CORRELATION, as src/correlate.c states them in SQLite, over the tables
-- of schema.sql.  `verdicts` classifies every delivered serve of a window;
-- `findings` writes those that are not ok as audit does; findings.sql,
-- new.sql, record.sql and summary.sql read them.  tests/cli/clickhouse.sh checks
-- that the findings are camaudit's, edge cases included.
--
-- Parameters: since_ms and until_ms, the window of serve times
-- [since, until) in ms since the epoch, and skew_ms, audit's --skew.
--
-- Ties.  camaudit takes, of two rows at the same millisecond, the one
-- with the greater id, that is the later line of one log, or, between two
-- logs, the one ingested later.  Ingest order is not a property of the
-- logs, so here two logs are ordered by their fingerprints instead: of
-- rows at the same millisecond, the greater (fp, line) is "later".  The
-- two agree whenever the logs that tie were ingested in fingerprint order
-- (the test ingests them so); docs/scaling.md says where else they can
-- differ.  "The same log" is the same fingerprint.
--
-- Each rule is a join on its equality keys and a filter, then an argMax
-- by (ts, fp, line) per serve: exact, and bounded by the events of a key
-- (or frame, or device) in the partition the query runs on.
CREATE OR REPLACE VIEW verdicts AS
WITH
delivered AS (
    SELECT ts_ms, fp, line, ref, node, key, device, frame, account, relay,
           cache, req
    FROM serves FINAL
    WHERE ts_ms >= {since_ms:Int64} AND ts_ms < {until_ms:Int64}
      AND (status IS NULL OR status IN ('200', '206'))
),
fill_rows AS (
    SELECT ts_ms, fp, line, ref, node, key, device, frame, ttl FROM fills FINAL
),
framed AS (
    SELECT DISTINCT frame FROM fill_rows WHERE frame IS NOT NULL
),
-- Rule 1a: a serve whose frame some fill carries takes that frame's
-- latest fill on its node at or before S + skew, else on any node, else
-- the frame's first fill ever.
by_frame AS (
    SELECT d.fp AS s_fp, d.line AS s_line,
        countIf(g.node = d.node AND g.ts_ms <= d.ts_ms + {skew_ms:Int64}) AS on_node,
        argMaxIf((g.fp, g.line), (g.ts_ms, g.fp, g.line),
                 g.node = d.node AND g.ts_ms <= d.ts_ms + {skew_ms:Int64}) AS on_node_fill,
        countIf(g.ts_ms <= d.ts_ms + {skew_ms:Int64}) AS before,
        argMaxIf((g.fp, g.line), (g.ts_ms, g.fp, g.line),
                 g.ts_ms <= d.ts_ms + {skew_ms:Int64}) AS before_fill,
        argMin((g.fp, g.line), (g.ts_ms, g.fp, g.line)) AS first_fill,
        multiIf(on_node > 0, on_node_fill, before > 0, before_fill, first_fill) AS fill
    FROM delivered AS d
    INNER JOIN fill_rows AS g ON g.frame = d.frame
    GROUP BY s_fp, s_line
),
-- Rules 1b and 1c: on S's node (1b), or on every node when S names none
-- (1c), the latest fill of S's key that may precede S: within the skew
-- between two logs; in one log, at an earlier millisecond or on an
-- earlier line of the same one.
by_key_latest AS (
    SELECT d.fp AS s_fp, d.line AS s_line, any(d.ts_ms) AS s_ts,
           g.node AS node, any(d.key) AS key,
           argMax((g.ts_ms, g.fp, g.line, g.ttl), (g.ts_ms, g.fp, g.line)) AS f
    FROM delivered AS d
    INNER JOIN fill_rows AS g ON g.key = d.key
    WHERE (d.frame IS NULL OR d.frame NOT IN (SELECT frame FROM framed))
      AND (d.node IS NULL OR g.node = d.node)
      AND g.ts_ms <= d.ts_ms + {skew_ms:Int64}
      AND (g.fp != d.fp OR g.ts_ms < d.ts_ms
           OR (g.ts_ms = d.ts_ms AND g.line <= d.line))
    GROUP BY s_fp, s_line, node
),
-- ... if that fill was still cached at S: no evict, purge or expire of
-- the key on the node after it (at its millisecond: from another log, or
-- on a later line of its own) and at or before S; and S within the TTL,
-- plus the skew between two logs.
by_key_cached AS (
    SELECT k.s_fp AS s_fp, k.s_line AS s_line, k.s_ts AS s_ts, k.f AS f
    FROM by_key_latest AS k
    LEFT JOIN (SELECT node, key, ts_ms, fp, line FROM removals FINAL) AS r
        ON r.node = k.node AND r.key = k.key
    GROUP BY s_fp, s_line, s_ts, f
    HAVING countIf(r.ts_ms >= k.f.1 AND r.ts_ms <= k.s_ts
                   AND (r.ts_ms > k.f.1 OR r.fp != k.f.2 OR r.line > k.f.3)) = 0
       AND (k.f.4 IS NULL
            OR k.s_ts <= k.f.1 + k.f.4 + if(k.f.2 = k.s_fp, 0, {skew_ms:Int64}))
),
-- ... and of those (one per node), the latest.
by_key AS (
    SELECT s_fp, s_line, argMax((f.2, f.3), (f.1, f.2, f.3)) AS fill
    FROM by_key_cached GROUP BY s_fp, s_line
),
origin AS (
    SELECT d.*,
        multiIf(fr.s_fp IS NOT NULL, fr.fill, bk.s_fp IS NOT NULL, bk.fill,
                NULL) AS fill_id
    FROM delivered AS d
    LEFT JOIN by_frame AS fr ON fr.s_fp = d.fp AND fr.s_line = d.line
    LEFT JOIN by_key AS bk ON bk.s_fp = d.fp AND bk.s_line = d.line
),
with_fill AS (
    SELECT o.ts_ms AS ts_ms, o.fp AS fp, o.line AS line, o.ref AS ref,
           o.node AS node, o.key AS key, o.device AS device, o.frame AS frame,
           o.account AS account, o.relay AS relay, o.cache AS cache,
           o.req AS req, o.fill_id IS NOT NULL AS traced,
           f.ts_ms AS f_ts, f.fp AS f_fp, f.line AS f_line, f.ref AS f_ref,
           f.node AS f_node, f.device AS f_device, f.frame AS f_frame
    FROM origin AS o
    LEFT JOIN fill_rows AS f
        ON o.fill_id.1 = f.fp AND o.fill_id.2 = f.line
),
-- Rule 2: the owner when the frame was captured, for every fill: the
-- latest bind of the camera at or before the fill, unless that account
-- unbound it after that bind (at its millisecond: a greater id) and at
-- or before the fill.
bound AS (
    SELECT f.fp AS f_fp, f.line AS f_line, any(f.ts_ms) AS f_ts,
           any(f.device) AS device,
           argMax((b.ts_ms, b.fp, b.line, b.account), (b.ts_ms, b.fp, b.line)) AS a
    FROM fill_rows AS f
    INNER JOIN (SELECT * FROM bindings FINAL WHERE bound = 1) AS b
        ON b.device = f.device
    WHERE b.ts_ms <= f.ts_ms
    GROUP BY f_fp, f_line
),
owners AS (
    SELECT a.f_fp AS f_fp, a.f_line AS f_line, a.a.4 AS owner
    FROM bound AS a
    LEFT JOIN (SELECT * FROM bindings FINAL WHERE bound = 0) AS u
        ON u.device = a.device AND u.account = a.a.4
    GROUP BY f_fp, f_line, owner, a.f_ts, a.a
    HAVING countIf(u.ts_ms <= a.f_ts
                   AND (u.ts_ms > a.a.1 OR (u.ts_ms = a.a.1
                        AND (u.fp, u.line) > (a.a.2, a.a.3)))) = 0
),
-- Rule 3: the viewer's latest share or unshare of the fill's camera at
-- or before S.  (with_fill is read once: ClickHouse computes a WITH
-- subquery again wherever it is named.)
judged AS (
    SELECT w.fp AS fp, w.line AS line, any(w.ts_ms) AS ts_ms, any(w.ref) AS ref,
           any(w.node) AS node, any(w.key) AS key, any(w.device) AS device,
           any(w.frame) AS frame, any(w.account) AS account,
           any(w.relay) AS relay, any(w.cache) AS cache, any(w.req) AS req,
           any(w.traced) AS traced, any(w.f_ts) AS f_ts, any(w.f_fp) AS f_fp,
           any(w.f_line) AS f_line, any(w.f_ref) AS f_ref,
           any(w.f_node) AS f_node, any(w.f_device) AS f_device,
           any(w.f_frame) AS f_frame, any(o.owner) AS owner,
           argMaxIf(h.granted, (h.ts_ms, h.fp, h.line), h.ts_ms <= w.ts_ms)
               AS latest_grant,
           countIf(h.ts_ms <= w.ts_ms) AS share_events
    FROM with_fill AS w
    LEFT JOIN owners AS o ON o.f_fp = w.f_fp AND o.f_line = w.f_line
    LEFT JOIN (SELECT * FROM shares FINAL) AS h
        ON h.account = w.account AND h.device = w.f_device
    GROUP BY fp, line
)
-- Rule 4: the verdict.
SELECT * EXCEPT (latest_grant, share_events),
    multiIf(NOT traced, 'unattributed',
            owner IS NULL, 'unknown_owner',
            owner != account AND NOT (share_events > 0 AND latest_grant = 1),
                'cross_tenant',
            device IS NOT NULL AND device != f_device, 'device_mismatch',
            'ok') AS type
FROM judged
SETTINGS join_use_nulls = 1;

-- The findings of a window with audit's JSON keys, in its order and
-- spelling (RFC 3339 UTC with milliseconds, null where audit has null),
-- then what orders them and, for --new, identifies them: the serve's
-- event id (fp, line).
CREATE OR REPLACE VIEW findings AS
SELECT
    type,
    concat(left(formatDateTime(fromUnixTimestamp64Milli(ts_ms, 'UTC'),
                               '%Y-%m-%dT%H:%i:%S.%f'), 23), 'Z') AS served_at,
    req AS request_id,
    account AS viewer_account,
    device AS requested_device,
    key,
    coalesce(frame, f_frame) AS frame,
    cache,
    relay,
    coalesce(node, f_node) AS node,
    f_device AS origin_device,
    owner AS owner_account,
    if(traced, concat(left(formatDateTime(fromUnixTimestamp64Milli(f_ts, 'UTC'),
                                          '%Y-%m-%dT%H:%i:%S.%f'), 23), 'Z'),
       NULL) AS filled_at,
    ref AS serve_ref,
    if(traced, f_ref, NULL) AS fill_ref,
    ts_ms, fp, line
FROM verdicts(since_ms = {since_ms:Int64}, until_ms = {until_ms:Int64},
              skew_ms = {skew_ms:Int64})
WHERE type != 'ok'
SETTINGS join_use_nulls = 1;
