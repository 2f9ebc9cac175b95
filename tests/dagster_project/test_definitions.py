"""The definitions load, and the asset graph is what we mean it to be (a snapshot)."""

from __future__ import annotations

from dagster import DailyPartitionsDefinition

from dagster_project.definitions import defs

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
