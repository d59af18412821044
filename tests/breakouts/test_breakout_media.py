"""Breakout rooms with real media: aiortc participants follow their person from the main
room (through the SFU) into breakouts (peer to peer), between breakouts, and back."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

from rooms.model import Role
from signaling.python_participant import PythonParticipant
from tests.breakouts.conftest import PeopleFactory
from tests.breakouts.helpers import counts, receive_each_other
from tests.sfu.helpers import MEDIA_TIMEOUT, everyone_receives_everyone, figure, until

SIX = ["Ana", "Ben", "Cleo", "Dev", "Eli", "Fay"]
# The server's timer closes the rooms after this (the protocol's minimum is 5 s). Long
# enough for the checks inside the rooms, which await media (a few seconds here).
DURATION = 10


def _hung_up(person: PythonParticipant) -> Callable[[], bool]:
    return lambda: not person.links


async def test_six_people_in_three_breakouts_hear_only_their_roommates_then_everyone(
    people: PeopleFactory,
) -> None:
    # A facilitator who sends nothing (receives, and runs the rooms), and six people.
    fac = people("Gus", role=Role.FACILITATOR, send_audio=False, send_video=False)
    await fac.join()
    group = [people(name, offer_to_all=True) for name in SIX]
    for person in group:
        await person.join()
    everyone = [fac, *group]
    # Seven in the main room: more than the threshold (4), so through the SFU.
    for person in everyone:
        await person.wait_for_media_mode("sfu")
    await everyone_receives_everyone(everyone)

    # Three rooms, two people in each, at random.
    await fac.create_breakouts(["One", "Two", "Three"])
    since = fac.mark()
    await fac.assign_breakouts_randomly()
    plan = await fac.wait_for_event(
        "breakouts.updated", lambda d: len(d["assignments"]) == 6, since=since
    )
    room_of: dict[str, str] = dict(plan["assignments"])
    assert sorted(Counter(room_of.values()).values()) == [2, 2, 2]

    def room(person: PythonParticipant) -> str:
        return room_of[person.participant_id]

    def mate(person: PythonParticipant) -> PythonParticipant:
        return next(q for q in group if q is not person and room(q) == room(person))

    def strangers(person: PythonParticipant) -> list[PythonParticipant]:
        """Everyone who sends and is not in `person`'s room."""
        return [q for q in group if q is not person and room(q) != person.room_id]

    marks = {person: person.mark() for person in everyone}
    opening = time.monotonic()
    await fac.open_breakouts(DURATION)
    opened = await fac.wait_for_event("breakouts.updated", lambda d: d["open"], since=since)
    end_at = float(opened["end_at"])
    for person in group:
        moving = await person.wait_for_event("breakout.moving", since=marks[person])
        assert moving["room_id"] == room(person)
        await person.wait_for_room(room(person))

    # Each receives its roommate, peer to peer (a room of two), and nobody else.
    pairs = [(p, mate(p)) for p in group if p.participant_id < mate(p).participant_id]
    await receive_each_other(pairs)
    figure("breakouts open -> everyone receives their roommate", time.monotonic() - opening)
    for person in group:
        assert person.media is not None and person.media["mode"] == "mesh"
        assert person.sfu is None
        assert set(person.participants) == {mate(person).participant_id}
        assert set(person.links) == {mate(person).participant_id}
    # The facilitator stays in the main room, alone now.
    assert fac.room_id == "main" and fac.participants == {}
    # Frames from the people in other rooms no longer increase: none arrived while
    # everyone received another second of their roommate's media.
    before = {person: counts(person, strangers(person)) for person in everyone}
    await receive_each_other(pairs)
    for person in everyone:
        assert counts(person, strangers(person)) == before[person], person.participant_id

    # The rooms know about the timer: the one-minute warning comes at once.
    for person in group:
        warning = await person.wait_for_event("breakout.warning", since=marks[person])
        assert 0 < warning["seconds_left"] <= DURATION
        public = await person.wait_for_event(
            "breakouts.public", lambda d: d["open"], since=marks[person]
        )
        assert "assignments" not in public

    # A message from the facilitator reaches every room (and the main room).
    marks = {person: person.mark() for person in everyone}
    await fac.broadcast_to_rooms("Two minutes left")
    for person in everyone:
        note = await person.wait_for_event("breakout.broadcast", since=marks[person])
        assert note["text"] == "Two minutes left"
        assert note["from"] == fac.participant_id

    # Moving someone while the rooms are open: they receive their new roommates'
    # media, and the roommate they left stops receiving theirs.
    mover = group[0]
    left_behind = mate(mover)
    target = next(r for r in sorted(set(room_of.values())) if r != room(mover))
    newmates = [q for q in group if room(q) == target]
    seen = len(left_behind.room_events)
    moving_at = time.monotonic()
    await fac.assign_breakouts({mover.participant_id: target})
    room_of[mover.participant_id] = target
    await mover.wait_for_room(target)
    await receive_each_other([(mover, q) for q in newmates])
    figure("moved to another breakout -> receives the new roommates", time.monotonic() - moving_at)
    assert set(mover.links) == {q.participant_id for q in newmates}
    assert [
        e["payload"] for e in left_behind.room_events[seen:] if e["name"] == "participant.left"
    ] == [{"participant_id": mover.participant_id, "reason": "moved"}]
    assert left_behind.participants == {}
    await until(_hung_up(left_behind), 10, "the one left behind hung up")
    before = {person: counts(person, strangers(person)) for person in everyone}
    await receive_each_other([(mover, q) for q in newmates])
    for person in everyone:
        assert counts(person, strangers(person)) == before[person], person.participant_id
    assert time.time() < end_at, "the checks in the rooms outlasted the timer: raise DURATION"
    figure("checks in the rooms done, before the timer ends", end_at - time.time())

    # The timer ends: everyone is back in the main room, through the SFU again, and
    # receives everyone.
    for person in group:
        await person.wait_for_room("main", timeout=end_at - time.time() + MEDIA_TIMEOUT)
    await everyone_receives_everyone(everyone)
    figure("the timer ends -> everyone receives everyone in the main room", time.time() - end_at)
    closed = await fac.wait_for_event("breakouts.updated", lambda d: not d["open"], since=since)
    assert closed["end_at"] is None
    for person in everyone:
        assert person.media is not None and person.media["mode"] == "sfu"
        assert person.sfu is not None and person.sfu.room == fac.room
        await until(_hung_up(person), 10, "no peer-to-peer connection left")
        assert set(person.participants) == {
            q.participant_id for q in everyone if q is not person
        }


async def test_a_dropped_connection_comes_back_to_its_breakout_room_and_its_roommate(
    people: PeopleFactory,
) -> None:
    fac = people("Gus", role=Role.FACILITATOR, send_audio=False, send_video=False)
    await fac.join()
    ana, ben, cleo, dev = group = [
        people(name, offer_to_all=True) for name in ("Ana", "Ben", "Cleo", "Dev")
    ]
    for person in group:
        await person.join()
    await fac.create_breakouts(["One", "Two"])
    await fac.assign_breakouts({
        ana.participant_id: "breakout-1", ben.participant_id: "breakout-1",
        cleo.participant_id: "breakout-2", dev.participant_id: "breakout-2",
    })

    def connection(person: PythonParticipant, of: PythonParticipant) -> Callable[[], bool]:
        return lambda: person.participants.get(of.participant_id, {}).get("connection") == (
            "reconnecting")

    # Ana's connection drops in the main room, and the rooms open while she is away:
    # her seat is moved all the same.
    await ana.drop()
    await until(connection(ben, ana), 10, "Ben sees Ana reconnecting")
    await fac.open_breakouts()
    for person in (ben, cleo, dev):
        await person.wait_for_room("breakout-1" if person is ben else "breakout-2")
    back = time.monotonic()
    ack = await ana.rejoin()
    assert ack["resumed"] is True
    assert ana.room_id == "breakout-1"
    assert set(ana.participants) == {ben.participant_id}
    await receive_each_other([(ana, ben)])
    figure("rejoin into a breakout -> roommates receive each other", time.monotonic() - back)
    assert ana.sfu is None and set(ana.links) == {ben.participant_id}
    cleo_and_dev = counts(ana, [cleo, dev])

    # Her connection drops again, inside the breakout; she comes back to it.
    first_link = ben.links[ana.participant_id]
    await ana.drop()
    await until(connection(ben, ana), 10, "Ben sees Ana reconnecting")
    back = time.monotonic()
    ack = await ana.rejoin()
    assert ack["resumed"] is True
    assert ack["room"]["room"].endswith("/breakout-1") and ana.room_id == "breakout-1"
    # The events she missed in this room: her own connection going and coming back.
    assert ack["missed"] is not None
    assert {e["name"] for e in ack["missed"]} == {"participant.updated"}
    await receive_each_other([(ana, ben)])
    figure("rejoin in the same breakout -> roommates receive each other",
           time.monotonic() - back)
    # A new connection (the old one went with her socket), and still nobody else's media.
    assert ben.links[ana.participant_id] is not first_link
    assert first_link.pc.connectionState == "closed"
    assert counts(ana, [cleo, dev]) == cleo_and_dev
    assert ben.participants[ana.participant_id]["connection"] == "connected"
