"""``lsw live``: Shopee's live-only data, polled while sessions run (docs/live.md).

get_latest_comment_list answers the comments of the last 10 seconds only, so each session
that is live (or was created recently and may start any moment) is polled every
``comment_interval_s`` (5 s by default, half the window), asking only for comments after the
last one seen and paging on while a page comes back full. get_session_metric is sampled every
``metric_interval_s`` while live, stamped ``observed_at``; get_session_detail every
``detail_interval_s`` tells when a session starts and ends. An ended session gets one last
comment poll and one final metric snapshot, and a ``shopee.session`` record that makes the
sensor refresh its day. Tokens come from the same token store as ``lsw run``.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson

from live.shopee_schema import COMMENT, COMMENTS, METRIC, SESSION
from live.store import LandingStore, Record
from pipelines.errors import ProviderError
from pipelines.shopee.api import ShopeeApi
from pipelines.shopee.errors import AppRefused, SessionUnavailable
from pipelines.shopee.schema import DETAIL
from pipelines.shopee.schema import METRIC as METRIC_ADAPTER
from pipelines.shopee.settings import ConfiguredSession
from pipelines.units import unix_seconds

log = logging.getLogger("lsw.live")

COMMENT_WINDOW_S = 10.0
PAGE_SIZE = 100  # what one answer holds at most (the reference names no page size to ask for)
MAX_PAGES = 50  # 5,000 comments in one poll: far beyond any stream, a guard against a loop
INITIAL, ONGOING, ENDED = 0, 1, 2


@dataclass(frozen=True)
class Intervals:
    """Seconds between calls, per session. ``comment_s`` must stay under the 10 s window by
    more than a request takes for completeness (docs/live.md)."""

    comment_s: float = 5.0
    metric_s: float = 60.0
    detail_s: float = 60.0
    upcoming_s: float = 24 * 3600.0  # initial sessions created this recently are polled too

    def __post_init__(self) -> None:
        if not 0 < self.comment_s < COMMENT_WINDOW_S:
            raise ValueError(f"the comment interval must be under {COMMENT_WINDOW_S:.0f} s")
        if self.metric_s <= 0 or self.detail_s <= 0:
            raise ValueError("the metric and detail intervals must be positive")


@dataclass
class Tracked:
    """What the poller knows of one configured session."""

    session: ConfiguredSession
    status: int | None = None
    created_s: float = 0.0
    seen_live: bool = False
    after: int = 0  # the last comment id stored
    next_detail: float = 0.0
    next_comments: float = 0.0
    next_metric: float = 0.0
    errors: int = 0
    retry_at: float = 0.0
    done: bool = False
    recorded: set[int] = field(default_factory=set)


@dataclass
class Tally:
    comments: int = 0
    metrics: int = 0
    errors: int = 0


class ShopeePoller:
    """Polls every configured session; ``cycle`` does whatever is due now, ``run`` loops."""

    def __init__(
        self,
        api: ShopeeApi,
        store: LandingStore,
        sessions: Iterable[ConfiguredSession],
        intervals: Intervals | None = None,
        clock: Callable[[], float] | None = None,
        concurrency: int = 4,
    ) -> None:
        self.api = api
        self.store = store
        self.intervals = intervals or Intervals()
        self.clock = clock or api.clock
        self.tracked = [Tracked(s) for s in sessions]
        self.tally = Tally()
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max(1, concurrency), thread_name_prefix="lsw-live")

    def close(self) -> None:
        self._pool.shutdown(wait=True)

    # --- the loop ------------------------------------------------------------------------

    def run(self, stop: threading.Event, report_every_s: float = 60.0) -> None:
        """Poll until ``stop`` is set (SIGTERM, Ctrl-C); says what it collected once a minute."""
        next_report = self.clock() + report_every_s
        while not stop.is_set():
            self.cycle()
            if self.clock() >= next_report:
                self.report()
                next_report = self.clock() + report_every_s
            stop.wait(self._sleep())

    def _sleep(self) -> float:
        now = self.clock()
        due = [
            min(t.next_detail, t.next_comments if self._polls(t) else math.inf, t.next_metric)
            for t in self.tracked
            if not t.done
        ]
        return min(max(min(due, default=now + 1.0) - now, 0.05), 1.0)

    def report(self) -> None:
        with self._lock:
            tally, self.tally = self.tally, Tally()
        live = sum(1 for t in self.tracked if t.status == ONGOING and not t.done)
        log.info(
            "shopee live: %d sessions live; last minute: %d comments, %d metric snapshots, "
            "%d errors",
            live,
            tally.comments,
            tally.metrics,
            tally.errors,
        )

    def cycle(self) -> None:
        """One pass: every session's due calls (sessions in parallel, each one in order)."""
        if self.api.refused is not None:
            raise self.api.refused
        pending = [t for t in self.tracked if not t.done]
        for future in [self._pool.submit(self._visit, t) for t in pending]:
            future.result()

    # --- one session ---------------------------------------------------------------------

    def _visit(self, t: Tracked) -> None:
        now = self.clock()
        if now < t.retry_at:
            return
        try:
            self._due(t, now)
        except AppRefused:
            raise
        except SessionUnavailable as exc:
            log.warning("%s (no longer polled)", exc)
            t.done = True
        except ProviderError as exc:
            if self.api.stopped(t.session.user_id):
                log.warning("%s (account %s no longer polled)", exc, t.session.user_id)
                t.done = True
                return
            t.errors += 1
            t.retry_at = now + min(2.0**t.errors, 60.0)
            with self._lock:
                self.tally.errors += 1
            log.warning("%s (retrying in %.0f s)", exc, t.retry_at - now)
        else:
            t.errors = 0

    def _due(self, t: Tracked, now: float) -> None:
        if t.status is None or now >= t.next_detail:
            self._detail(t, now)
        if t.done:
            return
        if self._polls(t) and now >= t.next_comments:
            self._comments(t)
            t.next_comments = now + self.intervals.comment_s
        if t.status == ONGOING and now >= t.next_metric:
            self._metric(t)
            t.next_metric = now + self.intervals.metric_s

    def _polls(self, t: Tracked) -> bool:
        if t.status == ONGOING:
            return True
        recent = self.clock() - t.created_s <= self.intervals.upcoming_s
        return t.status == INITIAL and recent

    def _detail(self, t: Tracked, now: float) -> None:
        s = t.session
        detail = self.api.get(s.user_id, "get_session_detail", DETAIL, session_id=s.session_id)
        status = int(detail["status"])
        t.created_s = float(unix_seconds(detail["create_time"]) or 0)
        t.next_detail = now + self.intervals.detail_s
        if status == ONGOING:
            t.seen_live = True
        if status == ENDED:
            if t.seen_live:
                self._comments(t)  # the last seconds before the end
                self._metric(t)  # the final figures
                self._record_session(t, detail, now)
            t.done = True
        elif status == ONGOING and status not in t.recorded:
            self._record_session(t, detail, now)
        t.status = status

    def _record_session(self, t: Tracked, detail: Mapping[str, Any], now: float) -> None:
        s = t.session
        body = {**detail, "user_id": s.user_id, "observed_at": now}
        key = f"{s.session_id}:{detail['status']}"
        self.store.add([Record(SESSION, key, now, orjson.dumps(body))])
        t.recorded.add(int(detail["status"]))

    def _comments(self, t: Tracked) -> None:
        s = t.session
        for _ in range(MAX_PAGES):
            params: dict[str, Any] = {"session_id": s.session_id}
            if t.after:
                params["offset"] = t.after
            page = self.api.get(s.user_id, "get_latest_comment_list", COMMENTS, **params)
            comments = [c for c in page["list"] if c["comment_id"] > t.after]
            if not comments:
                return
            observed = self.clock()
            records = [
                Record(
                    COMMENT,
                    f"{s.session_id}:{c['comment_id']}",
                    observed,
                    orjson.dumps({**c, "session_id": s.session_id, "account_user_id": s.user_id}),
                )
                for c in comments
            ]
            fresh = self.store.add(records)  # durable before the offset moves on
            t.after = max(c["comment_id"] for c in comments)
            with self._lock:
                self.tally.comments += sum(fresh)
            if len(page["list"]) < PAGE_SIZE:  # a full answer may have more after it
                return

    def _metric(self, t: Tracked) -> None:
        s = t.session
        metric = self.api.get(
            s.user_id, "get_session_metric", METRIC_ADAPTER, session_id=s.session_id
        )
        observed = self.clock()
        body = {**metric, "session_id": s.session_id, "user_id": s.user_id, "observed_at": observed}
        key = f"{s.session_id}:{int(observed * 1000)}"
        self.store.add([Record(METRIC, key, observed, orjson.dumps(body))])
        with self._lock:
            self.tally.metrics += 1
