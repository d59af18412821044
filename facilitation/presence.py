"""Joining, leaving, dropped connections and own media state.

Each method takes a verified `Identity`, changes state through the store and returns what
the transport must deliver. Changes to one session are serialised by a per-session lock,
so interleaved commands never see half-written state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from facilitation import attendance
from facilitation.activity import camera_changed
from facilitation.base import (
    AdmissionPolicy,
    MediaPolicy,
    RoomSnapshot,
    SessionCommands,
    SessionLocks,
)
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.media import (
    enforce,
    stopped_media,
    switch_topology_if_needed,
)
from facilitation.mood import question_for
from facilitation.outbox import (
    Delivery,
    Disconnect,
    MediaTopology,
    ToParticipant,
)
from facilitation.permissions import Command, allowed, is_facilitator, require
from rooms.model import MAIN_ROOM, WAITING_ROOM, Participant, Role, RoomEvent, Session, room_key
from rooms.store import Store

# Room event names (the protocol module lists them with their payloads).
JOINED = "participant.joined"
UPDATED = "participant.updated"

DEFAULT_GRACE_SECONDS = 60.0


@dataclass(slots=True)
class JoinResult:
    participant: Participant
    # None while the person waits to be admitted (or to accept the ground rules).
    snapshot: RoomSnapshot | None
    resumed: bool
    # Events the client missed since the `last_seq` it sent, when the log still has them.
    missed: list[RoomEvent] | None
    deliveries: list[Delivery] = field(default_factory=list)
    session: dict[str, Any] = field(default_factory=dict)
    # What the person sees while waiting: {admitted, rules_accepted}; None once in.
    waiting: dict[str, Any] | None = None
    rules_text: str = ""
    chat: list[dict[str, Any]] = field(default_factory=list)
    # For facilitators: who waits to be admitted.
    lobby: list[dict[str, Any]] | None = None
    # The breakout rooms (the whole plan for facilitators), once in a room.
    breakouts: dict[str, Any] | None = None
    # The open mood check-in's question, when the person has yet to answer it.
    mood: dict[str, Any] | None = None


@dataclass(slots=True)
class SyncResult:
    events: list[RoomEvent] | None
    snapshot: RoomSnapshot | None


class Presence(SessionCommands):
    def __init__(
        self,
        store: Store,
        *,
        grace_seconds: float = DEFAULT_GRACE_SECONDS,
        clock: Callable[[], float] = time.time,
        locks: SessionLocks | None = None,
        policy: MediaPolicy | None = None,
        admission: AdmissionPolicy | None = None,
    ) -> None:
        super().__init__(store, locks=locks, clock=clock, policy=policy, admission=admission)
        self.grace_seconds = grace_seconds

    async def join(
        self,
        identity: Identity,
        connection_id: str,
        *,
        audio_muted: bool | None = None,
        video_off: bool | None = None,
        last_seq: int | None = None,
        last_room: str | None = None,
    ) -> JoinResult:
        require(identity.role, Command.JOIN)
        now = self.clock()
        async with self._session_lock(identity.session_id):
            session = await self.store.get_session(identity.session_id)
            if session is None:
                session = Session(id=identity.session_id, created_at=now)
                await self.store.put_session(session)
            if session.ended:
                raise Refused(ErrorCode.SESSION_ENDED)

            deliveries: list[Delivery] = []
            p = await self.store.get_participant(identity.session_id, identity.participant_id)
            resumed = p is not None
            gated = self._gated(identity.role)
            if p is None:
                self._check_entry(session, identity)
                p = Participant(
                    id=identity.participant_id,
                    session_id=identity.session_id,
                    name=identity.name,
                    role=identity.role,
                    seat=await self.store.next_seat(identity.session_id),
                    joined_at=now,
                    audio_muted=bool(audio_muted)
                    or not allowed(identity.role, Command.PUBLISH_AUDIO),
                    video_off=bool(video_off) or not allowed(identity.role, Command.PUBLISH_VIDEO),
                    connection_id=connection_id,
                )
                if gated:
                    p.room_id = WAITING_ROOM
                    p.admitted = not self.admission.waiting_room
                    p.waiting_since = now
                camera_changed(p, now)
                await self.store.put_participant(p)
                if gated:
                    deliveries += await self._waiting_changed(p.session_id)
                    deliveries += await attendance.arrived(self.store, p, now)
                else:
                    deliveries.append(
                        await self._publish(p, JOINED, {"participant": p.public_view()})
                    )
                    deliveries += await attendance.entered(self.store, p, now)
                    deliveries += await switch_topology_if_needed(self, p.session_id, p.room_id)
                    deliveries += await self._plan_followers(p.session_id)
            else:
                # Same person, same seat: a reconnect, or the same link opened again.
                if p.connected and p.connection_id and p.connection_id != connection_id:
                    deliveries.append(Disconnect(p.connection_id, ErrorCode.REPLACED))
                was_away = not p.connected
                p.connected = True
                p.disconnected_at = None
                p.connection_id = connection_id
                if was_away:
                    p.reconnects += 1
                # What the person changed while disconnected (within what they may do).
                media_changed = self._take_media_state(p, audio_muted, video_off)
                camera_changed(p, now)
                await self.store.put_participant(p)
                if was_away or media_changed:
                    deliveries += await self._changed(p)
                if was_away and p.room_id != WAITING_ROOM:
                    deliveries += await attendance.entered(self.store, p, now)

            session = await self._session(p.session_id)
            facilitator = is_facilitator(p.role)
            lobby = (await self._waiting_view(p.session_id))["waiting"] if facilitator else None
            if p.room_id == WAITING_ROOM:
                return JoinResult(
                    p, None, resumed, None, deliveries,
                    session=session.public_view(),
                    waiting={
                        "admitted": p.admitted,
                        "rules_accepted": p.rules_accepted_at is not None,
                        "rules_required": self.admission.ground_rules,
                    },
                    rules_text=session.rules_text,
                    lobby=lobby,
                )
            room = room_key(p.session_id, p.room_id)
            missed = None
            if last_seq is not None and resumed and last_room in (None, room):
                missed = await self.store.events_since(room, last_seq)
            snapshot = await self._snapshot(p.session_id, p.room_id)
            return JoinResult(
                p, snapshot, resumed, missed, deliveries,
                session=session.public_view(),
                rules_text=session.rules_text,
                chat=await self._chat_view(p),
                lobby=lobby,
                breakouts=await self._breakouts_view(session, facilitator),
                mood=question_for(session, p),
            )

    async def _changed(self, p: Participant) -> list[Delivery]:
        """Tell who needs to know that someone's connection or media state changed: their
        room, or the facilitators while they wait."""
        if p.room_id == WAITING_ROOM:
            return list(await self._waiting_changed(p.session_id))
        return [await self._publish(p, UPDATED, {"participant": p.public_view()})]

    def _gated(self, role: Role) -> bool:
        """Whether someone with `role` comes in through the waiting room / ground rules.
        Facilitators run the session and come straight in."""
        return not is_facilitator(role) and (
            self.admission.waiting_room or self.admission.ground_rules
        )

    @staticmethod
    def _check_entry(session: Session, identity: Identity) -> None:
        """Refuse a newcomer the session keeps out. A seat already taken (a reconnect)
        is never refused here: locking keeps out new people, not people who belong."""
        if is_facilitator(identity.role):
            return
        if identity.participant_id in session.kept_out:
            raise Refused(ErrorCode.REMOVED)
        if identity.participant_id in session.denied:
            raise Refused(ErrorCode.DENIED)
        if session.locked:
            raise Refused(ErrorCode.SESSION_LOCKED)
        if session.roster_only and identity.participant_id not in session.roster:
            raise Refused(ErrorCode.NOT_ON_ROSTER)

    @staticmethod
    def _take_media_state(
        p: Participant, audio_muted: bool | None, video_off: bool | None
    ) -> bool:
        before = (p.audio_muted, p.video_off)
        if audio_muted is not None and (
            audio_muted or (allowed(p.role, Command.PUBLISH_AUDIO) and not p.audio_blocked)
        ):
            p.audio_muted = audio_muted
        if video_off is not None and (
            video_off or (allowed(p.role, Command.PUBLISH_VIDEO) and not p.video_blocked)
        ):
            p.video_off = video_off
        return (p.audio_muted, p.video_off) != before

    async def leave(self, identity: Identity) -> list[Delivery]:
        require(identity.role, Command.LEAVE)
        async with self._session_lock(identity.session_id):
            return await self._vacate(await self._member(identity), "left")

    async def connection_lost(self, identity: Identity, connection_id: str) -> list[Delivery]:
        """The transport lost a connection: hold the seat for the grace period."""
        async with self._session_lock(identity.session_id):
            p = await self.store.get_participant(identity.session_id, identity.participant_id)
            if p is None or p.connection_id != connection_id or not p.connected:
                return []  # already left, or the seat is held by a newer connection
            p.connected = False
            p.disconnected_at = now = self.clock()
            await self.store.put_participant(p)
            out = await self._changed(p)
            if p.room_id != WAITING_ROOM:
                out += await attendance.dropped(self.store, p, now)
            return out

    async def expire(self, identity: Identity) -> list[Delivery]:
        """End a seat whose connection did not come back within the grace period."""
        async with self._session_lock(identity.session_id):
            p = await self.store.get_participant(identity.session_id, identity.participant_id)
            if p is None or p.connected or p.disconnected_at is None:
                return []
            if self.clock() - p.disconnected_at < self.grace_seconds:
                return []
            return await self._vacate(p, "connection_lost")

    async def _vacate(self, p: Participant, reason: str) -> list[Delivery]:
        await self.store.delete_participant(p.session_id, p.id)
        now = self.clock()
        deliveries: list[Delivery] = await self._departed(p, reason)
        if not await self.store.list_participants(p.session_id):
            # Nobody is left: forget the session (privacy), as nobody needs to catch up.
            await self.store.drop_session(p.session_id)
            deliveries.append(MediaTopology(p.session_id, p.room_id, "closed", 0))
            deliveries += await attendance.ended(self.store, p.session_id, now, "everyone_left")
        return deliveries

    async def set_media(
        self, identity: Identity, *, audio_muted: bool | None, video_off: bool | None
    ) -> list[Delivery]:
        """A participant reports their own microphone and camera state."""
        if audio_muted is False:
            require(identity.role, Command.PUBLISH_AUDIO)
        if video_off is False:
            require(identity.role, Command.PUBLISH_VIDEO)
        async with self._session_lock(identity.session_id):
            p = await self._member(identity)
            session = await self._session(p.session_id)
            asking = session.ask_to_unmute and p.role is Role.PARTICIPANT
            if audio_muted is False and p.audio_muted:
                if p.audio_blocked:
                    raise Refused(ErrorCode.MUTED_BY_FACILITATOR)
                if asking and not p.may_unmute:
                    raise Refused(ErrorCode.UNMUTE_NOT_ALLOWED)
            if video_off is False and p.video_blocked:
                raise Refused(ErrorCode.MUTED_BY_FACILITATOR)
            before = (p.audio_muted, p.video_off, stopped_media(p))
            if audio_muted is False:
                p.audio_muted = p.audio_held = p.unmute_requested = False
            elif audio_muted:
                p.audio_muted = True
                if asking:
                    # In ask-to-unmute mode a mute holds at the server; unmuting again
                    # takes a facilitator's leave.
                    p.audio_held, p.may_unmute = True, False
            if video_off is False:
                p.video_off = p.video_held = False
            elif video_off:
                p.video_off = True
            if (p.audio_muted, p.video_off, stopped_media(p)) == before:
                return []
            camera_changed(p, self.clock())
            await self.store.put_participant(p)
            deliveries = await self._changed(p)
            if stopped_media(p) != before[2]:
                deliveries.append(enforce(p))
            return deliveries

    async def relay_signal(
        self, identity: Identity, to_participant: str, payload: dict[str, Any]
    ) -> list[Delivery]:
        """Pass WebRTC negotiation between two connected members of the same room."""
        require(identity.role, Command.SIGNAL)
        sender = await self._member(identity)
        target = await self.store.get_participant(identity.session_id, to_participant)
        if target is None or target.room_id != sender.room_id or target.id == sender.id:
            raise Refused(ErrorCode.PEER_NOT_IN_ROOM)
        if not target.connected:
            raise Refused(ErrorCode.PEER_UNAVAILABLE)
        return [
            ToParticipant(
                target.session_id, target.id, "signal", {"from": sender.id, **payload}
            )
        ]

    async def sync(self, identity: Identity, room: str, after_seq: int) -> SyncResult:
        """What a client missed in its room: the events after `after_seq`, or a snapshot."""
        require(identity.role, Command.SYNC)
        p = await self._member(identity)
        if room != room_key(p.session_id, p.room_id):
            raise Refused(ErrorCode.NOT_IN_ROOM)
        events = await self.store.events_since(room, after_seq)
        if events is not None:
            return SyncResult(events, None)
        return SyncResult(None, await self._snapshot(p.session_id, p.room_id))


__all__ = ["MAIN_ROOM", "JoinResult", "MediaPolicy", "Presence", "RoomSnapshot", "SyncResult"]
