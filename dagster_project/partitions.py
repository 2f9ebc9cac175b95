"""Daily UTC partitions shared by every historical asset (SPEC.md)."""

import os

from dagster import BackfillPolicy, DailyPartitionsDefinition

# Today's partition exists too (end_offset=1): a day in progress can be loaded and re-loaded.
daily = DailyPartitionsDefinition(
    start_date=os.environ.get("LSW_PARTITIONS_START", "2024-01-01"), timezone="UTC", end_offset=1
)
single_run = BackfillPolicy.single_run()
