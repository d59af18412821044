"""Awaiting what people would notice in an SFU room: media arriving, media stopping."""

from __future__ import annotations

import asyncio
import inspect
import sys
import time
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from signaling.python_participant import KINDS, Kind, PythonParticipant

# "Flowing": about a second of video at 10 fps, half a second of audio (20 ms frames);
# more than a first keyframe, little enough to stay quick.
ENOUGH: dict[Kind, int] = {"video": 8, "audio": 25}
# After a change that stops media (a block, a pause), packets already on their way may
# still land for this long; after that, none for QUIET seconds.
SETTLE = 0.5
QUIET = 1.0
# Generous: six aiortc peers share two cores with the server and Janus.
MEDIA_TIMEOUT = 40.0


def publishes(person: PythonParticipant, kind: Kind) -> bool:
    sends = person.send_audio if kind == "audio" else person.send_video
    return person.role != "observer" and sends


async def everyone_receives_everyone(
    people: Iterable[PythonParticipant],
    kinds: Iterable[Kind] = KINDS,
    timeout: float = MEDIA_TIMEOUT,  # noqa: ASYNC109
) -> None:
    """Each person receives fresh frames of every kind from every other person who sends
    it (frames counted from now, so earlier media does not count)."""
    group = list(people)
    await asyncio.gather(*(
        me.wait_for_more_media(other.participant_id, kind, ENOUGH[kind], timeout)
        for me in group
        for other in group
        if other is not me
        for kind in kinds
        if publishes(other, kind)
    ))


async def until(
    check: Callable[[], bool | Awaitable[bool]], timeout: float, what: str  # noqa: ASYNC109
) -> float:
    """Poll `check` (RTP statistics and records notify nobody) until it holds; returns
    the seconds it took."""
    start = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            while True:
                result = check()
                if await result if inspect.isawaitable(result) else result:
                    break
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {timeout}s") from None
    return time.monotonic() - start


async def last_growth(
    read: Callable[[], Awaitable[int]], window: float, step: float = 0.02
) -> tuple[float, int]:
    """Sample a counter for `window` seconds; returns (the monotonic time of its last
    increase, or of the start when none, and its final value): when media last came."""
    value = await read()
    last = time.monotonic()
    end = last + window
    while time.monotonic() < end:
        await asyncio.sleep(step)
        now = await read()
        if now != value:
            value, last = now, time.monotonic()
    return last, value


def packets(listener: PythonParticipant, peer_id: str, kind: Kind) -> Callable[[], Awaitable[int]]:
    """Reads the RTP packets of `kind` that `listener` received from `peer_id` so far."""

    async def read() -> int:
        return (await listener.inbound_packets(peer_id))[kind]

    return read


def frames(person: PythonParticipant, peer_id: str, kind: Kind) -> Callable[[], Awaitable[int]]:
    """Reads the frames of `kind` that `person` decoded from `peer_id` so far."""

    async def read() -> int:
        return person.received(peer_id, kind)

    return read


def seats(person: PythonParticipant) -> dict[str, int]:
    """Everyone's seat as `person` knows it (their own included)."""
    known = {pid: int(p["seat"]) for pid, p in person.participants.items()}
    return {**known, person.participant_id: int(person.me["seat"])}


def reaches(read: Callable[[], Awaitable[int]], target: int) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return await read() >= target

    return check


def record_of(person: PythonParticipant, participant_id: str) -> dict[str, Any]:
    """`participant_id`'s record as `person` knows it (their own, or from room events)."""
    if participant_id == person.participant_id:
        return person.me
    return person.participants[participant_id]


def figure(name: str, seconds: float) -> None:
    """A measured figure, for the record (never asserted: benches measure, tests check)."""
    print(f"\nfigure: {name}: {seconds:.2f} s", file=sys.stderr)
