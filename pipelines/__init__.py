"""dlt sources, one per provider, and the shared HTTP layer they page the providers' APIs with."""

import os

# dlt reports anonymous usage by default; this product runs offline and behind firewalls.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
