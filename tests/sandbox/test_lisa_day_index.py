"""LiSA answers a ``date`` filter from the days it reaches, and keeps a day's shows until one
of them changes (a year at scale 25 once rebuilt every show every second). Whatever path a
query takes, it must list what the whole world lists, and a live show must still grow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sandbox import SandboxConfig, SandboxServer
from tests.conftest import FROZEN_AT
from tests.sandbox.test_lisa_conformance import Lisa, lisa_service, ts

ALL = "archived,draft,ready"


def _day(offset: int) -> str:
    return (datetime.fromtimestamp(FROZEN_AT, tz=UTC) + timedelta(days=offset)).date().isoformat()


def _expected(
    svc: Any, low: str | None, high: str | None, channel: str | None, sort: str | None
) -> list[str]:
    """The ids a query lists, computed from every visible show (newest scheduled first)."""
    lo = ts(low) if low else None
    hi = ts(high) + 86_400 - 0.001 if high else None
    found = [
        s
        for s in svc.visible_shows()
        if (lo is None or ts(s["date"]) >= lo)
        and (hi is None or ts(s["date"]) <= hi)
        and (channel is None or channel in svc.channel_slugs(s["id"]))
    ]
    if sort is not None:
        key, _, order = sort.partition(":")
        field = (lambda s: ts(s["date"])) if key == "date" else (lambda s: s["name"])
        found.sort(key=field, reverse=order == "desc")
    return [s["id"] for s in found]


@pytest.mark.parametrize(
    ("low", "high", "channel", "sort"),
    [
        (_day(-3), _day(-1), None, "date:asc"),  # a source's window, as it asks
        (_day(-3), _day(-1), "beauty", "date:asc"),
        (_day(-20), None, None, "date:desc"),  # open-ended, crossing into upcoming days
        (None, _day(-25), None, None),
        (_day(-9), _day(2), "home", "name:asc"),  # not by date: the whole-list path
    ],
)
def test_a_date_filter_lists_what_the_whole_world_lists(
    sandbox: SandboxServer, low: str | None, high: str | None, channel: str | None, sort: str | None
) -> None:
    lisa, svc = Lisa(sandbox), lisa_service(sandbox)
    params: dict[str, Any] = {"date": f"{low or ''},{high or ''}", "status": ALL, "limit": 3}
    params |= {"channel": channel} if channel else {}
    params |= {"sort": sort} if sort else {}
    got = [s["id"] for s in lisa.all("/shows", **params)]
    want = _expected(svc, low, high, channel, sort)
    assert len(want) >= 4  # more than one page
    assert got == want
    count = {k: v for k, v in params.items() if k != "limit"}
    assert lisa.ok("/shows/count", **count)["count"] == len(want)


def test_a_live_show_grows_while_settled_days_are_kept() -> None:
    config = SandboxConfig(seed=7, scale=1, days=30, frozen_at=FROZEN_AT, providers=["lisa"])
    with SandboxServer(config) as server:
        lisa, svc = Lisa(server), lisa_service(server)
        at = FROZEN_AT
        while not svc.landmarks()["live"]:  # the first instant a show is on air
            at += 600
            server.freeze_clock(at)
        [show_id] = svc.landmarks()["live"][:1]
        day = svc.visible_shows()[0]["date"][:10]
        window = {"date": f"{_day(-25)},{day}", "status": ALL, "limit": 100, "sort": "date:asc"}

        def metrics() -> dict[str, int]:
            listed = {s["id"]: s for s in lisa.all("/shows", **window)}
            result: dict[str, int] = listed[show_id]["streams"][-1]["metrics"]
            return result

        settled = svc.snapshot().days[0]
        before = metrics()
        server.advance_clock(120)
        after = metrics()
        assert after["durationInMs"] == before["durationInMs"] + 120_000
        assert after["numberOfViewers"] >= before["numberOfViewers"]
        assert svc.snapshot().days[0] is settled  # a day long past is not rebuilt
        assert lisa.ok(f"/shows/{show_id}")["streams"][-1]["metrics"] == after
