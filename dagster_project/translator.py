"""Asset naming and description for dlt resources: ``<provider>/<table>``, grouped by provider.

The UI shows what each raw table holds (the provider spec's ``about``), where it is
(``dagster/table_name`` as ``<schema>.<table>``, so two providers' ``livestreams`` are never
linked) and the tools behind it.
"""

from __future__ import annotations

from typing import Any

from dagster import AssetKey, AssetSpec
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData

from pipelines.spec import ProviderSpec


class LswTranslator(DagsterDltTranslator):
    def __init__(self, spec: ProviderSpec[Any]) -> None:
        self.spec = spec

    def get_asset_spec(self, data: DltResourceTranslatorData) -> AssetSpec:
        spec = super().get_asset_spec(data)
        name = data.resource.name
        return spec.replace_attributes(
            key=AssetKey([self.spec.name, name]),
            group_name=self.spec.name,
            deps=[],
            description=self.spec.about[name],
            kinds={"dlt", "duckdb"},
            metadata={
                **spec.metadata,
                "dagster/table_name": f"{self.spec.name}.{self.spec.table(name)}",
            },
        )
