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


Delivery = ToRoom | ToParticipant | Disconnect
