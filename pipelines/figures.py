"""Records that arrive without a figure the marts depend on: kept, counted, never over a value.

A provider sometimes answers a record without one of its key figures (GMV, views). Loading
it like any other record would merge a NULL over the figure a previous run loaded for the
same session. Such records go to a side table ``<table>_incomplete`` instead: the marts use
them only for sessions the main table does not hold (models read ``RawTable.incomplete``),
and a later complete answer lands in the main table and wins.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

R = TypeVar("R", bound=Mapping[str, Any])

INCOMPLETE_SUFFIX = "_incomplete"


class FigureCheck:
    """Splits records into complete and incomplete ones, counting what was missing."""

    def __init__(self, key_figures: tuple[str, ...]) -> None:
        self.key_figures = key_figures
        self.missing: Counter[str] = Counter()
        self.records = 0
        self.incomplete = 0

    def split(self, rows: Iterable[R]) -> tuple[list[R], list[R]]:
        complete: list[R] = []
        incomplete: list[R] = []
        for row in rows:
            self.records += 1
            absent = [f for f in self.key_figures if row.get(f) is None]
            if absent:
                self.missing.update(absent)
                self.incomplete += 1
                incomplete.append(row)
            else:
                complete.append(row)
        return complete, incomplete

    def line(self, provider: str, what: str) -> str | None:
        """One line for the run's report, None when every record was complete."""
        if not self.incomplete:
            return None
        fields = ", ".join(f"{name} {count}" for name, count in sorted(self.missing.items()))
        return (
            f"{provider}: {self.incomplete} of {self.records} {what} answered without a key "
            f"figure ({fields}): loaded where new, never over a value loaded before"
        )

    def metadata(self) -> dict[str, int]:
        return {"incomplete_records": self.incomplete, **self.missing}
