"""The shared token store on real files, with real processes racing, crashing and being killed.

The provider is a small file-backed authority that behaves like Shopee's token endpoint: a
refresh token works once, and a refresh revokes the access token it replaces. It lives in a
file guarded by its own flock, so every process of a test sees the same authority.
"""

from __future__ import annotations

import fcntl
import json
import logging
import multiprocessing
import os
import secrets
import signal
import stat
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipelines.redaction import MASK, redact
from pipelines.tokens import (
    FileTokenStore,
    TokenKeeper,
    Tokens,
    TokenStoreError,
    fingerprint,
)
from pipelines.tokens.files import file_name

SPAWN = multiprocessing.get_context("spawn")
PROVIDER, ACCOUNT = "shopee", "840123"
HOUR = 3600.0


class Refused(Exception):
    """The authority refused a refresh token (spent or never issued)."""


@dataclass(frozen=True)
class Authority:
    """A single-use refresh-token authority shared by processes through one JSON file."""

    directory: Path
    lifetime_s: float = HOUR
    delay_s: float = 0.0  # how long a refresh takes: widens the window a race needs

    @contextmanager
    def _state(self) -> Iterator[dict[str, Any]]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "authority.lock", "a") as guard:
            fcntl.flock(guard, fcntl.LOCK_EX)
            path = self.directory / "authority.json"
            state = json.loads(path.read_text()) if path.exists() else {}
            state.setdefault("valid_refresh", [])
            state.setdefault("spent", [])
            state.setdefault("refused", 0)
            state.setdefault("access", None)
            state.setdefault("issued", [])
            try:
                yield state
            finally:  # a refusal is recorded too
                path.write_text(json.dumps(state))

    def grant(self) -> str:
        """What the seller's authorisation hands out: a first refresh token to configure."""
        with self._state() as state:
            token = f"grant-{secrets.token_hex(8)}"
            state["valid_refresh"].append(token)
            state["issued"].append(token)
            return token

    def refresh(self, refresh_token: str | None, now: float | None = None) -> Tokens:
        with self._state() as state:
            time.sleep(self.delay_s)
            if refresh_token not in state["valid_refresh"]:
                state["refused"] += 1
                raise Refused("error_auth: invalid refresh_token")
            state["valid_refresh"].remove(refresh_token)
            state["spent"].append(refresh_token)
            n = len(state["spent"])
            access, rotated = f"acc{n}-{secrets.token_hex(8)}", f"ref{n}-{secrets.token_hex(8)}"
            state["valid_refresh"].append(rotated)
            state["access"] = access  # the one working access token: older ones are revoked
            state["issued"] += [access, rotated]
            return Tokens(access, (now or time.time()) + self.lifetime_s, rotated)

    def revoke(self, refresh_token: str) -> None:
        """Invalidate a refresh token, as if someone else had spent it."""
        with self._state() as state:
            state["valid_refresh"].remove(refresh_token)

    def state(self) -> dict[str, Any]:
        with self._state() as state:
            return state


class Clock:
    """Real time plus an offset a test moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def _keeper(
    store: FileTokenStore, authority: Authority, seed: str | None, clock: Clock | None = None
) -> TokenKeeper:
    clock = clock or Clock()
    return TokenKeeper(
        store,
        PROVIDER,
        ACCOUNT,
        refresh=lambda spend: authority.refresh(spend, clock()),
        seed_refresh_token=seed,
        clock=clock,
    )


def _stored(store: FileTokenStore, provider: str = PROVIDER, account: str = ACCOUNT) -> Tokens:
    tokens = store.load(provider, account)
    assert tokens is not None
    return tokens


@pytest.fixture
def store(tmp_path: Path) -> FileTokenStore:
    return FileTokenStore(tmp_path / "state" / "tokens", lock_timeout_s=10)


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return Authority(tmp_path / "authority")


# --- the file store ---------------------------------------------------------------------------


@pytest.mark.parametrize("umask", [0o000, 0o277])
def test_directories_0700_and_files_0600_whatever_the_umask(
    store: FileTokenStore, umask: int
) -> None:
    previous = os.umask(umask)
    try:
        store.save(PROVIDER, ACCOUNT, Tokens("access-abcdef", 1e10, "refresh-abcdef", "s"))
    finally:
        os.umask(previous)
    path = store.path(PROVIDER, ACCOUNT)
    modes = {
        p.name: stat.S_IMODE(p.stat().st_mode)
        for p in (store.directory, path.parent, path, path.with_suffix(".lock"))
    }
    assert modes == {"tokens": 0o700, "shopee": 0o700, "840123.json": 0o600, "840123.lock": 0o600}
    assert sorted(p.name for p in path.parent.iterdir()) == ["840123.json", "840123.lock"]


def test_round_trip_and_one_file_per_account_whatever_its_name(store: FileTokenStore) -> None:
    accounts = ["default", "Shop/A", "shop%2FA", "..", "shop-a", "SHOP-A"]
    for n, account in enumerate(accounts):
        store.save(PROVIDER, account, Tokens(f"access-{n:04d}", 1000.0 + n, None, f"seed{n}"))
    for n, account in enumerate(accounts):
        assert store.load(PROVIDER, account) == Tokens(
            f"access-{n:04d}", 1000.0 + n, None, f"seed{n}"
        )
    names = sorted(p.name for p in (store.directory / "shopee").glob("*.json"))
    assert names == sorted(
        ["default.json", "%53hop%2F%41.json", "shop%252%46%41.json", "%2E%2E.json",
         "shop-a.json", "%53%48%4F%50-%41.json"]
    )  # fmt: skip
    assert store.load(PROVIDER, "nobody") is None
    assert store.load("firework", "default") is None
    assert len(file_name("x" * 400)) == 141 and file_name("x" * 400) != file_name("x" * 401)


def test_a_reader_never_sees_a_partial_file(store: FileTokenStore) -> None:
    """A writer process saves 150 versions of large tokens while this process reads them."""
    store.save(PROVIDER, ACCOUNT, _version(0))
    writer = SPAWN.Process(target=_write_versions, args=(store.directory, 150))
    writer.start()
    seen: set[int] = set()
    while writer.is_alive() or not seen:
        tokens = store.load(PROVIDER, ACCOUNT)
        assert tokens is not None
        version = int(tokens.expires_at)
        assert tokens.access_token[:11] == f"access-{version:04d}"
        assert tokens.refresh_token is not None
        assert tokens.refresh_token[:12] == f"refresh-{version:04d}"
        assert len(tokens.access_token) == len(tokens.refresh_token) - 1 == 20_011
        seen.add(version)
    writer.join()
    assert writer.exitcode == 0
    assert len(seen) > 10  # the reads really did interleave with the writes
    assert _stored(store).expires_at == 150.0


def _version(n: int) -> Tokens:
    return Tokens(f"access-{n:04d}" + "a" * 20_000, float(n), f"refresh-{n:04d}" + "r" * 20_000)


def _write_versions(directory: Path, count: int) -> None:
    store = FileTokenStore(directory)
    for version in range(1, count + 1):
        store.save(PROVIDER, ACCOUNT, _version(version))


def test_a_save_killed_before_its_rename_leaves_the_old_tokens(store: FileTokenStore) -> None:
    old = Tokens("access-old-1", 1e10, "refresh-old-1", "seed")
    store.save(PROVIDER, ACCOUNT, old)
    crashed = SPAWN.Process(target=_die_before_rename, args=(store.directory,))
    crashed.start()
    crashed.join()
    assert crashed.exitcode == -signal.SIGKILL
    path = store.path(PROVIDER, ACCOUNT)
    leftovers = list(path.parent.glob(".*.tmp"))
    assert [json.loads(p.read_text())["access_token"] for p in leftovers] == ["access-new-1"]
    assert store.load(PROVIDER, ACCOUNT) == old  # the leftover is ignored...
    with store.lock(PROVIDER, ACCOUNT):
        assert list(path.parent.glob(".*.tmp")) == []  # ...and cleaned by the next lock holder
    assert store.load(PROVIDER, ACCOUNT) == old


def _die_before_rename(directory: Path) -> None:
    def die(*args: object) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    os.replace = die  # type: ignore[assignment]  # this process dies here anyway
    FileTokenStore(directory).save(PROVIDER, ACCOUNT, Tokens("access-new-1", 1e10, "refresh-new-1"))


def test_a_store_open_to_other_users_is_refused(store: FileTokenStore) -> None:
    store.save(PROVIDER, ACCOUNT, Tokens("access-secret-1", 1e10, "refresh-secret-1"))
    path = store.path(PROVIDER, ACCOUNT)
    path.chmod(0o644)
    with pytest.raises(TokenStoreError) as caught:
        store.load(PROVIDER, ACCOUNT)
    assert str(caught.value) == (
        f"shopee: token store: {path}: is open to other users (mode 0644); run: chmod 600 {path}"
    )
    path.chmod(0o600)
    path.parent.chmod(0o755)
    with pytest.raises(TokenStoreError) as caught:
        store.load(PROVIDER, ACCOUNT)
    folder = path.parent
    assert str(caught.value) == (
        f"shopee: token store: {folder}: is open to other users (mode 0755); run: chmod 700 {folder}"
    )


@pytest.mark.parametrize(
    ("content", "what"),
    [
        ('{"access_token": "access-secret-1", "expires_at": 1e10, ', "not JSON"),
        ('{"expires_at": 1e10, "refresh_token": "refresh-secret-1", "seed": null}', "access_token missing or of the wrong type"),
        ('{"access_token": "access-secret-1", "expires_at": "soon", "refresh_token": null, "seed": null}', "expires_at missing or of the wrong type"),
        ('["access-secret-1"]', "access_token missing or of the wrong type"),
    ],
)  # fmt: skip
def test_a_corrupt_file_is_reported_never_skipped(
    store: FileTokenStore, authority: Authority, content: str, what: str
) -> None:
    store.save(PROVIDER, ACCOUNT, Tokens("access-other", 1.0))  # creates the directories
    path = store.path(PROVIDER, ACCOUNT)
    path.write_text(content)
    expected = (
        f"shopee: token store: {path}: is corrupt ({what}); move it aside and authorise the "
        "account again (see docs/token-store.md)"
    )
    with pytest.raises(TokenStoreError) as caught:
        store.load(PROVIDER, ACCOUNT)
    assert str(caught.value) == expected
    keeper = _keeper(store, authority, authority.grant())
    with pytest.raises(TokenStoreError) as caught:
        keeper.access_token()  # the keeper does not paper over it with a fresh chain either
    assert str(caught.value) == expected
    assert authority.state()["spent"] == [] and path.read_text() == content


def test_an_unreadable_file_is_one_line_naming_it(store: FileTokenStore) -> None:
    path = store.path(PROVIDER, ACCOUNT)
    path.mkdir(parents=True)  # a directory where the file should be (root reads any file)
    for folder in (store.directory, path.parent):
        folder.chmod(0o700)
    with pytest.raises(TokenStoreError) as caught:
        store.load(PROVIDER, ACCOUNT)
    assert str(caught.value) == f"shopee: token store: {path}: cannot be read: Is a directory"


def test_a_lock_held_elsewhere_times_out_with_one_line(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens", lock_timeout_s=0.2)
    with store.lock(PROVIDER, ACCOUNT):
        pass  # creates the lock file
    lock_path = store.path(PROVIDER, ACCOUNT).with_suffix(".lock")
    with open(lock_path) as other:  # another open file: flock treats it as another holder
        fcntl.flock(other, fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(TokenStoreError) as caught, store.lock(PROVIDER, ACCOUNT):
            pass
        assert 0.2 <= time.monotonic() - started < 2
    assert str(caught.value) == (
        f"shopee: token store: {lock_path}: still locked by another run after 0.2 s"
    )
    with store.lock(PROVIDER, ACCOUNT), store.lock(PROVIDER, ACCOUNT):
        pass  # released, and re-entrant within a thread


def test_a_forked_child_does_not_keep_the_lock(store: FileTokenStore) -> None:
    """fork shares the open lock file; the child must let go of it or the lock outlives us."""
    lock_path = store.path(PROVIDER, ACCOUNT).with_suffix(".lock")
    ready_r, ready_w = os.pipe()
    release_r, release_w = os.pipe()
    with store.lock(PROVIDER, ACCOUNT):
        child = os.fork()
        if child == 0:  # the child says it runs (fork's hooks are done), waits, and leaves
            os.write(ready_w, b"r")
            os.read(release_r, 1)
            os._exit(0)
    try:
        assert os.read(ready_r, 1) == b"r"
        with open(lock_path) as other:
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if still held
    finally:
        os.write(release_w, b"x")
        os.waitpid(child, 0)
        for descriptor in (ready_r, ready_w, release_r, release_w):
            os.close(descriptor)


# --- the keeper's policy ------------------------------------------------------------------------


def test_reused_until_the_margin_then_refreshed(
    store: FileTokenStore, authority: Authority
) -> None:
    clock = Clock()
    keeper = _keeper(store, authority, authority.grant(), clock)
    first = keeper.access_token()
    clock.offset = HOUR - 301  # 301 s left: more than the 300 s margin
    assert keeper.access_token() == first
    assert len(authority.state()["spent"]) == 1
    clock.offset = HOUR - 299  # inside the margin
    second = keeper.access_token()
    assert second != first and second == authority.state()["access"]
    clock.offset = 2 * HOUR - 301 - 299
    assert keeper.access_token() == second
    clock.offset = 3 * HOUR  # long expired
    third = keeper.access_token()
    assert third not in (first, second) and len(authority.state()["spent"]) == 3


def test_a_token_shorter_lived_than_the_margin_is_used_and_warned_about(
    store: FileTokenStore, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    brief = Authority(tmp_path / "brief", lifetime_s=200)
    keeper = _keeper(store, brief, brief.grant())
    with caplog.at_level(logging.WARNING):
        assert keeper.access_token() == brief.state()["access"]
    assert caplog.messages == [
        "shopee account 840123: a new access token lives 200 s, within the 300 s refresh margin, "
        "so every use will refresh it; lower margin_s"
    ]


def test_rejected_refreshes_once_and_a_second_caller_gets_the_new_token(
    store: FileTokenStore, authority: Authority
) -> None:
    seed = authority.grant()
    first, second = _keeper(store, authority, seed), _keeper(store, authority, seed)
    refused = first.access_token()
    assert second.access_token() == refused
    renewed = first.rejected(refused)
    assert renewed != refused and renewed == authority.state()["access"]
    assert second.rejected(refused) == renewed  # someone else already refreshed: no refresh
    assert second.access_token() == renewed
    assert len(authority.state()["spent"]) == 2
    assert first.rejected(renewed) != renewed  # the new one refused too: one more refresh
    assert len(authority.state()["spent"]) == 3 and authority.state()["refused"] == 0


def test_threads_of_one_process_refresh_once(store: FileTokenStore, authority: Authority) -> None:
    keeper = _keeper(store, Authority(authority.directory, delay_s=0.2), authority.grant())
    barrier, got = threading.Barrier(8), []

    def work() -> None:
        barrier.wait()
        got.append(keeper.access_token())

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state = authority.state()
    assert got == [state["access"]] * 8
    assert len(state["spent"]) == 1 and state["refused"] == 0


def test_chain_rule_configured_seed_only_until_the_store_holds_a_newer_token(
    store: FileTokenStore, authority: Authority
) -> None:
    clock = Clock()
    configured = authority.grant()
    _keeper(store, authority, configured, clock).access_token()
    clock.offset = 2 * HOUR
    # A later run with the same configuration: the configured token is spent, the chain goes on.
    _keeper(store, authority, configured, clock).access_token()
    state = authority.state()
    assert state["spent"] == [configured, state["issued"][2]]  # the seed, then the rotated one
    assert _stored(store).seed == fingerprint(configured)

    # The seller authorised again and a new refresh token is configured: a new chain starts at
    # once, even though the stored access token (of the old chain) is still valid.
    reauthorised = authority.grant()
    keeper = _keeper(store, authority, reauthorised, clock)
    fresh = keeper.access_token()
    state = authority.state()
    assert state["spent"][-1] == reauthorised and fresh == state["access"]
    assert _stored(store).seed == fingerprint(reauthorised)
    clock.offset = 4 * HOUR
    keeper.access_token()
    assert authority.state()["spent"][-1] == authority.state()["issued"][-3]  # its own rotation
    assert authority.state()["refused"] == 0


def test_client_credentials_chain_follows_the_configured_secret(store: FileTokenStore) -> None:
    minted: list[str | None] = []

    def mint(spend: str | None) -> Tokens:
        minted.append(spend)
        return Tokens(f"bearer-{len(minted):04d}", time.time() + HOUR)

    def keeper(secret: str) -> TokenKeeper:
        seed = fingerprint("client-1", secret)
        return TokenKeeper(store, "firework", "default", refresh=mint, seed=seed)

    assert keeper("secret-aaaa").access_token() == "bearer-0001"
    assert keeper("secret-aaaa").access_token() == "bearer-0001"  # a later run reuses it
    assert keeper("secret-bbbb").access_token() == "bearer-0002"  # a new secret, a new token
    assert minted == [None, None]
    stored = _stored(store, "firework", "default")
    assert stored == Tokens(
        "bearer-0002", stored.expires_at, None, fingerprint("client-1", "secret-bbbb")
    )


def test_a_refused_refresh_raises_and_keeps_the_stored_tokens(
    store: FileTokenStore, authority: Authority
) -> None:
    clock = Clock()
    configured = authority.grant()
    keeper = _keeper(store, authority, configured, clock)
    keeper.access_token()
    before = _stored(store)
    authority.revoke(before.refresh_token or "")
    clock.offset = 2 * HOUR
    with pytest.raises(Refused, match=r"^error_auth: invalid refresh_token$"):
        keeper.access_token()
    assert store.load(PROVIDER, ACCOUNT) == before
    assert authority.state()["refused"] == 1


def test_no_token_in_any_log_record_or_error(
    store: FileTokenStore, authority: Authority, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    configured = authority.grant()
    errors: list[str] = []
    with caplog.at_level(logging.DEBUG):
        keeper = _keeper(store, authority, configured, clock)
        token = keeper.access_token()
        keeper.rejected(token)
        clock.offset = 2 * HOUR
        keeper.access_token()
        tokens = _stored(store)
        errors.append(repr(tokens))
        path = store.path(PROVIDER, ACCOUNT)
        path.write_text(path.read_text()[:-40])  # corrupt: cut short
        with pytest.raises(TokenStoreError) as caught:
            keeper.rejected(token)
        errors += [str(caught.value), repr(caught.value)]
    issued = authority.state()["issued"]
    assert len(issued) == 7  # the grant and three refreshes
    assert caplog.messages == [
        "shopee account 840123: access token refreshed from the configured credential; valid for 3600 s",
        "shopee account 840123: access token refreshed from the stored refresh token; valid for 3600 s",
        "shopee account 840123: access token refreshed from the stored refresh token; valid for 3600 s",
    ]
    for value in issued:
        assert value not in caplog.text
        assert all(value not in error for error in errors)
        assert redact(f"value={value}!") == f"value={MASK}!"  # registered for every log line
    assert (
        errors[0] == f"Tokens(expires_at={tokens.expires_at!r}, seed={fingerprint(configured)!r})"
    )


# --- real processes: racing, and killed ---------------------------------------------------------


def test_two_processes_refresh_one_account_once_per_expiry(
    store: FileTokenStore, authority: Authority
) -> None:
    """Both processes need a token at the same moment, twice: at start and after expiry."""
    slow = Authority(authority.directory, delay_s=0.3)
    configured = slow.grant()
    barrier, results = SPAWN.Barrier(2), SPAWN.Queue()
    racers = [
        SPAWN.Process(
            target=_race,
            args=(store.directory, slow, configured, barrier, results, [0.0, 2 * HOUR]),
        )
        for _ in range(2)
    ]
    for racer in racers:
        racer.start()
    got = [results.get(timeout=30) for _ in racers]
    for racer in racers:
        racer.join(timeout=30)
    assert [racer.exitcode for racer in racers] == [0, 0]
    state = slow.state()
    assert state["refused"] == 0
    assert state["spent"] == [configured, state["issued"][2]]  # one refresh per expiry
    first, second = state["issued"][1], state["issued"][3]
    assert got == [[first, second], [first, second]] and second == state["access"]


def _race(
    directory: Path,
    authority: Authority,
    configured: str,
    barrier: Any,
    results: Any,
    offsets: list[float],
) -> None:
    clock = Clock()
    keeper = _keeper(FileTokenStore(directory, lock_timeout_s=10), authority, configured, clock)
    got = []
    for offset in offsets:
        clock.offset = offset
        barrier.wait(timeout=20)
        got.append(keeper.access_token())
    results.put(got)


class _DiesAfterSave(FileTokenStore):
    def save(self, provider: str, account: str, tokens: Tokens) -> None:
        super().save(provider, account, tokens)
        os.kill(os.getpid(), signal.SIGKILL)


def _refresh_and_die(directory: Path, authority: Authority, configured: str) -> None:
    _keeper(_DiesAfterSave(directory), authority, configured).access_token()


def test_a_process_killed_right_after_saving_leaves_the_account_working(
    store: FileTokenStore, authority: Authority
) -> None:
    configured = authority.grant()
    victim = SPAWN.Process(target=_refresh_and_die, args=(store.directory, authority, configured))
    victim.start()
    victim.join(timeout=30)
    assert victim.exitcode == -signal.SIGKILL
    state = authority.state()
    assert state["spent"] == [configured]  # the configured refresh token is gone for good

    clock = Clock()
    keeper = _keeper(store, authority, configured, clock)  # the next run, same configuration
    assert keeper.access_token() == state["access"]  # the victim's token, no refresh needed
    clock.offset = 2 * HOUR
    renewed = keeper.access_token()  # the killed process held the lock: the kernel released it
    state = authority.state()
    assert renewed == state["access"]
    assert state["spent"] == [configured, state["issued"][2]] and state["refused"] == 0
