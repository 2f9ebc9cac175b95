"""Child-process entry point of ``SandboxProcess``: serve on an inherited, already bound socket."""

from __future__ import annotations

import argparse
import socket

import orjson
import uvicorn

from sandbox.app import build_app
from sandbox.config import SandboxConfig


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--config", default="{}")
    args = parser.parse_args()
    app, _ = build_app(SandboxConfig(**orjson.loads(args.config)))
    sock = socket.socket(fileno=args.fd)
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", access_log=False, timeout_graceful_shutdown=1)
    )
    server.run(sockets=[sock])


if __name__ == "__main__":
    main()
