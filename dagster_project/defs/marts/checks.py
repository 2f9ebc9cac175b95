"""Checks on the marts, run with every mart materialisation (CLI runs and the UI's alike).

Each check reads the rebuilt window (joined to the rest of the table where a rule spans
partitions, as grain uniqueness does), so a check costs what the window costs, not what the
history costs. A check names what is wrong: the rows, the currency, the provider. The SQL is
portable, so the checks run on every destination (warehouse/store.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dagster import AssetCheckResult, AssetCheckSeverity, AssetCheckSpec, AssetKey

from models.catalog import FCT_SESSIONS, MARTS, Mart, sql_type
from warehouse.store import Store

SAMPLE = 3  # offending keys shown in a failing check's description


@dataclass(frozen=True)
class Window:
    """The partition window [first, end) the run rebuilt."""

    first: date
    end: date


@dataclass(frozen=True)
class Outcome:
    """A check's verdict: what it found, in one line, and the figures behind it."""

    passed: bool
    description: str
    bad_rows: int = 0


def _key(mart: Mart) -> AssetKey:
    return AssetKey(["marts", mart.name])


def _in_window(mart: Mart) -> str:
    """SQL restricting ``mart`` to the window's rows (products: the window's sessions)."""
    if mart.date_column is not None:
        return f'"{mart.date_column}" >= $first and "{mart.date_column}" < $end'
    return (
        "(provider, session_id) in (select provider, session_id from marts.fct_sessions "
        "where session_date >= $first and session_date < $end)"
    )


def _run(store: Store, sql: str, window: Window) -> list[tuple[object, ...]]:
    """``sql`` with ``$first`` and ``$end`` bound to the window (positionally: portable)."""
    named = {"$first": window.first, "$end": window.end}
    params = [named[m] for m in re.findall(r"\$first|\$end", sql)]
    return store.run(re.sub(r"\$first|\$end", "?", sql), params)


def _sample(rows: Sequence[tuple[object, ...]]) -> str:
    shown = "; ".join(", ".join(str(v) for v in row) for row in rows[:SAMPLE])
    return shown + (f" and {len(rows) - SAMPLE} more" if len(rows) > SAMPLE else "")


def _offenders(rows: Sequence[tuple[object, ...]], bad: str, good: str) -> Outcome:
    """Fails naming how many rows break the rule, and the first of them; else passes."""
    if rows:
        return Outcome(False, f"{len(rows)} {bad}: {_sample(rows)}", len(rows))
    return Outcome(True, good)


def grain_unique(store: Store, mart: Mart, window: Window) -> Outcome:
    """One row per grain: the window's keys appear once in the whole table."""
    keys = ", ".join(f'"{c}"' for c in mart.grain)
    rows = _run(
        store,
        f"select {keys}, count(*) from {mart.table} where ({keys}) in "
        f"(select {keys} from {mart.table} where {_in_window(mart)}) "
        f"group by {keys} having count(*) > 1 order by {keys}",
        window,
    )
    if rows:
        return Outcome(False, f"{len(rows)} keys ({', '.join(mart.grain)}) repeat: {_sample(rows)}")
    return Outcome(True, f"one row per ({', '.join(mart.grain)})")


def _figures(mart: Mart) -> list[str]:
    """Counts, amounts and rates: every numeric column of the mart."""
    return [c for c, t in mart.types.items() if sql_type(t) in ("BIGINT", "DOUBLE")]


def non_negative(store: Store, mart: Mart, window: Window) -> Outcome:
    """No negative count or amount."""
    figures = _figures(mart)
    found = ", ".join(f'count(*) filter (where "{c}" < 0)' for c in figures)
    (counts,) = _run(store, f"select {found} from {mart.table} where {_in_window(mart)}", window)
    bad = {c: int(str(n)) for c, n in zip(figures, counts, strict=True) if n}
    if bad:
        listed = ", ".join(f"{c} in {n} rows" for c, n in bad.items())
        return Outcome(False, f"negative figures: {listed}", sum(bad.values()))
    return Outcome(True, f"no negative {', '.join(figures)}")


def fx_rate_known(store: Store, window: Window) -> Outcome:
    """Every currency with a GMV has a rate, or its sessions would have no gmv_usd."""
    rows = _run(
        store,
        "select s.currency, count(*) from marts.fct_sessions s "
        "left join marts.dim_fx_rates r on r.currency = s.currency "
        "where s.session_date >= $first and s.session_date < $end and s.gmv is not null "
        "and r.currency is null group by 1 order by 1",
        window,
    )
    if rows:
        named = ", ".join(f"{currency or 'NULL'} ({n} sessions)" for currency, n in rows)
        return Outcome(
            False,
            f"no FX rate for {named}: add it to LSW_FX_RATES (currency,usd_per_unit)",
            sum(int(str(n)) for _, n in rows),
        )
    return Outcome(True, "every currency with a GMV has a rate")


def gmv_usd_matches_rate(store: Store, window: Window) -> Outcome:
    """gmv_usd = round(gmv * usd_per_unit, 2): the two figures can never drift apart."""
    rows = _run(
        store,
        "select s.provider, s.session_id, s.gmv, r.usd_per_unit, s.gmv_usd "
        "from marts.fct_sessions s join marts.dim_fx_rates r on r.currency = s.currency "
        "where s.session_date >= $first and s.session_date < $end and s.gmv is not null "
        "and (s.gmv_usd is null or abs(s.gmv_usd - round(cast(s.gmv as decimal(38, 4)) "
        "* cast(r.usd_per_unit as decimal(38, 10)), 2)) >= 0.005) "
        "order by 1, 2",
        window,
    )
    return _offenders(
        rows,
        "sessions whose gmv_usd is not round(gmv * rate, 2)",
        "gmv_usd = round(gmv * usd_per_unit, 2) for every session",
    )


def ended_after_started(store: Store, window: Window) -> Outcome:
    """An ended session ends after it starts."""
    rows = _run(
        store,
        "select provider, session_id, started_at, ended_at from marts.fct_sessions "
        "where session_date >= $first and session_date < $end and status = 'ended' "
        "and ended_at < started_at order by 1, 2",
        window,
    )
    return _offenders(
        rows, "ended sessions end before they start", "every ended session ends after it starts"
    )


def stale_providers(latest: dict[str, date | None], lookback: dict[str, int], today: date) -> str:
    """The configured providers whose latest loaded day is older than the look-back allows."""
    stale = []
    for provider, days in sorted(lookback.items()):
        oldest_ok = today - timedelta(days=days + 1)
        loaded = latest.get(provider)
        if loaded is None or loaded < oldest_ok:
            seen = loaded.isoformat() if loaded else "never"
            stale.append(f"{provider} (latest loaded day {seen}, expected {oldest_ok} or later)")
    return "; ".join(stale)


# What each mart is checked for; fct_sessions also carries the money and time rules.
FCT_ONLY = ("fx_rate_known", "gmv_usd_matches_rate", "ended_after_started")
FRESHNESS = "providers_fresh"
DESCRIPTIONS = {
    "grain_unique": "one row per grain (the window's keys appear once in the whole table)",
    "non_negative": "no negative count or amount",
    "fx_rate_known": "every currency with a GMV has an FX rate (a missing rate names it)",
    "gmv_usd_matches_rate": "gmv_usd = round(gmv * usd_per_unit, 2)",
    "ended_after_started": "ended sessions end after they start",
    FRESHNESS: "each configured provider's latest loaded day is within its look-back",
}
CHECKED = (
    "fct_sessions",
    "gmv_daily",
    "engagement_daily",
    "product_performance",
    "followers_daily",
)


def check_specs() -> list[AssetCheckSpec]:
    """The checks the marts asset declares (and so runs with every materialisation)."""
    specs = []
    for name in CHECKED:
        mart = MARTS[name]
        for check in ("grain_unique", "non_negative"):
            specs.append(AssetCheckSpec(check, asset=_key(mart), description=DESCRIPTIONS[check]))
    for check in (*FCT_ONLY, FRESHNESS):
        specs.append(
            AssetCheckSpec(check, asset=_key(FCT_SESSIONS), description=DESCRIPTIONS[check])
        )
    return specs


def window_results(store: Store, window: Window) -> Iterator[AssetCheckResult]:
    """Every rule of the window, as the check results the asset yields."""
    for name in CHECKED:
        mart = MARTS[name]
        yield _result(mart, "grain_unique", grain_unique(store, mart, window))
        yield _result(mart, "non_negative", non_negative(store, mart, window))
    yield _result(FCT_SESSIONS, "fx_rate_known", fx_rate_known(store, window))
    yield _result(FCT_SESSIONS, "gmv_usd_matches_rate", gmv_usd_matches_rate(store, window))
    yield _result(FCT_SESSIONS, "ended_after_started", ended_after_started(store, window))


def freshness_result(stale: str, checked: Sequence[str]) -> AssetCheckResult:
    """Freshness warns (it does not fail the run): a late provider is news, not bad data."""
    outcome = (
        Outcome(False, f"stale: {stale}")
        if stale
        else Outcome(True, f"fresh: {', '.join(checked) or 'no provider configured'}")
    )
    return _result(FCT_SESSIONS, FRESHNESS, outcome, AssetCheckSeverity.WARN)


def _result(
    mart: Mart,
    name: str,
    outcome: Outcome,
    severity: AssetCheckSeverity = AssetCheckSeverity.ERROR,
) -> AssetCheckResult:
    return AssetCheckResult(
        asset_key=_key(mart),
        check_name=name,
        passed=outcome.passed,
        severity=severity,
        description=outcome.description,
        metadata={"bad_rows": outcome.bad_rows},
    )
