"""Resources: the warehouse (and the dlt pipelines that load into it)."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dlt
from dagster import ConfigurableResource

from dagster_project.dlt_load import working_pipeline
from warehouse import paths
from warehouse.store import Store, open_store


class Warehouse(ConfigurableResource):
    """The warehouse (the DuckDB file, or the dlt destination ``LSW_DESTINATION`` names) and
    the state directory.

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
        """A dlt pipeline loading ``provider``'s raw tables into schema (dataset) ``provider``
        of the configured destination.

        Its working directory belongs to this run (``dlt/<run_id>``), so two runs at once never
        share dlt's local files; dlt's state lives in the warehouse and is restored from there.
        """
        return working_pipeline(self.file, self.working_dir(run_id), provider)

    def working_dir(self, run_id: str) -> Path:
        return self.state / "dlt" / run_id

    @contextmanager
    def store(self, run_id: str) -> Iterator[Store]:
        """Where the marts read and write (warehouse/store.py); on a destination other than
        DuckDB they load through a pipeline whose working folder is the run's."""
        try:
            with open_store(self.file, lambda name: self.pipeline(name, run_id)) as store:
                yield store
        finally:
            shutil.rmtree(self.working_dir(run_id) / "lsw_marts", ignore_errors=True)


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


def remove_working_dir(run_config: Mapping[str, Any], run_id: str) -> None:
    """Remove the run's dlt folder once every step of the run has ended (the executor's last
    act), with the warehouse resource configured as the run configured it."""
    config = run_config.get("resources", {}).get("warehouse", {}).get("config", {})
    shutil.rmtree(Warehouse(**config).working_dir(run_id), ignore_errors=True)
