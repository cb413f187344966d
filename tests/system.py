"""The four services started as separate processes, as in production, for end-to-end tests and benchmarks."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared import registry

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class System:
    env: dict[str, str]
    urls: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, *names: str) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name in names or registry.names():
            port = self.urls[name].rsplit(":", 1)[1]
            log = (self.log_dir / f"{name}.log").open("ab")
            self.processes[name] = subprocess.Popen(
                [sys.executable, "-m", registry.package_of(name)],
                cwd=ROOT,
                env={**self.env, "COHESION_HTTP_PORT": port},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    async def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            for name in self.processes:
                while True:
                    if self.processes[name].poll() is not None:
                        raise AssertionError(f"{name} exited:\n{self.log(name)[-3000:]}")
                    try:
                        if (await client.get(f"{self.urls[name]}/readyz")).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    if time.monotonic() > deadline:
                        raise AssertionError(f"{name} not ready:\n{self.log(name)[-3000:]}")
                    await asyncio.sleep(0.2)

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self, *names: str, kill: bool = False) -> None:
        chosen = names or tuple(self.processes)
        for name in chosen:
            process = self.processes.get(name)
            if process and process.poll() is None:
                process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        for name in chosen:
            process = self.processes.pop(name, None)
            if process is None:
                continue
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def system_env(db_prefix: str, amqp_url: str, **extra: str) -> tuple[dict[str, str], dict[str, str]]:
    urls = {name: f"http://127.0.0.1:{free_port()}" for name in registry.names()}
    env = {
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        "COHESION_DB_PREFIX": db_prefix,
        "COHESION_AMQP_URL": amqp_url,
        "COHESION_SERVICE_URLS": json.dumps(urls),
        "COHESION_RETRY_DELAYS_MS": "[200, 500]",
        "COHESION_RELAY_POLL_SECONDS": "0.5",
        **extra,
    }
    return env, urls
