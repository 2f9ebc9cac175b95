"""The Shopee world gives a source's tests every case by name (``ShopeeService.showcase``).

FROZEN_AT is 2026-11-20 12:00 UTC, so the showcase's day D is 2026-11-20.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from sandbox import SandboxConfig, SandboxServer
from sandbox.app import build_app
from sandbox.providers.shopee import ShopeeService
from sandbox.providers.shopee.regions import CURRENCY
from tests.conftest import FROZEN_AT
from tests.sandbox.test_shopee_conformance import Shopee, account_of, err, ok, service_of

NOW_MS = int(FROZEN_AT * 1000)


def ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture
def shopee(sandbox: SandboxServer) -> Shopee:
    return Shopee(sandbox)


def detail_of(shopee: Shopee, service: ShopeeService, sid: int) -> dict[str, Any]:
    account = account_of(shopee, service.sessions[sid].user_id)
    token = shopee.login(account)
    return ok(shopee.get("get_session_detail", account["user_id"], token, session_id=sid))


def test_showcase_sessions_have_every_status_and_cross_midnight(
    sandbox: SandboxServer, shopee: Shopee
) -> None:
    service = service_of(sandbox)
    show = service.showcase
    owners = [a["user_id"] for a in shopee.accounts]
    expected = {
        # name: (owner index, status, create_time, start_time, end_time)
        "big": (0, 2, ms(2026, 11, 16), ms(2026, 11, 17, 14) + 250, ms(2026, 11, 17, 16) + 250),
        "exactly_100": (1, 2, ms(2026, 11, 17), ms(2026, 11, 18, 10), ms(2026, 11, 18, 11, 30)),
        "before_midnight": (
            2,
            2,
            ms(2026, 11, 18),
            ms(2026, 11, 18, 23, 52),
            ms(2026, 11, 19, 0, 42),
        ),
        "after_midnight": (3, 2, ms(2026, 11, 18), ms(2026, 11, 19, 0, 3), ms(2026, 11, 19, 0, 48)),
        "live": (0, 1, ms(2026, 11, 20, 7), ms(2026, 11, 20, 11, 20), 0),
        "never_started": (1, 0, ms(2026, 11, 17, 9), 0, 0),
        "upcoming": (4, 0, ms(2026, 11, 20, 10), 0, 0),
    }
    for name, (owner, status, created, started, ended) in expected.items():
        sid = getattr(show, name)
        assert {"user_id": owners[owner], "session_id": sid} in shopee.sessions, name
        d = detail_of(shopee, service, sid)
        got = (d["status"], d["create_time"], d["start_time"], d["end_time"])
        assert got == (status, created, started, ended), name
    counts = {
        name: len(service.sessions[getattr(show, name)].items) for name in ("big", "exactly_100")
    }
    assert counts == {"big": 150, "exactly_100": 100}
    upcoming = service.sessions[show.upcoming]
    assert upcoming.start_ms == ms(2026, 11, 20, 15) and upcoming.region == "MY"


def test_item_metric_paging_and_gmv_identity(sandbox: SandboxServer, shopee: Shopee) -> None:
    service = service_of(sandbox)
    pages: dict[str, list[tuple[int, bool, int]]] = {}
    for name in ("big", "exactly_100"):
        sid = getattr(service.showcase, name)
        account = account_of(shopee, service.sessions[sid].user_id)
        uid, token = account["user_id"], shopee.login(account)
        rows: list[dict[str, Any]] = []
        offset, more = 0, True
        pages[name] = []
        while more:
            page = ok(
                shopee.get(
                    "get_session_item_metric",
                    uid,
                    token,
                    session_id=sid,
                    offset=offset,
                    page_size=100,
                )
            )
            pages[name].append((len(page["list"]), page["more"], page["next_offset"]))
            rows += page["list"]
            offset, more = page["next_offset"], page["more"]
        assert rows == service.expected_item_metrics(sid)
        metric = ok(shopee.get("get_session_metric", uid, token, session_id=sid))
        assert metric == service.expected_metric(sid)
        gmv = sum(
            r["metric"]["sold_items"] * r["item"]["price_info"]["current_price"] for r in rows
        )
        assert metric["gmv"] == pytest.approx(gmv, abs=0.5) and metric["gmv"] > 0
        assert metric["atc"] == sum(r["metric"]["atc"] for r in rows)
        assert {r["item"]["price_info"]["currency"] for r in rows} == {CURRENCY[account["region"]]}
    assert pages == {
        "big": [(100, True, 100), (50, False, 150)],
        "exactly_100": [(100, False, 100)],
    }


def test_failing_sessions_are_listed_only_on_request(
    sandbox: SandboxServer, shopee: Shopee
) -> None:
    show = service_of(sandbox).showcase
    assert show.foreign not in shopee.sessions and show.missing not in shopee.sessions
    sandbox.set_knobs("shopee", options={"list_error_sessions": True})
    listed = json.loads(sandbox.env()["SOURCES__SHOPEE__SESSIONS"])
    assert listed == [*shopee.sessions, show.foreign, show.missing]

    account = shopee.accounts[0]
    uid, token = account["user_id"], shopee.login(account)
    assert show.foreign["user_id"] == show.missing["user_id"] == uid
    foreign, missing = show.foreign["session_id"], show.missing["session_id"]
    for api in ("get_session_detail", "get_session_metric"):
        answer = shopee.get(api, uid, token, session_id=foreign)
        assert err(answer, 200, "error_data") == f"session_id {foreign} is not belong to you."
        answer = shopee.get(api, uid, token, session_id=missing)
        assert err(answer, 200, "error_data") == f"session_id {missing} is not exist."
    paged: dict[str, Any] = {"offset": 0, "page_size": 100}
    answer = shopee.get("get_session_item_metric", uid, token, session_id=foreign, **paged)
    err(answer, 200, "error_data")
    assert ok(shopee.get("get_session_detail", uid, token, session_id=show.big))["status"] == 2


def test_every_site_prices_in_its_currency(shopee: Shopee) -> None:
    steps = {"ID": 100.0, "VN": 1000.0, "MY": 0.1, "SG": 0.1}  # whole units elsewhere
    for account in shopee.accounts:
        uid, token = account["user_id"], shopee.login(account)
        sid = next(s["session_id"] for s in shopee.sessions if s["user_id"] == uid)
        items = ok(shopee.get("get_item_list", uid, token, session_id=sid, offset=0, page_size=100))
        prices = [i["price_info"] for i in items["list"]]
        assert {p["currency"] for p in prices} == {CURRENCY[account["region"]]}
        for p in prices:
            assert 0 < p["current_price"] <= p["original_price"]
            step = steps.get(account["region"], 1.0)
            assert round(p["current_price"] / step, 6) == round(p["current_price"] / step)
        gmv = ok(shopee.get("get_session_metric", uid, token, session_id=sid))["gmv"]
        assert isinstance(gmv, float)
        if account["region"] in ("ID", "VN"):
            assert gmv == int(gmv)


def test_showcase_does_not_depend_on_the_seed() -> None:
    for seed in (1, 8, 2024):
        _, runtime = build_app(
            SandboxConfig(seed=seed, days=5, frozen_at=FROZEN_AT, providers=["shopee"])
        )
        service = runtime.services["shopee"]
        assert isinstance(service, ShopeeService)
        show, sessions = service.showcase, service.sessions
        statuses = {
            name: sessions[getattr(show, name)].status(NOW_MS)
            for name in ("big", "exactly_100", "live", "never_started", "upcoming")
        }
        assert statuses == {
            "big": 2,
            "exactly_100": 2,
            "live": 1,
            "never_started": 0,
            "upcoming": 0,
        }
        assert len(sessions[show.big].items) == 150
        assert show.missing["session_id"] not in sessions
        assert sessions[show.foreign["session_id"]].user_id != show.foreign["user_id"]
        metric = service.expected_metric(show.big)
        assert metric["gmv"] > 0 and metric["orders"] > 0
