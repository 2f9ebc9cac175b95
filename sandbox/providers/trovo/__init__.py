"""Trovo's open platform API in the sandbox, for whoever writes and tests the Trovo source.

Every call: ``Client-ID: <client_id>`` (else 11701); user calls add
``Authorization: OAuth <access_token>``. Bodies are JSON objects. Errors are
``{status, error, message}`` with the codes of the reference's table (HTTP status pinned
per code in ``catalog.ERRORS``). Every answer carries ``x-ratelimit-limit``,
``-remaining`` and ``-reset`` (epoch seconds, wall clock); over 1200 requests a minute
the answer is the 11706 body with HTTP 429 (200 with option ``rate_limit_http_status``).

Endpoints a source uses (paths below ``SOURCES__TROVO__BASE_URL``):

- ``POST /channels/id`` ``{channel_id}`` or ``{username}``: channel state now. ``is_live``,
  ``current_viewers``, ``followers``, ``subscriber_num`` are numbers; ``created_at``,
  ``started_at``, ``ended_at`` strings of unix seconds; ``ended_at < started_at`` while live.
- ``POST /channels/{id}/followers`` ``{limit<=100, cursor, direction}``: ``{total (string),
  follower[{user_id, nickname, profile_pic, followed_at "YYYY-MM-DD HH:MM:SS" UTC}],
  total_page, cursor}``. ``cursor`` is an offset (answer = request + rows served; it stops
  advancing past the end). ``asc`` (default) is oldest first, ``desc`` newest first with
  the offset counted from the newest.
- ``POST /channels/{id}/viewers`` ``{limit (20..100000, default all), cursor (offset)}``:
  ``{live_title, total (string), nickname, chatters{role: {viewers: [nickname]}},
  custome_roles}``; no cursor in the answer.
- ``POST /gettopchannels`` ``{limit<=100, after, token, cursor, category_id}``: first call
  without token; then send back ``token`` and ``cursor``; stop at ``cursor >= total_page``.
  The list is captured at each minute's start, so pages of a walk spanning minutes repeat
  or skip channels: de-duplicate by ``channel_id``.
- ``GET /channels/{id}/subscriptions?limit<=100&offset&direction``: the token owner's
  channel only (10703 otherwise); ``total`` and ``sub_created_at`` are numbers.
- ``POST /refreshtoken`` ``{client_secret, grant_type: "refresh_token", refresh_token}``:
  a new access token (``expires_in`` "14400") and a new 30-day refresh token; the old
  refresh token keeps working until its own 30 days end. An expired access token is 11714.

The world (``world.py``): per unit of scale, 4 own channels (``env_config`` lists them;
its tokens are the first one's, with subscriptions scope) and 150 others. A channel
streams at most once per UTC day, starting 05:00-22:00 UTC and lasting 45 min to 6 h
(own channels on 75-97 % of days). Viewers ramp up over 15 minutes, fade by 30 % towards
the end and move +-25 % minute by minute, so snapshots across a stream show a peak.
Followers accrue every day since the channel's creation (thousands per own channel);
moving the clock adds followers and streams and starts or ends subscriptions; it never
rewrites the past. ``tests/sandbox/test_trovo_world.py`` pins the seed-7 facts (which
channel is live when).

Hooks for tests (``SandboxServer.set_knobs("trovo", ...)`` replaces every knob, so restate
``rate_limit=1200, rate_window_s=60``): ``rate_limit``/``rate_window_s`` for a real 11706;
``faults=[{"kind": "rate_limited", "nth": k, "path": "/followers"}]`` for one injected
11706 (also ``server_error`` with ``status``, ``timeout``, damaged bodies); options
``rate_limit_http_status`` (429 or 200), ``expire_tokens`` (tokens that answer
11714/11712 from then on), ``access_token_ttl_s`` (given at start it also sets the
``env_config`` token's life), ``max_tokens_per_refresh`` (11718), ``livestream_url_access``.
The clock (``freeze_clock``, ``advance_clock``) moves streams, followers and token expiry.
"""

from sandbox.providers.trovo.service import TrovoService

__all__ = ["TrovoService"]
