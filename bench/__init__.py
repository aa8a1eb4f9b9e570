"""Benchmarks run by `make bench`; each writes bench/results/<name>.json through `bench.recording.write_result`
(committed after a run on a quiet machine; `*_tiny.json`, the tests' smoke runs, are not), and `bench.tables`
generates docs/PERFORMANCE.md's tables from them. See docs/PERFORMANCE.md."""
