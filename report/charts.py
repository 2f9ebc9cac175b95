"""One plotly figure per chart: pure functions of the frames in report/data.py.

Each trace is one provider (or one figure), named so a reader, and a test, can find it.
An empty frame is a figure that says so rather than a blank box.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from pipelines.registry import ALL_PROVIDERS

USD = "$,.2f"
# one colour per provider in every chart (plotly's default palette, in provider order)
COLOURS = dict(
    zip(ALL_PROVIDERS, ("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a"), strict=True)
)
OTHER = "#7f7f7f"
MARGIN = {"l": 60, "r": 20, "t": 40, "b": 50}
LAYOUT = {
    "template": "plotly_white",
    "height": 380,
    "margin": MARGIN,
    "legend": {"orientation": "h", "y": -0.2},
}


def _empty(title: str) -> go.Figure:
    figure = go.Figure(layout={**LAYOUT, "title": title})
    figure.add_annotation(text="no data in this window", showarrow=False, font={"size": 16})
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    return figure


def _providers(frame: pl.DataFrame) -> list[str]:
    """The frame's providers in the product's usual order."""
    present = set(frame["provider"].to_list())
    return [p for p in ALL_PROVIDERS if p in present] + sorted(present - set(ALL_PROVIDERS))


def _days(values: Sequence[object]) -> list[str]:
    return [str(value) for value in values]


def gmv_per_day(frame: pl.DataFrame) -> go.Figure:
    """Stacked bars: USD GMV per day, one series per provider."""
    title = "GMV per day by provider (USD)"
    if frame.is_empty():
        return _empty(title)
    figure = go.Figure(layout={**LAYOUT, "title": title, "barmode": "stack"})
    for provider in _providers(frame):
        rows = frame.filter(pl.col("provider") == provider)
        figure.add_bar(
            name=provider,
            marker_color=COLOURS.get(provider, OTHER),
            x=_days(rows["session_date"].to_list()),
            y=rows["gmv_usd"].to_list(),
            hovertemplate="%{x}: %{y:" + USD + "}<extra>" + provider + "</extra>",
        )
    figure.update_xaxes(type="category")
    figure.update_yaxes(tickprefix="$", tickformat=",.0f")
    return figure


def gmv_rates(frame: pl.DataFrame) -> go.Figure:
    """Two panels over the window: GPM (USD per 1,000 views) and USD GMV per live hour."""
    title = "GPM and GMV per live hour by provider (USD)"
    if frame.is_empty():
        return _empty(title)
    figure = make_subplots(
        rows=1, cols=2, subplot_titles=("GPM (per 1,000 views)", "GMV per live hour")
    )
    providers = _providers(frame)
    ordered = frame.with_columns(
        pl.col("provider").replace_strict({p: i for i, p in enumerate(providers)}).alias("_o")
    ).sort("_o")
    for column, name, col in (
        ("gpm_usd", "GPM (USD)", 1),
        ("gmv_usd_per_live_hour", "GMV per live hour (USD)", 2),
    ):
        figure.add_bar(
            name=name,
            x=ordered["provider"].to_list(),
            y=[None if v is None else round(v, 2) for v in ordered[column].to_list()],
            hovertemplate="%{x}: %{y:" + USD + "}<extra></extra>",
            row=1,
            col=col,
        )
    figure.update_layout(**{**LAYOUT, "margin": {**MARGIN, "t": 80}})
    figure.update_layout(title=title, showlegend=False)
    figure.update_yaxes(tickprefix="$", tickformat=",.2f")
    return figure


def engagement_trend(frame: pl.DataFrame) -> go.Figure:
    """Lines: Σ interactions / Σ views per day, one series per provider that reports them."""
    figure = _lines(
        frame,
        "Engagement rate per day (likes + comments + shares per view)",
        "session_date",
        "engagement_rate",
        "%{y:.2%}",
        lambda values: [round(v, 6) for v in values],
    )
    figure.update_yaxes(tickformat=".1%")
    return figure


def followers_growth(frame: pl.DataFrame) -> go.Figure:
    """Lines: the latest known follower total per day, one series per provider."""
    return _lines(frame, "Followers per provider", "date", "followers_total", "%{y:,}", list)


def _lines(
    frame: pl.DataFrame,
    title: str,
    day: str,
    value: str,
    shown: str,
    values: Callable[[list[Any]], list[Any]],
) -> go.Figure:
    """One line per provider of ``value`` by ``day``, over the rows that report it."""
    known = frame.filter(pl.col(value).is_not_null()) if len(frame) else frame
    if known.is_empty():
        return _empty(title)
    figure = go.Figure(layout={**LAYOUT, "title": title})
    for provider in _providers(known):
        rows = known.filter(pl.col("provider") == provider)
        figure.add_scatter(
            name=provider,
            mode="lines+markers",
            line_color=COLOURS.get(provider, OTHER),
            x=_days(rows[day].to_list()),
            y=values(rows[value].to_list()),
            hovertemplate="%{x}: " + shown + "<extra>" + provider + "</extra>",
        )
    figure.update_xaxes(type="category")
    return figure


def _top(frame: pl.DataFrame, title: str, label: str, value: str) -> go.Figure:
    """Horizontal bars, largest on top; one series per provider so colours say whose."""
    if frame.is_empty():
        return _empty(title)
    figure = go.Figure(layout={**LAYOUT, "title": title, "height": 460, "barmode": "overlay"})
    labels = [f"{i + 1}. {name}" for i, name in enumerate(frame[label].to_list())]
    ranked = frame.with_columns(pl.Series("_label", labels))
    for provider in _providers(ranked):
        rows = ranked.filter(pl.col("provider") == provider)
        figure.add_bar(
            name=provider,
            orientation="h",
            marker_color=COLOURS.get(provider, OTHER),
            x=rows[value].to_list(),
            y=rows["_label"].to_list(),
            hovertemplate="%{y}: %{x:" + USD + "}<extra>" + provider + "</extra>",
        )
    figure.update_yaxes(categoryorder="array", categoryarray=list(reversed(labels)))
    figure.update_xaxes(tickprefix="$", tickformat=",.0f")
    return figure


def top_sessions(frame: pl.DataFrame) -> go.Figure:
    return _top(frame, "Top sessions by GMV (USD)", "title", "gmv_usd")


def top_products(frame: pl.DataFrame) -> go.Figure:
    return _top(frame, "Top products by estimated GMV (USD)", "product_name", "est_gmv_usd")
