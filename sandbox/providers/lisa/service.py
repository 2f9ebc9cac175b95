"""LiSA's customer API as lisa-customer-api.md and docs/providers/lisa.md describe it.

Faithful parts a friendly fake would skip: ``Authorization: ApiKey`` checked with the
documented 401 body; zod-style 400 bodies (``issues``) for a limit above 100 or a bad filter;
a page-counting cursor that carries no filters; archived shows hidden unless asked for by
``status``; ``date`` compared with the scheduled date, not with when streams started; shows
that do not name their channels (the reference's show has no such field: the ``channel``
filter is the way to learn them); live streams without an ``end`` and with metrics still
growing; webhooks that are retried and then suspended after three failures.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import Any, ClassVar

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from sandbox.jsonresp import json_response
from sandbox.providers.base import ProviderService, ServiceContext
from sandbox.providers.lisa import extras
from sandbox.providers.lisa.http import (
    BadRequest,
    Page,
    apply_sort,
    bad_request,
    check_api_key,
    error,
    not_found,
    parse_bool,
    parse_date_range,
    parse_enum_list,
    parse_page,
    parse_slug,
    parse_sort,
    parse_time,
    scroll,
    unauthorized,
)
from sandbox.providers.lisa.snapshot import DayRows, Renders, Row, Snapshot, day_rows
from sandbox.providers.lisa.snapshot import row as _row
from sandbox.providers.lisa.webhooks import WebhookHub
from sandbox.providers.lisa.world import Channel, ShowSeed, World

DEFAULT_API_KEY = "lisa_sandbox_api_key_0001"
DEFAULT_CLIENT = "sandbox-brand"
SHOW_STATUSES = ("archived", "draft", "ready")
SHOW_SORTS = ("date", "name", "createdAt", "modifiedAt")
Handler = Callable[[Request], Awaitable[Response]]


class LisaService(ProviderService):
    """LiSA below ``/lisa``: shows, channels, stories, snippets, short clips, stickers,
    product references and webhooks.

    Options: ``api_key``, ``client`` (the client identifier in events), ``last_page_cursor``
    (``"absent"``, the default, or ``"null"``: how the last page says it is the last, both of
    which docs/providers/lisa.md allows), ``webhook_retry_delay_s`` (default 5),
    ``webhook_timeout_s`` (default 5), ``webhook_poll_interval_s`` (default 0.05),
    ``webhook_allow_remote`` (default false: only loopback receivers are called).

    For tests (in-process, through ``SandboxServer.runtime.services["lisa"]``):
    ``visible_shows``, ``channel_slugs``, ``landmarks`` read the world as the API shows it now;
    ``edit_show`` changes a show at the sandbox clock's now.
    """

    name: ClassVar[str] = "lisa"

    def __init__(self, ctx: ServiceContext) -> None:
        super().__init__(ctx)
        self.world = World(ctx.seed, ctx.scale, ctx.days)
        self._renders = Renders(self.world)
        self._days: dict[date, DayRows] = {}
        self._side: dict[str, tuple[list[tuple[int, Row]], ...]] = {}
        self._story_cache: dict[tuple[str, date], list[tuple[int, Row]]] = {}
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self.hub = WebhookHub(self.world, ctx.clock.now, self._option, self.render_show)

    # framework hooks -------------------------------------------------------------------

    def routes(self) -> list[BaseRoute]:
        guarded = self._guarded
        # every collection lists (scrolling cursor) and counts through the same two handlers
        collections: dict[str, Callable[[QueryParams], list[Row]]] = {
            "/shows": self._shows,
            "/channels": self._channels,
            "/stories": self._stories,
            "/snippets": self._snippets,
            "/short-clips": self._clips,
            "/stickers": self._stickers,
        }
        routes: list[BaseRoute] = []
        for path, select in collections.items():
            listing, count = _listing(select, self._last_page_null)
            routes += [Route(path, guarded(listing)), Route(f"{path}/count", guarded(count))]
        return [
            *routes,
            Route("/shows/{id}", guarded(self.get_show)),
            Route("/channels/{id}", guarded(self.get_channel)),
            Route("/stories/{id}", guarded(self.get_story)),
            Route("/short-clips/{id}", guarded(self.get_clip)),
            Route("/stickers/{id}", guarded(self.get_sticker)),
            Route("/products/references", guarded(self.product_references)),
            Route("/webhooks", guarded(self.webhooks), methods=["GET", "POST"]),
            Route("/webhooks/events/{id}", guarded(self.get_event)),
            Route("/webhooks/{id}", guarded(self.webhook), methods=["GET", "DELETE"]),
        ]

    def env_config(self, base_url: str) -> dict[str, str]:
        return {
            "SOURCES__LISA__BASE_URL": base_url,
            "SOURCES__LISA__API_KEY": str(self._option("api_key", DEFAULT_API_KEY)),
            "SOURCES__LISA__ACCOUNT_ID": str(self._option("client", DEFAULT_CLIENT)),
        }

    def error_response(self, kind: str, status: int, retry_after: float) -> Response:
        if kind == "rate_limited":
            response = error("Http:TooManyRequests", "Too many requests.", 429)
            response.headers["Retry-After"] = f"{max(retry_after, 0):.0f}"
            return response
        return error("Http:InternalServerError", "Internal server error.", status)

    async def startup(self) -> None:
        await self.hub.start()

    async def shutdown(self) -> None:
        await self.hub.stop()

    def stats(self) -> dict[str, Any]:
        with self.hub.lock:
            return {**self.hub.counters, "subscriptions": len(self.hub.subs)}

    def _option(self, key: str, default: Any) -> Any:
        return self.ctx.state.knobs.options.get(key, default)

    def _last_page_null(self) -> bool:
        mode = self._option("last_page_cursor", "absent")
        if mode not in ("absent", "null"):
            raise ValueError(f"last_page_cursor must be 'absent' or 'null', not {mode!r}")
        return bool(mode == "null")

    def _guarded(self, handler: Handler) -> Handler:
        """ApiKey first, then the handler; validation failures become LiSA's 400 body."""

        async def wrapped(request: Request) -> Response:
            expected = str(self._option("api_key", DEFAULT_API_KEY))
            if not check_api_key(request.headers.get("authorization"), expected):
                return unauthorized()
            try:
                return await handler(request)
            except BadRequest as exc:
                return bad_request(exc)

        return wrapped

    # the world at an instant -----------------------------------------------------------

    def render_show(self, show: ShowSeed, now: float) -> dict[str, Any]:
        """The show at ``now``, as ``GET /shows/{id}`` answers (webhook events use it)."""
        return self.world.render_show(show, now)

    def snapshot(self) -> Snapshot:
        now = float(int(self.ctx.clock.now()))
        snap = self._snapshot
        if snap is not None and snap.now == now:
            return snap
        with self._lock:
            snap = self._snapshot
            if snap is None or snap.now != now:
                snap = self._build(now)
                self._snapshot = snap
        return snap

    def _build(self, now: float) -> Snapshot:
        """The days of the window, each rebuilt only if one of its shows changed since."""
        days = []
        for day in self.world.window_days(now):
            rows = self._days.get(day)
            if rows is None or not rows.holds_at(now):
                rows = self._days[day] = day_rows(self.world, self._renders, day, now)
            days.append(rows)
        window = {d.day for d in days}
        for day in [d for d in self._days if d not in window]:
            del self._days[day]
        return Snapshot(now, days, self.world, self._side_rows, self._story_rows)

    def _side_rows(self, show: ShowSeed) -> tuple[list[tuple[int, Row]], ...]:
        """A show's clips, snippets and sticker: static once generated, so cached."""
        side = self._side.get(show.id)
        if side is None:
            updated = show.updated or 0
            clips = [
                (t, _row(b, date=updated, modifiedAt=updated, orientation=b["orientation"],
                         show_id=show.id))
                for t, b in extras.short_clips(self.world, show)
            ]  # fmt: skip
            snippets = [
                (t, _row(b, date=t, modifiedAt=t, name=b["name"], show_id=show.id,
                         refs=set(b["productReferences"])))
                for t, b in extras.snippets(self.world, show)
            ]  # fmt: skip
            stickers = [
                (t, _row(b, date=t, modifiedAt=t, media=show.id, name=b["name"]))
                for t, b in extras.stickers(self.world, show)
            ]
            side = (clips, snippets, stickers)
            self._side[show.id] = side
        return side

    def _story_rows(self, channel: Channel, day: date) -> list[tuple[int, Row]]:
        key = (channel.slug, day)
        rows = self._story_cache.get(key)
        if rows is None:
            rows = [
                (t, _row(body, date=t, channels={channel.slug}))
                for t, body in extras.stories_on(self.world, channel, day)
            ]
            self._story_cache[key] = rows
        return rows

    # shows -----------------------------------------------------------------------------

    def _show_filter(self, q: QueryParams) -> Callable[[Row], bool]:
        preds: list[Callable[[dict[str, Any]], bool]] = []
        if "date" in q:
            low, high = parse_date_range(q["date"])
            if low is not None:
                preds.append(lambda k: k["date"] >= low)
            if high is not None:
                preds.append(lambda k: k["date"] <= high)
        if "modified_since" in q:
            since = parse_time(q["modified_since"], "modified_since")
            preds.append(lambda k: k["modifiedAt"] > since)
        statuses = parse_enum_list(q, "status", SHOW_STATUSES) or {"draft", "ready"}
        preds.append(lambda k: k["status"] in statuses)
        live = parse_bool(q, "live")
        if live is not None:
            preds.append(lambda k: k["live"] is live)
        conducted = parse_bool(q, "conducted")
        if conducted is not None:
            preds.append(lambda k: k["conducted"] is conducted)
        channel = parse_slug(q, "channel")
        if channel is not None:
            preds.append(lambda k: channel in k["channels"])
        creator = _non_empty(q, "creator")
        if creator is not None:
            preds.append(lambda k: creator in k["creators"])
        for name in ("category", "tag"):  # nothing in this world is categorised or tagged
            if _non_empty(q, name) is not None:
                preds.append(lambda k: False)
        return lambda row: all(p(row.keys) for p in preds)

    def _shows(self, q: QueryParams) -> list[Row]:
        match = self._show_filter(q)
        spec = parse_sort(q, SHOW_SORTS)
        span = parse_date_range(q["date"]) if "date" in q else (None, None)
        key = tuple(sorted((k, v) for k, v in q.multi_items() if k not in ("cursor", "limit")))
        return self.snapshot().select_shows(key, span, spec, match, _sort)

    async def get_show(self, request: Request) -> Response:
        row = self.snapshot().show_by_id.get(request.path_params["id"])
        return json_response(row.frag) if row is not None else not_found()

    # test hooks ------------------------------------------------------------------------

    def visible_shows(self) -> list[dict[str, Any]]:
        """Every show the API knows now, archived ones too, as ``GET /shows/{id}`` answers,
        newest scheduled date first: what a test computes expected figures from."""
        return [r.body for r in self.snapshot().shows]

    def channel_slugs(self, show_id: str) -> list[str]:
        """The slugs of the channels a show is in, in ``GET /channels`` order.

        Shows do not name their channels (the reference's show has no such field): the
        ``channel`` filter is how a client learns them, and this is what it finds.
        """
        row = self.snapshot().show_by_id.get(show_id)
        if row is None:
            raise KeyError(show_id)
        return [c.slug for c in self.world.channels if c.slug in row.keys["channels"]]

    def landmarks(self) -> dict[str, list[str]]:
        """Ids of the visible shows that are the cases a source must get right, newest
        scheduled first: ``late_night`` (scheduled late, streamed after midnight),
        ``early_start`` (scheduled just after midnight, streamed before), ``no_channel``,
        ``two_channels``, ``two_streams``, ``never_streamed`` (scheduled in the past, never
        on air), ``archived``, ``multilingual`` (title in more languages than ``*``),
        ``live``."""
        snap = self.snapshot()
        out: dict[str, list[str]] = {
            k: []
            for k in (
                "late_night",
                "early_start",
                "no_channel",
                "two_channels",
                "two_streams",
                "never_streamed",
                "archived",
                "multilingual",
                "live",
            )
        }
        for row in snap.shows:
            show, body = self._seed(row), row.body
            sid = body["id"]
            cases = {
                "late_night": show.kind == "late" and body["conducted"],
                "early_start": show.kind == "early" and body["conducted"],
                "no_channel": not show.channels,
                "two_channels": len(show.channels) == 2,
                "two_streams": len(body["streams"]) == 2,
                "never_streamed": not show.streams and show.date <= snap.now,
                "archived": body["status"] == "archived",
                "multilingual": len(body["title"]) > 1,
                "live": body["live"],
            }
            for name, hit in cases.items():
                if hit:
                    out[name].append(sid)
        return out

    def edit_show(self, show_id: str, title: dict[str, str] | None = None) -> dict[str, Any]:
        """Edit a show at the sandbox clock's now (whole seconds), as a LiSA user would.

        Its ``meta.modifiedAt`` becomes that instant, so ``modified_since`` picks it up; a
        ``title`` replaces the multilingual title from then on; subscribers get a
        ``Show:update``. Returns the show as the API now answers it.
        """
        if title is not None and not (
            isinstance(title.get("*"), str) and all(isinstance(v, str) for v in title.values())
        ):
            raise ValueError('a title maps languages to texts and has the "*" default')
        at = int(self.ctx.clock.now())
        show = self.world.find(show_id)
        if show is None or show.created > at:
            raise KeyError(show_id)
        edited = self.world.edit(show_id, at, title)
        with self._lock:
            self._renders.forget(show_id)
            self._days.pop(show.day, None)
            self._snapshot = None
        self.hub.edited(edited, at)
        return self.render_show(edited, at)

    def _seed(self, row: Row) -> ShowSeed:
        seed = row.keys["seed"]
        assert isinstance(seed, ShowSeed)
        return seed

    # channels --------------------------------------------------------------------------

    def _channels(self, q: QueryParams) -> list[Row]:
        statuses = parse_enum_list(q, "status", ("archived", "draft", "processing", "ready"))
        wanted = statuses or {"draft", "processing", "ready"}
        return [r for r in self.snapshot().channels if r.keys["status"] in wanted]

    async def get_channel(self, request: Request) -> Response:
        key = request.path_params["id"]
        for row in self.snapshot().channels:
            if key in (row.keys["id"], row.body["slug"]):
                return json_response(row.frag)
        return not_found()

    # stories, snippets, short clips, stickers --------------------------------------------

    def _stories(self, q: QueryParams) -> list[Row]:
        channel = parse_slug(q, "channel")
        rows = self.snapshot().stories
        return [r for r in rows if channel is None or channel in r.keys["channels"]]

    async def get_story(self, request: Request) -> Response:
        return _by_id(self.snapshot().stories, request.path_params["id"])

    def _snippets(self, q: QueryParams) -> list[Row]:
        preds = _common_filters(q)
        refs = _non_empty(q, "product_reference")
        if refs is not None:
            wanted = {r.strip() for r in refs.split(",")}
            preds.append(lambda k: bool(k["refs"] & wanted))
        return _sorted(self.snapshot().snippets, q, preds, ("date", "name"))

    def _clips(self, q: QueryParams) -> list[Row]:
        preds = _common_filters(q)
        orientation = parse_enum_list(q, "orientation", ("landscape", "portrait"))
        if orientation is not None:
            preds.append(lambda k: k["orientation"] in orientation)
        return _sorted(self.snapshot().clips, q, preds, ("date",))

    async def get_clip(self, request: Request) -> Response:
        return _by_id(self.snapshot().clips, request.path_params["id"])

    def _stickers(self, q: QueryParams) -> list[Row]:
        preds = _common_filters(q)
        media = _non_empty(q, "media_item_id")
        if media is not None:
            ids = {m.strip() for m in media.split(",")}
            preds.append(lambda k: k["media"] in ids)
        return _sorted(self.snapshot().stickers, q, preds, ("date", "name"))

    async def get_sticker(self, request: Request) -> Response:
        return _by_id(self.snapshot().stickers, request.path_params["id"])

    async def product_references(self, request: Request) -> Response:
        refs = [p["reference"] for c in self.world.channels for p in self.world.catalogs[c.slug]]
        return json_response({"items": refs})

    # webhooks --------------------------------------------------------------------------

    async def webhooks(self, request: Request) -> Response:
        if request.method == "POST":
            try:
                doc = orjson.loads(await request.body())
            except orjson.JSONDecodeError:
                raise BadRequest("Invalid JSON body", [], "invalid_type") from None
            sub = self.hub.create(doc, str(self._option("client", DEFAULT_CLIENT)))
            return json_response(sub.body(), 201)
        with self.hub.lock:
            items = [s.body() for s in self.hub.subs.values()]
        return json_response({"items": items})

    async def webhook(self, request: Request) -> Response:
        sub_id = request.path_params["id"]
        if request.method == "DELETE":
            return Response(status_code=204) if self.hub.delete(sub_id) else not_found()
        sub = self.hub.subs.get(sub_id)
        return json_response(sub.body()) if sub is not None else not_found()

    async def get_event(self, request: Request) -> Response:
        with self.hub.lock:
            event = self.hub.events.get(request.path_params["id"])
        return json_response(event) if event is not None else not_found()


def _sort(rows: list[Row], spec: list[tuple[str, bool]]) -> list[Row]:
    return apply_sort(rows, spec, lambda r, k: r.keys[k])


def _non_empty(q: QueryParams, name: str) -> str | None:
    raw = q.get(name)
    if raw is None:
        return None
    if not raw.strip():
        raise BadRequest("String must contain at least 1 character(s)", [name], "too_small")
    return raw


def _common_filters(q: QueryParams) -> list[Callable[[dict[str, Any]], bool]]:
    """``modified_since`` and ``show_id``, shared by snippets, short clips and stickers."""
    preds: list[Callable[[dict[str, Any]], bool]] = []
    if "modified_since" in q:
        since = parse_time(q["modified_since"], "modified_since")
        preds.append(lambda k: k["modifiedAt"] > since)
    show_id = _non_empty(q, "show_id")
    if show_id is not None:
        preds.append(lambda k: k.get("show_id") == show_id)
    return preds


def _sorted(
    rows: list[Row],
    q: QueryParams,
    preds: Iterable[Callable[[dict[str, Any]], bool]],
    sorts: tuple[str, ...],
) -> list[Row]:
    checks = list(preds)
    spec = parse_sort(q, sorts)
    out = [r for r in rows if all(p(r.keys) for p in checks)]
    return apply_sort(out, spec, lambda r, k: r.keys[k]) if spec else out


def _listing(
    select: Callable[[QueryParams], list[Row]], last_null: Callable[[], bool]
) -> tuple[Handler, Handler]:
    """The list and count handlers of one collection; paging is checked before filters."""

    async def listing(request: Request) -> Response:
        page = parse_page(request.query_params)
        return _page(select(request.query_params), page, last_null())

    async def count(request: Request) -> Response:
        return json_response({"count": len(select(request.query_params))})

    return listing, count


def _page(rows: list[Row], page: Page, last_null: bool) -> Response:
    doc = scroll(rows, page, last_null)
    doc["items"] = [r.frag for r in doc["items"]]
    return json_response(doc)


def _by_id(rows: list[Row], key: str) -> Response:
    for row in rows:
        if row.keys["id"] == key:
            return json_response(row.frag)
    return not_found()
