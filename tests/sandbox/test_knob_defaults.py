"""A knob PUT sets what it names; the rest go back to the provider's defaults, never to none."""

from __future__ import annotations

from sandbox import SandboxServer


def test_a_put_keeps_trovos_documented_rate_limit_unless_it_names_it(
    sandbox: SandboxServer,
) -> None:
    assert sandbox.set_knobs("trovo", latency_ms=5)["rate_limit"] == 1200
    assert sandbox.set_knobs("trovo", rate_limit=None)["rate_limit"] is None
    assert sandbox.set_knobs("trovo", faults=[])["rate_window_s"] == 60
    assert sandbox.set_knobs("tiktok_shop", latency_ms=5)["rate_limit"] is None
