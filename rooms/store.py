"""The one interface all session state goes through.

Both backends (memory, Redis) pass the same contract tests in tests/rooms.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from rooms.model import ChatMessage, Participant, Room, RoomEvent, Session
from rooms.whiteboard import AppliedOp, BoardSettings, BoardSnapshot, UndoHistory

# How many events each room keeps for clients catching up after a reconnect; a client
# further behind gets a fresh snapshot instead.
DEFAULT_EVENT_LOG_LENGTH = 512
# Chat messages kept per room (the oldest go first); a late joiner sees these.
DEFAULT_CHAT_LENGTH = 500

T = TypeVar("T")


def entries_after(
    entries: Sequence[T], seq_of: Callable[[T], int], last: int, after_seq: int
) -> list[T] | None:
    """The entries of a numbered, oldest-first log with seq > after_seq; None when the log
    no longer reaches back that far, or `after_seq` is beyond its last number."""
    if after_seq > last:
        return None
    if after_seq == last:
        return []
    oldest = seq_of(entries[0]) if entries else last + 1
    if after_seq + 1 < oldest:
        return None
    return [e for e in entries if seq_of(e) > after_seq]


class Store(Protocol):
    async def get_session(self, session_id: str) -> Session | None: ...

    async def put_session(self, session: Session) -> None: ...

    async def get_room(self, session_id: str, room_id: str) -> Room | None: ...

    async def put_room(self, room: Room) -> None: ...

    async def get_participant(self, session_id: str, participant_id: str) -> Participant | None: ...

    async def put_participant(self, participant: Participant) -> None: ...

    async def delete_participant(self, session_id: str, participant_id: str) -> None: ...

    async def list_participants(self, session_id: str) -> list[Participant]: ...

    async def next_seat(self, session_id: str) -> int:
        """A seat number not given before in this session (tiles are ordered by it)."""
        ...

    async def append_event(self, room: str, name: str, payload: dict[str, Any]) -> RoomEvent:
        """Give the event the room's next sequence number and keep it in the room's log."""
        ...

    async def events_since(self, room: str, after_seq: int) -> list[RoomEvent] | None:
        """Events with seq > after_seq, oldest first; None if the log no longer reaches back."""
        ...

    async def last_seq(self, room: str) -> int: ...

    async def add_chat(self, message: ChatMessage) -> None:
        """Keep a chat message in its room's history (capped)."""
        ...

    async def list_chat(self, room: str) -> list[ChatMessage]:
        """The room's kept chat messages, oldest first."""
        ...

    async def remove_chat(self, room: str, message_id: str) -> ChatMessage | None:
        """Mark a message removed (its text is dropped); None if there is no such message."""
        ...

    # ---- whiteboards: one per room, `board` is the room's key ------------------------------
    async def append_board_op(self, board: str, op: AppliedOp) -> AppliedOp:
        """Keep `op` in the board's log under the board's next sequence number (its own
        `seq` is ignored); returns it numbered."""
        ...

    async def board_ops_since(self, board: str, after_seq: int) -> list[AppliedOp] | None:
        """Ops with seq > after_seq, oldest first; None if the log no longer reaches back
        (or `after_seq` is beyond the board's last op)."""
        ...

    async def board_seq(self, board: str) -> int:
        """The board's last sequence number (0 for a board nobody drew on)."""
        ...

    async def trim_board_ops(self, board: str, through_seq: int) -> None:
        """Forget the ops with seq <= through_seq (a snapshot covers them)."""
        ...

    async def put_board_snapshot(self, board: str, snapshot: BoardSnapshot) -> None: ...

    async def get_board_snapshot(self, board: str) -> BoardSnapshot | None: ...

    async def get_board_settings(self, board: str) -> BoardSettings | None: ...

    async def put_board_settings(self, board: str, settings: BoardSettings) -> None: ...

    async def get_undo_history(self, board: str, participant_id: str) -> UndoHistory | None: ...

    async def put_undo_history(
        self, board: str, participant_id: str, history: UndoHistory
    ) -> None: ...

    async def list_undo_histories(self, board: str) -> dict[str, UndoHistory]:
        """Everyone's undo history on the board, by participant id."""
        ...

    async def drop_session(self, session_id: str) -> None:
        """Forget everything about a session (its participants, rooms, logs, chat and
        whiteboards)."""
        ...

    async def close(self) -> None: ...
