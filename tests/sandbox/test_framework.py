"""The sandbox's own machinery: knobs, every fault kind, the admin API, the clock, a child process."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from sandbox import SandboxConfig
from sandbox.providers.tiktok_shop import DEFAULT_API_KEY, PATH
from sandbox.server import SandboxProcess, SandboxServer

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}"}


def _get(sandbox: SandboxServer, timeout: float = 5.0, page_num: int = 1) -> httpx.Response:
    seller = json.loads(sandbox.env()["SOURCES__TIKTOK_SHOP__SELLER_IDS"])[0]
    params = {"seller_id": seller, "page_num": page_num, "page_size": 10}
    return httpx.get(
        sandbox.base_url("tiktok_shop") + PATH, params=params, headers=AUTH, timeout=timeout
    )


def test_server_error_and_rate_limited_use_the_providers_bodies(sandbox: SandboxServer) -> None:
    sandbox.set_knobs(
        "tiktok_shop",
        faults=[
            {"kind": "server_error", "nth": 1, "status": 502},
            {"kind": "rate_limited", "nth": 2},
        ],
    )
    first, second, third = _get(sandbox), _get(sandbox), _get(sandbox)
    assert (first.status_code, first.json()) == (
        502,
        {"code": 502, "data": None, "message": "Internal server error"},
    )
    assert (second.status_code, second.json()) == (
        429,
        {"code": 429, "data": None, "message": "qps limit exceeded"},
    )
    assert third.status_code == 200


def test_timeout_is_an_answer_that_never_comes(sandbox: SandboxServer) -> None:
    sandbox.set_knobs("tiktok_shop", faults=[{"kind": "timeout", "nth": 1}])
    with pytest.raises(httpx.ReadTimeout):
        _get(sandbox, timeout=0.3)
    assert _get(sandbox).status_code == 200


def test_body_faults(sandbox: SandboxServer) -> None:
    clean = _get(sandbox).json()["data"]
    sandbox.set_knobs(
        "tiktok_shop",
        faults=[
            {"kind": "truncated_json", "nth": 1},
            {"kind": "malformed_json", "nth": 2},
            {"kind": "missing_field", "nth": 3, "field": "total_views_cnt"},
            {"kind": "wrong_type", "nth": 4, "field": "create_time"},
            {"kind": "unknown_field", "nth": 5},
        ],
    )
    truncated = _get(sandbox)
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.content)
    assert int(truncated.headers["content-length"]) == len(truncated.content)
    assert _get(sandbox).text.startswith("<html>")
    missing = _get(sandbox).json()["data"]
    assert "total_views_cnt" not in missing[0] and missing[1:] == clean[1:]
    assert _get(sandbox).json()["data"][0]["create_time"] == str(clean[0]["create_time"])
    added = _get(sandbox).json()["data"]
    assert all(r["x_undocumented"] == {"added_by": "sandbox"} for r in added)
    assert _get(sandbox).json()["data"] == clean  # and then it is over


def test_rate_times_and_path(sandbox: SandboxServer) -> None:
    sandbox.set_knobs(
        "tiktok_shop",
        faults=[
            {"kind": "server_error", "rate": 1.0, "times": 2},
            {"kind": "server_error", "rate": 1.0, "path": "/no/such/path"},
        ],
    )
    codes = [_get(sandbox).status_code for _ in range(4)]
    assert codes == [500, 500, 200, 200]
    assert sandbox.stats()["tiktok_shop"]["faults_fired"] == 2


def test_random_faults_fire_at_about_their_rate(sandbox: SandboxServer) -> None:
    sandbox.set_knobs("tiktok_shop", faults=[{"kind": "server_error", "rate": 0.3}])
    failures = sum(_get(sandbox).status_code == 500 for _ in range(200))
    assert 35 <= failures <= 85  # 60 expected; seeded, so the same count every run


def test_latency_and_rate_limit(sandbox: SandboxServer) -> None:
    sandbox.set_knobs("tiktok_shop", latency_ms=150)
    started = time.monotonic()
    assert _get(sandbox).status_code == 200
    assert time.monotonic() - started >= 0.15
    sandbox.set_knobs("tiktok_shop", rate_limit=3, rate_window_s=30)
    assert [_get(sandbox).status_code for _ in range(5)] == [200, 200, 200, 429, 429]


def test_bad_knobs_are_refused_and_change_nothing(sandbox: SandboxServer) -> None:
    for bad in (
        {"faults": [{"kind": "explode", "nth": 1}]},
        {"faults": [{"kind": "timeout"}]},
        {"latency": 5},
    ):
        answer = httpx.put(f"{sandbox.url}/_admin/knobs/tiktok_shop", json=bad)
        assert answer.status_code == 400 and answer.json()["error"]
    assert httpx.put(f"{sandbox.url}/_admin/knobs/nope", json={}).status_code == 404
    assert _get(sandbox).status_code == 200


def test_the_clock_decides_what_exists(sandbox: SandboxServer) -> None:
    service = sandbox.runtime.services["tiktok_shop"]
    seller = next(iter(service.sellers))  # type: ignore[attr-defined]
    then = sandbox.runtime.clock.now()
    assert all(r["finish_time"] <= then for r in service.seller_sessions(seller))  # type: ignore[attr-defined]
    sandbox.advance_clock(3 * 86_400)
    later = service.seller_sessions(seller)  # type: ignore[attr-defined]
    assert any(r["create_time"] > then for r in later)  # new days have happened
    assert all(r["finish_time"] <= then + 3 * 86_400 for r in later)  # none from the future


def test_knobs_at_start_and_a_subset_of_providers() -> None:
    config = SandboxConfig(
        frozen_at=1.8e9,
        providers=["tiktok_shop"],
        knobs={"tiktok_shop": {"options": {"credit_budget": 1}}},
    )
    with SandboxServer(config) as sandbox:
        assert sorted(sandbox.runtime.services) == ["tiktok_shop"]
        assert set(k.split("__")[1] for k in sandbox.env()) == {"TIKTOK_SHOP"}
        assert [_get(sandbox).status_code for _ in range(2)] == [200, 402]
    with pytest.raises(ValueError, match="unknown providers"):
        SandboxServer(SandboxConfig(providers=["myspace"]))


def test_child_process_sandbox_is_driven_the_same_way() -> None:
    config = SandboxConfig(frozen_at=1.8e9, providers=["tiktok_shop"])
    with SandboxProcess(config) as sandbox:
        sandbox.set_knobs("tiktok_shop", faults=[{"kind": "server_error", "nth": 1}])
        seller = json.loads(sandbox.env()["SOURCES__TIKTOK_SHOP__SELLER_IDS"])[0]
        url = sandbox.base_url("tiktok_shop") + PATH
        params = {"seller_id": seller, "page_num": 1, "page_size": 10}
        codes = [httpx.get(url, params=params, headers=AUTH).status_code for _ in range(2)]
        assert codes == [500, 200]
        assert sandbox.stats()["tiktok_shop"]["requests"] == 2
