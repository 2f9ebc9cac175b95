"""Trovo, as two dlt sources: followers by day, and point-in-time snapshots.

- ``trovo_source`` (historical, daily partitions by the UTC day of ``followed_at``):
  ``followers`` of every configured channel, merged on (channel_id, user_id).
- ``trovo_snapshot_source`` (unpartitioned, every 5 minutes by default): ``channel_snapshots``
  (the channel state Trovo sessions are derived from), ``viewers``, ``top_channels``
  (appended, stamped ``observed_at``) and ``subscribers`` (merged on (channel_id, user_id);
  only with a user token).

Every request of every process using the same client id is counted against Trovo's
1200-a-minute limit (pipelines/ratelimit.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Any

import dlt
from dlt.sources import DltResource

from models.staging import trovo as staging
from pipelines.drift import ADDED_FIELDS_CONTRACT, with_added_fields
from pipelines.errors import AuthError, ProviderError
from pipelines.fanout import chunked, fan_out, fan_out_retrying, to_arrow
from pipelines.figures import FigureCheck
from pipelines.report import RunReport
from pipelines.spec import ProviderSpec, RawTable
from pipelines.trovo import helpers
from pipelines.trovo.check import check_credentials
from pipelines.trovo.errors import NotFound
from pipelines.trovo.followers import ChannelFollowers, fetch_followers
from pipelines.trovo.helpers import TrovoApi, trovo_client
from pipelines.trovo.schema import (
    CHANNEL_SNAPSHOTS,
    FOLLOWERS,
    KEY_FIGURES,
    SUBSCRIBERS,
    TOP_CHANNELS,
    VIEWERS,
)
from pipelines.trovo.settings import PROVIDER, ROWS_PER_BATCH, TrovoConfig
from pipelines.trovo.snapshots import channel_row, top_channels, viewers_row
from pipelines.trovo.subscribers import SCOPE, UserToken, subscriber_pages
from pipelines.units import utc_day, window_days

log = logging.getLogger("lsw.trovo")

__all__ = ["SPEC", "trovo_snapshot_source", "trovo_source"]


@dlt.source(name=PROVIDER, max_table_nesting=0)
def trovo_source(
    config: TrovoConfig, start: datetime, end: datetime, report: RunReport | None = None
) -> DltResource:
    """Followers of the configured channels who followed in [start, end).

    Args:
        config: ``sources.trovo`` (see TrovoConfig).
        start: window start (UTC, inclusive).
        end: window end (UTC, exclusive).
        report: receives request counts, warnings and the error that ended the run, if any.
    """
    report = report or RunReport(PROVIDER)

    @dlt.resource(
        name="followers",
        primary_key=("channel_id", "user_id"),
        write_disposition="merge",
        max_table_nesting=0,
    )
    def followers() -> Iterator[Any]:
        for batch in chunked(_followers(config, start, end, report), ROWS_PER_BATCH):
            yield to_arrow(batch, FOLLOWERS)

    return followers


def _followers(
    config: TrovoConfig, start: datetime, end: datetime, report: RunReport
) -> Iterator[dict[str, Any]]:
    days = window_days(start, end)
    with trovo_client(config) as client:
        api = TrovoApi(client)
        try:
            for result in fan_out_retrying(
                config.channel_ids,
                lambda channel, stop: fetch_followers(api, channel, start, end, stop),
                concurrency=config.concurrency,
                error_of=lambda channel: channel.error,
                report=report,
            ):
                _account(result, report, days)
                yield from result.rows
        finally:
            report.add(requests=client.requests_made)


def _account(result: ChannelFollowers, report: RunReport, days: list[date]) -> None:
    report.add(rows=len(result.rows), pages=result.pages)
    if result.missing is not None:
        _skip(report, result.channel_id, result.missing)
    if result.error is not None:
        report.fail(result.error)
    if result.error is not None or result.stopped:
        # newest first: days after the oldest follow seen are whole; the rest were not reached
        seen = result.complete_after
        report.mark_incomplete(
            result.channel_id,
            [d for d in days if seen is None or d <= utc_day(int(seen.timestamp()))],
        )


def _skip(report: RunReport, channel_id: str, error: ProviderError) -> None:
    line = f"{PROVIDER}: channel {channel_id} skipped: {error.cause}"
    report.warn(line)
    log.warning(line)


@dlt.source(name=PROVIDER, max_table_nesting=0)
def trovo_snapshot_source(config: TrovoConfig, report: RunReport | None = None) -> list[Any]:
    """The configured channels' state and audience now, the top channels list and, with a
    user token, the subscribers of the channel it belongs to. Every row of one snapshot is
    stamped with the same ``observed_at``.

    Args:
        config: ``sources.trovo`` (see TrovoConfig).
        report: receives request counts, warnings and the error that ended the run, if any.
    """
    report = report or RunReport(PROVIDER)
    observed = helpers.observed_now()
    stop = threading.Event()  # a refused Client-ID stops every resource of the snapshot

    @dlt.resource(
        name="channel_snapshots",
        write_disposition="append",
        max_table_nesting=0,
        schema_contract=ADDED_FIELDS_CONTRACT,
    )
    def channel_snapshots() -> Iterator[Any]:
        rows = _per_channel(config, report, stop, lambda api, c: channel_row(api, c, observed))
        check = FigureCheck(KEY_FIGURES)
        check.split(rows)
        line = check.line(PROVIDER, "channel snapshots")
        if line:  # NULL is read as "not reported" downstream: loaded, but said
            report.warn(line)
            log.warning(line)
        if rows:
            yield with_added_fields(rows, CHANNEL_SNAPSHOTS)

    @dlt.resource(name="viewers", write_disposition="append", max_table_nesting=0)
    def viewers() -> Iterator[Any]:
        rows = _per_channel(config, report, stop, lambda api, c: viewers_row(api, c, observed))
        if rows:
            yield to_arrow(rows, VIEWERS)

    @dlt.resource(name="top_channels", write_disposition="append", max_table_nesting=0)
    def top() -> Iterator[Any]:
        walked = _guarded(
            config,
            report,
            stop,
            lambda api: top_channels(
                api, config.top_channels_category, config.top_channels_max_pages, observed
            ),
        )
        if walked is not None:
            report.add(rows=len(walked.rows), pages=walked.pages)
            for batch in chunked(walked.rows, ROWS_PER_BATCH):
                yield to_arrow(batch, TOP_CHANNELS)

    @dlt.resource(
        name="subscribers",
        primary_key=("channel_id", "user_id"),
        write_disposition="merge",
        max_table_nesting=0,
    )
    def subscribers() -> Iterator[Any]:
        if not config.user_token:
            return
        rows = _guarded(
            config, report, stop, lambda api: _subscribers(api, config, report, observed)
        )
        for batch in chunked(rows or [], ROWS_PER_BATCH):
            yield to_arrow(batch, SUBSCRIBERS)

    return [channel_snapshots, viewers, top, subscribers]


def _per_channel(
    config: TrovoConfig,
    report: RunReport,
    stop: threading.Event,
    read: Callable[[TrovoApi, str], dict[str, Any]],
) -> list[dict[str, Any]]:
    """``read`` for every configured channel (a few at once): one row each; a channel that
    does not exist is skipped with a warning; another error ends the resource."""
    if stop.is_set():
        return []
    rows: list[dict[str, Any]] = []
    with trovo_client(config) as client:
        api = TrovoApi(client)

        def work(channel: str, halt: threading.Event) -> dict[str, Any] | None:
            if halt.is_set() or stop.is_set():
                return None
            try:
                return read(api, channel)
            except NotFound as exc:
                _skip(report, channel, exc)
            except ProviderError as exc:
                report.fail(exc)
                halt.set()
                if isinstance(exc, AuthError):
                    stop.set()
            return None

        try:
            for row in fan_out(config.channel_ids, work, concurrency=config.concurrency):
                if row is not None:
                    rows.append(row)
        finally:
            report.add(rows=len(rows), pages=len(rows), requests=client.requests_made)
    return rows


def _guarded(
    config: TrovoConfig,
    report: RunReport,
    stop: threading.Event,
    read: Callable[[TrovoApi], Any],
) -> Any:
    """``read`` with its own client; a provider error is recorded, not raised."""
    if stop.is_set():
        return None
    with trovo_client(config) as client:
        try:
            return read(TrovoApi(client))
        except ProviderError as exc:
            report.fail(exc)
            if isinstance(exc, AuthError):
                stop.set()
            return None
        finally:
            report.add(requests=client.requests_made)


def _subscribers(
    api: TrovoApi, config: TrovoConfig, report: RunReport, observed: datetime
) -> list[dict[str, Any]]:
    token = UserToken(api, config)
    access, who = token.owner()
    owner = who["uid"]
    if who.get("scopes") is not None and SCOPE not in (who.get("scopes") or []):
        raise AuthError(
            PROVIDER,
            "GET /validate",
            f"the access token of channel {owner} lacks scope {SCOPE}: authorise the app "
            "again with it to read subscribers",
        )
    if owner not in config.channel_ids:
        report.warn(
            f"{PROVIDER}: no subscribers read: the access token belongs to channel {owner}, "
            "which is not in channel_ids"
        )
        return []
    others = [channel for channel in config.channel_ids if channel != owner]
    if others:
        report.warn(
            f"{PROVIDER}: subscribers of channel{'s' if len(others) > 1 else ''} "
            f"{', '.join(others)} skipped: Trovo lists a channel's subscribers only to its "
            f"owner, and the access token is channel {owner}'s"
        )
    rows: list[dict[str, Any]] = []
    for page in subscriber_pages(api, token, access, owner, observed):
        report.add(pages=1, rows=len(page))
        rows.extend(page)
    return rows


SPEC = ProviderSpec(
    name=PROVIDER,
    config=TrovoConfig,
    source=trovo_source,
    resources=("followers",),
    check=check_credentials,
    raw_tables=(
        RawTable("channel_snapshots", scope=staging.snapshots_of_window),
        RawTable("followers", "followed_at", "timestamp", key=("channel_id", "user_id")),
    ),
    stage=staging.stage,
    snapshot=trovo_snapshot_source,
    snapshot_resources=("channel_snapshots", "viewers", "top_channels", "subscribers"),
    snapshot_cron="*/5 * * * *",
    about={
        "followers": "One row per follower of each configured channel, in the partition of the "
        "day they followed (followed_at); read incrementally, newest first.",
        "channel_snapshots": "Point in time: each configured channel's state (live or not, "
        "title, current viewers, followers), stamped observed_at; sessions are derived from it.",
        "viewers": "Point in time: who was watching each live channel, stamped observed_at.",
        "top_channels": "Point in time: Trovo's top live channels, stamped observed_at.",
        "subscribers": "Point in time: the subscribers of the channel whose user token is "
        "configured, stamped observed_at.",
    },
)
