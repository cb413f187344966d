"""Three RabbitMQ nodes clustered on this machine, and HAProxy in front of them as the one address.

Each node has its own name (``cohesion-<x>@localhost``), ports (AMQP, management, Erlang
distribution) and data directory; all share one Erlang cookie, written into the cluster's own
directory, which is the nodes' and ``rabbitmqctl``'s HOME. The machine's own RabbitMQ
(``rabbit@localhost`` on 5672, its cookie, its files) is never touched. The nodes run Debian's
``rabbitmq-server`` in the foreground, as root (the package's wrapper would switch to the
``rabbitmq`` user and its HOME, and so its cookie), each in a process group of its own so that it
can be stopped, killed and started again on the same data.

HAProxy (Debian's package) fronts the nodes' AMQP and management ports, checking each node every
second and closing the sessions of a node it marks down, as a cloud load balancer or a Kubernetes
Service would. ``balance="first"`` puts every connection on the first healthy node (so a test
knows which node its services use); ``roundrobin`` spreads them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from tests.system import free_port

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl"
NAMES = ("a", "b", "c")
COOKIE = "COHESIONTESTCLUSTERCOOKIE"


@dataclass
class Node:
    name: str  # a, b, c
    cluster: str  # distinguishes the nodes of two clusters on one machine (node names are machine-wide)
    amqp_port: int
    management_port: int
    dist_port: int
    directory: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def node(self) -> str:
        return f"cohesion-{self.cluster}-{self.name}@localhost"

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"


@dataclass
class Cluster:
    directory: Path
    base_port: int
    balance: str = "roundrobin"
    nodes: list[Node] = field(default_factory=list)
    haproxy: subprocess.Popen[bytes] | None = None

    def __post_init__(self) -> None:
        self.nodes = [
            Node(
                name,
                cluster=str(self.base_port),
                amqp_port=self.base_port + 1 + i,
                management_port=self.base_port + 10_001 + i,
                dist_port=self.base_port + 20_001 + i,
                directory=self.directory / name,
            )
            for i, name in enumerate(NAMES)
        ]

    # --- addresses -----------------------------------------------------------------------------

    @property
    def amqp_port(self) -> int:
        """HAProxy's AMQP port: the one address the services are given."""
        return self.base_port

    @property
    def amqp_url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.amqp_port}/"

    @property
    def management_url(self) -> str:
        return f"http://guest:guest@127.0.0.1:{self.base_port + 10_000}"

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    # --- the nodes -------------------------------------------------------------------------------

    def env(self, node: Node) -> dict[str, str]:
        home = self.directory
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),  # where the nodes and rabbitmqctl find the cluster's cookie
            "LANG": "C.UTF-8",
            "RABBITMQ_NODENAME": node.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(node.amqp_port),
            "RABBITMQ_DIST_PORT": str(node.dist_port),
            "RABBITMQ_BASE": str(node.directory),
            "RABBITMQ_MNESIA_BASE": str(node.directory / "mnesia"),
            "RABBITMQ_LOG_BASE": str(node.directory / "log"),
            "RABBITMQ_PID_FILE": str(node.directory / "node.pid"),
            "RABBITMQ_CONFIG_FILE": str(node.directory / "rabbitmq.conf"),
            "RABBITMQ_ADVANCED_CONFIG_FILE": str(node.directory / "advanced.config"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.directory / "enabled_plugins"),
            "RABBITMQ_PLUGINS_EXPAND_DIR": str(node.directory / "plugins-expand"),
            "RABBITMQ_CONF_ENV_FILE": str(self.directory / "rabbitmq-env.conf"),
            "RABBITMQ_LOGS": str(node.directory / "log" / "node.log"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def prepare(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        cookie = self.directory / ".erlang.cookie"
        if not cookie.exists():
            cookie.write_text(COOKIE)
        cookie.chmod(0o400)
        (self.directory / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (self.directory / "rabbitmq-env.conf").write_text(
            "# the cluster's nodes take everything from their environment\n"
        )
        for node in self.nodes:
            (node.directory / "log").mkdir(parents=True, exist_ok=True)
            (node.directory / "rabbitmq.conf").write_text(
                f"listeners.tcp.1 = 127.0.0.1:{node.amqp_port}\n"
                f"management.tcp.ip = 127.0.0.1\n"
                f"management.tcp.port = {node.management_port}\n"
                "loopback_users = none\n"
                "cluster_partition_handling = pause_minority\n"
                # The three find each other on boot: no join steps, which cost a CLI call each.
                "cluster_formation.peer_discovery_backend = classic_config\n"
                + "".join(
                    f"cluster_formation.classic_config.nodes.{i} = {other.node}\n"
                    for i, other in enumerate(self.nodes, start=1)
                )
                + "cluster_formation.randomized_startup_delay_range.min = 0\n"
                "cluster_formation.randomized_startup_delay_range.max = 2\n"
                # The queues' leaders spread over the nodes, as in production.
                "queue_leader_locator = balanced\n"
            )
            (node.directory / "advanced.config").write_text("[].\n")

    def start_node(self, name: str) -> None:
        node = self.node(name)
        log = (node.directory / "log" / "console.log").open("ab")
        node.process = subprocess.Popen(
            [SERVER], env=self.env(node), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def ctl(self, name: str, *args: str, timeout: float = 120) -> str:
        node = self.node(name)
        done = subprocess.run(
            [CTL, "-n", node.node, *args], env=self.env(node), capture_output=True, text=True, timeout=timeout
        )
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl -n {node.node} {' '.join(args)}: {done.stdout}{done.stderr}")
        return done.stdout

    def wait_node(self, name: str, timeout: float = 120) -> None:
        node = self.node(name)
        deadline = time.monotonic() + timeout
        while True:
            if node.process is not None and node.process.poll() is not None:
                raise RuntimeError(f"{node.node} exited: see {node.directory / 'log'}")
            try:
                self.ctl(name, "await_startup", "--timeout", "5", timeout=15)
                return
            except (RuntimeError, subprocess.TimeoutExpired):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)

    def stop_node(self, name: str, *, kill: bool = False) -> None:
        """Stop a node: gracefully (``rabbitmqctl stop``), or dead at once (SIGKILL to its whole process group)."""
        node = self.node(name)
        if node.process is None:
            return
        if kill:
            os.killpg(node.process.pid, signal.SIGKILL)
        else:
            try:
                self.ctl(name, "stop", timeout=60)
            except (RuntimeError, subprocess.TimeoutExpired):
                os.killpg(node.process.pid, signal.SIGKILL)
        try:
            node.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(node.process.pid, signal.SIGKILL)
            node.process.wait()
        node.process = None

    def up(self) -> None:
        """Start the three nodes (they form one cluster as they boot) and put HAProxy in front.

        Node a first, then b and c, which find a up and join it: booted all at once, on a busy
        machine a node could find no peer yet and start a cluster of its own.
        """
        self.prepare()
        self.start_node(self.nodes[0].name)
        self.wait_running(1, timeout=180)
        for node in self.nodes[1:]:
            self.start_node(node.name)
        self.wait_running(3, timeout=180)
        self.start_haproxy()

    def running_nodes(self) -> set[str]:
        """The nodes the cluster says are running, asked of any node that answers."""
        with httpx.Client(timeout=5) as client:
            for node in self.nodes:
                try:
                    response = client.get(f"http://127.0.0.1:{node.management_port}/api/nodes", auth=("guest", "guest"))
                    if response.status_code == 200:
                        return {n["name"] for n in response.json() if n.get("running")}
                except httpx.HTTPError:
                    continue
        return set()

    def wait_running(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.running_nodes()) != count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"expected {count} running nodes, have {self.running_nodes()}")
            time.sleep(0.5)

    def down(self) -> None:
        self.stop_haproxy()
        for node in self.nodes:
            if node.process is not None:
                self.stop_node(node.name, kill=True)
        self.stop_by_pid_files()

    def stop_by_pid_files(self) -> None:
        """Stop nodes and HAProxy started by another process (``make cluster-up``), from their pid files."""
        for pid_file in [*(n.directory / "node.pid" for n in self.nodes), self.directory / "haproxy.pid"]:
            if not pid_file.exists():
                continue
            try:
                pid = int(pid_file.read_text().split()[0])
                if not ours(pid, self.directory):
                    raise ProcessLookupError  # gone, and its number perhaps taken by another process
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(os.getpgid(pid), signal.SIGKILL)  # the node's shell, beam and helpers
                os.kill(pid, signal.SIGKILL)
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:  # gone, and its ports with it
                    os.kill(pid, 0)
                    time.sleep(0.1)
            except (ValueError, IndexError, ProcessLookupError):
                pass
            pid_file.unlink(missing_ok=True)

    def remove(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)

    # --- HAProxy ---------------------------------------------------------------------------------

    def haproxy_config(self) -> str:
        def servers(port_of: str) -> str:
            return "".join(
                f"    server {n.name} 127.0.0.1:{getattr(n, port_of)} check inter 1s fall 2 rise 2"
                " on-marked-down shutdown-sessions\n"
                for n in self.nodes
            )

        return (
            "global\n"
            "    maxconn 4096\n"
            f"    pidfile {self.directory / 'haproxy.pid'}\n"
            "defaults\n"
            "    mode tcp\n"
            "    timeout connect 2s\n"
            # AMQP connections live for hours and carry heartbeats; never cut one for being quiet.
            "    timeout client 3h\n"
            "    timeout server 3h\n"
            "    option clitcpka\n"
            "    option srvtcpka\n"
            "frontend amqp\n"
            f"    bind 127.0.0.1:{self.amqp_port}\n"
            "    default_backend rabbitmq\n"
            "backend rabbitmq\n"
            f"    balance {self.balance}\n" + servers("amqp_port") + "frontend management\n"
            f"    bind 127.0.0.1:{self.base_port + 10_000}\n"
            "    default_backend management\n"
            "backend management\n"
            "    balance first\n" + servers("management_port")
        )

    def start_haproxy(self) -> None:
        config = self.directory / "haproxy.cfg"
        config.write_text(self.haproxy_config())
        subprocess.run(["haproxy", "-c", "-q", "-f", str(config)], check=True)
        log = (self.directory / "haproxy.log").open("ab")
        self.haproxy = subprocess.Popen(
            ["haproxy", "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        (self.directory / "haproxy.pid").write_text(f"{self.haproxy.pid}\n")
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(
                    f"{self.management_url.replace('guest:guest@', '')}/api/overview",
                    auth=("guest", "guest"),
                    timeout=2,
                ).raise_for_status()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline or self.haproxy.poll() is not None:
                    raise RuntimeError(f"HAProxy is not answering: see {self.directory / 'haproxy.log'}") from None
                time.sleep(0.3)

    def stop_haproxy(self) -> None:
        if self.haproxy is not None:
            self.haproxy.terminate()
            try:
                self.haproxy.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.haproxy.kill()
            self.haproxy = None

    # --- what the cluster holds ------------------------------------------------------------------

    def queue(self, vhost: str, name: str) -> dict[str, Any]:
        """The management API's view of a queue (its type, members, leader, messages)."""
        base = self.management_url.replace("guest:guest@", "")
        response = httpx.get(
            f"{base}/api/queues/{quote(vhost, safe='')}/{quote(name, safe='')}", auth=("guest", "guest"), timeout=10
        )
        response.raise_for_status()
        queue: dict[str, Any] = response.json()
        return queue


def ours(pid: int, directory: Path) -> bool:
    """Whether process ``pid`` is one this cluster started (its command line names the cluster's directory)."""
    try:
        return str(directory).encode() in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def ports_free(base: int) -> bool:
    import socket

    for port in (base, base + 10_000, *(base + o + i for o in (1, 10_001, 20_001) for i in range(len(NAMES)))):
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind: TIME_WAIT is no obstacle
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                return False
    return True


def free_base_port() -> int:
    """A base port whose cluster ports (base..base+3, +10000..+10003, +20001..+20003) are all free."""
    for _ in range(50):
        base = 20_000 + free_port() % 20_000
        if ports_free(base):
            return base
    raise RuntimeError("no free ports for a cluster")
