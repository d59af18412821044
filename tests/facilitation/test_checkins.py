"""Private check-ins: invited, accepted or not, a room of two that stays peer to peer and
private, both back where they were, nothing kept, who/when/how long in the audit log."""

from __future__ import annotations

import random

import pytest

from facilitation import (
    AdmissionPolicy,
    Audit,
    Breakouts,
    Chat,
    CheckIns,
    ErrorCode,
    MediaPolicy,
    MediaTopology,
    Moderation,
    Presence,
    Refused,
    ToParticipant,
    ToRoomVolatile,
)
from rooms.memory_store import MemoryStore
from rooms.model import MAIN_ROOM, MediaMode, Role, room_key
from tests.facilitation.test_presence import SESSION, Clock, ident

OPEN_DOOR = AdmissionPolicy(waiting_room=False, ground_rules=False)
FAC = ident("fac", Role.FACILITATOR)
SAM = ident("sam")
PEOPLE = ["sam", "ana", "ben", "cleo"]


class Group:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        # The SFU is up and the threshold is low: any room of two would go through it,
        # but a check-in never does.
        policy = MediaPolicy(sfu_available=True, sfu_threshold=1)
        self.presence = Presence(MemoryStore(), clock=clock, admission=OPEN_DOOR, policy=policy)
        shared = {"locks": self.presence.locks, "clock": clock, "admission": OPEN_DOOR,
                  "policy": policy}
        self.checkins = CheckIns(self.presence.store, **shared)  # type: ignore[arg-type]
        self.breakouts = Breakouts(
            self.presence.store, rng=random.Random(3), **shared  # type: ignore[arg-type]
        )
        self.chat = Chat(self.presence.store, **shared)  # type: ignore[arg-type]
        self.moderation = Moderation(self.presence.store, **shared)  # type: ignore[arg-type]

    async def rooms(self) -> dict[str, str]:
        return {p.id: p.room_id for p in await self.presence.store.list_participants(SESSION)}

    async def start(self) -> str:
        """Invite Sam, Sam accepts: the check-in's room id."""
        out = await self.checkins.invite(FAC, "sam")
        invited = next(d for d in out if isinstance(d, ToParticipant) and d.participant_id == "sam")
        await self.checkins.answer(SAM, invited.payload["checkin_id"], True)
        return (await self.rooms())["sam"]


@pytest.fixture
async def group() -> Group:
    g = Group(Clock())
    await g.presence.join(FAC, "c-fac")
    for pid in PEOPLE:
        await g.presence.join(ident(pid), f"c-{pid}")
    return g


async def test_a_private_word_while_the_group_goes_on(group: Group) -> None:
    out = await group.checkins.invite(FAC, "sam")
    invited = next(d for d in out if isinstance(d, ToParticipant) and d.participant_id == "sam")
    assert invited.name == "checkin.invited"
    assert invited.payload == {"checkin_id": invited.payload["checkin_id"],
                               "facilitator_id": "fac", "name": "Name fac"}
    assert await group.rooms() == dict.fromkeys(["fac", *PEOPLE], MAIN_ROOM)

    out = await group.checkins.answer(SAM, invited.payload["checkin_id"], True)
    where = await group.rooms()
    private = where["sam"]
    assert private.startswith("checkin-") and where["fac"] == private
    assert all(where[p] == MAIN_ROOM for p in ("ana", "ben", "cleo"))
    # The group hears that the facilitator stepped out, and nothing about whom with.
    notice = [d for d in out if isinstance(d, ToRoomVolatile) and d.name == "checkin.stepped_out"]
    assert [(d.room, d.payload["participant_id"]) for d in notice] == [
        (room_key(SESSION, MAIN_ROOM), "fac")
    ]
    assert "sam" not in str(notice[0].payload)
    # Peer to peer, although any other room of two would go through the SFU here.
    room = await group.presence.store.get_room(SESSION, private)
    assert room is None or room.media_mode is MediaMode.MESH
    assert not [d for d in out if isinstance(d, MediaTopology) and d.mode == "sfu"]
    # Nobody else reaches them; they reach nobody else.
    with pytest.raises(Refused) as info:
        await group.presence.relay_signal(ident("ana"), "sam", {"pc": "x"})
    assert info.value.code == ErrorCode.PEER_NOT_IN_ROOM
    await group.presence.relay_signal(SAM, "fac", {"pc": "x"})
    # Their chat stays between them, and is gone afterwards.
    await group.chat.send(SAM, "room", "between us")
    assert await group.presence.store.list_chat(room_key(SESSION, private))
    audit = [d for d in out if isinstance(d, Audit)]
    assert [(a.action, a.actor, a.target) for a in audit] == [("start_check_in", "fac", "sam")]

    group.clock.advance(300)
    out = await group.checkins.end(SAM)
    assert await group.rooms() == dict.fromkeys(["fac", *PEOPLE], MAIN_ROOM)
    assert await group.presence.store.list_chat(room_key(SESSION, private)) == []
    assert await group.presence.store.last_seq(room_key(SESSION, private)) == 0
    (ended,) = [d for d in out if isinstance(d, Audit)]
    assert (ended.action, ended.target, ended.detail) == ("end_check_in", "sam", {"seconds": 300})
    # Both may press "End": the second does nothing.
    assert await group.checkins.end(FAC) == []


async def test_not_now_leaves_everyone_where_they_are(group: Group) -> None:
    out = await group.checkins.invite(FAC, "sam")
    checkin_id = next(d for d in out if isinstance(d, ToParticipant)
                      and d.participant_id == "sam").payload["checkin_id"]
    out = await group.checkins.answer(SAM, checkin_id, False)
    assert [(d.participant_id, d.payload["state"]) for d in out  # type: ignore[union-attr]
            ] == [("fac", "declined")]
    assert await group.rooms() == dict.fromkeys(["fac", *PEOPLE], MAIN_ROOM)
    with pytest.raises(Refused) as info:
        await group.checkins.answer(SAM, checkin_id, True)  # the invitation is gone
    assert info.value.code == ErrorCode.NOT_FOUND
    # Asked again later, a fresh invitation.
    await group.checkins.invite(FAC, "sam")


async def test_who_may_invite_answer_and_be_invited(group: Group) -> None:
    with pytest.raises(Refused) as info:
        await group.checkins.invite(SAM, "ana")
    assert info.value.code == ErrorCode.NOT_PERMITTED
    await group.presence.join(ident("co", Role.COFACILITATOR), "c-co")
    with pytest.raises(Refused):
        await group.checkins.invite(FAC, "co")  # with participants only
    out = await group.checkins.invite(FAC, "sam")
    checkin_id = next(d for d in out if isinstance(d, ToParticipant)
                      and d.participant_id == "sam").payload["checkin_id"]
    with pytest.raises(Refused) as info:
        await group.checkins.answer(ident("ana"), checkin_id, True)  # not Ana's invitation
    assert info.value.code == ErrorCode.NOT_FOUND
    # A co-facilitator cannot take someone already asked.
    with pytest.raises(Refused) as info:
        await group.checkins.invite(ident("co", Role.COFACILITATOR), "sam")
    assert info.value.code == ErrorCode.IN_CHECK_IN
    # The facilitator withdraws the invitation; Sam's screen is told.
    out = await group.checkins.end(FAC)
    assert [(d.participant_id, d.payload["state"]) for d in out
            if isinstance(d, ToParticipant)] == [("sam", "withdrawn")]
    assert [(d.action, d.target) for d in out if isinstance(d, Audit)] == [
        ("withdraw_check_in", "sam")
    ]


async def test_from_a_breakout_and_back_and_the_breakouts_leave_it_alone(group: Group) -> None:
    await group.breakouts.create(FAC, ["Pairs"])
    await group.breakouts.assign(FAC, {"sam": "breakout-1", "ana": "breakout-1"})
    await group.breakouts.open(FAC)
    private = await group.start()
    assert (await group.rooms())["sam"] == private
    with pytest.raises(Refused) as info:
        await group.breakouts.visit(FAC, "breakout-1")
    assert info.value.code == ErrorCode.IN_CHECK_IN
    await group.checkins.end(FAC)
    where = await group.rooms()
    assert where["sam"] == "breakout-1" and where["fac"] == MAIN_ROOM

    # Moving Sam meanwhile does not break up the check-in; Sam goes there after it.
    private = await group.start()
    await group.breakouts.assign(FAC, {"sam": MAIN_ROOM})
    assert (await group.rooms())["sam"] == private
    await group.checkins.end(SAM)
    assert (await group.rooms())["sam"] == MAIN_ROOM
    await group.breakouts.assign(FAC, {"sam": "breakout-1"})

    private = await group.start()
    await group.breakouts.close(FAC)
    assert (await group.rooms())["sam"] == private
    await group.checkins.end(SAM)
    # The breakout Sam came from has closed: back to the main room.
    assert (await group.rooms())["sam"] == MAIN_ROOM


async def test_when_one_of_them_leaves_the_other_goes_back(group: Group) -> None:
    await group.start()
    out = await group.presence.leave(SAM)
    assert (await group.rooms())["fac"] == MAIN_ROOM
    assert any(isinstance(d, Audit) and d.action == "end_check_in" for d in out)
    # Sam comes back; a second check-in ends when a facilitator removes Sam.
    await group.presence.join(ident("sam"), "c-sam-2")
    await group.start()
    await group.moderation.remove(FAC, "sam", keep_out=False)
    assert (await group.rooms())["fac"] == MAIN_ROOM


async def test_breakouts_opened_meanwhile_send_the_participant_to_their_room(
    group: Group,
) -> None:
    await group.breakouts.create(FAC, ["Pairs"])
    await group.breakouts.assign(FAC, {"sam": "breakout-1", "ana": "breakout-1"})
    private = await group.start()
    await group.breakouts.open(FAC)  # Sam is in the check-in: left where they are
    assert (await group.rooms())["ana"] == "breakout-1"
    assert (await group.rooms())["sam"] == private
    await group.checkins.end(FAC)
    where = await group.rooms()
    assert where["sam"] == "breakout-1" and where["fac"] == MAIN_ROOM


async def test_a_demoted_co_facilitator_s_check_in_ends(group: Group) -> None:
    co = ident("co", Role.COFACILITATOR)
    await group.presence.join(co, "c-co")
    out = await group.checkins.invite(co, "sam")
    checkin_id = next(d for d in out if isinstance(d, ToParticipant)
                      and d.participant_id == "sam").payload["checkin_id"]
    await group.checkins.answer(SAM, checkin_id, True)
    assert (await group.rooms())["co"].startswith("checkin-")
    await group.moderation.promote(FAC, "co", Role.PARTICIPANT)
    where = await group.rooms()
    assert where["co"] == MAIN_ROOM and where["sam"] == MAIN_ROOM


async def test_ending_the_session_records_how_long_a_check_in_lasted(group: Group) -> None:
    await group.start()
    group.clock.advance(90)
    out = await group.moderation.end(FAC, "Thank you")
    ended = [d for d in out if isinstance(d, Audit) and d.action == "end_check_in"]
    assert [(d.actor, d.target, d.detail) for d in ended] == [("fac", "sam", {"seconds": 90})]
