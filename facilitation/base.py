"""What every group of commands shares: the store, the clock, per-session locks and the
helpers that read a room and number its events."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import Audit, EnterRoom, ReleaseMedia, ToParticipant, ToRoom
from facilitation.permissions import Command, is_facilitator, require
from rooms.model import WAITING_ROOM, Participant, Room, Session, room_key
from rooms.store import Store

BREAKOUTS_UPDATED = "breakouts.updated"
PARTICIPANT_LEFT = "participant.left"
HANDS_UPDATED = "hands.updated"

DEFAULT_SFU_THRESHOLD = 4


@dataclass(slots=True)
class MediaPolicy:
    sfu_threshold: int = DEFAULT_SFU_THRESHOLD
    # Set by the shell while an SFU is up and reachable.
    sfu_available: bool = False

    def wants_sfu(self, people: int) -> bool:
        return self.sfu_available and people > self.sfu_threshold


@dataclass(slots=True)
class AdmissionPolicy:
    """How people come in. Both on by default, as a therapy group wants: a facilitator
    admits each participant, who accepts the ground rules before entering. A drop-in
    group may switch either off (server flags)."""

    waiting_room: bool = True
    ground_rules: bool = True


class SessionLocks:
    """Serialises the commands of one session, so none sees another's half-written state.

    Rooms are pinned to one server process (see the design), so a process-local lock is
    enough; the Redis store's own atomic counters cover the rest.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    @asynccontextmanager
    async def hold(self, session_id: str) -> AsyncIterator[None]:
        lock = self._locks.get(session_id)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[session_id] = lock
        async with lock:
            yield


@dataclass(slots=True)
class RoomSnapshot:
    room: str
    seq: int
    participants: list[dict[str, Any]]
    media: dict[str, Any]
    hands: list[str] = field(default_factory=list)
    spotlight: str | None = None
    # Who is talking right now (the `participant.speaking` events are not kept).
    speaking: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "speaking": self.speaking,
            "room": self.room,
            "seq": self.seq,
            "participants": self.participants,
            "media": self.media,
            "hands": self.hands,
            "spotlight": self.spotlight,
        }


def hand_queue(people: list[Participant]) -> list[str]:
    """Raised hands in the order they were raised."""
    raised = [p for p in people if p.hand_raised_at is not None]
    return [p.id for p in sorted(raised, key=lambda p: (p.hand_raised_at, p.seat))]


class SessionCommands:
    def __init__(
        self,
        store: Store,
        *,
        locks: SessionLocks | None = None,
        clock: Callable[[], float] = time.time,
        policy: MediaPolicy | None = None,
        admission: AdmissionPolicy | None = None,
    ) -> None:
        self.store = store
        self.locks = locks or SessionLocks()
        self.clock = clock
        self.policy = policy or MediaPolicy()
        self.admission = admission or AdmissionPolicy()

    def _session_lock(self, session_id: str) -> Any:
        return self.locks.hold(session_id)

    async def _room(self, session_id: str, room_id: str) -> Room:
        return await self.store.get_room(session_id, room_id) or Room(session_id, room_id)

    async def _snapshot(self, session_id: str, room_id: str) -> RoomSnapshot:
        key = room_key(session_id, room_id)
        people = [p for p in await self.store.list_participants(session_id)
                  if p.room_id == room_id]
        room = await self._room(session_id, room_id)
        return RoomSnapshot(
            room=key,
            seq=await self.store.last_seq(key),
            participants=[p.public_view() for p in people],
            media=room.media_view(),
            hands=hand_queue(people),
            spotlight=room.spotlight,
            speaking=[p.id for p in people if p.speaking_since is not None],
        )

    @staticmethod
    def _still_in(p: Participant, room: str | None) -> None:
        """A request made for a room (`room`, when the client says) must find its sender
        still there: a message typed, or a note drawn, just before a move must not land in
        the room the person was moved to."""
        if room is not None and room != room_key(p.session_id, p.room_id):
            raise Refused(ErrorCode.NOT_IN_ROOM, "You are in another room now.")

    async def _breakouts_view(self, session: Session, full: bool) -> dict[str, Any]:
        """The breakout rooms as a person sees them: the rooms, whether they are open and
        the timer (with the server's `now`, so a client with a wrong clock counts down
        right). Facilitators (`full`) also see who goes where and who is in which room."""
        view: dict[str, Any] = {
            "rooms": session.breakouts,
            "open": session.breakouts_open,
            "end_at": session.breakouts_end_at,
            "now": self.clock(),
            "self_select": session.breakouts_self_select,
        }
        if full:
            view["assignments"] = session.assignments
            view["people"] = [
                {"id": q.id, "name": q.name, "role": q.role.value, "room_id": q.room_id}
                for q in await self.store.list_participants(session.id)
                if q.room_id != WAITING_ROOM
            ]
        return view

    async def _plan_followers(self, session_id: str) -> list[ToParticipant]:
        """While the session has breakout rooms, facilitators' "who goes where" follows
        people coming and going (a facilitator in a breakout does not see the main room's
        arrivals any other way)."""
        session = await self.store.get_session(session_id)
        if session is None or not session.breakouts:
            return []
        return await self._to_facilitators(
            session_id, BREAKOUTS_UPDATED, await self._breakouts_view(session, True)
        )

    async def _departed(self, p: Participant, reason: str) -> list[Any]:
        """Someone's seat is gone (they left, were removed, or their connection did not
        come back): the attendance ledger notes it, their room hears it and their media
        there is released."""
        from facilitation import attendance  # attendance builds on base
        from facilitation.checkins import end_check_ins_of  # check-ins build on base
        from facilitation.media import forget_if_empty  # media builds on base

        out: list[Any] = list(await attendance.left(self.store, p, self.clock(), reason))
        if p.room_id == WAITING_ROOM:
            out += await self._waiting_changed(p.session_id)
        else:
            out.append(await self._publish(p, PARTICIPANT_LEFT,
                                           {"participant_id": p.id, "reason": reason}))
            out.append(ReleaseMedia(p.session_id, p.room_id, p.id))
            out += await forget_if_empty(self, p.session_id, p.room_id)
        out += await end_check_ins_of(self, p.session_id, p.id)
        if p.room_id != WAITING_ROOM:
            # After the check-in ended: the plan shows the facilitator back where they were.
            out += await self._plan_followers(p.session_id)
        return out

    async def _member(self, identity: Identity) -> Participant:
        p = await self.store.get_participant(identity.session_id, identity.participant_id)
        if p is None:
            raise Refused(ErrorCode.NOT_JOINED)
        return p

    async def _publish(self, p: Participant, name: str, payload: dict[str, Any]) -> ToRoom:
        return await self._publish_in(p.session_id, p.room_id, name, payload)

    async def _publish_in(
        self, session_id: str, room_id: str, name: str, payload: dict[str, Any]
    ) -> ToRoom:
        event = await self.store.append_event(room_key(session_id, room_id), name, payload)
        return ToRoom(event)

    async def _session(self, session_id: str) -> Session:
        session = await self.store.get_session(session_id)
        if session is None:
            raise Refused(ErrorCode.NOT_JOINED)
        if session.ended:
            raise Refused(ErrorCode.SESSION_ENDED)
        return session

    async def _actor(self, identity: Identity, command: Command) -> Participant:
        """The acting member, admitted to the session, whose current role (which a
        promotion may have changed) allows `command`."""
        p = await self._member(identity)
        require(p.role, command)
        if p.room_id == WAITING_ROOM:
            raise Refused(ErrorCode.WAITING)
        return p

    async def _other(self, actor: Participant, participant_id: str) -> Participant:
        """Someone else in the actor's session."""
        if participant_id == actor.id:
            raise Refused(ErrorCode.NOT_PERMITTED, "You cannot do this to yourself.")
        target = await self.store.get_participant(actor.session_id, participant_id)
        if target is None:
            raise Refused(ErrorCode.PEER_NOT_IN_ROOM, "That person is not in this session.")
        return target

    async def _to_facilitators(
        self, session_id: str, name: str, payload: dict[str, Any]
    ) -> list[ToParticipant]:
        """A message for every facilitator and co-facilitator in the session."""
        return [
            ToParticipant(session_id, p.id, name, payload)
            for p in await self.store.list_participants(session_id)
            if is_facilitator(p.role) and p.room_id != WAITING_ROOM
        ]

    def _audit(
        self,
        actor: Participant,
        action: str,
        target: str | None = None,
        **detail: Any,
    ) -> Audit:
        return Audit(
            at=self.clock(),
            session_id=actor.session_id,
            room_id=actor.room_id,
            actor=actor.id,
            action=action,
            target=target,
            detail=detail or None,
        )

    async def _waiting_view(self, session_id: str) -> dict[str, Any]:
        people = await self.store.list_participants(session_id)
        return {
            "waiting": [
                {
                    "id": p.id,
                    "name": p.name,
                    "role": p.role.value,
                    "waiting_since": p.waiting_since,
                    "admitted": p.admitted,
                    "rules_accepted": p.rules_accepted_at is not None,
                    "connection": "connected" if p.connected else "reconnecting",
                }
                for p in people
                if p.room_id == WAITING_ROOM
            ]
        }

    async def _waiting_changed(self, session_id: str) -> list[ToParticipant]:
        return await self._to_facilitators(
            session_id, "waiting.updated", await self._waiting_view(session_id)
        )

    async def _chat_view(self, p: Participant) -> list[dict[str, Any]]:
        """The room's chat as `p` may see it: messages to the room, and messages to the
        facilitators when `p` is one of them or wrote it."""
        messages = await self.store.list_chat(room_key(p.session_id, p.room_id))
        return [
            m.view()
            for m in messages
            if m.to == "room" or is_facilitator(p.role) or m.sender == p.id
        ]

    async def _enter(self, p: Participant, room_id: str) -> list[Any]:
        """Put an admitted participant into a room: the room hears of them, and their
        connection joins the room with a snapshot and the chat so far."""
        from facilitation.media import switch_topology_if_needed  # media builds on base
        from facilitation.mood import question_for  # mood builds on base

        p.room_id = room_id
        p.waiting_since = None
        await self.store.put_participant(p)
        deliveries: list[Any] = [
            await self._publish(p, "participant.joined", {"participant": p.public_view()})
        ]
        deliveries += await switch_topology_if_needed(self, p.session_id, room_id)
        snapshot = await self._snapshot(p.session_id, room_id)
        session = await self.store.get_session(p.session_id)
        deliveries.append(
            EnterRoom(
                p.session_id,
                p.id,
                snapshot.room,
                {
                    "self": p.public_view(),
                    "room": snapshot.to_dict(),
                    "chat": await self._chat_view(p),
                    "session": session.public_view() if session else None,
                    "breakouts": (
                        await self._breakouts_view(session, is_facilitator(p.role))
                        if session else None
                    ),
                    "mood": question_for(session, p) if session else None,
                },
            )
        )
        deliveries += await self._waiting_changed(p.session_id)
        return deliveries

    async def _relocate(self, p: Participant, room_id: str) -> list[Any]:
        """Move an admitted participant from their room to another: the old room hears
        them leave (reason "moved"), their media there is released, and they enter the
        new one. A breakout (or check-in) left empty forgets its media set-up."""
        from facilitation.media import forget_if_empty  # media builds on base

        if p.room_id == room_id or p.room_id == WAITING_ROOM:
            return []
        left_room = p.room_id
        out: list[Any] = [
            await self._publish(p, PARTICIPANT_LEFT, {"participant_id": p.id, "reason": "moved"}),
            ReleaseMedia(p.session_id, left_room, p.id),
        ]
        had_hand = p.hand_raised_at is not None
        p.hand_raised_at = None
        out += await self._enter(p, room_id)
        if had_hand:
            # Their hand is lowered as they go: the room they left sees its queue without it.
            out.append(await self._hands_event(p.session_id, left_room))
        out += await forget_if_empty(self, p.session_id, left_room)
        return out

    async def _hands_event(
        self, session_id: str, room_id: str, called: str | None = None
    ) -> ToRoom:
        """The room's raised-hand queue as it is now (`called`: who was just called on)."""
        people = [q for q in await self.store.list_participants(session_id)
                  if q.room_id == room_id]
        return await self._publish_in(session_id, room_id, HANDS_UPDATED,
                                      {"queue": hand_queue(people), "called": called})

    async def _session_event(
        self, session_id: str, name: str, payload: dict[str, Any]
    ) -> list[ToRoom]:
        """A numbered event in every room of the session that has people in it."""
        rooms = sorted({
            p.room_id for p in await self.store.list_participants(session_id)
            if p.room_id != WAITING_ROOM
        })
        return [await self._publish_in(session_id, r, name, payload) for r in rooms]
