"""Live capture: data that exists only while it happens (docs/live.md).

Shopee serves a live session's comments for ten seconds only and its figures change while it
runs; LiSA pushes show events to a webhook. ``lsw live`` (the Shopee poller) and
``lsw webhooks serve`` (the LiSA receiver) write what they catch to one durable landing
store under the state directory; a Dagster sensor drains it into the warehouse.
"""
