#!/usr/bin/env python3
"""Generate camaudit's sample logs (samples/) and their ground truth
(tests/data/samples.expected).

What the data shows
-------------------
Two days, 2019-12-25T00:00:00Z to 2019-12-27T00:00:00Z, of a camera-streaming
service: relays relay-a and relay-b serve still frames out of cache nodes
cache-1 and cache-2; a registry records which account owns which camera.

* A still frame is normally cached under still/<device>/<quality>
  (quality hd or low).
* 2019-12-26T08:14:00Z: a faulty cache update (gen=42, was gen=41) reaches
  cache-2.  Low-quality stills filled on cache-2 now use the key still/low,
  without the camera, so whoever asks cache-2 for a low still gets the frame
  of whichever camera was filled last: frames cross from one customer to
  another (cross_tenant; device_mismatch when the foreign frame is of another
  camera the viewer may see anyway).
* 2019-12-26T11:02:00Z: rolled back (gen=43) and still/low purged.  cache-1 is
  never affected.

Also in the data: a demo camera never bound to any account (unknown_owner);
a camera transfer on 2019-12-25 at 14:30 (ownership counts as of fill time,
so the new owner is first shown the old owner's cached frame); a share
granted 2019-12-25 and revoked in the middle of the leak; 304, 404 and 500
responses (never findings, even during the leak); evictions, expiries and
the purge; a stretch of cache-1's log that was lost (2019-12-25 19:42:10 to
19:47:55, with an eviction logged just before it) and frames cached before
the logs begin (unattributed); cache-2's clock running 0.2 to 0.8 s ahead of
the relays.

How it is made
--------------
Viewer sessions are drawn at random (fixed seed) around a few scripted
scenes.  A discrete-event simulation of both caches (TTL expiry, refill on
MISS, evictions) decides which object each request physically received, and
the logs are written from what the simulation did.  The expected verdicts come
from that ground truth -- whose camera the delivered frame shows, who owned
that camera when the frame was filled, what the viewer was allowed to see at
serve time -- never from correlating the logs.

So that camaudit's correlation (latest fill of the key on the node at most
2 s after the serve, within TTL + 2 s, no eviction in between) has exactly
one right answer, requests that would land too close to an expiry or to a
refill are nudged a few seconds later (see Simulation.admissible_time).

Logs are rotated every 12 h per host as logrotate would leave them:
NAME.log.3.gz, NAME.log.2.gz, NAME.log.1, NAME.log.  The relays' .log.1 holds
gzip data despite its name, the caches' is NAME.log.1.gz, and
relay-b.log.2.gz is a multi-member gzip.  A relay writes its line when the
request ends, so relay lines are slightly out of time order and land in the
file that was current then.  relay-b and cache-2 write the time as a bare
first token, the others as ts=.

Run from anywhere (paths are relative to this file):

    python3 tests/gen-samples.py

The output is byte-for-byte deterministic.
"""

import gzip
import heapq
import io
import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20191226

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = ROOT / "samples"
EXPECTED_FILE = ROOT / "tests" / "data" / "samples.expected"

VERDICTS = ("cross_tenant", "device_mismatch", "unknown_owner", "unattributed")

# ---------------------------------------------------------------- time ----
# All times are int milliseconds since the Unix epoch: exact arithmetic.

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SEC = 1000
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR


def at(text):
    """'2019-12-26T08:14:00' -> ms since the epoch."""
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return (moment - EPOCH) // timedelta(milliseconds=1)


def rfc3339(ms):
    moment = EPOCH + timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


LOG_START = at("2019-12-25T00:00:00")
LOG_END = at("2019-12-27T00:00:00")
SIM_START = LOG_START - 20 * MIN  # traffic starts early so the caches are warm
ROTATE_EVERY = 12 * HOUR

# ------------------------------------------------------------ the story ----

LEAK_START = at("2019-12-26T08:14:00")  # gen=42 reaches cache-2
LEAK_END = at("2019-12-26T11:02:00")  # rolled back: gen=43
PURGE_AT = at("2019-12-26T11:02:30")  # the operator purges still/low on cache-2
LEAK_NODE = "cache-2"
LEAK_KEY = "still/low"

# cache-1 failed to write its log for a while (lines lost, cache kept working)
LOG_GAP_NODE = "cache-1"
LOG_GAP_START = at("2019-12-25T19:42:10")
LOG_GAP_END = at("2019-12-25T19:47:55")

TRANSFER_FROM, TRANSFER_TO = "acct-0006", "acct-0015"
UNBIND_AT = at("2019-12-25T14:30:00")
REBIND_AT = at("2019-12-25T14:30:12")

SHARE_OWNER, SHARE_VIEWER = "acct-0012", "acct-0011"
SHARE_AT = at("2019-12-25T09:00:00")
UNSHARE_AT = at("2019-12-26T09:40:00")  # in the middle of the leak

DEMO_CAMERA = "cam-demo01"  # showroom camera, never bound to any account
DEMO_VIEWER = "acct-0001"  # the installer's account that shows it off

# (owner, node, offline from, back at): a MISS meanwhile ends in 404
OFFLINE = [
    ("acct-0008", "cache-1", at("2019-12-25T03:10:00"), at("2019-12-25T04:25:00")),
    ("acct-0020", "cache-2", at("2019-12-26T09:55:00"), at("2019-12-26T10:20:00")),
    ("acct-0016", "cache-1", at("2019-12-26T17:40:00"), at("2019-12-26T18:05:00")),
]

# --------------------------------------------------------------- caches ----

NODES = ("cache-1", "cache-2")
RELAYS = ("relay-a", "relay-b")
TTL = {"hd": 10 * SEC, "low": 60 * SEC}

# Margins that keep the truth unambiguous under camaudit's 2 s skew tolerance.
HIT_BEFORE_EXPIRY = 2500  # no HIT in the last 2.5 s of an object's TTL
REFILL_AFTER_EXPIRY = 4000  # a refill comes >= 4 s after the expiry...
REFILL_AFTER_SERVE = 3500  # ...and >= 3.5 s after the last serve of the old object
EVICT_MIN_AGE = 2 * SEC  # only objects older than this are evicted


def cache_key(node, device, quality, t):
    """The key a node files a still under: the bug of gen=42 drops the camera."""
    if node == LEAK_NODE and quality == "low" and LEAK_START <= t < LEAK_END:
        return LEAK_KEY
    return "still/%s/%s" % (device, quality)


def cache_generation(node, t):
    if node == LEAK_NODE and t >= LEAK_END:
        return 43
    if node == LEAK_NODE and t >= LEAK_START:
        return 42
    return 41


def host_clock(host, t):
    """What a host's clock reads at true time t.  Only cache-2's is off: it
    drifts between 0.2 and 0.8 s ahead, a triangle wave with a one-day period."""
    if host != "cache-2":
        return t
    phase = (t - SIM_START) % DAY
    return t + 200 + 600 * min(phase, DAY - phase) * 2 // DAY


# ----------------------------------------------------------------- cast ----

ACCOUNTS = ["acct-%04d" % n for n in range(1, 21)]

# One row per camera: (owner since 2019-12-01, the cache node the relays'
# consistent hashing sends it to).  No account has two cameras on cache-2,
# so device_mismatch comes only from the share: a handful.
CAMERA_TABLE = [
    ("acct-0001", "cache-1"), ("acct-0001", "cache-2"),
    ("acct-0002", "cache-2"),
    ("acct-0003", "cache-2"), ("acct-0003", "cache-1"), ("acct-0003", "cache-1"),
    ("acct-0004", "cache-1"),
    ("acct-0005", "cache-1"), ("acct-0005", "cache-2"),
    ("acct-0006", "cache-1"), ("acct-0006", "cache-2"),
    ("acct-0007", "cache-2"),
    ("acct-0008", "cache-1"),
    ("acct-0009", "cache-2"), ("acct-0009", "cache-1"),
    ("acct-0010", "cache-1"),
    ("acct-0011", "cache-2"),
    ("acct-0012", "cache-2"), ("acct-0012", "cache-1"),
    ("acct-0013", "cache-1"),
    ("acct-0014", "cache-2"), ("acct-0014", "cache-1"),
    ("acct-0015", "cache-2"),
    ("acct-0016", "cache-1"),
    ("acct-0017", "cache-2"), ("acct-0017", "cache-1"),
    ("acct-0018", "cache-2"),
    ("acct-0019", "cache-1"), ("acct-0019", "cache-2"),
    ("acct-0020", "cache-2"),
]

# Clients.  Browsers send conditional requests, so they get 304s.
UA_IPHONE = "camapp/4.2.1 (iPhone; iOS 13.3)"
UA_ANDROID = "camapp/4.2.0 (Linux; Android 10; Pixel 3)"
UA_ANDROID_OLD = "camapp/4.1.7 (Linux; Android 9; SM-G960F)"
UA_FIREFOX = "Mozilla/5.0 (X11; Linux) Firefox/71.0"
UA_SAFARI = "Mozilla/5.0 (Macintosh) Safari/605.1"
UA_NEST_HUB = 'Nest Hub/1.7 (Linux; "cast")'
UA_CAMSYNC = 'camsync/0.9 (Windows; "C:\\cams")'  # a backslash to escape
PHONE_UAS = [UA_IPHONE, UA_ANDROID, UA_ANDROID_OLD]
WEB_UAS = [UA_FIREFOX, UA_SAFARI, UA_CAMSYNC]
CONDITIONAL_UAS = (UA_FIREFOX, UA_SAFARI)


@dataclass
class Cast:
    cameras: list  # device ids, in CAMERA_TABLE order
    first_owner: dict  # device -> owner since 2019-12-01
    route: dict  # device -> cache node
    clients: dict  # account -> its user agents
    activity: dict  # account -> relative number of sessions

    def camera(self, account, node):
        """The account's (first) camera on that node."""
        return next(d for d in self.cameras
                    if self.first_owner[d] == account and self.route[d] == node)


def make_cast(rng):
    cameras, first_owner, route = [], {}, {}
    for owner, node in CAMERA_TABLE:
        device = "cam-%06x" % rng.getrandbits(24)
        while device in first_owner:
            device = "cam-%06x" % rng.getrandbits(24)
        cameras.append(device)
        first_owner[device] = owner
        route[device] = node
    route[DEMO_CAMERA] = "cache-2"
    clients, activity = {}, {}
    for account in ACCOUNTS:
        uas = [rng.choice(PHONE_UAS)]
        if rng.random() < 0.5:
            uas.append(rng.choice(WEB_UAS))
        if rng.random() < 0.3:
            uas.append(UA_NEST_HUB)
        clients[account] = uas
        activity[account] = rng.uniform(0.5, 2.0)
    return Cast(cameras, first_owner, route, clients, activity)


# ------------------------------------------------------------- registry ----


class Registry:
    """Ownership and shares over time: the truth, and registry.log."""

    def __init__(self):
        self.events = []  # (t, op, device, account), in time order

    def add(self, t, op, device, account):
        self.events.append((t, op, device, account))
        self.events.sort(key=lambda event: event[0])

    def owner(self, device, t):
        """The account bound to device at t, or None."""
        owner = None
        for when, op, dev, account in self.events:
            if when > t:
                break
            if dev == device and op == "bind":
                owner = account
            elif dev == device and op == "unbind":
                owner = None
        return owner

    def shared(self, account, device, t):
        """Whether account holds a share on device at t."""
        holds = False
        for when, op, dev, acct in self.events:
            if when > t:
                break
            if dev == device and acct == account and op in ("share", "unshare"):
                holds = op == "share"
        return holds

    def may_view(self, account, device, t):
        return self.owner(device, t) == account or self.shared(account, device, t)


def make_registry(rng, cast):
    registry = Registry()
    t = at("2019-12-01T09:00:00")
    for device in cast.cameras:
        t += rng.randint(20, 300) * SEC
        registry.add(t, "bind", device, cast.first_owner[device])
    moved = cast.camera(TRANSFER_FROM, "cache-1")
    registry.add(UNBIND_AT, "unbind", moved, TRANSFER_FROM)
    registry.add(REBIND_AT, "bind", moved, TRANSFER_TO)
    shared = cast.camera(SHARE_OWNER, "cache-2")
    registry.add(SHARE_AT, "share", shared, SHARE_VIEWER)
    registry.add(UNSHARE_AT, "unshare", shared, SHARE_VIEWER)
    return registry


# -------------------------------------------------------------- traffic ----


@dataclass
class Session:
    account: str
    relay: str
    ua: str
    scripted: bool = False
    last_frame: dict = field(default_factory=dict)  # device -> frame id last delivered

    @property
    def conditional(self):
        return not self.scripted and self.ua in CONDITIONAL_UAS


@dataclass
class Request:
    t: int
    session: Session
    device: str
    quality: str
    # Scripted requests only:
    expect: str = None  # verdict the scene is built for; None: not delivered or not logged
    force_status: int = None  # 304/500 on a HIT, 404/500 on a MISS
    scene: str = ""


SESSIONS_PER_HOUR = 20.0  # the daily mean is about 0.94 times this


def session_rate(t):
    """Sessions per hour: quiet nights, a busy morning peaking at 09:00 UTC."""
    hour = (t % DAY) / HOUR
    daylight = (1 + math.cos(2 * math.pi * (hour - 9) / 24)) / 2
    return SESSIONS_PER_HOUR * (0.25 + 2.2 * daylight ** 3)


def random_requests(rng, cast, registry):
    """Viewer sessions drawn at random, flattened into their requests."""
    requests = []
    peak = session_rate(9 * HOUR)
    weights = [cast.activity[account] for account in ACCOUNTS]
    t = SIM_START
    while True:
        t += int(rng.expovariate(peak) * HOUR)
        if t >= LOG_END:
            return requests
        if rng.random() >= session_rate(t) / peak:
            continue  # thinning: fewer sessions at night
        account = rng.choices(ACCOUNTS, weights)[0]
        cameras = [d for d in cast.cameras if registry.may_view(account, d, t)]
        if not cameras:
            continue
        ua = rng.choice(cast.clients[account])
        session = Session(account, rng.choice(RELAYS), ua)
        if ua == UA_NEST_HUB:
            kind = "ambient"
        elif ua in WEB_UAS:
            kind = rng.choice(["list", "live"])
        else:
            kind = rng.choices(["list", "live", "thumb"], [0.45, 0.3, 0.25])[0]
        for when, device, quality in session_plan(rng, kind, t, cameras):
            requests.append(Request(when, session, device, quality))


def session_plan(rng, kind, t, cameras):
    """(time, device, quality) of each request a session makes."""
    plan = []
    if kind == "list":  # the app's camera list: low stills, refreshed a few times
        for _ in range(rng.randint(1, 5)):
            when = t
            for device in cameras:
                plan.append((when, device, "low"))
                when += rng.randint(80, 400)
            t += rng.randint(20, 50) * SEC
    elif kind == "thumb":  # a notification's thumbnail
        device = rng.choice(cameras)
        plan.append((t, device, "low"))
        if rng.random() < 0.3:
            plan.append((t + rng.randint(5, 15) * SEC, device, "low"))
    elif kind == "live":  # one camera full screen, polling hd stills
        device = rng.choice(cameras)
        for _ in range(rng.randint(4, 15)):
            plan.append((t, device, "hd"))
            t += rng.randint(2000, 6000)
    elif kind == "ambient":  # a Nest Hub showing one camera's low stills
        device = rng.choice(cameras)
        for _ in range(rng.randint(6, 20)):
            plan.append((t, device, "low"))
            t += rng.randint(10, 20) * SEC
    return plan


# --------------------------------------------------------------- scenes ----


@dataclass
class QuietWindow:
    """No random traffic matching (node, quality, device) in [start, end),
    so that a scripted scene is undisturbed.  None matches anything."""

    start: int
    end: int
    node: str = None
    quality: str = None
    device: str = None

    def covers(self, t, node, quality, device):
        return (self.start <= t < self.end
                and self.node in (None, node)
                and self.quality in (None, quality)
                and self.device in (None, device))


@dataclass
class Script:
    requests: list = field(default_factory=list)
    quiet: list = field(default_factory=list)
    evictions: list = field(default_factory=list)  # (t, node, key)

    def quiet_for(self, start, end, node=None, quality=None, device=None):
        self.quiet.append(QuietWindow(at(start), at(end), node, quality, device))


def scripted_scenes(cast, rng):
    """The scenes the data set must show, each request with its verdict.
    Times get random milliseconds; the scenes leave room for them."""
    script = Script()

    def viewer(account, relay):
        return Session(account, relay, cast.clients[account][0], scripted=True)

    def ask(session, when, device, quality, expect, scene, force_status=None):
        """when: a time to the second (random milliseconds are added) or ms."""
        t = when if isinstance(when, int) else at(when) + rng.randint(0, 999)
        script.requests.append(Request(t, session, device, quality, expect, force_status, scene))
        return t

    # Frames cached before the logs begin: their fills are in no log.
    low, hd = cast.camera("acct-0004", "cache-1"), cast.camera("acct-0002", "cache-2")
    script.quiet_for("2019-12-24T23:57:00", "2019-12-25T00:01:30", device=low)
    script.quiet_for("2019-12-24T23:58:00", "2019-12-25T00:00:30", device=hd)
    ask(viewer("acct-0004", "relay-a"), "2019-12-24T23:59:30", low, "low", None, "warm cache: fill")
    ask(viewer("acct-0004", "relay-b"), "2019-12-25T00:00:15", low, "low", "unattributed", "warm cache")
    ask(viewer("acct-0002", "relay-b"), "2019-12-24T23:59:55", hd, "hd", None, "warm cache: fill")
    ask(viewer("acct-0002", "relay-a"), "2019-12-25T00:00:01", hd, "hd", "unattributed", "warm cache")

    # The demo camera: nobody owns it.
    installer = viewer(DEMO_VIEWER, "relay-b")
    for when in ("11:30:00", "11:30:03", "11:30:06"):
        ask(installer, "2019-12-25T" + when, DEMO_CAMERA, "hd", "unknown_owner", "demo camera")

    # The transfer: what counts is who owned the camera when the frame was filled.
    moved = cast.camera(TRANSFER_FROM, "cache-1")
    script.quiet_for("2019-12-25T14:20:00", "2019-12-25T14:50:00", device=moved)
    old, new = viewer(TRANSFER_FROM, "relay-a"), viewer(TRANSFER_TO, "relay-b")
    ask(old, "2019-12-25T14:29:40", moved, "low", "ok", "transfer: old owner fills")
    ask(old, "2019-12-25T14:29:52", moved, "low", "ok", "transfer: old owner")
    ask(old, "2019-12-25T14:30:05", moved, "low", "ok", "transfer: old owner's frame after unbind")
    ask(new, "2019-12-25T14:30:20", moved, "low", "cross_tenant", "transfer: new owner, old frame")
    ask(new, "2019-12-25T14:30:33", moved, "low", "cross_tenant", "transfer: new owner, old frame")
    ask(new, "2019-12-25T14:30:55", moved, "low", "ok", "transfer: new owner refills")
    ask(new, "2019-12-25T14:31:10", moved, "low", "ok", "transfer: new owner")

    # The sharee watches the shared camera: fine while shared.
    shared = cast.camera(SHARE_OWNER, "cache-2")
    script.quiet_for("2019-12-25T20:08:00", "2019-12-25T20:12:00", device=shared)
    sharee = viewer(SHARE_VIEWER, "relay-a")
    for when in ("20:10:00", "20:10:03", "20:10:06"):
        ask(sharee, "2019-12-25T" + when, shared, "hd", "ok", "share: sharee watches")

    # cache-1's lost log lines: fills inside the gap are unknown.  The third
    # camera's object is evicted just before the gap and refilled inside it,
    # so the eviction is what rules out the earlier (logged) fill.
    low, hd = cast.camera("acct-0010", "cache-1"), cast.camera("acct-0013", "cache-1")
    evicted = cast.camera("acct-0019", "cache-1")
    script.quiet_for("2019-12-25T19:42:00", "2019-12-25T19:46:00", device=low)
    script.quiet_for("2019-12-25T19:43:30", "2019-12-25T19:46:00", device=hd)
    script.quiet_for("2019-12-25T19:39:00", "2019-12-25T19:44:00", device=evicted)
    ask(viewer("acct-0010", "relay-a"), "2019-12-25T19:44:00", low, "low", "unattributed", "log gap")
    ask(viewer("acct-0010", "relay-b"), "2019-12-25T19:44:30", low, "low", "unattributed", "log gap")
    ask(viewer("acct-0013", "relay-b"), "2019-12-25T19:45:00", hd, "hd", "unattributed", "log gap")
    ask(viewer("acct-0013", "relay-a"), "2019-12-25T19:45:04", hd, "hd", "unattributed", "log gap")
    session = viewer("acct-0019", "relay-b")
    ask(session, "2019-12-25T19:41:30", evicted, "low", "ok", "evicted before the gap: fill")
    ask(session, "2019-12-25T19:41:45", evicted, "low", "ok", "evicted before the gap")
    script.evictions.append((at("2019-12-25T19:41:55") + rng.randint(0, 999), "cache-1",
                             "still/%s/low" % evicted))
    ask(session, "2019-12-25T19:42:15", evicted, "low", "unattributed", "refilled in the gap")
    ask(viewer("acct-0019", "relay-a"), "2019-12-25T19:42:25", evicted, "low", "unattributed",
        "refilled in the gap")

    # The leak.  Each scene runs in a window free of random cache-2 low
    # traffic, so still/low is empty when it starts.
    sharee_own = cast.camera(SHARE_VIEWER, "cache-2")
    bystander = cast.camera("acct-0007", "cache-2")
    other = cast.camera("acct-0018", "cache-2")

    script.quiet_for("2019-12-26T09:17:00", "2019-12-26T09:21:30", LEAK_NODE, "low")
    ask(viewer(SHARE_OWNER, "relay-b"), "2019-12-26T09:20:00", shared, "low", "ok", "leak: owner fills")
    sharee = viewer(SHARE_VIEWER, "relay-a")
    ask(sharee, "2019-12-26T09:20:15", sharee_own, "low", "device_mismatch",
        "leak: sharee gets shared camera")
    ask(sharee, "2019-12-26T09:20:30", shared, "low", "ok", "leak: sharee gets what it asked for")

    script.quiet_for("2019-12-26T09:27:00", "2019-12-26T09:31:30", LEAK_NODE, "low")
    sharee = viewer(SHARE_VIEWER, "relay-b")
    for when in ("09:30:00", "09:30:30"):  # the app's list: own camera, then the shared one
        t = ask(sharee, "2019-12-26T" + when, sharee_own, "low", "ok", "leak: sharee's list")
        ask(sharee, t + rng.randint(80, 400), shared, "low", "device_mismatch",
            "leak: sharee's list shows its own frame for the shared camera")

    script.quiet_for("2019-12-26T09:47:00", "2019-12-26T09:52:00", LEAK_NODE, "low")
    ask(viewer(SHARE_OWNER, "relay-b"), "2019-12-26T09:50:00", shared, "low", "ok", "leak: owner fills")
    sharee = viewer(SHARE_VIEWER, "relay-b")
    ask(sharee, "2019-12-26T09:50:20", sharee_own, "low", "cross_tenant", "leak: share revoked")
    ask(sharee, "2019-12-26T09:50:35", sharee_own, "low", None, "leak: 304", force_status=304)
    session = viewer("acct-0007", "relay-a")
    ask(session, "2019-12-26T09:50:45", bystander, "low", None, "leak: 500 on a HIT", force_status=500)
    ask(session, "2019-12-26T09:51:40", bystander, "low", None, "leak: 404 on a MISS", force_status=404)

    script.quiet_for("2019-12-26T10:02:00", "2019-12-26T10:06:30", LEAK_NODE, "low")
    installer = viewer(DEMO_VIEWER, "relay-a")
    ask(installer, "2019-12-26T10:05:00", DEMO_CAMERA, "low", "unknown_owner", "leak: demo camera fills")
    ask(viewer("acct-0007", "relay-b"), "2019-12-26T10:05:20", bystander, "low", "unknown_owner",
        "leak: demo frame")
    ask(installer, "2019-12-26T10:05:35", DEMO_CAMERA, "low", "unknown_owner", "leak: demo camera")
    ask(viewer("acct-0018", "relay-a"), "2019-12-26T10:05:50", other, "low", "unknown_owner",
        "leak: demo frame")
    return script


# ----------------------------------------------------------- simulation ----


@dataclass
class Frame:
    """One object stored in a cache: a still of `device`."""

    id: str
    node: str
    key: str
    device: str
    fill_t: int  # true time it was stored
    ttl: int
    size: int

    @property
    def expires(self):
        return self.fill_t + self.ttl

    @property
    def logged(self):
        """Whether its fill line made it into the logs."""
        return in_logs(self.node, host_clock(self.node, self.fill_t))


@dataclass
class Slot:
    """What a node holds under one key."""

    frame: Frame = None
    removed: str = None  # None while stored, else 'evict', 'purge' or 'expire'
    last_serve: int = None  # last time a request was answered from `frame`

    def live(self, t):
        return self.frame is not None and self.removed is None and t < self.frame.expires


@dataclass
class Serve:
    """One request as the relay handled it."""

    req_id: str
    relay: str
    t: int  # request start: the ts the relay logs
    written: int  # request end: when the relay writes the line
    request: Request
    node: str
    key: str
    cache: str  # HIT or MISS
    status: int
    frame: Frame  # the object sent (200) or confirmed (304); else None
    bytes: int
    rtt: int


class Simulation:
    def __init__(self, rng, cast, registry, script):
        self.rng = rng
        self.cast = cast
        self.registry = registry
        self.quiet = script.quiet
        self.offline = [(cast.camera(owner, node), start, end) for owner, node, start, end in OFFLINE]
        self.slots = {}  # (node, key) -> Slot
        self.frame_count = {node: 0 for node in NODES}
        self.request_count = {relay: 0 for relay in RELAYS}
        self.serves = []
        self.cache_events = {node: [] for node in NODES}  # (true time, logfmt pairs)
        self.queue = []
        self.queue_count = 0
        self.nudged = 0

    def push(self, t, kind, payload):
        self.queue_count += 1
        heapq.heappush(self.queue, (t, self.queue_count, kind, payload))

    def run(self):
        while self.queue:
            t, _, kind, payload = heapq.heappop(self.queue)
            getattr(self, "on_" + kind)(t, payload)

    def slot(self, node, key):
        return self.slots.setdefault((node, key), Slot())

    def admissible_time(self, slot, t):
        """Earliest time >= t at which a request on this slot has exactly one
        origin under camaudit's rules: not in the last HIT_BEFORE_EXPIRY of the
        object's TTL nor just after its expiry, and never a refill less than
        REFILL_AFTER_SERVE after the last serve of the previous object."""
        frame = slot.frame
        if frame is not None and slot.removed in (None, "expire"):
            if frame.expires - HIT_BEFORE_EXPIRY <= t < frame.expires + REFILL_AFTER_EXPIRY:
                return frame.expires + REFILL_AFTER_EXPIRY
        if not slot.live(t) and slot.last_serve is not None:
            if t < slot.last_serve + REFILL_AFTER_SERVE:
                return slot.last_serve + REFILL_AFTER_SERVE
        return t

    def on_request(self, t, request):
        rng, session = self.rng, request.session
        node = self.cast.route[request.device]
        if not session.scripted:
            if any(w.covers(t, node, request.quality, request.device) for w in self.quiet):
                return
            if not self.registry.may_view(session.account, request.device, t):
                return  # the app stops showing a camera the viewer lost
        key = cache_key(node, request.device, request.quality, t)
        slot = self.slot(node, key)
        admissible = self.admissible_time(slot, t)
        if admissible != t:
            self.nudged += 1
            self.push(admissible + rng.randint(0, 2500), "request", request)
            return

        frame, status = None, 200
        if slot.live(t):
            cache = "HIT"
            frame = slot.frame
            rtt = rng.randint(4, 60) if rng.random() < 0.95 else rng.randint(300, 1500)
            if request.force_status in (304, 500):
                status = request.force_status
            elif session.conditional and session.last_frame.get(request.device) == frame.id \
                    and rng.random() < 0.5:
                status = 304
            elif not session.scripted and rng.random() < 0.002:
                status = 500  # the relay failed writing to the client
            slot.last_serve = t
        else:
            cache = "MISS"
            fetch = rng.randint(20, 300)  # camera -> cache
            rtt = fetch + rng.randint(30, 400)
            if request.force_status in (404, 500):
                status = request.force_status
            elif any(d == request.device and a <= t < b for d, a, b in self.offline):
                status = 404
            elif not session.scripted and rng.random() < 0.006:
                status = 500  # timed out fetching from the camera
            else:
                frame = self.fill(node, key, request.device, request.quality, t, fetch)
                slot.frame, slot.removed, slot.last_serve = frame, None, t
        if status == 500:
            rtt = rng.randint(1500, 5000)
        elif status == 404:
            rtt = rng.randint(20, 200)

        if status == 200:
            session.last_frame[request.device] = frame.id
        self.request_count[session.relay] += 1
        req_id = "r-%s-%06d" % (session.relay[-1], self.request_count[session.relay])
        self.serves.append(Serve(
            req_id, session.relay, t, t + rtt, request, node, key, cache, status,
            frame if status in (200, 304) else None,
            frame.size if status == 200 else 0, rtt))

    def fill(self, node, key, device, quality, t, fetch):
        self.frame_count[node] += 1
        frame_id = "f-%s-%06d" % (node[-1], self.frame_count[node])
        size = self.rng.randint(60000, 190000) if quality == "hd" else self.rng.randint(6000, 24000)
        frame = Frame(frame_id, node, key, device, t + fetch, TTL[quality], size)
        self.cache_events[node].append((frame.fill_t, [
            ("op", "fill"), ("node", node), ("key", key), ("device", device),
            ("frame", frame_id), ("ttl_ms", frame.ttl), ("gen", cache_generation(node, t)),
        ]))
        return frame

    def remove(self, t, node, key, op):
        self.cache_events[node].append((t, [("op", op), ("node", node), ("key", key)]))

    def on_evict(self, t, node):
        """Memory pressure: one live object, old enough to be in the log, goes."""
        if any(w.start - 2 * MIN <= t < w.end + 2 * MIN for w in self.quiet):
            return
        candidates = [slot for (n, _), slot in self.slots.items()
                      if n == node and slot.live(t) and t >= slot.frame.fill_t + EVICT_MIN_AGE]
        if candidates:
            slot = self.rng.choice(candidates)
            slot.removed = "evict"
            self.remove(t, node, slot.frame.key, "evict")

    def on_evict_key(self, t, node_key):
        slot = self.slots[node_key]
        assert slot.live(t) and t >= slot.frame.fill_t + EVICT_MIN_AGE, node_key
        slot.removed = "evict"
        self.remove(t, *node_key, "evict")

    def on_expire_sweep(self, t, node):
        """The nightly sweep logs and drops objects whose TTL has run out."""
        for (n, key), slot in self.slots.items():
            if n == node and slot.frame is not None and slot.removed is None \
                    and slot.frame.expires + SEC <= t:
                slot.removed = "expire"
                self.remove(t, node, key, "expire")

    def on_purge(self, t, node_key):
        slot = self.slot(*node_key)
        if slot.frame is not None and slot.removed is None:
            slot.removed = "purge"
        self.remove(t, *node_key, "purge")


def schedule_cache_upkeep(sim, rng, script):
    """Evictions (random, plus the scripted ones), nightly sweeps, the purge."""
    for node in NODES:
        t = SIM_START
        while True:
            t += int(rng.expovariate(1.0) * 50 * MIN)
            if t >= LOG_END - 5 * MIN:
                break
            near_gap = LOG_GAP_START - 3 * MIN <= t < LOG_GAP_END + 3 * MIN
            if t >= LOG_START + 5 * MIN and not near_gap:
                sim.push(t, "evict", node)
        for night in (at("2019-12-25T04:00:00"), at("2019-12-26T04:00:00")):
            sim.push(night + rng.randint(0, 59 * SEC), "expire_sweep", node)
    for t, node, key in script.evictions:
        sim.push(t, "evict_key", (node, key))
    sim.push(PURGE_AT, "purge", (LEAK_NODE, LEAK_KEY))


# ---------------------------------------------------------------- truth ----


def verdict(serve, registry):
    """The true verdict of a delivered serve, from what was physically sent."""
    frame = serve.frame
    if not frame.logged:
        return "unattributed"
    owner = registry.owner(frame.device, frame.fill_t)
    if owner is None:
        return "unknown_owner"
    viewer = serve.request.session.account
    if owner != viewer and not registry.shared(viewer, frame.device, serve.t):
        return "cross_tenant"
    if frame.device != serve.request.device:
        return "device_mismatch"
    return "ok"


# ------------------------------------------------------------------ logs ----


def in_logs(host, written):
    """Whether a line written at that host-clock time is in the samples."""
    if not LOG_START <= written < LOG_END:
        return False  # before: rotated out; after: not yet written
    return not (host == LOG_GAP_NODE and LOG_GAP_START <= written < LOG_GAP_END)


def logfmt(pairs):
    out = []
    for key, value in pairs:
        value = str(value)
        if value == "" or any(c in value for c in ' "=\\'):
            value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        out.append("%s=%s" % (key, value))
    return " ".join(out)


def log_line(host, t, pairs):
    if host in ("relay-b", "cache-2"):
        return rfc3339(t) + " " + logfmt(pairs)
    return logfmt([("ts", rfc3339(t))] + pairs)


def relay_line(serve):
    request = serve.request
    pairs = [("req", serve.req_id), ("account", request.session.account),
             ("device", request.device), ("key", serve.key)]
    if serve.relay == "relay-a" and serve.frame is not None:
        pairs.append(("frame", serve.frame.id))  # relay-b does not log frames
    pairs += [("cache", serve.cache), ("node", serve.node), ("relay", serve.relay),
              ("status", serve.status), ("bytes", serve.bytes), ("rtt_ms", serve.rtt),
              ("ua", request.session.ua)]
    return log_line(serve.relay, serve.t, pairs)


def host_logs(sim):
    """host -> [(written, line)] of the lines in the samples, in file order."""
    logs = {}
    for node in NODES:
        stamped = sorted((host_clock(node, t), pairs) for t, pairs in sim.cache_events[node])
        logs[node] = [(t, log_line(node, t, pairs)) for t, pairs in stamped if in_logs(node, t)]
    for relay in RELAYS:
        serves = sorted((s for s in sim.serves if s.relay == relay), key=lambda s: (s.written, s.req_id))
        logs[relay] = [(s.written, relay_line(s)) for s in serves if in_logs(relay, s.written)]
    return logs


def gzip_member(data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as out:
        out.write(data)
    return buf.getvalue()


def text(lines):
    return "".join(line + "\n" for _, line in lines).encode()


def rotated_files(host, lines):
    """Split a host's lines into logrotate's files: [(name, bytes, line count)]."""
    periods = [[] for _ in range((LOG_END - LOG_START) // ROTATE_EVERY)]
    for written, line in lines:
        periods[(written - LOG_START) // ROTATE_EVERY].append((written, line))
    files = []
    for age, chunk in zip((3, 2, 1, 0), periods):
        if age == 0:
            name, data = "%s.log" % host, text(chunk)
        elif age == 1 and host in RELAYS:
            name, data = "%s.log.1" % host, gzip_member(text(chunk))  # gzip, no .gz
        elif age == 2 and host == "relay-b":  # two members, as cat a.gz b.gz gives
            cut = LOG_START + DAY - 6 * HOUR
            name = "%s.log.2.gz" % host
            data = (gzip_member(text(l for l in chunk if l[0] < cut))
                    + gzip_member(text(l for l in chunk if l[0] >= cut)))
        else:
            name, data = "%s.log.%d.gz" % (host, age), gzip_member(text(chunk))
        files.append((name, data, len(chunk)))
    return files


def registry_file(registry):
    lines = [(t, log_line("registry", t, [("op", op), ("device", device), ("account", account)]))
             for t, op, device, account in registry.events]
    return ("registry.log", text(lines), len(lines))


# ------------------------------------------------------------------ main ----


def main():
    rng = random.Random(SEED)
    cast = make_cast(rng)
    registry = make_registry(rng, cast)
    script = scripted_scenes(cast, rng)
    sim = Simulation(rng, cast, registry, script)
    for request in script.requests + random_requests(rng, cast, registry):
        sim.push(request.t, "request", request)
    schedule_cache_upkeep(sim, rng, script)
    sim.run()

    findings, counts = [], dict.fromkeys(VERDICTS + ("ok",), 0)
    for serve in sim.serves:
        delivered = serve.status == 200 and in_logs(serve.relay, serve.written)
        truth = verdict(serve, registry) if delivered else None
        if serve.request.session.scripted:
            assert truth == serve.request.expect, (serve.request.scene, serve.req_id, truth)
        if truth is not None:
            counts[truth] += 1
        if truth not in (None, "ok"):
            findings.append("%s\t%s\n" % (serve.req_id, truth))

    logs = host_logs(sim)
    files = [f for host in RELAYS + NODES for f in rotated_files(host, logs[host])]
    files.append(registry_file(registry))
    SAMPLES_DIR.mkdir(exist_ok=True)
    for name, data, _ in files:
        (SAMPLES_DIR / name).write_bytes(data)
    EXPECTED_FILE.parent.mkdir(parents=True, exist_ok=True)
    EXPECTED_FILE.write_bytes("".join(sorted(findings)).encode())

    print("leak: %s to %s, %s key %s" % (rfc3339(LEAK_START), rfc3339(LEAK_END), LEAK_NODE, LEAK_KEY))
    print("delivered serves by true verdict:")
    for kind, count in counts.items():
        print("  %-16s %5d" % (kind, count))
    print("%d findings written to %s" % (len(findings), EXPECTED_FILE.relative_to(ROOT)))
    for name, data, lines in files:
        print("  samples/%-18s %7d bytes %5d lines" % (name, len(data), lines))
    print("  total %d bytes; %d requests nudged to keep correlation unambiguous"
          % (sum(len(data) for _, data, _ in files), sim.nudged))


if __name__ == "__main__":
    main()
