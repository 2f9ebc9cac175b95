"""What one provider run did, for the caller to act on after dlt has loaded what it got.

A source never lets a provider error escape mid-extract: dlt would then load nothing. It
records the error here and ends cleanly, so every row fetched before the failure is loaded,
and the caller (the Dagster asset, the CLI) reports the failure afterwards. It also records
which accounts' days were not fully read (a budget or an error stopped them), so those
partitions are not recorded as materialised.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from pipelines.errors import ProviderError


@dataclass
class RunReport:
    provider: str
    errors: list[ProviderError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    requests: int = 0
    rows: int = 0
    pages: int = 0
    incomplete: dict[str, set[date]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def fail(self, error: ProviderError) -> None:
        with self._lock:
            if all(str(e) != str(error) for e in self.errors):
                self.errors.append(error)

    def warn(self, message: str) -> None:
        with self._lock:
            if message not in self.warnings:
                self.warnings.append(message)

    def add(self, *, rows: int = 0, pages: int = 0, requests: int = 0) -> None:
        with self._lock:
            self.rows += rows
            self.pages += pages
            self.requests += requests

    def mark_incomplete(self, account: str, days: Iterable[date]) -> None:
        """``account``'s rows of ``days`` were not all read: those days are partial."""
        with self._lock:
            self.incomplete.setdefault(account, set()).update(days)

    def incomplete_days(self) -> set[date]:
        with self._lock:
            return set().union(*self.incomplete.values()) if self.incomplete else set()

    @property
    def failed(self) -> bool:
        return bool(self.errors) or bool(self.incomplete)

    def summary(self) -> str:
        status = "; ".join(str(e) for e in self.errors) if self.errors else "ok"
        counts = f"{self.rows} rows, {self.pages} pages, {self.requests} requests"
        return f"{self.provider}: {counts}: {status}"
