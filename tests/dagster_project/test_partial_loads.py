"""What a run records when it could not read everything, or read figures that were missing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import AssetKey, DagsterInstance
from typer.testing import CliRunner

from lsw.cli import app
from lsw.runner import materialize
from sandbox import SandboxServer

LIVESTREAMS = AssetKey(["tiktok_shop", "livestreams"])
FIRST, LAST = date(2026, 11, 15), date(2026, 11, 19)


def _materialized(key: AssetKey) -> dict[str, dict[str, object]]:
    """Partition -> metadata of its latest materialization."""
    records = DagsterInstance.get().fetch_materializations(key, limit=10_000).records
    found: dict[str, dict[str, object]] = {}
    for record in sorted(records, key=lambda r: r.storage_id):
        event = record.asset_materialization
        assert event is not None and event.partition is not None
        found[event.partition] = {k: v.value for k, v in event.metadata.items()}
    return found


def _gmv(warehouse: Path) -> float:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return float(con.execute("select sum(gmv) from marts.fct_sessions").fetchall()[0][0])


def test_each_partition_records_its_own_rows(warehouse: Path) -> None:
    outcome = materialize(["tiktok_shop"], FIRST, LAST)
    assert outcome.ok, outcome.failures
    with duckdb.connect(str(warehouse), read_only=True) as con:
        by_day = dict(
            con.execute(
                "select session_date::varchar, count(*) from marts.fct_sessions group by 1"
            ).fetchall()
        )
    recorded = _materialized(LIVESTREAMS)
    assert sorted(recorded) == [f"2026-11-{d}" for d in range(15, 20)]
    assert {day: meta["dagster/row_count"] for day, meta in recorded.items()} == {
        day: by_day.get(day, 0) for day in recorded
    }
    marts = _materialized(AssetKey(["marts", "fct_sessions"]))
    assert {day: meta["dagster/row_count"] for day, meta in marts.items()} == {
        day: by_day.get(day, 0) for day in recorded
    }
    assert len(set(by_day.values())) > 1 or len(by_day) < 5  # days differ: not one run total
    # run-wide figures once, on the run
    run = DagsterInstance.get().get_run_by_id(outcome.run_ids[0])
    assert run is not None and int(run.tags["lsw/tiktok_shop/requests"]) > 0


def test_a_spent_budget_fails_the_run_and_records_only_whole_days(
    warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__MAX_CREDITS_PER_RUN", "3")
    monkeypatch.setenv("SOURCES__TIKTOK_SHOP__CONCURRENCY", "1")
    result = CliRunner().invoke(
        app, ["run", "--start", "2026-11-15", "--end", "2026-11-19", "-p", "tiktok_shop"]
    )
    assert result.exit_code == 1
    failed = [line for line in result.output.splitlines() if line.startswith("failed ")]
    assert len(failed) == 1 and "max_credits_per_run=3 reached after 3 requests" in failed[0]
    assert "raise sources.tiktok_shop.max_credits_per_run" in failed[0]
    assert result.output.count("max_credits_per_run=3") == 1
    days = failed[0].split(" days ")[1].split(" ")[0]
    first_partial, last_partial = (date.fromisoformat(d) for d in days.split(".."))
    recorded = {date.fromisoformat(p) for p in _materialized(LIVESTREAMS)}
    partial = {d for d in recorded if first_partial <= d <= last_partial}
    assert not partial  # incomplete days are not recorded as loaded
    assert recorded == {
        date(2026, 11, d)
        for d in range(15, 20)
        if not first_partial <= date(2026, 11, d) <= last_partial
    }


def test_a_missing_figure_never_erases_a_loaded_one(
    warehouse: Path, sandbox: SandboxServer
) -> None:
    assert materialize(["tiktok_shop"], FIRST, LAST).ok
    before = _gmv(warehouse)
    sandbox.set_knobs(
        "tiktok_shop",
        faults=[{"kind": "missing_field", "field": "total_sale_gmv_amt", "rate": 1.0}],
    )
    outcome = materialize(["tiktok_shop"], FIRST, LAST)
    assert outcome.ok, outcome.failures
    [line] = [w for w in outcome.warnings if "key figure" in w]
    assert line.startswith("tiktok_shop: ") and "total_sale_gmv_amt" in line
    assert line.endswith("loaded where new, never over a value loaded before")
    assert _gmv(warehouse) == pytest.approx(before, abs=0.005)


def test_a_cosmetic_field_of_the_wrong_type_never_fails_a_load(
    warehouse: Path, sandbox: SandboxServer
) -> None:
    sandbox.set_knobs(
        "tiktok_shop", faults=[{"kind": "wrong_type", "field": "avatar", "rate": 1.0}]
    )
    outcome = materialize(["tiktok_shop"], FIRST, LAST)
    assert outcome.ok, outcome.failures
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_sessions").fetchall()[0][0] > 0
