"""What people may do in a session, and what follows from it. No transport here."""

from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import Delivery, Disconnect, ToParticipant, ToRoom
from facilitation.permissions import PERMISSIONS, Command
from facilitation.presence import JoinResult, Presence, RoomSnapshot, SyncResult

__all__ = [
    "PERMISSIONS",
    "Command",
    "Delivery",
    "Disconnect",
    "ErrorCode",
    "Identity",
    "JoinResult",
    "Presence",
    "Refused",
    "RoomSnapshot",
    "SyncResult",
    "ToParticipant",
    "ToRoom",
]
