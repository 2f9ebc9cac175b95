"""The follower paging rules of docs/providers/trovo.md against servers that read the cursor
differently from the sandbox: the reference's own sample (5 of 9, ``cursor: 5``), a cursor
that counts pages, one that does not move, and an answer without ``total``.

A tiny loopback server plays each; the sandbox plays the offset reading (test_followers.py).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from pipelines.trovo.followers import fetch_followers
from pipelines.trovo.helpers import TrovoApi, trovo_client
from tests.pipelines.trovo.conftest import trovo_config

FOLLOWS = [f"2021-08-{d:02d} 02:21:37" for d in range(20, 8, -1)]  # 12 follows, newest first
PER_PAGE = 5  # the server's page, whatever limit is asked for (as in the reference's sample)

Answer = Callable[[int], dict[str, Any]]


def _rows(offset: int, count: int) -> list[dict[str, str]]:
    return [
        {"user_id": str(100_000_200 + i), "nickname": "n", "followed_at": FOLLOWS[i]}
        for i in range(offset, min(offset + count, len(FOLLOWS)))
    ]


def reference_sample(total: int) -> Answer:
    """The reference's reading: the cursor is an offset; the answer's is request + rows."""

    def answer(cursor: int) -> dict[str, Any]:
        rows = _rows(cursor, min(PER_PAGE, total - cursor))
        return {
            "total": str(total),
            "follower": rows,
            "total_page": -(-total // PER_PAGE),
            "cursor": cursor + len(rows),
        }

    return answer


def page_numbers(cursor: int) -> dict[str, Any]:
    """A cursor that counts pages (as top channels' does)."""
    return {
        "total": str(len(FOLLOWS)),
        "follower": _rows(cursor * PER_PAGE, PER_PAGE),
        "cursor": cursor + 1,
    }


def stuck(cursor: int) -> dict[str, Any]:
    """A cursor that never moves: the same page again and again."""
    return {"total": str(len(FOLLOWS)), "follower": _rows(0, PER_PAGE), "cursor": cursor}


def no_total(cursor: int) -> dict[str, Any]:
    """No ``total``: only an empty page says the list has ended."""
    rows = _rows(cursor, PER_PAGE)
    return {"follower": rows, "cursor": cursor + len(rows)}


class _Handler(BaseHTTPRequestHandler):
    answer: ClassVar[Answer]
    cursors: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert body["direction"] == "desc" and body["limit"] == 100
        self.cursors.append(body["cursor"])
        raw = json.dumps(type(self).answer(body["cursor"])).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *_: object) -> None:
        pass


class Walk:
    """One channel's followers walked against the loopback server playing ``answer``."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.users: list[str] = []

    def __call__(self, answer: Answer) -> list[int]:
        """The cursors the walk sent, in order."""
        _Handler.answer = staticmethod(answer)
        _Handler.cursors = []
        config = trovo_config(base_url=self.url, rate_limit=None)
        with trovo_client(config) as client:
            got = fetch_followers(
                TrovoApi(client),
                "1",
                datetime(2021, 1, 1, tzinfo=UTC),
                datetime(2022, 1, 1, tzinfo=UTC),
                threading.Event(),
            )
        assert got.error is None and got.pages == len(_Handler.cursors)
        self.users = [r["user_id"] for r in got.rows]
        return _Handler.cursors


@pytest.fixture
def server() -> Iterator[Walk]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield Walk(f"http://127.0.0.1:{httpd.server_address[1]}")
    httpd.shutdown()


def test_the_references_sample_stops_once_total_is_held(server: Walk) -> None:
    assert server(reference_sample(9)) == [0, 5]  # 5 then 4: "9" held, no third request
    assert len(server.users) == 9


def test_a_cursor_counting_pages_is_sent_back_as_it_came(server: Walk) -> None:
    assert server(page_numbers) == [0, 1, 2]  # 5 + 5 + 2 = the 12 of "total"
    assert len(set(server.users)) == 12


def test_a_cursor_that_does_not_move_ends_the_walk(server: Walk) -> None:
    assert server(stuck) == [0]
    assert len(server.users) == 5


def test_without_total_an_empty_page_ends_the_walk(server: Walk) -> None:
    assert server(no_total) == [0, 5, 10, 12]
    assert len(set(server.users)) == 12
