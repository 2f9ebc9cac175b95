"""The Shopee stand-in against shopee-livestream.md and docs/providers/shopee.md, over real HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from sandbox import SandboxConfig, SandboxServer
from sandbox.providers.shopee import ShopeeService
from sandbox.providers.shopee.regions import CURRENCY
from sandbox.providers.shopee.world import comments_between
from tests.conftest import FROZEN_AT

LIVE = "/api/v2/livestream/"
REFRESH = "/api/v2/auth/access_token/get"
TOKEN_GET = "/api/v2/auth/token/get"
NOW = int(FROZEN_AT)


def signature(key: str, *parts: object) -> str:
    return hmac.new(key.encode(), "".join(map(str, parts)).encode(), hashlib.sha256).hexdigest()


class Shopee:
    """A minimal client that signs the way the reference says."""

    def __init__(self, sandbox: SandboxServer) -> None:
        env = sandbox.env()
        self.env = env
        self.base = env["SOURCES__SHOPEE__BASE_URL"]
        self.partner_id = int(env["SOURCES__SHOPEE__PARTNER_ID"])
        self.key = env["SOURCES__SHOPEE__PARTNER_KEY"]
        self.accounts = json.loads(env["SOURCES__SHOPEE__ACCOUNTS"])
        self.sessions = json.loads(env["SOURCES__SHOPEE__SESSIONS"])
        self.http = httpx.Client(timeout=10)
        self.now = NOW
        self.refresh_tokens: dict[int, str] = {}

    def post_token(self, path: str, body: dict[str, Any], ts: int | None = None) -> httpx.Response:
        ts = self.now if ts is None else ts
        query = {"partner_id": self.partner_id, "timestamp": ts}
        query["sign"] = signature(self.key, self.partner_id, path, ts)  # type: ignore[assignment]
        return self.http.post(self.base + path, params=query, json=body)

    def refresh(self, user_id: int, refresh_token: str) -> httpx.Response:
        body = {"refresh_token": refresh_token, "partner_id": self.partner_id, "user_id": user_id}
        return self.post_token(REFRESH, body)

    def login(self, account: dict[str, Any]) -> str:
        """A fresh access token; the rotated refresh token is kept for the next login."""
        uid = account["user_id"]
        got = self.refresh(uid, self.refresh_tokens.get(uid, account["refresh_token"])).json()
        assert got["error"] == "", got
        self.refresh_tokens[uid] = got["refresh_token"]
        return str(got["access_token"])

    def advance(self, sandbox: SandboxServer, seconds: int) -> None:
        sandbox.advance_clock(seconds)
        self.now += seconds

    def get(
        self,
        api: str,
        user_id: int,
        token: str,
        ts: int | None = None,
        sign: str | None = None,
        **params: Any,
    ) -> httpx.Response:
        ts = self.now if ts is None else ts
        path = LIVE + api
        common: dict[str, Any] = {
            "partner_id": self.partner_id,
            "timestamp": ts,
            "access_token": token,
        }
        common["user_id"] = user_id
        common["sign"] = sign or signature(self.key, self.partner_id, path, ts, token, user_id)
        return self.http.get(self.base + path, params={**common, **params})


@pytest.fixture
def shopee(sandbox: SandboxServer) -> Shopee:
    return Shopee(sandbox)


def service_of(sandbox: SandboxServer) -> ShopeeService:
    service = sandbox.runtime.services["shopee"]
    assert isinstance(service, ShopeeService)
    return service


def ok(response: httpx.Response) -> dict[str, Any]:
    body = response.json()
    assert response.status_code == 200 and body["error"] == "", body
    assert set(body) == {"error", "message", "request_id", "response"}
    result: dict[str, Any] = body["response"]
    return result


def err(response: httpx.Response, status: int, error: str) -> str:
    body = response.json()
    assert response.status_code == status, body
    assert set(body) == {"error", "message", "request_id", "response"}
    assert body["error"] == error and body["request_id"] and body["response"] is None
    return str(body["message"])


def test_env_config_has_exactly_the_spec_keys(shopee: Shopee) -> None:
    keys = {k for k in shopee.env if k.startswith("SOURCES__SHOPEE__")}
    assert keys == {
        "SOURCES__SHOPEE__BASE_URL",
        "SOURCES__SHOPEE__PARTNER_ID",
        "SOURCES__SHOPEE__PARTNER_KEY",
        "SOURCES__SHOPEE__ACCOUNTS",
        "SOURCES__SHOPEE__SESSIONS",
        # 0 on real time; the frozen test clock is days off: signatures use the sandbox's
        "SOURCES__SHOPEE__CLOCK_OFFSET_S",
    }
    regions = [a["region"] for a in shopee.accounts]
    assert regions == ["TW", "ID", "TH", "TW", "MY", "PH", "SG", "VN"]
    assert all(set(a) == {"user_id", "refresh_token", "region"} for a in shopee.accounts)
    assert all(set(s) == {"user_id", "session_id"} for s in shopee.sessions)
    assert all(isinstance(a["user_id"], int) for a in shopee.accounts)
    users = {a["user_id"] for a in shopee.accounts}
    assert shopee.sessions and {s["user_id"] for s in shopee.sessions} == users
    assert all(isinstance(s["session_id"], int) for s in shopee.sessions)


def test_refresh_rotates_tokens_and_refuses_reuse(shopee: Shopee) -> None:
    account = shopee.accounts[0]
    first = shopee.refresh(account["user_id"], account["refresh_token"])
    body = first.json()
    assert first.status_code == 200 and body["error"] == "" and "response" not in body
    assert body["expire_in"] == 14400 and body["user_id"] == account["user_id"]
    assert body["partner_id"] == shopee.partner_id
    assert body["refresh_token"] != account["refresh_token"]

    again = shopee.refresh(account["user_id"], account["refresh_token"])
    assert again.status_code == 403 and again.json()["error"] == "error_auth"
    assert "access_token" not in again.json()

    second = shopee.refresh(account["user_id"], body["refresh_token"]).json()
    assert second["error"] == ""
    assert second["access_token"] != body["access_token"]
    assert second["refresh_token"] not in (body["refresh_token"], account["refresh_token"])
    # Both access tokens stay usable until they expire.
    for token in (body["access_token"], second["access_token"]):
        ok(shopee.get("get_item_set_list", account["user_id"], token, offset=0, page_size=10))


def test_refresh_token_of_another_user_and_expired_refresh_token(
    sandbox: SandboxServer, shopee: Shopee
) -> None:
    a, b = shopee.accounts[0], shopee.accounts[1]
    wrong = shopee.refresh(b["user_id"], a["refresh_token"])
    assert wrong.status_code == 403 and wrong.json()["error"] == "error_auth"
    shopee.advance(sandbox, 30 * 86_400)
    expired = shopee.refresh(a["user_id"], a["refresh_token"])
    assert expired.status_code == 403 and expired.json()["error"] == "refresh_token_expired"


def test_token_refresh_signature_and_body_checked(shopee: Shopee) -> None:
    account = shopee.accounts[0]
    body = {"refresh_token": account["refresh_token"], "partner_id": shopee.partner_id}
    bad = shopee.http.post(
        shopee.base + REFRESH,
        params={"partner_id": shopee.partner_id, "timestamp": NOW, "sign": "0" * 64},
        json={**body, "user_id": account["user_id"]},
    )
    assert bad.status_code == 403 and bad.json()["error"] == "error_sign"
    missing = shopee.post_token(REFRESH, body)
    assert missing.status_code == 400 and missing.json()["error"] == "error_param"
    # The refused calls did not spend the token.
    assert shopee.refresh(account["user_id"], account["refresh_token"]).json()["error"] == ""


def test_authorisation_code_works_once(sandbox: SandboxServer, shopee: Shopee) -> None:
    account = shopee.accounts[2]
    code = service_of(sandbox).auth_code(account["user_id"])
    got = shopee.post_token(TOKEN_GET, {"code": code, "partner_id": shopee.partner_id}).json()
    assert got["error"] == "" and got["user_id_list"] == [account["user_id"]]
    assert len(got["shop_id_list"]) == 1 and got["expire_in"] == 14400
    ok(
        shopee.get(
            "get_like_item_list", account["user_id"], got["access_token"], offset=0, page_size=5
        )
    )
    again = shopee.post_token(TOKEN_GET, {"code": code, "partner_id": shopee.partner_id})
    assert again.status_code == 403 and again.json()["error"] == "error_auth"


def test_wrong_sign_is_rejected(shopee: Shopee) -> None:
    account = shopee.accounts[0]
    token = shopee.login(account)
    sid = next(s["session_id"] for s in shopee.sessions if s["user_id"] == account["user_id"])
    good = shopee.get("get_session_detail", account["user_id"], token, session_id=sid)
    assert ok(good)["session_id"] == sid
    right = signature(
        shopee.key, shopee.partner_id, LIVE + "get_session_detail", NOW, token, account["user_id"]
    )
    for sign in ("f" * 64, right.upper(), signature("other-key", shopee.partner_id)):
        bad = shopee.get("get_session_detail", account["user_id"], token, sign=sign, session_id=sid)
        assert err(bad, 403, "error_sign") == "Wrong sign."
    # The signature covers the path: one made for another API does not fit.
    other = signature(
        shopee.key, shopee.partner_id, LIVE + "get_session_metric", NOW, token, account["user_id"]
    )
    bad = shopee.get("get_session_detail", account["user_id"], token, sign=other, session_id=sid)
    assert err(bad, 403, "error_sign") == "Wrong sign."


def test_timestamp_window_is_five_minutes_by_the_sandbox_clock(shopee: Shopee) -> None:
    account = shopee.accounts[0]
    token = shopee.login(account)
    uid = account["user_id"]
    ok(shopee.get("get_item_set_list", uid, token, ts=NOW - 299, offset=0, page_size=1))
    stale = shopee.get("get_item_set_list", uid, token, ts=NOW - 301, offset=0, page_size=1)
    assert err(stale, 403, "error_param") == "Invalid timestamp."
    future = shopee.get("get_item_set_list", uid, token, ts=NOW + 400, offset=0, page_size=1)
    err(future, 403, "error_param")


def test_access_token_expires_after_four_hours(sandbox: SandboxServer, shopee: Shopee) -> None:
    account = shopee.accounts[1]
    token = shopee.login(account)
    uid = account["user_id"]
    shopee.advance(sandbox, 14_399)
    ok(shopee.get("get_item_set_list", uid, token, offset=0, page_size=1))
    shopee.advance(sandbox, 1)
    expired = shopee.get("get_item_set_list", uid, token, offset=0, page_size=1)
    assert err(expired, 403, "invalid_acceess_token") == "Invalid access_token."
    unknown = shopee.get("get_item_set_list", uid, "0" * 32, offset=0, page_size=1)
    assert err(unknown, 403, "error_auth") == "Invalid access_token."


def test_token_of_one_user_does_not_open_another(shopee: Shopee) -> None:
    a, b = shopee.accounts[0], shopee.accounts[1]
    token_a = shopee.login(a)
    response = shopee.get("get_item_set_list", b["user_id"], token_a, offset=0, page_size=1)
    err(response, 403, "error_auth")


def test_session_of_another_user_and_unknown_session_are_error_data(shopee: Shopee) -> None:
    a, b = shopee.accounts[0], shopee.accounts[1]
    token = shopee.login(a)
    theirs = next(s["session_id"] for s in shopee.sessions if s["user_id"] == b["user_id"])
    message = err(
        shopee.get("get_session_detail", a["user_id"], token, session_id=theirs), 200, "error_data"
    )
    assert message == f"session_id {theirs} is not belong to you."
    message = err(
        shopee.get("get_session_metric", a["user_id"], token, session_id=1), 200, "error_data"
    )
    assert message == "session_id 1 is not exist."
    bad = shopee.get("get_session_detail", a["user_id"], token, session_id="abc")
    err(bad, 400, "error_param")


def test_detail_times_are_milliseconds_and_match_status(shopee: Shopee) -> None:
    seen = set()
    for account in shopee.accounts:
        token = shopee.login(account)
        for s in [s for s in shopee.sessions if s["user_id"] == account["user_id"]][:12]:
            d = ok(
                shopee.get(
                    "get_session_detail", account["user_id"], token, session_id=s["session_id"]
                )
            )
            seen.add(d["status"])
            assert len(str(d["create_time"])) == 13 and d["create_time"] <= NOW * 1000
            assert d["update_time"] >= d["create_time"]
            assert set(d["stream_url_list"]) == {"push_url", "push_key", "play_url", "domain_id"}
            if d["status"] == 0:
                assert d["start_time"] == 0 and d["end_time"] == 0
            elif d["status"] == 1:
                assert len(str(d["start_time"])) == 13 and d["end_time"] == 0
                assert d["start_time"] <= NOW * 1000
            else:
                assert d["create_time"] <= d["start_time"] < d["end_time"] <= NOW * 1000
                assert len(str(d["end_time"])) == 13
    assert 2 in seen


def test_world_session_moves_through_statuses_with_the_clock(
    sandbox: SandboxServer, shopee: Shopee
) -> None:
    service = service_of(sandbox)
    now_ms = NOW * 1000
    upcoming = min(
        (
            s
            for s in service.sessions.values()
            if s.start_ms is not None and s.create_ms <= now_ms < s.start_ms
        ),
        key=lambda s: s.start_ms or 0,
    )
    assert upcoming.start_ms is not None and upcoming.end_ms is not None
    account = next(a for a in shopee.accounts if a["user_id"] == upcoming.user_id)
    assert {"user_id": upcoming.user_id, "session_id": upcoming.session_id} in shopee.sessions

    def look() -> tuple[dict[str, Any], dict[str, Any]]:
        token = shopee.login(account)
        q: dict[str, Any] = {"session_id": upcoming.session_id}
        detail = ok(shopee.get("get_session_detail", upcoming.user_id, token, **q))
        metric = ok(shopee.get("get_session_metric", upcoming.user_id, token, **q))
        return detail, metric

    detail, metric = look()
    assert detail["status"] == 0 and metric["views"] == 0 and metric["gmv"] == 0
    step = (upcoming.start_ms - now_ms) // 1000 + 60
    shopee.advance(sandbox, step)
    detail, early = look()
    assert detail["status"] == 1 and detail["start_time"] == upcoming.start_ms
    assert early["ccu"] > 0 and early["views"] > 0
    shopee.advance(sandbox, 600)
    _, later = look()
    for key in ("views", "likes", "comments", "peak_ccu"):
        assert later[key] >= early[key]
    assert later["views"] > early["views"]
    step = (upcoming.end_ms - now_ms) // 1000 + 10 - (shopee.now - NOW)
    shopee.advance(sandbox, step)
    detail, final = look()
    assert detail["status"] == 2 and detail["end_time"] == upcoming.end_ms
    assert final["ccu"] == 0 and final["views"] >= later["views"]


def test_api_session_lifecycle_and_items(shopee: Shopee) -> None:
    account = shopee.accounts[0]
    uid = account["user_id"]
    token = shopee.login(account)
    created = ok(
        shopee.get(
            "create_session",
            uid,
            token,
            title="Sandbox live",
            cover_image_url="https://example.invalid/c.jpg",
        )
    )
    sid = created["session_id"]
    detail = ok(shopee.get("get_session_detail", uid, token, session_id=sid))
    assert detail["status"] == 0 and detail["create_time"] == NOW * 1000
    assert detail["title"] == "Sandbox live" and detail["is_test"] is False
    assert err(shopee.get("end_session", uid, token, session_id=sid), 400, "error_param")

    like = ok(shopee.get("get_like_item_list", uid, token, offset=0, page_size=3))["list"]
    refs = [{"item_id": i["item_id"], "shop_id": i["shop_id"]} for i in like]
    ok(shopee.get("add_item_list", uid, token, session_id=sid, item_list=json.dumps(refs)))
    count = ok(shopee.get("get_item_count", uid, token, session_id=sid))
    assert count == {"item_count": 3, "max_item_count": 500}
    move = [{**refs[2], "item_no": 1}]
    ok(shopee.get("update_item_list", uid, token, session_id=sid, item_list=json.dumps(move)))
    listed = ok(shopee.get("get_item_list", uid, token, session_id=sid, offset=0, page_size=10))
    assert [i["item_id"] for i in listed["list"]] == [
        refs[2]["item_id"],
        refs[0]["item_id"],
        refs[1]["item_id"],
    ]
    assert [i["item_no"] for i in listed["list"]] == [1, 2, 3]
    assert listed["list"][0]["price_info"]["currency"] == "TWD"
    bogus = json.dumps([{"item_id": 1, "shop_id": refs[0]["shop_id"]}])
    err(shopee.get("add_item_list", uid, token, session_id=sid, item_list=bogus), 200, "error_data")

    ok(shopee.get("start_session", uid, token, session_id=sid, domain_id=1))
    assert ok(shopee.get("get_session_detail", uid, token, session_id=sid))["status"] == 1
    show = {"session_id": sid, "item_id": refs[0]["item_id"], "shop_id": refs[0]["shop_id"]}
    ok(shopee.get("update_show_item", uid, token, **show))
    got = ok(shopee.get("get_show_item", uid, token, session_id=sid))
    assert got["has_show_item"] is True and got["item"]["item_id"] == refs[0]["item_id"]
    ok(shopee.get("delete_show_item", uid, token, session_id=sid))
    assert ok(shopee.get("get_show_item", uid, token, session_id=sid))["has_show_item"] is False
    ok(shopee.get("end_session", uid, token, session_id=sid))
    detail = ok(shopee.get("get_session_detail", uid, token, session_id=sid))
    assert detail["status"] == 2 and detail["start_time"] == detail["end_time"] == NOW * 1000
    err(shopee.get("start_session", uid, token, session_id=sid), 400, "error_param")


def account_of(shopee: Shopee, user_id: int) -> dict[str, Any]:
    return next(a for a in shopee.accounts if a["user_id"] == user_id)


def big_session(sandbox: SandboxServer, shopee: Shopee) -> tuple[dict[str, Any], int]:
    """The showcase's ended session of 150 items."""
    sid = service_of(sandbox).showcase.big
    assert {"user_id": shopee.accounts[0]["user_id"], "session_id": sid} in shopee.sessions
    return account_of(shopee, service_of(sandbox).sessions[sid].user_id), sid


def test_item_list_page_size_bounds_and_paging(sandbox: SandboxServer, shopee: Shopee) -> None:
    account, sid = big_session(sandbox, shopee)
    uid = account["user_id"]
    token = shopee.login(account)
    for api in ("get_item_list", "get_session_item_metric"):
        for size in (0, 101, -1):
            bad = shopee.get(api, uid, token, session_id=sid, offset=0, page_size=size)
            err(bad, 400, "error_param")
        err(shopee.get(api, uid, token, session_id=sid, offset=0), 400, "error_param")
    total = ok(shopee.get("get_item_count", uid, token, session_id=sid))["item_count"]
    first = ok(shopee.get("get_item_list", uid, token, session_id=sid, offset=0, page_size=100))
    assert len(first["list"]) == 100 and first["more"] is True and first["next_offset"] == 100
    rest = ok(shopee.get("get_item_list", uid, token, session_id=sid, offset=100, page_size=100))
    assert rest["more"] is False and len(rest["list"]) == total - 100
    assert [i["item_no"] for i in first["list"] + rest["list"]] == list(range(1, total + 1))
    one = ok(shopee.get("get_item_list", uid, token, session_id=sid, offset=0, page_size=1))
    assert len(one["list"]) == 1 and one["next_offset"] == 1


def test_item_metrics_add_up_to_session_metrics(sandbox: SandboxServer, shopee: Shopee) -> None:
    account, sid = big_session(sandbox, shopee)
    uid = account["user_id"]
    token = shopee.login(account)
    rows: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = ok(
            shopee.get(
                "get_session_item_metric", uid, token, session_id=sid, offset=offset, page_size=100
            )
        )
        rows += page["list"]
        if not page["more"]:
            break
        offset = page["next_offset"]
    metric = ok(shopee.get("get_session_metric", uid, token, session_id=sid))
    currency = CURRENCY[account["region"]]
    assert {r["item"]["price_info"]["currency"] for r in rows} == {currency}
    gmv = sum(r["metric"]["sold_items"] * r["item"]["price_info"]["current_price"] for r in rows)
    sold = sum(r["metric"]["sold_items"] for r in rows)
    assert metric["gmv"] == pytest.approx(gmv, abs=0.01) and metric["gmv"] > 0
    assert metric["atc"] == sum(r["metric"]["atc"] for r in rows)
    assert 0 < metric["orders"] <= sold
    assert metric["ccu"] == 0 and metric["peak_ccu"] > 0 and metric["views"] > metric["peak_ccu"]
    assert isinstance(metric["gmv"], float) and isinstance(metric["ctr"], float)


def _go_live(sandbox: SandboxServer, shopee: Shopee) -> tuple[Any, dict[str, Any]]:
    """Move the clock to the middle of the chattiest session of the next two days."""
    now_ms = NOW * 1000
    soon = [
        s
        for s in service_of(sandbox).sessions.values()
        if s.start_ms is not None and now_ms < s.start_ms < now_ms + 2 * 86_400_000
    ]
    live = max(soon, key=lambda s: s.audience.comments / s.duration_ms)
    assert live.start_ms is not None
    shopee.advance(sandbox, (live.start_ms + live.duration_ms // 2) // 1000 - NOW)
    return live, next(a for a in shopee.accounts if a["user_id"] == live.user_id)


def test_comments_only_from_the_last_ten_seconds(sandbox: SandboxServer, shopee: Shopee) -> None:
    live, account = _go_live(sandbox, shopee)
    now_ms = shopee.now * 1000
    uid, token = account["user_id"], shopee.login(account)
    q = {"session_id": live.session_id}
    first = ok(shopee.get("get_latest_comment_list", uid, token, **q))
    assert first["list"], "the busiest live session should have comments in 10 s"
    for c in first["list"]:
        assert set(c) == {"comment_id", "content", "timestamp", "user_id", "username"}
        assert now_ms - 10_000 < c["timestamp"] <= now_ms and len(str(c["timestamp"])) == 13
    assert first["next_offset"] == first["list"][-1]["comment_id"]
    cursor = ok(shopee.get("get_latest_comment_list", uid, token, offset=first["next_offset"], **q))
    assert cursor["list"] == [] and cursor["next_offset"] == first["next_offset"]
    two = ok(shopee.get("get_latest_comment_list", uid, token, page_size=1, **q))
    assert two["list"] == first["list"][:1]
    err(shopee.get("get_latest_comment_list", uid, token, page_size=101, **q), 400, "error_param")

    ok(shopee.get("post_comment", uid, token, comment="Welcome!", **q))
    mine = ok(shopee.get("get_latest_comment_list", uid, token, offset=first["next_offset"], **q))[
        "list"
    ]
    assert [c["content"] for c in mine] == ["Welcome!"] and mine[0]["user_id"] == uid

    shopee.advance(sandbox, 11)
    later = ok(shopee.get("get_latest_comment_list", uid, token, **q))
    old_ids = {c["comment_id"] for c in first["list"]} | {mine[0]["comment_id"]}
    assert not old_ids & {c["comment_id"] for c in later["list"]}
    assert all(c["timestamp"] > now_ms + 1000 for c in later["list"])


def test_ban_user_hides_their_comments(sandbox: SandboxServer, shopee: Shopee) -> None:
    live, account = _go_live(sandbox, shopee)
    now_ms = shopee.now * 1000
    service = service_of(sandbox)
    viewers = service.viewers[live.region]
    expected = comments_between(sandbox.config.seed, live, viewers, now_ms, now_ms + 60_000)
    target = expected[len(expected) // 2]["user_id"]
    uid, token = account["user_id"], shopee.login(account)
    q = {"session_id": live.session_id}
    ok(shopee.get("ban_user_comment", uid, token, ban_user_id=target, **q))
    seen: list[dict[str, Any]] = []
    for _ in range(6):
        shopee.advance(sandbox, 10)
        seen += ok(shopee.get("get_latest_comment_list", uid, token, **q))["list"]
    assert seen == [c for c in expected if c["user_id"] != target]
    assert len(seen) < len(expected)
    ok(shopee.get("unban_user_comment", uid, token, unban_user_id=target, **q))


def test_same_seed_same_world(shopee: Shopee) -> None:
    config = SandboxConfig(seed=7, scale=1, days=30, frozen_at=FROZEN_AT)
    with SandboxServer(config) as other:
        twin = Shopee(other)
        strip = {"SOURCES__SHOPEE__BASE_URL", "SOURCES__SHOPEE__CLOCK_OFFSET_S"}  # wall time
        assert {
            k: v for k, v in twin.env.items() if k.startswith("SOURCES__SHOPEE") and k not in strip
        } == {
            k: v
            for k, v in shopee.env.items()
            if k.startswith("SOURCES__SHOPEE") and k not in strip
        }
        account = shopee.accounts[2]
        tokens = [c.login(account) for c in (shopee, twin)]
        assert tokens[0] == tokens[1]
        sid = next(s["session_id"] for s in shopee.sessions if s["user_id"] == account["user_id"])
        for api in ("get_session_detail", "get_session_metric"):
            a = ok(shopee.get(api, account["user_id"], tokens[0], session_id=sid))
            b = ok(twin.get(api, account["user_id"], tokens[1], session_id=sid))
            assert a == b
        page = {"session_id": sid, "offset": 0, "page_size": 50}
        assert ok(
            shopee.get("get_session_item_metric", account["user_id"], tokens[0], **page)
        ) == ok(twin.get("get_session_item_metric", account["user_id"], tokens[1], **page))
    with SandboxServer(SandboxConfig(seed=8, scale=1, days=30, frozen_at=FROZEN_AT)) as third:
        assert Shopee(third).accounts != shopee.accounts


def test_injected_faults_use_shopee_error_body(sandbox: SandboxServer, shopee: Shopee) -> None:
    account = shopee.accounts[0]
    token = shopee.login(account)
    sandbox.set_knobs("shopee", faults=[{"kind": "server_error", "nth": 1, "status": 503}])
    failed = shopee.get("get_item_set_list", account["user_id"], token, offset=0, page_size=1)
    # docs/providers/shopee.md quotes this message for error_server (it was a made-up one before).
    assert err(failed, 503, "error_server") == "Too many requests, please try again later"
    ok(shopee.get("get_item_set_list", account["user_id"], token, offset=0, page_size=1))
    sandbox.set_knobs("shopee", faults=[{"kind": "rate_limited", "nth": 1}])
    limited = shopee.get("get_item_set_list", account["user_id"], token, offset=0, page_size=1)
    assert err(limited, 429, "error_rate_limit") == "Too many requests, please try again later"
    assert limited.headers["Retry-After"] == "1"


def test_envelope_only_failures_on_http_200(sandbox: SandboxServer, shopee: Shopee) -> None:
    """A non-empty ``error`` is a failure even with HTTP 200: the fault_status option makes
    injected error_server and error_rate_limit answers come that way, here on one API only."""
    account, sid = big_session(sandbox, shopee)
    uid, token = account["user_id"], shopee.login(account)
    faults = [
        {"kind": "server_error", "nth": 1, "path": "get_session_metric"},
        {"kind": "rate_limited", "nth": 2, "path": "get_session_metric"},
    ]
    sandbox.set_knobs("shopee", faults=faults, options={"fault_status": 200})
    ok(shopee.get("get_session_detail", uid, token, session_id=sid))
    first = shopee.get("get_session_metric", uid, token, session_id=sid)
    assert err(first, 200, "error_server") == "Too many requests, please try again later"
    second = shopee.get("get_session_metric", uid, token, session_id=sid)
    err(second, 200, "error_rate_limit")
    assert "Retry-After" not in second.headers
    assert ok(shopee.get("get_session_metric", uid, token, session_id=sid))["gmv"] > 0


def test_daily_limit_resets_at_midnight_utc8(sandbox: SandboxServer, shopee: Shopee) -> None:
    """FROZEN_AT is 20:00 UTC+8; the quota day turns four hours later, at 16:00 UTC."""
    account = shopee.accounts[3]
    uid, token = account["user_id"], shopee.login(account)
    sandbox.set_knobs("shopee", options={"daily_call_limit": 2})
    for _ in range(2):
        ok(shopee.get("get_item_set_list", uid, token, offset=0, page_size=1))
    refused = shopee.get("get_item_set_list", uid, token, offset=0, page_size=1)
    assert err(refused, 403, "error_limit") == "Exceed the daily call limit of this api."
    assert sandbox.stats()["shopee"]["calls_today"] == 2
    shopee.advance(sandbox, 4 * 3600 - 2)
    err(shopee.get("get_item_set_list", uid, token, offset=0, page_size=1), 403, "error_limit")
    shopee.advance(sandbox, 2)
    # calls_today counted every day together before; it is the current quota day's count now.
    assert sandbox.stats()["shopee"]["calls_today"] == 0
    token = shopee.login(account)  # the old one lived exactly four hours
    ok(shopee.get("get_item_set_list", uid, token, offset=0, page_size=1))
    assert sandbox.stats()["shopee"]["calls_today"] == 1


def test_ids_fit_int64(sandbox: SandboxServer, shopee: Shopee) -> None:
    """The reference types ids int64; generated session ids had 19 digits, many above 2^63."""
    service = service_of(sandbox)
    assert all(0 < sid < 2**63 for sid in service.sessions)
    assert all(len(str(s["session_id"])) == 10 for s in shopee.sessions)
    items = [i for catalog in service.catalogs.values() for i in catalog]
    assert all(0 < i.item_id < 2**63 and 0 < i.shop_id < 2**63 for i in items)
    account = shopee.accounts[5]
    token = shopee.login(account)
    sid = max(s["session_id"] for s in shopee.sessions if s["user_id"] == account["user_id"])
    raw = shopee.get("get_session_detail", account["user_id"], token, session_id=sid).text
    assert f'"session_id":{sid},' in raw


def test_gmv_and_rates_are_floats_even_at_zero(shopee: Shopee) -> None:
    """gmv, ctr and co are floats; an empty session's gmv came out as the integer 0."""
    account = shopee.accounts[0]
    uid, token = account["user_id"], shopee.login(account)
    cover = "https://example.invalid/c.jpg"
    sid = ok(shopee.get("create_session", uid, token, title="Empty", cover_image_url=cover))[
        "session_id"
    ]
    raw = shopee.get("get_session_metric", uid, token, session_id=sid).text
    assert '"gmv":0.0,' in raw and '"ctr":0.0,' in raw and '"co":0.0,' in raw
    metric = ok(shopee.get("get_session_metric", uid, token, session_id=sid))
    assert set(metric) == {
        "gmv",
        "atc",
        "ctr",
        "co",
        "orders",
        "ccu",
        "engage_ccu_1m",
        "peak_ccu",
        "likes",
        "comments",
        "shares",
        "views",
        "avg_viewing_duration",
    }
    assert all(type(v) is int for k, v in metric.items() if k not in ("gmv", "ctr", "co"))


def test_cancelled_authorisation_is_not_authorized(sandbox: SandboxServer, shopee: Shopee) -> None:
    """Reference 3.2: a seller can unlink the app; the contract's "You are not authorized"."""
    gone, kept = shopee.accounts[1], shopee.accounts[2]
    token = shopee.login(gone)
    kept_token = shopee.login(kept)
    service_of(sandbox).cancel_authorization(gone["user_id"])
    call = shopee.get("get_item_set_list", gone["user_id"], token, offset=0, page_size=1)
    assert err(call, 403, "error_auth") == "You are not authorized"
    refused = shopee.refresh(gone["user_id"], shopee.refresh_tokens[gone["user_id"]])
    assert refused.status_code == 403 and refused.json() == {
        "error": "error_auth",
        "message": "You are not authorized",
        "request_id": refused.json()["request_id"],
    }
    ok(shopee.get("get_item_set_list", kept["user_id"], kept_token, offset=0, page_size=1))


def test_daily_call_limit_and_partner_options(sandbox: SandboxServer, shopee: Shopee) -> None:
    account = shopee.accounts[0]
    token = shopee.login(account)
    sandbox.set_knobs("shopee", options={"daily_call_limit": 1})
    uid = account["user_id"]
    ok(shopee.get("get_item_set_list", uid, token, offset=0, page_size=1))
    err(shopee.get("get_item_set_list", uid, token, offset=0, page_size=1), 403, "error_limit")
    sandbox.set_knobs("shopee", options={"partner_key": "another-key"})
    err(shopee.get("get_item_set_list", uid, token, offset=0, page_size=1), 403, "error_sign")
    shopee.key = "another-key"
    ok(shopee.get("get_item_set_list", uid, token, offset=0, page_size=1))


def test_response_fields_and_types_match_the_contract(
    sandbox: SandboxServer, shopee: Shopee
) -> None:
    account, sid = big_session(sandbox, shopee)
    uid = account["user_id"]
    got = shopee.refresh(uid, account["refresh_token"]).json()
    assert set(got) == {
        "error",
        "message",
        "request_id",
        "partner_id",
        "user_id",
        "access_token",
        "refresh_token",
        "expire_in",
    }
    token = got["access_token"]
    d = ok(shopee.get("get_session_detail", uid, token, session_id=sid))
    types = {
        "session_id": int,
        "title": str,
        "description": str,
        "cover_image_url": str,
        "status": int,
        "share_url": str,
        "is_test": bool,
        "create_time": int,
        "update_time": int,
        "start_time": int,
        "end_time": int,
        "stream_url_list": dict,
    }
    assert {k: type(v) for k, v in d.items()} == types
    assert {k: type(v) for k, v in d["stream_url_list"].items()} == {
        "push_url": str,
        "push_key": str,
        "play_url": str,
        "domain_id": int,
    }
    page: dict[str, Any] = {"session_id": sid, "offset": 0, "page_size": 2}
    metric = ok(shopee.get("get_session_item_metric", uid, token, **page))
    assert set(metric) == {"more", "next_offset", "list"}
    row = metric["list"][0]
    assert set(row) == {"item", "metric"}
    item_types = {"item_id": int, "shop_id": int, "name": str, "image_url": str, "price_info": dict}
    assert {k: type(v) for k, v in row["item"].items()} == item_types
    assert {k: type(v) for k, v in row["item"]["price_info"].items()} == {
        "currency": str,
        "current_price": float,
        "original_price": float,
    }
    assert {k: type(v) for k, v in row["metric"].items()} == {
        "item_clicks": int,
        "atc": int,
        "sold_items": int,
    }
    listed = ok(shopee.get("get_item_list", uid, token, **page))
    assert set(listed) == {"more", "next_offset", "list"}
    assert {k: type(v) for k, v in listed["list"][0].items()} == {
        **item_types,
        "item_no": int,
        "affiliate_info": dict,
    }
    count = ok(shopee.get("get_item_count", uid, token, session_id=sid))
    assert count == {"item_count": 150, "max_item_count": 500}
    show = ok(shopee.get("get_show_item", uid, token, session_id=sid))
    assert show == {"has_show_item": False, "item": {}}


def test_concurrent_refreshes_of_one_token_one_wins(shopee: Shopee) -> None:
    """Two runs refreshing with the same stored token: exactly one gets the new pair."""
    account = shopee.accounts[6]
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(
            pool.map(
                lambda _: shopee.refresh(account["user_id"], account["refresh_token"]), range(6)
            )
        )
    winners = [a.json() for a in answers if a.status_code == 200]
    assert len(winners) == 1 and winners[0]["error"] == ""
    losers = [a.json()["error"] for a in answers if a.status_code != 200]
    assert losers == ["error_auth"] * 5
