#!/usr/bin/env python3
"""Write the fuzz targets' seed corpora (fuzz/corpus/<target>/).

The seeds are committed; this script says what each one is and makes them
again (byte for byte: gzip members carry no time stamp).  Run it from the
source tree: python3 fuzz/gen-corpus.py.  Keep the whole corpus small: the
fuzzer finds the long inputs itself.
"""
import gzip
import os
import sys
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def gz(data, level=9):
    return gzip.compress(data, compresslevel=level, mtime=0)


def small_log(name):
    with open(os.path.join(ROOT, "tests", "data", "small", name), "rb") as f:
        return f.read()


RELAY = small_log("relay.log")
CACHE = small_log("cache.log")
REGISTRY = small_log("registry.log")
# One file with every kind of line: what a single fuzz input can correlate.
ALL = REGISTRY + CACHE + RELAY
ONE_SERVE = RELAY.splitlines(keepends=True)[2]

LOGFMT = {
    "serve": RELAY.splitlines()[0],
    "serve-quoted-ua": RELAY.splitlines()[2],
    "fill-bare-ts": CACHE.splitlines()[0],
    "evict": CACHE.splitlines()[3],
    "bind": REGISTRY.splitlines()[0],
    "share": REGISTRY.splitlines()[4],
    "unshare-epoch": b"ts=1577348043.512 op=unshare device=cam-3 account=acct-2",
    "purge-offset": b"2019-12-26 11:02:00+01:00 op=purge node=cache-2 key=still/low",
    "expire-tabs": b"ts=2019-12-26T08:16:00Z\top=expire\tnode=cache-2\tkey=k",
    "escapes": b'ts=2019-12-26T08:00:00Z account="a\\"b\\\\c\\n\\t\\r" key="" device=x',
    "duplicate-keys": b"ts=1 ts=2 account=a account=b key=k key=",
    "unterminated-quote": b'ts=2019-12-26T08:00:00Z account="acct-1 key=k',
    "unknown-op": b"ts=2019-12-26T08:00:00Z op=refill node=n key=k",
    "missing-field": b"ts=2019-12-26T08:00:00Z op=fill node=n key=k",
    "bad-ts": b"ts=2019-13-26T08:00:00Z account=a key=k",
    "control-bytes": b"ts=1 account=\x1b[31mred\x1b[0m key=\xff\xfe device=\x00",
    "bare-tokens": b"free text == = =x k= \"",
}

TIMEFMT = {
    "rfc3339-ms": b"2019-12-26T08:14:03.512Z",
    "rfc3339-space-offset": b"2019-12-26 08:14:03+01:00",
    "rfc3339-lower-t-negative": b"2019-12-26t08:14:03.5-05:30",
    "rfc3339-nanos": b"2019-12-26T08:14:03.123456789z",
    "leap-second": b"2016-12-31T23:59:60Z",
    "leap-day": b"2000-02-29T00:00:00Z",
    "year-0": b"0000-01-01T00:00:00+00:01",
    "offset-hhmm": b"2019-12-26T08:00:00.250-0530",
    "year-9999": b"9999-12-31T23:59:59.999Z",
    "epoch": b"1577348043",
    "epoch-fraction": b"1577348043.512",
    "epoch-large": b"253402300799.9",
    "date": b"2019-12-26",
    "now": b"now",
    "today": b"today",
    "yesterday": b"yesterday",
    "minus-duration": b"-2h",
    "duration-groups": b"1h30m15s500ms",
    "duration-days": b"2d",
    "duration-zero": b"0",
    # Just past the 2^60 ms cap on a duration's total.
    "duration-cap": b"100000000d" * 134,
    "format-int64": b"\x00\x00\x00\x00\x00\x00\x00\x80",
}

INPUT = {
    "plain": RELAY,
    "crlf": RELAY.replace(b"\n", b"\r\n"),
    "nul-bytes": b"ts=1 account=a\x00b key=k\n\x00\x00\x00\n",
    "no-final-newline": RELAY.rstrip(b"\n"),
    "empty-lines": b"\n\n \n\t\n",
    "gzip": gz(RELAY),
    "gzip-multi-member": gz(RELAY[:300]) + gz(RELAY[300:]) + gz(b""),
    "gzip-truncated": gz(RELAY)[:200],
    "gzip-bad-crc": (lambda g: g[:-8] + bytes([g[-8] ^ 1]) + g[-7:])(gz(RELAY)),
    "gzip-trailing-garbage": gz(RELAY) + b"garbage\n",
    "gzip-trailing-zeros": gz(RELAY) + b"\x00" * 8,
    "gzip-overlong-line": gz(b"a" * 70000 + b"\nb\n"),
    "gzip-magic-only": b"\x1f\x8b",
    "gzip-stored-block": gz(RELAY[:200], level=0),
    "one-byte-magic": b"\x1f",
}

INGEST = {
    "all-kinds": ALL,
    "all-kinds-gzip": gz(ALL),
    "all-kinds-crlf": ALL.replace(b"\n", b"\r\n"),
    "all-kinds-multi-member": gz(REGISTRY + CACHE) + gz(RELAY),
    "truncated-gzip": gz(ALL)[:400],
    "trailing-garbage": gz(REGISTRY) + b"x",
    "nul-line": REGISTRY + b"ts=1 account=a\x00 key=k\n" + ONE_SERVE,
    "rejects": b"".join(v + b"\n" for v in LOGFMT.values()),
    "unterminated-last-line": ALL.rstrip(b"\n"),
    "hostile-values": b"ts=2019-12-01T00:00:00Z op=bind device=cam-1 account=acct-1\n"
    b"ts=2019-12-26T08:00:00Z op=fill node=n key=k device=cam-1\n"
    b"ts=2019-12-26T08:00:01Z account=\"=cmd|' /C calc'!A0\" key=k node=n"
    b" req=\"'); DROP TABLE serve; --\" device=\"\x1b]0;x\x07\xc2\x9b\xe2\x80\xa8\xff\"\n",
}

# fuzz_store: the first 4 bytes are the schema version (big-endian) put in
# an empty store's header; each 3 after them an offset and a byte to write.
# CURRENT is the latest schema, the length of src/schema.c's migrations.
CURRENT = 6
STORE = {
    "version-current": CURRENT.to_bytes(4, "big"),
    "version-0": b"\x00\x00\x00\x00",
    "version-older": b"\x00\x00\x00\x02",
    "version-newer": b"\x00\x00\x00\x63",
    "version-minus-1": b"\xff\xff\xff\xff",
    "version-int-min": b"\x80\x00\x00\x00",
    # The page size (offset 16), then the schema cookie (offset 40).
    "header-page-size": CURRENT.to_bytes(4, "big") + b"\x00\x10\x00\x00\x11\x03",
    "header-schema-cookie": b"\xff\xff\xff\xff\x00\x28\x7f",
    # A whole file: only SQLite's header, nothing after it.
    "header-only": b"SQLite format 3\x00" + b"\x10\x00\x01\x01" + bytes(80),
}


def write(target, seeds):
    # Only this script's seeds are rewritten: the ones captured from real
    # servers' logs (fuzz/corpus/ingest/apache and the like) stay as they are.
    path = os.path.join(CORPUS, target)
    os.makedirs(path, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)


def main():
    for target, seeds in (("logfmt", LOGFMT), ("timefmt", TIMEFMT),
                          ("input", INPUT), ("ingest", INGEST),
                          ("store", STORE)):
        write(target, seeds)
    total = sum(os.path.getsize(os.path.join(d, f))
                for d, _, files in os.walk(CORPUS) for f in files)
    print("fuzz/corpus: %d bytes" % total, file=sys.stderr)


if __name__ == "__main__":
    main()
