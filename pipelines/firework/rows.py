"""One livestream's detail as rows of the raw tables, and where it belongs in time.

A livestream's rows are kept together: if any of its products lacks a currency or any unit a
price, the whole livestream goes to the ``_incomplete`` tables, so a complete answer loaded
before is never replaced by part of a worse one, and the tables never mix two answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipelines.drift import added_fields
from pipelines.figures import FigureCheck
from pipelines.firework.schema import DETAIL_FIELDS, PRODUCT_FIGURES, UNIT_FIGURES, Detail

Row = dict[str, Any]


def utc(value: datetime) -> datetime:
    """An answer's time in UTC; one without a zone is taken as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def session_start(
    livestream_id: str, detail: Detail, first_seen: dict[str, int], now: float
) -> datetime:
    """When the livestream is placed in time: its ``scheduled_at``, else when first observed.

    A "go live now" livestream has no schedule (``scheduled_at`` null) and the API gives no
    other time; the first run that sees it records the time in ``first_seen`` (dlt source
    state, kept in the warehouse), so every later run places it on the same day.
    """
    scheduled = detail.get("scheduled_at")
    if scheduled is not None:
        return utc(scheduled)
    seen = first_seen.setdefault(livestream_id, int(now))
    return datetime.fromtimestamp(seen, UTC)


@dataclass
class FigureChecks:
    """Counts of products and units answered without the figures the marts use."""

    products: FigureCheck = field(default_factory=lambda: FigureCheck(PRODUCT_FIGURES))
    units: FigureCheck = field(default_factory=lambda: FigureCheck(UNIT_FIGURES))
    livestreams_aside: int = 0

    def lines(self, provider: str) -> list[str]:
        found = [
            self.products.line(provider, "products"),
            self.units.line(provider, "product units"),
        ]
        return [line for line in found if line]


@dataclass
class Document:
    """A livestream's rows per raw table, and whether they all carry their key figures."""

    livestream_id: str
    complete: bool
    tables: dict[str, list[Row]]


def document(
    livestream_id: str,
    account_id: str,
    detail: Detail,
    start: datetime,
    checks: FigureChecks,
) -> Document:
    products = detail["products"]
    scheduled = detail.get("scheduled_at")
    livestream: Row = {
        "livestream_id": livestream_id,
        "account_id": account_id,
        "status": detail["status"],
        "scheduled_at": utc(scheduled) if scheduled is not None else None,
        "session_start": start,
        "event_name": detail.get("event_name"),
        "event_description": detail.get("event_description"),
        "product_count": len(products),
    }
    livestream.update(added_fields(detail, DETAIL_FIELDS, livestream))
    product_rows: list[Row] = []
    unit_rows: list[Row] = []
    image_rows: list[Row] = []
    for position, product in enumerate(products):
        units = product.get("product_units") or []
        images = product.get("product_images") or []
        product_rows.append(
            {
                "livestream_id": livestream_id,
                "product_id": product["id"],
                "position": position,
                "product_name": product.get("product_name"),
                "product_description": product.get("product_description"),
                "product_currency": product.get("product_currency"),
                "unit_count": len(units),
                "image_count": len(images),
            }
        )
        unit_rows.extend(
            {
                "livestream_id": livestream_id,
                "product_id": product["id"],
                "unit_id": unit["id"],
                "position": index,
                "unit_name": unit.get("unit_name"),
                "unit_price": unit.get("unit_price"),
                "unit_price_string": unit.get("unit_price_string"),
                "unit_ext_id": unit.get("unit_ext_id"),
            }
            for index, unit in enumerate(units)
        )
        image_rows.extend(
            {
                "livestream_id": livestream_id,
                "product_id": product["id"],
                "image_id": image["id"],
                "image_src": image.get("image_src"),
                "image_position": image.get("image_position"),
            }
            for image in images
        )
    _, products_short = checks.products.split(product_rows)
    _, units_short = checks.units.split(unit_rows)
    complete = not products_short and not units_short
    checks.livestreams_aside += not complete
    return Document(
        livestream_id,
        complete,
        {
            "livestreams": [livestream],
            "products": product_rows,
            "product_units": unit_rows,
            "product_images": image_rows,
        },
    )


def status_row(livestream_id: str, account_id: str, detail: Detail, observed: datetime) -> Row:
    scheduled = detail.get("scheduled_at")
    return {
        "observed_at": observed,
        "account_id": account_id,
        "livestream_id": livestream_id,
        "status": detail["status"],
        "scheduled_at": utc(scheduled) if scheduled is not None else None,
    }
