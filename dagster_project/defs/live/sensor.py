"""``live_landing``: drains the landing store into the live tables, then asks for the runs
that make the marts current.

Each tick loads what arrived since its cursor (the landing store's ``seq``) and records the
live tables as materialised. It then requests: for LiSA, a refresh of the days of the shows
the events touched (the LiSA source re-reads those shows, the marts rebuild those days); for
Shopee, the day of each session that ended (its final figures), and ``live_engagement``
whenever comments or metric snapshots arrived. The cursor moves only after the load, so a
tick that dies loads the same records again, which the load's record-id merge ignores.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import closing
from datetime import date

from dagster import (
    AssetKey,
    AssetMaterialization,
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from dagster_project.defs.live.assets import LIVE_ENGAGEMENT_KEY
from dagster_project.defs.live.drain import drain
from dagster_project.defs.live.tables import TABLES
from dagster_project.defs.marts.assets import (
    ENGAGEMENT_KEY,
    FCT_KEY,
    FOLLOWERS_KEY,
    FX_KEY,
    GMV_KEY,
    PRODUCTS_KEY,
)
from dagster_project.resources import Warehouse
from dagster_project.tags import provider_tag
from live.store import default_path, existing_store
from pipelines.registry import SPECS
from warehouse.calendar import first_day, today

BATCH = 50_000  # records per tick: a tick stays well inside Dagster's sensor timeout
MART_KEYS = [FX_KEY, FCT_KEY, GMV_KEY, ENGAGEMENT_KEY, PRODUCTS_KEY, FOLLOWERS_KEY]


def history_keys(provider: str) -> list[AssetKey]:
    return [AssetKey([provider, name]) for name in SPECS[provider].resources]


def refresh(provider: str, days: Iterable[date], run_key: str) -> RunRequest | None:
    """One run loading ``provider``'s days (as a partition range) and rebuilding their marts."""
    inside = sorted(d for d in days if first_day() <= d <= today())
    if not inside:
        return None
    return RunRequest(
        run_key=run_key,
        asset_selection=[*history_keys(provider), *MART_KEYS],
        tags={
            "dagster/asset_partition_range_start": inside[0].isoformat(),
            "dagster/asset_partition_range_end": inside[-1].isoformat(),
            "lsw/command": f"live refresh {provider}",
            **provider_tag([provider]),
        },
    )


@sensor(
    name="live_landing",
    minimum_interval_seconds=30,
    target=AssetSelection.all(),
    default_status=DefaultSensorStatus.RUNNING,
    description="Drains the live landing store into the live tables; refreshes stale marts.",
)
def live_landing(
    context: SensorEvaluationContext, warehouse: Warehouse
) -> SensorResult | SkipReason:
    store = existing_store()
    if store is None:
        return SkipReason(
            f"no landing store at {default_path()}: `lsw live` and `lsw webhooks serve` fill it"
        )
    after = int(context.cursor or 0)
    with closing(store):
        records = store.read(after, BATCH)
    if not records:
        return SkipReason(f"nothing new after record {after}")
    told: list[str] = []

    def waiting() -> None:
        if not told:
            told.append("waiting")
            context.log.info("live: waiting for the warehouse (held by another process)")

    drained = drain(warehouse, records, waiting)
    seq = drained.last_seq
    requests = [
        r
        for r in (
            refresh("lisa", drained.lisa_days, f"lisa-{seq}"),
            refresh("shopee", drained.shopee_days, f"shopee-{seq}"),
        )
        if r is not None
    ]
    if drained.shopee_live:
        requests.append(
            RunRequest(
                run_key=f"live-engagement-{seq}",
                asset_selection=[LIVE_ENGAGEMENT_KEY],
                tags=provider_tag([]),
            )
        )
    context.log.info(
        f"live: loaded {sum(drained.rows.values())} records up to {seq}: {drained.rows}"
    )
    by_name = {t.name: t.key for t in TABLES}
    return SensorResult(
        run_requests=requests,
        cursor=str(seq),
        asset_events=[
            AssetMaterialization(
                asset_key=by_name[name], metadata={"rows_loaded": n, "up_to_record": seq}
            )
            for name, n in drained.rows.items()
        ],
    )
