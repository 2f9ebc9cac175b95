"""Drill 5, schema drift, for Firework, Trovo and LiSA (TikTok Shop's is in test_drills.py):
fields a provider adds to its main records land as new columns, and when such a field later
changes type the load still succeeds and the column keeps its type (dlt's ``discard_value``
contract, pipelines/drift.py). Real sandbox over HTTP, real DuckDB."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dlt
import duckdb
import pyarrow as pa
import pytest

from pipelines.firework.schema import LIVESTREAMS
from pipelines.lisa.schema import SHOWS
from pipelines.registry import SPECS
from pipelines.report import RunReport
from pipelines.trovo import trovo_snapshot_source
from pipelines.trovo.schema import CHANNEL_SNAPSHOTS
from pipelines.trovo.settings import TrovoConfig
from sandbox import SandboxServer
from tests.faults.drill import assert_no_secret, load


@dataclass(frozen=True)
class Case:
    provider: str
    table: str
    schema: pa.Schema
    fault: dict[str, Any]  # where the sandbox adds the fields: the main records' answers
    appends: bool = False  # a snapshot table: every run adds its rows, none replaced


CASES = [
    Case("firework", "livestreams", LIVESTREAMS, {"path": "/detail", "field": "status"}),
    Case("lisa", "shows", SHOWS, {"path": "/shows"}),
    Case(
        "trovo",
        "channel_snapshots",
        CHANNEL_SNAPSHOTS,
        {"path": "/channels/id", "field": "is_live"},
        True,
    ),
]


def _run(tmp_path: Path, case: Case) -> RunReport:
    if case.provider != "trovo":
        return load(tmp_path, "drift", case.provider)
    config = SPECS["trovo"].read_config()
    assert isinstance(config, TrovoConfig)
    report = RunReport("trovo")
    pipeline = dlt.pipeline(
        "drift_trovo_snapshot",
        destination=dlt.destinations.duckdb(str(tmp_path / "drift.duckdb")),
        dataset_name="trovo",
        pipelines_dir=str(tmp_path / "dlt"),
    )
    source = trovo_snapshot_source(config, report).with_resources("channel_snapshots")
    pipeline.run(source, loader_file_format="parquet")
    return report


def _query(tmp_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(tmp_path / "drift.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize("case", CASES, ids=[c.provider for c in CASES])
def test_drill_5_added_fields_become_columns_and_keep_their_type(
    case: Case, drill: SandboxServer, expected: dict[str, Any], tokens: Path, tmp_path: Path
) -> None:
    table = f"{case.provider}.{case.table}"

    def run_with(value: dict[str, Any]) -> RunReport:
        fault = {"kind": "unknown_field", "rate": 1.0, "value": value, **case.fault}
        drill.set_knobs(case.provider, faults=[fault])
        report = _run(tmp_path, case)
        assert not report.failed, report.summary()
        return report

    def column_types() -> dict[str, str]:
        found = _query(
            tmp_path,
            "select column_name, data_type from information_schema.columns "
            f"where table_schema = '{case.provider}' and table_name = '{case.table}'",
        )
        return dict(found)

    def documented_rows() -> list[tuple[Any, ...]]:
        listed = ", ".join(f'"{name}"' for name in sorted(case.schema.names))
        return sorted(_query(tmp_path, f"select {listed} from {table}"), key=repr)

    def added_values() -> list[tuple[Any, ...]]:
        return _query(
            tmp_path,
            f"select x_promo_code, x_badge, count(*) from {table} group by all order by all",
        )

    # the fields added, and one named like a credential that must never be stored
    secret = "sk_live_drift_" + case.provider
    run_with({"x_promo_code": 5, "x_badge": {"tier": "gold"}, "x_stream_key": secret})
    types = column_types()
    assert (types["x_promo_code"], types["x_badge"]) == ("BIGINT", "JSON")
    # exactly the documented columns and the two added: no stream key, and none of the tokens
    # the answers carry (LiSA's accessToken, preview token) nor their other unstored fields
    ours = {name for name in types if not name.startswith("_dlt")}
    assert ours == {*case.schema.names, "x_promo_code", "x_badge"}
    if case.appends:  # one row per configured channel
        [(rows,)] = _query(tmp_path, f"select count(*) from {table}")
        assert rows == len(drill.env()["SOURCES__TROVO__CHANNEL_IDS"].split(",")) == 4
    else:  # every row exactly as a fault-free load has it
        rows = len(expected[table])
        assert rows > 0 and documented_rows() == expected[table]
    assert added_values() == [(5, '{"tier":"gold"}', rows)]

    # the added field changes type: its values of this load are discarded, nothing fails,
    # the column stays BIGINT
    run_with({"x_promo_code": "FIVE"})
    assert column_types() == types
    if case.appends:  # the first snapshot's rows keep theirs; the new ones have none
        assert added_values() == [(5, '{"tier":"gold"}', rows), (None, None, rows)]
    else:  # merged: the same rows, replaced, now without the added values
        assert added_values() == [(None, None, rows)]
        assert len(documented_rows()) == rows
    assert drill.stats()[case.provider]["faults_fired"] >= 2
    text = repr(_query(tmp_path, f"select * from {table}"))
    assert secret not in text
    assert_no_secret(drill, tokens, tmp_path)
