"""The report as a reader meets it: opened from disk in headless Chromium, offline.

A small warehouse with hand-written mart rows; every chart must hold exactly the series and
values those rows give, the page must log no console error and fetch nothing but itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from playwright.sync_api import Page, sync_playwright

from report import write_report
from report.page import CHART_IDS

CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; .ci/run installs it
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MARTS = """
create schema marts;
create table marts.fct_sessions (provider varchar, account_id varchar, session_id varchar,
    title varchar, session_date date, duration_s bigint, views bigint, gmv double,
    currency varchar, gmv_usd double);
insert into marts.fct_sessions values
    ('shopee', 'a1', 's1', 'Flash Deals', '2026-11-19', 7200, 1000, 500, 'USD', 500),
    ('shopee', 'a1', 's2', 'Morning Deals', '2026-11-20', 3600, 0, 100, 'USD', 100),
    ('tiktok_shop', '7494', 'r1', 'Try-On', '2026-11-20', 1800, 2000, 300, 'USD', 300),
    ('lisa', 'chan', 'st1', 'Show', '2026-11-20', 3600, 100, null, null, null),
    ('shopee', 'a1', 'old', 'Old', '2026-10-01', 3600, 10, 9999, 'USD', 9999);
create table marts.gmv_daily (session_date date, provider varchar, account_id varchar,
    currency varchar, gmv_usd double);
insert into marts.gmv_daily values
    ('2026-11-19', 'shopee', 'a1', 'USD', 500), ('2026-11-20', 'shopee', 'a1', 'USD', 100),
    ('2026-11-20', 'tiktok_shop', '7494', 'USD', 300), ('2026-10-01', 'shopee', 'a1', 'USD', 9999);
create table marts.engagement_daily (session_date date, provider varchar, account_id varchar,
    views bigint, likes bigint, comments bigint, shares bigint);
insert into marts.engagement_daily values
    ('2026-11-19', 'shopee', 'a1', 1000, 50, 30, 20),
    ('2026-11-20', 'shopee', 'a1', 0, 1, 1, 1),
    ('2026-11-20', 'tiktok_shop', '7494', 2000, null, null, null),
    ('2026-11-20', 'lisa', 'chan', 100, 20, 5, null);
create table marts.followers_daily ("date" date, provider varchar, account_id varchar,
    new_followers bigint, followers_total bigint);
insert into marts.followers_daily values
    ('2026-11-18', 'trovo', 'ch2', 0, null),
    ('2026-11-19', 'trovo', 'ch1', 3, 100),
    ('2026-11-20', 'trovo', 'ch1', 10, 110),
    ('2026-11-20', 'trovo', 'ch2', 1, 40);
create table marts.product_performance (provider varchar, session_id varchar,
    product_id varchar, product_name varchar, currency varchar, items_sold bigint,
    est_gmv double);
insert into marts.product_performance values
    ('shopee', 's1', 'p1', 'Lamp', 'PHP', 5, 1000),
    ('shopee', 's1', 'p2', 'Tint', 'USD', 2, 40),
    ('tiktok_shop', 'r1', 'p3', 'Tee', 'USD', 3, 30),
    ('shopee', 'old', 'p4', 'Old thing', 'USD', 100, 5000);
create table marts.dim_fx_rates (currency varchar, usd_per_unit double);
insert into marts.dim_fx_rates values ('USD', 1.0), ('PHP', 0.017);
create schema shopee;
create table shopee._dlt_loads (load_id varchar, status bigint, inserted_at timestamptz);
insert into shopee._dlt_loads values
    ('1', 0, '2026-11-20 10:00:00+00'), ('2', 1, '2026-11-20 11:00:00+00');
"""
EXPECTED: dict[str, list[dict[str, Any]]] = {
    "gmv-per-day": [
        {"name": "shopee", "x": ["2026-11-19", "2026-11-20"], "y": [500, 100]},
        {"name": "tiktok_shop", "x": ["2026-11-20"], "y": [300]},
    ],
    "gmv-rates": [  # shopee: 500 per 1,000 views, 600 USD in 3 h; tiktok_shop: 300 in 0.5 h
        {"name": "GPM (USD)", "x": ["shopee", "tiktok_shop"], "y": [500, 150]},
        {"name": "GMV per live hour (USD)", "x": ["shopee", "tiktok_shop"], "y": [200, 600]},
    ],
    "engagement": [  # no views (shopee 11-20) and nothing reported (tiktok_shop): no point
        {"name": "shopee", "x": ["2026-11-19"], "y": [0.1]},
        {"name": "lisa", "x": ["2026-11-20"], "y": [0.25]},
    ],
    "followers": [{"name": "trovo", "x": ["2026-11-19", "2026-11-20"], "y": [100, 150]}],
    "top-sessions": [
        {"name": "shopee", "x": [500, 100], "y": ["1. Flash Deals", "3. Morning Deals"]},
        {"name": "tiktok_shop", "x": [300], "y": ["2. Try-On"]},
    ],
    "top-products": [  # 1,000 PHP at 0.017 is 17 USD
        {"name": "shopee", "x": [40, 17], "y": ["1. Tint", "3. Lamp"]},
        {"name": "tiktok_shop", "x": [30], "y": ["2. Tee"]},
    ],
}
FRESHNESS = [
    ["shopee", "2026-11-20", "2", "2026-11-20 10:00 UTC"],
    ["tiktok_shop", "2026-11-20", "1", "-"],
    ["firework", "-", "0", "-"],
    ["trovo", "-", "0", "-"],
    ["lisa", "2026-11-20", "1", "-"],
]
TRACES = """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(d => [d.id,
    d.data.map(t => ({name: t.name, x: Array.from(t.x), y: Array.from(t.y)}))])"""
ROWS = """() => Array.from(document.querySelectorAll('#freshness tr[data-provider]'))
    .map(r => Array.from(r.cells).map(c => c.textContent))"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Page, list[str]]]:
    """The report of the known warehouse, open in Chromium, and what the page complained of."""
    assert CHROMIUM.exists(), "install Debian's chromium (apt-get install -y chromium)"
    folder = tmp_path_factory.mktemp("report")
    warehouse = folder / "warehouse.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        con.execute(MARTS)
    report = write_report(warehouse, days=7)
    assert report == folder / "report.html"
    problems: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(folder / "profile"),  # a fresh profile
            executable_path=str(CHROMIUM),
            args=FLAGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
        )
        try:
            tab = context.new_page()
            tab.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            tab.on("pageerror", lambda error: problems.append(str(error)))
            tab.on(
                "request",
                lambda r: None if r.url == report.as_uri() else problems.append(f"fetched {r.url}"),
            )
            tab.goto(report.as_uri())
            tab.wait_for_function(
                f"document.querySelectorAll('.js-plotly-plot').length == {len(CHART_IDS)}"
            )
            yield tab, problems
        finally:
            context.close()


def test_each_chart_holds_the_expected_series(page: tuple[Page, list[str]]) -> None:
    tab, problems = page
    charts = dict(tab.evaluate(TRACES))
    assert list(charts) == list(CHART_IDS)
    assert charts == EXPECTED
    assert problems == []  # no console error, nothing fetched: it opens offline


def test_freshness_names_every_provider(page: tuple[Page, list[str]]) -> None:
    tab, _ = page
    assert tab.evaluate(ROWS) == FRESHNESS
    assert "Sessions 2026-11-14 .. 2026-11-20 (UTC)" in tab.inner_text(".meta")
