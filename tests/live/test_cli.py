"""`lsw webhooks subscribe | list | unsubscribe` against the sandbox's LiSA, and `lsw live`'s
refusal of an interval that cannot be complete."""

from __future__ import annotations

import os
from pathlib import Path

from typer.testing import CliRunner

from live.credentials import load_secret
from lsw.cli import app
from sandbox import SandboxServer
from sandbox.providers.lisa.service import LisaService


def test_subscribe_list_unsubscribe(
    warehouse: Path, sandbox: SandboxServer, lisa: LisaService
) -> None:
    url = "http://127.0.0.1:9/lisa"
    runner = CliRunner()
    made = runner.invoke(app, ["webhooks", "subscribe", "--url", url, "--auth", "basic"])
    assert made.exit_code == 0, made.stderr
    sub_id, status, types, shown_url = made.stdout.strip().split("\t")
    assert (status, types, shown_url) == ("active", "Show:*", url)
    secret = load_secret()
    assert secret is not None and secret not in made.stdout + made.stderr
    (sub,) = lisa.hub.subs.values()
    assert sub.credentials == {"authType": "basic", "username": "lsw", "password": secret}
    mode = (Path(os.environ["LSW_TOKEN_DIR"]) / "lisa_webhooks" / "receiver.json").stat()
    assert mode.st_mode & 0o077 == 0

    listed = runner.invoke(app, ["webhooks", "list"])
    assert listed.exit_code == 0 and listed.stdout == f"{sub_id}\tactive\tShow:*\t{url}\n"
    removed = runner.invoke(app, ["webhooks", "unsubscribe", sub_id])
    assert (removed.exit_code, removed.stdout) == (0, f"removed {sub_id}\n")
    assert lisa.hub.subs == {}
    again = runner.invoke(app, ["webhooks", "unsubscribe", sub_id])
    assert again.exit_code == 1
    assert f"lisa: DELETE /webhooks/{sub_id}: HTTP 404" in again.stderr


def test_lsw_live_refuses_a_comment_interval_of_10_s_or_more(warehouse: Path) -> None:
    result = CliRunner().invoke(app, ["live", "--comment-interval", "10"])
    assert result.exit_code == 2
    assert "the comment interval must be under 10 s" in result.stderr
