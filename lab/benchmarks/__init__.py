"""Benchmarks: our path against the naive zero-shot pipeline, Ray, dashboard speed, cost model."""
