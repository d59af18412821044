"""The `Store` contract: every test here runs against MemoryStore and RedisStore alike."""

from __future__ import annotations

import asyncio
import uuid

import redis.asyncio as aioredis

from rooms.activity import Activity
from rooms.model import (
    MAIN_ROOM,
    AttendanceEntry,
    AttendanceLedger,
    ChatMessage,
    MediaMode,
    Participant,
    Role,
    Room,
    Session,
    room_key,
)
from rooms.redis_store import RedisStore
from rooms.store import Store
from rooms.whiteboard import AppliedOp
from tests.rooms.conftest import MakeStore
from tests.support.services import RedisProcess

S1, S2 = "session-one", "session-two"
MAIN1, MAIN2 = room_key(S1, MAIN_ROOM), room_key(S2, MAIN_ROOM)


def person(pid: str, seat: int, session_id: str = S1, **kw: object) -> Participant:
    return Participant(
        id=pid,
        session_id=session_id,
        name=f"Name of {pid}",
        role=Role.PARTICIPANT,
        seat=seat,
        **kw,  # type: ignore[arg-type]
    )


# ---- sessions ------------------------------------------------------------------------------
async def test_unknown_session_is_none(store: Store) -> None:
    assert await store.get_session("nobody-scheduled-this") is None


async def test_session_round_trip(store: Store) -> None:
    await store.put_session(Session(id=S1, created_at=1000.5))
    assert await store.get_session(S1) == Session(id=S1, created_at=1000.5, ended=False)

    await store.put_session(Session(id=S1, created_at=1000.5, ended=True))
    got = await store.get_session(S1)
    assert got is not None and got.ended


# ---- participants --------------------------------------------------------------------------
async def test_participant_round_trip_keeps_every_field(store: Store) -> None:
    p = Participant(
        id="p1",
        session_id=S1,
        name="Sam Ortiz",
        role=Role.OBSERVER,
        room_id=MAIN_ROOM,
        seat=3,
        joined_at=12.25,
        audio_muted=True,
        video_off=True,
        connected=False,
        disconnected_at=99.5,
        connection_id="conn-7",
        reconnects=2,
        extra={"mood": [1, 2], "note": "x"},
    )
    await store.put_participant(p)
    got = await store.get_participant(S1, "p1")
    assert got == p
    assert got is not None and got.role is Role.OBSERVER


async def test_engagement_records_round_trip(store: Store) -> None:
    activity = Activity(
        last_spoke_at=50.5, talk=[[10.0, 20.5], [40.0, 50.5]], reported_at=60.0,
        away_since=61.0, away_seconds=3.5, camera_off_since=None, camera_off_seconds=12.0,
        hand_raises=2, chat_messages=3, reactions=4, loss=0.05,
        mood={"check": "c1", "scale": "faces", "value": 2, "word": "tired", "at": 55.0},
    )
    p = person("p1", 1, talk_seconds=21.0, activity=activity)
    await store.put_participant(p)
    got = await store.get_participant(S1, "p1")
    assert got == p and got is not None and isinstance(got.activity, Activity)
    session = Session(
        id=S1, created_at=1.0, engagement={"silent_seconds": 60.0},
        mood_check={"id": "c1", "question": "How are you?", "scale": "ten", "open": True,
                    "started_at": 2.0, "ended_at": None},
    )
    await store.put_session(session)
    assert await store.get_session(S1) == session


async def test_room_round_trip(store: Store) -> None:
    assert await store.get_room(S1, MAIN_ROOM) is None
    await store.put_room(Room(S1, MAIN_ROOM))
    assert await store.get_room(S1, MAIN_ROOM) == Room(S1, MAIN_ROOM, MediaMode.MESH, 0)
    await store.put_room(Room(S1, MAIN_ROOM, MediaMode.SFU, 2))
    await store.put_room(Room(S1, "breakout-1"))
    assert await store.get_room(S1, MAIN_ROOM) == Room(S1, MAIN_ROOM, MediaMode.SFU, 2)
    assert await store.get_room(S2, MAIN_ROOM) is None


async def test_unknown_participant_is_none(store: Store) -> None:
    await store.put_participant(person("p1", 1))
    assert await store.get_participant(S1, "p2") is None
    assert await store.get_participant(S2, "p1") is None


async def test_put_participant_replaces_the_record(store: Store) -> None:
    await store.put_participant(person("p1", 1))
    await store.put_participant(person("p1", 1, audio_muted=True))
    got = await store.get_participant(S1, "p1")
    assert got is not None and got.audio_muted
    assert len(await store.list_participants(S1)) == 1


async def test_list_participants_is_ordered_by_seat(store: Store) -> None:
    for pid, seat in [("zed", 4), ("amy", 2), ("kim", 9), ("bob", 1)]:
        await store.put_participant(person(pid, seat))
    await store.put_participant(person("other", 3, session_id=S2))

    people = await store.list_participants(S1)
    assert [(p.id, p.seat) for p in people] == [("bob", 1), ("amy", 2), ("zed", 4), ("kim", 9)]
    assert await store.list_participants("empty-session") == []


async def test_delete_participant(store: Store) -> None:
    await store.put_participant(person("p1", 1))
    await store.put_participant(person("p2", 2))
    await store.put_participant(person("p1", 1, session_id=S2))

    await store.delete_participant(S1, "p1")
    assert await store.get_participant(S1, "p1") is None
    assert [p.id for p in await store.list_participants(S1)] == ["p2"]
    # The same id in another session is someone else.
    assert await store.get_participant(S2, "p1") is not None
    # Deleting someone absent is not an error.
    await store.delete_participant(S1, "p1")
    await store.delete_participant("no-such-session", "p1")


async def test_next_seat_counts_up_per_session(store: Store) -> None:
    assert [await store.next_seat(S1) for _ in range(3)] == [1, 2, 3]
    assert await store.next_seat(S2) == 1
    assert await store.next_seat(S1) == 4


async def test_concurrent_next_seat_never_repeats(store: Store) -> None:
    seats = await asyncio.gather(*(store.next_seat(S1) for _ in range(40)))
    assert sorted(seats) == list(range(1, 41))


# ---- room event logs -----------------------------------------------------------------------
async def test_append_event_numbers_events_per_room(store: Store) -> None:
    other_room = room_key(S1, "breakout-1")
    e1 = await store.append_event(MAIN1, "participant.joined", {"n": 1})
    e2 = await store.append_event(MAIN1, "participant.updated", {"n": 2})
    b1 = await store.append_event(other_room, "participant.joined", {"n": 3})
    s2 = await store.append_event(MAIN2, "participant.joined", {"n": 4})
    e3 = await store.append_event(MAIN1, "participant.left", {"n": 5})

    assert [e1.seq, e2.seq, e3.seq] == [1, 2, 3]
    assert b1.seq == 1 and s2.seq == 1
    assert (e2.room, e2.name, e2.payload) == (MAIN1, "participant.updated", {"n": 2})
    assert await store.last_seq(MAIN1) == 3
    assert await store.last_seq(other_room) == 1
    assert await store.last_seq(MAIN2) == 1
    assert await store.last_seq(room_key(S1, "never-used")) == 0


async def test_concurrent_appends_never_share_a_number(store: Store) -> None:
    events = await asyncio.gather(
        *(store.append_event(MAIN1, "participant.updated", {"i": i}) for i in range(60))
    )
    assert sorted(e.seq for e in events) == list(range(1, 61))
    logged = await store.events_since(MAIN1, 0)
    assert logged is not None
    assert [e.seq for e in logged] == list(range(1, 61))
    # Each number belongs to exactly the event it was handed out with.
    by_seq = {e.seq: e.payload["i"] for e in events}
    assert {e.seq: e.payload["i"] for e in logged} == by_seq


async def test_events_since_empty_room(store: Store) -> None:
    assert await store.events_since(MAIN1, 0) == []
    # A client claiming to have seen events that never happened needs a snapshot.
    assert await store.events_since(MAIN1, 1) is None


async def test_events_since_partial_exact_and_future(store: Store) -> None:
    for i in range(1, 6):
        await store.append_event(MAIN1, "participant.updated", {"i": i})

    everything = await store.events_since(MAIN1, 0)
    assert everything is not None
    assert [(e.seq, e.payload) for e in everything] == [(i, {"i": i}) for i in range(1, 6)]
    assert all(e.room == MAIN1 and e.name == "participant.updated" for e in everything)

    tail = await store.events_since(MAIN1, 3)
    assert tail is not None and [e.seq for e in tail] == [4, 5]

    assert await store.events_since(MAIN1, 5) == []
    assert await store.events_since(MAIN1, 6) is None
    assert await store.events_since(MAIN1, 1000) is None


async def test_events_since_is_none_once_the_log_is_trimmed(make_store: MakeStore) -> None:
    store = make_store(event_log_length=3)
    for i in range(1, 8):
        await store.append_event(MAIN1, "participant.updated", {"i": i})

    assert await store.last_seq(MAIN1) == 7
    # The log keeps 5, 6, 7: a client that saw 4 or later can catch up ...
    kept = await store.events_since(MAIN1, 4)
    assert kept is not None and [e.seq for e in kept] == [5, 6, 7]
    later = await store.events_since(MAIN1, 5)
    assert later is not None and [e.seq for e in later] == [6, 7]
    assert await store.events_since(MAIN1, 7) == []
    # ... one further behind has missed events the server no longer has.
    assert await store.events_since(MAIN1, 3) is None
    assert await store.events_since(MAIN1, 0) is None


# ---- dropping a session --------------------------------------------------------------------
async def _fill(store: Store, session_id: str) -> None:
    await store.put_session(Session(id=session_id, created_at=1.0))
    await store.next_seat(session_id)
    await store.next_seat(session_id)
    await store.put_participant(person("p1", 1, session_id=session_id))
    await store.put_participant(person("p2", 2, session_id=session_id))
    await store.append_event(room_key(session_id, MAIN_ROOM), "participant.joined", {})
    await store.append_event(room_key(session_id, MAIN_ROOM), "participant.joined", {})
    await store.append_event(room_key(session_id, "breakout-1"), "participant.joined", {})
    await store.put_room(Room(session_id, MAIN_ROOM, MediaMode.SFU, 3))


async def test_drop_session_forgets_that_session_only(store: Store) -> None:
    await _fill(store, S1)
    await _fill(store, S2)

    await store.drop_session(S1)

    assert await store.get_session(S1) is None
    assert await store.get_participant(S1, "p1") is None
    assert await store.list_participants(S1) == []
    assert await store.get_room(S1, MAIN_ROOM) is None
    for room in (MAIN1, room_key(S1, "breakout-1")):
        assert await store.last_seq(room) == 0
        assert await store.events_since(room, 0) == []
    assert await store.next_seat(S1) == 1

    assert await store.get_session(S2) == Session(id=S2, created_at=1.0)
    assert await store.get_room(S2, MAIN_ROOM) == Room(S2, MAIN_ROOM, MediaMode.SFU, 3)
    assert [p.id for p in await store.list_participants(S2)] == ["p1", "p2"]
    assert await store.last_seq(MAIN2) == 2
    kept = await store.events_since(MAIN2, 0)
    assert kept is not None and len(kept) == 2
    assert await store.last_seq(room_key(S2, "breakout-1")) == 1
    assert await store.next_seat(S2) == 3


async def test_drop_room_forgets_that_room_only(store: Store) -> None:
    await _fill(store, S1)
    private = room_key(S1, "checkin-1")
    await store.put_room(Room(S1, "checkin-1"))
    await store.append_event(private, "participant.joined", {})
    await store.add_chat(ChatMessage("m1", private, "p1", "Ana", "room", "just us", 1.0))

    await store.append_board_op(private, AppliedOp(0, "p1", "c-1", "add", []))

    await store.drop_room(S1, "checkin-1")

    assert await store.get_room(S1, "checkin-1") is None
    assert await store.board_seq(private) == 0
    assert await store.last_seq(private) == 0
    assert await store.list_chat(private) == []
    assert await store.last_seq(MAIN1) == 2
    assert await store.get_room(S1, MAIN_ROOM) is not None
    await store.drop_session(S1)  # and the session still drops cleanly


async def test_drop_session_does_not_touch_a_session_with_a_longer_id(store: Store) -> None:
    await _fill(store, "group")
    await _fill(store, "group2")
    await store.drop_session("group")
    assert await store.get_session("group2") is not None
    assert await store.last_seq(room_key("group2", MAIN_ROOM)) == 2


async def test_drop_unknown_session_is_harmless(store: Store) -> None:
    await _fill(store, S2)
    await store.drop_session(S1)
    assert len(await store.list_participants(S2)) == 2


# ---- records are copies --------------------------------------------------------------------
async def test_changing_a_returned_record_does_not_change_the_store(store: Store) -> None:
    await store.put_session(Session(id=S1, created_at=1.0))
    await store.put_participant(person("p1", 1, extra={"tags": ["a"]}))
    appended = await store.append_event(MAIN1, "participant.joined", {"participant": {"id": "p1"}})
    appended.payload["participant"]["name"] = "added"

    session = await store.get_session(S1)
    assert session is not None
    session.ended = True
    p = await store.get_participant(S1, "p1")
    assert p is not None
    p.audio_muted = True
    p.extra["tags"].append("b")
    listed = (await store.list_participants(S1))[0]
    listed.name = "Changed"
    events = await store.events_since(MAIN1, 0)
    assert events is not None
    events[0].payload["participant"]["id"] = "changed"

    fresh_session = await store.get_session(S1)
    assert fresh_session is not None and not fresh_session.ended
    fresh = await store.get_participant(S1, "p1")
    assert fresh is not None
    assert not fresh.audio_muted and fresh.extra == {"tags": ["a"]} and fresh.name == "Name of p1"
    again = await store.events_since(MAIN1, 0)
    assert again is not None and again[0].payload == {"participant": {"id": "p1"}}


async def test_changing_a_record_after_storing_it_does_not_change_the_store(
    store: Store,
) -> None:
    session = Session(id=S1, created_at=1.0)
    await store.put_session(session)
    session.ended = True
    p = person("p1", 1, extra={"tags": ["a"]})
    await store.put_participant(p)
    p.name = "Changed"
    p.extra["tags"].append("b")
    payload = {"participant": {"id": "p1"}}
    await store.append_event(MAIN1, "participant.joined", payload)
    payload["participant"]["id"] = "changed"

    got_session = await store.get_session(S1)
    assert got_session is not None and not got_session.ended
    got = await store.get_participant(S1, "p1")
    assert got is not None and got.name == "Name of p1" and got.extra == {"tags": ["a"]}
    events = await store.events_since(MAIN1, 0)
    assert events is not None and events[0].payload == {"participant": {"id": "p1"}}


# ---- Redis only: several server processes, and nothing left behind ------------------------
async def test_redis_stores_sharing_state_never_share_a_number(
    redis_server: RedisProcess,
) -> None:
    """Two server processes (two RedisStore instances on one Redis) appending at once."""
    prefix = f"test-{uuid.uuid4().hex}"
    a = RedisStore(redis_server.url, prefix=prefix)
    b = RedisStore(redis_server.url, prefix=prefix)
    try:
        appends = asyncio.gather(
            *(
                (a if i % 2 else b).append_event(MAIN1, "participant.updated", {"i": i})
                for i in range(60)
            )
        )
        seats = asyncio.gather(*((a if i % 2 else b).next_seat(S1) for i in range(20)))
        events, given = await asyncio.gather(appends, seats)
        assert sorted(e.seq for e in events) == list(range(1, 61))
        assert sorted(given) == list(range(1, 21))
        assert await b.last_seq(MAIN1) == 60
    finally:
        await a.close()
        await b.close()


async def test_redis_drop_session_leaves_no_key_of_that_session(
    redis_server: RedisProcess,
) -> None:
    prefix = f"test-{uuid.uuid4().hex}"
    store = RedisStore(redis_server.url, prefix=prefix)
    raw = aioredis.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        await _fill(store, S1)
        await _fill(store, S2)
        await store.drop_session(S1)
        keys = sorted(await raw.keys(f"{prefix}:*"))
        assert keys, "the other session's keys must remain"
        assert not [k for k in keys if S1 in k], keys
    finally:
        await raw.aclose()
        await store.close()


# ---- chat ------------------------------------------------------------------------------------
def chat(mid: str, room: str = MAIN1, text: str = "hello") -> ChatMessage:
    return ChatMessage(mid, room, "p1", "Name p1", "room", text, 1.0)


async def test_chat_history_keeps_order_and_rooms_apart(store: Store) -> None:
    await store.add_chat(chat("m1"))
    await store.add_chat(chat("m2", text="second"))
    await store.add_chat(chat("m3", room=MAIN2))
    assert [m.id for m in await store.list_chat(MAIN1)] == ["m1", "m2"]
    assert (await store.list_chat(MAIN1))[1].text == "second"
    assert [m.id for m in await store.list_chat(MAIN2)] == ["m3"]


async def test_removing_a_message_drops_its_text(store: Store) -> None:
    await store.add_chat(chat("m1", text="private words"))
    await store.add_chat(chat("m2"))
    removed = await store.remove_chat(MAIN1, "m1")
    assert removed is not None and removed.removed and removed.text == ""
    kept = await store.list_chat(MAIN1)
    assert [(m.id, m.removed, m.text) for m in kept] == [("m1", True, ""), ("m2", False, "hello")]
    assert await store.remove_chat(MAIN1, "nope") is None


async def test_drop_session_forgets_its_chat(store: Store) -> None:
    await store.add_chat(chat("m1"))
    await store.add_chat(chat("m2", room=MAIN2))
    await store.drop_session(S1)
    assert await store.list_chat(MAIN1) == []
    assert len(await store.list_chat(MAIN2)) == 1


# ---- attendance ------------------------------------------------------------------------------
def ledger(session_id: str = S1, ended_at: float | None = None) -> AttendanceLedger:
    entry = AttendanceEntry(
        participant_id="p1", name="Sam Ortiz", role="participant", arrived_at=100.0,
        admitted_at=130.5, rules_accepted_at=120.0,
        intervals=[[130.5, 400.0], [460.25, None]], reconnects=1, status="present",
    )
    return AttendanceLedger(session_id, scheduled_start=90.0, scheduled_end=3690.0,
                            ended_at=ended_at, entries={"p1": entry})


async def test_attendance_round_trip_keeps_every_field(store: Store) -> None:
    assert await store.get_attendance(S1) is None
    await store.put_attendance(ledger())
    assert await store.get_attendance(S1) == ledger()
    assert await store.get_attendance(S2) is None


async def test_attendance_outlives_the_rest_of_the_session(store: Store) -> None:
    await _fill(store, S1)
    await store.put_attendance(ledger(ended_at=4000.0))
    await store.drop_session(S1)
    assert await store.get_session(S1) is None
    assert await store.get_attendance(S1) == ledger(ended_at=4000.0)


async def test_an_ended_sessions_attendance_is_kept_for_the_retention_only(
    make_store: MakeStore,
) -> None:
    store = make_store(attendance_retention=0)
    await store.put_attendance(ledger())
    await store.put_attendance(ledger(S2))
    # Running sessions are kept whatever the retention; an ended one goes after it.
    await store.put_attendance(ledger(S2, ended_at=4000.0))
    assert await store.get_attendance(S1) == ledger()
    assert await store.get_attendance(S2) is None

    kept = make_store(attendance_retention=3600)
    await kept.put_attendance(ledger(ended_at=4000.0))
    assert await kept.get_attendance(S1) == ledger(ended_at=4000.0)
    # A session that starts again (no ended_at) is kept for as long as it runs.
    await kept.put_attendance(ledger())
    assert await kept.get_attendance(S1) == ledger()
