"""The mart transforms on hand-built frames: no DuckDB, no Dagster."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from models.fx import load_rates, merge_rates, read_rates
from models.marts.gmv import gmv_daily
from models.marts.sessions import fct_sessions
from models.schema import FCT_SESSIONS, GMV_DAILY, STAGED_SESSIONS

FX = pl.LazyFrame({"currency": ["USD", "THB"], "usd_per_unit": [1.0, 0.029]})


def _staged(**overrides: object) -> pl.LazyFrame:
    row: dict[str, object] = {name: None for name in STAGED_SESSIONS}
    row.update(
        provider="p",
        account_id="a",
        session_id="s1",
        status="ended",
        started_at=datetime(2026, 1, 1, 10),
        session_date=date(2026, 1, 1),
        duration_s=3600,
        views=1000,
        currency="THB",
        gmv=100.0,
    )
    row.update(overrides)
    return pl.LazyFrame([row], schema=STAGED_SESSIONS)


def test_engagement_counts_nulls_as_zero_but_is_null_when_nothing_is_reported() -> None:
    frame = fct_sessions(
        [
            _staged(session_id="a", likes=30, comments=None, shares=20),
            _staged(session_id="b"),  # no interaction reported at all
            _staged(session_id="c", likes=5, views=0),
        ],
        FX,
    ).collect()
    assert frame.columns == list(FCT_SESSIONS)
    assert dict(zip(frame["session_id"], frame["engagement_rate"], strict=True)) == {
        "a": 0.05,
        "b": None,
        "c": None,
    }


def test_gmv_usd_is_rounded_per_session_and_unknown_currency_is_null() -> None:
    frame = fct_sessions(
        [
            _staged(session_id="a", gmv=333.33),  # 9.66657 USD
            _staged(session_id="b", currency="XXX"),
        ],
        FX,
    ).collect()
    assert frame["gmv_usd"].to_list() == [9.67, None]


def test_restaging_the_same_session_keeps_one_row() -> None:
    frame = fct_sessions([_staged(gmv=1.0), _staged(gmv=2.0)], FX).collect()
    assert frame.height == 1 and frame["gmv"].to_list() == [2.0]


def test_gmv_daily_sums_to_the_cent_and_keeps_unreported_figures_null() -> None:
    sessions = fct_sessions(
        [
            _staged(session_id="a", gmv=0.1, items_sold=1, duration_s=1800, views=100),
            _staged(session_id="b", gmv=0.2, items_sold=2, duration_s=1800, views=0),
            _staged(session_id="c", gmv=None, items_sold=5),  # no GMV: not in gmv_daily
        ],
        pl.LazyFrame({"currency": ["THB"], "usd_per_unit": [10.0]}),
    )
    daily = gmv_daily(sessions).collect()
    assert daily.columns == list(GMV_DAILY)
    assert daily.to_dicts() == [
        {
            "session_date": date(2026, 1, 1),
            "provider": "p",
            "account_id": "a",
            "currency": "THB",
            "sessions": 2,
            "live_hours": 1.0,
            "orders": None,
            "items_sold": 3,
            "gmv": 0.3,
            "gmv_usd": 3.0,
            "gpm_usd": 10.0,
            "gmv_usd_per_live_hour": 3.0,
        }
    ]


def test_fx_override_wins_for_its_currencies(tmp_path: Path) -> None:
    override = tmp_path / "fx.csv"
    override.write_text("currency,usd_per_unit\nthb,0.03\nXYZ,2\n")
    merged = merge_rates(read_rates(Path("models/data/fx_rates.csv")), read_rates(override))
    rates = dict(zip(merged["currency"], merged["usd_per_unit"], strict=True))
    assert rates["THB"] == 0.03 and rates["XYZ"] == 2.0 and rates["USD"] == 1.0
    assert load_rates(str(override)).height == merged.height


def test_bad_fx_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "fx.csv"
    bad.write_text("currency,usd_per_unit\nTHB,0\n")
    with pytest.raises(ValueError, match="usd_per_unit must be positive"):
        read_rates(bad)


def test_money_is_rounded_half_away_from_zero_on_the_exact_product() -> None:
    """20835 * 0.031 is 645.885: by hand (and in DuckDB) that is 645.89, not the 645.88 that
    rounding the float neighbour 645.88499... gives."""
    from models.money import cents

    frame = pl.DataFrame(
        {
            "amount": [20835.0, 0.125, -1.005, 1859.42, 66.0, None],
            "factor": [0.031, 1.0, 1.0, 1.27, 28.17, 1.0],
        }
    )
    out = frame.select(cents(pl.col("amount"), pl.col("factor"))).to_series().to_list()
    assert out == [645.89, 0.13, -1.01, 2361.46, 1859.22, None]
