"""A person is in one room at a time: during breakouts nobody negotiates, syncs, takes
media or chats outside the room they were assigned to, nor moves themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from rooms.model import Role
from signaling.python_participant import ParticipantError, PythonParticipant
from tests.breakouts.conftest import PeopleFactory

# Nobody here needs media: what is checked is what the server lets through.
QUIET = {"send_audio": False, "send_video": False}


async def _refused(person: PythonParticipant, event: str, data: dict[str, object]) -> str:
    with pytest.raises(ParticipantError) as refused:
        await person.request(event, data)
    return refused.value.code


def _text_is(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda event: bool(event["message"]["text"] == text)


def _texts(person: PythonParticipant, since: int = 0) -> list[str]:
    return [e["message"]["text"] for e in person.events_named("chat.message", since=since)]


async def test_nobody_reaches_into_a_room_they_are_not_assigned_to(
    people: PeopleFactory,
) -> None:
    fac = people("Gus", role=Role.FACILITATOR, **QUIET)
    await fac.join()
    ana, ben, cleo, dev = group = [people(n, **QUIET) for n in ("Ana", "Ben", "Cleo", "Dev")]
    for person in group:
        await person.join()
    assert fac.media is not None
    main_room, main_media = fac.room, dict(fac.media)
    assert main_media["mode"] == "sfu"  # five people
    await fac.create_breakouts(["One", "Two"])
    rooms = {ana: "breakout-1", ben: "breakout-1", cleo: "breakout-2", dev: "breakout-2"}
    await fac.assign_breakouts({p.participant_id: r for p, r in rooms.items()})
    await fac.open_breakouts()
    for person, room_id in rooms.items():
        await person.wait_for_room(room_id)

    # Negotiation reaches a roommate only: not someone in another breakout, nor the
    # facilitator in the main room (nor the other way round).
    candidate = {"pc": "pc-1", "candidate": {"candidate": ""}}
    for sender, to in ((ana, cleo), (ana, fac), (fac, ana), (dev, ben)):
        code = await _refused(sender, "signal", {"to": to.participant_id, **candidate})
        assert code == "peer_not_in_room"
    await ana.request("signal", {"to": ben.participant_id, **candidate})

    # The main room's media (through the SFU) is closed to someone in a breakout.
    for event in ("sfu.subscribe", "sfu.receive"):
        extra = {"tiles": {}, "loss": 0.0} if event == "sfu.receive" else {}
        code = await _refused(ana, event, {"epoch": main_media["epoch"], **extra})
        assert code == "media_changed"

    # Catching up works for one's own room only.
    for room in (main_room, cleo.room):
        assert await _refused(ana, "sync", {"room": room, "since": 0}) == "not_in_room"
    assert "events" in await ana.request("sync", {"room": ana.room, "since": 0})

    # Nobody moves themselves: the facilitator assigns (choosing is off), and only
    # facilitators visit rooms or change the plan.
    assert await _refused(ana, "breakouts.choose", {"room_id": "breakout-2"}) == "not_permitted"
    assert await _refused(ana, "breakouts.visit", {"room_id": "breakout-2"}) == "not_permitted"
    code = await _refused(
        ana, "breakouts.assign", {"assignments": {ana.participant_id: "breakout-2"}}
    )
    assert code == "not_permitted"
    assert ana.room_id == "breakout-1"
    # The plan (who is where) is for facilitators; everyone sees the rooms.
    assert ana.events_named("breakouts.updated") == []
    assert ana.events_named("breakouts.public")

    # Chat stays in its room. Each room's later message arrives after Ana's would
    # have (one connection delivers in order), so Ana's never reached them.
    marks = {person: person.mark() for person in (fac, *group)}
    await ana.send_chat("Just between us")
    await dev.send_chat("Room two here")
    await fac.send_chat("Main room here")
    for person, last in ((ben, "Just between us"), (cleo, "Room two here"),
                         (dev, "Room two here"), (fac, "Main room here")):
        await person.wait_for_event("chat.message", _text_is(last), since=marks[person])
    assert _texts(ana, marks[ana]) == _texts(ben, marks[ben]) == ["Just between us"]
    assert _texts(cleo, marks[cleo]) == _texts(dev, marks[dev]) == ["Room two here"]
    assert _texts(fac, marks[fac]) == ["Main room here"]

    # Asking for help reaches the facilitator, wherever they are, with the room.
    await ana.call_facilitator()
    help_call = await fac.wait_for_event("breakout.help")
    assert help_call["participant_id"] == ana.participant_id
    assert help_call["room_id"] == "breakout-1"

    # Moved into another room, one finds that room's chat, not the old room's.
    since = dev.mark()
    await fac.assign_breakouts({dev.participant_id: "breakout-1"})
    entered = await dev.wait_for_event("room.entered", since=since)
    assert entered["room"]["room"] == ana.room
    assert [m["text"] for m in entered["chat"]] == ["Just between us"]
    assert set(dev.participants) == {ana.participant_id, ben.participant_id}
    assert dev.participant_id not in cleo.participants

    # Back in the main room, its own chat: nothing from the breakouts.
    await fac.close_breakouts()
    for person in group:
        await person.wait_for_room("main")
        assert [m["text"] for m in person.chat] == ["Main room here"]
