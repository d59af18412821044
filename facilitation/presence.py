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

from facilitation.base import RoomSnapshot, SessionCommands, SessionLocks
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.media import MediaPolicy, switch_topology_if_needed
from facilitation.outbox import (
    Delivery,
    Disconnect,
    MediaTopology,
    ReleaseMedia,
    ToParticipant,
)
from facilitation.permissions import Command, allowed, require
from rooms.model import MAIN_ROOM, Participant, RoomEvent, Session, room_key
from rooms.store import Store

# Room event names (the protocol module lists them with their payloads).
JOINED = "participant.joined"
UPDATED = "participant.updated"
LEFT = "participant.left"

DEFAULT_GRACE_SECONDS = 60.0


@dataclass(slots=True)
class JoinResult:
    participant: Participant
    snapshot: RoomSnapshot
    resumed: bool
    # Events the client missed since the `last_seq` it sent, when the log still has them.
    missed: list[RoomEvent] | None
    deliveries: list[Delivery] = field(default_factory=list)


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
    ) -> None:
        super().__init__(store, locks=locks, clock=clock)
        self.grace_seconds = grace_seconds
        self.policy = policy or MediaPolicy()

    async def join(
        self,
        identity: Identity,
        connection_id: str,
        *,
        audio_muted: bool | None = None,
        video_off: bool | None = None,
        last_seq: int | None = None,
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
            if p is None:
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
                await self.store.put_participant(p)
                deliveries.append(await self._publish(p, JOINED, {"participant": p.public_view()}))
                deliveries += await switch_topology_if_needed(self, p.session_id, p.room_id)
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
                await self.store.put_participant(p)
                if was_away or media_changed:
                    deliveries.append(
                        await self._publish(
                            p, UPDATED, {"participant": p.public_view()}
                        )
                    )

            room = room_key(p.session_id, p.room_id)
            missed = None
            if last_seq is not None and resumed:
                missed = await self.store.events_since(room, last_seq)
            snapshot = await self._snapshot(p.session_id, p.room_id)
            return JoinResult(p, snapshot, resumed, missed, deliveries)

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
            p.disconnected_at = self.clock()
            await self.store.put_participant(p)
            return [await self._publish(p, UPDATED, {"participant": p.public_view()})]

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
        left = await self._publish(p, LEFT, {"participant_id": p.id, "reason": reason})
        deliveries: list[Delivery] = [left, ReleaseMedia(p.session_id, p.room_id, p.id)]
        if not await self.store.list_participants(p.session_id):
            # Nobody is left: forget the session (privacy), as nobody needs to catch up.
            await self.store.drop_session(p.session_id)
            deliveries.append(MediaTopology(p.session_id, p.room_id, "closed", 0))
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
            unblocking_audio = audio_muted is False and p.audio_blocked
            if unblocking_audio or (video_off is False and p.video_blocked):
                raise Refused(ErrorCode.MUTED_BY_FACILITATOR)
            changed = False
            if audio_muted is not None and audio_muted != p.audio_muted:
                p.audio_muted, changed = audio_muted, True
            if video_off is not None and video_off != p.video_off:
                p.video_off, changed = video_off, True
            if not changed:
                return []
            await self.store.put_participant(p)
            return [await self._publish(p, UPDATED, {"participant": p.public_view()})]

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
