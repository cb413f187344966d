"""Benchmarks (``make bench``, not part of ``make test``): the event pipeline against a hand-written one.

Run with ``uv run python -m tests.bench`` (``--quick`` for a smoke run).
"""

from __future__ import annotations

import os
import uuid

# tests.support names the scratch databases after COHESION_TEST_RUN_ID; set it before that
# module is imported so a benchmark's leftovers (after a kill -9) are recognisable by name.
os.environ.setdefault("COHESION_TEST_RUN_ID", f"bench{uuid.uuid4().hex[:8]}")
