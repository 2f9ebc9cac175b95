"""`lsw check` for Trovo: one free call proving the Client-ID, and one proving the user token."""

from __future__ import annotations

import dataclasses

from pipelines.trovo.errors import NotFound
from pipelines.trovo.helpers import TrovoApi, http_settings, trovo_client
from pipelines.trovo.settings import TrovoConfig
from pipelines.trovo.subscribers import SCOPE, UserToken


def check_credentials(config: TrovoConfig) -> str:
    """``POST /channels/id`` of the first channel (free; any Client-ID problem is 11701),
    then, with a user token configured, ``GET /validate`` of the token the store holds
    (refreshed first if Trovo says it expired). Raises ProviderError with one line."""
    settings = dataclasses.replace(http_settings(config, shared=False), max_attempts=2)
    with trovo_client(config, settings) as client:
        api = TrovoApi(client)
        first = config.channel_ids[0]
        try:
            api.channel(first)
            said = [f"Client-ID accepted; channel {first} found"]
        except NotFound:
            said = [f"Client-ID accepted; channel {first} does not exist"]
        if config.user_token:
            token = UserToken(api, config)
            _, who = token.owner()
            scopes = who.get("scopes")
            lacks = f", lacks scope {SCOPE}" if scopes is not None and SCOPE not in scopes else ""
            renewed = ", refreshed just now" if token.refreshes else ""
            said.append(f"user token of channel {who['uid']}{renewed}{lacks}")
        sent = client.requests_made
        return f"ok ({'; '.join(said)}; {sent} request{'' if sent == 1 else 's'})"
