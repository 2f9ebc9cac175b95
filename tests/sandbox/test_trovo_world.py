"""What a Trovo source's tests can count on in the sandbox world, and the hooks that make
Trovo misbehave on demand.

The conftest world (seed 7, scale 1, frozen at FROZEN_AT = 2026-11-20 12:00 UTC): no own
channel is live at FROZEN_AT; that day they stream (UTC)

    ids[3] LeafHawk    13:09:44-14:24:11   9083 followers, 23 subscribers at FROZEN_AT
    ids[2] TangoBeats  16:15:08-19:05:21   4399 followers, 14 subscribers
    ids[1] AtlasKing   17:10:17-19:47:28  10383 followers, 80 subscribers
    ids[0] YukiHawk    19:31:35-22:47:16   8607 followers, 36 subscribers (the env token's)

and about 20 other channels are live at FROZEN_AT (top channels has several pages).
"""

from __future__ import annotations

from typing import Any

import pytest

from sandbox import SandboxServer
from tests.conftest import FROZEN_AT
from tests.sandbox.test_trovo_conformance import RATE_BODY, Trovo, err, outcome, unix

MINUTE = 60


@pytest.fixture
def trovo(sandbox: SandboxServer) -> Trovo:
    return Trovo(sandbox)


# (own channel index, stream start, stream end) on the frozen day, unix seconds
SCHEDULE = (
    (3, 1_795_180_184, 1_795_184_651),
    (2, 1_795_191_308, 1_795_201_521),
    (1, 1_795_194_617, 1_795_204_048),
    (0, 1_795_203_095, 1_795_214_836),
)
# (followers, subscribers) of ids[0..3] at FROZEN_AT
AUDIENCE = ((8607, 36), (10383, 80), (4399, 14), (9083, 23))


def test_the_frozen_days_schedule(trovo: Trovo, sandbox: SandboxServer) -> None:
    for cid, audience in zip(trovo.ids, AUDIENCE, strict=True):
        now = trovo.post("/channels/id", {"channel_id": cid})
        assert (now["is_live"], now["followers"], now["subscriber_num"]) == (False, *audience)
    for k, start, end in SCHEDULE:
        sandbox.freeze_clock((start + end) / 2)
        live = trovo.post("/channels/id", {"channel_id": trovo.ids[k]})
        assert (live["is_live"], live["started_at"]) == (True, str(start))
        sandbox.freeze_clock(end)
        ended = trovo.post("/channels/id", {"channel_id": trovo.ids[k]})
        assert (ended["is_live"], ended["ended_at"]) == (False, str(end))


def _walk_followers(trovo: Trovo, cid: str, direction: str) -> list[dict[str, Any]]:
    """Page as docs/providers/trovo.md says: send back the cursor; stop on an empty page, a cursor
    that does not advance, or once ``total`` followers are in hand."""
    got: list[dict[str, Any]] = []
    cursor, calls = 0, 0
    while True:
        page = trovo.post(
            f"/channels/{cid}/followers", {"limit": 100, "cursor": cursor, "direction": direction}
        )
        calls += 1
        got.extend(page["follower"])
        if not page["follower"] or page["cursor"] <= cursor or len(got) >= int(page["total"]):
            assert calls == page["total_page"]
            return got
        assert page["cursor"] == cursor + 100
        cursor = page["cursor"]


def test_followers_page_many_times_at_limit_100(trovo: Trovo) -> None:
    cid = trovo.ids[2]  # the smallest own channel: 4399 followers at FROZEN_AT
    total = int(trovo.post(f"/channels/{cid}/followers", {"limit": 1})["total"])
    assert total == 4399
    oldest_first = _walk_followers(trovo, cid, "asc")
    assert len(oldest_first) == len({f["user_id"] for f in oldest_first}) == total
    times = [unix(f["followed_at"]) for f in oldest_first]
    assert times == sorted(times) and times[-1] <= FROZEN_AT
    newest_first = _walk_followers(trovo, cid, "desc")
    assert newest_first == oldest_first[::-1]


def test_a_stream_goes_live_peaks_and_ends_as_the_clock_moves(
    trovo: Trovo, sandbox: SandboxServer
) -> None:
    """LeafHawk (the fourth own channel) streams 13:09:44-14:24:11 UTC on the frozen day."""
    _, start, end = SCHEDULE[0]
    cid = trovo.ids[3]

    def at(minutes: int) -> dict[str, Any]:
        sandbox.freeze_clock(FROZEN_AT + minutes * MINUTE)
        got: dict[str, Any] = trovo.post("/channels/id", {"channel_id": cid})
        return got

    before = at(0)
    assert before["is_live"] is False and int(before["started_at"]) < start
    snaps = [at(75), at(90), at(135)]  # 13:15, 13:30, 14:15
    assert {(s["is_live"], s["started_at"]) for s in snaps} == {(True, str(start))}
    assert all(int(s["ended_at"]) < start for s in snaps)  # ended_at < started_at: live
    assert [s["current_viewers"] for s in snaps] == [306, 752, 594]
    listed = trovo.post("/gettopchannels", {"limit": 100})["top_channels_lists"]
    assert cid in {c["channel_id"] for c in listed}
    after = at(145)
    assert after["is_live"] is False and after["current_viewers"] == 0
    assert (after["started_at"], after["ended_at"]) == (str(start), str(end))


def test_hooks_force_11706_on_one_endpoint(trovo: Trovo, sandbox: SandboxServer) -> None:
    # set_knobs replaces every knob: restate Trovo's 1200/min or the limit is gone.
    sandbox.set_knobs(
        "trovo",
        rate_limit=1200,
        rate_window_s=60,
        faults=[{"kind": "rate_limited", "nth": 2, "path": "/followers"}],
        options={"rate_limit_http_status": 200},
    )
    path = f"/channels/{trovo.ids[0]}/followers"
    assert trovo.call("POST", path, {"limit": 5}).status_code == 200
    assert trovo.call("GET", "/categorys/top").status_code == 200  # not counted: other path
    limited = trovo.call("POST", path, {"limit": 5})
    assert outcome(limited) == (200, RATE_BODY)
    assert limited.headers["x-ratelimit-limit"] == "1200"
    assert trovo.call("POST", path, {"limit": 5}).json()["total"].isdigit()


def test_hooks_expire_tokens_without_moving_the_clock(trovo: Trovo, sandbox: SandboxServer) -> None:
    access = trovo.env["SOURCES__TROVO__ACCESS_TOKEN"]
    refresh = trovo.env["SOURCES__TROVO__REFRESH_TOKEN"]
    assert trovo.call("GET", "/channel", token=access).status_code == 200
    sandbox.set_knobs(
        "trovo", rate_limit=1200, rate_window_s=60, options={"expire_tokens": [access]}
    )
    expired = err(11714, 401, "Access token has expired")
    assert outcome(trovo.call("GET", "/channel", token=access)) == expired
    body = {"client_secret": trovo.secret, "grant_type": "refresh_token", "refresh_token": refresh}
    fresh = trovo.post("/refreshtoken", body)
    assert fresh["refresh_token"] != refresh
    own = trovo.call("GET", "/channel", token=fresh["access_token"]).json()
    assert own["channel_id"] == trovo.ids[0]
    # Expiry sticks once applied, and the refresh token can be expired the same way.
    sandbox.set_knobs(
        "trovo", rate_limit=1200, rate_window_s=60, options={"expire_tokens": refresh}
    )
    assert outcome(trovo.call("GET", "/channel", token=access)) == expired
    assert outcome(trovo.call("POST", "/refreshtoken", body)) == err(
        11712, 400, "Refresh token has expired"
    )
    rotated = {**body, "refresh_token": fresh["refresh_token"]}
    assert trovo.post("/refreshtoken", rotated)["access_token"]
