"""What the Firework world gives a source's tests: the figures they compute expectations from.

Every figure here is for the shared test world (seed 7, scale 1, 30 days, frozen at
FROZEN_AT), so a source test can rely on it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import httpx
import orjson
import pytest

from sandbox import SandboxServer
from tests.conftest import FROZEN_AT
from tests.sandbox.test_firework_conformance import DAY, STATUSES, detail, service, token


@pytest.fixture
def client(sandbox: SandboxServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.base_url("firework"), timeout=10) as c:
        yield c


def configured(sandbox: SandboxServer) -> list[str]:
    ids: list[str] = orjson.loads(sandbox.env()["SOURCES__FIREWORK__LIVESTREAM_IDS"])
    return ids


def test_every_detail_answer_equals_the_world_record(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    """A test may compute expected rows from ``Livestream`` fields: they are what is served."""
    svc = service(sandbox)
    tok = token(client)
    now = svc.ctx.clock.now()
    ids = configured(sandbox)
    assert len(ids) == 284
    statuses: Counter[str] = Counter()
    for lid in ids:
        ls = svc.livestream(lid, now)
        response = detail(client, lid, tok)
        if ls is None:
            assert lid == svc.missing_livestream_id
            continue
        assert response.status_code == 200
        assert response.json() == ls.detail(svc.status(ls, now))
        statuses[svc.status(ls, now)] += 1
    assert statuses == {"completed": 202, "replay": 55, "idle": 19, "expired": 6, "active": 1}
    units = [len(p["product_units"]) for ls in svc.livestreams() for p in ls.products]
    assert (len(units), max(units), sum(u > 1 for u in units)) == (2592, 5, 1798)


def test_a_configured_id_answers_404_from_mid_list(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    svc = service(sandbox)
    ids = configured(sandbox)
    missing = svc.missing_livestream_id
    assert ids.index(missing) == (len(ids) - 1) // 2 == 141
    assert missing not in svc.livestream_ids()
    gone = detail(client, missing, token(client))
    assert (gone.status_code, gone.json()) == (404, {"error": "Livestream not found"})
    # deleted_ids deletes more at run time: a configured id that answered starts answering 404.
    victim = ids[0]
    assert detail(client, victim, token(client)).status_code == 200
    sandbox.set_knobs("firework", options={"deleted_ids": [victim]})
    after = detail(client, victim, token(client))
    assert (after.status_code, after.json()) == (404, {"error": "Livestream not found"})
    assert victim not in configured(sandbox)
    assert len(configured(sandbox)) == len(ids) - 1


def test_a_revoked_token_answers_401_once_and_a_new_one_works(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    """The "401 -> one re-auth -> success" drill a source's token cache must pass."""
    svc = service(sandbox)
    lid = svc.livestream_ids()[0]
    old = token(client)
    assert detail(client, lid, old).status_code == 200
    svc.revoke_tokens()
    refused = detail(client, lid, old)
    assert (refused.status_code, refused.json()) == (401, {"error": "Unauthorized"})
    assert detail(client, lid, token(client)).status_code == 200
    assert {k: sandbox.stats()["firework"][k] for k in ("tokens_issued", "unauthorized")} == {
        "tokens_issued": 2,
        "unauthorized": 1,
    }
    assert sandbox.stats()["firework"]["details"] == 2


def test_a_token_dies_on_the_sandbox_clock(sandbox: SandboxServer, client: httpx.Client) -> None:
    lid = service(sandbox).livestream_ids()[0]
    sandbox.set_knobs("firework", options={"token_ttl_s": 120})
    tok = token(client)
    sandbox.advance_clock(119)
    assert detail(client, lid, tok).status_code == 200
    sandbox.advance_clock(1)
    assert detail(client, lid, tok).status_code == 401


def test_every_day_has_a_show_scheduled_late_in_its_utc_day(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    svc = service(sandbox)
    late = [
        ls
        for ls in svc.livestreams()
        if ls.scheduled_at is not None and ls.scheduled_at % DAY >= 23 * 3600
    ]
    today = int(FROZEN_AT // DAY)
    assert [ls.day for ls in late] == list(range(today - 30, today + 1))
    yesterday = late[-2]
    assert yesterday.ended_at is not None and yesterday.ended_at // DAY == today  # past midnight
    body = detail(client, yesterday.id, token(client)).json()
    assert (yesterday.id, body["scheduled_at"], body["status"]) == (
        "FsEyiZ",
        "2026-11-19T23:30:00.000000Z",
        "replay",
    )


def test_every_status_at_once(sandbox: SandboxServer, client: httpx.Client) -> None:
    """paused lasts minutes; moment_with_every_status() finds when all six coexist."""
    svc = service(sandbox)
    at = svc.moment_with_every_status()
    assert at == FROZEN_AT + 4749
    sandbox.freeze_clock(at)
    tok = token(client)
    answers = [detail(client, lid, tok) for lid in configured(sandbox)]
    seen = Counter(r.json()["status"] for r in answers if r.status_code == 200)
    assert set(seen) == STATUSES and (seen["paused"], seen["active"]) == (1, 1)


def test_configured_ids_keep_answering_as_the_clock_moves_on(
    sandbox: SandboxServer, client: httpx.Client
) -> None:
    """Status snapshots days apart: no configured id drops out at midnight."""
    svc = service(sandbox)
    ids = svc.livestream_ids()
    sandbox.advance_clock(3 * DAY)
    tok = token(client)
    codes = Counter(detail(client, lid, tok).status_code for lid in ids)
    assert codes == {200: len(ids)}
    assert set(ids) < set(svc.livestream_ids())  # and three new days of livestreams
