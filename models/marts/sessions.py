"""``marts.fct_sessions``: one row per livestream session of any provider."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from models.money import cents
from models.schema import FCT_SESSIONS, STAGED_SESSIONS, conform

INTERACTIONS = ("likes", "comments", "shares")


def engagement_rate() -> pl.Expr:
    """(likes + comments + shares) / views, NULLs counting as 0 in the sum.

    NULL when views is NULL or 0, and when the provider reports none of the three (a rate of
    0 there would claim an audience that never engaged, which nobody measured).
    """
    reported = pl.any_horizontal([pl.col(c).is_not_null() for c in INTERACTIONS])
    total = pl.sum_horizontal([pl.col(c).fill_null(0) for c in INTERACTIONS])
    return pl.when(reported & (pl.col("views") > 0)).then(total / pl.col("views")).otherwise(None)


def fct_sessions(staged: Sequence[pl.LazyFrame], fx_rates: pl.LazyFrame) -> pl.LazyFrame:
    """Stack every provider's staged sessions, convert GMV to USD, derive engagement.

    gmv_usd is rounded to the cent per session, so daily sums equal the sum of sessions.
    """
    frames = [conform(frame, STAGED_SESSIONS) for frame in staged]
    if not frames:
        return pl.LazyFrame(schema=FCT_SESSIONS)
    # the latest staging of a session wins; dedupe before the join, which does not keep order
    sessions = pl.concat(frames, how="vertical").unique(
        ["provider", "account_id", "session_id"], keep="last"
    )
    return conform(
        sessions.join(fx_rates, on="currency", how="left")
        .with_columns(
            gmv_usd=cents(pl.col("gmv"), pl.col("usd_per_unit")),
            engagement_rate=engagement_rate(),
        )
        .sort(["session_date", "provider", "account_id", "started_at", "session_id"]),
        FCT_SESSIONS,
    )
