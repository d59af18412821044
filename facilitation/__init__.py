"""What people may do in a session, and what follows from it. No transport here."""

from facilitation.admission import Admission
from facilitation.base import AdmissionPolicy, MediaPolicy, RoomSnapshot, SessionLocks
from facilitation.breakouts import Breakouts
from facilitation.chat import Chat
from facilitation.errors import ErrorCode, Refused
from facilitation.hands import Hands
from facilitation.identity import Identity
from facilitation.media import MediaControl
from facilitation.moderation import Moderation
from facilitation.outbox import (
    Audit,
    Delivery,
    Disconnect,
    EnforceMedia,
    EnterRoom,
    MediaTopology,
    ReleaseMedia,
    ToParticipant,
    ToRoom,
    ToRoomVolatile,
    WakeAt,
)
from facilitation.permissions import PERMISSIONS, Command
from facilitation.presence import JoinResult, Presence, SyncResult
from facilitation.whiteboard import Whiteboard

__all__ = [
    "PERMISSIONS",
    "Admission",
    "AdmissionPolicy",
    "Audit",
    "Breakouts",
    "Chat",
    "Command",
    "Delivery",
    "Disconnect",
    "EnforceMedia",
    "EnterRoom",
    "ErrorCode",
    "Hands",
    "Identity",
    "JoinResult",
    "MediaControl",
    "MediaPolicy",
    "MediaTopology",
    "Moderation",
    "Presence",
    "Refused",
    "ReleaseMedia",
    "RoomSnapshot",
    "SessionLocks",
    "SyncResult",
    "ToParticipant",
    "ToRoom",
    "ToRoomVolatile",
    "WakeAt",
    "Whiteboard",
]
