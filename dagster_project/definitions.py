"""Gathers the definitions; the logic lives in defs/."""

from dagster import Definitions

from dagster_project.defs.live.assets import RAW_LIVE, live_engagement_mart
from dagster_project.defs.live.sensor import live_landing
from dagster_project.defs.marts.assets import dim_fx_rates, window_marts
from dagster_project.defs.marts.sensors import MARTS_SENSOR
from dagster_project.defs.providers.assets import PROVIDER_ASSETS
from dagster_project.defs.providers.schedules import SCHEDULES
from dagster_project.defs.report import assets as report_assets
from dagster_project.resources import Warehouse
from dagster_project.threaded import threaded_executor
from pipelines.redaction import install_log_redaction

install_log_redaction()

defs = Definitions(
    assets=[
        *PROVIDER_ASSETS,
        dim_fx_rates,
        window_marts,
        report_assets.report,
        *RAW_LIVE,
        live_engagement_mart,
    ],
    schedules=SCHEDULES,
    sensors=[MARTS_SENSOR, live_landing],
    resources={"warehouse": Warehouse()},
    # every run (the UI's, the schedules', the sensors') steps in threads of its process, as
    # `lsw run`'s do: Dagster's default starts a process per step (docs/benchmarks.md)
    executor=threaded_executor,
)
