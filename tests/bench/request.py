"""``python -m tests.bench.request``: the wards service's own CPU per command, with little else running.

The full-stack benchmark shares two cores between five processes, and the machine's
speed drifts by a third from run to run, so a change of a few per cent in one
service's work per request is lost in it. This drives the command the full stack
measures (``POST /v1/wards`` with one new ward) into the wards app in this process,
one request after another, by calling the ASGI app directly (no HTTP client, no
socket, no uvicorn), on uvloop as uvicorn runs it. The relay is stopped once the
service is up, so the figure is the request path alone: auth, validation, the
middleware, the unit of work and its statements, the response. It prints, per
round, this process's CPU time, PostgreSQL's CPU time and the wall time per command. Compare two commits by alternating runs of each.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time

from starlette.types import Message

from services.wards.app import definition
from tests.bench import cpu
from tests.bench.common import by_round, run_benchmark, scratch
from tests.support import running_service, test_settings, token


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench.request", description=__doc__)
    parser.add_argument("--commands", type=int, default=1000, help="commands per round (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="measured rounds (default 5)")
    parser.add_argument("--warmup", type=int, default=300, help="unmeasured commands first (default 300)")
    return parser.parse_args(argv)


def request_scope(headers: list[tuple[bytes, bytes]], length: int) -> dict[str, object]:
    """The ASGI scope uvicorn would hand the app for the full-stack benchmark's request."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/wards",
        "raw_path": b"/v1/wards",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1:8002"),
            (b"content-type", b"application/json"),
            *headers,
            (b"accept", b"*/*"),
            (b"accept-encoding", b"gzip, deflate"),
            (b"user-agent", b"Python/3.11 aiohttp/3"),
            (b"content-length", str(length).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8002),
        "state": {},
    }


def postgres_seconds() -> float:
    """CPU seconds used so far by PostgreSQL's live processes."""
    return cpu.snapshot().get("postgresql", 0.0)


async def main(args: argparse.Namespace, command_line: str) -> int:
    async with scratch(["wards"]) as made:
        settings = test_settings("wards", made.vhost, db_prefix=made.db_prefix)
        headers = [(k.lower().encode(), v.encode()) for k, v in token(settings, "officer").items()]
        async with running_service(definition, settings) as (app, _):
            app.state.runtime.relay.stop()

            async def command(code: str) -> None:
                body = json.dumps(
                    [
                        {
                            "gss_code": code,
                            "name": f"Bench ward {code}",
                            "local_authority_name": "Rotherham",
                            "boundary_set": "WD24",
                        }
                    ]
                ).encode()
                incoming = [{"type": "http.request", "body": body, "more_body": False}]
                sent: list[Message] = []

                async def receive() -> Message:
                    return incoming.pop() if incoming else {"type": "http.disconnect"}

                async def send(message: Message) -> None:
                    sent.append(message)

                await app(request_scope(headers, len(body)), receive, send)
                if sent[0].get("status") != 201:
                    raise RuntimeError(f"POST /v1/wards {code}: {sent}")

            # A random block of codes, so runs never collide.
            codes = iter(range(random.randrange(0, 500_000), 1_000_000))
            for _ in range(args.warmup):
                await command(f"E07{next(codes):06d}")
            cpu_us: list[float] = []
            pg_us: list[float] = []
            wall_us: list[float] = []
            for _ in range(args.rounds):
                started_cpu, started_pg, started = time.process_time(), postgres_seconds(), time.perf_counter()
                for _ in range(args.commands):
                    await command(f"E05{next(codes):06d}")
                cpu_us.append((time.process_time() - started_cpu) / args.commands * 1e6)
                pg_us.append((postgres_seconds() - started_pg) / args.commands * 1e6)
                wall_us.append((time.perf_counter() - started) / args.commands * 1e6)
            await asyncio.sleep(0)
    print()
    print("wards request path, in-process, one command at a time")
    print(f"  command: {command_line}")
    for line in (
        *by_round("CPU µs/command", cpu_us),
        *by_round("PostgreSQL CPU µs/command", pg_us),
        *by_round("wall µs/command", wall_us),
    ):
        print(line)
    print("  (CPU: this process's, i.e. the service and the driving loop; PostgreSQL's: its backends', whoever's)")
    return 0


if __name__ == "__main__":
    run_benchmark("tests.bench.request", parse, main, on_uvloop=True)
