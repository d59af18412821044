"""Breakout rooms: made on demand, people assigned by hand, at random or by their own
choice, opened all at once with an optional timer, closed all at once.

Moving a person is leaving one room and entering another: the old room hears them leave
(reason "moved"), the new one hears them join, and their connection follows (EnterRoom),
with that room's snapshot, chat and media set-up. A person is in one room at a time, so
every rule that checks "the same room" (negotiation, chat) keeps people apart.
"""

from __future__ import annotations

import random
import re
from typing import Any

from facilitation.base import BREAKOUTS_UPDATED, SessionCommands
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import (
    Delivery,
    ToParticipant,
    ToRoomVolatile,
    WakeAt,
)
from facilitation.permissions import Command
from rooms.model import (
    MAIN_ROOM,
    WAITING_ROOM,
    Participant,
    Role,
    Session,
    is_private_room,
    room_key,
)

MAX_BREAKOUTS = 20
MAX_NAME = 60
WARN_BEFORE = 60.0  # seconds: "one minute left"
MAIN_ROOM_NAME = "Main room"


class Breakouts(SessionCommands):
    def __init__(self, *args: Any, rng: random.Random | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rng = rng or random.Random()

    async def _running(self, identity: Identity) -> tuple[Participant, Session]:
        actor = await self._actor(identity, Command.RUN_BREAKOUTS)
        return actor, await self._session(actor.session_id)

    async def _announce(self, session: Session) -> list[Delivery]:
        """Facilitators see the whole plan; everyone sees the rooms and the timer."""
        await self.store.put_session(session)
        out: list[Delivery] = list(
            await self._to_facilitators(session.id, BREAKOUTS_UPDATED,
                                        await self._breakouts_view(session, True))
        )
        public = await self._breakouts_view(session, False)
        for room_id in self._room_ids(session):
            out.append(ToRoomVolatile(room_key(session.id, room_id), "breakouts.public", public))
        return out

    @staticmethod
    def _room_ids(session: Session) -> list[str]:
        return [MAIN_ROOM, *(b["id"] for b in session.breakouts)]

    def _check_room(self, session: Session, room_id: str) -> str:
        if room_id not in self._room_ids(session):
            raise Refused(ErrorCode.NOT_FOUND, "There is no such room.")
        return room_id

    async def _move(self, p: Participant, room_id: str, session: Session) -> list[Delivery]:
        if p.room_id == room_id or p.room_id == WAITING_ROOM or is_private_room(p.room_id):
            # A private check-in is not broken up: they come back when it ends.
            return []
        # Said first, so the person reads where they are going before they are there.
        names = {b["id"]: b["name"] for b in session.breakouts}
        return [
            ToParticipant(p.session_id, p.id, "breakout.moving",
                          {"room_id": room_id, "name": names.get(room_id, MAIN_ROOM_NAME)}),
            *await self._relocate(p, room_id),
        ]

    # ---- planning ---------------------------------------------------------------------
    async def create(self, identity: Identity, names: list[str]) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            actor, session = await self._running(identity)
            if len(session.breakouts) + len(names) > MAX_BREAKOUTS:
                raise Refused(ErrorCode.INVALID_PAYLOAD, "That is too many rooms.")
            taken = {b["id"] for b in session.breakouts}
            for name in names:
                clean = re.sub(r"\s+", " ", name).strip()[:MAX_NAME]
                if not clean:
                    raise Refused(ErrorCode.INVALID_PAYLOAD, "A room needs a name.")
                n = 1
                while f"breakout-{n}" in taken:
                    n += 1
                taken.add(f"breakout-{n}")
                session.breakouts.append({"id": f"breakout-{n}", "name": clean})
            return [self._audit(actor, "create_breakouts", count=len(names)),
                    *await self._announce(session)]

    async def assign(self, identity: Identity, assignments: dict[str, str]) -> list[Delivery]:
        """By hand: participant id -> room id ("main" keeps them in the main room). While
        rooms are open, people move at once."""
        async with self._session_lock(identity.session_id):
            actor, session = await self._running(identity)
            for pid, room_id in assignments.items():
                self._check_room(session, room_id)
                if await self.store.get_participant(session.id, pid) is None:
                    raise Refused(ErrorCode.PEER_NOT_IN_ROOM, "That person is not here.")
            out: list[Delivery] = [self._audit(actor, "assign_breakouts", count=len(assignments))]
            session.assignments.update(assignments)
            if session.breakouts_open:
                for pid, room_id in assignments.items():
                    p = await self.store.get_participant(session.id, pid)
                    if p is not None:
                        out += await self._move(p, room_id, session)
            return out + await self._announce(session)

    async def assign_randomly(self, identity: Identity, keep: list[str]) -> list[Delivery]:
        """Everyone but the facilitators, observers and `keep`, evenly over the rooms."""
        async with self._session_lock(identity.session_id):
            actor, session = await self._running(identity)
            if not session.breakouts:
                raise Refused(ErrorCode.NOT_FOUND, "Make the rooms first.")
            people = [
                p.id for p in await self.store.list_participants(session.id)
                if p.role is Role.PARTICIPANT and p.room_id != WAITING_ROOM and p.id not in keep
            ]
            self.rng.shuffle(people)
            rooms = [b["id"] for b in session.breakouts]
            session.assignments = {pid: rooms[i % len(rooms)] for i, pid in enumerate(people)}
            session.assignments.update(dict.fromkeys(keep, MAIN_ROOM))
            return [self._audit(actor, "assign_breakouts_randomly", count=len(people)),
                    *await self._announce(session)]

    async def let_choose(self, identity: Identity, on: bool) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            actor, session = await self._running(identity)
            session.breakouts_self_select = on
            return [self._audit(actor, "breakouts_self_select", on=on),
                    *await self._announce(session)]

    async def choose(self, identity: Identity, room_id: str) -> list[Delivery]:
        """A participant picks a room, when the facilitator lets people choose."""
        async with self._session_lock(identity.session_id):
            p = await self._actor(identity, Command.CHOOSE_BREAKOUT)
            session = await self._session(p.session_id)
            if not session.breakouts_self_select:
                raise Refused(ErrorCode.NOT_PERMITTED, "The facilitator assigns the rooms.")
            session.assignments[p.id] = self._check_room(session, room_id)
            out = await self._move(p, room_id, session) if session.breakouts_open else []
            return out + await self._announce(session)

    # ---- running ----------------------------------------------------------------------
    async def open(self, identity: Identity, duration: float | None = None) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            actor, session = await self._running(identity)
            if not session.breakouts:
                raise Refused(ErrorCode.NOT_FOUND, "Make the rooms first.")
            session.breakouts_open = True
            session.breakouts_end_at = self.clock() + duration if duration else None
            await self.store.put_session(session)  # those moved in see the rooms open
            out: list[Delivery] = [self._audit(actor, "open_breakouts", duration=duration)]
            for p in await self.store.list_participants(session.id):
                room_id = session.assignments.get(p.id, MAIN_ROOM)
                if room_id != MAIN_ROOM and p.room_id == MAIN_ROOM:
                    out += await self._move(p, room_id, session)
            out += await self._announce(session)
            out += self._timers(session)
            return out

    def _timers(self, session: Session) -> list[Delivery]:
        if session.breakouts_end_at is None:
            return []
        return [WakeAt(session.id, session.breakouts_end_at - WARN_BEFORE),
                WakeAt(session.id, session.breakouts_end_at)]

    async def extend(self, identity: Identity, seconds: float) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            actor, session = await self._running(identity)
            if not session.breakouts_open:
                raise Refused(ErrorCode.NOT_FOUND, "The rooms are not open.")
            base = session.breakouts_end_at or self.clock()
            session.breakouts_end_at = base + seconds
            return [self._audit(actor, "extend_breakouts", seconds=seconds),
                    *await self._announce(session), *self._timers(session)]

    async def broadcast(self, identity: Identity, text: str) -> list[Delivery]:
        """A message from the facilitator to every room at once (not kept, not logged)."""
        async with self._session_lock(identity.session_id):
            actor, session = await self._running(identity)
            payload = {"text": text.strip(), "from": actor.id, "name": actor.name}
            return [self._audit(actor, "broadcast_to_rooms"), *(
                ToRoomVolatile(room_key(session.id, r), "breakout.broadcast", payload)
                for r in self._room_ids(session)
            )]

    async def visit(self, identity: Identity, room_id: str) -> list[Delivery]:
        """A facilitator goes into a room (or back to the main room)."""
        async with self._session_lock(identity.session_id):
            actor, session = await self._running(identity)
            self._check_room(session, room_id)
            if is_private_room(actor.room_id):
                raise Refused(ErrorCode.IN_CHECK_IN, "End the private check-in first.")
            return [self._audit(actor, "visit_room", room=room_id),
                    *await self._move(actor, room_id, session)]

    async def call_facilitator(self, identity: Identity) -> list[Delivery]:
        """The "call facilitator" button: every facilitator hears, wherever they are."""
        async with self._session_lock(identity.session_id):
            p = await self._actor(identity, Command.CALL_FACILITATOR)
            return list(await self._to_facilitators(
                p.session_id, "breakout.help",
                {"participant_id": p.id, "name": p.name, "room_id": p.room_id},
            ))

    async def close(self, identity: Identity) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            actor, session = await self._running(identity)
            return [self._audit(actor, "close_breakouts"), *await self._close(session)]

    async def _close(self, session: Session) -> list[Delivery]:
        session.breakouts_open = False
        session.breakouts_end_at = None
        await self.store.put_session(session)  # those moved back see the rooms closed
        out: list[Delivery] = []
        for p in await self.store.list_participants(session.id):
            if p.room_id not in (MAIN_ROOM, WAITING_ROOM):
                out += await self._move(p, MAIN_ROOM, session)
        return out + await self._announce(session)

    async def due(self, session_id: str) -> list[Delivery]:
        """The timer's call: warn a minute before the end, close at the end. Safe to call
        at any time (an extended or closed session's old timers do nothing)."""
        async with self._session_lock(session_id):
            session = await self.store.get_session(session_id)
            if session is None or not session.breakouts_open or session.breakouts_end_at is None:
                return []
            left = session.breakouts_end_at - self.clock()
            if left <= 0.05:
                return await self._close(session)
            if left <= WARN_BEFORE + 0.05:
                return [ToRoomVolatile(room_key(session_id, r), "breakout.warning",
                                       {"seconds_left": round(left)})
                        for r in self._room_ids(session)]
            return []

