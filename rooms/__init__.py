"""Domain state of group sessions: sessions, rooms, participants and their room event logs.

Everything here is plain data plus one store interface (`Store`) with two backends:
`MemoryStore` (one process, the embedded default) and `RedisStore` (shared by several
server processes). No sockets, no HTTP.
"""

from rooms.model import (
    MAIN_ROOM,
    MediaMode,
    Participant,
    Role,
    Room,
    RoomEvent,
    Session,
    room_key,
)
from rooms.store import Store

__all__ = [
    "MAIN_ROOM",
    "MediaMode",
    "Participant",
    "Role",
    "Room",
    "RoomEvent",
    "Session",
    "Store",
    "room_key",
]
