"""Fields a provider added without telling anyone: kept as columns of their own.

A provider's documented fields have fixed types (the arrow schemas beside each source); a
field it starts sending that no reference names is not dropped but lands as a new column,
its type read from the values (dlt adds the column on load). If such a field later
changes type, the resource's schema contract (``ADDED_FIELDS_CONTRACT``) discards the values
that no longer fit rather than failing the load or mixing types in one column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
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


# Never a column, whatever a provider starts sending: credentials, tokens, stream and push
# keys, signatures. A field added under such a name is dropped, not stored.
_SECRET = re.compile(
    r"token|secret|password|passwd|credential|signature|^sign$|"
    r"(stream|push|api|private|client|partner|ingest)_?key|rtmp",
    re.IGNORECASE,
)


def added_fields(
    record: Mapping[str, Any], known: Iterable[str], taken: Iterable[str] = ()
) -> dict[str, Any]:
    """The fields of ``record`` that no reference names, to store as columns of their own.

    ``known`` is every field the provider documents for the record, stored or deliberately
    left out (a token the answer carries among them); ``taken`` the row's own column names,
    which an added field never overwrites (nor one dlt would name the same).
    """
    skip = set(known)
    columns = {_snake(name) for name in taken}
    return {
        name: value
        for name, value in record.items()
        if name not in skip and not _SECRET.search(name) and _snake(name) not in columns
    }


def drop_secret_fields(record: dict[str, Any], known: Iterable[str]) -> dict[str, Any]:
    """``record`` without the undocumented fields named like a credential (in place): for a
    source whose model keeps every added field (TikTok Shop's ``extra="allow"``)."""
    skip = set(known)
    for name in [n for n in record if n not in skip and _SECRET.search(n)]:
        del record[name]
    return record


def _snake(name: str) -> str:
    """About how dlt names a column after a field (``xPromoCode`` -> ``x_promo_code``)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()
