"""Media tests: real WebRTC between aiortc peers and headless Chromium, all on loopback.

They run inside the private network namespace made by `scripts/in-netns.sh` (see
/work/shared/notes/test-network.md): aioice drops 127.0.0.1 from its host candidates, so
outside it an aiortc peer has no usable address on a machine without a network.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from signaling.python_participant import PythonParticipant
from tests.support.services import ServerProcess, require_test_netns


@pytest.fixture(scope="session", autouse=True)
def _inside_media_netns() -> None:
    require_test_netns("media")


@pytest.fixture
def session_id() -> str:
    return "media-" + uuid.uuid4().hex[:12]


@pytest.fixture
async def python_participant(
    server: ServerProcess, mint: Callable[..., str], session_id: str
) -> AsyncIterator[Callable[..., PythonParticipant]]:
    """Make Python participants in this test's session; all are closed afterwards."""
    made: list[PythonParticipant] = []

    def make(name: str, **kwargs: object) -> PythonParticipant:
        person = PythonParticipant(
            server.base_url, session_id, mint(session_id, name), **kwargs  # type: ignore[arg-type]
        )
        made.append(person)
        return person

    yield make
    for person in made:
        await person.close()
