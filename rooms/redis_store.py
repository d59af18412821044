"""Redis store: session state shared by several server processes.

Records are msgpack-encoded. A room's sequence number and its capped event log are
updated together by one Lua script, so two processes can never hand out the same number.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import redis.asyncio as aioredis

from rooms.model import (
    AttendanceLedger,
    ChatMessage,
    Participant,
    Room,
    RoomEvent,
    Session,
    room_key,
)
from rooms.packing import pack as _pack
from rooms.packing import unpack as _unpack
from rooms.store import (
    DEFAULT_ATTENDANCE_RETENTION,
    DEFAULT_CHAT_LENGTH,
    DEFAULT_EVENT_LOG_LENGTH,
    entries_after,
)
from rooms.whiteboard import AppliedOp, BoardSettings, BoardSnapshot, UndoHistory

_APPEND = """
local seq = redis.call('INCR', KEYS[1])
redis.call('RPUSH', KEYS[2], tostring(seq) .. '|' .. ARGV[1])
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('SADD', KEYS[3], ARGV[3])
return seq
"""

# A board's op log is a sorted set scored by seq, so a snapshot's trim is one command.
_APPEND_BOARD_OP = """
local seq = redis.call('INCR', KEYS[1])
redis.call('ZADD', KEYS[2], seq, tostring(seq) .. '|' .. ARGV[1])
redis.call('SADD', KEYS[3], ARGV[2])
return seq
"""


# Everything kept per room (its key set names them for drop_session).
_ROOM_KEYS = ("seq", "log", "chat", "wbseq", "wblog", "wbsnap", "wbsettings", "wbundo")


def _text(data: bytes | str) -> str:
    return data.decode() if isinstance(data, bytes) else data


class RedisStore:
    def __init__(
        self,
        url: str,
        prefix: str = "fs",
        event_log_length: int = DEFAULT_EVENT_LOG_LENGTH,
        attendance_retention: float = DEFAULT_ATTENDANCE_RETENTION,
    ) -> None:
        self._redis: aioredis.Redis = aioredis.Redis.from_url(url, decode_responses=False)
        self._p = prefix
        self._log_length = event_log_length
        self._retention_ms = int(attendance_retention * 1000)
        self._append = self._redis.register_script(_APPEND)
        self._append_board_op = self._redis.register_script(_APPEND_BOARD_OP)

    def _k(self, *parts: str) -> str:
        return ":".join((self._p, *parts))

    async def get_session(self, session_id: str) -> Session | None:
        raw = await self._redis.get(self._k("session", session_id))
        return Session.from_dict(_unpack(raw)) if raw else None

    async def put_session(self, session: Session) -> None:
        await self._redis.set(self._k("session", session.id), _pack(session.to_dict()))

    async def get_room(self, session_id: str, room_id: str) -> Room | None:
        raw = await self._redis.hget(self._k("roomrecs", session_id), room_id)
        return Room.from_dict(_unpack(raw)) if raw else None

    async def put_room(self, room: Room) -> None:
        await self._redis.hset(
            self._k("roomrecs", room.session_id), room.id, _pack(room.to_dict())
        )

    async def get_participant(self, session_id: str, participant_id: str) -> Participant | None:
        raw = await self._redis.hget(self._k("people", session_id), participant_id)
        return Participant.from_dict(_unpack(raw)) if raw else None

    async def put_participant(self, participant: Participant) -> None:
        await self._redis.hset(
            self._k("people", participant.session_id),
            participant.id,
            _pack(participant.to_dict()),
        )

    async def delete_participant(self, session_id: str, participant_id: str) -> None:
        await self._redis.hdel(self._k("people", session_id), participant_id)

    async def list_participants(self, session_id: str) -> list[Participant]:
        raw = await self._redis.hvals(self._k("people", session_id))
        return sorted((Participant.from_dict(_unpack(r)) for r in raw), key=lambda p: p.seat)

    async def next_seat(self, session_id: str) -> int:
        return int(await self._redis.incr(self._k("seat", session_id)))

    async def append_event(self, room: str, name: str, payload: dict[str, Any]) -> RoomEvent:
        session_id = room.split("/", 1)[0]
        seq = await self._append(
            keys=[self._k("seq", room), self._k("log", room), self._k("rooms", session_id)],
            args=[_pack([name, payload]), self._log_length, room],
        )
        return RoomEvent(room=room, seq=int(seq), name=name, payload=payload)

    async def events_since(self, room: str, after_seq: int) -> list[RoomEvent] | None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(self._k("seq", room))
            pipe.lrange(self._k("log", room), 0, -1)
            raw_seq, entries = await pipe.execute()
        last = int(raw_seq) if raw_seq else 0
        if after_seq >= last:
            return None if after_seq > last else []  # nothing to unpack
        events = []
        for entry in entries:
            seq_text, blob = entry.split(b"|", 1)
            name, payload = _unpack(blob)
            events.append(RoomEvent(room=room, seq=int(seq_text), name=name, payload=payload))
        return entries_after(events, lambda e: e.seq, last, after_seq)

    async def last_seq(self, room: str) -> int:
        raw = await self._redis.get(self._k("seq", room))
        return int(raw) if raw else 0

    async def add_chat(self, message: ChatMessage) -> None:
        session_id = message.room.split("/", 1)[0]
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(self._k("chat", message.room), _pack(message.to_dict()))
            pipe.ltrim(self._k("chat", message.room), -DEFAULT_CHAT_LENGTH, -1)
            pipe.sadd(self._k("rooms", session_id), message.room)
            await pipe.execute()

    async def list_chat(self, room: str) -> list[ChatMessage]:
        raw = await self._redis.lrange(self._k("chat", room), 0, -1)
        return [ChatMessage.from_dict(_unpack(r)) for r in raw]

    async def remove_chat(self, room: str, message_id: str) -> ChatMessage | None:
        key = self._k("chat", room)
        # Rooms are pinned to one process, and that process serialises a session's
        # commands, so this read-modify-write has no competitor.
        for index, raw in enumerate(await self._redis.lrange(key, 0, -1)):
            message = ChatMessage.from_dict(_unpack(raw))
            if message.id == message_id:
                message.removed, message.text = True, ""
                await self._redis.lset(key, index, _pack(message.to_dict()))  # type: ignore[arg-type]
                return message
        return None

    async def drop_room(self, session_id: str, room_id: str) -> None:
        key = room_key(session_id, room_id)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hdel(self._k("roomrecs", session_id), room_id)
            pipe.delete(*(self._k(kind, key) for kind in _ROOM_KEYS))
            pipe.srem(self._k("rooms", session_id), key)
            await pipe.execute()

    # ---- whiteboards ----------------------------------------------------------------------
    def _rooms_of(self, board: str) -> str:
        return self._k("rooms", board.split("/", 1)[0])

    async def append_board_op(self, board: str, op: AppliedOp) -> AppliedOp:
        seq = await self._append_board_op(
            keys=[self._k("wbseq", board), self._k("wblog", board), self._rooms_of(board)],
            args=[_pack(op.to_dict()), board],
        )
        return replace(op, seq=int(seq))

    async def board_ops_since(self, board: str, after_seq: int) -> list[AppliedOp] | None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.get(self._k("wbseq", board))
            pipe.zrangebyscore(self._k("wblog", board), f"({after_seq}", "+inf")
            raw_seq, entries = await pipe.execute()
        ops = []
        for entry in entries:
            seq_text, blob = entry.split(b"|", 1)
            ops.append(replace(AppliedOp.from_dict(_unpack(blob)), seq=int(seq_text)))
        # The log's numbers have no gaps: it reaches back iff its first op follows after_seq.
        return entries_after(ops, lambda op: op.seq, int(raw_seq or 0), after_seq)

    async def board_seq(self, board: str) -> int:
        raw = await self._redis.get(self._k("wbseq", board))
        return int(raw) if raw else 0

    async def trim_board_ops(self, board: str, through_seq: int) -> None:
        await self._redis.zremrangebyscore(self._k("wblog", board), "-inf", through_seq)

    async def _put_board_record(self, key: str, board: str, record: dict[str, Any]) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(self._k(key, board), _pack(record))
            pipe.sadd(self._rooms_of(board), board)
            await pipe.execute()

    async def put_board_snapshot(self, board: str, snapshot: BoardSnapshot) -> None:
        await self._put_board_record("wbsnap", board, snapshot.to_dict())

    async def get_board_snapshot(self, board: str) -> BoardSnapshot | None:
        raw = await self._redis.get(self._k("wbsnap", board))
        return BoardSnapshot.from_dict(_unpack(raw)) if raw else None

    async def get_board_settings(self, board: str) -> BoardSettings | None:
        raw = await self._redis.get(self._k("wbsettings", board))
        return BoardSettings.from_dict(_unpack(raw)) if raw else None

    async def put_board_settings(self, board: str, settings: BoardSettings) -> None:
        await self._put_board_record("wbsettings", board, settings.to_dict())

    async def get_undo_history(self, board: str, participant_id: str) -> UndoHistory | None:
        raw = await self._redis.hget(self._k("wbundo", board), participant_id)
        return UndoHistory.from_dict(_unpack(raw)) if raw else None

    async def put_undo_history(
        self, board: str, participant_id: str, history: UndoHistory
    ) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hset(self._k("wbundo", board), participant_id, _pack(history.to_dict()))
            pipe.sadd(self._rooms_of(board), board)
            await pipe.execute()

    async def list_undo_histories(self, board: str) -> dict[str, UndoHistory]:
        raw = await self._redis.hgetall(self._k("wbundo", board))
        return {_text(k): UndoHistory.from_dict(_unpack(v)) for k, v in raw.items()}

    async def drop_session(self, session_id: str) -> None:
        rooms = await self._redis.smembers(self._k("rooms", session_id))
        keys = [
            self._k("session", session_id),
            self._k("people", session_id),
            self._k("seat", session_id),
            self._k("rooms", session_id),
            self._k("roomrecs", session_id),
        ]
        for room in rooms:
            name = _text(room)
            keys += [self._k(kind, name) for kind in _ROOM_KEYS]
        await self._redis.delete(*keys)

    async def get_attendance(self, session_id: str) -> AttendanceLedger | None:
        raw = await self._redis.get(self._k("attendance", session_id))
        return AttendanceLedger.from_dict(_unpack(raw)) if raw else None

    async def put_attendance(self, ledger: AttendanceLedger) -> None:
        # Its own key, outside drop_session's list; a plain SET also clears an expiry
        # set when the session ended, should it start again.
        key, value = self._k("attendance", ledger.session_id), _pack(ledger.to_dict())
        if ledger.ended_at is None:
            await self._redis.set(key, value)
        elif self._retention_ms > 0:
            await self._redis.set(key, value, px=self._retention_ms)
        else:
            await self._redis.delete(key)

    async def close(self) -> None:
        await self._redis.aclose()
