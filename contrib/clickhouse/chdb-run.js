// contrib/clickhouse/chdb-run.js: load camaudit records (NDJSON from
// `camaudit normalize` or `camaudit export`) into an in-process ClickHouse
// (the chdb npm package) with sql/clickhouse/schema.sql, run the shipped
// correlation and print the findings as `camaudit scan --type all
// --format json` prints them, the summary on stderr.  Used by ./audit and
// by tests/cli/clickhouse.sh; see docs/scaling.md.
//
//   node chdb-run.js --sql DIR --db DIR [--skew MS] [--since MS --until MS]
//        [--load FILE]... [--findings | --new] [--record]
//        [--summary [--min-traced PCT]] [--query SQL] [--timing]
//
// --new prints only what was not reported before (new.sql), --record
// then records the window's findings as reported (record.sql).
// --summary: audit's summary line, its warning when the answer is
// incomplete, and its exit status (0, 1, 5 or 6; src/exitcode.h).
//
// --timing: the seconds of each step on stderr (docs/scaling.md).
"use strict";

const fs = require("fs");
const path = require("path");
let chdb;
try {
    chdb = require("chdb");
} catch (e) {
    process.stderr.write("camaudit: the chdb npm package is not installed " +
        "(npm install chdb, then set NODE_PATH to its node_modules)\n");
    process.exit(2);
}

const args = process.argv.slice(2);
const opt = { load: [], skew: 2000, since: -9223372036854775807n,
              until: 9223372036854775807n, minTraced: 90 };
for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--sql") opt.sql = args[++i];
    else if (a === "--db") opt.db = args[++i];
    else if (a === "--skew") opt.skew = args[++i];
    else if (a === "--since") opt.since = args[++i];
    else if (a === "--until") opt.until = args[++i];
    else if (a === "--load") opt.load.push(args[++i]);
    else if (a === "--findings") opt.findings = true;
    else if (a === "--new") opt.new = true;
    else if (a === "--record") opt.record = true;
    else if (a === "--summary") opt.summary = true;
    else if (a === "--min-traced") opt.minTraced = Number(args[++i]);
    else if (a === "--query") opt.query = args[++i];
    else if (a === "--timing") opt.timing = true;
    else { process.stderr.write(`chdb-run.js: unknown argument '${a}'\n`); process.exit(2); }
}

const session = new chdb.Session(opt.db);
let started = Date.now();
function lap(what) {
    if (opt.timing)
        process.stderr.write(`timing: ${what} ${((Date.now() - started) / 1000).toFixed(3)} s\n`);
    started = Date.now();
}
function run(sql, format) {
    try {
        return session.query(sql, format || "CSV");
    } catch (e) {
        process.stderr.write(`camaudit: clickhouse: ${e.message}\n`);
        process.exit(3);
    }
}

// A file of statements: split at a ';' that ends a line.
function runFile(file) {
    const text = fs.readFileSync(path.join(opt.sql, file), "utf8");
    for (const chunk of text.split(/;[ \t]*\n/)) {
        const sql = chunk.replace(/^\s*--.*$/mg, "").trim();
        if (sql) run(sql);
    }
}

// The query of a file (one statement), its trailing ';' removed.
function queryOf(file) {
    return fs.readFileSync(path.join(opt.sql, file), "utf8")
        .replace(/^\s*--.*$/mg, "").trim().replace(/;$/, "");
}

const STRUCTURE = "kind String, ts_ms Int64, ref String, event_id Nullable(String), " +
    "op Nullable(String), node Nullable(String), key Nullable(String), " +
    "device Nullable(String), frame Nullable(String), account Nullable(String), " +
    "relay Nullable(String), cache Nullable(String), req Nullable(String), " +
    "status Nullable(String), ttl_ms Nullable(String), gen Nullable(String)";

lap("start");
runFile("schema.sql");
runFile("correlate.sql");
lap("schema");
for (const file of opt.load) {
    const abs = path.resolve(file).replace(/'/g, "\\'");
    run(`INSERT INTO events SELECT * FROM file('${abs}', 'JSONEachRow', '${STRUCTURE}') ` +
        "SETTINGS input_format_json_read_numbers_as_strings = 1");
}
lap("load");
run(`SET param_since_ms = ${opt.since}`);
run(`SET param_until_ms = ${opt.until}`);
run(`SET param_skew_ms = ${opt.skew}`);

// A JSON string as camaudit writes it (src/emit.c, emit_json_string).
function jsonString(s) {
    let out = '"';
    for (const ch of s) {
        const cp = ch.codePointAt(0);
        if (ch === '"' || ch === "\\") out += "\\" + ch;
        else if (ch === "\n") out += "\\n";
        else if (ch === "\t") out += "\\t";
        else if (ch === "\r") out += "\\r";
        else if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp === 0x2028 || cp === 0x2029)
            out += "\\u" + cp.toString(16).padStart(4, "0");
        else out += ch;
    }
    return out + '"';
}

const KEYS = ["type", "served_at", "request_id", "viewer_account", "requested_device",
    "key", "frame", "cache", "relay", "node", "origin_device", "owner_account",
    "filled_at", "serve_ref", "fill_ref"];
let printed = 0, blind = false;
if (opt.findings || opt.new) {
    const rows = String(run(queryOf(opt.new ? "new.sql" : "findings.sql"), "JSONEachRow"));
    for (const line of rows.split("\n")) {
        if (!line) continue;
        const row = JSON.parse(line);
        process.stdout.write("{" + KEYS.map(k => JSON.stringify(k) + ":" +
            (row[k] === null ? "null" : jsonString(String(row[k])))).join(",") + "}\n");
        printed++;
    }
    lap("findings");
}
if (opt.record)
    run(queryOf("record.sql"));
if (opt.summary) {
    const s = JSON.parse(String(run(queryOf("summary.sql"), "JSONEachRow")).trim());
    const n = Number(s.deliveries), traced = Number(s.traced);
    const share = n ? 100 * traced / n : 0;
    let inGaps = 0;
    for (const line of String(run(queryOf("gaps.sql"), "JSONEachRow")).split("\n"))
        if (line) inGaps += Number(JSON.parse(line).deliveries);
    // audit's summary line and warnings (src/cmd_audit.c).
    process.stderr.write(`camaudit: ${n} deliveries checked, ${traced} (${share.toFixed(1)}%) ` +
        `traced to a fill; findings: cross_tenant ${s.cross_tenant}, device_mismatch ` +
        `${s.device_mismatch}, unknown_owner ${s.unknown_owner}, unattributed ${s.unattributed}\n`);
    // An incomplete answer: one warning that says why (report_blindness).
    const why = [];
    if (share < opt.minTraced)
        why.push(`only ${share.toFixed(1)}% of deliveries could be traced to a fill ` +
            `(--min-traced ${opt.minTraced}; are cache logs missing?)`);
    if (inGaps)
        why.push(`${inGaps} deliveries fall in coverage gaps (hours in which the cache ` +
            "node that served them wrote no cache log line; see 'camaudit status')");
    if (n === 0)
        process.stderr.write("camaudit: warning: no deliveries in the store for this window: " +
            "nothing was checked\n");
    else if (why.length)
        process.stderr.write(`camaudit: warning: ${why.join(" and ")}: an absence of ` +
            "findings means unknown, not clean\n");
    blind = n === 0 || why.length > 0;
    lap("summary");
}
if (opt.query)
    process.stdout.write(String(run(opt.query, "JSONEachRow")));
// As audit's: findings are 1 or 6, an incomplete answer 5 or 6.
process.exitCode = blind ? (printed ? 6 : 5) : (printed ? 1 : 0);
