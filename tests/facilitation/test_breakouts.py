"""Breakout rooms: assignment, opening with a timer, moves, isolation, closing."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from facilitation import (
    AdmissionPolicy,
    Breakouts,
    Chat,
    EnterRoom,
    ErrorCode,
    Moderation,
    Presence,
    Refused,
    ToParticipant,
    ToRoom,
    ToRoomVolatile,
    WakeAt,
)
from facilitation.admission import Admission
from rooms.memory_store import MemoryStore
from rooms.model import MAIN_ROOM, Role, room_key
from tests.facilitation.test_presence import SESSION, Clock, ident

OPEN_DOOR = AdmissionPolicy(waiting_room=False, ground_rules=False)
FAC = ident("fac", Role.FACILITATOR)
PEOPLE = ["p1", "p2", "p3", "p4", "p5", "p6"]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def group(clock: Clock) -> tuple[Presence, Breakouts, Chat]:
    presence = Presence(MemoryStore(), clock=clock, admission=OPEN_DOOR)
    shared = {"locks": presence.locks, "clock": clock, "admission": OPEN_DOOR}
    breakouts = Breakouts(presence.store, rng=random.Random(7), **shared)  # type: ignore[arg-type]
    chat = Chat(presence.store, **shared)  # type: ignore[arg-type]
    await presence.join(FAC, "c-fac")
    for pid in PEOPLE:
        await presence.join(ident(pid), f"c-{pid}")
    return presence, breakouts, chat


async def rooms_of(presence: Presence) -> dict[str, str]:
    return {p.id: p.room_id for p in await presence.store.list_participants(SESSION)}


async def test_six_people_split_evenly_at_random_and_move_when_opened(
    group: tuple[Presence, Breakouts, Chat],
) -> None:
    presence, breakouts, _ = group
    await breakouts.create(FAC, ["Pairs A", "Pairs B", "Pairs C"])
    await breakouts.assign_randomly(FAC, keep=[])
    assert await rooms_of(presence) == dict.fromkeys(["fac", *PEOPLE], MAIN_ROOM)
    out = await breakouts.open(FAC, duration=600)
    where = await rooms_of(presence)
    assert where["fac"] == MAIN_ROOM
    assert sorted(Counter(where[p] for p in PEOPLE).values()) == [2, 2, 2]
    # Each person is told where they go, then their connection follows with a snapshot
    # of just their room (who is there already; later arrivals come as joined events).
    moving = [d for d in out if isinstance(d, ToParticipant) and d.name == "breakout.moving"]
    assert {d.participant_id for d in moving} == set(PEOPLE)
    seen: dict[str, set[str]] = {}
    for d in out:
        if isinstance(d, EnterRoom):
            names = {x["id"] for x in d.payload["room"]["participants"]}
            assert d.participant_id in names and "fac" not in names
            seen[d.room] = seen.get(d.room, set()) | names
    for room, names in seen.items():
        assert names == {p for p in PEOPLE if room_key(SESSION, where[p]) == room}
    assert [d for d in out if isinstance(d, WakeAt)]


async def test_people_in_different_rooms_cannot_negotiate_or_chat_with_each_other(
    group: tuple[Presence, Breakouts, Chat],
) -> None:
    presence, breakouts, chat = group
    await breakouts.create(FAC, ["A", "B"])
    await breakouts.assign(FAC, {"p1": "breakout-1", "p2": "breakout-2", "p3": "breakout-1"})
    await breakouts.open(FAC)
    with pytest.raises(Refused) as info:
        await presence.relay_signal(ident("p1"), "p2", {"pc": "x"})
    assert info.value.code == ErrorCode.PEER_NOT_IN_ROOM
    await presence.relay_signal(ident("p1"), "p3", {"pc": "x"})
    (sent,) = await chat.send(ident("p1"), "room", "just us")
    assert isinstance(sent, ToRoomVolatile) and sent.room == room_key(SESSION, "breakout-1")
    with pytest.raises(Refused) as info:
        await presence.sync(ident("p1"), room_key(SESSION, "breakout-2"), 0)
    assert info.value.code == ErrorCode.NOT_IN_ROOM


async def test_a_reconnect_during_breakouts_returns_to_the_breakout(
    group: tuple[Presence, Breakouts, Chat],
) -> None:
    presence, breakouts, _ = group
    await breakouts.create(FAC, ["A"])
    await breakouts.assign(FAC, {"p1": "breakout-1"})
    await breakouts.open(FAC)
    await presence.connection_lost(ident("p1"), "c-p1")
    result = await presence.join(ident("p1"), "c-p1-again")
    assert result.snapshot is not None
    assert result.snapshot.room == room_key(SESSION, "breakout-1")


async def test_moving_someone_while_open_and_the_timer_closing_everything(
    group: tuple[Presence, Breakouts, Chat], clock: Clock
) -> None:
    presence, breakouts, _ = group
    await breakouts.create(FAC, ["A", "B"])
    await breakouts.assign(FAC, {"p1": "breakout-1", "p2": "breakout-1"})
    await breakouts.open(FAC, duration=300)
    out = await breakouts.assign(FAC, {"p2": "breakout-2"})
    left = [d.event for d in out if isinstance(d, ToRoom) and d.event.name == "participant.left"]
    assert left[0].room == room_key(SESSION, "breakout-1")
    assert left[0].payload == {"participant_id": "p2", "reason": "moved"}
    assert (await rooms_of(presence))["p2"] == "breakout-2"

    assert await breakouts.due(SESSION) == []  # too early: nothing
    clock.advance(241)
    warning = await breakouts.due(SESSION)
    assert warning and all(d.name == "breakout.warning" for d in warning)  # type: ignore[union-attr]
    await breakouts.extend(FAC, 120)
    clock.advance(60)
    assert not [d for d in await breakouts.due(SESSION) if isinstance(d, EnterRoom)]
    clock.advance(120)
    back = await breakouts.due(SESSION)
    assert {d.participant_id for d in back if isinstance(d, EnterRoom)} == {"p1", "p2"}
    assert set((await rooms_of(presence)).values()) == {MAIN_ROOM}


async def test_choosing_a_room_only_when_allowed_and_calling_for_help(
    group: tuple[Presence, Breakouts, Chat],
) -> None:
    _, breakouts, _ = group
    await breakouts.create(FAC, ["Quiet room"])
    with pytest.raises(Refused):
        await breakouts.choose(ident("p1"), "breakout-1")
    await breakouts.let_choose(FAC, True)
    await breakouts.choose(ident("p1"), "breakout-1")
    help_calls = await breakouts.call_facilitator(ident("p1"))
    assert [(d.participant_id, d.name) for d in help_calls] == [("fac", "breakout.help")]  # type: ignore[union-attr]


async def test_a_facilitator_visits_a_room_and_comes_back(
    group: tuple[Presence, Breakouts, Chat],
) -> None:
    presence, breakouts, _ = group
    await breakouts.create(FAC, ["A"])
    await breakouts.assign(FAC, {"p1": "breakout-1"})
    await breakouts.open(FAC)
    await breakouts.visit(FAC, "breakout-1")
    assert (await rooms_of(presence))["fac"] == "breakout-1"
    await breakouts.visit(FAC, MAIN_ROOM)
    assert (await rooms_of(presence))["fac"] == MAIN_ROOM
    out = await breakouts.broadcast(FAC, "Five minutes left, please wrap up")
    rooms = {d.room for d in out if isinstance(d, ToRoomVolatile)}
    assert rooms == {room_key(SESSION, MAIN_ROOM), room_key(SESSION, "breakout-1")}


async def test_everyone_moved_is_told_where_and_sees_the_rooms_and_timer_on_arrival(
    group: tuple[Presence, Breakouts, Chat], clock: Clock
) -> None:
    presence, breakouts, _ = group
    await breakouts.create(FAC, ["Pairs A", "Pairs B", "Pairs C"])
    await breakouts.assign(FAC, {"p1": "breakout-2"})
    out = await breakouts.open(FAC, duration=300)
    entered = next(d for d in out if isinstance(d, EnterRoom) and d.participant_id == "p1")
    # On arrival: the room's name is in the rooms list, the rooms are open, the timer
    # counts from the server's clock; a participant does not see the plan.
    view = entered.payload["breakouts"]
    assert view["open"] is True and view["end_at"] - view["now"] == 300
    assert {"id": "breakout-2", "name": "Pairs B"} in view["rooms"]
    assert "assignments" not in view and "people" not in view
    # Facilitators see who is where, names included.
    plan = next(d for d in out if isinstance(d, ToParticipant)
                and d.name == "breakouts.updated" and d.participant_id == "fac")
    where = {x["id"]: (x["role"], x["room_id"]) for x in plan.payload["people"]}
    assert where["p1"] == ("participant", "breakout-2")
    assert where["fac"] == ("facilitator", MAIN_ROOM)
    assert all(x["name"] for x in plan.payload["people"])
    # Closing tells each person they are going back to the main room, and the main room
    # they arrive in says the rooms are closed.
    out = await breakouts.close(FAC)
    moving = [d for d in out if isinstance(d, ToParticipant) and d.name == "breakout.moving"]
    assert [(d.participant_id, d.payload) for d in moving] == [
        ("p1", {"room_id": MAIN_ROOM, "name": "Main room"})
    ]
    back = next(d for d in out if isinstance(d, EnterRoom))
    assert back.payload["breakouts"]["open"] is False
    # A rejoin during breakouts carries the same view.
    await breakouts.assign(FAC, {"p2": "breakout-1"})
    await breakouts.open(FAC)
    again = await presence.join(ident("p2"), "c-p2-again")
    assert again.breakouts is not None and again.breakouts["open"] is True
    assert again.snapshot is not None and again.snapshot.room == room_key(SESSION, "breakout-1")


async def test_a_co_facilitator_assigned_to_a_room_runs_it_there(
    group: tuple[Presence, Breakouts, Chat],
) -> None:
    presence, breakouts, _ = group
    cofac = ident("co", Role.COFACILITATOR)
    await presence.join(cofac, "c-co")
    await breakouts.create(FAC, ["A", "B"])
    # At random: participants only; the co-facilitator is placed by hand.
    await breakouts.assign_randomly(FAC, keep=[])
    session = await presence.store.get_session(SESSION)
    assert session is not None and "co" not in session.assignments
    mate = next(p for p in PEOPLE if session.assignments[p] == "breakout-1")
    await breakouts.assign(FAC, {"co": "breakout-1"})
    await breakouts.open(FAC)
    where = await rooms_of(presence)
    assert where["co"] == "breakout-1" and where[mate] == "breakout-1"
    # In that room the co-facilitator can do what facilitators do: send a message to
    # every room, move people, and hears calls for help from everywhere.
    out = await breakouts.broadcast(cofac, "Two minutes")
    assert len([d for d in out if isinstance(d, ToRoomVolatile)]) == 3
    await breakouts.assign(cofac, {mate: "breakout-2"})
    assert (await rooms_of(presence))[mate] == "breakout-2"
    calls = await breakouts.call_facilitator(ident(mate))
    assert {d.participant_id for d in calls} == {"fac", "co"}  # type: ignore[union-attr]


async def test_a_breakout_left_empty_by_a_leave_forgets_its_sfu_set_up(clock: Clock) -> None:
    from facilitation import MediaPolicy, MediaTopology

    policy = MediaPolicy(sfu_available=True, sfu_threshold=1)
    presence = Presence(MemoryStore(), clock=clock, admission=OPEN_DOOR, policy=policy)
    shared = {"locks": presence.locks, "clock": clock, "admission": OPEN_DOOR, "policy": policy}
    breakouts = Breakouts(presence.store, **shared)  # type: ignore[arg-type]
    await presence.join(FAC, "c-fac")
    for pid in ("p1", "p2"):
        await presence.join(ident(pid), f"c-{pid}")
    await breakouts.create(FAC, ["Pair"])
    await breakouts.assign(FAC, {"p1": "breakout-1", "p2": "breakout-1"})
    await breakouts.open(FAC)
    room = await presence.store.get_room(SESSION, "breakout-1")
    assert room is not None and room.media_mode.value == "sfu"  # two is past this threshold
    await presence.leave(ident("p1"))
    out = await presence.leave(ident("p2"))
    room = await presence.store.get_room(SESSION, "breakout-1")
    assert room is not None and room.media_mode.value == "mesh"
    assert [d for d in out if isinstance(d, MediaTopology) and d.room_id == "breakout-1"]


async def test_a_raised_hand_goes_down_in_the_room_left(
    group: tuple[Presence, Breakouts, Chat],
) -> None:
    from facilitation import Hands

    presence, breakouts, _ = group
    hands = Hands(presence.store, locks=presence.locks, clock=presence.clock,
                  admission=OPEN_DOOR)  # type: ignore[arg-type]
    await hands.raise_hand(ident("p1"))
    await breakouts.create(FAC, ["A"])
    await breakouts.assign(FAC, {"p1": "breakout-1"})
    out = await breakouts.open(FAC)
    queues = [d.event.payload for d in out
              if isinstance(d, ToRoom) and d.event.name == "hands.updated"
              and d.event.room == room_key(SESSION, MAIN_ROOM)]
    assert queues == [{"queue": [], "called": None}]


async def test_a_facilitator_in_a_breakout_sees_who_arrives_in_and_leaves_the_session(
    group: tuple[Presence, Breakouts, Chat],
) -> None:
    presence, breakouts, _ = group
    await breakouts.create(FAC, ["Pairs A", "Pairs B"])
    await breakouts.assign_randomly(FAC, keep=[])
    await breakouts.open(FAC)
    await breakouts.visit(FAC, "breakout-1")

    def plan_people(out: list[object]) -> set[str]:
        updates = [d for d in out if isinstance(d, ToParticipant)
                   and d.name == "breakouts.updated" and d.participant_id == "fac"]
        assert len(updates) == 1, updates
        return {q["id"] for q in updates[0].payload["people"]}

    # Someone joins late (in the main room): the facilitator's plan lists them to assign.
    out = await presence.join(ident("late"), "c-late")
    assert "late" in plan_people(out.deliveries)
    # Someone leaves: gone from the plan.
    assert "p1" not in plan_people(await presence.leave(ident("p1")))
    # Participants never get the plan.
    everyone = [d for d in out.deliveries if isinstance(d, ToParticipant)]
    assert {d.participant_id for d in everyone if d.name == "breakouts.updated"} == {"fac"}


async def test_the_plan_follows_admissions_and_removals_once_each(clock: Clock) -> None:
    gated = AdmissionPolicy(waiting_room=True, ground_rules=False)
    presence = Presence(MemoryStore(), clock=clock, admission=gated)
    shared = {"locks": presence.locks, "clock": clock, "admission": gated}
    breakouts = Breakouts(presence.store, **shared)  # type: ignore[arg-type]
    admission = Admission(presence.store, **shared)  # type: ignore[arg-type]
    moderation = Moderation(presence.store, **shared)  # type: ignore[arg-type]
    await presence.join(FAC, "c-fac")
    await breakouts.create(FAC, ["Pairs A"])

    def plans(out: list[object]) -> list[set[str]]:
        return [{q["id"] for q in d.payload["people"]} for d in out
                if isinstance(d, ToParticipant) and d.name == "breakouts.updated"]

    for pid in ("w1", "w2", "w3"):
        await presence.join(ident(pid), f"c-{pid}")
    # Let in one by one: the plan lists each; all at once: one update listing them all.
    assert plans(await admission.admit(FAC, "w1")) == [{"fac", "w1"}]
    assert plans(await admission.admit_all(FAC)) == [{"fac", "w1", "w2", "w3"}]
    # Removed: gone from the plan.
    assert plans(await moderation.remove(FAC, "w2")) == [{"fac", "w1", "w3"}]
