"""OAuth endpoints (reference sections 3-4) and a stand-in for Trovo's login page.

``/page/login.html`` lives on open.trovo.live in reality; the sandbox serves it below
``/trovo`` and answers as if the user (``username`` query parameter, default the world's
first channel) clicked "authorize": a 302 to the redirect URI with a code, or with a token
in the fragment for the implicit flow.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from sandbox.jsonresp import json_response
from sandbox.providers.trovo.auth import AccessToken, RefreshToken, TrovoError
from sandbox.providers.trovo.catalog import DEFAULT_CLIENT_SECRET, DEFAULT_REDIRECT_URI, SCOPES

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


def routes(svc: TrovoService) -> list[BaseRoute]:
    def ttls() -> tuple[float, float]:
        return (
            float(svc.option("access_token_ttl_s", 14_400)),
            float(svc.option("refresh_token_ttl_s", 30 * 86_400)),
        )

    def check_secret(body: dict[str, object], grant: str) -> None:
        if body.get("client_secret") != svc.option("client_secret", DEFAULT_CLIENT_SECRET):
            raise TrovoError(11717)
        if body.get("grant_type") != grant:
            raise TrovoError(11715)

    async def login(request: Request) -> Response:
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
        name = q.get("username", svc.world.own[0].username).lower()
        ch = svc.world.by_username.get(name)
        if ch is None:
            raise TrovoError(10505)
        state = q.get("state")
        now = svc.now()
        if kind == "code":
            code = svc.tokens.issue_code(ch.channel_id, scopes, redirect, now)
            params = {"code": code, **({"state": state} if state else {})}
            return RedirectResponse(f"{redirect}?{urlencode(params)}", 302)
        ttl = float(svc.option("implicit_token_ttl_s", 864_000))
        at, _ = svc.tokens.issue(ch.channel_id, scopes, now, ttl, None)
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

    async def exchange(request: Request) -> Response:
        body = await svc.body(request)
        check_secret(body, "authorization_code")
        access_ttl, refresh_ttl = ttls()
        at, rt = svc.tokens.exchange(
            str(body.get("code", "")),
            str(body.get("redirect_uri", "")),
            svc.now(),
            access_ttl,
            refresh_ttl,
        )
        return _token_answer(at, rt, access_ttl)

    async def refresh(request: Request) -> Response:
        body = await svc.body(request)
        check_secret(body, "refresh_token")
        access_ttl, refresh_ttl = ttls()
        at, rt = svc.tokens.refresh_token(
            str(body.get("refresh_token", "")),
            svc.now(),
            access_ttl,
            refresh_ttl,
            int(svc.option("max_tokens_per_refresh", 50)),
        )
        return _token_answer(at, rt, access_ttl)

    async def validate(request: Request) -> Response:
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

    async def revoke(request: Request) -> Response:
        svc.user_token(request, None)
        body = await svc.body(request)
        target = body.get("access_token")
        if not isinstance(target, str) or not target:
            raise TrovoError(1002)
        # "Follows the OAuth standard" (RFC 7009): an unknown or already revoked token
        # is answered like a revoked one.
        svc.tokens.revoke(target)
        return json_response({"empty": ""})

    return [
        Route("/page/login.html", svc.endpoint(login, client=False), methods=["GET"]),
        Route("/exchangetoken", svc.endpoint(exchange), methods=["POST"]),
        Route("/refreshtoken", svc.endpoint(refresh), methods=["POST"]),
        Route("/validate", svc.endpoint(validate), methods=["GET"]),
        Route("/revoke", svc.endpoint(revoke), methods=["POST"]),
    ]
