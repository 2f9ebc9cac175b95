"""LiSA's sandbox against lisa-customer-api.md and the LiSA part of docs/providers/lisa.md."""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import httpx
import orjson
import pytest

from sandbox import SandboxConfig, SandboxServer
from sandbox.providers.lisa import LisaService
from tests.conftest import FROZEN_AT

UNAUTHORIZED = {
    "code": "Http:Unauthorized",
    "message": "You are not authorized to access the target resource.",
    "statusCode": 401,
}


def ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Lisa:
    """A thin client: the key from env_config, the base URL of the sandbox."""

    def __init__(self, server: SandboxServer) -> None:
        env = server.env()
        self.base = env["SOURCES__LISA__BASE_URL"]
        self.key = env["SOURCES__LISA__API_KEY"]
        self.http = httpx.Client(headers={"Authorization": f"ApiKey {self.key}"}, timeout=10)

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(self.base + path, params=params)

    def ok(self, path: str, **params: Any) -> Any:
        response = self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()

    def all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        """Every item, scrolling with the same filters on every page."""
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.ok(path, **params, **({"cursor": cursor} if cursor else {}))
            items.extend(page["items"])
            cursor = page["scrolling"].get("cursor")
            if not cursor:
                return items


@pytest.fixture
def lisa(sandbox: SandboxServer) -> Lisa:
    return Lisa(sandbox)


def lisa_service(sandbox: SandboxServer) -> LisaService:
    svc = sandbox.runtime.services["lisa"]
    assert isinstance(svc, LisaService)
    return svc


def wait_for(check: Callable[[], Any], timeout: float = 5.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


# auth and errors -----------------------------------------------------------------------


def test_env_config_has_exactly_the_spec_keys_and_they_work(sandbox: SandboxServer) -> None:
    env = {k: v for k, v in sandbox.env().items() if k.startswith("SOURCES__LISA__")}
    assert set(env) == {
        "SOURCES__LISA__BASE_URL",
        "SOURCES__LISA__API_KEY",
        "SOURCES__LISA__ACCOUNT_ID",
    }
    assert env["SOURCES__LISA__BASE_URL"] == sandbox.base_url("lisa")
    response = httpx.get(
        env["SOURCES__LISA__BASE_URL"] + "/shows",
        headers={"Authorization": f"ApiKey {env['SOURCES__LISA__API_KEY']}"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        None,
        "ApiKey wrong-key",
        "Bearer lisa_sandbox_api_key_0001",
        "ApiKey",
        "lisa_sandbox_api_key_0001",
    ],
)
def test_missing_or_wrong_api_key_gets_the_documented_401(
    sandbox: SandboxServer, header: str | None
) -> None:
    headers = {"Authorization": header} if header is not None else {}
    for path in ("/shows", "/shows/count", "/channels", "/webhooks", "/products/references"):
        response = httpx.get(sandbox.base_url("lisa") + path, headers=headers)
        assert response.status_code == 401
        assert response.json() == UNAUTHORIZED


def test_limit_above_100_is_a_bad_request(lisa: Lisa) -> None:
    response = lisa.get("/shows", limit=101)
    assert response.status_code == 400
    assert response.json() == {
        "code": "Http:BadRequest",
        "message": "Number must be less than or equal to 100",
        "statusCode": 400,
        "issues": [
            {
                "code": "too_big",
                "message": "Number must be less than or equal to 100",
                "path": ["limit"],
            }
        ],
    }
    for path in ("/channels", "/stories", "/snippets", "/short-clips", "/stickers"):
        assert lisa.get(path, limit=101).status_code == 400
    assert lisa.get("/shows", limit=0).json()["issues"][0]["code"] == "too_small"
    assert lisa.get("/shows", limit="ten").status_code == 400
    assert len(lisa.ok("/shows", limit=100)["items"]) == 100
    bad = lisa.get("/shows", cursor="not-a-cursor")
    assert bad.status_code == 400
    assert bad.json()["issues"][0]["path"] == ["cursor"]


def test_unknown_ids_are_404(lisa: Lisa) -> None:
    missing = "3203d9eb-e87b-49cc-9090-90d0db301a8e"
    for path in (
        "/shows/",
        "/channels/",
        "/stories/",
        "/short-clips/",
        "/stickers/",
        "/webhooks/",
        "/webhooks/events/",
    ):
        response = lisa.get(path + missing)
        assert response.status_code == 404
        assert response.json()["code"] == "Http:NotFound"
        assert response.json()["statusCode"] == 404


def test_injected_faults_use_lisa_error_bodies(sandbox: SandboxServer, lisa: Lisa) -> None:
    sandbox.set_knobs("lisa", faults=[{"kind": "server_error", "nth": 1, "status": 503}])
    response = lisa.get("/shows")
    assert response.status_code == 503
    assert response.json() == {
        "code": "Http:InternalServerError",
        "message": "Internal server error.",
        "statusCode": 503,
    }
    assert lisa.get("/shows").status_code == 200
    sandbox.set_knobs("lisa", faults=[{"kind": "rate_limited", "nth": 1}])
    response = lisa.get("/shows")
    assert response.status_code == 429
    assert response.json() == {
        "code": "Http:TooManyRequests",
        "message": "Too many requests.",
        "statusCode": 429,
    }
    assert response.headers["retry-after"] == "1"


# scrolling ---------------------------------------------------------------------------


def test_cursor_paging_visits_every_show_exactly_once(lisa: Lisa) -> None:
    total = lisa.ok("/shows/count")["count"]
    assert total > 50
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = lisa.ok("/shows", limit=7, **({"cursor": cursor} if cursor else {}))
        pages += 1
        assert page["scrolling"]["limit"] == 7
        assert page["scrolling"]["numItemsTotal"] == total
        seen.extend(item["id"] for item in page["items"])
        cursor = page["scrolling"].get("cursor")
        if cursor is None:
            break
        # opaque to clients, but it is the documented shape: {"limit":7,"page":n}
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        assert orjson.loads(raw) == {"limit": 7, "page": pages + 1}
    assert len(seen) == total == len(set(seen))
    assert pages == -(-total // 7)
    # past the end: empty, and still no cursor
    beyond = base64.urlsafe_b64encode(b'{"limit":7,"page":999}').decode().rstrip("=")
    last = lisa.ok("/shows", cursor=beyond)
    assert last["items"] == [] and "cursor" not in last["scrolling"]


def test_cursor_carries_no_filters(lisa: Lisa) -> None:
    """The cursor only counts pages: filters must be sent again with every page."""
    fashion = [s["id"] for s in lisa.all("/shows", channel="fashion", limit=100)]
    filtered = lisa.ok("/shows", channel="fashion", limit=5)
    cursor = filtered["scrolling"]["cursor"]
    again = lisa.ok("/shows", channel="fashion", cursor=cursor)
    assert [i["id"] for i in again["items"]] == fashion[5:10]
    bare = lisa.ok("/shows", cursor=cursor)
    assert bare["scrolling"]["numItemsTotal"] == lisa.ok("/shows/count")["count"]
    assert [i["id"] for i in bare["items"]] == [
        i["id"] for i in lisa.ok("/shows", limit=10)["items"][5:]
    ]


# filters -----------------------------------------------------------------------------


def test_default_order_is_newest_first_and_sort_date_asc_reverses(lisa: Lisa) -> None:
    desc = lisa.all("/shows", limit=100)
    dates = [ts(s["date"]) for s in desc]
    assert dates == sorted(dates, reverse=True)
    asc = lisa.all("/shows", limit=100, sort="date:asc")
    assert [ts(s["date"]) for s in asc] == sorted(dates)
    assert {s["id"] for s in asc} == {s["id"] for s in desc}
    assert lisa.get("/shows", sort="views:asc").status_code == 400


def test_date_range_filter_either_side(lisa: Lisa) -> None:
    everything = lisa.all("/shows", limit=100)
    low, high = "2026-11-10T00:00:00.000Z", "2026-11-15T00:00:00.000Z"
    both = lisa.all("/shows", limit=100, date=f"{low},{high}")
    expected = {s["id"] for s in everything if ts(low) <= ts(s["date"]) <= ts(high)}
    assert {s["id"] for s in both} == expected and expected
    only_low = lisa.all("/shows", limit=100, date=f"{low},")
    assert {s["id"] for s in only_low} == {s["id"] for s in everything if ts(s["date"]) >= ts(low)}
    only_high = lisa.all("/shows", limit=100, date=f",{high}")
    assert {s["id"] for s in only_high} == {
        s["id"] for s in everything if ts(s["date"]) <= ts(high)
    }
    # a bare date as the upper bound takes in the whole day
    day = lisa.all("/shows", limit=100, date="2026-11-12,2026-11-12")
    assert day and all(s["date"].startswith("2026-11-12") for s in day)
    assert {s["id"] for s in day} == {s["id"] for s in everything if s["date"][:10] == "2026-11-12"}
    for bad in (",", "", "yesterday,", "2026-11-01,2026-11-02,2026-11-03"):
        response = lisa.get("/shows", date=bad)
        assert response.status_code == 400, bad
        assert response.json()["issues"][0]["path"] == ["date"]


def test_modified_since_filter(lisa: Lisa) -> None:
    everything = lisa.all("/shows", limit=100)
    since = "2026-11-19T12:00:00.000Z"
    recent = lisa.all("/shows", limit=100, modified_since=since)
    expected = {s["id"] for s in everything if ts(s["meta"]["modifiedAt"]) > ts(since)}
    assert {s["id"] for s in recent} == expected
    assert 0 < len(expected) < len(everything)
    assert lisa.get("/shows", modified_since="soon").status_code == 400


def test_status_filter_and_archived_hidden_by_default(lisa: Lisa) -> None:
    default = lisa.all("/shows", limit=100)
    assert {s["status"] for s in default} <= {"draft", "ready"}
    archived = lisa.all("/shows", limit=100, status="archived")
    assert archived and all(s["status"] == "archived" for s in archived)
    assert all("archivedAt" in s["meta"] for s in archived)
    every = lisa.all("/shows", limit=100, status="archived,draft,ready")
    assert len(every) == len(default) + len(archived)
    ready = lisa.all("/shows", limit=100, status="ready")
    assert ready and all(s["status"] == "ready" for s in ready)
    assert lisa.ok("/shows/count", status="archived")["count"] == len(archived)
    response = lisa.get("/shows", status="deleted")
    assert response.status_code == 400
    assert response.json()["issues"][0]["code"] == "invalid_enum_value"


def test_conducted_and_channel_filters(sandbox: SandboxServer, lisa: Lisa) -> None:
    everything = lisa.all("/shows", limit=100)
    for raw, want in (("true", True), ("1", True), ("yes", True), ("no", False), ("0", False)):
        got = lisa.all("/shows", limit=100, conducted=raw)
        assert {s["id"] for s in got} == {s["id"] for s in everything if s["conducted"] is want}
    assert lisa.get("/shows", conducted="maybe").status_code == 400
    channels = lisa.ok("/channels")["items"]
    assert [c["slug"] for c in channels] == ["fashion", "beauty", "home"]
    svc = lisa_service(sandbox)
    total = 0
    for channel in channels:
        got = lisa.all("/shows", limit=100, channel=channel["slug"])
        assert {s["id"] for s in got} == {
            s["id"] for s in everything if channel["slug"] in svc.channel_slugs(s["id"])
        }
        assert lisa.ok("/shows/count", channel=channel["slug"])["count"] == len(got)
        total += len(got)
    # shows without a channel exist, and a few shows sit in two channels
    unassigned = [s for s in everything if not svc.channel_slugs(s["id"])]
    double = [s for s in everything if len(svc.channel_slugs(s["id"])) == 2]
    assert unassigned and double
    assert total == len(everything) - len(unassigned) + len(double)
    assert lisa.ok("/shows", channel="nope")["items"] == []
    assert lisa.get("/shows", channel="Not A Slug").status_code == 400


def test_count_matches_scrolling_under_filters(lisa: Lisa) -> None:
    for params in (
        {},
        {"channel": "beauty"},
        {"conducted": "false"},
        {"date": "2026-11-01,"},
        {"status": "archived,ready"},
    ):
        count = lisa.ok("/shows/count", **params)["count"]
        assert count == lisa.ok("/shows", **params)["scrolling"]["numItemsTotal"]
        assert count == len(lisa.all("/shows", limit=100, **params))


# payloads and the moving clock --------------------------------------------------------


def test_show_payload_shapes(lisa: Lisa) -> None:
    shows = lisa.all("/shows", limit=100, conducted="true", live="false")
    currencies = set()
    for show in shows:
        assert set(show["title"]) >= {"*"} and show["title"]["*"]
        assert show["status"] in ("draft", "ready")
        assert 1 <= len(show["streams"]) <= 2
        for stream in show["streams"]:
            assert stream["type"] == "live"
            assert set(stream["metrics"]) == {
                "durationInMs",
                "numberOfEmojis",
                "numberOfMessages",
                "numberOfViewers",
            }
            assert stream["metrics"]["durationInMs"] == 1000 * (
                ts(stream["end"]) - ts(stream["start"])
            )
            assert stream["metrics"]["numberOfViewers"] > 0
        items = show["features"]["carousel"]["items"]
        assert 3 <= len(items) <= 10
        codes = {i["itemData"]["price"]["currencyCode"] for i in items}
        assert len(codes) == 1
        currencies |= codes
        assert all(i["itemData"]["reference"].isdigit() for i in items)
    assert currencies == {"EUR", "USD", "GBP"}
    one = shows[0]
    assert lisa.ok(f"/shows/{one['id']}") == one


def test_shows_start_go_live_and_end_as_the_clock_moves(sandbox: SandboxServer, lisa: Lisa) -> None:
    upcoming = lisa.ok("/shows", date=f"{iso(FROZEN_AT)},", sort="date:asc", limit=1)
    show = upcoming["items"][0]
    assert show["conducted"] is False and show["streams"] == [] and show["live"] is False
    assert show["id"] not in {s["id"] for s in lisa.all("/shows", limit=100, live="true")}
    sandbox.advance_clock(ts(show["date"]) - FROZEN_AT + 900)  # every first stream has begun
    started = lisa.ok(f"/shows/{show['id']}")
    assert started["conducted"] is True
    start = ts(started["streams"][0]["start"])
    sandbox.freeze_clock(start + 600)
    live = lisa.ok(f"/shows/{show['id']}")
    assert live["live"] is True
    stream = live["streams"][0]
    assert "end" not in stream  # still on air
    assert stream["metrics"]["durationInMs"] == 600_000
    on_air = lisa.all("/shows", limit=100, live="1")
    assert show["id"] in {s["id"] for s in on_air}
    assert all(any("end" not in st for st in s["streams"]) for s in on_air)
    assert show["id"] not in {s["id"] for s in lisa.all("/shows", limit=100, live="false")}
    sandbox.freeze_clock(start + 660)
    later = lisa.ok(f"/shows/{show['id']}")["streams"][0]["metrics"]
    assert later["numberOfViewers"] >= stream["metrics"]["numberOfViewers"]
    assert later["durationInMs"] == 660_000
    sandbox.freeze_clock(start + 4 * 3600)
    done = lisa.ok(f"/shows/{show['id']}")
    assert done["live"] is False
    assert all("end" in s for s in done["streams"])
    assert ts(done["meta"]["modifiedAt"]) > ts(show["meta"]["modifiedAt"])
    assert done["streams"][0]["recordings"]  # the replay is out


def test_same_seed_same_world(sandbox: SandboxServer, lisa: Lisa) -> None:
    config = SandboxConfig(seed=7, scale=1, days=30, frozen_at=FROZEN_AT)
    with SandboxServer(config) as twin:
        other = Lisa(twin)
        for path in (
            "/shows",
            "/channels",
            "/stories",
            "/snippets",
            "/short-clips",
            "/stickers",
            "/products/references",
        ):
            assert other.ok(path, limit=100) == lisa.ok(path, limit=100), path
    config = SandboxConfig(seed=8, scale=1, days=30, frozen_at=FROZEN_AT)
    with SandboxServer(config) as different:
        assert Lisa(different).ok("/shows")["items"] != lisa.ok("/shows")["items"]


def test_scale_multiplies_channels() -> None:
    config = SandboxConfig(seed=7, scale=2, days=3, frozen_at=FROZEN_AT)
    with SandboxServer(config) as server:
        channels = Lisa(server).ok("/channels")["items"]
        assert len(channels) == 6
        assert len({c["slug"] for c in channels}) == 6


def test_secondary_collections(lisa: Lisa) -> None:
    shows = {s["id"]: s for s in lisa.all("/shows", limit=100, status="archived,draft,ready")}
    clips = lisa.all("/short-clips", limit=100)
    assert clips and all(c["showId"] in shows for c in clips)
    clip = clips[0]
    assert lisa.ok(f"/short-clips/{clip['id']}") == clip
    assert lisa.ok("/short-clips/count", show_id=clip["showId"])["count"] == len(
        [c for c in clips if c["showId"] == clip["showId"]]
    )
    portrait = lisa.all("/short-clips", limit=100, orientation="portrait")
    assert all(c["orientation"] == "portrait" for c in portrait) and len(portrait) < len(clips)
    snippets = lisa.all("/snippets", limit=100)
    assert snippets and all(s["showId"] in shows for s in snippets)
    ref = snippets[0]["productReferences"][0]
    by_ref = lisa.all("/snippets", limit=100, product_reference=ref)
    assert by_ref and all(ref in s["productReferences"] for s in by_ref)
    stickers = lisa.all("/stickers", limit=100)
    assert stickers and all(s["mediaItemId"] in shows for s in stickers)
    media = stickers[0]["mediaItemId"]
    assert [s["mediaItemId"] for s in lisa.all("/stickers", media_item_id=media)] == [media]
    stories = lisa.all("/stories", limit=100)
    assert stories and all(set(s["title"]) >= {"*"} for s in stories)
    assert lisa.ok("/stories/count", channel="home")["count"] == len(
        [s for s in stories if s["channels"][0]["slug"] == "home"]
    )
    refs = lisa.ok("/products/references")
    assert set(refs) == {"items"} and len(refs["items"]) == len(set(refs["items"])) == 72
    assert lisa.ok("/channels/fashion") == lisa.ok("/channels")["items"][0]


# webhooks ----------------------------------------------------------------------------


class Receiver:
    """A loopback webhook receiver that records requests and answers from a script."""

    def __init__(self, statuses: list[int] | None = None, default: int = 200) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses = list(statuses or [])
        self.default = default
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path == "/token":
                    form = parse_qs(body.decode())
                    ok = form.get("client_secret") == ["s3cret"]
                    payload = orjson.dumps({"access_token": "tok-from-oauth", "expires_in": 3600})
                    self.send_response(200 if ok else 401)
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                with outer.lock:
                    outer.requests.append(
                        {
                            "path": self.path,
                            "headers": {k.lower(): v for k, v in self.headers.items()},
                            "event": orjson.loads(body),
                        }
                    )
                    status = outer.statuses.pop(0) if outer.statuses else outer.default
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self, path: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [r["event"] for r in self.requests if path is None or r["path"] == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def subscribe(
    lisa: Lisa, url: str, credentials: dict[str, Any], types: list[str] | None = None
) -> dict[str, Any]:
    response = lisa.http.post(
        lisa.base + "/webhooks",
        json={"eventTypes": types or ["*"], "webhookUrl": url, "credentials": credentials},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


def next_show(lisa: Lisa, now: float) -> dict[str, Any]:
    upcoming = lisa.ok("/shows", date=f"{iso(now + 1)},", sort="date:asc", limit=1)
    return dict(upcoming["items"][0])


@pytest.fixture
def fast_retries(sandbox: SandboxServer) -> None:
    sandbox.set_knobs("lisa", options={"webhook_retry_delay_s": 0.05})


def test_subscriptions_create_list_get_delete(lisa: Lisa, receiver: Receiver) -> None:
    sub = subscribe(
        lisa,
        receiver.url + "/hook",
        {"authType": "basic", "username": "u", "password": "p"},
        ["Show:*", "Story:publish"],
    )
    assert sub["status"] == "active"
    assert sub["eventTypes"] == ["Show:*", "Story:publish"]
    assert sub["webhookUrl"] == receiver.url + "/hook"
    assert sub["credentials"] == {"authType": "basic"}  # secrets are never echoed
    assert sub["client"] == "sandbox-brand"
    assert lisa.ok("/webhooks") == {"items": [sub]}
    assert lisa.ok(f"/webhooks/{sub['id']}") == sub
    deleted = lisa.http.delete(f"{lisa.base}/webhooks/{sub['id']}")
    assert deleted.status_code == 204
    assert lisa.get(f"/webhooks/{sub['id']}").status_code == 404
    assert lisa.ok("/webhooks") == {"items": []}
    assert lisa.http.delete(f"{lisa.base}/webhooks/{sub['id']}").status_code == 404


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ({"eventTypes": ["Show:explode"], "webhookUrl": "http://127.0.0.1:9/x"}, ["eventTypes", 0]),
        ({"eventTypes": [], "webhookUrl": "http://127.0.0.1:9/x"}, ["eventTypes"]),
        ({"eventTypes": ["*"], "webhookUrl": "not a url"}, ["webhookUrl"]),
        (
            {
                "eventTypes": ["*"],
                "webhookUrl": "http://127.0.0.1:9/x",
                "credentials": {"authType": "basic", "username": "u"},
            },
            ["credentials", "password"],
        ),
        (
            {
                "eventTypes": ["*"],
                "webhookUrl": "http://127.0.0.1:9/x",
                "credentials": {"authType": "kerberos"},
            },
            ["credentials", "authType"],
        ),
    ],
)
def test_subscription_validation(lisa: Lisa, body: dict[str, Any], path: list[Any]) -> None:
    response = lisa.http.post(lisa.base + "/webhooks", json=body)
    assert response.status_code == 400
    doc = response.json()
    assert doc["code"] == "Http:BadRequest" and doc["statusCode"] == 400
    assert doc["issues"][0]["path"] == path


def test_delivery_with_credentials_and_event_fetched_again(
    sandbox: SandboxServer, lisa: Lisa, receiver: Receiver
) -> None:
    subscribe(
        lisa,
        receiver.url + "/basic",
        {"authType": "basic", "username": "lisa-hook", "password": "pa55"},
    )
    subscribe(
        lisa, receiver.url + "/bearer", {"authType": "bearer", "token": "b-token"}, ["Show:start"]
    )
    subscribe(
        lisa,
        receiver.url + "/oauth",
        {
            "authType": "oauth",
            "clientId": "cid",
            "clientSecret": "s3cret",
            "tokenUrl": receiver.url + "/token",
        },
        ["Show:start"],
    )
    subscribe(
        lisa,
        receiver.url + "/aws",
        {
            "authType": "awsSigV4",
            "accessKeyId": "AKIDEXAMPLE",
            "secretAccessKey": "secret",
            "region": "eu-central-1",
        },
        ["Show:start"],
    )
    subscribe(lisa, receiver.url + "/none", {"authType": "none"}, ["Show:start"])
    show = next_show(lisa, FROZEN_AT)
    sandbox.advance_clock(ts(show["date"]) - FROZEN_AT + 900)

    def started() -> list[dict[str, Any]]:
        return [
            e
            for e in receiver.events("/basic")
            if e["eventType"] == "Show:start" and e["detail"]["id"] == show["id"]
        ]

    event = wait_for(started)[0]
    assert set(event) == {"id", "eventType", "eventDate", "client", "detail", "change"}
    assert event["client"] == "sandbox-brand"
    assert event["detail"]["live"] is True
    assert event["eventDate"] == event["detail"]["streams"][0]["start"]
    assert event["change"]["updated"]["live"] is True
    assert event["change"]["updated"]["conducted"] is True
    assert "streams.0.id" in event["change"]["updated"]
    # every delivery carried the subscription's credentials, in time order
    with receiver.lock:
        requests = list(receiver.requests)
    expected_basic = "Basic " + base64.b64encode(b"lisa-hook:pa55").decode()
    assert all(
        r["headers"]["authorization"] == expected_basic for r in requests if r["path"] == "/basic"
    )
    # the "*" subscription got every event of the window, in time order
    end = ts(show["date"]) + 900
    expected = [e["id"] for _, e in lisa_service(sandbox).hub.events_between(FROZEN_AT, end)]
    basic_events = wait_for(
        lambda: len(receiver.events("/basic")) >= len(expected) and receiver.events("/basic")
    )
    assert [e["id"] for e in basic_events] == expected
    dates = [ts(e["eventDate"]) for e in basic_events]
    assert dates == sorted(dates) and all(FROZEN_AT < d <= end for d in dates)
    assert {e["eventType"] for e in basic_events} >= {"Show:start", "Show:stop"}
    assert len({e["id"] for e in basic_events}) == len(basic_events)
    wait_for(lambda: all(receiver.events(p) for p in ("/bearer", "/oauth", "/aws", "/none")))
    auth = {r["path"]: r["headers"].get("authorization") for r in receiver.requests}
    assert auth["/bearer"] == "Bearer b-token"
    assert auth["/oauth"] == "Bearer tok-from-oauth"
    assert auth["/none"] is None
    assert auth["/aws"] is not None and auth["/aws"].startswith(
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"
    )
    assert "/eu-central-1/execute-api/aws4_request" in auth["/aws"]
    for path in ("/bearer", "/oauth", "/aws", "/none"):
        assert {e["eventType"] for e in receiver.events(path)} == {"Show:start"}
    # the event can be fetched again by id, identical to what was delivered
    assert lisa.ok(f"/webhooks/events/{event['id']}") == event


def test_failed_delivery_is_retried(sandbox: SandboxServer, lisa: Lisa, fast_retries: None) -> None:
    receiver = Receiver(statuses=[500])
    try:
        sub = subscribe(
            lisa, receiver.url + "/hook", {"authType": "bearer", "token": "t"}, ["Show:start"]
        )
        show = next_show(lisa, FROZEN_AT)
        sandbox.advance_clock(ts(show["date"]) - FROZEN_AT + 900)
        events = wait_for(lambda: len(receiver.events()) >= 2 and receiver.events())
        assert events[0]["id"] == events[1]["id"]  # the same notification, again
        time.sleep(0.2)
        assert len(receiver.events()) == len({e["id"] for e in receiver.events()}) + 1
        assert lisa.ok(f"/webhooks/{sub['id']}")["status"] == "active"
    finally:
        receiver.close()


def test_three_failures_suspend_the_subscription(
    sandbox: SandboxServer, lisa: Lisa, fast_retries: None
) -> None:
    receiver = Receiver(default=503)
    try:
        sub = subscribe(lisa, receiver.url + "/hook", {"authType": "none"})
        show = next_show(lisa, FROZEN_AT)
        sandbox.advance_clock(ts(show["date"]) - FROZEN_AT + 900)
        wait_for(lambda: lisa.ok(f"/webhooks/{sub['id']}")["status"] == "suspended")
        events = receiver.events()
        assert len(events) == 3 and len({e["id"] for e in events}) == 1
        sandbox.advance_clock(2 * 86_400)  # plenty more happens...
        time.sleep(0.3)
        assert len(receiver.events()) == 3  # ...but nothing more is sent
        assert sandbox.stats()["lisa"]["subscriptions_suspended"] == 1
    finally:
        receiver.close()


def test_deleted_subscription_gets_nothing(
    sandbox: SandboxServer, lisa: Lisa, receiver: Receiver
) -> None:
    sub = subscribe(lisa, receiver.url + "/hook", {"authType": "none"})
    assert lisa.http.delete(f"{lisa.base}/webhooks/{sub['id']}").status_code == 204
    sandbox.advance_clock(86_400)
    time.sleep(0.3)
    assert receiver.events() == []
