"""Media rules: topology by room size, facilitator mute enforced, talk time."""

from __future__ import annotations

import pytest

from facilitation import (
    EnforceMedia,
    ErrorCode,
    MediaControl,
    MediaPolicy,
    MediaTopology,
    Presence,
    Refused,
    ToRoom,
    ToRoomVolatile,
)
from rooms.memory_store import MemoryStore
from rooms.model import MAIN_ROOM, MediaMode, Role
from tests.facilitation.test_presence import OPEN_DOOR, SESSION, Clock, ident


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def policy() -> MediaPolicy:
    return MediaPolicy(sfu_threshold=4, sfu_available=True)


@pytest.fixture
def presence(clock: Clock, policy: MediaPolicy) -> Presence:
    return Presence(MemoryStore(), clock=clock, policy=policy, admission=OPEN_DOOR)


@pytest.fixture
def media(presence: Presence, clock: Clock) -> MediaControl:
    return MediaControl(presence.store, locks=presence.locks, clock=clock)


async def test_a_small_room_stays_peer_to_peer_and_a_fifth_person_moves_it_to_the_sfu(
    presence: Presence,
) -> None:
    for pid in "abcd":
        result = await presence.join(ident(pid), f"c-{pid}")
        assert result.snapshot.media == {"mode": "mesh", "epoch": 0}
        assert not [d for d in result.deliveries if isinstance(d, MediaTopology)]
    result = await presence.join(ident("e"), "c-e")
    assert result.snapshot.media == {"mode": "sfu", "epoch": 1}
    events = [d.event for d in result.deliveries if isinstance(d, ToRoom)]
    assert [e.name for e in events] == ["participant.joined", "room.media"]
    assert events[1].payload == {"mode": "sfu", "epoch": 1}
    assert MediaTopology(SESSION, MAIN_ROOM, "sfu", 1) in result.deliveries


async def test_the_room_stays_on_the_sfu_when_people_leave(presence: Presence) -> None:
    for pid in "abcde":
        await presence.join(ident(pid), f"c-{pid}")
    await presence.leave(ident("e"))
    await presence.leave(ident("d"))
    result = await presence.join(ident("f"), "c-f")
    assert result.snapshot.media == {"mode": "sfu", "epoch": 1}


async def test_without_an_sfu_every_room_is_peer_to_peer(
    presence: Presence, policy: MediaPolicy
) -> None:
    policy.sfu_available = False
    for pid in "abcdefgh":
        result = await presence.join(ident(pid), f"c-{pid}")
    assert result.snapshot.media["mode"] == "mesh"


async def test_a_facilitator_mute_is_enforced_and_the_person_cannot_lift_it(
    presence: Presence, media: MediaControl
) -> None:
    await presence.join(ident("fac", Role.FACILITATOR), "c-f")
    await presence.join(ident("sam"), "c-s")
    out = await media.block(ident("fac", Role.FACILITATOR), "sam", audio=True)
    assert EnforceMedia(SESSION, MAIN_ROOM, "sam", True, False) in out
    (update,) = [d.event for d in out if isinstance(d, ToRoom)]
    assert update.payload["participant"]["audio_blocked"] is True
    assert update.payload["participant"]["audio_muted"] is True

    with pytest.raises(Refused) as info:
        await presence.set_media(ident("sam"), audio_muted=False, video_off=None)
    assert info.value.code == ErrorCode.MUTED_BY_FACILITATOR
    # Turning the camera off is still the person's own choice.
    await presence.set_media(ident("sam"), audio_muted=None, video_off=True)

    out = await media.block(ident("fac", Role.FACILITATOR), "sam", audio=False)
    assert EnforceMedia(SESSION, MAIN_ROOM, "sam", False, False) in out
    await presence.set_media(ident("sam"), audio_muted=False, video_off=None)
    p = await presence.store.get_participant(SESSION, "sam")
    assert p is not None and not p.audio_muted and not p.audio_blocked


async def test_blocking_twice_changes_nothing_and_self_or_strangers_are_refused(
    presence: Presence, media: MediaControl
) -> None:
    fac = ident("fac", Role.COFACILITATOR)
    await presence.join(fac, "c-f")
    await presence.join(ident("sam"), "c-s")
    assert await media.block(fac, "sam", video=True)
    assert await media.block(fac, "sam", video=True) == []
    with pytest.raises(Refused):
        await media.block(fac, "fac", audio=True)
    with pytest.raises(Refused) as info:
        await media.block(fac, "nobody", audio=True)
    assert info.value.code == ErrorCode.PEER_NOT_IN_ROOM


async def test_a_participant_cannot_mute_someone_else(
    presence: Presence, media: MediaControl
) -> None:
    await presence.join(ident("amy"), "c-a")
    await presence.join(ident("sam"), "c-s")
    with pytest.raises(Refused) as info:
        await media.block(ident("amy"), "sam", audio=True)
    assert info.value.code == ErrorCode.NOT_PERMITTED
    p = await presence.store.get_participant(SESSION, "sam")
    assert p is not None and not p.audio_blocked


async def test_talk_time_adds_up_from_speaking_events(
    presence: Presence, media: MediaControl, clock: Clock
) -> None:
    await presence.join(ident("sam"), "c-s")
    out = await media.speaking(SESSION, "sam", True)
    assert out == [ToRoomVolatile(f"{SESSION}/{MAIN_ROOM}", "participant.speaking",
                                  {"participant_id": "sam", "speaking": True})]
    clock.advance(12)
    assert await media.speaking(SESSION, "sam", True) == []  # already speaking
    await media.speaking(SESSION, "sam", False)
    await media.speaking(SESSION, "sam", True)
    clock.advance(3)
    await media.speaking(SESSION, "sam", False)
    p = await presence.store.get_participant(SESSION, "sam")
    assert p is not None and p.talk_seconds == pytest.approx(15)
    assert await media.speaking(SESSION, "gone", True) == []


async def test_renegotiate_bumps_the_epoch_for_everyone(
    presence: Presence, media: MediaControl
) -> None:
    for pid in "abcde":
        await presence.join(ident(pid), f"c-{pid}")
    out = await media.renegotiate(SESSION, MAIN_ROOM, MediaMode.SFU)
    assert MediaTopology(SESSION, MAIN_ROOM, "sfu", 2) in out
    out = await media.renegotiate(SESSION, MAIN_ROOM, MediaMode.MESH)
    assert MediaTopology(SESSION, MAIN_ROOM, "mesh", 3) in out


async def test_a_late_joiner_sees_who_is_speaking_in_the_snapshot(
    presence: Presence, media: MediaControl
) -> None:
    await presence.join(ident("sam"), "c-s")
    await media.speaking(SESSION, "sam", True)
    result = await presence.join(ident("amy"), "c-a")
    assert result.snapshot is not None and result.snapshot.speaking == ["sam"]
