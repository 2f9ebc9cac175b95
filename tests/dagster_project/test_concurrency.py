"""Providers run at once in one Dagster run: one that never answers does not hold up the rest."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest
from dagster import DagsterEventType, DagsterInstance

from lsw.runner import materialize
from sandbox import SandboxServer

FIRST, LAST = date(2026, 11, 18), date(2026, 11, 19)


def _step_spans(run_id: str) -> dict[str, tuple[float, float]]:
    """When each step started and ended, from the run's own event log."""
    began: dict[str, float] = {}
    ended: dict[str, float] = {}
    for entry in DagsterInstance.get().all_logs(run_id):
        kind, step = entry.dagster_event_type, entry.step_key
        if step is None:
            continue
        if kind == DagsterEventType.STEP_START:
            began[step] = entry.timestamp
        elif kind in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            ended[step] = entry.timestamp
    return {step: (began[step], ended[step]) for step in began}


def test_a_provider_that_never_answers_is_bounded_named_and_holds_up_no_one(
    warehouse: Path, sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.set_knobs("lisa", faults=[{"kind": "timeout", "rate": 1.0}])
    monkeypatch.setenv("SOURCES__LISA__TIMEOUT_S", "0.5")
    monkeypatch.setenv("SOURCES__LISA__BACKOFF_S", "0.2")
    monkeypatch.setenv("SOURCES__LISA__TIME_BUDGET_S", "1.5")
    outcome = materialize(["lisa", "tiktok_shop"], FIRST, LAST)

    [line] = outcome.failures
    assert line.startswith("lisa: GET ") and "time budget of 1.5 s spent" in line
    assert "sources.lisa.time_budget_s" in line
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from tiktok_shop.livestreams").fetchall() == [(9,)]
        by_provider = con.execute(
            "select provider, count(*) from marts.fct_sessions group by all"
        ).fetchall()
    assert by_provider == [("tiktok_shop", 9)]  # the marts were rebuilt in the same run
    [run_id] = outcome.run_ids
    spans = _step_spans(run_id)
    lisa, tiktok = spans["lisa"], spans["tiktok_shop"]
    assert tiktok[0] < lisa[1] and lisa[0] < tiktok[1]  # they ran at the same time
    assert spans["window_marts"][0] >= max(lisa[1], tiktok[1]) - 0.5
    run = DagsterInstance.get().get_run_by_id(run_id)
    assert run is not None and run.is_failure
