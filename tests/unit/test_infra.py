"""``deploy/infra.sh``, which ``make up`` and ``make test`` run first: it starts PostgreSQL and
RabbitMQ where they are installed but not running, and says exactly what to install where not.

The machine's own PostgreSQL and RabbitMQ are never touched: each test runs the script with a
PATH of its own, ports nothing listens on, and, where a server should be "installed", stand-ins
for Debian's control commands (``pg_ctlcluster``, ``rabbitmq-server``, ``rabbitmq-diagnostics``)
that record how they were called and start a listener on the port the script then waits for.
That every real server is found running is shown by each ``make test`` itself.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import shutil
import signal
import socketserver
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.system import ROOT, free_port

INFRA = ROOT / "deploy" / "infra.sh"
# What the script runs besides the servers' own commands.
TOOLS = ("bash", "timeout", "ls", "sort", "tail", "sed", "awk", "sleep", "cat", "curl")

# Started in the background by a stand-in "start" command: listens on the port until the test ends.
LISTENER = textwrap.dedent(
    """
    import socket, sys, time
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(16)
    s.settimeout(1.0)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            s.accept()[0].close()
        except OSError:
            pass
    """
)


class _Accepting(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class _Closes(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        pass


class _Overview(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200 if self.path == "/api/overview" else 404)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


@dataclass
class Machine:
    """A PATH, ports and cluster directory for one run of the script."""

    bin: Path
    state: Path
    clusters: Path
    pg_port: int
    amqp_port: int
    api_port: int

    def stand_in(self, name: str, body: str) -> None:
        """A command ``name`` that logs its arguments to ``state/calls`` and then runs ``body``."""
        script = self.bin / name
        script.write_text(f'#!/bin/bash\necho "{name} $*" >> "{self.state}/calls"\n{body}\n')
        script.chmod(0o755)

    def starts_listener(self, port: int) -> str:
        """Shell that starts a background listener on ``port`` (as a server's start command would)."""
        pids = self.state / "pids"
        return f"python3 -c '{LISTENER}' {port} >/dev/null 2>&1 &\necho $! >> \"{pids}\""

    def calls(self) -> list[str]:
        log = self.state / "calls"
        return log.read_text().splitlines() if log.exists() else []

    def run(self, **env: str) -> subprocess.CompletedProcess[str]:
        environment = {
            "PATH": str(self.bin),
            "HOME": str(self.state),
            "PGHOST": "127.0.0.1",
            "PGPORT": str(self.pg_port),
            "COHESION_AMQP_URL": f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/",
            "COHESION_RABBITMQ_API_URL": f"http://guest:guest@127.0.0.1:{self.api_port}",
            "COHESION_PG_CLUSTERS": str(self.clusters),
            **env,
        }
        return subprocess.run(
            ["bash", str(INFRA), "ensure"], env=environment, capture_output=True, text=True, timeout=120
        )


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    bin_dir, state = tmp_path / "bin", tmp_path / "state"
    bin_dir.mkdir()
    state.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        if found is None:
            pytest.fail(f"{tool} is needed to run deploy/infra.sh and is not on this machine")
        (bin_dir / tool).symlink_to(found)
    (bin_dir / "python3").symlink_to(sys.executable)
    m = Machine(bin_dir, state, tmp_path / "clusters", free_port(), free_port(), free_port())
    uv = bin_dir / "uv"  # present: the script never installs it here
    uv.write_text('#!/bin/bash\necho "uv 0.0.0"\n')
    uv.chmod(0o755)
    try:
        yield m
    finally:
        pids = state / "pids"
        for pid in pids.read_text().split() if pids.exists() else []:
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGTERM)


@pytest.fixture
def servers() -> Iterator[list[socketserver.BaseServer]]:
    """Listeners the test starts itself (a server that is already running)."""
    running: list[socketserver.BaseServer] = []
    yield running
    for server in running:
        server.shutdown()
        server.server_close()


def already_running(servers: list[socketserver.BaseServer], port: int, *, api: bool = False) -> None:
    server: socketserver.BaseServer = (
        http.server.ThreadingHTTPServer(("127.0.0.1", port), _Overview)
        if api
        else _Accepting(("127.0.0.1", port), _Closes)
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    servers.append(server)


def test_postgresql_neither_running_nor_installed_is_named_with_what_to_install(machine: Machine):
    done = machine.run()
    assert done.returncode == 1
    assert "postgresql: not running and not installed (missing: pg_ctlcluster" in done.stderr
    assert "Install it with: apt-get install -y postgresql" in done.stderr
    assert machine.calls() == []


def test_rabbitmq_neither_running_nor_installed_is_named_with_what_to_install(machine: Machine, servers):
    already_running(servers, machine.pg_port)
    done = machine.run()
    assert done.returncode == 1
    assert f"postgresql: running (127.0.0.1:{machine.pg_port})" in done.stdout
    assert "rabbitmq: not running and not installed (missing: rabbitmq-server)." in done.stderr
    assert "Install it with: apt-get install -y rabbitmq-server" in done.stderr


def test_installed_but_stopped_postgresql_and_rabbitmq_are_started_and_waited_for(machine: Machine, servers):
    (machine.clusters / "15" / "main").mkdir(parents=True)
    (machine.clusters / "16" / "main").mkdir(parents=True)  # the newest is started
    machine.stand_in(
        "pg_ctlcluster",
        f'case "$4" in\n  status) exit 3 ;;\n  start) {machine.starts_listener(machine.pg_port)} ;;\nesac',
    )
    machine.stand_in("rabbitmq-diagnostics", '[ "$2" = ping ] && exit 69\nexit 0')  # no node yet; then running
    machine.stand_in("rabbitmq-server", machine.starts_listener(machine.amqp_port))
    already_running(servers, machine.api_port, api=True)

    done = machine.run()

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "uv: present (0.0.0)",
        "postgresql: not running, starting cluster 16/main",
        f"postgresql: started (127.0.0.1:{machine.pg_port})",
        "rabbitmq: not running, starting rabbitmq-server -detached",
        f"rabbitmq: started (127.0.0.1:{machine.amqp_port})",
        f"rabbitmq management: ready (http://guest:***@127.0.0.1:{machine.api_port})",
    ]
    calls = machine.calls()
    assert "pg_ctlcluster --skip-systemctl-redirect 16 main start" in calls
    assert "rabbitmq-server -detached" in calls


def test_a_remote_server_that_is_down_is_reported_not_started(machine: Machine):
    done = machine.run(PGHOST="postgres.invalid")
    assert done.returncode == 1
    assert (
        f"postgresql: not reachable at postgres.invalid:{machine.pg_port} (remote host, not starting it)" in done.stderr
    )
    assert machine.calls() == []


def run_tools(machine: Machine) -> subprocess.CompletedProcess[str]:
    schemas = machine.state / "schemas"
    (schemas / "node_modules").mkdir(parents=True, exist_ok=True)  # installed: npm ci is not run again
    return subprocess.run(
        ["bash", str(INFRA), "tools"],
        env={"PATH": str(machine.bin), "HOME": str(machine.state), "COHESION_CNPG_SCHEMAS": str(schemas)},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_tools_the_tests_run_are_left_alone_when_present(machine: Machine):
    machine.stand_in("haproxy", "exit 0")
    machine.stand_in("promtool", "exit 0")
    machine.stand_in("npm", "exit 1")
    machine.stand_in("apt-get", "exit 1")
    done = run_tools(machine)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["tools: present (haproxy, promtool, npm)"]
    assert machine.calls() == []


def test_missing_tools_are_installed_from_debians_packages(machine: Machine):
    machine.stand_in("haproxy", "exit 0")
    machine.stand_in("npm", "exit 1")
    # apt-get "installs" prometheus by putting a promtool on the PATH.
    promtool = machine.bin / "promtool"
    machine.stand_in(
        "apt-get",
        f"python3 -c \"import os; open('{promtool}', 'w').write('#!/bin/bash'); os.chmod('{promtool}', 0o755)\"",
    )
    done = run_tools(machine)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["tools: installing prometheus with apt-get", "tools: installed prometheus"]
    assert machine.calls() == ["apt-get install -y -q --no-install-recommends prometheus"]
