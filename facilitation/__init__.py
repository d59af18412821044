"""What people may do in a session, and what follows from it. No transport here."""

from facilitation.activity import ActivityReports
from facilitation.admission import Admission
from facilitation.attendance import Attendance
from facilitation.base import AdmissionPolicy, MediaPolicy, RoomSnapshot, SessionLocks
from facilitation.breakouts import Breakouts
from facilitation.chat import Chat
from facilitation.checkins import CheckIns
from facilitation.engagement import Engagement
from facilitation.errors import ErrorCode, Refused
from facilitation.hands import Hands
from facilitation.identity import Identity
from facilitation.media import MediaControl
from facilitation.moderation import Moderation
from facilitation.mood import Mood
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
    Webhook,
)
from facilitation.permissions import PERMISSIONS, Command
from facilitation.presence import JoinResult, Presence, SyncResult
from facilitation.reactions import Reactions
from facilitation.whiteboard import Whiteboard

__all__ = [
    "PERMISSIONS",
    "ActivityReports",
    "Admission",
    "AdmissionPolicy",
    "Attendance",
    "Audit",
    "Breakouts",
    "Chat",
    "CheckIns",
    "Command",
    "Delivery",
    "Disconnect",
    "EnforceMedia",
    "Engagement",
    "EnterRoom",
    "ErrorCode",
    "Hands",
    "Identity",
    "JoinResult",
    "MediaControl",
    "MediaPolicy",
    "MediaTopology",
    "Moderation",
    "Mood",
    "Presence",
    "Reactions",
    "Refused",
    "ReleaseMedia",
    "RoomSnapshot",
    "SessionLocks",
    "SyncResult",
    "ToParticipant",
    "ToRoom",
    "ToRoomVolatile",
    "WakeAt",
    "Webhook",
    "Whiteboard",
]
