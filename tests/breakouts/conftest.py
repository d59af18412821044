"""Fixtures for the breakout media tests: a real server with its own Janus, and aiortc
participants that follow their person from room to room.

These run inside the private network namespace made by `scripts/in-netns.sh` (see
/work/shared/notes/test-network.md); outside it they fail rather than skip: a media test
that never ran must not look like a pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from tests.support.participants import PeopleFactory, people_factory
from tests.support.services import ServerProcess, require_test_netns

# Long enough for a dropped participant to come back to its seat.
GRACE_SECONDS = 20.0


@pytest.fixture(scope="session", autouse=True)
def _inside_media_netns() -> None:
    require_test_netns("breakouts")


@pytest.fixture(scope="session")
def breakout_server(secret: str) -> Iterator[ServerProcess]:
    """A server with its own Janus and the default threshold (a room of more than four
    goes through the SFU), people straight in (no waiting room)."""
    proc = ServerProcess(secret=secret, grace_seconds=GRACE_SECONDS, janus="auto").start()
    yield proc
    proc.stop()


@pytest.fixture
async def people_on(
    mint: Callable[..., str],
) -> AsyncIterator[Callable[[ServerProcess], PeopleFactory]]:
    async for on in people_factory(mint, "breakouts"):
        yield on


@pytest.fixture
def people(
    people_on: Callable[[ServerProcess], PeopleFactory], breakout_server: ServerProcess
) -> PeopleFactory:
    """Python participants in this test's own session on the shared breakout server."""
    return people_on(breakout_server)


@pytest.fixture(autouse=True)
def _quiet_aiortc_decoder(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    # A receiver that starts mid-stream fails to decode VP8 until the next keyframe;
    # aiortc logs each failure as a warning, which is noise here.
    caplog.set_level("ERROR", logger="aiortc.rtcrtpreceiver")
    yield
