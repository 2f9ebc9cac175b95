"""The definitions load, and the asset graph is what we mean it to be (a snapshot)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster import AssetKey, DailyPartitionsDefinition, Definitions

from dagster_project.definitions import defs
from models.catalog import MARTS, render_doc

ROOT = Path(__file__).resolve().parents[2]

DAILY = ("DailyPartitionsDefinition", "SINGLE_RUN")

# Each provider's assets: name -> partitioned (history) or not (point-in-time snapshots),
# and which of them the marts read.
PROVIDERS: dict[str, dict[str, bool]] = {
    "shopee": {"item_metrics": True, "items": True, "session_metrics": True, "sessions": True},
    "tiktok_shop": {"livestreams": True},
    "firework": {
        "livestream_status": False,
        "livestreams": True,
        "product_images": True,
        "product_units": True,
        "products": True,
    },
    "trovo": {
        "channel_snapshots": False,
        "followers": True,
        "subscribers": False,
        "top_channels": False,
        "viewers": False,
    },
    "lisa": {
        "channels": True,
        "show_products": True,
        "shows": True,
        "streams": True,
        "show_products_modified": False,
        "shows_modified": False,
        "streams_modified": False,
    },
}
MART_INPUTS = {
    "shopee": ["item_metrics", "items", "session_metrics", "sessions"],
    "tiktok_shop": ["livestreams"],
    "firework": ["livestreams", "product_units", "products"],
    "trovo": ["channel_snapshots", "followers"],
    "lisa": ["show_products", "shows", "streams"],
}

MART_KEYS = [
    f"marts/{name}"
    for name in (
        "dim_fx_rates",
        "fct_sessions",
        "gmv_daily",
        "engagement_daily",
        "product_performance",
        "followers_daily",
    )
]


def _expected() -> dict[str, tuple[object, ...]]:
    raw = [f"{p}/{t}" for p, tables in MART_INPUTS.items() for t in tables]
    expected: dict[str, tuple[object, ...]] = {
        f"{provider}/{name}": (provider, *(DAILY if daily else (None, None)), [])
        for provider, assets in PROVIDERS.items()
        for name, daily in assets.items()
    }
    expected |= {
        "marts/dim_fx_rates": ("marts", None, None, []),
        "marts/fct_sessions": ("marts", *DAILY, sorted([*raw, "marts/dim_fx_rates"])),
        "marts/gmv_daily": ("marts", *DAILY, ["marts/fct_sessions"]),
        "marts/engagement_daily": ("marts", *DAILY, ["marts/fct_sessions"]),
        "marts/product_performance": ("marts", *DAILY, sorted(raw)),
        "marts/followers_daily": ("marts", *DAILY, sorted(raw)),
        "marts/report": ("marts", None, None, sorted(MART_KEYS)),
    }
    live = ["shopee_comments", "shopee_session_metrics", "shopee_sessions"]
    expected |= {f"live/{t}": ("live", None, None, []) for t in [*live, "lisa_events"]}
    expected["marts/live_engagement"] = ("live", None, None, [f"live/{t}" for t in live])
    return expected


def test_asset_graph_snapshot() -> None:
    graph = defs.resolve_asset_graph()
    snapshot = {}
    for key in sorted(graph.get_all_asset_keys()):
        node = graph.get(key)
        partitions = node.partitions_def
        snapshot[key.to_user_string()] = (
            node.group_name,
            type(partitions).__name__ if partitions else None,
            node.backfill_policy.policy_type.value if node.backfill_policy else None,
            sorted(k.to_user_string() for k in node.parent_keys),
        )
    assert snapshot == _expected()


def test_partitions_are_daily_utc_and_include_today() -> None:
    node = defs.resolve_asset_graph().get(
        next(
            k for k in defs.resolve_asset_graph().get_all_asset_keys() if k.path[0] == "tiktok_shop"
        )
    )
    partitions = node.partitions_def
    assert isinstance(partitions, DailyPartitionsDefinition)
    assert partitions.timezone == "UTC" and partitions.end_offset == 1
    assert node.backfill_policy is not None
    assert node.backfill_policy.policy_type.value == "SINGLE_RUN"


def test_definitions_load_as_the_ui_loads_them() -> None:
    """`dagster definitions validate` builds every job and schedule, as the UI's code location
    does; building the asset graph alone missed a job named like an asset."""
    Definitions.validate_loadable(defs)
    result = subprocess.run(
        [sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "All code locations passed validation." in result.stdout + result.stderr


def test_jobs_schedules_and_sensors_are_named_apart_from_assets() -> None:
    schedules = sorted(s.name for s in defs.schedules or [])
    assert schedules == sorted(
        [f"{p}__daily" for p in PROVIDERS]
        + [f"{p}__snapshots" for p in ("firework", "trovo", "lisa")]
    )
    assert [s.name for s in defs.sensors or []] == ["marts__follow_loads", "live_landing"]
    for name in PROVIDERS:
        assert defs.resolve_job_def(f"{name}__daily_job").name == f"{name}__daily_job"


def test_every_asset_says_what_it_is_and_where_it_lives() -> None:
    graph = defs.resolve_asset_graph()
    tables: dict[str, list[str]] = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert node.description and len(node.description) > 30, key
        if key == AssetKey(["marts", "report"]):
            continue  # a file, not a table
        table = node.metadata["dagster/table_name"]
        assert table.count(".") == 1 and table.split(".")[0] == key.path[0], (key, table)
        tables.setdefault(table, []).append(key.to_user_string())
        assert node.kinds >= {"duckdb"}, key
    shared = {table: sorted(keys) for table, keys in tables.items() if len(keys) > 1}
    # LiSA's hourly refresh merges into the history's tables: the UI links exactly those
    assert shared == {
        "lisa.show_products": ["lisa/show_products", "lisa/show_products_modified"],
        "lisa.shows": ["lisa/shows", "lisa/shows_modified"],
        "lisa.streams": ["lisa/streams", "lisa/streams_modified"],
    }
    descriptions = [graph.get(k).description for k in graph.get_all_asset_keys()]
    assert len(set(descriptions)) == len(descriptions)


def test_marts_carry_their_documented_columns() -> None:
    graph = defs.resolve_asset_graph()
    for name, mart in MARTS.items():
        node = graph.get(AssetKey(["marts", name]))
        schema = node.metadata["dagster/column_schema"]
        assert [(c.name, c.description) for c in schema.columns] == list(mart.columns.items())
        assert [c.name for c in schema.columns] == list(mart.types)


def test_docs_marts_md_shows_the_catalogs_columns() -> None:
    doc = (ROOT / "docs" / "marts.md").read_text()
    assert render_doc(doc) == doc, "run `uv run python -m models.catalog` to update docs/marts.md"
    for name in MARTS:
        assert f"<!-- columns: {name} -->" in doc
