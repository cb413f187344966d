"""``python -m tests.bench``: full stack vs hand-written pipeline, and relay lag at a steady rate.

Everything runs in a vhost and databases of its own, removed at the end (also on
errors and Ctrl-C). The phases run one after another, never overlapping, so
each has the machine to itself.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tests.bench import full_stack, hand_written, relay_lag
from tests.bench.common import LagResult, PipelineResult, Scratch, render, run_benchmark, scratch, summarise
from tests.support import amqp_url_for_vhost, migrated_services

PHASES = ("hand", "full", "lag")


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description=__doc__)
    parser.add_argument("--commands", type=int, default=None, help="commands per pipeline (default 2000; quick 300)")
    parser.add_argument("--concurrency", type=int, default=32, help="commands in flight (default 32)")
    parser.add_argument("--warmup", type=int, default=None, help="unmeasured commands first (default commands/10)")
    parser.add_argument("--lag-seconds", type=float, default=None, help="relay lag run length (default 10; quick 3)")
    parser.add_argument("--lag-rate", type=float, default=100.0, help="events per second for relay lag (default 100)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 commands, 3 s of relay lag")
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds of the pipelines, alternating which runs first; prints each round and the median ratios",
    )
    parser.add_argument("--only", choices=PHASES, action="append", help="run only these phases (repeatable)")
    parser.add_argument(
        "--service-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the service processes, for experiments (e.g. OTEL_SDK_DISABLED=true)",
    )
    parser.add_argument("--profile", type=Path, help="run the services under cProfile, writing <dir>/<service>.prof")
    args = parser.parse_args(argv)
    if args.commands is None:
        args.commands = 300 if args.quick else 2000
    if args.lag_seconds is None:
        args.lag_seconds = 3.0 if args.quick else 10.0
    if args.warmup is None:
        args.warmup = max(args.concurrency, args.commands // 10)
    args.phases = tuple(args.only or PHASES)
    return args


async def one_round(
    args: argparse.Namespace, made: Scratch, number: int, *, with_full_stack: bool
) -> tuple[PipelineResult | None, list[PipelineResult]]:
    """The yardsticks and the full stack once each; even rounds run the full stack first, so a drift
    in the machine's speed favours neither."""
    label = f"[{number}/{args.repeat}]"
    hands: list[PipelineResult] = []
    full: PipelineResult | None = None

    async def run_full() -> PipelineResult:
        print(f"{label} full stack ...", file=sys.stderr)
        return await full_stack.run(
            made,
            commands=args.commands,
            concurrency=args.concurrency,
            warmup=args.warmup,
            profile_dir=args.profile,
            extra_env=dict(item.split("=", 1) for item in args.service_env),
        )

    full_first = number % 2 == 0
    if with_full_stack and full_first:
        full = await run_full()
    if "hand" in args.phases:
        for batch in hand_written.RELAYS:
            print(f"{label} {hand_written.name_of(batch)} ...", file=sys.stderr)
            hands.append(
                await hand_written.run(
                    made,
                    amqp_url_for_vhost(made.vhost),
                    commands=args.commands,
                    concurrency=args.concurrency,
                    warmup=args.warmup,
                    batch=batch,
                )
            )
    if with_full_stack and not full_first:
        full = await run_full()
    return full, hands


async def main(args: argparse.Namespace, command_line: str) -> int:
    notes: list[str] = []
    rounds: list[tuple[PipelineResult | None, list[PipelineResult]]] = []
    lag: LagResult | None = None
    services = [s for s in ("wards", "grants") if s in migrated_services()]
    yardstick_databases = tuple(db for batch in hand_written.RELAYS for db in hand_written.databases(batch))
    async with scratch(services, extra_databases=yardstick_databases) as made:
        print(f"scratch vhost {made.vhost}, databases {made.db_prefix}_*", file=sys.stderr)
        full_stack_runs = "full" in args.phases and "grants" in services and await full_stack.consumer_exists()
        if "full" in args.phases and not full_stack_runs:
            notes.append(
                f"full stack SKIPPED: the grants service has no {full_stack.CONSUMER} consumer (or no migrations) yet"
            )
        for number in range(1, args.repeat + 1):
            full, hands = await one_round(args, made, number, with_full_stack=full_stack_runs)
            rounds.append((full, hands))
            if args.repeat > 1:
                print(render(f"round {number} of {args.repeat}", full, hands, None), file=sys.stderr)
        if "lag" in args.phases:
            print("relay lag ...", file=sys.stderr)
            lag = await relay_lag.run(made.vhost, rate=args.lag_rate, seconds=args.lag_seconds)
    notes += [
        "latency = consumer's inbox.processed_at (PostgreSQL now(): the consumer transaction's START, so the"
        " commit itself, ~1 ms, is not counted — alike for both) minus the client's send time; same host clock",
        "throughput = commands / (last effect - first send); closed loop at the given concurrency, after"
        f" {args.warmup} unmeasured warm-up commands",
        "the hand-written pipelines have no HTTP, no JSON validation, no auth, no audit row and no tracing, and run"
        " in one process; the full stack is HTTP -> wards process -> RabbitMQ -> grants process",
        f"'relay batches' claims up to {hand_written.BATCHED} outbox rows a round and publishes them pipelined, as"
        " Cohesion's relay does; '1 confirm/round' claims one row and awaits its confirm before the next: the"
        " pipeline without the relay batching the issue credits for putting the full stack ahead",
        f"machine: {os.cpu_count()} CPUs shared by PostgreSQL, RabbitMQ, the services and this client",
    ]
    full, hands = rounds[-1] if rounds else (None, [])
    print(render(command_line, full, hands, lag, notes, summary=summarise(rounds) if len(rounds) > 1 else ()))
    return 0


if __name__ == "__main__":
    run_benchmark("tests.bench", parse, main)
