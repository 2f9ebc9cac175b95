"""The definitions load, and the asset graph is what we mean it to be (a snapshot)."""

from __future__ import annotations

from dagster import DailyPartitionsDefinition

from dagster_project.definitions import defs


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
    assert snapshot == {
        "marts/dim_fx_rates": ("marts", None, None, []),
        "marts/fct_sessions": (
            "marts",
            "DailyPartitionsDefinition",
            "SINGLE_RUN",
            [
                "marts/dim_fx_rates",
                "tiktok_shop/livestreams",
                "trovo/channel_snapshots",
                "trovo/followers",
            ],
        ),
        "marts/gmv_daily": (
            "marts",
            "DailyPartitionsDefinition",
            "SINGLE_RUN",
            ["marts/fct_sessions"],
        ),
        "marts/engagement_daily": (
            "marts",
            "DailyPartitionsDefinition",
            "SINGLE_RUN",
            ["marts/fct_sessions"],
        ),
        "marts/product_performance": (
            "marts",
            "DailyPartitionsDefinition",
            "SINGLE_RUN",
            ["tiktok_shop/livestreams", "trovo/channel_snapshots", "trovo/followers"],
        ),
        "marts/followers_daily": (
            "marts",
            "DailyPartitionsDefinition",
            "SINGLE_RUN",
            ["tiktok_shop/livestreams", "trovo/channel_snapshots", "trovo/followers"],
        ),
        "tiktok_shop/livestreams": ("tiktok_shop", "DailyPartitionsDefinition", "SINGLE_RUN", []),
        "trovo/channel_snapshots": ("trovo", None, None, []),
        "trovo/followers": ("trovo", "DailyPartitionsDefinition", "SINGLE_RUN", []),
        "trovo/subscribers": ("trovo", None, None, []),
        "trovo/top_channels": ("trovo", None, None, []),
        "trovo/viewers": ("trovo", None, None, []),
    }


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
