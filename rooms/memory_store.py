"""In-process store: the embedded default for a single server process."""

from __future__ import annotations

import copy
import time
from collections import deque
from typing import Any

from rooms.model import (
    AttendanceLedger,
    ChatMessage,
    Participant,
    Room,
    RoomEvent,
    Session,
    room_key,
)
from rooms.store import (
    DEFAULT_ATTENDANCE_RETENTION,
    DEFAULT_CHAT_LENGTH,
    DEFAULT_EVENT_LOG_LENGTH,
)


class _RoomLog:
    __slots__ = ("events", "seq")

    def __init__(self, length: int) -> None:
        self.seq = 0
        self.events: deque[RoomEvent] = deque(maxlen=length)


class MemoryStore:
    def __init__(
        self,
        event_log_length: int = DEFAULT_EVENT_LOG_LENGTH,
        attendance_retention: float = DEFAULT_ATTENDANCE_RETENTION,
    ) -> None:
        self._log_length = event_log_length
        self._retention = attendance_retention
        # Ledger and the monotonic time it is forgotten at (None: while the session runs).
        self._attendance: dict[str, tuple[AttendanceLedger, float | None]] = {}
        self._sessions: dict[str, Session] = {}
        self._participants: dict[str, dict[str, Participant]] = {}
        self._seats: dict[str, int] = {}
        self._rooms: dict[str, dict[str, Room]] = {}
        self._chat: dict[str, deque[ChatMessage]] = {}
        self._logs: dict[str, _RoomLog] = {}

    # Records are copied in and out so callers cannot change stored state by accident,
    # exactly as with a store that serialises (Redis).
    async def get_session(self, session_id: str) -> Session | None:
        s = self._sessions.get(session_id)
        return copy.deepcopy(s) if s else None

    async def put_session(self, session: Session) -> None:
        self._sessions[session.id] = copy.deepcopy(session)

    async def get_room(self, session_id: str, room_id: str) -> Room | None:
        r = self._rooms.get(session_id, {}).get(room_id)
        return copy.deepcopy(r) if r else None

    async def put_room(self, room: Room) -> None:
        self._rooms.setdefault(room.session_id, {})[room.id] = copy.deepcopy(room)

    async def get_participant(self, session_id: str, participant_id: str) -> Participant | None:
        p = self._participants.get(session_id, {}).get(participant_id)
        return copy.deepcopy(p) if p else None

    async def put_participant(self, participant: Participant) -> None:
        people = self._participants.setdefault(participant.session_id, {})
        people[participant.id] = copy.deepcopy(participant)

    async def delete_participant(self, session_id: str, participant_id: str) -> None:
        self._participants.get(session_id, {}).pop(participant_id, None)

    async def list_participants(self, session_id: str) -> list[Participant]:
        people = self._participants.get(session_id, {})
        return sorted((copy.deepcopy(p) for p in people.values()), key=lambda p: p.seat)

    async def next_seat(self, session_id: str) -> int:
        self._seats[session_id] = self._seats.get(session_id, 0) + 1
        return self._seats[session_id]

    async def append_event(self, room: str, name: str, payload: dict[str, Any]) -> RoomEvent:
        log = self._logs.get(room)
        if log is None:
            log = self._logs[room] = _RoomLog(self._log_length)
        log.seq += 1
        event = RoomEvent(room=room, seq=log.seq, name=name, payload=copy.deepcopy(payload))
        log.events.append(event)
        return copy.deepcopy(event)

    async def events_since(self, room: str, after_seq: int) -> list[RoomEvent] | None:
        log = self._logs.get(room)
        if log is None:
            return [] if after_seq == 0 else None
        if after_seq > log.seq:
            return None
        if after_seq == log.seq:
            return []
        oldest = log.events[0].seq if log.events else log.seq + 1
        if after_seq + 1 < oldest:
            return None
        return [copy.deepcopy(e) for e in log.events if e.seq > after_seq]

    async def last_seq(self, room: str) -> int:
        log = self._logs.get(room)
        return log.seq if log else 0

    async def add_chat(self, message: ChatMessage) -> None:
        history = self._chat.get(message.room)
        if history is None:
            history = self._chat[message.room] = deque(maxlen=DEFAULT_CHAT_LENGTH)
        history.append(copy.deepcopy(message))

    async def list_chat(self, room: str) -> list[ChatMessage]:
        return [copy.deepcopy(m) for m in self._chat.get(room, ())]

    async def remove_chat(self, room: str, message_id: str) -> ChatMessage | None:
        for m in self._chat.get(room, ()):
            if m.id == message_id:
                m.removed, m.text = True, ""
                return copy.deepcopy(m)
        return None

    async def drop_room(self, session_id: str, room_id: str) -> None:
        self._rooms.get(session_id, {}).pop(room_id, None)
        key = room_key(session_id, room_id)
        self._logs.pop(key, None)
        self._chat.pop(key, None)

    async def drop_session(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)
        self._participants.pop(session_id, None)
        self._seats.pop(session_id, None)
        self._rooms.pop(session_id, None)
        prefix = f"{session_id}/"
        for key in [k for k in self._logs if k.startswith(prefix)]:
            del self._logs[key]
        for key in [k for k in self._chat if k.startswith(prefix)]:
            del self._chat[key]

    async def get_attendance(self, session_id: str) -> AttendanceLedger | None:
        kept = self._attendance.get(session_id)
        if kept is None:
            return None
        ledger, forget_at = kept
        if forget_at is not None and time.monotonic() >= forget_at:
            del self._attendance[session_id]
            return None
        return copy.deepcopy(ledger)

    async def put_attendance(self, ledger: AttendanceLedger) -> None:
        forget_at = None if ledger.ended_at is None else time.monotonic() + self._retention
        self._attendance[ledger.session_id] = (copy.deepcopy(ledger), forget_at)

    async def close(self) -> None:
        return None
