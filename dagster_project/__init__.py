"""Dagster definitions: assets, partitions, schedules, sensors, checks, resources."""

import os

# A single-run backfill otherwise writes one "planned" event per partition per asset before
# its first step starts: with Dagster's default SQLite storage, minutes for a few years of
# days. One event per asset (Dagster's documented switch) lets a long range start at once;
# partitions of a failed run then show as missing rather than failed.
os.environ.setdefault("DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS", "true")
