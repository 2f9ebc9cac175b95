"""The HTML report: drawn from the marts after they are rebuilt, linked from the asset."""

from dagster import (
    AssetExecutionContext,
    AssetKey,
    AutomationCondition,
    MaterializeResult,
    MetadataValue,
    asset,
)

from dagster_project.defs.marts.assets import (
    ENGAGEMENT_KEY,
    FCT_KEY,
    FOLLOWERS_KEY,
    FX_KEY,
    GMV_KEY,
    PRODUCTS_KEY,
)
from dagster_project.resources import Warehouse
from warehouse.publish import publish

REPORT_KEY = AssetKey(["marts", "report"])


@asset(
    key=REPORT_KEY,
    group_name="marts",
    deps=[FCT_KEY, GMV_KEY, ENGAGEMENT_KEY, PRODUCTS_KEY, FOLLOWERS_KEY, FX_KEY],
    kinds={"html", "plotly"},
    automation_condition=(
        (
            AutomationCondition.newly_missing() | AutomationCondition.any_deps_updated()
        ).since_last_handled()
        & ~AutomationCondition.any_deps_in_progress()
        & ~AutomationCondition.in_progress()
    ).with_label("after the marts"),
)
def report(context: AssetExecutionContext, warehouse: Warehouse) -> MaterializeResult:
    """The offline HTML report (report.html beside the warehouse) of the last 30 days of
    sessions. The read-only copy is published first, so the report, like BI tools, reads the
    marts just built and a scheduled run leaves both up to date."""
    from report import write_report  # plotly only when a report is drawn

    publish(warehouse.file)
    path = write_report(warehouse.file)
    context.log.info(f"report written to {path}")
    return MaterializeResult(
        metadata={
            "path": MetadataValue.path(str(path)),
            "url": MetadataValue.url(path.as_uri()),
            "bytes": path.stat().st_size,
        }
    )
