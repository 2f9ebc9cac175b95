"""TikTok Shop (KeyAPI) livestreams, one daily partition per UTC start date."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from dagster import AssetExecutionContext
from dagster_dlt import DagsterDltResource, dlt_assets

from dagster_project.defs.dlt_run import run_provider
from dagster_project.partitions import daily, single_run
from dagster_project.resources import Warehouse, spec_pipeline
from dagster_project.translator import LswTranslator
from pipelines.tiktok_shop import tiktok_shop_source
from pipelines.tiktok_shop.settings import PROVIDER, TikTokShopConfig

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dlt_assets(
    dlt_source=tiktok_shop_source(None, _EPOCH, _EPOCH),
    dlt_pipeline=spec_pipeline(PROVIDER),
    name=PROVIDER,
    dagster_dlt_translator=LswTranslator(),
    partitions_def=daily,
    backfill_policy=single_run,
)
def tiktok_shop_assets(
    context: AssetExecutionContext, dlt: DagsterDltResource, warehouse: Warehouse
) -> Iterator[Any]:
    yield from run_provider(
        context, dlt, warehouse, PROVIDER, TikTokShopConfig.from_dlt(), tiktok_shop_source
    )
