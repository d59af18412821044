"""Mood check-in: a facilitator asks, participants answer (or skip), facilitators alone see
the answers and their summary; the audit log notes the check-in, never an answer."""

from __future__ import annotations

from typing import Any

import pytest

from facilitation import (
    AdmissionPolicy,
    Audit,
    EnterRoom,
    ErrorCode,
    Mood,
    Presence,
    Refused,
    ToParticipant,
)
from facilitation.admission import Admission
from facilitation.outbox import Delivery
from rooms.memory_store import MemoryStore
from rooms.model import Role
from tests.facilitation.test_presence import Clock, ident

FAC = ident("fac", Role.FACILITATOR)
COF = ident("cof", Role.COFACILITATOR)
OBS = ident("obs", Role.OBSERVER)
ANA, BEN, CYD = ident("ana"), ident("ben"), ident("cyd")
WAITER = ident("wai")


def session_parts() -> tuple[Presence, Admission, Mood]:
    """A session with a waiting room, and the commands these tests use on it."""
    clock = Clock()
    store = MemoryStore()
    presence = Presence(
        store, clock=clock, admission=AdmissionPolicy(waiting_room=True, ground_rules=False)
    )
    admission = Admission(store, locks=presence.locks, clock=clock, admission=presence.admission)
    return presence, admission, Mood(store, locks=presence.locks, clock=clock)


@pytest.fixture
async def mood() -> Mood:
    presence, admission, mood = session_parts()
    for who in (FAC, COF):
        await presence.join(who, f"c-{who.participant_id}")
    for who in (OBS, ANA, BEN, CYD, WAITER):
        await presence.join(who, f"c-{who.participant_id}")
        if who is not WAITER:
            await admission.admit(FAC, who.participant_id)
    return mood


def sent(out: list[Delivery], name: str) -> dict[str, dict[str, Any]]:
    """Who got a `name` message, and what."""
    return {d.participant_id: d.payload for d in out if isinstance(d, ToParticipant)
            and d.name == name}


def audits(out: list[Delivery]) -> list[Audit]:
    return [d for d in out if isinstance(d, Audit)]


async def test_the_participants_in_the_room_are_asked_and_facilitators_see_the_answers(
    mood: Mood,
) -> None:
    out = await mood.start(FAC, "ten")
    asked = sent(out, "mood.asked")
    # Participants only: not the facilitators, not the observer, not who still waits.
    assert set(asked) == {"ana", "ben", "cyd"}
    check = asked["ana"]
    assert check["question"] == "How are you feeling right now?" and check["scale"] == "ten"
    assert set(sent(out, "mood.updated")) == {"fac", "cof"}

    out = await mood.answer(ANA, 7, "  calm ")
    out = await mood.answer(BEN, 2, "tired")
    updated = sent(out, "mood.updated")
    assert set(updated) == {"fac", "cof"}  # never the person who answered, nor the others
    view = updated["fac"]
    assert [(a["participant_id"], a["value"], a["word"]) for a in view["answers"]] == [
        ("ana", 7, "calm"), ("ben", 2, "tired"),
    ]
    assert view["summary"] == {"count": 2, "asked": 3, "average": 4.5, "low": ["ben"]}
    assert view["check"]["id"] == check["id"] and view["check"]["open"]

    # Answering again replaces the answer.
    view = sent(await mood.answer(BEN, 5), "mood.updated")["fac"]
    assert view["summary"] == {"count": 2, "asked": 3, "average": 6.0, "low": []}


async def test_ending_the_check_in_tells_the_participants_and_stops_answers(mood: Mood) -> None:
    asked = sent(await mood.start(COF, "faces", "How is your energy?"), "mood.asked")
    assert asked["ben"]["question"] == "How is your energy?" and asked["ben"]["scale"] == "faces"
    await mood.answer(ANA, 1)
    out = await mood.end(COF)
    assert set(sent(out, "mood.closed")) == {"ana", "ben", "cyd"}
    view = sent(out, "mood.updated")["fac"]
    assert view["check"]["open"] is False and view["summary"]["low"] == ["ana"]
    with pytest.raises(Refused) as info:
        await mood.answer(BEN, 3)
    assert info.value.code == ErrorCode.NOT_FOUND
    with pytest.raises(Refused) as info:
        await mood.end(FAC)
    assert info.value.code == ErrorCode.NOT_FOUND
    # A new check-in starts with no answers.
    view = sent(await mood.start(FAC, "ten"), "mood.updated")["fac"]
    assert view["answers"] == [] and view["summary"]["count"] == 0


async def test_answers_are_checked(mood: Mood) -> None:
    with pytest.raises(Refused) as info:
        await mood.answer(ANA, 5)
    assert info.value.code == ErrorCode.NOT_FOUND  # nothing asked yet
    await mood.start(FAC, "faces")
    for value in (0, 6):
        with pytest.raises(Refused) as info:
            await mood.answer(ANA, value)
        assert info.value.code == ErrorCode.INVALID_PAYLOAD
    with pytest.raises(Refused) as info:
        await mood.answer(ANA, 3, "x" * 41)
    assert info.value.code == ErrorCode.PAYLOAD_TOO_LARGE
    assert (await mood.view(FAC))["answers"] == []


async def test_who_may_do_what(mood: Mood) -> None:
    for who in (ANA, OBS):
        with pytest.raises(Refused) as info:
            await mood.start(who, "ten")
        assert info.value.code == ErrorCode.NOT_PERMITTED
    await mood.start(FAC, "ten")
    for who in (FAC, COF, OBS):
        with pytest.raises(Refused) as info:
            await mood.answer(who, 5)
        assert info.value.code == ErrorCode.NOT_PERMITTED
    with pytest.raises(Refused) as info:
        await mood.answer(WAITER, 5)
    assert info.value.code == ErrorCode.WAITING
    for who in (ANA, OBS):
        with pytest.raises(Refused) as info:
            await mood.view(who)
        assert info.value.code == ErrorCode.NOT_PERMITTED
        with pytest.raises(Refused) as info:
            await mood.end(who)
        assert info.value.code == ErrorCode.NOT_PERMITTED


async def test_the_audit_log_notes_the_check_in_by_id_never_an_answer(mood: Mood) -> None:
    started = audits(await mood.start(FAC, "ten", "Anything on your mind today?"))
    answered = audits(await mood.answer(ANA, 2, "lonely"))
    ended = audits(await mood.end(FAC))
    assert answered == []
    ((start,), (end,)) = started, ended
    check_id = start.detail["check"] if start.detail else None
    assert (start.action, start.actor, start.detail) == (
        "start_mood_check", "fac", {"check": check_id, "scale": "ten"},
    )
    assert (end.action, end.detail) == ("end_mood_check", {"check": check_id})
    lines = str([a.to_dict() for a in started + ended])
    assert "lonely" not in lines and "mind" not in lines


async def test_questions_are_checked(mood: Mood) -> None:
    with pytest.raises(Refused) as info:
        await mood.start(FAC, "stars")
    assert info.value.code == ErrorCode.INVALID_PAYLOAD
    with pytest.raises(Refused) as info:
        await mood.start(FAC, "ten", "?" * 201)
    assert info.value.code == ErrorCode.PAYLOAD_TOO_LARGE
    view = await mood.view(FAC)
    assert view == {"check": None, "answers": [], "summary": None}


async def test_someone_who_comes_in_while_it_is_open_is_asked_until_they_answer() -> None:
    presence, admission, mood = session_parts()
    await presence.join(FAC, "c-fac")
    await presence.join(ANA, "c-ana")
    await admission.admit(FAC, "ana")
    await presence.join(OBS, "c-obs")
    await admission.admit(FAC, "obs")
    check = sent(await mood.start(FAC, "faces", "How is your energy?"), "mood.asked")["ana"]

    # Ben arrives after it started: let in from the waiting room, he is asked on entering.
    waiting = await presence.join(BEN, "c-ben")
    assert waiting.mood is None  # not while he waits
    entered = [d for d in await admission.admit(FAC, "ben") if isinstance(d, EnterRoom)]
    assert [d.payload["mood"] for d in entered] == [check]
    # Ana's connection drops and comes back before she answered: asked again.
    await presence.connection_lost(ANA, "c-ana")
    assert (await presence.join(ANA, "c-ana-2", last_seq=0)).mood == check
    # Once she answers, coming back does not ask her again.
    await mood.answer(ANA, 4)
    await presence.connection_lost(ANA, "c-ana-2")
    assert (await presence.join(ANA, "c-ana-3", last_seq=0)).mood is None
    # Facilitators and observers are never asked.
    assert (await presence.join(FAC, "c-fac-2")).mood is None
    assert (await presence.join(OBS, "c-obs-2")).mood is None
    # Once it has ended, nobody is.
    await mood.end(FAC)
    await presence.connection_lost(BEN, "c-ben")
    assert (await presence.join(BEN, "c-ben-2", last_seq=0)).mood is None
