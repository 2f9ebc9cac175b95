"""livestream-warehouse: the `lsw` command line and the settings it shares with Dagster."""

import os

# dlt reports anonymous usage by default; this product runs offline and behind firewalls.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
