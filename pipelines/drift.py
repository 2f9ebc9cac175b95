"""Fields a provider added without telling anyone: kept as columns of their own.

A provider's documented fields have fixed types (the arrow schemas beside each source); a
field it starts sending that no reference names is not dropped but lands as a new column,
its type read from the values (dlt adds the column on load). If such a field later
changes type, the resource's schema contract (``ADDED_FIELDS_CONTRACT``) discards the values
that no longer fit rather than failing the load or mixing types in one column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import pyarrow as pa

# dlt's contract for a value whose type differs from its column's: discarded (NULL in that
# load), the column and the rest of the row kept. For arrow data dlt drops the column from
# the batch that disagrees. Documented columns never reach it: their types are fixed here.
ADDED_FIELDS_CONTRACT: Any = {"data_type": "discard_value"}


def with_added_fields(rows: Sequence[Mapping[str, Any]], schema: pa.Schema) -> pa.Table:
    """``rows`` as an arrow table of ``schema``, plus a column per undocumented field."""
    table = pa.Table.from_pylist(list(rows), schema=schema)
    known = set(schema.names)
    added = sorted({key for row in rows for key in row if key not in known})
    for name in added:
        values = [row.get(name) for row in rows]
        try:
            column = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in one batch: as JSON text
            column = pa.array([None if v is None else orjson.dumps(v).decode() for v in values])
        if not pa.types.is_null(column.type):
            table = table.append_column(name, column)
    return table
