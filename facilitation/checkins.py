"""Private check-ins: a facilitator asks one participant for a private word while the
group goes on. The participant accepts or says "not now"; on accepting, both move to a
room of their own (always peer to peer, so no server sees the media) and come back to
where they were when either ends it. The rest of the room is told only that the
facilitator stepped out for a moment.

Nothing said in a check-in is kept: its room (events and chat) is forgotten when it ends.
The audit log records who, when and how long, never more.
"""

from __future__ import annotations

import uuid
from typing import Any

from facilitation.base import SessionCommands
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import Audit, Delivery, ToParticipant, ToRoomVolatile
from facilitation.permissions import Command, allowed
from rooms.model import (
    CHECKIN_PREFIX,
    MAIN_ROOM,
    WAITING_ROOM,
    Participant,
    Session,
    room_key,
)

INVITED = "checkin.invited"  # to the participant
UPDATED = "checkin.updated"  # to the facilitator: invited, declined, active, ended
STEPPED_OUT = "checkin.stepped_out"  # to the room the facilitator left


def _room_of(checkin: dict[str, Any]) -> str:
    return CHECKIN_PREFIX + str(checkin["id"])


def _involving(session: Session, participant_id: str) -> dict[str, Any] | None:
    for c in session.checkins.values():
        if participant_id in (c["facilitator"], c["participant"]):
            return c
    return None


class CheckIns(SessionCommands):
    def _update(self, session_id: str, c: dict[str, Any], state: str, name: str) -> ToParticipant:
        return ToParticipant(session_id, c["facilitator"], UPDATED, {
            "checkin_id": c["id"], "state": state,
            "participant_id": c["participant"], "name": name,
        })

    async def invite(self, identity: Identity, participant_id: str) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            fac = await self._actor(identity, Command.CHECK_IN)
            p = await self._other(fac, participant_id)
            if not allowed(p.role, Command.ANSWER_CHECK_IN):
                raise Refused(ErrorCode.NOT_PERMITTED, "Private check-ins are with participants.")
            if p.room_id == WAITING_ROOM:
                raise Refused(ErrorCode.WAITING, "That person is still waiting to come in.")
            if not p.connected:
                raise Refused(ErrorCode.PEER_UNAVAILABLE, "That person is not connected right now.")
            session = await self._session(fac.session_id)
            if (mine := _involving(session, fac.id)) is not None:
                if mine["participant"] == p.id and mine["state"] == "invited":
                    return []  # asked already: the invitation is on their screen
                raise Refused(ErrorCode.IN_CHECK_IN, "You are in a private check-in already.")
            if _involving(session, p.id) is not None:
                raise Refused(ErrorCode.IN_CHECK_IN)
            c: dict[str, Any] = {
                "id": uuid.uuid4().hex[:12], "facilitator": fac.id, "participant": p.id,
                "state": "invited", "invited_at": self.clock(), "started_at": None, "back": {},
            }
            session.checkins[c["id"]] = c
            await self.store.put_session(session)
            return [
                self._audit(fac, "invite_check_in", p.id),
                ToParticipant(p.session_id, p.id, INVITED,
                              {"checkin_id": c["id"], "facilitator_id": fac.id, "name": fac.name}),
                self._update(p.session_id, c, "invited", p.name),
            ]

    async def answer(self, identity: Identity, checkin_id: str, accept: bool) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            p = await self._actor(identity, Command.ANSWER_CHECK_IN)
            session = await self._session(p.session_id)
            c = session.checkins.get(checkin_id)
            if c is None or c["participant"] != p.id or c["state"] != "invited":
                raise Refused(ErrorCode.NOT_FOUND, "That invitation is no longer open.")
            fac = await self.store.get_participant(p.session_id, c["facilitator"])
            if not accept or fac is None or not fac.connected or fac.room_id == WAITING_ROOM:
                del session.checkins[checkin_id]
                await self.store.put_session(session)
                if not accept:
                    return [self._update(p.session_id, c, "declined", p.name)]
                raise Refused(ErrorCode.PEER_UNAVAILABLE, "The facilitator is not here right now.")
            room_id = _room_of(c)
            c.update(state="active", started_at=self.clock(),
                     back={fac.id: fac.room_id, p.id: p.room_id})
            await self.store.put_session(session)
            group_room = room_key(fac.session_id, fac.room_id)
            out: list[Delivery] = [
                *await self._relocate(p, room_id),
                *await self._relocate(fac, room_id),
                # Those left behind hear only that the facilitator stepped out, not with whom.
                ToRoomVolatile(group_room, STEPPED_OUT,
                               {"participant_id": fac.id, "name": fac.name}),
                Audit(self.clock(), fac.session_id, room_id, fac.id, "start_check_in", p.id),
                self._update(p.session_id, c, "active", p.name),
            ]
            return out

    async def end(self, identity: Identity) -> list[Delivery]:
        """Either of the two ends it (the facilitator may also withdraw an invitation).
        Ending one that has ended already does nothing: both may press at once."""
        async with self._session_lock(identity.session_id):
            p = await self._actor(identity, Command.END_CHECK_IN)
            session = await self._session(p.session_id)
            c = _involving(session, p.id)
            if c is None:
                return []
            if c["state"] == "invited":
                if c["facilitator"] != p.id:
                    return []  # the participant answers an invitation instead
                del session.checkins[c["id"]]
                await self.store.put_session(session)
                return [self._audit(p, "withdraw_check_in", c["participant"]),
                        ToParticipant(p.session_id, c["participant"], UPDATED,
                                      {"checkin_id": c["id"], "state": "withdrawn"})]
            return await self._finish(session, c)

    async def person_gone(self, session_id: str, participant_id: str) -> list[Delivery]:
        """Someone left the session (or was removed): a check-in with them ends, and the
        other person goes back. Call with the session lock held."""
        session = await self.store.get_session(session_id)
        c = _involving(session, participant_id) if session else None
        if session is None or c is None:
            return []
        if c["state"] == "invited":
            del session.checkins[c["id"]]
            await self.store.put_session(session)
            to = c["participant"] if participant_id == c["facilitator"] else c["facilitator"]
            return [ToParticipant(session_id, to, UPDATED,
                                  {"checkin_id": c["id"], "state": "withdrawn"})]
        return await self._finish(session, c)

    async def _finish(self, session: Session, c: dict[str, Any]) -> list[Delivery]:
        del session.checkins[c["id"]]
        await self.store.put_session(session)
        room_id = _room_of(c)
        open_rooms = {b["id"] for b in session.breakouts} if session.breakouts_open else set()
        out: list[Delivery] = []
        for pid in (c["participant"], c["facilitator"]):
            q = await self.store.get_participant(session.id, pid)
            if q is None or q.room_id != room_id:
                continue
            back = c["back"].get(pid, MAIN_ROOM)
            if pid == c["participant"] and session.breakouts_open:
                # Breakouts opened (or they were moved) meanwhile: to their room now.
                back = session.assignments.get(pid, back)
            # The breakout they came from may have closed meanwhile.
            if back != MAIN_ROOM and back not in open_rooms:
                back = MAIN_ROOM
            out += await self._relocate(q, back)
        await self.store.drop_room(session.id, room_id)
        lasted = max(0.0, self.clock() - float(c["started_at"] or self.clock()))
        out += [
            Audit(self.clock(), session.id, room_id, c["facilitator"], "end_check_in",
                  c["participant"], {"seconds": round(lasted)}),
            self._update(session.id, c, "ended", await self._name(session.id, c["participant"])),
            ToParticipant(session.id, c["participant"], UPDATED,
                          {"checkin_id": c["id"], "state": "ended"}),
        ]
        return out

    async def _name(self, session_id: str, participant_id: str) -> str:
        p: Participant | None = await self.store.get_participant(session_id, participant_id)
        return p.name if p else ""


async def end_check_ins_of(
    commands: SessionCommands, session_id: str, participant_id: str
) -> list[Delivery]:
    """For the other parts of the session (leaving, removal): the person is gone, so a
    check-in with them ends. Call with the session lock held."""
    checkins = CheckIns(commands.store, locks=commands.locks, clock=commands.clock,
                        policy=commands.policy, admission=commands.admission)
    return await checkins.person_gone(session_id, participant_id)


def check_ins_cut_short(session: Session, now: float) -> list[Delivery]:
    """The session ends during check-ins: each still says how long it lasted."""
    return [
        Audit(now, session.id, _room_of(c), c["facilitator"], "end_check_in", c["participant"],
              {"seconds": round(now - float(c["started_at"]))})
        for c in session.checkins.values()
        if c["state"] == "active"
    ]
