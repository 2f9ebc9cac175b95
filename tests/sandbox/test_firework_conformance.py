"""The Firework stand-in against firework-livestreams.md and docs/providers/firework.md, over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import orjson
import pytest

from sandbox import SandboxConfig, SandboxServer
from sandbox.providers.firework import FireworkService
from sandbox.providers.firework.service import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET
from sandbox.providers.firework.world import EXPIRE_AFTER_S, Livestream
from tests.conftest import FROZEN_AT

STATUSES = {"idle", "active", "paused", "replay", "completed", "expired"}
ISO_MICRO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
DAY = 86_400


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url("firework"), timeout=10) as c:
        yield c


def service(sandbox: SandboxServer) -> FireworkService:
    svc = sandbox.runtime.services["firework"]
    assert isinstance(svc, FireworkService)
    return svc


def token(client: httpx.Client, **extra: str) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
        **extra,
    }
    response = client.post("/oauth/token", data=form)
    assert response.status_code == 200, response.text
    value: str = response.json()["access_token"]
    return value


def bearer(tok: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {tok}"}


def detail(client: httpx.Client, lid: str, tok: str) -> httpx.Response:
    return client.get(f"/api/v1/live_streams/{lid}/detail", headers=bearer(tok))


def pin(
    client: httpx.Client, lid: str, tok: str, ids: object, action: str = "pin"
) -> httpx.Response:
    return client.post(
        f"/api/v1/live_streams/{lid}/{action}_product",
        headers=bearer(tok),
        json={"product_ids": ids},
    )


def end(client: httpx.Client, lid: str, tok: str) -> httpx.Response:
    return client.patch(f"/api/v1/live_streams/{lid}/end", headers=bearer(tok))


def first_in(svc: FireworkService, status: str, with_products: bool = True) -> Livestream:
    now = svc.ctx.clock.now()
    for ls in svc.livestreams():
        if svc.status(ls, now) == status and (ls.pin_keys or not with_products):
            return ls
    raise AssertionError(f"no {status} livestream in the world")


def product_ids(body: dict[str, object]) -> list[str]:
    products = body["products"]
    assert isinstance(products, list)
    return [p["id"] for p in products]


# --- OAuth token ---


def test_token_is_a_bearer_for_3600_seconds_without_refresh_token(client: httpx.Client) -> None:
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert len(body["access_token"]) >= 32
    assert response.headers["cache-control"] == "no-store"


def test_wrong_credentials_and_bad_token_requests(client: httpx.Client) -> None:
    good = {
        "grant_type": "client_credentials",
        "client_id": DEFAULT_CLIENT_ID,
        "client_secret": DEFAULT_CLIENT_SECRET,
    }
    wrong_secret = client.post("/oauth/token", data={**good, "client_secret": "nope"})
    assert (wrong_secret.status_code, wrong_secret.json()) == (401, {"error": "invalid_client"})
    wrong_id = client.post("/oauth/token", data={**good, "client_id": "someone_else"})
    assert (wrong_id.status_code, wrong_id.json()) == (401, {"error": "invalid_client"})
    # The grant is form-encoded: the same fields as JSON are no parameters at all.
    as_json = client.post("/oauth/token", json=good)
    assert (as_json.status_code, as_json.json()) == (400, {"error": "invalid_request"})
    no_secret = client.post(
        "/oauth/token", data={k: v for k, v in good.items() if k != "client_secret"}
    )
    assert (no_secret.status_code, no_secret.json()) == (400, {"error": "invalid_request"})
    password = client.post("/oauth/token", data={**good, "grant_type": "password"})
    assert (password.status_code, password.json()) == (400, {"error": "unsupported_grant_type"})
    scope = client.post("/oauth/token", data={**good, "scope": "livestreams:admin"})
    assert (scope.status_code, scope.json()) == (400, {"error": "invalid_scope"})
    assert client.get("/oauth/token").status_code == 405


def test_missing_invalid_and_expired_tokens_are_401(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    lid = service(sandbox).livestream_ids()[0]
    path = f"/api/v1/live_streams/{lid}/detail"
    unauthorized = (401, {"error": "Unauthorized"})
    missing = client.get(path)
    assert (missing.status_code, missing.json()) == unauthorized
    assert missing.headers["www-authenticate"].startswith("Bearer")
    basic = client.get(path, headers={"Authorization": "Basic Zm9vOmJhcg=="})
    assert (basic.status_code, basic.json()) == unauthorized
    forged = detail(client, lid, "not-a-token")
    assert (forged.status_code, forged.json()) == unauthorized

    tok = token(client)
    assert detail(client, lid, tok).status_code == 200
    sandbox.advance_clock(3599)
    assert detail(client, lid, tok).status_code == 200
    sandbox.advance_clock(1)
    expired = detail(client, lid, tok)
    assert (expired.status_code, expired.json()) == unauthorized
    # No refresh token: the client simply asks again.
    assert detail(client, lid, token(client)).status_code == 200


def test_token_options_ttl_and_revocation(sandbox: SandboxServer, client: httpx.Client) -> None:
    lid = service(sandbox).livestream_ids()[0]
    sandbox.set_knobs("firework", options={"token_ttl_s": 60})
    response = client.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET,
        },
    )
    assert response.json()["expires_in"] == 60
    old = response.json()["access_token"]
    # A server-side revocation kills a token before its expiry: a source must re-auth on 401.
    sandbox.set_knobs("firework", options={"token_epoch": 1})
    assert detail(client, lid, old).status_code == 401
    assert detail(client, lid, token(client)).status_code == 200


# --- detail ---


def test_detail_payload_has_exactly_the_documented_shape(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    svc = service(sandbox)
    tok = token(client)
    ls = first_in(svc, "replay")
    response = detail(client, ls.id, tok)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["status", "scheduled_at", "event_name", "event_description", "products"]
    assert body["status"] == "replay"
    assert ISO_MICRO.match(body["scheduled_at"])
    assert body["products"], "picked a livestream with products"
    currencies = set()
    for product in body["products"]:
        assert list(product) == [
            "id",
            "product_name",
            "product_description",
            "product_currency",
            "product_images",
            "product_units",
        ]
        currencies.add(product["product_currency"])
        assert [i["image_position"] for i in product["product_images"]] == list(
            range(1, len(product["product_images"]) + 1)
        )
        for image in product["product_images"]:
            assert set(image) == {"id", "image_src", "image_position"}
            assert image["image_src"].startswith("https://")
        assert product["product_units"]
        for unit in product["product_units"]:
            assert set(unit) == {
                "id",
                "unit_name",
                "unit_price",
                "unit_price_string",
                "unit_ext_id",
            }
            assert isinstance(unit["unit_price"], int | float) and unit["unit_price"] > 0
    assert len(currencies) == 1  # a channel sells in its own currency


def test_world_serves_minimal_payloads_nullable_descriptions_and_many_currencies(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    tok = token(client)
    bodies = [detail(client, lid, tok).json() for lid in service(sandbox).livestream_ids()]
    assert any(b["products"] == [] for b in bodies)
    assert any(b["event_description"] is None for b in bodies)
    currencies = {p["product_currency"] for b in bodies for p in b["products"]}
    assert currencies == {"USD", "EUR", "GBP", "INR"}
    units = [u for b in bodies for p in b["products"] for u in p["product_units"]]
    usd = next(u for u in units if u["unit_price_string"].startswith("$"))
    assert usd["unit_price_string"] == f"${usd['unit_price']:,.2f}"


def test_world_has_every_status_and_sessions_every_day(sandbox: SandboxServer) -> None:
    svc = service(sandbox)
    now = svc.ctx.clock.now()
    streams = svc.livestreams()
    statuses = {svc.status(ls, now) for ls in streams}
    assert statuses >= {"idle", "active", "replay", "completed", "expired"}
    # paused is brief: it shows up within the next hours of the 24/7 channel.
    later = {svc.status(ls, now + m * 300) for m in range(72) for ls in streams}
    assert later == STATUSES
    days = {int(ls.slot_at // DAY) for ls in streams}
    today = int(now // DAY)
    assert set(range(today - 30, today + 1)) <= days
    assert any(ls.slot_at > now for ls in streams)  # scheduled ahead, idle
    assert all(svc.status(ls, now) == "idle" for ls in streams if ls.slot_at > now)
    assert len({ls.channel_id for ls in streams}) == 4  # four accounts per unit of scale


def test_unknown_malformed_and_foreign_livestreams(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    tok = token(client)
    unknown = detail(client, "zzzzzz", tok)
    assert (unknown.status_code, unknown.json()) == (404, {"error": "Livestream not found"})
    malformed = detail(client, "bad id!", tok)
    assert (malformed.status_code, malformed.json()) == (400, {"error": "Invalid livestream ID"})
    foreign = service(sandbox).livestreams(foreign=True)[0].id
    denied = detail(client, foreign, tok)
    assert (denied.status_code, denied.json()) == (401, {"error": "Access denied"})
    for action in ("pin", "unpin"):
        missing = pin(client, "zzzzzz", tok, ["GeEk8y"], action)
        assert (missing.status_code, missing.json()) == (404, {"error": "Livestream not found"})
    gone = end(client, "zzzzzz", tok)
    assert (gone.status_code, gone.json()) == (404, {"error": "Livestream not found"})


def test_livestream_exists_from_its_creation(sandbox: SandboxServer, client: httpx.Client) -> None:
    svc = service(sandbox)
    now = svc.ctx.clock.now()
    ahead = next(ls for ls in svc.livestreams(now + 14 * DAY) if ls.created_at > now)
    assert ahead.id not in svc.livestream_ids()
    before = detail(client, ahead.id, token(client))
    assert (before.status_code, before.json()) == (404, {"error": "Livestream not found"})
    sandbox.advance_clock(ahead.created_at - now)
    after = detail(client, ahead.id, token(client))
    assert after.status_code == 200 and after.json()["status"] == "idle"


def test_unknown_routes_and_methods_answer_in_firework_error_shape(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    """Reference 4.4: all error responses are ``{"error": ...}`` (Starlette's were text)."""
    lid = service(sandbox).livestream_ids()[0]
    tok = token(client)
    typo = client.get(f"/api/v1/livestreams/{lid}/detail", headers=bearer(tok))
    assert (typo.status_code, typo.json()) == (404, {"error": "Not found"})
    # A mistyped route is told apart from a livestream that is not there.
    assert typo.json() != detail(client, "zzzzzz", tok).json()
    for method, path, allow in [
        ("GET", "/oauth/token", "POST"),
        ("POST", f"/api/v1/live_streams/{lid}/detail", "GET, HEAD"),
        ("GET", f"/api/v1/live_streams/{lid}/end", "PATCH"),
        ("PATCH", f"/api/v1/live_streams/{lid}/pin_product", "POST"),
    ]:
        response = client.request(method, path, headers=bearer(tok))
        assert (response.status_code, response.json()) == (405, {"error": "Method not allowed"})
        assert response.headers["allow"] == allow
        assert response.headers["content-type"] == "application/json"


def test_scheduled_at_is_null_for_a_livestream_without_schedule(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    """Reference 4.3: ``scheduled_at`` is nullable (the world never served a null before)."""
    svc = service(sandbox)
    unscheduled = [ls for ls in svc.livestreams() if ls.scheduled_at is None]
    assert [ls.id for ls in unscheduled] == [
        "MpBTYA",
        "wBolsA",
        "e4Bqrg",
        "bbuLUw",
        "dL1X4n",
        "kOGwsm",
        "zsf1gT",
    ]
    ls = unscheduled[-1]
    assert ls.started_at is not None and ls.ended_at is not None
    for at, expected in [
        (ls.created_at, "idle"),
        (ls.started_at, "active"),
        (ls.ended_at, "replay"),
        (ls.ended_at + 7 * DAY, "completed"),
    ]:
        sandbox.freeze_clock(at)
        body = detail(client, ls.id, token(client)).json()
        assert (body["status"], body["scheduled_at"]) == (expected, None), at
        assert isinstance(body["event_name"], str) and isinstance(body["products"], list)


# --- status follows the clock ---


def test_status_walks_idle_active_paused_replay_completed(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    svc = service(sandbox)
    ls = next(x for x in svc.livestreams() if x.pauses and x.slot_at > FROZEN_AT - 2 * DAY)
    assert ls.started_at is not None and ls.ended_at is not None
    p0, p1 = ls.pauses[0]
    replay_s = 7 * DAY
    walk = [
        (ls.started_at - 1, "idle"),
        (ls.started_at, "active"),
        (p0, "paused"),
        (p1 - 1, "paused"),
        (p1, "active"),
        (ls.ended_at - 1, "active"),  # pauses end at least five minutes before the end
        (ls.ended_at, "replay"),
        (ls.ended_at + replay_s - 1, "replay"),
        (ls.ended_at + replay_s, "completed"),
    ]
    for at, expected in walk:
        sandbox.freeze_clock(at)
        assert detail(client, ls.id, token(client)).json()["status"] == expected, at


def test_a_livestream_that_never_starts_expires(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    svc = service(sandbox)
    ls = next(x for x in svc.livestreams() if x.started_at is None and x.slot_at < FROZEN_AT)
    for at, expected in [
        (ls.slot_at - 60, "idle"),
        (ls.slot_at + 60, "idle"),  # past its time but not started yet
        (ls.slot_at + EXPIRE_AFTER_S - 1, "idle"),
        (ls.slot_at + EXPIRE_AFTER_S, "expired"),
        (ls.slot_at + 20 * DAY, "expired"),
    ]:
        sandbox.freeze_clock(at)
        assert detail(client, ls.id, token(client)).json()["status"] == expected, at


# --- pin / unpin / end ---


def test_pin_body_rules_use_the_documented_errors(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    ls = first_in(service(sandbox), "active")
    tok = token(client)
    path = f"/api/v1/live_streams/{ls.id}/pin_product"
    ids = sorted(ls.pin_keys)
    for action in ("pin", "unpin"):
        empty = pin(client, ls.id, tok, [], action)
        assert (empty.status_code, empty.json()) == (400, {"error": "product_ids cannot be empty"})
        four = pin(client, ls.id, tok, (ids * 4)[:4], action)
        assert (four.status_code, four.json()) == (
            400,
            {"error": "Maximum 3 products allowed per request"},
        )
    missing = client.post(path, headers=bearer(tok), json={})
    assert (missing.status_code, missing.json()) == (400, {"error": "product_ids is required"})
    no_body = client.post(path, headers=bearer(tok))
    assert (no_body.status_code, no_body.json()) == (400, {"error": "product_ids is required"})
    broken = client.post(
        path, headers={**bearer(tok), "Content-Type": "application/json"}, content=b"{nope"
    )
    assert (broken.status_code, broken.json()) == (400, {"error": "Invalid request format"})
    not_list = pin(client, ls.id, tok, "GeEk8y")
    assert (not_list.status_code, not_list.json()) == (400, {"error": "Invalid product ID format"})
    assert service(sandbox).pinned(ls.id) == ()


def test_pin_and_unpin_on_a_live_livestream(sandbox: SandboxServer, client: httpx.Client) -> None:
    svc = service(sandbox)
    ls = first_in(svc, "active")
    tok = token(client)
    body = detail(client, ls.id, tok).json()
    products = product_ids(body)
    unit = body["products"][0]["product_units"][0]["id"]
    pinned = pin(client, ls.id, tok, [products[0], unit, "NotOurs"])
    # Ids that are not this livestream's products are dropped, the rest pinned.
    assert (pinned.status_code, pinned.json()) == (200, {"pinned_product_ids": [products[0], unit]})
    assert svc.pinned(ls.id) == (products[0], unit)
    override = pin(client, ls.id, tok, [products[1]])
    assert override.json() == {"pinned_product_ids": [products[1]]}
    assert svc.pinned(ls.id) == (products[1],)
    nothing = pin(client, ls.id, tok, ["NotOurs"])
    assert (nothing.status_code, nothing.json()) == (
        404,
        {"error": "No valid products found to pin"},
    )
    unpinned = pin(client, ls.id, tok, [products[1], products[0]], "unpin")
    assert (unpinned.status_code, unpinned.json()) == (
        200,
        {"unpinned_product_ids": [products[1]]},
    )
    again = pin(client, ls.id, tok, [products[1]], "unpin")
    assert (again.status_code, again.json()) == (404, {"error": "No valid products found to unpin"})


def test_pin_needs_an_active_or_paused_livestream(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    svc = service(sandbox)
    tok = token(client)
    not_live = (422, {"error": "Livestream must be active or paused to pin products"})
    for status in ("idle", "replay", "completed", "expired"):
        ls = first_in(svc, status)
        response = pin(client, ls.id, tok, sorted(ls.pin_keys)[:1])
        assert (response.status_code, response.json()) == not_live, status
    # Paused is live enough.
    paused = next(x for x in svc.livestreams() if x.pauses and x.pin_keys and x.slot_at < FROZEN_AT)
    sandbox.freeze_clock(paused.pauses[0][0])
    tok = token(client)
    assert detail(client, paused.id, tok).json()["status"] == "paused"
    key = sorted(paused.pin_keys)[0]
    assert pin(client, paused.id, tok, [key]).json() == {"pinned_product_ids": [key]}


def test_end_moves_a_live_livestream_to_replay_for_good(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    svc = service(sandbox)
    ls = first_in(svc, "active")
    tok = token(client)
    key = sorted(ls.pin_keys)[0]
    assert pin(client, ls.id, tok, [key]).status_code == 200
    ended = end(client, ls.id, tok)
    assert (ended.status_code, ended.json()) == (200, {"live_stream_id": ls.id, "status": "ended"})
    assert detail(client, ls.id, tok).json()["status"] == "replay"
    again = end(client, ls.id, tok)
    not_live = (400, {"error": "Livestream must be active or paused to end"})
    assert (again.status_code, again.json()) == not_live
    refused = pin(client, ls.id, tok, [key])
    assert refused.status_code == 422
    # Pins die with the live session.
    unpin = pin(client, ls.id, tok, [key], "unpin")
    assert (unpin.status_code, unpin.json()) == (404, {"error": "No valid products found to unpin"})
    # Even past the livestream's planned end it stays ended; the replay window runs from the end.
    sandbox.advance_clock(7 * DAY - 1)
    assert detail(client, ls.id, token(client)).json()["status"] == "replay"
    sandbox.advance_clock(1)
    assert detail(client, ls.id, token(client)).json()["status"] == "completed"
    for status in ("idle", "expired"):
        other = first_in(svc, status, with_products=False)
        response = end(client, other.id, token(client))
        assert (response.status_code, response.json()) == not_live


def test_a_read_only_token_cannot_write(sandbox: SandboxServer, client: httpx.Client) -> None:
    ls = first_in(service(sandbox), "active")
    tok = token(client, scope="livestreams:read")
    assert detail(client, ls.id, tok).status_code == 200
    denied = (401, {"error": "Access denied"})
    response = end(client, ls.id, tok)
    assert (response.status_code, response.json()) == denied
    response = pin(client, ls.id, tok, sorted(ls.pin_keys)[:1])
    assert (response.status_code, response.json()) == denied


# --- configuration, faults, determinism ---


def test_env_config_credentials_read_every_listed_livestream(sandbox: SandboxServer) -> None:
    env = {k: v for k, v in sandbox.env().items() if k.startswith("SOURCES__FIREWORK__")}
    assert set(env) == {
        "SOURCES__FIREWORK__BASE_URL",
        "SOURCES__FIREWORK__CLIENT_ID",
        "SOURCES__FIREWORK__CLIENT_SECRET",
        "SOURCES__FIREWORK__LIVESTREAM_IDS",
        "SOURCES__FIREWORK__ACCOUNT_ID",
    }
    ids = orjson.loads(env["SOURCES__FIREWORK__LIVESTREAM_IDS"])
    assert len(ids) == len(set(ids)) > 200
    assert env["SOURCES__FIREWORK__ACCOUNT_ID"] == service(sandbox).business_id
    with httpx.Client(base_url=env["SOURCES__FIREWORK__BASE_URL"], timeout=10) as c:
        response = c.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": env["SOURCES__FIREWORK__CLIENT_ID"],
                "client_secret": env["SOURCES__FIREWORK__CLIENT_SECRET"],
            },
        )
        tok = response.json()["access_token"]
        answers = {lid: detail(c, lid, tok) for lid in ids}
    missing = {lid for lid, r in answers.items() if r.status_code == 404}
    assert missing == {service(sandbox).missing_livestream_id}
    statuses = {r.json()["status"] for lid, r in answers.items() if lid not in missing}
    assert statuses <= STATUSES and {"idle", "replay", "completed", "expired"} <= statuses


def test_env_config_follows_credential_options(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    sandbox.set_knobs(
        "firework", options={"client_id": "cid", "client_secret": "s3cret", "account_id": "acme"}
    )
    env = sandbox.env()
    assert env["SOURCES__FIREWORK__CLIENT_ID"] == "cid"
    assert env["SOURCES__FIREWORK__CLIENT_SECRET"] == "s3cret"
    assert env["SOURCES__FIREWORK__ACCOUNT_ID"] == "acme"
    form = {"grant_type": "client_credentials", "client_id": "cid", "client_secret": "s3cret"}
    assert client.post("/oauth/token", data=form).status_code == 200
    old = {**form, "client_id": DEFAULT_CLIENT_ID, "client_secret": DEFAULT_CLIENT_SECRET}
    assert client.post("/oauth/token", data=old).status_code == 401


def test_injected_faults_use_firework_error_bodies(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    lid = service(sandbox).livestream_ids()[0]
    tok = token(client)
    sandbox.set_knobs("firework", faults=[{"kind": "server_error", "nth": 1, "status": 503}])
    failed = detail(client, lid, tok)
    assert (failed.status_code, failed.json()) == (503, {"error": "Internal server error"})
    assert detail(client, lid, tok).status_code == 200
    sandbox.set_knobs("firework", faults=[{"kind": "rate_limited", "nth": 1}])
    limited = detail(client, lid, tok)
    assert (limited.status_code, limited.json()) == (429, {"error": "Too many requests"})
    assert limited.headers["retry-after"] == "1"


def _snapshot(seed: int) -> tuple[list[str], list[bytes]]:
    config = SandboxConfig(seed=seed, scale=1, days=30, frozen_at=FROZEN_AT)
    with (
        SandboxServer(config) as server,
        httpx.Client(base_url=server.base_url("firework"), timeout=10) as c,
    ):
        ids = orjson.loads(server.env()["SOURCES__FIREWORK__LIVESTREAM_IDS"])
        tok = token(c)
        return ids, [detail(c, lid, tok).content for lid in ids[::7]]


def test_same_seed_same_world_other_seed_other_world() -> None:
    ids, bodies = _snapshot(7)
    assert _snapshot(7) == (ids, bodies)
    other_ids, _ = _snapshot(8)
    assert not set(ids) & set(other_ids)


def test_scale_multiplies_accounts() -> None:
    config = SandboxConfig(seed=7, scale=2, days=3, frozen_at=FROZEN_AT)
    with SandboxServer(config) as server:
        svc = service(server)
        assert len(svc.channels) == 8
        assert len({ls.channel_id for ls in svc.livestreams()}) == 8
