"""OAuth endpoints (reference sections 3-4) and a stand-in for Trovo's login page.

``/page/login.html`` lives on open.trovo.live in reality; the sandbox serves it below
``/trovo`` and answers as if the user (``username`` query parameter, default the world's
first channel) clicked "authorize": a 302 to the redirect URI with a code, or with a token
in the fragment for the implicit flow. It takes the client id from its query, not from a
``Client-ID`` header.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.auth import AccessToken, RefreshToken
from sandbox.providers.trovo.calls import TrovoError, json_body
from sandbox.providers.trovo.catalog import DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, SCOPES
from sandbox.providers.trovo.world import Channel

if TYPE_CHECKING:
    from sandbox.providers.trovo.service import TrovoService


def _token_answer(at: AccessToken, rt: RefreshToken, ttl: float) -> Response:
    # expires_in is a string in the reference's samples; token_type says "bearer" although
    # calls must use the "OAuth" scheme.
    return json_response(
        {
            "access_token": at.token,
            "token_type": "bearer",
            "expires_in": str(int(ttl)),
            "refresh_token": rt.token,
        }
    )


def _ttls(svc: TrovoService) -> tuple[float, float]:
    return (
        float(svc.option("access_token_ttl_s", 14_400)),
        float(svc.option("refresh_token_ttl_s", 30 * 86_400)),
    )


def _check_secret(svc: TrovoService, body: dict[str, Any], grant: str) -> None:
    if body.get("client_secret") != svc.option("client_secret", DEFAULT_CLIENT_SECRET):
        raise TrovoError(11717)
    if body.get("grant_type") != grant:
        raise TrovoError(11715)


def _implicit_redirect(
    svc: TrovoService, ch: Channel, scopes: tuple[str, ...], redirect: str, state: str | None
) -> Response:
    ttl = float(svc.option("implicit_token_ttl_s", 864_000))
    at, _ = svc.tokens.issue(ch.channel_id, scopes, svc.now(), ttl, None)
    frag = {
        "access_token": at.token,
        "expires_in": str(int(ttl)),
        "token_type": "OAuth",
        "scope": " ".join(scopes),
        "client_id": svc.client_id,
        "language": "en-US",
        "response_type": "token",
        "redirect_uri": redirect,
        **({"state": state} if state else {}),
    }
    return RedirectResponse(f"{redirect}#{urlencode(frag)}", 302)


async def login(svc: TrovoService, request: Request) -> Response:
    q = request.query_params
    if q.get("client_id") != svc.client_id:
        raise TrovoError(11701)
    kind = q.get("response_type", "")
    if kind not in ("code", "token"):
        raise TrovoError(1002)
    scopes = tuple(s for s in re.split(r"[+\s]+", q.get("scope", "")) if s)
    if not scopes or any(s not in SCOPES for s in scopes):
        raise TrovoError(11703)
    redirect = q.get("redirect_uri", "")
    if redirect != svc.option("redirect_uri", DEFAULT_REDIRECT_URI):
        raise TrovoError(11716)
    ch = svc.world.by_username.get(q.get("username", svc.world.own[0].username).lower())
    if ch is None:
        raise TrovoError(10505)
    state = q.get("state")
    if kind == "token":
        return _implicit_redirect(svc, ch, scopes, redirect, state)
    code = svc.tokens.issue_code(ch.channel_id, scopes, redirect, svc.now())
    params = {"code": code, **({"state": state} if state else {})}
    return RedirectResponse(f"{redirect}?{urlencode(params)}", 302)


async def exchange(svc: TrovoService, request: Request) -> Response:
    body = await json_body(request)
    _check_secret(svc, body, "authorization_code")
    access_ttl, refresh_ttl = _ttls(svc)
    at, rt = svc.tokens.exchange(
        str(body.get("code", "")),
        str(body.get("redirect_uri", "")),
        svc.now(),
        access_ttl,
        refresh_ttl,
    )
    return _token_answer(at, rt, access_ttl)


async def refresh(svc: TrovoService, request: Request) -> Response:
    body = await json_body(request)
    _check_secret(svc, body, "refresh_token")
    svc.apply_forced_expiry()
    access_ttl, refresh_ttl = _ttls(svc)
    at, rt = svc.tokens.refresh_token(
        str(body.get("refresh_token", "")),
        svc.now(),
        access_ttl,
        refresh_ttl,
        int(svc.option("max_tokens_per_refresh", 50)),
    )
    return _token_answer(at, rt, access_ttl)


async def validate(svc: TrovoService, request: Request) -> Response:
    tok = svc.user_token(request, None)
    ch = svc.world.by_id[tok.channel_id]
    return json_response(
        {
            "uid": ch.channel_id,
            "client_ID": svc.client_id,
            "nick_name": ch.nickname,
            "scopes": list(tok.scopes),
            "expire_ts": str(int(tok.expires_at)),
        }
    )


async def revoke(svc: TrovoService, request: Request) -> Response:
    svc.user_token(request, None)
    body = await json_body(request)
    target = body.get("access_token")
    if not isinstance(target, str) or not target:
        raise TrovoError(1002)
    # "Follows the OAuth standard" (RFC 7009): an unknown or already revoked token
    # is answered like a revoked one.
    svc.tokens.revoke(target)
    return json_response({"empty": ""})
