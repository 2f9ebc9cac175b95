"""Dagster definitions: assets, partitions, schedules, sensors, checks, resources."""

import lsw  # noqa: F401  (sets the offline defaults before dlt is imported)
