"""In-process store: the embedded default for a single server process."""

from __future__ import annotations

import copy
import time
from collections import deque
from dataclasses import replace
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
from rooms.packing import pack, unpack
from rooms.store import (
    DEFAULT_ATTENDANCE_RETENTION,
    DEFAULT_CHAT_LENGTH,
    DEFAULT_EVENT_LOG_LENGTH,
    entries_after,
)
from rooms.whiteboard import AppliedOp, BoardSettings, BoardSnapshot, UndoHistory


class _RoomLog:
    __slots__ = ("events", "seq")

    def __init__(self, length: int) -> None:
        self.seq = 0
        self.events: deque[RoomEvent] = deque(maxlen=length)


class _Board:
    """A board's records, packed (a copy in and out, as with Redis, but cheap)."""

    __slots__ = ("histories", "ops", "seq", "settings", "snapshot")

    def __init__(self) -> None:
        self.seq = 0
        self.ops: list[tuple[int, bytes]] = []
        self.snapshot: bytes | None = None
        self.settings: bytes | None = None
        self.histories: dict[str, bytes] = {}


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
        self._boards: dict[str, _Board] = {}

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
        found = entries_after(log.events, lambda e: e.seq, log.seq, after_seq)
        return None if found is None else [copy.deepcopy(e) for e in found]

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
        self._boards.pop(key, None)
    def _board(self, board: str) -> _Board:
        b = self._boards.get(board)
        if b is None:
            b = self._boards[board] = _Board()
        return b

    async def append_board_op(self, board: str, op: AppliedOp) -> AppliedOp:
        b = self._board(board)
        b.seq += 1
        numbered = replace(op, seq=b.seq)
        b.ops.append((b.seq, pack(numbered.to_dict())))
        return numbered

    async def board_ops_since(self, board: str, after_seq: int) -> list[AppliedOp] | None:
        b = self._boards.get(board) or _Board()
        ops = entries_after(b.ops, lambda op: op[0], b.seq, after_seq)
        return None if ops is None else [AppliedOp.from_dict(unpack(blob)) for _, blob in ops]

    async def board_seq(self, board: str) -> int:
        b = self._boards.get(board)
        return b.seq if b else 0

    async def trim_board_ops(self, board: str, through_seq: int) -> None:
        b = self._board(board)
        b.ops = [op for op in b.ops if op[0] > through_seq]

    async def put_board_snapshot(self, board: str, snapshot: BoardSnapshot) -> None:
        self._board(board).snapshot = pack(snapshot.to_dict())

    async def get_board_snapshot(self, board: str) -> BoardSnapshot | None:
        b = self._boards.get(board)
        return BoardSnapshot.from_dict(unpack(b.snapshot)) if b and b.snapshot else None

    async def get_board_settings(self, board: str) -> BoardSettings | None:
        b = self._boards.get(board)
        return BoardSettings.from_dict(unpack(b.settings)) if b and b.settings else None

    async def put_board_settings(self, board: str, settings: BoardSettings) -> None:
        self._board(board).settings = pack(settings.to_dict())

    async def get_undo_history(self, board: str, participant_id: str) -> UndoHistory | None:
        b = self._boards.get(board)
        raw = b.histories.get(participant_id) if b else None
        return UndoHistory.from_dict(unpack(raw)) if raw else None

    async def put_undo_history(
        self, board: str, participant_id: str, history: UndoHistory
    ) -> None:
        self._board(board).histories[participant_id] = pack(history.to_dict())

    async def list_undo_histories(self, board: str) -> dict[str, UndoHistory]:
        b = self._boards.get(board)
        histories = b.histories if b else {}
        return {pid: UndoHistory.from_dict(unpack(raw)) for pid, raw in histories.items()}

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
        for key in [k for k in self._boards if k.startswith(prefix)]:
            del self._boards[key]

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
