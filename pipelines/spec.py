"""What a provider package tells the rest of the product about itself: one ``ProviderSpec``.

The CLI, the Dagster assets and the marts iterate the registry of specs; none of them knows a
provider by name. Adding a provider is its package (with its spec), its staging module, its
sandbox service and one line in ``pipelines/registry.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Literal, TypeVar

import dlt
import polars as pl
from dlt.common.schema import Schema
from dlt.sources import DltSource

from models.staging.staged import Staged
from pipelines.config import ProviderConfig, read_config
from pipelines.report import RunReport

C = TypeVar("C", bound=ProviderConfig)

TimeUnit = Literal["s", "ms", "timestamp"]
# A query, and its parameters, of the rows of ``table`` (its qualified name) that the window
# [start, end) needs.
Scope = Callable[[str, datetime, datetime], tuple[str, list[object]]]


@dataclass(frozen=True)
class Parent:
    """A child table's rows belong to a window through the parent rows they point at:
    those whose ``column`` is the ``parent_column`` of one of the window's rows of ``table``."""

    column: str
    table: str
    parent_column: str


@dataclass(frozen=True)
class RawTable:
    """A raw table the marts read, and what places its rows in a window of daily partitions.

    ``time_column`` places a row by its own time. A table with none (a child of another
    table, or point-in-time snapshots) says which of its rows a window needs through its
    ``parent``'s rows of the window or a ``scope`` query; with neither, it is read whole,
    so a one-day rebuild would read all of history (dagster_project/defs/marts/inputs.py).
    ``incomplete`` says records short of a key figure are kept aside (pipelines/figures.py);
    the marts read them for the ``key``s the table itself does not hold.
    """

    name: str
    time_column: str | None = None
    unit: TimeUnit = "s"
    key: tuple[str, ...] = ()
    incomplete: bool = False  # records short of a key figure wait in <name>_incomplete
    parent: Parent | None = None
    scope: Scope | None = None

    def day_sql(self) -> str:
        """SQL for the UTC day of a row (the table must have a time column)."""
        column = f'"{self.time_column}"'
        if self.unit == "timestamp":
            return f"cast(timezone('UTC', {column}) as date)"
        per_day = 86_400_000 if self.unit == "ms" else 86_400
        return f"date '1970-01-01' + cast(floor({column} / {per_day}) as integer)"

    def window(self, start: datetime, end: datetime) -> tuple[str, list[object]]:
        """SQL predicate and parameters selecting the rows of [start, end)."""
        if self.time_column is None:
            return "true", []
        column = f'"{self.time_column}"'
        if self.unit == "timestamp":
            return f"{column} >= ? and {column} < ?", [start, end]
        scale = 1000 if self.unit == "ms" else 1
        return f"{column} >= ? and {column} < ?", [
            int(start.timestamp()) * scale,
            int(end.timestamp()) * scale,
        ]


HistoricalSource = Callable[[C, datetime, datetime, RunReport], DltSource]
SnapshotSource = Callable[[C, RunReport], DltSource]


@dataclass(frozen=True)
class ProviderSpec(Generic[C]):
    """One provider, as the rest of the product plugs it in.

    Attributes:
        name: provider name as in docs/contract.md; also its dlt schema and Dagster group.
        config: its configspec (keys, types, secrets, defaults).
        source: the historical dlt source for a window [start, end) of daily partitions.
        resources: the source's resource names (its partitioned Dagster assets).
        check: one cheap call proving the credentials work; returns a short "ok (...)" text
            and raises ProviderError otherwise.
        raw_tables: the tables its staging model reads, with their partition column.
        stage: ``models/staging/<provider>.py``'s entry point: raw tables -> Staged.
        snapshot: the point-in-time source (unpartitioned assets, rows stamped observed_at).
        snapshot_resources: that source's resource names.
        snapshot_cron: how often the snapshot runs on a schedule by default (cron, UTC);
            users override it with the key ``snapshot_cron`` of the provider's section.
        about: what each resource's table holds, one or two sentences (the Dagster UI's
            description of the asset); every resource has one.
        writes: resources whose rows land in a table of another name (``table_name=``).
    """

    name: str
    config: type[C]
    source: HistoricalSource[C]
    resources: tuple[str, ...]
    check: Callable[[C], str]
    raw_tables: tuple[RawTable, ...]
    stage: Callable[[Mapping[str, pl.LazyFrame]], Staged]
    snapshot: SnapshotSource[C] | None = None
    snapshot_resources: tuple[str, ...] = ()
    snapshot_cron: str = "*/5 * * * *"
    about: Mapping[str, str] = field(default_factory=dict)
    writes: Mapping[str, str] = field(default_factory=dict)

    def table(self, resource: str) -> str:
        """The warehouse table ``resource`` loads into (in schema ``name``)."""
        return self.writes.get(resource, resource)

    def read_config(self) -> C | None:
        """The provider's configuration; None when unconfigured; ConfigError when malformed."""
        return read_config(self.config)


def naming_source(provider: str, resources: tuple[str, ...]) -> DltSource:
    """A source with the provider's resource names and no data, for naming assets at import.

    The Dagster definitions need a dlt source to name their assets when they are loaded, before
    any configuration is read; runs use the real source built from the real configuration.
    """
    return DltSource(
        Schema(provider),
        provider,
        [dlt.resource([], name=name, max_table_nesting=0) for name in resources],
    )
