"""Python (aiortc) participants for media tests: a fresh session per server, small frames
(aiortc encodes in Python and shares two cores with the server, Janus and the test)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

from rooms.model import Role
from signaling.python_participant import PythonParticipant
from tests.support.services import ServerProcess

VIDEO_SIZE = (160, 120)
VIDEO_FPS = 10

PeopleFactory = Callable[..., PythonParticipant]


async def people_factory(
    mint: Callable[..., str], prefix: str
) -> AsyncIterator[Callable[[ServerProcess], PeopleFactory]]:
    """Yields `on`: `make = on(server)`, then `make("Ana", role=Role.FACILITATOR, ...)`
    gives participants of one fresh session on `server`; all are closed at the end."""
    made: list[PythonParticipant] = []

    def on(server: ServerProcess) -> PeopleFactory:
        session_id = f"{prefix}-{uuid.uuid4().hex[:12]}"

        def make(name: str, role: Role = Role.PARTICIPANT, **kwargs: object) -> PythonParticipant:
            kwargs.setdefault("video_size", VIDEO_SIZE)
            kwargs.setdefault("video_fps", VIDEO_FPS)
            person = PythonParticipant(
                server.base_url, session_id, mint(session_id, name, role),
                **kwargs,  # type: ignore[arg-type]
            )
            made.append(person)
            return person

        return make

    yield on
    for person in made:
        await person.close()
