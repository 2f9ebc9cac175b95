"""The TikTok Shop source against the KeyAPI sandbox, loaded into real DuckDB files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pytest

from pipelines.config import read_config
from pipelines.errors import PartialLoad
from pipelines.report import RunReport
from pipelines.tiktok_shop import tiktok_shop_source
from pipelines.tiktok_shop.settings import TikTokShopConfig
from sandbox import SandboxServer

START = datetime(2026, 11, 15, tzinfo=UTC)
END = datetime(2026, 11, 17, tzinfo=UTC)
FAST = {"timeout_s": 2, "max_attempts": 3, "backoff_s": 0.01, "backoff_max_s": 0.05}


@pytest.fixture(autouse=True)
def _sandbox_env(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in sandbox.env().items():
        monkeypatch.setenv(key, value)


def _config(sandbox: SandboxServer, **overrides: Any) -> TikTokShopConfig:
    """The sandbox's configuration as dlt resolves it, with fast retries and ``overrides``."""
    config = read_config(TikTokShopConfig)
    assert config is not None and sandbox.url in config.base_url
    for key, value in {**FAST, **overrides}.items():
        setattr(config, key, value)
    return config


def _world(sandbox: SandboxServer) -> dict[str, list[dict[str, Any]]]:
    service = sandbox.runtime.services["tiktok_shop"]
    return {s: service.seller_sessions(s) for s in service.sellers}  # type: ignore[attr-defined]


def _expected_rooms(sandbox: SandboxServer) -> set[str]:
    lo, hi = START.timestamp(), END.timestamp()
    return {
        r["room_id"]
        for rows in _world(sandbox).values()
        for r in rows
        if lo <= r["create_time"] < hi
    }


def _load(tmp_path: Path, config: TikTokShopConfig, report: RunReport) -> set[str]:
    pipeline = dlt.pipeline(
        "t",
        destination=dlt.destinations.duckdb(str(tmp_path / "w.duckdb")),
        dataset_name="tiktok_shop",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    pipeline.run(tiktok_shop_source(config, START, END, report), loader_file_format="parquet")
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        tables = con.execute(
            "select 1 from information_schema.tables where table_name = 'livestreams'"
        ).fetchall()
        if not tables:
            return set()
        rows = con.execute("select room_id from tiktok_shop.livestreams").fetchall()
    assert len(rows) == len({r[0] for r in rows}), "duplicate room_id"
    return {r[0] for r in rows}


def test_pages_stop_early_and_load_exactly_the_window(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    report = RunReport("tiktok_shop")
    loaded = _load(tmp_path, _config(sandbox), report)
    assert loaded == _expected_rooms(sandbox) and len(loaded) > 5
    # newest first: a seller's paging stops at the first page wholly older than the window
    lo = START.timestamp()
    expected_pages = 0
    for rows in _world(sandbox).values():
        newer = sum(1 for r in rows if r["create_time"] >= lo)
        expected_pages += min(newer // 10, len(rows) // 10) + 1
    full_listing = sum(len(rows) // 10 + 1 for rows in _world(sandbox).values())
    assert report.pages == report.requests == expected_pages
    assert expected_pages < full_listing / 2
    assert not report.errors and not report.warnings


@pytest.mark.parametrize("order", ["oldest_first", "shuffled"])
def test_other_orders_are_still_complete(
    sandbox: SandboxServer, tmp_path: Path, order: str
) -> None:
    sandbox.set_knobs("tiktok_shop", options={"default_order": order})
    report = RunReport("tiktok_shop")
    assert _load(tmp_path, _config(sandbox), report) == _expected_rooms(sandbox)
    assert report.pages == sum(len(rows) // 10 + 1 for rows in _world(sandbox).values())


def test_reloading_the_window_never_duplicates(sandbox: SandboxServer, tmp_path: Path) -> None:
    first = _load(tmp_path, _config(sandbox), RunReport("tiktok_shop"))
    second = _load(tmp_path, _config(sandbox), RunReport("tiktok_shop"))
    assert first == second == _expected_rooms(sandbox)


def test_credit_budget_stops_cleanly_and_keeps_rows(sandbox: SandboxServer, tmp_path: Path) -> None:
    report = RunReport("tiktok_shop")
    loaded = _load(tmp_path, _config(sandbox, max_credits_per_run=3, concurrency=1), report)
    assert sandbox.stats()["tiktok_shop"]["credits_used"] == 3
    # a budget stop is a partial load: one line, once, naming the budget, sellers and days
    assert report.requests == 3 and report.warnings == []
    [error] = report.errors
    assert isinstance(error, PartialLoad)
    stopped = sorted(report.incomplete)
    assert str(error) == (
        "tiktok_shop: GET /v1/tiktok/shop/livestreams/analytics: max_credits_per_run=3 reached "
        f"after 3 requests (3 pages): 2 of 4 sellers not fully read ({', '.join(stopped)}), "
        "days 2026-11-15..2026-11-16 incomplete and not marked loaded; raise "
        "sources.tiktok_shop.max_credits_per_run (SOURCES__TIKTOK_SHOP__MAX_CREDITS_PER_RUN) "
        "or load fewer days"
    )
    # the sellers read to the end are whole; what the others gave before the stop is kept
    whole = {s for s in _world(sandbox) if s not in stopped}
    lo, hi = START.timestamp(), END.timestamp()
    expected_whole = {
        r["room_id"] for s in whole for r in _world(sandbox)[s] if lo <= r["create_time"] < hi
    }
    assert expected_whole and expected_whole <= loaded < _expected_rooms(sandbox)


def test_a_backfill_larger_than_the_budget_completes_over_repeated_runs(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    config = _config(sandbox, max_credits_per_run=3, concurrency=1)
    clean = RunReport("tiktok_shop")
    _load(tmp_path / "clean", _config(sandbox), clean)
    needed = clean.requests  # pages a run without a budget reads
    assert needed > 3
    reports: list[RunReport] = []
    while not reports or reports[-1].failed:
        reports.append(RunReport("tiktok_shop"))
        loaded = _load(tmp_path, config, reports[-1])
        assert len(reports) <= needed  # every run reads at least one seller whole
    assert loaded == _expected_rooms(sandbox)
    assert len(reports) > 1 and all(r.requests <= 3 for r in reports)
    # a run after the first skipped the sellers the earlier ones had read whole
    assert any("already read whole for these days" in w for w in reports[-1].warnings)
    # once the days were whole, the progress was forgotten: a reload reads every seller
    again = RunReport("tiktok_shop")
    _load(tmp_path, _config(sandbox), again)
    assert again.requests == needed and not again.warnings


def test_rate_limited_and_server_errors_are_retried(sandbox: SandboxServer, tmp_path: Path) -> None:
    sandbox.set_knobs(
        "tiktok_shop",
        faults=[
            {"kind": "rate_limited", "nth": 2},
            {"kind": "server_error", "nth": 4},
        ],
    )
    report = RunReport("tiktok_shop")
    assert _load(tmp_path, _config(sandbox), report) == _expected_rooms(sandbox)
    assert not report.errors and sandbox.stats()["tiktok_shop"]["faults_fired"] == 2


def test_bad_key_fails_in_one_line(sandbox: SandboxServer, tmp_path: Path) -> None:
    report = RunReport("tiktok_shop")
    loaded = _load(tmp_path, _config(sandbox, api_key="sk_live_not_the_key_42"), report)
    assert loaded == set()
    assert [str(e) for e in report.errors] == [
        "tiktok_shop: GET /v1/tiktok/shop/livestreams/analytics: "
        "credentials refused (HTTP 401: apiKey is invalid)"
    ]


def test_exhausted_credits_keep_the_rows_already_fetched(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    sandbox.set_knobs("tiktok_shop", options={"credit_budget": 4})
    report = RunReport("tiktok_shop")
    loaded = _load(tmp_path, _config(sandbox, concurrency=1), report)
    assert [str(e) for e in report.errors] == [
        "tiktok_shop: GET /v1/tiktok/shop/livestreams/analytics: "
        "credits exhausted (HTTP 402: apiKey quota is not enough)"
    ]
    assert report.pages == 4 and loaded and loaded < _expected_rooms(sandbox)
    assert len(loaded) == report.rows


def test_a_malformed_page_is_read_again_after_the_other_sellers(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    sandbox.set_knobs(
        "tiktok_shop", faults=[{"kind": "missing_field", "nth": 3, "field": "room_id"}]
    )
    report = RunReport("tiktok_shop")
    assert _load(tmp_path, _config(sandbox, concurrency=1), report) == _expected_rooms(sandbox)
    assert not report.errors and not report.incomplete


def test_pages_malformed_every_time_name_the_field_and_stop_the_provider_as_an_outage(
    sandbox: SandboxServer, tmp_path: Path
) -> None:
    cfg = _config(sandbox, concurrency=1)
    sandbox.set_knobs(
        "tiktok_shop", faults=[{"kind": "missing_field", "rate": 1.0, "field": "create_time"}]
    )
    report = RunReport("tiktok_shop")
    assert _load(tmp_path, cfg, report) == set()
    endpoint = "tiktok_shop: GET /v1/tiktok/shop/livestreams/analytics: "
    assert [str(e) for e in report.errors] == [
        endpoint + "malformed response: data.0.create_time: Field required",
        endpoint + "5 requests in a row failed for good, an outage: stopped for this run, the "
        "next run fetches what is missing (last: malformed response: data.0.create_time: "
        "Field required)",
    ]
    # five sellers, one page each, and not one credit more
    assert sandbox.stats()["tiktok_shop"]["requests"] == 5
    assert set(report.incomplete) == set(cfg.seller_ids)


def test_harmless_drift_is_accepted(sandbox: SandboxServer, tmp_path: Path) -> None:
    sandbox.set_knobs(
        "tiktok_shop",
        faults=[
            {"kind": "unknown_field", "rate": 1.0},
            {"kind": "wrong_type", "rate": 1.0, "field": "total_views_cnt"},  # "123" for 123
        ],
    )
    report = RunReport("tiktok_shop")
    assert _load(tmp_path, _config(sandbox), report) == _expected_rooms(sandbox)
    assert not report.errors


def test_truncated_json_is_retried(sandbox: SandboxServer, tmp_path: Path) -> None:
    sandbox.set_knobs("tiktok_shop", faults=[{"kind": "truncated_json", "nth": 1}])
    report = RunReport("tiktok_shop")
    assert _load(tmp_path, _config(sandbox), report) == _expected_rooms(sandbox)
    assert not report.errors
