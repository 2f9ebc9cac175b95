"""Sessions that changed day: their old day's rows go when the new day is rebuilt.

A session is dated by its start, and a provider may tell a later start than it first did
(Shopee dates a session that has not started by its creation; a rescheduled show moves). The
rebuild of the new day then holds the session, and the old day, which no schedule may rebuild
again (it is past the look-back), would keep it too: the session twice in ``fct_sessions``,
and its figures counted on both days in ``gmv_daily`` and ``engagement_daily``. So a rebuild
finds the window's sessions that the marts still hold on another day, removes them there,
and re-aggregates those days from the sessions they keep.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from models.frames import collect
from models.marts.engagement import engagement_daily
from models.marts.gmv import gmv_daily
from warehouse.store import Store

KEY = ["provider", "session_id"]
FOUND = {"provider": pl.String, "session_id": pl.String, "session_date": pl.Date}


def left_behind(
    store: Store, sessions: pl.DataFrame, first_day: date, end_day: date
) -> tuple[list[date], pl.DataFrame]:
    """The days outside [first_day, end_day) where the marts hold one of ``sessions``, and
    those rows' keys (provider, session_id); both empty when no session moved."""
    found = pl.DataFrame(schema=FOUND)
    if store.table_exists("marts", "fct_sessions"):
        ids = sessions.get_column("session_id").unique()
        rows = store.read_keyed(
            "select provider, session_id, session_date from marts.fct_sessions "
            "where (session_date < ? or session_date >= ?)",
            [first_day, end_day],
            "session_id",
            ids,
        )
        if rows.height:  # an empty answer may come untyped (PostgreSQL through dlt)
            found = rows.cast(FOUND)  # type: ignore[arg-type]
    old = found.join(sessions.select(KEY).unique(), on=KEY, how="semi")
    days = sorted(set(old.get_column("session_date").to_list())) if old.height else []
    return days, old.select(KEY)


def reaggregate(store: Store, days: list[date]) -> None:
    """Rebuild the day-level marts of ``days`` from the sessions ``fct_sessions`` holds."""
    if not days:
        return
    marks = ", ".join("?" for _ in days)
    where = f"session_date in ({marks})"
    kept = store.frame(
        f"select * from marts.fct_sessions where {where}", days, like=("marts", "fct_sessions")
    )
    gmv, engagement = collect(gmv_daily(kept), engagement_daily(kept))
    store.replace_rows("marts.gmv_daily", gmv, where, days)
    store.replace_rows("marts.engagement_daily", engagement, where, days)
