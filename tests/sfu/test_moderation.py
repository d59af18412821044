"""A facilitator's mute is enforced at the SFU, even against a client that keeps sending."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from rooms.model import Role
from signaling.python_participant import ParticipantError, PythonParticipant
from tests.sfu.conftest import PeopleFactory
from tests.sfu.helpers import (
    ENOUGH,
    QUIET,
    SETTLE,
    everyone_receives_everyone,
    figure,
    last_growth,
    packets,
    reaches,
    record_of,
    until,
)
from tests.support.services import ServerProcess

# Counters are watched from this long before the block.
LEAD = 0.2


async def test_a_blocked_participant_who_keeps_sending_is_not_heard_but_still_seen(
    small_sfu_server: ServerProcess, people: Callable[[ServerProcess], PeopleFactory]
) -> None:
    make = people(small_sfu_server)
    fay = make("Fay", Role.FACILITATOR)
    # Ben's client ignores the block: only the server can stop his audio.
    ben = make("Ben", obey_moderation=False)
    cleo = make("Cleo")
    group = [fay, ben, cleo]
    for person in group:
        await person.join()
    for person in group:
        await person.wait_for_media_mode("sfu")
    await everyone_receives_everyone(group)
    ben_id = ben.participant_id
    listeners = [fay, cleo]

    def heard_by(listener: PythonParticipant) -> Callable[[], Awaitable[int]]:
        return packets(listener, ben_id, "audio")

    # Watch the listeners' counters from just before the block.
    watching = [
        asyncio.create_task(last_growth(heard_by(listener), LEAD + SETTLE + QUIET))
        for listener in listeners
    ]
    await asyncio.sleep(LEAD)
    blocked_at = time.monotonic()
    await fay.moderate_media(ben_id, audio_blocked=True)
    watched = await asyncio.gather(*watching)
    stops = [(max(0.0, last - blocked_at), final) for last, final in watched]
    # Everyone's record of Ben says so (the web client shows "muted by the facilitator").
    for person in group:
        assert record_of(person, ben_id)["audio_blocked"] is True
    assert ben.me["audio_muted"] is True

    # At each listener Ben's audio stopped within the settling time, then nothing for a
    # second ...
    for stopped_after, _ in stops:
        figure("facilitator mute -> blocked audio stops at a listener", stopped_after)
        assert stopped_after < SETTLE, f"audio still arrived {stopped_after:.2f}s after the block"
    # ... and still nothing, although his client keeps sending audio; his video still
    # reaches everyone.
    sent = (await ben.outbound_packets())["audio"]
    await everyone_receives_everyone(group, kinds=["video"])
    assert (await ben.outbound_packets())["audio"] >= sent + ENOUGH["audio"]
    for listener, (_, final) in zip(listeners, stops, strict=True):
        assert await heard_by(listener)() == final, "audio arrived while blocked"

    # He cannot lift the block himself.
    with pytest.raises(ParticipantError) as refused:
        await ben.update_media(audio_muted=False)
    assert refused.value.code == "muted_by_facilitator"

    # Let through again: everyone hears him again.
    before = [await heard_by(listener)() for listener in listeners]
    await fay.moderate_media(ben_id, audio_blocked=False)
    took = await asyncio.gather(*(
        until(reaches(heard_by(listener), count + 1), 10, "Ben's audio heard again")
        for listener, count in zip(listeners, before, strict=True)
    ))
    for seconds in took:
        figure("facilitator unmute -> audio arrives again at a listener", seconds)
    for listener, count in zip(listeners, before, strict=True):
        await until(reaches(heard_by(listener), count + ENOUGH["audio"]), 10, "audio flowing")
    for person in group:
        assert record_of(person, ben_id)["audio_blocked"] is False
    await ben.update_media(audio_muted=False)  # his own choice again


async def test_a_participant_who_obeys_stops_sending_what_a_facilitator_blocked(
    small_sfu_server: ServerProcess, people: Callable[[ServerProcess], PeopleFactory]
) -> None:
    make = people(small_sfu_server)
    fay = make("Fay", Role.FACILITATOR, send_audio=False, send_video=False)
    ana = make("Ana")  # obeys, as the web client does
    ben = make("Ben", send_audio=False, send_video=False)
    for person in (fay, ana, ben):
        await person.join()
    await ben.wait_for_peer_media(ana.participant_id, "audio", ENOUGH["audio"])

    def sent() -> Callable[[], Awaitable[int]]:
        async def read() -> int:
            return (await ana.outbound_packets())["audio"]

        return read

    await fay.moderate_media(ana.participant_id, audio_blocked=True)
    await until(lambda: ana.me.get("audio_blocked") is True, 5, "Ana told of the block")
    # Her client stops sending audio (the server would drop it anyway); video goes on.
    last, _ = await last_growth(sent(), SETTLE + QUIET)
    assert time.monotonic() - last >= QUIET, "Ana's client still sends audio"
    await ben.wait_for_more_media(ana.participant_id, "video", ENOUGH["video"])

    await fay.moderate_media(ana.participant_id, audio_blocked=False)
    before = await sent()()
    await until(reaches(sent(), before + ENOUGH["audio"]), 10, "Ana sends audio again")
    await ben.wait_for_more_media(ana.participant_id, "audio", ENOUGH["audio"])
