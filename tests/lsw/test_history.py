"""The run history stays bounded: old runs go once everything they recorded is superseded."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from dagster import AssetKey, DagsterInstance

from lsw.history import prune_run_history
from lsw.runner import materialize

LIVESTREAMS = AssetKey(["tiktok_shop", "livestreams"])
FCT = AssetKey(["marts", "fct_sessions"])


def test_only_runs_whose_every_materialization_is_superseded_are_deleted(
    warehouse: Path,
) -> None:
    instance = DagsterInstance.get()
    wide = materialize(["tiktok_shop"], date(2026, 11, 18), date(2026, 11, 19))
    again = materialize(["tiktok_shop"], date(2026, 11, 18), date(2026, 11, 19))
    narrow = materialize(["tiktok_shop"], date(2026, 11, 19), date(2026, 11, 19))
    assert wide.ok and again.ok and narrow.ok
    days = {"2026-11-18", "2026-11-19"}
    assert instance.get_materialized_partitions(LIVESTREAMS) == days

    assert prune_run_history(instance, keep_days=30) == []  # all of them are recent
    # `wide` is superseded everywhere by `again`; `again` still holds the 18th
    assert prune_run_history(instance, keep_days=0) == wide.run_ids
    assert {run.run_id for run in instance.get_runs()} == {*again.run_ids, *narrow.run_ids}
    assert instance.get_materialized_partitions(LIVESTREAMS) == days
    assert instance.get_materialized_partitions(FCT) == days
    shards = warehouse.parent / ".lsw" / "dagster" / "history" / "runs"
    assert not (shards / f"{wide.run_ids[0]}.db").exists()
    assert prune_run_history(instance, keep_days=0) == []
