"""The printed summary of what the warehouse holds, for `lsw demo` and `lsw run`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from warehouse.store import open_store

MIN_WIDTH = {"sessions": 8, "gmv": 18, "gmv_usd": 12}


def _money(amount: float | None, currency: str | None = None) -> str:
    if amount is None:
        return "-"
    return f"{amount:,.2f} {currency}" if currency else f"{amount:,.2f}"


def _new_table(title: str, *columns: str) -> Table:
    table = Table(title=title, title_justify="left")
    for name in columns:
        right = name in ("sessions", "gmv", "gmv_usd")
        table.add_column(
            name,
            justify="right" if right else "left",
            no_wrap=True,
            overflow="ellipsis",
            max_width=None if right else 28,
        )
    return table


def print_summary(console: Console, warehouse: Path, start: date, end: date, top: int = 5) -> None:
    """Sessions and GMV by provider, by account and day, and the top sessions by USD GMV."""
    with open_store(warehouse, read_only=True) as store:
        if not store.table_exists("marts", "fct_sessions"):
            console.print("No sessions in the warehouse yet.")
            return
        window = [start, end]
        by_provider = store.run(
            """select provider, count(*), sum(gmv_usd) from marts.fct_sessions
               where session_date between ? and ? group by provider order by provider""",
            window,
        )
        by_account_day = store.run(
            """select session_date, provider, account_id, sessions, gmv, currency, gmv_usd
               from marts.gmv_daily where session_date between ? and ?
               order by session_date desc, gmv_usd desc nulls last limit 12""",
            window,
        )
        top_sessions = store.run(
            """select session_date, provider, title, gmv, currency, gmv_usd
               from marts.fct_sessions where session_date between ? and ? and gmv_usd is not null
               order by gmv_usd desc limit ?""",
            [*window, top],
        )
    console.print(f"\nSessions that started {start} .. {end} (UTC)")
    table = _new_table("Sessions and GMV by provider", "provider", "sessions", "gmv_usd")
    for provider, sessions, gmv_usd in by_provider:
        table.add_row(provider, f"{sessions:,}", _money(gmv_usd))
    console.print(table)
    table = _new_table(
        "Sessions and GMV by account and day (latest 12)",
        "day",
        "provider",
        "account",
        "sessions",
        "gmv",
        "gmv_usd",
    )
    for day, provider, account, sessions, gmv, currency, gmv_usd in by_account_day:
        table.add_row(
            str(day), provider, account, f"{sessions:,}", _money(gmv, currency), _money(gmv_usd)
        )
    console.print(table)
    table = _new_table(f"Top {top} sessions by GMV", "day", "provider", "title", "gmv", "gmv_usd")
    for day, provider, title, gmv, currency, gmv_usd in top_sessions:
        table.add_row(str(day), provider, title or "-", _money(gmv, currency), _money(gmv_usd))
    console.print(table)
