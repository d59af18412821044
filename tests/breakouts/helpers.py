"""Awaiting what people in breakout rooms would notice: whose media arrives, whose stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from signaling.python_participant import KINDS, Kind, PythonParticipant
from tests.sfu.helpers import ENOUGH, MEDIA_TIMEOUT, publishes

Counts = dict[tuple[str, Kind], int]


def counts(person: PythonParticipant, others: Iterable[PythonParticipant]) -> Counts:
    """The frames `person` decoded so far from each of `others`, per kind."""
    return {
        (other.participant_id, kind): person.received(other.participant_id, kind)
        for other in others
        for kind in KINDS
    }


async def receive_each_other(
    pairs: Iterable[tuple[PythonParticipant, PythonParticipant]],
    timeout: float = MEDIA_TIMEOUT,  # noqa: ASYNC109
) -> None:
    """For each (receiver, sender): fresh frames of every kind the sender sends (counted
    from now), in both directions."""
    waits = []
    for a, b in pairs:
        for me, other in ((a, b), (b, a)):
            waits += [
                me.wait_for_more_media(other.participant_id, kind, ENOUGH[kind], timeout)
                for kind in KINDS
                if publishes(other, kind)
            ]
    await asyncio.gather(*waits)


def in_room(people: Iterable[PythonParticipant], room_id: str) -> list[PythonParticipant]:
    return [p for p in people if p.room_id == room_id]
