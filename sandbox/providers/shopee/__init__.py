"""Shopee Open Platform livestream API stand-in (shopee-livestream.md)."""

from sandbox.providers.shopee.service import ShopeeService

__all__ = ["ShopeeService"]
