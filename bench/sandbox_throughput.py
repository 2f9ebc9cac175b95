"""How many paginated list requests a second the provider sandbox serves.

The sandbox must never be what another benchmark measures, so this measures it alone: the
sandbox in its own process, and a lean load generator (pre-built HTTP/1.1 requests over
keep-alive sockets, one selector loop) that costs far less per request than the server does.
A Python HTTP client such as httpx tops out near 1,300 requests/s on its own CPU here, which
would measure the client instead.

Run: ``uv run python -m bench.sandbox_throughput [--seconds 4] [--connections 16]``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import selectors
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from urllib.parse import urlparse

import httpx

from sandbox import SandboxConfig
from sandbox.server import SandboxProcess

FROZEN_AT = datetime(2026, 11, 20, 12, tzinfo=UTC).timestamp()
TARGET = 1_000


def _request(method: str, url: str, headers: dict[str, str], body: bytes = b"") -> bytes:
    parts = urlparse(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def tiktok_shop(env: dict[str, str]) -> list[bytes]:
    base, key = env["SOURCES__TIKTOK_SHOP__BASE_URL"], env["SOURCES__TIKTOK_SHOP__API_KEY"]
    sellers = json.loads(env["SOURCES__TIKTOK_SHOP__SELLER_IDS"])
    return [
        _request(
            "GET",
            f"{base}/v1/tiktok/shop/livestreams/analytics?seller_id={s}&page_num={p}&page_size=10",
            {"Authorization": f"Bearer {key}"},
        )
        for s in sellers
        for p in range(1, 6)
    ]


def lisa(env: dict[str, str]) -> list[bytes]:
    base, key = env["SOURCES__LISA__BASE_URL"], env["SOURCES__LISA__API_KEY"]
    return [
        _request("GET", f"{base}/shows?limit={n}", {"Authorization": f"ApiKey {key}"})
        for n in (25, 50, 100)
    ]


def trovo(env: dict[str, str]) -> list[bytes]:
    base, client_id = env["SOURCES__TROVO__BASE_URL"], env["SOURCES__TROVO__CLIENT_ID"]
    channels = json.loads(env["SOURCES__TROVO__CHANNEL_IDS"])
    return [
        _request(
            "POST",
            f"{base}/channels/{c}/followers",
            {"Client-ID": client_id},
            json.dumps({"limit": 20, "cursor": cursor}).encode(),
        )
        for c in channels
        for cursor in (0, 20, 40, 60)
    ]


def shopee(env: dict[str, str]) -> list[bytes]:
    """Signed ``get_item_list`` calls: the one service that checks an HMAC on every request."""
    base, key = env["SOURCES__SHOPEE__BASE_URL"], env["SOURCES__SHOPEE__PARTNER_KEY"]
    partner = int(env["SOURCES__SHOPEE__PARTNER_ID"])
    account = json.loads(env["SOURCES__SHOPEE__ACCOUNTS"])[0]
    user = account["user_id"]
    sessions = [
        s["session_id"]
        for s in json.loads(env["SOURCES__SHOPEE__SESSIONS"])
        if s["user_id"] == user
    ][:8]
    ts = int(FROZEN_AT)  # the sandbox's clock is frozen there; signatures live 5 minutes

    def sign(*parts: object) -> str:
        return hmac.new(key.encode(), "".join(map(str, parts)).encode(), hashlib.sha256).hexdigest()

    refresh = "/api/v2/auth/access_token/get"
    token = httpx.post(
        f"{base}{refresh}",
        params={"partner_id": partner, "timestamp": ts, "sign": sign(partner, refresh, ts)},
        json={"refresh_token": account["refresh_token"], "partner_id": partner, "user_id": user},
    ).json()["access_token"]
    path = "/api/v2/livestream/get_item_list"
    common = (
        f"partner_id={partner}&timestamp={ts}&access_token={token}&user_id={user}"
        f"&sign={sign(partner, path, ts, token, user)}"
    )
    return [
        _request("GET", f"{base}{path}?{common}&session_id={s}&offset=0&page_size={n}", {})
        for s in sessions
        for n in (20, 100)
    ]


ENDPOINTS: dict[str, tuple[str, Callable[[dict[str, str]], list[bytes]]]] = {
    "shopee": ("GET livestream/get_item_list, signed, page_size 20..100", shopee),
    "tiktok_shop": ("GET livestreams/analytics, page_size 10", tiktok_shop),
    "lisa": ("GET /shows, limit 25..100", lisa),
    "trovo": ("POST channels/{id}/followers, limit 20", trovo),
}


class _Conn:
    def __init__(self, address: tuple[str, int]) -> None:
        self.sock = socket.create_connection(address)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)
        self.buffer = b""

    def complete(self) -> bool:
        """True when the buffer holds one whole response (which is then dropped)."""
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return False
        head = self.buffer[:head_end].lower()
        status_ok = head.startswith(b"http/1.1 200")
        length = 0
        for line in head.split(b"\r\n"):
            if line.startswith(b"content-length:"):
                length = int(line[15:])
        if len(self.buffer) < head_end + 4 + length:
            return False
        if not status_ok:
            raise RuntimeError(f"non-200 answer: {self.buffer[:200]!r}")
        self.buffer = self.buffer[head_end + 4 + length :]
        return True


def load(
    address: tuple[str, int], requests: list[bytes], seconds: float, connections: int
) -> float:
    """Requests per second over ``connections`` keep-alive sockets for ``seconds``."""
    selector = selectors.DefaultSelector()
    conns = [_Conn(address) for _ in range(connections)]
    sent = 0
    for conn in conns:
        conn.sock.sendall(requests[sent % len(requests)])
        sent += 1
        selector.register(conn.sock, selectors.EVENT_READ, conn)
    done = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for key, _ in selector.select(timeout=1):
            conn = key.data
            conn.buffer += conn.sock.recv(1 << 16)
            while conn.complete():
                done += 1
                conn.sock.sendall(requests[sent % len(requests)])
                sent += 1
    elapsed = time.perf_counter() - started
    for conn in conns:
        conn.sock.close()
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    knobs = {"trovo": {"rate_limit": None}}  # Trovo's 1200/min would be what is measured
    config = SandboxConfig(
        seed=7, scale=1, days=90, frozen_at=FROZEN_AT, knobs=knobs, providers=list(ENDPOINTS)
    )
    rates: dict[str, float] = {}
    with SandboxProcess(config) as sandbox:
        env = sandbox.env()
        address = (sandbox.host, sandbox.port)
        for provider, (label, build) in ENDPOINTS.items():
            requests = build(env)
            load(address, requests, 1.0, args.connections)  # warm the world's caches
            rates[provider] = load(address, requests, args.seconds, args.connections)
            print(f"{provider:12s} {label:55s} {rates[provider]:>8,.0f} requests/s")
    slowest = min(rates, key=rates.__getitem__)
    print(
        f"slowest: {slowest} at {rates[slowest]:,.0f} requests/s "
        f"({rates[slowest] / TARGET:.1f}x the {TARGET:,}/s target)"
    )


if __name__ == "__main__":
    main()
