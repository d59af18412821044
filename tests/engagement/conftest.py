"""Fixtures for the engagement media tests: a real server with its own Janus (rooms move
to the SFU from three people on), engagement pushed every second, aiortc participants.

They run inside the private network namespace made by `scripts/in-netns.sh`; outside it
they fail rather than skip: a media test that never ran must not look like a pass.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from tests.sfu.conftest import _quiet_aiortc_decoder  # noqa: F401 (an autouse fixture)
from tests.support.participants import PeopleFactory, people_factory
from tests.support.services import ServerProcess, require_test_netns


@pytest.fixture(scope="session", autouse=True)
def _inside_media_netns() -> None:
    require_test_netns("engagement")


@pytest.fixture(scope="session")
def engagement_sfu_server(secret: str) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        secret=secret, grace_seconds=3.0, janus="auto",
        extra_args=["--sfu-threshold", "2", "--engagement-interval", "1"],
    ).start()
    yield proc
    proc.stop()


@pytest.fixture
async def people(
    mint: Callable[..., str], engagement_sfu_server: ServerProcess
) -> AsyncIterator[PeopleFactory]:
    """Python participants in this test's own session."""
    async for on in people_factory(mint, "engagement"):
        yield on(engagement_sfu_server)
