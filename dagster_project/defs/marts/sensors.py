"""The sensor that evaluates the marts' automation condition: marts follow every load."""

from dagster import AssetSelection, AutomationConditionSensorDefinition, DefaultSensorStatus

from dagster_project.tags import MARTS, PROVIDER_TAG

MARTS_SENSOR = AutomationConditionSensorDefinition(
    "marts__follow_loads",
    target=AssetSelection.groups("marts"),
    default_status=DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    run_tags={PROVIDER_TAG: MARTS},
    description=(
        "Rebuilds a window's marts once a raw partition of it is newly loaded (by a schedule, "
        "the UI or lsw run) and nothing they read is still loading."
    ),
)
