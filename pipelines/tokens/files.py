"""The token store as files: ``<directory>/<provider>/<account>.json``, one per account.

Directories are 0700 and files 0600 whatever the umask, and a store found open to other
users is refused rather than used. A save writes a temp file in the same directory, fsyncs
it, renames it over the old file and fsyncs the directory: a reader (or a process started
after a crash) sees the old tokens or the new ones, never a mix. An account's lock is an
``flock`` on its own ``<account>.lock`` file (warehouse/flock.py).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import string
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

from pipelines.tokens.base import Tokens, TokenStoreError
from warehouse.flock import LockTimeout, file_lock

_SAFE = frozenset(string.ascii_lowercase + string.digits + "-_")
_MAX_NAME = 150
_REAUTHORISE = "move it aside and authorise the account again (see docs/token-store.md)"


def file_name(name: str) -> str:
    """``name`` made safe as a file name, one-to-one.

    Anything but lowercase letters, digits, ``-`` and ``_`` becomes ``%XX`` (UTF-8 bytes,
    upper-case hex), so two accounts never share a file, not even on a case-insensitive
    file system, and no name can be ``.``, ``..`` or look like a temp file (they start with
    a dot). Very long names keep a prefix and a digest of the whole.
    """
    if not name:
        raise ValueError("a provider or account name must not be empty")
    safe = "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode()) for c in name)
    if len(safe) > _MAX_NAME:
        safe = f"{safe[:100]}~{hashlib.sha256(name.encode()).hexdigest()[:40]}"
    return safe


class FileTokenStore:
    """A TokenStore kept in files, safe for every thread and process of one machine.

    Args:
        directory: where the store lives, e.g. ``state_dir() / "tokens"``; created on first
            save or lock.
        lock_timeout_s: how long to wait for an account another process holds before
            giving up with an error rather than hanging.
    """

    def __init__(self, directory: Path, *, lock_timeout_s: float = 600.0) -> None:
        self.directory = Path(directory)
        self.lock_timeout_s = lock_timeout_s

    def path(self, provider: str, account: str) -> Path:
        """The file that holds the account's tokens."""
        return self.directory / file_name(provider) / f"{file_name(account)}.json"

    def load(self, provider: str, account: str) -> Tokens | None:
        path = self.path(provider, account)
        for folder in (self.directory, path.parent):
            if not _private_dir(provider, folder):
                return None
        try:
            with open(path, "rb") as file:
                mode = os.fstat(file.fileno()).st_mode & 0o777
                if mode & 0o077:
                    cause = f"is open to other users (mode {mode:04o}); run: chmod 600 {path}"
                    raise TokenStoreError(provider, path, cause)
                raw = file.read()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise TokenStoreError(provider, path, f"cannot be read: {error.strerror}") from None
        return _decode(provider, path, raw)

    def save(self, provider: str, account: str, tokens: Tokens) -> None:
        path = self.path(provider, account)
        record = {
            "version": 1,
            "provider": provider,
            "account": account,
            "saved_at": time.time(),
            "access_token": tokens.access_token,
            "expires_at": tokens.expires_at,
            "refresh_token": tokens.refresh_token,
            "seed": tokens.seed,
        }
        body = json.dumps(record, indent=2).encode()
        with self.lock(provider, account):  # re-entrant: fine when the caller holds it already
            temp = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
            try:
                descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "wb") as file:
                    os.fchmod(file.fileno(), 0o600)
                    file.write(body)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temp, path)
                _fsync_dir(path.parent)
            except OSError as error:
                with suppress(OSError):
                    temp.unlink()
                cause = f"cannot be written: {error.strerror}"
                raise TokenStoreError(provider, path, cause) from None

    @contextmanager
    def lock(self, provider: str, account: str) -> Iterator[None]:
        path = self.path(provider, account)
        for folder in (self.directory, path.parent):
            _make_private_dir(provider, folder)
        lock_path = path.with_suffix(".lock")
        with ExitStack() as stack:
            try:
                stack.enter_context(
                    file_lock(lock_path).held(
                        self.lock_timeout_s, on_acquire=lambda: _drop_temp_files(path)
                    )
                )
            except LockTimeout as timeout:
                raise TokenStoreError(provider, lock_path, timeout.cause) from None
            yield


def _decode(provider: str, path: Path, raw: bytes) -> Tokens:
    """The file's tokens; a file that is not what save() writes is reported, never skipped."""
    try:
        record: Any = json.loads(raw)
    except ValueError:
        raise TokenStoreError(provider, path, f"is corrupt (not JSON); {_REAUTHORISE}") from None
    checks: dict[str, Callable[[Any], bool]] = {
        "access_token": lambda v: isinstance(v, str) and bool(v),
        "expires_at": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "refresh_token": lambda v: v is None or isinstance(v, str),
        "seed": lambda v: v is None or isinstance(v, str),
    }
    for key, valid in checks.items():
        if not isinstance(record, dict) or key not in record or not valid(record[key]):
            cause = f"is corrupt ({key} missing or of the wrong type); {_REAUTHORISE}"
            raise TokenStoreError(provider, path, cause)
    return Tokens(
        access_token=record["access_token"],
        expires_at=float(record["expires_at"]),
        refresh_token=record["refresh_token"],
        seed=record["seed"],
    )


def _private_dir(provider: str, folder: Path) -> bool:
    """Whether ``folder`` exists; refuses one that other users can enter."""
    try:
        mode = folder.stat().st_mode & 0o777
    except FileNotFoundError:
        return False
    except OSError as error:
        raise TokenStoreError(provider, folder, f"cannot be read: {error.strerror}") from None
    if mode & 0o077:
        cause = f"is open to other users (mode {mode:04o}); run: chmod 700 {folder}"
        raise TokenStoreError(provider, folder, cause)
    return True


def _make_private_dir(provider: str, folder: Path) -> None:
    """Create ``folder`` as 0700 (mkdir's mode goes through the umask, hence the chmod)."""
    if _private_dir(provider, folder):
        return
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        folder.mkdir(mode=0o700)
        os.chmod(folder, 0o700)
        _fsync_dir(folder.parent)
    except FileExistsError:
        _private_dir(provider, folder)  # another process made it first
    except OSError as error:
        raise TokenStoreError(provider, folder, f"cannot be created: {error.strerror}") from None


def _fsync_dir(folder: Path) -> None:
    """Make a rename or creation in ``folder`` durable."""
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _drop_temp_files(path: Path) -> None:
    """Remove temp files a crashed save left. Every save holds the lock, so none is live."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        with suppress(FileNotFoundError):
            leftover.unlink()
