"""The de-duplication helpers the marts share give what Polars' own ``unique`` gives."""

from __future__ import annotations

import polars as pl
from polars.testing import assert_frame_equal

from models.frames import latest_sorted, run_starts

ROWS = pl.DataFrame(
    {
        "provider": ["a", "a", "a", "b", "b", None, None, "a"],
        "session_id": ["1", "1", "2", "1", "1", "9", "9", None],
        "n": [1, 2, 3, 4, 5, 6, 7, 8],
    }
)
KEY = ["provider", "session_id"]


def test_latest_sorted_keeps_each_keys_last_row_in_key_order() -> None:
    expected = ROWS.unique(KEY, keep="last").sort(KEY, nulls_last=True)
    assert_frame_equal(latest_sorted(ROWS.lazy(), KEY).collect(), expected)
    assert latest_sorted(ROWS.lazy(), KEY).collect().get_column("n").to_list() == [2, 3, 8, 5, 7]


def test_run_starts_of_sorted_rows_are_their_distinct_keys() -> None:
    ordered = ROWS.sort(KEY, nulls_last=True)
    expected = ordered.select(KEY).unique(maintain_order=True)
    assert_frame_equal(run_starts(ordered, KEY), expected)
    assert run_starts(ordered, KEY).height == 5
    assert run_starts(ordered.head(0), KEY).height == 0
