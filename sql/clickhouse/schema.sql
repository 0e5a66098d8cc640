-- camaudit's events on ClickHouse (docs/scaling.md): the tables that the
-- correlation (correlate.sql) reads, filled from the records of
-- `camaudit normalize` or `camaudit export` (NDJSON, JSONEachRow) inserted
-- into `events`.  Tested by tests/cli/clickhouse.sh on ClickHouse 26.7.
--
-- Every table is a ReplacingMergeTree whose sorting key ends in the
-- event id (the log's fingerprint fp and the line), so that a record
-- loaded twice is one row; the queries read the tables FINAL, which gives
-- that answer before the background merges have run.  An event id is
-- kept as the pair (fp UInt64, line UInt32) rather than its text: 12
-- bytes instead of 20 to 27, and the pair orders events as camaudit's
-- tie-break does (see correlate.sql).

-- The landing table: it stores nothing; the views below split its rows
-- by kind.  Load with
--   INSERT INTO events SETTINGS input_format_json_read_numbers_as_strings = 1
--   FORMAT JSONEachRow
-- so that status, ttl_ms and gen keep the text camaudit tests them by.
CREATE TABLE IF NOT EXISTS events (
    kind     LowCardinality(String),
    ts_ms    Int64,
    ref      String,
    event_id Nullable(String),
    op       Nullable(String),
    node     Nullable(String),
    key      Nullable(String),
    device   Nullable(String),
    frame    Nullable(String),
    account  Nullable(String),
    relay    Nullable(String),
    cache    Nullable(String),
    req      Nullable(String),
    status   Nullable(String),
    ttl_ms   Nullable(String),
    gen      Nullable(String)
) ENGINE = Null;

-- Serves, by day; read by time.
CREATE TABLE IF NOT EXISTS serves (
    ts      DateTime64(3, 'UTC'),
    ts_ms   Int64,
    fp      UInt64,
    line    UInt32,
    ref     String,
    node    LowCardinality(Nullable(String)),
    key     String,
    device  Nullable(String),
    frame   Nullable(String),
    account String,
    relay   LowCardinality(Nullable(String)),
    cache   LowCardinality(Nullable(String)),
    req     Nullable(String),
    status  Nullable(String)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(ts) ORDER BY (ts_ms, fp, line);

-- Fills, by day; read by node and key, then time (rule 1b's probe).
CREATE TABLE IF NOT EXISTS fills (
    ts      DateTime64(3, 'UTC'),
    ts_ms   Int64,
    fp      UInt64,
    line    UInt32,
    ref     String,
    node    LowCardinality(String),
    key     String,
    device  String,
    frame   Nullable(String),
    ttl_ms  Nullable(String),
    gen     Nullable(String),
    -- camaudit applies a TTL only when ttl_ms is a plain decimal integer
    -- (an integer column in its store).
    ttl     Nullable(Int64) MATERIALIZED
        if(match(ttl_ms, '^-?(0|[1-9][0-9]*)$'), toInt64OrNull(ttl_ms), NULL)
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(ts) ORDER BY (node, key, ts_ms, fp, line);

CREATE TABLE IF NOT EXISTS removals (
    ts      DateTime64(3, 'UTC'),
    ts_ms   Int64,
    fp      UInt64,
    line    UInt32,
    ref     String,
    op      LowCardinality(String),
    node    LowCardinality(String),
    key     String
) ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMMDD(ts) ORDER BY (node, key, ts_ms, fp, line);

-- The registry is small and read whole: no partitions.
CREATE TABLE IF NOT EXISTS bindings (
    ts      DateTime64(3, 'UTC'),
    ts_ms   Int64,
    fp      UInt64,
    line    UInt32,
    ref     String,
    bound   UInt8,
    device  String,
    account String
) ENGINE = ReplacingMergeTree ORDER BY (device, ts_ms, fp, line);

CREATE TABLE IF NOT EXISTS shares (
    ts      DateTime64(3, 'UTC'),
    ts_ms   Int64,
    fp      UInt64,
    line    UInt32,
    ref     String,
    granted UInt8,
    device  String,
    account String
) ENGINE = ReplacingMergeTree ORDER BY (account, device, ts_ms, fp, line);

-- What audit --new has reported (new.sql, record.sql): the type and the
-- serve's event id, as audit --new records the type and the serve (never
-- the request id, which relays reuse).
CREATE TABLE IF NOT EXISTS reported (
    type        LowCardinality(String),
    fp          UInt64,
    line        UInt32,
    reported_at DateTime64(3, 'UTC')
) ENGINE = ReplacingMergeTree ORDER BY (type, fp, line);

-- The fleet's regions, for regions.sql: each relay (role 'relay', its
-- name as in the serves' relay field) and each cache node (role 'node').
CREATE TABLE IF NOT EXISTS regions (
    role   LowCardinality(String),
    name   String,
    region LowCardinality(String)
) ENGINE = ReplacingMergeTree ORDER BY (role, name);

-- The event id's halves, computed once for every kind: events_keyed is
-- events with ts, fp and line, and stores nothing either.  A source
-- whose first data line was never read whole has no fingerprint
-- (event_id null): its events get fp 0 and the line of their ref, so
-- they are kept, but two such logs can collide.
CREATE TABLE IF NOT EXISTS events_keyed (
    kind    LowCardinality(String),
    ts      DateTime64(3, 'UTC'),
    ts_ms   Int64,
    fp      UInt64,
    line    UInt32,
    ref     String,
    op      Nullable(String),
    node    Nullable(String),
    key     Nullable(String),
    device  Nullable(String),
    frame   Nullable(String),
    account Nullable(String),
    relay   Nullable(String),
    cache   Nullable(String),
    req     Nullable(String),
    status  Nullable(String),
    ttl_ms  Nullable(String),
    gen     Nullable(String)
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS events_to_keyed TO events_keyed AS
SELECT kind, fromUnixTimestamp64Milli(ts_ms, 'UTC') AS ts, ts_ms,
       if(event_id IS NULL, 0,
          reinterpretAsUInt64(reverse(unhex(substring(event_id, 1, 16))))) AS fp,
       toUInt32(extract(ref, ':([0-9]+)$')) AS line,
       ref, op, node, key, device, frame, account, relay, cache, req,
       status, ttl_ms, gen
FROM events;

CREATE MATERIALIZED VIEW IF NOT EXISTS keyed_to_serves TO serves AS
SELECT ts, ts_ms, fp, line, ref, node, assumeNotNull(key) AS key, device,
       frame, assumeNotNull(account) AS account, relay, cache, req, status
FROM events_keyed WHERE kind = 'serve';

CREATE MATERIALIZED VIEW IF NOT EXISTS keyed_to_fills TO fills AS
SELECT ts, ts_ms, fp, line, ref, assumeNotNull(node) AS node,
       assumeNotNull(key) AS key, assumeNotNull(device) AS device, frame,
       ttl_ms, gen
FROM events_keyed WHERE kind = 'fill';

CREATE MATERIALIZED VIEW IF NOT EXISTS keyed_to_removals TO removals AS
SELECT ts, ts_ms, fp, line, ref, assumeNotNull(op) AS op,
       assumeNotNull(node) AS node, assumeNotNull(key) AS key
FROM events_keyed WHERE kind = 'removal';

CREATE MATERIALIZED VIEW IF NOT EXISTS keyed_to_bindings TO bindings AS
SELECT ts, ts_ms, fp, line, ref, toUInt8(op = 'bind') AS bound,
       assumeNotNull(device) AS device, assumeNotNull(account) AS account
FROM events_keyed WHERE kind = 'binding';

CREATE MATERIALIZED VIEW IF NOT EXISTS keyed_to_shares TO shares AS
SELECT ts, ts_ms, fp, line, ref, toUInt8(op = 'share') AS granted,
       assumeNotNull(device) AS device, assumeNotNull(account) AS account
FROM events_keyed WHERE kind = 'share';
