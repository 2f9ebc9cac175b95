"""Resources: the warehouse (and the dlt pipelines that load into it)."""

from __future__ import annotations

from pathlib import Path

import dlt
from dagster import ConfigurableResource

from lsw import paths


class Warehouse(ConfigurableResource):
    """The DuckDB warehouse file and the state directory beside it.

    Defaults follow ``LSW_WAREHOUSE`` / ``LSW_STATE_DIR`` at definition load, the same
    settings `lsw` uses.
    """

    path: str
    state_dir: str

    @classmethod
    def from_env(cls) -> Warehouse:
        warehouse = paths.warehouse_path()
        return cls(path=str(warehouse), state_dir=str(paths.state_dir(warehouse)))

    @property
    def file(self) -> Path:
        return Path(self.path)

    def pipeline(self, provider: str) -> dlt.Pipeline:
        """A dlt pipeline loading ``provider``'s raw tables into schema ``provider``."""
        self.file.parent.mkdir(parents=True, exist_ok=True)
        pipelines_dir = Path(self.state_dir) / "dlt"
        pipelines_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return dlt.pipeline(
            pipeline_name=f"lsw_{provider}",
            destination=dlt.destinations.duckdb(credentials=str(self.file)),
            dataset_name=provider,
            pipelines_dir=str(pipelines_dir),
        )
