"""Fault tests: crashes, retries, outages and bad input against real server processes."""
