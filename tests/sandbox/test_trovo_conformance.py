"""Trovo sandbox against trovo-api.md and docs/providers/trovo.md, over real HTTP."""

from __future__ import annotations

import math
import time
from calendar import timegm
from collections import Counter
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import orjson
import pytest

from sandbox import SandboxConfig, SandboxServer
from tests.conftest import FROZEN_AT

RATE_BODY = {
    "status": 11706,
    "error": "Internal Server Error",
    "message": "API rate limit exceeded. (You may apply for rate limit increase by contacting"
    " Trovo staff)",
}
REDIRECT = "https://localhost/oauth/trovo/callback"


class Trovo:
    """A thin client that speaks the reference's headers, and nothing more."""

    def __init__(self, sandbox: SandboxServer) -> None:
        self.env = {k: v for k, v in sandbox.env().items() if k.startswith("SOURCES__TROVO__")}
        self.base = self.env["SOURCES__TROVO__BASE_URL"]
        self.client_id = self.env["SOURCES__TROVO__CLIENT_ID"]
        self.secret = self.env["SOURCES__TROVO__CLIENT_SECRET"]
        self.ids: list[str] = orjson.loads(self.env["SOURCES__TROVO__CHANNEL_IDS"])
        self.http = httpx.Client(timeout=10)

    def call(
        self, method: str, path: str, body: Any = None, token: str | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {"Accept": "application/json", "Client-ID": self.client_id}
        if token:
            headers["Authorization"] = f"OAuth {token}"
        return self.http.request(method, self.base + path, json=body, headers=headers, **kw)

    def post(self, path: str, body: Any = None, token: str | None = None) -> Any:
        r = self.call("POST", path, body, token)
        assert r.status_code == 200, r.text
        return r.json()

    def login(self, scopes: str, username: str | None = None) -> dict[str, Any]:
        """Authorization code flow end to end: the login page stand-in, then exchangetoken."""
        params = {
            "client_id": self.client_id,
            "response_type": "code",
            "scope": scopes,
            "redirect_uri": REDIRECT,
            "state": "s1",
        }
        if username:
            params["username"] = username
        r = self.http.get(self.base + "/page/login.html", params=params)
        assert r.status_code == 302
        query = parse_qs(urlsplit(r.headers["location"]).query)
        assert query["state"] == ["s1"]
        return self.post(
            "/exchangetoken",
            {
                "client_secret": self.secret,
                "grant_type": "authorization_code",
                "code": query["code"][0],
                "redirect_uri": REDIRECT,
            },
        )


def err(status: int, http: int, message: str) -> tuple[int, dict[str, Any]]:
    reason = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden"}[http]
    return http, {"status": status, "error": reason, "message": message}


def outcome(r: httpx.Response) -> tuple[int, Any]:
    return r.status_code, r.json()


def unix(followed_at: str) -> int:
    return timegm(time.strptime(followed_at, "%Y-%m-%d %H:%M:%S"))


@pytest.fixture
def trovo(sandbox: SandboxServer) -> Trovo:
    return Trovo(sandbox)


def test_env_config_and_its_credentials(trovo: Trovo) -> None:
    assert set(trovo.env) == {
        f"SOURCES__TROVO__{k}"
        for k in (
            "BASE_URL", "CLIENT_ID", "CHANNEL_IDS", "CLIENT_SECRET", "ACCESS_TOKEN",
            "REFRESH_TOKEN",
        )
    }  # fmt: skip
    assert len(trovo.ids) == 4
    token = trovo.env["SOURCES__TROVO__ACCESS_TOKEN"]
    r = trovo.call("GET", "/validate", token=token)
    assert r.status_code == 200
    got = r.json()
    assert got["uid"] == trovo.ids[0] and got["client_ID"] == trovo.client_id
    assert "channel_subscriptions" in got["scopes"]
    assert got["expire_ts"] == str(int(FROZEN_AT) + 14_400)
    r = trovo.call("GET", f"/channels/{trovo.ids[0]}/subscriptions?limit=100", token=token)
    assert r.status_code == 200
    subs = r.json()
    assert isinstance(subs["total"], int) and subs["total"] == len(subs["subscriptions"]) > 0
    info = trovo.post("/channels/id", {"channel_id": int(trovo.ids[0])})
    assert info["subscriber_num"] == subs["total"]
    first = subs["subscriptions"][0]
    assert isinstance(first["sub_created_at"], int) and first["sub_created_at"] <= FROZEN_AT
    assert isinstance(first["user"]["created_at"], str)
    # The refresh token belongs to the same grant: it refreshes into the same user.
    fresh = trovo.post(
        "/refreshtoken",
        {
            "client_secret": trovo.secret,
            "grant_type": "refresh_token",
            "refresh_token": trovo.env["SOURCES__TROVO__REFRESH_TOKEN"],
        },
    )
    assert trovo.call("GET", "/validate", token=fresh["access_token"]).json()["uid"] == trovo.ids[0]


def test_client_id_is_required_on_every_call(trovo: Trovo) -> None:
    invalid = err(11701, 400, "Invalid header.")
    for headers in ({}, {"Client-ID": "not-our-client"}):
        for method, path, body in (
            ("GET", "/categorys/top", None),
            ("POST", f"/channels/{trovo.ids[0]}/followers", {"limit": 5}),
            ("POST", "/gettopchannels", {"limit": 5}),
        ):
            r = trovo.http.request(method, trovo.base + path, json=body, headers=headers)
            assert outcome(r) == invalid
            assert r.headers["x-ratelimit-limit"] == "1200"
    # The header name is case-insensitive (the token examples spell it client-id).
    r = trovo.http.get(trovo.base + "/categorys/top", headers={"client-id": trovo.client_id})
    assert r.status_code == 200 and r.json()["category_info"][0]["id"] == "10023"


def test_tokens_and_scopes_per_endpoint(trovo: Trovo) -> None:
    token = trovo.env["SOURCES__TROVO__ACCESS_TOKEN"]  # details, user details, subscriptions
    assert outcome(trovo.call("GET", "/channel")) == err(11704, 401, "Invalid access token.")
    bearer = trovo.http.get(
        trovo.base + "/channel",
        headers={"Client-ID": trovo.client_id, "Authorization": f"Bearer {token}"},
    )
    assert outcome(bearer) == err(11704, 401, "Invalid access token.")
    own = trovo.call("GET", "/channel", token=token).json()
    assert own["uid"] == own["channel_id"] == trovo.ids[0]
    assert own["stream_key"].startswith("live/")
    assert trovo.call("GET", "/getuserinfo", token=token).json()["channelId"] == trovo.ids[0]
    scope = err(11730, 403, "scope not authorized")
    edit = {"channel_id": int(trovo.ids[0]), "live_title": "x"}
    assert outcome(trovo.call("POST", "/channels/update", edit, token)) == scope
    assert outcome(trovo.call("POST", "/chat/send", {"content": "hi"}, token)) == scope
    assert outcome(trovo.call("POST", "/channels/command", {"command": "clear"}, token)) == scope
    # Subscribers only of the token's own channel.
    other = trovo.call("GET", f"/channels/{trovo.ids[1]}/subscriptions", token=token)
    assert outcome(other) == err(10703, 403, "Authorization failed.")
    too_many = trovo.call("GET", f"/channels/{trovo.ids[0]}/subscriptions?limit=101", token=token)
    assert outcome(too_many) == err(1002, 400, "Invalid parameters.")


def test_followers_cursor_matches_the_reference_sample(
    trovo: Trovo, sandbox: SandboxServer
) -> None:
    path = f"/channels/{trovo.ids[0]}/followers"
    everyone = trovo.post(path, {"limit": 100, "cursor": 0})
    total_now = int(everyone["total"])
    assert total_now > 1_000 and everyone["cursor"] == 100
    assert everyone["total_page"] == math.ceil(total_now / 100)
    times = [unix(f["followed_at"]) for f in everyone["follower"]]
    assert times == sorted(times) and times[8] < times[9]
    # Go back to the moment the channel had exactly nine followers: the reference's sample.
    sandbox.freeze_clock(times[8])
    first = trovo.post(path, {"limit": 5, "cursor": 0})
    assert first["total"] == "9"
    assert first["total_page"] == 2 and first["cursor"] == 5
    assert first["follower"] == everyone["follower"][:5]
    second = trovo.post(path, {"limit": 5, "cursor": first["cursor"]})
    assert (second["total"], second["total_page"], second["cursor"]) == ("9", 2, 9)
    assert second["follower"] == everyone["follower"][5:9]
    third = trovo.post(path, {"limit": 5, "cursor": second["cursor"]})
    assert third["follower"] == [] and third["cursor"] == 9
    newest = trovo.post(path, {"limit": 5, "cursor": 0, "direction": "desc"})
    assert newest["follower"] == everyone["follower"][8:3:-1] and newest["cursor"] == 5
    # One second later nobody new; a day later someone followed (some follow every day).
    sandbox.advance_clock(86_400)
    later = trovo.post(path, {"limit": 5, "cursor": 0})
    assert int(later["total"]) > 9 and later["follower"] == first["follower"]
    bad = trovo.call("POST", path, {"limit": 101})
    assert outcome(bad) == err(1002, 400, "Invalid parameters.")
    assert outcome(trovo.call("POST", "/channels/1/followers", {})) == err(
        10505, 400, "Invalid user."
    )


def _top_pages(trovo: Trovo, sandbox: SandboxServer | None, limit: int) -> list[dict[str, Any]]:
    pages = [
        trovo.post("/gettopchannels", {"limit": limit, "after": True, "token": "", "cursor": 0})
    ]
    while pages[-1]["cursor"] < pages[-1]["total_page"]:
        if sandbox is not None:
            sandbox.advance_clock(60)
        prev = pages[-1]
        pages.append(
            trovo.post(
                "/gettopchannels",
                {"limit": limit, "after": True, "token": prev["token"], "cursor": prev["cursor"]},
            )
        )
        assert pages[-1]["cursor"] == prev["cursor"] + 1
    return pages


def test_top_channels_token_and_cursor_paging(trovo: Trovo, sandbox: SandboxServer) -> None:
    everyone = trovo.post("/gettopchannels", {"limit": 100})
    ranked = [c["channel_id"] for c in everyone["top_channels_lists"]]
    assert everyone["total_page"] == 1 and everyone["cursor"] == 1 and len(ranked) >= 6
    viewers = [c["current_viewers"] for c in everyone["top_channels_lists"]]
    assert viewers == sorted(viewers, reverse=True)
    for c in everyone["top_channels_lists"]:
        assert c["is_live"] is True and c["channel_id"] == c["streamer_user_id"]
        assert isinstance(c["stream_started_at"], str) and c["stream_started_at"].isdigit()
        assert c["started_at"] == c["stream_started_at"] and int(c["ended_at"]) < int(
            c["started_at"]
        )
        assert int(c["stream_started_at"]) <= FROZEN_AT
        assert isinstance(c["num_followers"], int)
    pages = _top_pages(trovo, None, 3)
    assert len(pages) == math.ceil(len(ranked) / 3) == pages[0]["total_page"]
    assert [p["cursor"] for p in pages] == list(range(1, len(pages) + 1))
    assert [c["channel_id"] for p in pages for c in p["top_channels_lists"]] == ranked
    # Backward: after=false with the last cursor serves the page before it.
    back = trovo.post(
        "/gettopchannels",
        {"limit": 3, "after": False, "token": pages[2]["token"], "cursor": pages[2]["cursor"]},
    )
    assert back["top_channels_lists"] == pages[1]["top_channels_lists"] and back["cursor"] == 2
    # As viewers move each minute, later pages repeat or skip channels.
    moving = _top_pages(trovo, sandbox, 3)
    seen = [c["channel_id"] for p in moving for c in p["top_channels_lists"]]
    assert seen != ranked
    invalid = err(1002, 400, "Invalid parameters.")
    assert outcome(trovo.call("POST", "/gettopchannels", {"limit": 3, "cursor": 2})) == invalid
    bogus = {"limit": 3, "cursor": 1, "token": "not a token"}
    assert outcome(trovo.call("POST", "/gettopchannels", bogus)) == invalid
    assert outcome(trovo.call("POST", "/gettopchannels", {"limit": 101})) == invalid
    unknown = {"limit": 3, "category_id": "999"}
    assert outcome(trovo.call("POST", "/gettopchannels", unknown)) == err(
        11000, 400, "Invalid category."
    )


def test_rate_limit_headers_and_11706(trovo: Trovo, sandbox: SandboxServer) -> None:
    r = trovo.call("GET", "/categorys/top")
    assert r.headers["x-ratelimit-limit"] == "1200"
    assert r.headers["x-ratelimit-remaining"] == "1199"
    assert 0 < int(r.headers["x-ratelimit-reset"]) - time.time() <= 61
    sandbox.set_knobs("trovo", rate_limit=3, rate_window_s=60)
    remaining = [
        trovo.call("GET", "/categorys/top").headers["x-ratelimit-remaining"] for _ in "abc"
    ]
    assert remaining == ["2", "1", "0"]
    over = trovo.call("POST", f"/channels/{trovo.ids[0]}/followers", {"limit": 5})
    assert outcome(over) == (429, RATE_BODY)
    assert over.headers["x-ratelimit-limit"] == "3" and over.headers["x-ratelimit-remaining"] == "0"
    assert 0 < int(over.headers["x-ratelimit-reset"]) - time.time() <= 61
    # The notes allow the over-limit body with HTTP 200 too.
    sandbox.set_knobs(
        "trovo", rate_limit=1, rate_window_s=60, options={"rate_limit_http_status": 200}
    )
    assert trovo.call("GET", "/categorys/top").status_code == 200
    assert outcome(trovo.call("GET", "/categorys/top")) == (200, RATE_BODY)


def test_injected_faults_use_trovo_bodies(trovo: Trovo, sandbox: SandboxServer) -> None:
    sandbox.set_knobs(
        "trovo",
        rate_limit=1200,
        rate_window_s=60,
        faults=[
            {"kind": "server_error", "nth": 1, "status": 503},
            {"kind": "rate_limited", "nth": 2},
        ],
    )
    first = trovo.call("POST", "/gettopchannels", {"limit": 2})
    assert outcome(first) == (
        503,
        {"status": -1000, "error": "Service Unavailable", "message": "Internal server error."},
    )
    assert first.headers["x-ratelimit-limit"] == "1200"
    assert outcome(trovo.call("POST", "/gettopchannels", {"limit": 2})) == (429, RATE_BODY)
    assert trovo.call("POST", "/gettopchannels", {"limit": 2}).status_code == 200


def test_refresh_validate_revoke(trovo: Trovo, sandbox: SandboxServer) -> None:
    refresh = trovo.env["SOURCES__TROVO__REFRESH_TOKEN"]
    body = {"client_secret": trovo.secret, "grant_type": "refresh_token", "refresh_token": refresh}
    fresh = trovo.post("/refreshtoken", body)
    assert fresh["token_type"] == "bearer" and fresh["expires_in"] == "14400"
    assert fresh["refresh_token"] != refresh and fresh["access_token"]
    again = trovo.post("/refreshtoken", body)  # the old refresh token keeps working
    assert again["access_token"] != fresh["access_token"]
    assert trovo.call("GET", "/validate", token=fresh["access_token"]).status_code == 200

    def refresh_with(**change: Any) -> tuple[int, Any]:
        return outcome(trovo.call("POST", "/refreshtoken", {**body, **change}))

    assert refresh_with(client_secret="nope") == err(11717, 400, "Invalid client secret")
    assert refresh_with(grant_type="authorization_code") == err(11715, 400, "Invalid grant type")
    assert refresh_with(refresh_token="nope") == err(11713, 400, "Invalid refresh token")
    # Revoke: the token named in the body is dead afterwards, the caller's is not.
    revoke = trovo.call(
        "POST", "/revoke", {"access_token": again["access_token"]}, fresh["access_token"]
    )
    assert outcome(revoke) == (200, {"empty": ""})
    twice = trovo.call(
        "POST", "/revoke", {"access_token": again["access_token"]}, fresh["access_token"]
    )
    assert outcome(twice) == (200, {"empty": ""})  # RFC 7009: no error for a dead token
    dead = trovo.call("GET", "/validate", token=again["access_token"])
    assert outcome(dead) == err(11704, 401, "Invalid access token.")
    # Access tokens expire on the sandbox clock after expires_in seconds.
    sandbox.advance_clock(14_400)
    expired = trovo.call("GET", "/validate", token=fresh["access_token"])
    assert outcome(expired) == err(11714, 401, "Access token has expired")
    newer = trovo.post("/refreshtoken", {**body, "refresh_token": fresh["refresh_token"]})
    assert trovo.call("GET", "/validate", token=newer["access_token"]).status_code == 200
    # At most N live access tokens per refresh token (50 by default).
    sandbox.set_knobs(
        "trovo", rate_limit=1200, rate_window_s=60, options={"max_tokens_per_refresh": 2}
    )
    trovo.post("/refreshtoken", {**body, "refresh_token": newer["refresh_token"]})
    trovo.post("/refreshtoken", {**body, "refresh_token": newer["refresh_token"]})
    assert refresh_with(refresh_token=newer["refresh_token"]) == err(
        11718, 400, "Access token num limit"
    )
    # Refresh tokens live 30 days.
    sandbox.advance_clock(30 * 86_400)
    assert refresh_with() == err(11712, 400, "Refresh token has expired")


def test_authorization_code_flow(trovo: Trovo, sandbox: SandboxServer) -> None:
    tokens = trovo.login("channel_update_self+user_details_self")
    assert tokens["expires_in"] == "14400"
    info = trovo.call("GET", "/validate", token=tokens["access_token"]).json()
    assert info["scopes"] == ["channel_update_self", "user_details_self"]
    params = {
        "client_id": trovo.client_id,
        "response_type": "code",
        "scope": "user_details_self",
        "redirect_uri": REDIRECT,
    }
    code = parse_qs(
        urlsplit(
            trovo.http.get(trovo.base + "/page/login.html", params=params).headers["location"]
        ).query
    )["code"][0]
    exchange = {
        "client_secret": trovo.secret,
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "https://elsewhere.example/cb",
    }
    assert outcome(trovo.call("POST", "/exchangetoken", exchange)) == err(
        11716, 400, "Invalid Redirect URI"
    )
    exchange["redirect_uri"] = REDIRECT
    assert trovo.call("POST", "/exchangetoken", exchange).status_code == 200
    assert outcome(trovo.call("POST", "/exchangetoken", exchange)) == err(
        11711, 400, "Authorization Code has been used"
    )
    late = parse_qs(
        urlsplit(
            trovo.http.get(trovo.base + "/page/login.html", params=params).headers["location"]
        ).query
    )["code"][0]
    sandbox.advance_clock(601)
    assert outcome(trovo.call("POST", "/exchangetoken", {**exchange, "code": late})) == err(
        11710, 400, "Authorization Code doesn't exist or has expired"
    )
    bad_scope = trovo.http.get(
        trovo.base + "/page/login.html", params={**params, "scope": "everything"}
    )
    assert outcome(bad_scope) == err(11703, 400, "Invalid scope")
    implicit = trovo.http.get(
        trovo.base + "/page/login.html", params={**params, "response_type": "token"}
    )
    frag = parse_qs(urlsplit(implicit.headers["location"]).fragment)
    assert frag["token_type"] == ["OAuth"] and frag["expires_in"] == ["864000"]
    assert "refresh_token" not in frag
    assert trovo.call("GET", "/validate", token=frag["access_token"][0]).status_code == 200


def test_live_state_follows_the_clock(trovo: Trovo, sandbox: SandboxServer) -> None:
    cid = trovo.ids[0]
    now = trovo.post("/channels/id", {"channel_id": cid})
    assert now["is_live"] is False and now["current_viewers"] == 0 and now["thumbnail"] == ""
    start, end = int(now["started_at"]), int(now["ended_at"])
    assert start < end <= FROZEN_AT
    assert trovo.post("/livestreamurl", {"channel_id": cid}) == {"stream_urls": []}
    assert trovo.post(f"/channels/{cid}/viewers", {})["total"] == "0"
    sandbox.freeze_clock(start + 600)
    live = trovo.post("/channels/id", {"channel_id": int(cid)})
    assert live["is_live"] is True and live["current_viewers"] > 0 and live["thumbnail"]
    assert live["started_at"] == str(start) and int(live["ended_at"]) < start
    assert trovo.post("/livestreamurl", {"channel_id": cid})["stream_urls"][0]["desc"] == "480P"
    viewers = trovo.post(f"/channels/{cid}/viewers", {"limit": 0, "cursor": 0})
    names = viewers["chatters"]["all"]["viewers"]
    assert int(viewers["total"]) == len(names) > 0 and viewers["custome_roles"] == {}
    assert set(viewers["chatters"]["followers"]["viewers"]) <= set(names)
    paged = trovo.post(f"/channels/{cid}/viewers", {"limit": 20, "cursor": 0})
    assert paged["chatters"]["all"]["viewers"] == names[:20] and paged["total"] == viewers["total"]
    by_name = trovo.post("/channels/id", {"username": live["username"].upper()})
    assert by_name == live
    sandbox.freeze_clock(end)
    ended = trovo.post("/channels/id", {"channel_id": cid})
    assert ended["is_live"] is False and (ended["started_at"], ended["ended_at"]) == (
        str(start),
        str(end),
    )


def test_users_categories_and_emotes(trovo: Trovo) -> None:
    names = [trovo.post("/channels/id", {"channel_id": i})["username"] for i in trovo.ids[:2]]
    users = trovo.post("/getusers", {"user": [names[0].lower(), "nobody_here", names[1].upper()]})
    assert users["total"] == 2
    assert [u["channel_id"] for u in users["users"]] == trovo.ids[:2]
    assert all(u["user_id"] == u["channel_id"] for u in users["users"])
    assert outcome(trovo.call("POST", "/getusers", {"user": ["nobody_here"]})) == err(
        10505, 400, "Invalid user."
    )
    assert outcome(trovo.call("POST", "/channels/id", {"channel_id": 1})) == err(
        10505, 400, "Invalid user."
    )
    found = trovo.post("/searchcategory", {"query": "le", "limit": 3})
    assert len(found["category_info"]) == 3 and found["has_more"] is True
    exact = trovo.post("/searchcategory", {"query": "codm"})
    assert exact["category_info"][0]["id"] == "10028" and exact["has_more"] is False
    assert outcome(trovo.call("POST", "/searchcategory", {})) == err(
        1002, 400, "Invalid parameters."
    )
    emotes = trovo.post("/getemotes", {"emote_type": 1, "channel_id": [int(trovo.ids[0])]})
    custom = emotes["channels"]["customizedEmotes"]["channel"]
    assert [c["channel_id"] for c in custom] == [trovo.ids[0]] and custom[0]["emotes"]
    assert emotes["channels"]["globalEmotes"] == []
    platform = trovo.post("/getemotes", {"emote_type": 2, "channel_id": [int(trovo.ids[0])]})
    assert platform["channels"]["customizedEmotes"]["channel"] == []
    assert platform["channels"]["globalEmotes"][0]["name"] == "Cupcake!"


def test_edit_channel_and_chat(trovo: Trovo, sandbox: SandboxServer) -> None:
    names = [trovo.post("/channels/id", {"channel_id": i})["username"] for i in trovo.ids[:2]]
    me = trovo.login("channel_update_self+chat_send_self+manage_messages")["access_token"]
    edit = {"channel_id": int(trovo.ids[0]), "live_title": "ABC Germany", "category_id": "10023"}
    assert trovo.post("/channels/update", edit, me) == {"empty": ""}
    shown = trovo.post("/channels/id", {"channel_id": trovo.ids[0]})
    assert (shown["live_title"], shown["category_name"]) == ("ABC Germany", "PUBG Mobile")
    upd = "/channels/update"
    bad_cat = trovo.call("POST", upd, {**edit, "category_id": "1"}, me)
    assert outcome(bad_cat) == err(11000, 400, "Invalid category.")
    bad_audi = trovo.call("POST", upd, {**edit, "audi_type": "ALL"}, me)
    assert outcome(bad_audi) == err(1002, 400, "Invalid parameters.")
    other = trovo.call("POST", upd, {**edit, "channel_id": int(trovo.ids[1])}, me)
    assert outcome(other) == err(10703, 403, "Authorization failed.")
    # Chat to my own channel, then to someone else's (needs their send_to_my_channel).
    assert trovo.post("/chat/send", {"content": "hello"}, me) == {}
    target = {"content": "hi there", "channel_id": int(trovo.ids[1])}
    assert outcome(trovo.call("POST", "/chat/send", target, me)) == err(
        11707, 403, "No permission to send chats to this channel."
    )
    them = trovo.login("send_to_my_channel+manage_messages", username=names[1])["access_token"]
    spam = err(10908, 400, "Please don't spam.")
    assert outcome(trovo.call("POST", "/chat/send", target, me)) == spam  # < 1 s after "hello"
    sandbox.advance_clock(1)
    assert trovo.post("/chat/send", target, me) == {}
    assert outcome(trovo.call("POST", "/chat/send", {**target, "content": "again"}, me)) == spam
    sandbox.advance_clock(2)
    assert outcome(trovo.call("POST", "/chat/send", target, me)) == spam  # same text < 30 s
    sandbox.advance_clock(30)
    assert trovo.post("/chat/send", target, me) == {}
    log = sandbox.stats()["trovo"]["chat_log"]
    sent = next(m for m in log if m["channel_id"] == trovo.ids[1])
    path = f"/channels/{trovo.ids[1]}/messages/{sent['message_id']}/users/"
    assert outcome(trovo.call("DELETE", path + sent["sender"], token=me)) == err(
        10703, 403, "No permission to delete this message"
    )
    mismatch = trovo.call("DELETE", path + trovo.ids[1], token=them)
    assert mismatch.status_code == 400 and mismatch.json()["status"] == 20000
    assert outcome(trovo.call("DELETE", path + sent["sender"], token=them)) == (200, {})
    # Commands: the streamer's succeed, unknown ones are a 200 with is_success false.
    cmd = {"command": "settitle Night shift", "channel_id": int(trovo.ids[1])}
    assert trovo.post("/channels/command", cmd, them) == {"is_success": True, "display_msg": ""}
    assert trovo.post("/channels/id", {"channel_id": trovo.ids[1]})["live_title"] == "Night shift"
    assert trovo.post("/channels/command", {**cmd, "command": "xxx"}, them) == {
        "is_success": False,
        "display_msg": "Unrecognized command: /xxx",
    }
    assert trovo.post("/channels/command", cmd, me)["is_success"] is False
    assert trovo.post("/channels/command", {**cmd, "command": f"mod {names[0]}"}, them)[
        "is_success"
    ]
    assert trovo.post("/channels/command", cmd, me)["is_success"] is True  # a mod now


def test_viewers_are_distinct_people_each_with_their_roles(
    trovo: Trovo, sandbox: SandboxServer
) -> None:
    leaf = trovo.ids[3]  # live 13:09:44-14:24:11 on the frozen day
    sandbox.freeze_clock(FROZEN_AT + 5400)
    whole = trovo.post(f"/channels/{leaf}/viewers", {})
    chatters = whole["chatters"]
    everyone = chatters["all"]["viewers"]
    assert int(whole["total"]) == len(everyone) > 100
    # Roles belong to a viewer, not to a nickname two viewers may share: the channel's
    # three mods joined first and all three are listed as moderators.
    assert chatters["moderators"]["viewers"] == everyone[:3]
    for role, listed in chatters.items():
        assert Counter(listed["viewers"]) <= Counter(everyone), role
    # "subscribers" are the channel's active subscribers, as its owner reads them.
    name = trovo.post("/channels/id", {"channel_id": leaf})["username"]
    owner = trovo.login("channel_subscriptions", username=name)["access_token"]
    subs = trovo.call("GET", f"/channels/{leaf}/subscriptions?limit=100", token=owner).json()
    watching = chatters["subscribers"]["viewers"]
    assert 0 < len(watching) <= subs["total"] == len(subs["subscriptions"])
    assert set(watching) <= {s["user"]["display_name"] for s in subs["subscriptions"]}
    # Pages of 20 (cursor = offset) add up to the whole, role by role.
    pages = [
        trovo.post(f"/channels/{leaf}/viewers", {"limit": 20, "cursor": at})
        for at in range(0, len(everyone), 20)
    ]
    assert {p["total"] for p in pages} == {whole["total"]}
    for role, listed in chatters.items():
        assert [n for p in pages for n in p["chatters"][role]["viewers"]] == listed["viewers"]


def test_top_channels_are_the_minutes_snapshot(trovo: Trovo, sandbox: SandboxServer) -> None:
    leaf = trovo.ids[3]
    minute = FROZEN_AT + 69 * 60  # 13:09:00; the channel goes live at 13:09:44
    sandbox.freeze_clock(minute + 50)
    assert trovo.post("/channels/id", {"channel_id": leaf})["is_live"] is True
    late = trovo.post("/gettopchannels", {"limit": 100})["top_channels_lists"]
    sandbox.freeze_clock(minute + 5)
    early = trovo.post("/gettopchannels", {"limit": 100})["top_channels_lists"]
    # Whenever in the minute it is asked first, the list is the one captured at its start.
    ranked = [(c["channel_id"], c["current_viewers"]) for c in late]
    assert [(c["channel_id"], c["current_viewers"]) for c in early] == ranked
    assert leaf not in {cid for cid, _ in ranked}
    sandbox.freeze_clock(minute)
    for cid, viewers in ranked:
        info = trovo.post("/channels/id", {"channel_id": cid})
        assert (info["is_live"], info["current_viewers"]) == (True, viewers)
    sandbox.freeze_clock(minute + 60)
    after = trovo.post("/gettopchannels", {"limit": 100})["top_channels_lists"]
    assert leaf in {c["channel_id"] for c in after}


def test_only_the_single_prefix_paths_exist(trovo: Trovo) -> None:
    """The reference prints ``/openplatform//openplatform/channels/{id}/...``: a typo."""
    for kind in ("followers", "viewers"):
        typo = trovo.call("POST", f"//openplatform/channels/{trovo.ids[0]}/{kind}", {})
        assert typo.status_code == 404
        assert trovo.call("GET", f"/channels/{trovo.ids[0]}/{kind}").status_code == 405
        assert trovo.call("POST", f"/channels/{trovo.ids[0]}/{kind}", {}).status_code == 200


def _snapshot(server: SandboxServer) -> list[Any]:
    t = Trovo(server)
    return [
        t.ids,
        t.post(f"/channels/{t.ids[1]}/followers", {"limit": 50, "cursor": 100}),
        t.post("/gettopchannels", {"limit": 100})["top_channels_lists"],
        t.post("/channels/id", {"channel_id": t.ids[2]}),
    ]


def test_same_seed_same_world(sandbox: SandboxServer) -> None:
    with SandboxServer(SandboxConfig(seed=7, scale=1, days=30, frozen_at=FROZEN_AT)) as twin:
        assert _snapshot(sandbox) == _snapshot(twin)
    with SandboxServer(SandboxConfig(seed=8, scale=1, days=30, frozen_at=FROZEN_AT)) as other:
        assert _snapshot(other)[0] != _snapshot(sandbox)[0]
