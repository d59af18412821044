"""What every group of commands shares: the store, the clock, per-session locks and the
helpers that read a room and number its events."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import ToRoom
from rooms.model import Participant, Room, room_key
from rooms.store import Store


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "room": self.room,
            "seq": self.seq,
            "participants": self.participants,
            "media": self.media,
        }


class SessionCommands:
    def __init__(
        self,
        store: Store,
        *,
        locks: SessionLocks | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.locks = locks or SessionLocks()
        self.clock = clock

    def _session_lock(self, session_id: str) -> Any:
        return self.locks.hold(session_id)

    async def _room(self, session_id: str, room_id: str) -> Room:
        return await self.store.get_room(session_id, room_id) or Room(session_id, room_id)

    async def _snapshot(self, session_id: str, room_id: str) -> RoomSnapshot:
        key = room_key(session_id, room_id)
        people = await self.store.list_participants(session_id)
        room = await self._room(session_id, room_id)
        return RoomSnapshot(
            room=key,
            seq=await self.store.last_seq(key),
            participants=[p.public_view() for p in people if p.room_id == room_id],
            media=room.media_view(),
        )

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
