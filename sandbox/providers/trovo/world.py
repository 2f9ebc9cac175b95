"""The seeded Trovo world: channels, their streams, followers, subscribers and viewers.

Every draw is keyed by (channel, UTC day or month, index) so asking for one channel or one
day never changes another. Things that exist only once the clock has passed them (streams,
follows, subscriptions) are generated for whole days or months and then cut at ``now``, so
moving the clock makes new ones appear without regenerating anything.
"""

from __future__ import annotations

import bisect
import calendar
import math
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sandbox.providers.trovo.catalog import (
    AUDIENCES,
    CATEGORIES,
    LANGUAGES,
    NAME_HEADS,
    NAME_TAILS,
    RESOLUTIONS,
    SOCIAL_TYPES,
    STREAMER_INFOS,
    TITLES,
    USER_WORDS,
)
from sandbox.seeds import derive, rng

DAY = 86_400
OWN_PER_SCALE = 4  # the channels env_config hands to our source
OTHERS_PER_SCALE = 150  # the rest of the platform, so top channels has several pages
USER_POOL = 1_000_003  # prime: k -> (a*k + b) % USER_POOL is a permutation, so no double follows
CREATED_FROM = int(datetime(2020, 1, 1, tzinfo=UTC).timestamp())
CREATED_TO = int(datetime(2024, 6, 1, tzinfo=UTC).timestamp())
MODS_WATCHING = 3  # a live channel's first viewers are its three mods
SUB_SHARE_OF_VIEWERS = 0.05  # how often a viewer slot goes to an active subscriber
_MISSING: Any = object()


@dataclass(frozen=True)
class Channel:
    """A streamer and their channel (on Trovo the user id and the channel id are the same)."""

    index: int
    channel_id: str
    username: str
    nickname: str
    own: bool
    created_at: int
    language_code: str
    audi_type: str
    category_id: str
    video_resolution: str
    stream_prob: float
    prime_s: float
    popularity: float
    follow_rate: float
    sub_share: float
    perm: tuple[int, int, int, int]
    profile_pic: str
    streamer_info: str
    social_links: tuple[tuple[str, str], ...]
    email: str


@dataclass(frozen=True)
class Stream:
    start: int
    end: int
    peak: int
    category_id: str
    title: str


@dataclass(frozen=True)
class Viewer:
    """A logged-in viewer: their nickname (not unique across users) and roles in the channel."""

    nickname: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class Subscription:
    start: int
    end: int
    user: int
    sub_lv: str
    sub_tier: str


def day_start(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def utc_date(ts: float) -> date:
    return datetime.fromtimestamp(ts, tz=UTC).date()


def fmt_utc(ts: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(ts))


def _pic(seed: int, *parts: object) -> str:
    h = derive(seed, "trovo", "pic", *parts)
    if h % 9 == 0:
        return f"https://headicon.trovo.live/default/{h % 5}.png"
    return f"https://headicon.trovo.live/user/{h:016x}aaaaab.jpeg?t={h % 30}"


def build_channels(seed: int, scale: int) -> list[Channel]:
    """Own channels first (4 per unit of scale), then the rest of the platform."""
    own = OWN_PER_SCALE * max(scale, 1)
    total = own + OTHERS_PER_SCALE * max(scale, 1)
    taken: set[str] = set()
    out = []
    for j in range(total):
        r = rng(seed, "trovo", "channel", j)
        head, tail = r.choice(NAME_HEADS), r.choice(NAME_TAILS)
        username = f"{head}{tail}"
        if username.lower() in taken:
            username = f"{head}{tail}{j}"
        taken.add(username.lower())
        is_own = j < own
        cid = str(100_000_000 + j * 37 + derive(seed, "trovo", "cid", j) % 37)
        links = tuple(
            (kind, f"https://{kind.lower()}.example/{username}")
            for kind in r.sample(SOCIAL_TYPES, r.randint(0, 3))
        )
        # Our own channels are the bigger ones; the platform's long tail is small.
        popularity = math.exp(r.gauss(5.8 if is_own else 4.0, 0.8))
        out.append(
            Channel(
                index=j,
                channel_id=cid,
                username=username,
                nickname=username if r.random() < 0.7 else f"{head} {tail}",
                own=is_own,
                created_at=r.randrange(CREATED_FROM, CREATED_TO),
                language_code=r.choice(LANGUAGES),
                audi_type=r.choice(AUDIENCES),
                category_id=r.choice(CATEGORIES[:16])[0],
                video_resolution=r.choice(RESOLUTIONS),
                stream_prob=r.uniform(0.75, 0.97) if is_own else r.uniform(0.35, 0.9),
                prime_s=r.uniform(6, 21) * 3600,
                popularity=popularity,
                follow_rate=math.exp(r.gauss(1.3 if is_own else 0.4, 0.4)),
                sub_share=r.uniform(0.03, 0.1),
                perm=(
                    1 + r.randrange(USER_POOL - 1),
                    r.randrange(USER_POOL),
                    1 + r.randrange(USER_POOL - 1),
                    r.randrange(USER_POOL),
                ),
                profile_pic=_pic(seed, "channel", j),
                streamer_info=r.choice(STREAMER_INFOS).format(name=username),
                social_links=links,
                email=f"{username.lower()}@mail.example",
            )
        )
    return out


class World:
    """Lazily generated, cached world. Caches are plain dicts: values are deterministic, so
    two threads racing to fill one slot store the same thing."""

    def __init__(self, seed: int, scale: int, days: int) -> None:
        self.seed = seed
        self.days = days
        self.channels = build_channels(seed, scale)
        self.own = [c for c in self.channels if c.own]
        self.by_id = {c.channel_id: c for c in self.channels}
        self.by_username = {c.username.lower(): c for c in self.channels}
        self._streams: dict[tuple[int, int], Stream | None] = {}
        self._follow_months: dict[tuple[int, int, int], list[int]] = {}
        self._follow_ts: dict[tuple[int, int, int], list[int]] = {}
        self._sub_months: dict[tuple[int, int, int], list[Subscription]] = {}
        self._chatters: dict[tuple[int, int], list[Viewer]] = {}
        self._ranking: dict[int, list[tuple[Channel, Stream, int]]] = {}

    # ---- users -------------------------------------------------------------------------

    def user(self, idx: int) -> dict[str, str]:
        """A platform user of the pool that follows, subscribes and watches (not cached: the
        follower rows that need it most are, and a pool-wide cache would grow unbounded)."""
        h = derive(self.seed, "trovo", "user", idx)
        w1, w2 = USER_WORDS[h % 30], USER_WORDS[(h >> 8) % 30]
        return {
            "user_id": str(110_000_000 + idx * 7 + (h >> 16) % 7),
            "username": f"{w1}_{w2}{idx}",
            "nickname": f"{w1}{w2}{(h >> 24) % 100}" if h & 1 else f"{w1}{w2}",
            "profile_pic": _pic(self.seed, "user", idx),
            "created_at": str(CREATED_FROM - 86_400 * 400 + (h >> 32) % (86_400 * 1_500)),
        }

    # ---- streams -----------------------------------------------------------------------

    def stream_on(self, ch: Channel, d: date) -> Stream | None:
        """The one stream a channel starts on a UTC day, if any.

        Starts fall between 05:00 and 22:00 and last at most 6 h, so a stream always ends
        before the next day's earliest start: streams of a channel never overlap.
        """
        key = (ch.index, d.toordinal())
        got = self._streams.get(key, _MISSING)
        if got is not _MISSING:
            return got
        r = rng(self.seed, "trovo", "stream", ch.channel_id, d.isoformat())
        stream: Stream | None = None
        if r.random() < ch.stream_prob:
            offset = min(max(r.gauss(ch.prime_s, 5_400), 5 * 3600), 22 * 3600)
            start = day_start(d) + int(offset)
            if start >= ch.created_at:
                duration = int(r.triangular(2_700, 21_600, 9_000))
                cat = ch.category_id if r.random() < 0.8 else r.choice(CATEGORIES)[0]
                stream = Stream(
                    start=start,
                    end=start + duration,
                    peak=max(1, int(ch.popularity * math.exp(r.gauss(0, 0.45)))),
                    category_id=cat,
                    title=r.choice(TITLES),
                )
        self._streams[key] = stream
        return stream

    def recent_streams(self, ch: Channel, now: float) -> tuple[Stream | None, Stream | None]:
        """The latest stream started by ``now`` and the one before it (within the world)."""
        today = utc_date(now)
        found: list[Stream] = []
        for back in range(self.days + 2):
            s = self.stream_on(ch, today - timedelta(days=back))
            if s is not None and s.start <= now:
                found.append(s)
                if len(found) == 2:
                    break
        return (found[0] if found else None, found[1] if len(found) > 1 else None)

    def viewers_at(self, ch: Channel, s: Stream, now: float) -> int:
        """Concurrent viewers: a ramp, a slow fade and per-minute noise, so rankings move."""
        elapsed = now - s.start
        ramp = min(1.0, (elapsed + 60) / 900)
        fade = 1 - 0.3 * elapsed / max(s.end - s.start, 1)
        noise = rng(self.seed, "trovo", "ccu", ch.channel_id, s.start, int(now // 60))
        return max(1, int(s.peak * ramp * fade * noise.uniform(0.75, 1.25)))

    def live_state(self, ch: Channel, now: float) -> dict[str, Any]:
        """Whether the channel is live now, its current stream and the start/end pair.

        ``ended_at`` is the last *finished* stream's end, so while live it is older than
        ``started_at``: the reference's "ended_at < started_at means live".
        """
        last, before = self.recent_streams(ch, now)
        live = last is not None and last.end > now
        if last is None:
            started, ended = 0, 0
        elif live:
            started, ended = last.start, before.end if before is not None else 0
        else:
            started, ended = last.start, last.end
        return {
            "live": live,
            "stream": last,
            "started_at": started,
            "ended_at": ended,
            "viewers": self.viewers_at(ch, last, now) if live and last is not None else 0,
        }

    def ranking(self, now: float) -> list[tuple[Channel, Stream, int]]:
        """Live channels by viewers, as captured at the start of now's minute.

        Trovo's list "refreshes every minute": every request within a minute sees the same
        list, whichever came first, and a stream that ends during the minute stays on it.
        """
        key = int(now // 60)
        got = self._ranking.get(key)
        if got is None:
            at = key * 60
            got = []
            for ch in self.channels:
                last, _ = self.recent_streams(ch, at)
                if last is None or last.end <= at:
                    continue
                got.append((ch, last, self.viewers_at(ch, last, at)))
            got.sort(key=lambda t: (-t[2], t[0].channel_id))
            if len(self._ranking) > 256:
                self._ranking.clear()
            self._ranking[key] = got
        return got

    # ---- followers ---------------------------------------------------------------------

    def _follow_month(self, ch: Channel, y: int, m: int) -> list[int]:
        """Follow times of one month: at least one a day once the channel exists."""
        key = (ch.index, y, m)
        got = self._follow_months.get(key)
        if got is not None:
            return got
        r = rng(self.seed, "trovo", "followers", ch.channel_id, y, m)
        first = day_start(date(y, m, 1))
        got = []
        for d in range(calendar.monthrange(y, m)[1]):
            lo = max(first + d * DAY, ch.created_at)
            hi = first + (d + 1) * DAY
            if lo >= hi:
                continue
            n = max(1, int(ch.follow_rate * r.lognormvariate(0, 0.7)))
            got.extend(sorted(r.randrange(lo, hi) for _ in range(n)))
        self._follow_months[key] = got
        return got

    def follow_times(self, ch: Channel, now: float) -> list[int]:
        """Every follow time up to the end of now's month, ascending; cut with bisect."""
        today = utc_date(now)
        key = (ch.index, today.year, today.month)
        got = self._follow_ts.get(key)
        if got is None:
            got = []
            c = utc_date(ch.created_at)
            y, m = c.year, c.month
            while (y, m) <= (today.year, today.month):
                got.extend(self._follow_month(ch, y, m))
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            self._follow_ts[key] = got
        return got

    def follower_count(self, ch: Channel, now: float) -> int:
        return bisect.bisect_right(self.follow_times(ch, now), int(now))

    def follower_rows(self, ch: Channel, now: float) -> tuple[list[dict[str, str]], int]:
        """Follower records (oldest first) and how many of them exist at ``now``."""
        times = self.follow_times(ch, now)
        return self.followers_between(ch, now, 0, len(times)), bisect.bisect_right(times, int(now))

    def followers_between(self, ch: Channel, now: float, lo: int, hi: int) -> list[dict[str, str]]:
        """Follower records ``lo`` to ``hi`` (oldest first), made when a page asks for them:
        kept whole, the records of a year's channels at scale 25 were 200 MB."""
        times = self.follow_times(ch, now)
        a, b = ch.perm[0], ch.perm[1]
        rows = []
        for k in range(max(lo, 0), min(hi, len(times))):
            u = self.user((a * k + b) % USER_POOL)
            rows.append(
                {
                    "user_id": u["user_id"],
                    "nickname": u["nickname"],
                    "profile_pic": u["profile_pic"],
                    "followed_at": fmt_utc(times[k]),
                }
            )
        return rows

    # ---- subscribers -------------------------------------------------------------------

    def _sub_month(self, ch: Channel, y: int, m: int, base: int) -> list[Subscription]:
        key = (ch.index, y, m)
        got = self._sub_months.get(key)
        if got is not None:
            return got
        r = rng(self.seed, "trovo", "subs", ch.channel_id, y, m)
        first = day_start(date(y, m, 1))
        last = first + calendar.monthrange(y, m)[1] * DAY
        lo = max(first, ch.created_at)
        got = []
        if lo < last:
            lam = ch.follow_rate * ch.sub_share * (last - lo) / DAY
            n = int(lam * r.lognormvariate(0, 0.5) + r.random())
            a, b = ch.perm[2], ch.perm[3]
            for k, start in enumerate(sorted(r.randrange(lo, last) for _ in range(n))):
                months = 1
                while r.random() < 0.72 and months < 36:
                    months += 1
                tier = r.choices(("1", "2", "3"), (80, 15, 5))[0]
                got.append(
                    Subscription(
                        start=start,
                        end=start + months * 30 * DAY,
                        user=(a * (base + k) + b) % USER_POOL,
                        sub_lv=f"L{min(5, 1 + months // 4)}",
                        sub_tier=tier,
                    )
                )
        self._sub_months[key] = got
        return got

    def subscriptions(self, ch: Channel, now: float) -> list[Subscription]:
        """Subscriptions active at ``now``, oldest first."""
        today = utc_date(now)
        c = utc_date(ch.created_at)
        y, m = c.year, c.month
        out: list[Subscription] = []
        base = 0
        while (y, m) <= (today.year, today.month):
            month = self._sub_month(ch, y, m, base)
            base += len(month) if month else 0
            out.extend(s for s in month if s.start <= now < s.end)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    # ---- viewers -----------------------------------------------------------------------

    def chatters(self, ch: Channel, now: float) -> list[Viewer]:
        """Logged-in viewers now, in join order: distinct users, each with their own roles."""
        key = (ch.index, int(now // 60))
        got = self._chatters.get(key)
        if got is None:
            got = self._draw_chatters(ch, now)
            if len(self._chatters) >= 256:
                self._chatters.clear()
            self._chatters[key] = got
        return got

    def _draw_chatters(self, ch: Channel, now: float) -> list[Viewer]:
        """The channel's mods first, then followers (mostly), active subscribers and passers-by.

        Each user is drawn at most once, and ``subscribers`` means an active subscription
        of this channel, so the roles agree with the subscriptions endpoint.
        """
        state = self.live_state(ch, now)
        if not state["live"]:
            return []
        r = rng(self.seed, "trovo", "chatters", ch.channel_id, int(now // 60))
        followers = self.follower_count(ch, now)
        n = max(1, int(state["viewers"] * r.uniform(0.3, 0.5)))
        a, b = ch.perm[0], ch.perm[1]
        mods = sorted({(b + i * 7_919) % USER_POOL for i in range(MODS_WATCHING)})
        subs = sorted({s.user for s in self.subscriptions(ch, now)})
        joined: dict[int, bool] = {m: True for m in mods[:n]}  # user -> follows the channel
        while len(joined) < n:
            pick = r.random()
            if subs and pick < SUB_SHARE_OF_VIEWERS:
                idx, follows = r.choice(subs), True
            elif followers > 0 and pick < 0.8:
                idx, follows = (a * r.randrange(followers) + b) % USER_POOL, True
            else:
                idx, follows = r.randrange(USER_POOL), False
            joined.setdefault(idx, follows)
        subscribed = set(subs)
        return [
            self._viewer(ch, idx, follows, idx in mods, idx in subscribed)
            for idx, follows in joined.items()
        ]

    def _viewer(self, ch: Channel, idx: int, follows: bool, mod: bool, sub: bool) -> Viewer:
        roles = []
        if follows:
            roles.append("followers")
        if mod:
            roles.append("moderators")
        if sub:
            roles.append("subscribers")
        if derive(self.seed, "trovo", "role", ch.channel_id, idx) % 97 == 1:
            roles.append("VIPS")
        return Viewer(self.user(idx)["nickname"], tuple(roles))
