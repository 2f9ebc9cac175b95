"""Resources: the warehouse (and the dlt pipelines that load into it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import dlt
from dagster import ConfigurableResource

from warehouse import paths


class Warehouse(ConfigurableResource):
    """The DuckDB warehouse file and the state directory beside it.

    Unset fields follow ``LSW_WAREHOUSE`` / ``LSW_STATE_DIR`` when used, not when the
    definitions are loaded, so `lsw --warehouse` and `dagster dev` agree on the same files.
    """

    path: str | None = None
    state_dir: str | None = None

    @property
    def file(self) -> Path:
        return paths.warehouse_path(self.path)

    @property
    def state(self) -> Path:
        return Path(self.state_dir) if self.state_dir else paths.state_dir(self.file)

    def pipeline(self, provider: str, run_id: str) -> dlt.Pipeline:
        """A dlt pipeline loading ``provider``'s raw tables into schema ``provider``.

        Its working directory belongs to this run (``dlt/<run_id>``), so two runs at once never
        share dlt's local files; dlt's state lives in the warehouse and is restored from there.
        """
        self.file.parent.mkdir(parents=True, exist_ok=True)
        pipelines_dir = self.working_dir(run_id)
        pipelines_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return dlt.pipeline(
            pipeline_name=f"lsw_{provider}",
            destination=dlt.destinations.duckdb(credentials=str(self.file)),
            dataset_name=provider,
            pipelines_dir=str(pipelines_dir),
        )

    def working_dir(self, run_id: str) -> Path:
        return self.state / "dlt" / run_id


def spec_pipeline(provider: str) -> dlt.Pipeline:
    """A pipeline that only names things for `@dlt_assets` at import time; runs use
    ``Warehouse.pipeline``. It lives in the temp dir so importing the definitions writes
    nothing beside the user's warehouse."""
    return dlt.pipeline(
        pipeline_name=f"lsw_{provider}",
        destination="duckdb",
        dataset_name=provider,
        pipelines_dir=str(Path(tempfile.gettempdir()) / "lsw-dlt-spec"),
    )
