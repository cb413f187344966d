"""Webhook delivery benchmark: one event stream fanned out to 100 local endpoints by the notifications service.

Run with ``uv run python -m tests.bench.notifications`` (``--quick`` for a smoke run).
"""
