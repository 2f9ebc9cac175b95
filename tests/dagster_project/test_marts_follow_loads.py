"""A load of raw partitions (as a schedule or the UI launches it) makes Dagster request the
marts of that window, as one run; the request, run, gives exact marts and passing checks."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
from dagster import AssetCheckKey, AssetKey, DagsterInstance, evaluate_automation_conditions

from dagster_project.definitions import defs
from dagster_project.defs.marts.checks import check_specs
from dagster_project.defs.providers.schedules import RANGE_END, RANGE_START, daily_job_name

FCT = AssetKey(["marts", "fct_sessions"])
MARTS = {
    FCT,
    *(
        AssetKey(["marts", n])
        for n in ("gmv_daily", "engagement_daily", "product_performance", "followers_daily")
    ),
}
REPORT = AssetKey(["marts", "report"])
WHEN = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _sessions_per_day(warehouse: Path) -> dict[str, int]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select session_date::varchar, count(*) from marts.fct_sessions group by 1"
        ).fetchall()
    return dict(rows)


def test_marts_are_requested_after_a_load_and_built_by_that_request(warehouse: Path) -> None:
    instance = DagsterInstance.get()
    graph = defs.resolve_asset_graph()
    first = evaluate_automation_conditions(defs, instance, evaluation_time=WHEN)
    assert first.total_requested == 0  # nothing loaded yet: nothing to follow

    # the daily schedule's run: raw partitions only, a range as one run
    job = defs.resolve_job_def(daily_job_name("tiktok_shop"))
    loaded = job.execute_in_process(
        instance=instance,
        tags={RANGE_START: "2026-11-17", RANGE_END: "2026-11-19", "lsw/command": "schedule"},
    )
    assert loaded.success

    after = evaluate_automation_conditions(
        defs, instance, evaluation_time=WHEN, cursor=first.cursor
    )
    requested = {key for key in MARTS if after.get_requested_partitions(key)}
    assert requested == MARTS
    assert after.get_requested_partitions(FCT) == {"2026-11-17", "2026-11-18", "2026-11-19"}
    assert not after.get_requested_partitions(AssetKey(["marts", "dim_fx_rates"]))

    # what the sensor's backfill runs (single-run policy: the requested window as one run)
    window = sorted(str(key) for key in after.get_requested_partitions(FCT))
    marts_job = defs.resolve_implicit_global_asset_job_def()
    built = marts_job.execute_in_process(
        instance=instance,
        asset_selection=sorted(MARTS, key=str),
        tags={RANGE_START: str(window[0]), RANGE_END: str(window[-1])},
    )
    assert built.success
    per_day = _sessions_per_day(warehouse)
    assert set(per_day) == {"2026-11-17", "2026-11-18", "2026-11-19"} and all(per_day.values())

    # every check ran with the materialisation; all but freshness pass on good data
    evaluations = {e.asset_check_key: e for e in built.get_asset_check_evaluations()}
    assert set(evaluations) == {spec.key for spec in check_specs()}
    failed = {key.name for key, data in evaluations.items() if not data.passed}
    # the sandbox world is frozen in November: the other providers were never loaded
    assert failed == {"providers_fresh"}
    fresh = evaluations[AssetCheckKey(FCT, "providers_fresh")]
    assert (
        fresh.description is not None and "firework (latest loaded day never" in fresh.description
    )
    assert "tiktok_shop (latest loaded day 2026-11-19" in fresh.description

    again = evaluate_automation_conditions(
        defs, instance, evaluation_time=WHEN, cursor=after.cursor
    )
    # the marts are handled (no rebuild loop); the report follows the marts it draws
    assert not any(again.get_requested_partitions(key) for key in MARTS)
    assert again.get_requested_partitions(REPORT) == {None}
    assert graph.get(FCT).automation_condition is not None


def test_a_cli_run_that_built_its_marts_asks_for_no_second_build(warehouse: Path) -> None:
    from datetime import date

    from lsw.runner import materialize

    instance = DagsterInstance.get()
    first = evaluate_automation_conditions(defs, instance, evaluation_time=WHEN)
    outcome = materialize(["tiktok_shop"], date(2026, 11, 18), date(2026, 11, 19))
    assert outcome.ok, outcome.failures
    after = evaluate_automation_conditions(
        defs, instance, evaluation_time=WHEN, cursor=first.cursor
    )
    assert after.total_requested == 0


def test_a_snapshot_every_few_minutes_does_not_rebuild_all_history(warehouse: Path) -> None:
    """Trovo's channel snapshots are an input of every mart day; an update of them would
    stand for every day at once. The next load of a day reads them instead."""
    from dagster_project.defs.providers.schedules import snapshot_job_name

    instance = DagsterInstance.get()
    first = evaluate_automation_conditions(defs, instance, evaluation_time=WHEN)
    snapshot = defs.resolve_job_def(snapshot_job_name("trovo")).execute_in_process(
        instance=instance
    )
    assert snapshot.success
    after = evaluate_automation_conditions(
        defs, instance, evaluation_time=WHEN, cursor=first.cursor
    )
    assert after.total_requested == 0
