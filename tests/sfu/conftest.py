"""Fixtures for the SFU tests: real servers with their own Janus, and aiortc participants.

These run inside the private network namespace made by `scripts/in-netns.sh` (see
/work/shared/notes/test-network.md): Janus gathers ICE candidates only on a non-loopback
device, and aioice drops 127.0.0.1. Outside it they fail rather than skip: a media test
that never ran must not look like a pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from tests.support.participants import PeopleFactory, people_factory
from tests.support.services import ServerProcess, require_test_netns


@pytest.fixture(scope="session", autouse=True)
def _inside_media_netns() -> None:
    require_test_netns("sfu")


def _start(secret: str, *args: str) -> ServerProcess:
    return ServerProcess(secret=secret, grace_seconds=3.0, janus="auto", extra_args=list(args))


@pytest.fixture(scope="session")
def sfu_server(secret: str) -> Iterator[ServerProcess]:
    """A server with its own Janus and the default threshold: a room moves to the SFU
    when its fifth person joins."""
    proc = _start(secret).start()
    yield proc
    proc.stop()


@pytest.fixture(scope="session")
def small_sfu_server(secret: str) -> Iterator[ServerProcess]:
    """A server with its own Janus whose rooms move to the SFU from three people on, so
    that tests of SFU behaviour need few (CPU-hungry) aiortc participants."""
    proc = _start(secret, "--sfu-threshold", "2").start()
    yield proc
    proc.stop()


@pytest.fixture
def sfu_server_factory(secret: str) -> Iterator[Callable[..., ServerProcess]]:
    """A dedicated server with its own Janus, for a test that breaks it; stopped after."""
    started: list[ServerProcess] = []

    def start(*args: str) -> ServerProcess:
        proc = _start(secret, *args).start()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
async def people(
    mint: Callable[..., str],
) -> AsyncIterator[Callable[[ServerProcess], PeopleFactory]]:
    """`make = people(server)`, then `make("Ana", role=Role.FACILITATOR, ...)`."""
    async for on in people_factory(mint, "sfu"):
        yield on


@pytest.fixture(autouse=True)
def _quiet_aiortc_decoder(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    # A receiver that starts mid-stream fails to decode VP8 until the next keyframe;
    # aiortc logs each failure as a warning, which is noise here.
    caplog.set_level("ERROR", logger="aiortc.rtcrtpreceiver")
    yield
