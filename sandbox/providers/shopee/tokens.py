"""The two token endpoints: exchange an authorisation code, refresh an access token.

Each grant gets the checked JSON body and the sandbox time; the service's token plumbing
checks the signature and wraps the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sandbox.providers.shopee.auth import ACCESS_TTL_S, AuthError
from sandbox.providers.shopee.calls import ApiError, param_error

if TYPE_CHECKING:
    from sandbox.providers.shopee.service import ShopeeService


def token_get(svc: ShopeeService, body: dict[str, Any], now: float) -> dict[str, Any]:
    code = body.get("code")
    if not isinstance(code, str) or not code:
        raise param_error("code is required.")
    try:
        g = svc.tokens.exchange_code(code, now, _ttl(svc))
    except AuthError as exc:
        raise ApiError(exc.error, exc.message, 403) from None
    seller = svc.by_user[g.user_id]
    shop = body.get("shop_id")
    if shop is not None and shop != seller.shop_id:
        raise param_error("shop_id is invalid.")
    return {
        "access_token": g.access_token,
        "refresh_token": g.refresh_token,
        "expire_in": g.expire_in,
        "user_id_list": [seller.user_id],
        "shop_id_list": [seller.shop_id],
    }


def token_refresh(svc: ShopeeService, body: dict[str, Any], now: float) -> dict[str, Any]:
    token = body.get("refresh_token")
    user_id = body.get("user_id")
    if not isinstance(token, str) or not token:
        raise param_error("refresh_token is required.")
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise param_error("user_id is required.")
    try:
        g = svc.tokens.refresh(token, user_id, now, _ttl(svc))
    except AuthError as exc:
        raise ApiError(exc.error, exc.message, 403) from None
    return {
        "partner_id": svc.partner_id,
        "user_id": g.user_id,
        "access_token": g.access_token,
        "refresh_token": g.refresh_token,
        "expire_in": g.expire_in,
    }


def _ttl(svc: ShopeeService) -> int:
    return int(svc.option("access_token_ttl_s", ACCESS_TTL_S))
