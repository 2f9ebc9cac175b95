"""The landing store in PostgreSQL (LSW_STATE_URL): each record once, read in an order a
cursor can follow while several writers add, and a receiver killed with SIGKILL keeps every
delivery it acknowledged."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from pathlib import Path

import httpx
import orjson
import pytest

from live.credentials import load_secret
from live.lisa_events import SOURCE
from live.pg_store import PostgresLandingStore
from live.store import Record, existing_store, open_store
from pipelines.statedb import StateDbError
from pipelines.tokens import PostgresTokenStore
from tests.live.receiving import deliver_until_killed, serve
from tests.live.test_receiver import event


def test_records_are_stored_once_in_order_and_seen_by_another_connection(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LSW_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("LSW_STATE_URL", postgres_url)
    store = open_store()
    assert isinstance(store, PostgresLandingStore)
    with store:
        first = store.add([Record("a", "1", 1.0, b"{}"), Record("b", "1", 2.0, b"[]")])
        again = store.add(
            [
                Record("a", "1", 3.0, b'{"x": 1}'),
                Record("a", "2", 4.0, b"{}"),
                Record("a", "2", 5.0, b""),
            ]
        )
        assert (first, again) == ([True, True], [False, True, False])
        assert store.add([]) == []
        other = existing_store()  # another process's view, while this one is open
        assert isinstance(other, PostgresLandingStore)
        with other:
            landed = other.read(0, 10)
            assert [(r.source, r.record_id, r.received_at, r.body) for r in landed] == [
                ("a", "1", 1.0, b"{}"),
                ("b", "1", 2.0, b"[]"),
                ("a", "2", 4.0, b"{}"),
            ]
            seqs = [r.seq for r in landed]
            assert seqs == sorted(set(seqs))
            assert other.read(seqs[0], 1) == landed[1:2]
            assert (other.count(), other.count("a"), other.count("c")) == (3, 2, 0)
    assert store.where == f"{postgres_url} lsw_state.landing"
    assert not (tmp_path / "landing.sqlite3").exists()  # nothing landed on this machine


def test_a_cursor_following_four_writers_misses_nothing(postgres_url: str) -> None:
    """A reader that moves its cursor to the last seq it read (the sensor) while four
    machines add: every record is read, once."""
    writers, each = 4, 150
    done = threading.Event()

    def write(n: int) -> None:
        with PostgresLandingStore(postgres_url) as store:
            for i in range(each):
                store.add([Record("w", f"{n}-{i}", 0.0, b"{}")])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    seen: list[str] = []
    with PostgresLandingStore(postgres_url) as reader:
        for thread in threads:
            thread.start()
        cursor = 0
        while not done.is_set():
            done_now = not any(thread.is_alive() for thread in threads)
            for record in reader.read(cursor, 50):
                seen.append(record.record_id)
                cursor = record.seq
            if done_now and not reader.read(cursor, 1):
                done.set()
    assert len(seen) == writers * each
    assert set(seen) == {f"{n}-{i}" for n in range(writers) for i in range(each)}


def test_a_receiver_killed_keeps_every_acknowledged_delivery_once_after_redelivery(
    postgres_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "LSW_STATE_URL": postgres_url,
        "LSW_STATE_DIR": str(tmp_path / "state"),
        "LSW_TOKEN_DIR": str(tmp_path / "tokens"),
    }
    server, url = serve(env)
    try:
        secret = load_secret(PostgresTokenStore(postgres_url))  # the receiver's, in the database
        assert secret is not None
        auth = {"authorization": f"Bearer {secret}"}
        attempted, acknowledged = deliver_until_killed(server, url, auth, kill_after=100)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()

    with PostgresLandingStore(postgres_url) as store:
        kept = {r.record_id for r in store.read(0, 100_000)}
        assert set(acknowledged) <= kept  # nothing acknowledged was lost with the receiver

        # LiSA delivers again whatever was not acknowledged, and some of what was
        server, url = serve(env)
        try:

            async def redeliver() -> list[int]:
                async with httpx.AsyncClient(timeout=30) as client:
                    answers = await asyncio.gather(
                        *(
                            client.post(url, content=body, headers=auth)
                            for body in attempted.values()
                        )
                    )
                return [a.status_code for a in answers]

            assert asyncio.run(redeliver()) == [200] * len(attempted)
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
        landed = [r.record_id for r in store.read(0, 100_000)]
        assert len(landed) == len(attempted) == store.count(SOURCE)
        assert set(landed) == set(attempted)
        assert len(acknowledged) >= 100
    assert not (tmp_path / "state" / "landing.sqlite3").exists()


def test_an_unreachable_database_is_one_line_without_the_password() -> None:
    with pytest.raises(StateDbError) as caught:
        PostgresLandingStore("postgresql://lsw:hunter2-secret@127.0.0.1:9/state")
    message = str(caught.value)
    assert message.startswith(
        "landing store postgresql://lsw:***@127.0.0.1:9/state lsw_state.landing: cannot be "
        "reached: "
    )
    assert "hunter2" not in message and "\n" not in message


def test_the_sensor_drains_the_postgres_store_into_the_warehouse(
    warehouse: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dagster import SensorResult, SkipReason

    from tests.dagster_project.test_live_sensor import evaluate, query

    monkeypatch.setenv("LSW_STATE_URL", postgres_url)
    skipped = evaluate()
    assert isinstance(skipped, SkipReason) and skipped.skip_message == "nothing new after record 0"
    events = [event(eventType="Show:update") for _ in range(3)]
    with PostgresLandingStore(postgres_url) as store:  # as a receiver on another machine would
        store.add([Record(SOURCE, e["id"], 0.0, orjson.dumps(e)) for e in events])
        last = store.read(0, 10)[-1].seq
    result = evaluate()
    assert isinstance(result, SensorResult) and result.cursor == str(last)
    assert query(warehouse, "select count(*) from live.lisa_events") == [(3,)]
    assert isinstance(evaluate(result.cursor), SkipReason)
    assert not (warehouse.parent / ".lsw" / "landing.sqlite3").exists()
