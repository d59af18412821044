"""Shared fixtures: real services on loopback and join tokens."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from rooms.model import Role
from signaling import tokens
from tests.support.services import RedisProcess, ServerProcess

TEST_SECRET = "test-secret-" + "x" * 40


@pytest.fixture(scope="session")
def secret() -> str:
    return TEST_SECRET


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisProcess]:
    redis = RedisProcess().start()
    yield redis
    redis.stop()


@pytest.fixture(scope="session")
def server(secret: str) -> Iterator[ServerProcess]:
    """One real server process shared by tests that use distinct session ids."""
    proc = ServerProcess(secret=secret, grace_seconds=3.0).start()
    yield proc
    proc.stop()


@pytest.fixture
def make_server(secret: str) -> Iterator[Callable[..., ServerProcess]]:
    """Start a dedicated server (e.g. with another grace period); stopped after the test."""
    started: list[ServerProcess] = []

    def start(**kwargs: object) -> ServerProcess:
        proc = ServerProcess(secret=secret, **kwargs).start()  # type: ignore[arg-type]
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def mint(secret: str) -> Callable[..., str]:
    def _mint(session: str, name: str, role: Role = Role.PARTICIPANT, **kw: object) -> str:
        return tokens.mint(secret, session=session, name=name, role=role, **kw)  # type: ignore[arg-type]

    return _mint
