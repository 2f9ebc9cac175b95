"""Polars transforms: staging (one per provider) and marts, pure functions of LazyFrames.

Nothing here touches DuckDB or Dagster, so every transform can be tested on a hand-built
frame; the Dagster assets read inputs, call these, and write the outputs.
"""
