"""Benchmarks: one command each, comparing side by side in one run (see docs/benchmarks.md)."""
