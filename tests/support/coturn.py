"""A real coturn `turnserver` for tests, on loopback, configured entirely on its command line.

No configuration file is read (`-n`: Debian's /etc/turnserver.conf stays out of it), and
nothing is written outside a temporary directory (log, pid file, user database). The
options are those measured to work here (../../../shared/notes/test-network.md): plain
UDP/TCP on 127.0.0.1 only, TURN REST credentials (`use-auth-secret`) with a random
secret, loopback peers allowed (every peer in a test is on 127.x), UDP relays only, on a
small port range.

It is started like the other services (tests/support/services.py): on a free port, then
awaited until it answers a STUN Binding request, never by sleeping a fixed time.
"""

from __future__ import annotations

import random
import secrets
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from aioice import stun

from tests.support.services import _wait_until, require_binary

HOST = "127.0.0.1"
# Each relay candidate holds one: Chromium makes one per TURN URL and network interface
# (two in the test namespace) for each peer connection.
RELAY_PORTS = 32


def free_udp_tcp_port() -> int:
    """A port free for both UDP and TCP on loopback (turnserver listens on both)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.bind((HOST, 0))
            port: int = udp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
                try:
                    tcp.bind((HOST, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both UDP and TCP on loopback")


def stun_binding(host: str, port: int, timeout: float = 0.5) -> tuple[str, int]:
    """One STUN Binding request over UDP; returns the XOR-MAPPED-ADDRESS it reports."""
    request = stun.Message(message_method=stun.Method.BINDING, message_class=stun.Class.REQUEST)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(bytes(request), (host, port))
        data, _ = sock.recvfrom(2048)
    response = stun.parse_message(data)
    if response.transaction_id != request.transaction_id:
        raise OSError("unrelated STUN response")
    mapped: tuple[str, int] = response.attributes["XOR-MAPPED-ADDRESS"]
    return mapped


@dataclass
class CoturnProcess:
    """`turnserver` on 127.0.0.1; `secret` is its static-auth-secret."""

    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    realm: str = "turn.test.invalid"
    port: int = field(default_factory=free_udp_tcp_port)
    # A small relay range, placed at random so two runs on one host rarely share it.
    min_port: int = field(default_factory=lambda: random.randrange(50000, 60000, RELAY_PORTS))
    extra_args: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    workdir: Path | None = None

    @property
    def max_port(self) -> int:
        return self.min_port + RELAY_PORTS - 1

    @property
    def address(self) -> tuple[str, int]:
        return (HOST, self.port)

    @property
    def url(self) -> str:
        """The TURN URL a client is given (UDP to the server, UDP relays)."""
        return f"turn:{HOST}:{self.port}?transport=udp"

    @property
    def tcp_url(self) -> str:
        return f"turn:{HOST}:{self.port}?transport=tcp"

    @property
    def log_path(self) -> Path | None:
        return self.workdir / "turnserver.log" if self.workdir else None

    def command(self, binary: str) -> list[str]:
        assert self.workdir is not None
        return [
            binary,
            "-n",  # no configuration file: everything is on this command line
            f"--listening-ip={HOST}",
            f"--relay-ip={HOST}",
            f"--listening-port={self.port}",
            "--no-tls",
            "--no-dtls",
            "--use-auth-secret",
            f"--static-auth-secret={self.secret}",
            f"--realm={self.realm}",
            "--fingerprint",
            "--allow-loopback-peers",
            "--no-multicast-peers",
            "--no-cli",
            "--no-tcp-relay",
            "--no-rfc5780",
            "--no-software-attribute",
            f"--min-port={self.min_port}",
            f"--max-port={self.max_port}",
            "--relay-threads=1",
            f"--log-file={self.log_path}",
            "--simple-log",
            "--no-stdout-log",
            f"--pidfile={self.workdir / 'turnserver.pid'}",
            f"--userdb={self.workdir / 'turndb'}",
            *self.extra_args,
        ]

    def start(self) -> CoturnProcess:
        binary = require_binary("turnserver")  # missing is an error, never a skip
        self.workdir = Path(tempfile.mkdtemp(prefix="coturn-test-"))
        self.proc = subprocess.Popen(
            self.command(binary),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until(lambda: bool(stun_binding(HOST, self.port)), 15, "turnserver", self.proc)
        except RuntimeError as exc:
            log = self.log()
            self.stop()
            raise RuntimeError(f"{exc}\n--- turnserver log ---\n{log}") from exc
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def log(self) -> str:
        path = self.log_path
        return path.read_text(errors="replace") if path and path.exists() else ""
