"""Every provider's dlt sources for one window, as `lsw run` would load them, for the
benchmarks that load outside Dagster (the one-shot side of a comparison)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any


def window_sources(lo: datetime, hi: datetime) -> Iterator[tuple[str, int, Any]]:
    """(provider, n, source) for each provider's window source (n 0) and snapshot source
    (n 1, where it has one); after a provider's sources, fails if any recorded an error."""
    from pipelines.registry import SPECS
    from pipelines.report import RunReport

    for spec in SPECS.values():
        config = spec.read_config()
        report = RunReport(spec.name)
        sources = [spec.source(config, lo, hi, report)]
        if spec.snapshot is not None:
            sources.append(spec.snapshot(config, report))
        for n, source in enumerate(sources):
            yield spec.name, n, source
        assert not report.errors, report.errors
