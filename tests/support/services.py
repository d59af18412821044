"""Real services for tests: the facilitation server and redis-server, as processes.

Each fixture starts the real binary on a free loopback port and waits until it answers,
never by sleeping a fixed time.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def require_binary(name: str) -> str:
    path = shutil.which(name)
    if path is None and os.path.exists(f"/usr/sbin/{name}"):
        path = f"/usr/sbin/{name}"
    if path is None:
        # In CI a missing dependency is an error, never a skip.
        raise RuntimeError(f"{name} is not installed; run scripts/install.sh")
    return path


def _wait_until(
    check: Callable[[], bool],
    timeout: float,
    what: str,
    proc: subprocess.Popen[bytes] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not come up within {timeout}s")


@dataclass
class ServerProcess:
    """`facilitation serve` as a real process on loopback."""

    secret: str
    port: int = field(default_factory=free_port)
    grace_seconds: float = 60.0
    # "off" keeps every room peer to peer; "auto" starts the server's own Janus (in the
    # test network namespace, where Janus finds a usable media address).
    janus: str = "off"
    # Most tests are about what happens inside a room: people come straight in. The
    # tests of coming in switch these on.
    waiting_room: str = "off"
    ground_rules: str = "off"
    audit_log: Path | None = None
    # The clinic's system: where signed attendance events go, and where they wait.
    webhook_url: str | None = None
    webhook_spool: Path | None = None
    # Tests wait for retries to succeed, so they are never far apart.
    webhook_max_delay: float = 0.5
    extra_args: list[str] = field(default_factory=list)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServerProcess:
        fd, name = tempfile.mkstemp(prefix="facilitation-server-", suffix=".log")
        os.close(fd)
        self.log_path = Path(name)
        if self.audit_log is None:
            self.audit_log = Path(name).with_suffix(".audit.jsonl")
        env = {**os.environ, "FACILITATION_SECRET": self.secret, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [
                sys.executable, "-m", "signaling", "serve",
                "--host", "127.0.0.1", "--port", str(self.port),
                "--public-url", self.base_url,
                "--grace-seconds", str(self.grace_seconds),
                "--janus", self.janus,
                "--waiting-room", self.waiting_room,
                "--ground-rules", self.ground_rules,
                "--audit-log", str(self.audit_log),
                *self._webhook_args(),
                *self.extra_args,
            ],
            cwd=REPO,
            env=env,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
        )
        _wait_until(
            lambda: urllib.request.urlopen(f"{self.base_url}/healthz", timeout=1).status == 200,
            20, "facilitation server", self.proc,
        )
        return self

    def _webhook_args(self) -> list[str]:
        if not self.webhook_url:
            return []
        if self.webhook_spool is None:
            self.webhook_spool = Path(tempfile.mkdtemp(prefix="facilitation-webhooks-"))
        return ["--webhook-url", self.webhook_url, "--webhook-spool", str(self.webhook_spool),
                "--webhook-max-delay", str(self.webhook_max_delay)]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        """Die at once (SIGKILL), as in a crash: no clean-up of any kind."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""


@dataclass
class RedisProcess:
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        binary = require_binary("redis-server")
        self.proc = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "no", "--protected-mode", "yes"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

        def ping() -> bool:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")

        _wait_until(ping, 10, "redis-server", self.proc)
        return self

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


def require_test_netns(suite: str) -> None:
    """Fail (never skip) a media suite run outside the project's network namespace: a
    media test that never ran must not look like a pass."""
    import pytest

    if not os.environ.get("FACILITATION_TEST_NETNS"):
        pytest.fail(
            f"{suite} tests run inside the test network namespace: "
            f"sudo scripts/in-netns.sh .venv/bin/python -m pytest tests/{suite}",
            pytrace=False,
        )
