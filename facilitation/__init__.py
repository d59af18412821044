"""What people may do in a session, and what follows from it. No transport here."""

from facilitation.base import RoomSnapshot, SessionLocks
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.media import MediaControl, MediaPolicy
from facilitation.outbox import (
    Delivery,
    Disconnect,
    EnforceMedia,
    MediaTopology,
    ReleaseMedia,
    ToParticipant,
    ToRoom,
    ToRoomVolatile,
)
from facilitation.permissions import PERMISSIONS, Command
from facilitation.presence import JoinResult, Presence, SyncResult

__all__ = [
    "PERMISSIONS",
    "Command",
    "Delivery",
    "Disconnect",
    "EnforceMedia",
    "ErrorCode",
    "Identity",
    "JoinResult",
    "MediaControl",
    "MediaPolicy",
    "MediaTopology",
    "Presence",
    "Refused",
    "ReleaseMedia",
    "RoomSnapshot",
    "SessionLocks",
    "SyncResult",
    "ToParticipant",
    "ToRoom",
    "ToRoomVolatile",
]
