"""Daily UTC partitions shared by every historical asset (docs/contract.md)."""

from dagster import BackfillPolicy, DailyPartitionsDefinition

from warehouse.calendar import first_day

# Today's partition exists too (end_offset=1): a day in progress can be loaded and re-loaded.
daily = DailyPartitionsDefinition(start_date=first_day().isoformat(), timezone="UTC", end_offset=1)
single_run = BackfillPolicy.single_run()
