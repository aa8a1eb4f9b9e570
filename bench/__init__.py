"""Benchmarks run by `make bench`; their results go to bench/results/ (not committed). See docs/PERFORMANCE.md."""
