"""Where the warehouse and local state live, and DuckDB access with one writer at a time.

The lowest layer: the CLI (`lsw`), the Dagster definitions and the dlt sources all read
paths and open the warehouse through here, so they always agree on the same files.
"""
