"""What a command asks the transport to deliver once state has changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rooms.model import RoomEvent


@dataclass(frozen=True, slots=True)
class ToRoom:
    """A numbered room event for every member of the room (optionally but one)."""

    event: RoomEvent
    exclude: str | None = None


@dataclass(frozen=True, slots=True)
class ToParticipant:
    """An unnumbered message for one participant (e.g. a relayed WebRTC signal)."""

    session_id: str
    participant_id: str
    name: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Disconnect:
    """Close a transport connection that no longer holds a seat."""

    connection_id: str
    code: str


@dataclass(frozen=True, slots=True)
class ToRoomVolatile:
    """A passing state for every member of a room (who is speaking): not numbered, not
    kept; a client that misses one loses nothing that matters."""

    room: str
    name: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class EnforceMedia:
    """Make the media plane drop (or forward again) a participant's audio and video."""

    session_id: str
    room_id: str
    participant_id: str
    audio_blocked: bool
    video_blocked: bool


@dataclass(frozen=True, slots=True)
class MediaTopology:
    """A room's media set-up changed (mesh <-> SFU, or a fresh SFU after a restart)."""

    session_id: str
    room_id: str
    mode: str
    epoch: int


@dataclass(frozen=True, slots=True)
class ReleaseMedia:
    """A participant is gone for good: free whatever the media plane holds for them."""

    session_id: str
    room_id: str
    participant_id: str


@dataclass(frozen=True, slots=True)
class EnterRoom:
    """Move a participant's connection into a room: it starts receiving the room's
    events, and gets `room.entered` with `payload` (the snapshot and chat history)."""

    session_id: str
    participant_id: str
    room: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Audit:
    """One line of the audit log: a facilitator's action. Opaque ids only: never a name,
    a chat text or any other content."""

    at: float
    session_id: str
    room_id: str | None
    actor: str
    action: str
    target: str | None = None
    detail: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        line: dict[str, Any] = {
            "time": self.at,
            "session": self.session_id,
            "room": self.room_id,
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
        }
        if self.detail:
            line["detail"] = self.detail
        return line


@dataclass(frozen=True, slots=True)
class WakeAt:
    """Ask the shell to call back (`Breakouts.due`) at `at`: the breakout timer."""

    session_id: str
    at: float


@dataclass(frozen=True, slots=True)
class Webhook:
    """An event for the clinic's system (facilitation/attendance.py), sent by signed
    webhook and kept until delivered. Opaque ids only: never a name or any content."""

    session_id: str
    event: str
    at: float
    data: dict[str, Any]


Delivery = (
    ToRoom
    | ToParticipant
    | Disconnect
    | ToRoomVolatile
    | EnforceMedia
    | MediaTopology
    | ReleaseMedia
    | EnterRoom
    | Audit
    | WakeAt
    | Webhook
)
