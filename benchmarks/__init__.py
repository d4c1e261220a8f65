"""Reproducible performance runs of the matching engine (`python -m benchmarks.run`)."""
