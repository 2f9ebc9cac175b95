"""The report as one self-contained HTML file: plotly.js inlined once, nothing fetched.

Pure: figures and frames in, a string out. Each chart's element id is stable (CHART_IDS) so
people can link to a chart and tests can read its series back in a browser.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date, datetime
from functools import cache

import plotly.graph_objects as go
import polars as pl
from plotly.offline import get_plotlyjs

CHART_IDS = (
    "gmv-per-day",
    "gmv-rates",
    "engagement",
    "followers",
    "top-sessions",
    "top-products",
)
CONFIG = {"displaylogo": False, "responsive": True}
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 1200px; color: #222; }
h1 { margin-bottom: 0.2rem; } .meta { color: #666; margin-top: 0; }
.grid { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 1rem; }
@media (max-width: 900px) { .grid { grid-template-columns: minmax(0, 1fr); } }
.card { border: 1px solid #e3e3e3; border-radius: 8px; padding: 0.5rem; min-width: 0; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid #eee; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
"""


@cache
def plotly_js() -> str:
    """plotly.js from the installed package (4.8 MB), read once per process."""
    return get_plotlyjs()


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return html.escape(str(value))


def freshness_table(frame: pl.DataFrame) -> str:
    """How fresh each provider's data is: latest session day and last completed load."""
    head = "<tr><th>provider</th><th>latest session day</th><th>sessions in window</th>"
    head += "<th>last loaded (UTC)</th></tr>"
    rows = []
    for provider, day, sessions, loaded in frame.iter_rows():
        rows.append(
            f'<tr data-provider="{html.escape(provider)}"><td>{html.escape(provider)}</td>'
            f"<td>{_cell(day)}</td><td class='n'>{sessions}</td><td>{_cell(loaded)}</td></tr>"
        )
    return f'<table id="freshness">{head}{"".join(rows)}</table>'


def render(
    figures: Mapping[str, go.Figure],
    freshness: pl.DataFrame,
    start: date | None,
    end: date | None,
    generated_at: datetime,
    source: str,
) -> str:
    """The whole page; ``figures`` maps each of CHART_IDS to its figure."""
    window = f"{start} .. {end} (UTC)" if start and end else "no sessions yet"
    cards = "".join(
        '<div class="card">'
        + figures[chart].to_html(
            full_html=False, include_plotlyjs=False, div_id=chart, config=CONFIG
        )
        + "</div>"
        for chart in CHART_IDS
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>livestream-warehouse report</title>
<style>{STYLE}</style>
<script type="text/javascript">{plotly_js()}</script>
</head><body>
<h1>Livestream commerce report</h1>
<p class="meta">Sessions {html.escape(window)} &middot; generated
{generated_at.strftime("%Y-%m-%d %H:%M UTC")} from {html.escape(source)}</p>
<div class="grid">{cards}</div>
<h2>Freshness</h2>
{freshness_table(freshness)}
</body></html>
"""
