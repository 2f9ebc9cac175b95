"""Which fields of a record are stored as added columns (pipelines/drift.py)."""

from __future__ import annotations

import pyarrow as pa

from pipelines.drift import added_fields, with_added_fields


def test_added_fields_are_the_undocumented_ones_never_a_credential_nor_a_taken_column() -> None:
    record = {
        "id": "a",
        "thumbnail": "",  # documented, deliberately not stored
        "xPromoCode": 5,
        "accessToken": "t1",
        "stream_key": "k1",
        "pushKey": "k2",
        "client_secret": "s1",
        "signature": "s2",
        "rtmpUrl": "rtmp://x",
        "productCount": 9,  # dlt would name it product_count: the row's own column
        "keyword": "sale",  # not a key: stored
    }
    row = {"id": "a", "product_count": 1}
    got = added_fields(record, {"id", "thumbnail"}, row)
    assert got == {"xPromoCode": 5, "keyword": "sale"}


def test_an_added_field_of_mixed_types_in_one_batch_is_json_text() -> None:
    schema = pa.schema([("id", pa.string())])
    table = with_added_fields([{"id": "a", "x": 1}, {"id": "b", "x": "one"}, {"id": "c"}], schema)
    assert table.column("x").to_pylist() == ["1", '"one"', None]
    assert table.schema.names == ["id", "x"]
