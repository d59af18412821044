"""The one interface all session state goes through.

Both backends (memory, Redis) pass the same contract tests in tests/rooms.
"""

from __future__ import annotations

from typing import Any, Protocol

from rooms.model import AttendanceLedger, ChatMessage, Participant, Room, RoomEvent, Session

# How many events each room keeps for clients catching up after a reconnect; a client
# further behind gets a fresh snapshot instead.
DEFAULT_EVENT_LOG_LENGTH = 512
# Chat messages kept per room (the oldest go first); a late joiner sees these.
DEFAULT_CHAT_LENGTH = 500
# How long the attendance ledger of an ended session is kept (for the clinic to fetch).
DEFAULT_ATTENDANCE_RETENTION = 24 * 3600.0


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

    async def drop_room(self, session_id: str, room_id: str) -> None:
        """Forget one room: its record, event log and chat (a private check-in that
        ended leaves nothing behind)."""
        ...

    async def drop_session(self, session_id: str) -> None:
        """Forget everything about a session (its participants, rooms and logs), but its
        attendance ledger."""
        ...

    async def get_attendance(self, session_id: str) -> AttendanceLedger | None: ...

    async def put_attendance(self, ledger: AttendanceLedger) -> None:
        """Keep a session's attendance ledger. Once it says the session ended, it is kept
        for the store's attendance retention and then forgotten; a session that starts
        again (a ledger without `ended_at`) is kept for as long as it runs."""
        ...

    async def close(self) -> None: ...
