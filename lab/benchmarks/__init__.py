"""lab/benchmarks."""
