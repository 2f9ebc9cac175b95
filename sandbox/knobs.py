"""Per-provider knobs for tests, benchmarks and fault drills, settable at start and at run time."""

from __future__ import annotations

import random
import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any

FAULT_KINDS = frozenset(
    {
        "server_error",  # a 5xx with the provider's own error body (status: 500..599)
        "rate_limited",  # the provider's 429 answer
        "timeout",  # a response that never comes
        "answer_lost",  # the request is acted on (a token rotated), its answer never comes
        "truncated_json",  # the body cut in half
        "malformed_json",  # not JSON at all
        "missing_field",  # a record loses `field` (or its first key)
        "wrong_type",  # a record's `field` (or first key) becomes another type
        "unknown_field",  # every record gains a field nobody documented
    }
)


@dataclass
class Fault:
    """One injected fault.

    It fires on the ``nth`` request to the provider (1-based, counted from when the fault was
    set), or at random with probability ``rate``; ``times`` caps how often it fires in all.
    ``path`` restricts it to requests whose path (below the provider prefix) contains it,
    ``skip_path`` spares the requests whose path contains that, ``query`` restricts it to
    requests whose query string contains it (one seller's pages). ``value`` is what a
    ``wrong_type`` fault puts in place of ``field``'s value (default: the value as another
    type), or the fields an ``unknown_field`` fault adds to every record (default
    ``{"x_undocumented": {"added_by": "sandbox"}}``); given ``field``, an ``unknown_field``
    fault adds them to the object holding that field instead.
    """

    kind: str
    rate: float = 0.0
    nth: int | None = None
    times: int | None = None
    status: int = 500
    field: str | None = None
    path: str | None = None
    skip_path: str | None = None
    query: str | None = None
    value: Any = None
    fired: int = 0
    seen: int = 0

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")
        if self.nth is None and self.rate <= 0:
            raise ValueError("a fault needs nth or a positive rate")

    def due(self, path: str, rand: random.Random, query: str = "") -> bool:
        """Count this request (if it is one this fault watches) and say whether it is due."""
        if self.path and self.path not in path:
            return False
        if self.query and self.query not in query:
            return False
        if self.skip_path and self.skip_path in path:
            return False
        if self.times is not None and self.fired >= self.times:
            return False
        self.seen += 1
        return self.seen == self.nth if self.nth is not None else rand.random() < self.rate


@dataclass
class ProviderKnobs:
    """Latency, a rate limit, faults and provider options (such as a credit budget).

    ``rate_limit`` is requests per ``rate_window_s`` seconds over a sliding window; the
    provider decides what an over-limit answer looks like.
    """

    latency_ms: float = 0.0
    rate_limit: int | None = None
    rate_window_s: float = 1.0
    faults: list[Fault] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ProviderKnobs:
        known = {"latency_ms", "rate_limit", "rate_window_s", "faults", "options"}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown knobs {sorted(unknown)}; known: {sorted(known)}")
        faults = [Fault(**f) for f in raw.get("faults", [])]
        return cls(
            latency_ms=float(raw.get("latency_ms", 0.0)),
            rate_limit=raw.get("rate_limit"),
            rate_window_s=float(raw.get("rate_window_s", 1.0)),
            faults=faults,
            options=dict(raw.get("options", {})),
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ProviderState:
    """The live, mutable side of one provider: its knobs, counters and rate window."""

    def __init__(self, name: str, knobs: ProviderKnobs, seed: int) -> None:
        self.name = name
        self.lock = threading.Lock()
        self.knobs = knobs
        self.requests = 0
        self.faults_fired = 0
        self.over_limit = 0  # requests refused for the rate limit knob (not for a fault)
        self._rand = random.Random(seed)
        self._window: deque[float] = deque()

    def replace_knobs(self, knobs: ProviderKnobs) -> None:
        with self.lock:
            self.knobs = knobs
            self._window.clear()

    def count_request(self) -> int:
        with self.lock:
            self.requests += 1
            return self.requests

    def pick_fault(self, path: str, query: str = "") -> Fault | None:
        """The fault this request gets, if any: the first one due.

        Every fault sees every request it watches, so each one's ``nth`` counts requests to
        the provider, whatever the faults before it in the list did.
        """
        with self.lock:
            chosen: Fault | None = None
            for fault in self.knobs.faults:
                if fault.due(path, self._rand, query) and chosen is None:
                    chosen = fault
            if chosen is not None:
                chosen.fired += 1
                self.faults_fired += 1
            return chosen

    def take_rate_slot(self, now: float) -> tuple[bool, int, float]:
        """Count a request against the rate limit: (allowed, remaining, seconds to reset)."""
        with self.lock:
            limit = self.knobs.rate_limit
            window = self.knobs.rate_window_s
            if limit is None:
                return True, 1 << 30, 0.0
            while self._window and self._window[0] <= now - window:
                self._window.popleft()
            reset = (self._window[0] + window - now) if self._window else window
            if len(self._window) >= limit:
                self.over_limit += 1
                return False, 0, max(reset, 0.0)
            self._window.append(now)
            return True, limit - len(self._window), max(reset, 0.0)

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "faults_fired": self.faults_fired,
                "over_limit": self.over_limit,
            }
