"""One service process under cProfile: ``python -m tests.bench.profiled <service> <out.prof>``.

uvicorn shuts down on SIGTERM and then raises the signal again with the handler it found at
start; a no-op handler installed here lets it return, so the profile is written on a clean stop.
"""

from __future__ import annotations

import cProfile
import signal
import sys
import time

from shared.service import serve


def main() -> None:
    service, out = sys.argv[1], sys.argv[2]
    signal.signal(signal.SIGTERM, lambda *_: None)
    # CPU time, not wall time: an idle event loop waiting in epoll then costs nothing.
    profiler = cProfile.Profile(time.process_time)
    try:
        profiler.runcall(serve, f"services.{service}.app")
    finally:
        profiler.dump_stats(out)


if __name__ == "__main__":
    main()
