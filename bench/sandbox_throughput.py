"""How many paginated list requests a second the provider sandbox serves, in a small world
and a big one side by side.

The sandbox must never be what another benchmark measures, so this measures it alone: the
sandbox in its own process, and a lean load generator (pre-built HTTP/1.1 requests over
keep-alive sockets, one selector loop) that costs far less per request than the server does.
A Python HTTP client such as httpx tops out near 1,300 requests/s on its own CPU here, which
would measure the client instead.

Each ``--scales`` world (``--days`` long, its clock following real time as under `lsw
sandbox`) is served in turn: the seconds it took to start, requests/s per endpoint, and the
sandbox process's peak memory; the last column is the big world's rate over the small one's
(1.0: a request costs the same whatever the size of the world).

Run: ``uv run python -m bench.sandbox_throughput [--scales 1,25] [--days 365] [--seconds 4]``.
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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode, urlparse

import httpx

from sandbox import SandboxConfig
from sandbox.server import SandboxProcess

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


def lisa_window(env: dict[str, str]) -> list[bytes]:
    """As our source asks: one day's window widened by two days, every status, oldest first,
    by channel (the first three, which hold the same shows at every scale, so a page is as
    long in a big world as in a small one)."""
    base, key = env["SOURCES__LISA__BASE_URL"], env["SOURCES__LISA__API_KEY"]
    today = datetime.now(UTC).date()
    out = []
    for back in range(3, 33):
        day = today - timedelta(back)
        window = f"{day - timedelta(2)},{day + timedelta(2)}"
        for channel in ("fashion", "beauty", "home"):
            query = {"date": window, "status": "archived,draft,ready", "sort": "date:asc"}
            query |= {"channel": channel, "limit": "100"}
            path = f"{base}/shows?{urlencode(query)}"
            out.append(_request("GET", path, {"Authorization": f"ApiKey {key}"}))
    return out


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
    ts = int(time.time())  # signatures live 5 minutes: the load lasts seconds

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


# name: (provider, what is asked, the requests)
ENDPOINTS: dict[str, tuple[str, str, Callable[[dict[str, str]], list[bytes]]]] = {
    "shopee": ("shopee", "GET livestream/get_item_list, signed, page_size 20..100", shopee),
    "tiktok_shop": ("tiktok_shop", "GET livestreams/analytics, page_size 10", tiktok_shop),
    "lisa": ("lisa", "GET /shows, limit 25..100", lisa),
    "lisa_window": ("lisa", "GET /shows, 5-day date window, by channel, date:asc", lisa_window),
    "trovo": ("trovo", "POST channels/{id}/followers, limit 20", trovo),
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


def first_answer(address: tuple[str, int], request: bytes) -> float:
    """Seconds until one request is answered: what a world made on first need costs once."""
    began = time.perf_counter()
    conn = _Conn(address)
    conn.sock.setblocking(True)
    conn.sock.sendall(request)
    while not conn.complete():
        conn.buffer += conn.sock.recv(1 << 16)
    conn.sock.close()
    return time.perf_counter() - began


def peak_memory_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def one_world(scale: int, days: int, seconds: float, connections: int) -> dict[str, float]:
    """Requests/s per endpoint of one world, with its start-up seconds and peak memory."""
    knobs = {"trovo": {"rate_limit": None}}  # Trovo's 1200/min would be what is measured
    providers = sorted({provider for provider, _, _ in ENDPOINTS.values()})
    config = SandboxConfig(seed=7, scale=scale, days=days, knobs=knobs, providers=providers)
    began = time.perf_counter()
    with SandboxProcess(config) as sandbox:
        figures = {"start_s": time.perf_counter() - began}
        env = sandbox.env()
        address = (sandbox.host, sandbox.port)
        first = 0.0
        for name, (_, _, build) in ENDPOINTS.items():
            requests = build(env)
            first = max(first, first_answer(address, requests[0]))
            load(address, requests, 1.0, connections)  # warm the world's caches
            figures[name] = load(address, requests, seconds, connections)
        assert sandbox._proc is not None
        figures["first_s"] = first
        figures["peak_mb"] = peak_memory_mb(sandbox._proc.pid)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--scales", default="1,25", help="worlds to compare, small first")
    parser.add_argument("--days", type=int, default=365, help="days of each world")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    worlds = {s: one_world(s, args.days, args.seconds, args.connections) for s in scales}
    small, big = worlds[scales[0]], worlds[scales[-1]]
    head = "".join(f"{'scale ' + str(s):>14s}" for s in scales)
    print(f"{'provider':12s} {'endpoint':55s}{head}  big/small")
    for name, (provider, label, _) in ENDPOINTS.items():
        rates = "".join(f"{worlds[s][name]:>10,.0f} r/s" for s in scales)
        print(f"{provider:12s} {label:55s}{rates}  {big[name] / small[name]:9.2f}")
    rows = (
        ("start_s", "start-up, s"),
        ("first_s", "slowest first answer (a world made on first need), s"),
        ("peak_mb", "peak memory, MB"),
    )
    for key, label in rows:
        values = "".join(f"{worlds[s][key]:>14,.1f}" for s in scales)
        print(f"{'sandbox':12s} {label:55s}{values}")
    slowest = min(ENDPOINTS, key=big.__getitem__)
    print(
        f"slowest at scale {scales[-1]}: {slowest} at {big[slowest]:,.0f} requests/s "
        f"({big[slowest] / TARGET:.1f}x the {TARGET:,}/s target)"
    )


if __name__ == "__main__":
    main()
