"""Presence: joining, rejoining, dropped connections, leaving, own media, signals and sync.

Plain unit tests: a MemoryStore and a fake clock, no transport.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from facilitation import (
    AdmissionPolicy,
    Disconnect,
    ErrorCode,
    Identity,
    Presence,
    Refused,
    ToParticipant,
    ToRoom,
)
from facilitation.outbox import Delivery
from rooms.memory_store import MemoryStore
from rooms.model import MAIN_ROOM, Participant, Role, RoomEvent, Session, room_key

SESSION = "tuesday-group"
MAIN = room_key(SESSION, MAIN_ROOM)
GRACE = 30.0
# These tests are about presence in a room: people come straight in (no waiting room).
OPEN_DOOR = AdmissionPolicy(waiting_room=False, ground_rules=False)
UNBLOCKED = {
    "audio_blocked": False,
    "video_blocked": False,
    "may_unmute": False,
    "unmute_requested": False,
}


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def ident(pid: str, role: Role = Role.PARTICIPANT, session: str = SESSION) -> Identity:
    return Identity(
        participant_id=pid,
        name=f"Name {pid}",
        session_id=session,
        role=role,
        token_id=f"jti-{pid}",
        expires_at=9e12,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def presence(store: MemoryStore, clock: Clock) -> Presence:
    return Presence(store, grace_seconds=GRACE, clock=clock, admission=OPEN_DOOR)


def room_events(deliveries: list[Delivery]) -> list[RoomEvent]:
    return [d.event for d in deliveries if isinstance(d, ToRoom)]


def only_event(deliveries: list[Delivery]) -> RoomEvent:
    """The one room event among the deliveries (others tell the media plane things)."""
    events = [d for d in deliveries if isinstance(d, ToRoom)]
    assert len(events) == 1, deliveries
    return events[0].event


async def refused(code: ErrorCode, awaitable: Any) -> None:
    with pytest.raises(Refused) as info:
        await awaitable
    assert info.value.code == code
    assert info.value.message  # always something a client can show


# ---- join ----------------------------------------------------------------------------------
async def test_first_join_takes_a_new_seat_and_announces_it(
    presence: Presence, clock: Clock
) -> None:
    result = await presence.join(ident("amy"), "conn-amy")

    assert not result.resumed
    assert result.missed is None
    p = result.participant
    assert (p.id, p.name, p.role, p.seat, p.room_id) == (
        "amy", "Name amy", Role.PARTICIPANT, 1, MAIN_ROOM,
    )
    assert p.joined_at == clock.now and p.connected and p.connection_id == "conn-amy"
    event = only_event(result.deliveries)
    assert (event.room, event.seq, event.name) == (MAIN, 1, "participant.joined")
    assert event.payload == {"participant": p.public_view()}
    assert result.snapshot.to_dict() == {
        "room": MAIN,
        "seq": 1,
        "participants": [p.public_view()],
        "media": {"mode": "mesh", "epoch": 0},
        "hands": [],
        "spotlight": None,
        "speaking": [],
    }


async def test_seats_count_up_and_the_snapshot_lists_everyone_by_seat(
    presence: Presence,
) -> None:
    await presence.join(ident("amy"), "c1")
    await presence.join(ident("bob", Role.FACILITATOR), "c2", audio_muted=True)
    result = await presence.join(ident("cat"), "c3", video_off=True)

    assert result.participant.seat == 3
    assert result.snapshot.seq == 3
    assert result.snapshot.participants == [
        {"id": "amy", "name": "Name amy", "role": "participant", "seat": 1,
         "audio_muted": False, "video_off": False, **UNBLOCKED, "connection": "connected"},
        {"id": "bob", "name": "Name bob", "role": "facilitator", "seat": 2,
         "audio_muted": True, "video_off": False, **UNBLOCKED, "connection": "connected"},
        {"id": "cat", "name": "Name cat", "role": "participant", "seat": 3,
         "audio_muted": False, "video_off": True, **UNBLOCKED, "connection": "connected"},
    ]


async def test_other_sessions_do_not_appear_in_the_snapshot(presence: Presence) -> None:
    await presence.join(ident("amy", session="other-group"), "c1")
    result = await presence.join(ident("bob"), "c2")
    assert [p["id"] for p in result.snapshot.participants] == ["bob"]
    assert result.participant.seat == 1
    assert result.snapshot.seq == 1


async def test_an_observer_joins_muted_with_camera_off_whatever_they_ask(
    presence: Presence,
) -> None:
    result = await presence.join(
        ident("trainee", Role.OBSERVER), "c1", audio_muted=False, video_off=False
    )
    view = result.participant.public_view()
    assert view["audio_muted"] and view["video_off"]
    assert only_event(result.deliveries).payload["participant"] == view


async def test_a_participant_may_join_muted_with_camera_off(presence: Presence) -> None:
    result = await presence.join(ident("amy"), "c1", audio_muted=True, video_off=True)
    assert result.participant.audio_muted and result.participant.video_off


async def test_joining_an_ended_session_is_refused(
    presence: Presence, store: MemoryStore
) -> None:
    await store.put_session(Session(id=SESSION, created_at=0.0, ended=True))
    await refused(ErrorCode.SESSION_ENDED, presence.join(ident("amy"), "c1"))
    assert await store.list_participants(SESSION) == []
    assert await store.last_seq(MAIN) == 0


async def test_concurrent_joins_get_distinct_seats_and_numbers(presence: Presence) -> None:
    results = await asyncio.gather(*(presence.join(ident(f"p{i}"), f"c{i}") for i in range(12)))
    assert sorted(r.participant.seat for r in results) == list(range(1, 13))
    seqs = sorted(e.seq for r in results for e in room_events(r.deliveries))
    assert seqs == list(range(1, 13))


# ---- rejoin and replaced connections ------------------------------------------------------
async def test_rejoin_within_grace_keeps_the_seat_and_reports_an_update(
    presence: Presence, clock: Clock
) -> None:
    await presence.join(ident("amy"), "c-amy")
    first = await presence.join(ident("bob"), "c-bob-1")
    lost = only_event(await presence.connection_lost(ident("bob"), "c-bob-1"))
    assert lost.name == "participant.updated"
    assert lost.payload["participant"]["connection"] == "reconnecting"

    clock.advance(GRACE - 0.5)
    again = await presence.join(ident("bob"), "c-bob-2", last_seq=first.snapshot.seq)

    assert again.resumed
    assert again.participant.seat == first.participant.seat
    assert again.participant.joined_at == first.participant.joined_at
    assert again.participant.reconnects == 1
    assert again.participant.connection_id == "c-bob-2"
    back = only_event(again.deliveries)
    assert back.name == "participant.updated"
    assert back.payload["participant"]["connection"] == "connected"
    # What bob missed: his own drop and return.
    assert again.missed is not None
    assert [(e.seq, e.name) for e in again.missed] == [
        (lost.seq, "participant.updated"),
        (back.seq, "participant.updated"),
    ]
    assert [p["id"] for p in again.snapshot.participants] == ["amy", "bob"]
    # The seat is no longer up for expiry.
    clock.advance(GRACE * 2)
    assert await presence.expire(ident("bob")) == []


async def test_rejoin_gets_the_events_missed_while_away(presence: Presence) -> None:
    await presence.join(ident("amy"), "c-amy")
    bob = await presence.join(ident("bob"), "c-bob-1")
    await presence.connection_lost(ident("bob"), "c-bob-1")
    muted = only_event(
        await presence.set_media(ident("amy"), audio_muted=True, video_off=None)
    )

    again = await presence.join(ident("bob"), "c-bob-2", last_seq=bob.snapshot.seq)

    assert again.missed is not None
    assert muted in again.missed
    expected = list(range(bob.snapshot.seq + 1, again.snapshot.seq + 1))
    assert [e.seq for e in again.missed] == expected


async def test_rejoin_too_far_behind_gets_no_missed_list(clock: Clock) -> None:
    presence = Presence(
        MemoryStore(event_log_length=2), grace_seconds=GRACE, clock=clock, admission=OPEN_DOOR
    )
    bob = await presence.join(ident("bob"), "c-bob-1")
    await presence.connection_lost(ident("bob"), "c-bob-1")
    for i in range(4):
        await presence.join(ident(f"p{i}"), f"c{i}")

    again = await presence.join(ident("bob"), "c-bob-2", last_seq=bob.snapshot.seq)
    assert again.resumed and again.missed is None
    assert again.snapshot.seq == 7
    assert len(again.snapshot.participants) == 5


async def test_same_link_opened_twice_replaces_the_older_connection(
    presence: Presence, store: MemoryStore
) -> None:
    first = await presence.join(ident("amy"), "laptop")
    second = await presence.join(ident("amy"), "phone")

    assert second.resumed
    assert second.participant.seat == first.participant.seat
    # Nothing changed for the room: no event, the old window is told to close.
    assert second.deliveries == [Disconnect("laptop", ErrorCode.REPLACED)]
    assert second.deliveries[0].code == "replaced"  # type: ignore[union-attr]
    assert second.snapshot.seq == first.snapshot.seq
    # The old connection closing afterwards does not take the seat down.
    assert await presence.connection_lost(ident("amy"), "laptop") == []
    stored = await store.get_participant(SESSION, "amy")
    assert stored is not None and stored.connected and stored.connection_id == "phone"


async def test_rejoin_on_the_same_connection_replaces_nothing(presence: Presence) -> None:
    await presence.join(ident("amy"), "c1")
    again = await presence.join(ident("amy"), "c1")
    assert again.resumed and again.deliveries == []


# ---- dropped connections and the grace period ---------------------------------------------
async def test_connection_lost_holds_the_seat(
    presence: Presence, store: MemoryStore, clock: Clock
) -> None:
    await presence.join(ident("amy"), "c1")
    event = only_event(await presence.connection_lost(ident("amy"), "c1"))
    assert event.name == "participant.updated"
    assert event.payload["participant"]["connection"] == "reconnecting"
    stored = await store.get_participant(SESSION, "amy")
    assert stored is not None
    assert not stored.connected and stored.disconnected_at == clock.now
    # Reported once only.
    assert await presence.connection_lost(ident("amy"), "c1") == []
    # Someone who never joined, or already left, has nothing to lose.
    assert await presence.connection_lost(ident("ghost"), "c9") == []


async def test_expiry_waits_for_exactly_the_grace_period(
    presence: Presence, store: MemoryStore, clock: Clock
) -> None:
    await presence.join(ident("amy"), "c-amy")
    await presence.join(ident("bob"), "c-bob")
    await presence.connection_lost(ident("bob"), "c-bob")

    clock.advance(GRACE - 0.001)
    assert await presence.expire(ident("bob")) == []
    assert await store.get_participant(SESSION, "bob") is not None

    clock.advance(0.001)
    left = only_event(await presence.expire(ident("bob")))
    assert left.name == "participant.left"
    assert left.payload == {"participant_id": "bob", "reason": "connection_lost"}
    assert await store.get_participant(SESSION, "bob") is None
    assert await presence.expire(ident("bob")) == []

    # Coming back after that is a new arrival with a new seat.
    result = await presence.join(ident("bob"), "c-bob-2")
    assert not result.resumed and result.participant.seat == 3
    assert only_event(result.deliveries).name == "participant.joined"


async def test_expire_leaves_a_connected_participant_alone(
    presence: Presence, clock: Clock
) -> None:
    await presence.join(ident("amy"), "c1")
    clock.advance(GRACE * 10)
    assert await presence.expire(ident("amy")) == []
    assert await presence.expire(ident("ghost")) == []


async def test_grace_period_counts_from_the_latest_drop(
    presence: Presence, clock: Clock
) -> None:
    await presence.join(ident("amy"), "c1")
    await presence.connection_lost(ident("amy"), "c1")
    clock.advance(GRACE - 1)
    await presence.join(ident("amy"), "c2")
    await presence.connection_lost(ident("amy"), "c2")
    clock.advance(2)  # past the first drop's grace period, well within the second's
    assert await presence.expire(ident("amy")) == []


# ---- leave ---------------------------------------------------------------------------------
async def test_leave_gives_up_the_seat_at_once(presence: Presence, store: MemoryStore) -> None:
    await presence.join(ident("amy"), "c1")
    await presence.join(ident("bob"), "c2")

    left = only_event(await presence.leave(ident("bob")))
    assert left.name == "participant.left"
    assert left.payload == {"participant_id": "bob", "reason": "left"}
    assert [p.id for p in await store.list_participants(SESSION)] == ["amy"]

    await refused(ErrorCode.NOT_JOINED, presence.leave(ident("bob")))
    # Seats are never handed out twice.
    assert (await presence.join(ident("bob"), "c3")).participant.seat == 3


# ---- own media -----------------------------------------------------------------------------
async def test_set_media_announces_a_change(presence: Presence, store: MemoryStore) -> None:
    await presence.join(ident("amy"), "c1")
    event = only_event(await presence.set_media(ident("amy"), audio_muted=True, video_off=True))
    assert event.name == "participant.updated"
    assert event.payload["participant"]["audio_muted"] is True
    assert event.payload["participant"]["video_off"] is True
    stored = await store.get_participant(SESSION, "amy")
    assert stored is not None and stored.audio_muted and stored.video_off

    event = only_event(await presence.set_media(ident("amy"), audio_muted=False, video_off=None))
    assert event.payload["participant"]["audio_muted"] is False
    assert event.payload["participant"]["video_off"] is True


async def test_set_media_without_a_change_announces_nothing(
    presence: Presence, store: MemoryStore
) -> None:
    await presence.join(ident("amy"), "c1", audio_muted=True)
    seq = await store.last_seq(MAIN)
    assert await presence.set_media(ident("amy"), audio_muted=True, video_off=False) == []
    assert await presence.set_media(ident("amy"), audio_muted=None, video_off=None) == []
    assert await store.last_seq(MAIN) == seq


async def test_an_observer_may_not_unmute_or_start_a_camera(
    presence: Presence, store: MemoryStore
) -> None:
    observer = ident("trainee", Role.OBSERVER)
    await presence.join(observer, "c1")
    seq = await store.last_seq(MAIN)

    for audio, video in [(False, None), (None, False), (True, False), (False, True)]:
        attempt = presence.set_media(observer, audio_muted=audio, video_off=video)
        await refused(ErrorCode.NOT_PERMITTED, attempt)
    # Staying muted is fine, and changes nothing.
    assert await presence.set_media(observer, audio_muted=True, video_off=True) == []

    stored = await store.get_participant(SESSION, "trainee")
    assert stored is not None and stored.audio_muted and stored.video_off
    assert await store.last_seq(MAIN) == seq


async def test_set_media_before_joining_is_refused(presence: Presence) -> None:
    await refused(
        ErrorCode.NOT_JOINED, presence.set_media(ident("amy"), audio_muted=True, video_off=None)
    )


# ---- relayed WebRTC signals ---------------------------------------------------------------
OFFER = {"pc": "pc-1", "description": {"type": "offer", "sdp": "v=0\r\n"}}


async def test_signal_reaches_a_peer_in_the_same_room(presence: Presence) -> None:
    await presence.join(ident("amy"), "c1")
    await presence.join(ident("trainee", Role.OBSERVER), "c2")

    deliveries = await presence.relay_signal(ident("trainee", Role.OBSERVER), "amy", OFFER)
    assert deliveries == [
        ToParticipant(SESSION, "amy", "signal", {"from": "trainee", **OFFER})
    ]


async def test_signal_to_someone_not_in_the_room_is_refused(
    presence: Presence, store: MemoryStore
) -> None:
    await presence.join(ident("amy"), "c1")
    await presence.join(ident("bob", session="other-group"), "c2")
    await store.put_participant(
        Participant(id="cat", session_id=SESSION, name="Cat", role=Role.PARTICIPANT,
                    room_id="breakout-1", seat=9)
    )
    amy = ident("amy")
    await refused(ErrorCode.PEER_NOT_IN_ROOM, presence.relay_signal(amy, "amy", OFFER))
    await refused(ErrorCode.PEER_NOT_IN_ROOM, presence.relay_signal(amy, "nobody", OFFER))
    await refused(ErrorCode.PEER_NOT_IN_ROOM, presence.relay_signal(amy, "bob", OFFER))
    await refused(ErrorCode.PEER_NOT_IN_ROOM, presence.relay_signal(amy, "cat", OFFER))


async def test_signal_to_a_disconnected_peer_is_refused(presence: Presence) -> None:
    await presence.join(ident("amy"), "c1")
    await presence.join(ident("bob"), "c2")
    await presence.connection_lost(ident("bob"), "c2")
    await refused(ErrorCode.PEER_UNAVAILABLE, presence.relay_signal(ident("amy"), "bob", OFFER))


async def test_signal_before_joining_is_refused(presence: Presence) -> None:
    await presence.join(ident("amy"), "c1")
    await refused(ErrorCode.NOT_JOINED, presence.relay_signal(ident("bob"), "amy", OFFER))


# ---- sync ----------------------------------------------------------------------------------
async def test_sync_returns_the_events_after_a_point(presence: Presence) -> None:
    await presence.join(ident("amy"), "c1")
    await presence.join(ident("bob"), "c2")
    await presence.set_media(ident("bob"), audio_muted=True, video_off=None)

    result = await presence.sync(ident("amy"), MAIN, 1)
    assert result.snapshot is None
    assert result.events is not None
    assert [(e.seq, e.name) for e in result.events] == [
        (2, "participant.joined"), (3, "participant.updated"),
    ]
    up_to_date = await presence.sync(ident("amy"), MAIN, 3)
    assert up_to_date.events == [] and up_to_date.snapshot is None


async def test_sync_too_far_behind_gets_a_snapshot(clock: Clock) -> None:
    presence = Presence(
        MemoryStore(event_log_length=2), grace_seconds=GRACE, clock=clock, admission=OPEN_DOOR
    )
    for i in range(4):
        await presence.join(ident(f"p{i}"), f"c{i}")

    result = await presence.sync(ident("p0"), MAIN, 0)
    assert result.events is None
    assert result.snapshot is not None
    assert result.snapshot.seq == 4
    assert [p["seat"] for p in result.snapshot.participants] == [1, 2, 3, 4]
    # A number from the future (e.g. from before a server restart) gets a snapshot too.
    future = await presence.sync(ident("p0"), MAIN, 99)
    assert future.events is None and future.snapshot is not None


async def test_sync_of_another_room_is_refused(presence: Presence) -> None:
    await presence.join(ident("amy"), "c1")
    await presence.join(ident("bob", session="other-group"), "c2")
    amy = ident("amy")
    await refused(ErrorCode.NOT_IN_ROOM, presence.sync(amy, room_key("other-group", MAIN_ROOM), 0))
    await refused(ErrorCode.NOT_IN_ROOM, presence.sync(amy, room_key(SESSION, "breakout-1"), 0))
    await refused(ErrorCode.NOT_JOINED, presence.sync(ident("ghost"), MAIN, 0))


# ---- sequence numbers ----------------------------------------------------------------------
async def test_room_sequence_numbers_strictly_increase_per_room(
    presence: Presence, clock: Clock
) -> None:
    seen: dict[str, list[int]] = {}

    def note(deliveries: list[Delivery]) -> None:
        for event in room_events(deliveries):
            seen.setdefault(event.room, []).append(event.seq)

    other = "other-group"
    note((await presence.join(ident("amy"), "c1")).deliveries)
    note((await presence.join(ident("x", session=other), "x1")).deliveries)
    note((await presence.join(ident("bob"), "c2")).deliveries)
    note(await presence.set_media(ident("amy"), audio_muted=True, video_off=None))
    note(await presence.connection_lost(ident("bob"), "c2"))
    note(await presence.set_media(ident("x", session=other), audio_muted=True, video_off=None))
    note((await presence.join(ident("bob"), "c3")).deliveries)
    note(await presence.connection_lost(ident("bob"), "c3"))
    clock.advance(GRACE)
    note(await presence.expire(ident("bob")))
    note(await presence.leave(ident("amy")))
    note(await presence.leave(ident("x", session=other)))

    assert seen == {MAIN: [1, 2, 3, 4, 5, 6, 7, 8], room_key(other, MAIN_ROOM): [1, 2, 3]}


async def test_the_session_is_forgotten_when_the_last_person_is_gone(
    presence: Presence, store: MemoryStore, clock: Clock
) -> None:
    await presence.join(ident("a"), "c-a")
    await presence.join(ident("b"), "c-b")
    await presence.leave(ident("a"))
    assert await store.get_session(SESSION) is not None  # b is still there
    await presence.connection_lost(ident("b"), "c-b")
    clock.advance(GRACE)
    await presence.expire(ident("b"))
    assert await store.get_session(SESSION) is None
    assert await store.list_participants(SESSION) == []
    assert await store.last_seq(MAIN) == 0


async def test_a_rejoin_carries_what_changed_while_away_within_the_rules(
    presence: Presence, store: MemoryStore
) -> None:
    await presence.join(ident("sam"), "c1")
    await presence.connection_lost(ident("sam"), "c1")
    result = await presence.join(ident("sam"), "c2", audio_muted=True, video_off=True)
    assert result.participant.audio_muted and result.participant.video_off
    update = only_event(result.deliveries)
    assert update.payload["participant"]["audio_muted"] is True

    # Same connection state, new media state: still announced.
    result = await presence.join(ident("sam"), "c3", audio_muted=False)
    assert not result.participant.audio_muted and result.participant.video_off
    assert only_event(result.deliveries).name == "participant.updated"

    # A facilitator's block holds across a rejoin.
    p = await store.get_participant(SESSION, "sam")
    assert p is not None
    p.audio_blocked, p.audio_muted = True, True
    await store.put_participant(p)
    result = await presence.join(ident("sam"), "c4", audio_muted=False)
    assert result.participant.audio_muted
