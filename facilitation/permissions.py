"""Who may do what: the one permission table every command is checked against."""

from __future__ import annotations

from enum import StrEnum

from facilitation.errors import ErrorCode, Refused
from rooms.model import Role


class Command(StrEnum):
    JOIN = "join"
    LEAVE = "leave"
    PUBLISH_AUDIO = "publish_audio"
    PUBLISH_VIDEO = "publish_video"
    SIGNAL = "signal"
    SYNC = "sync"
    MODERATE_MEDIA = "moderate_media"


_EVERYONE = frozenset(Role)
_PUBLISHERS = frozenset({Role.FACILITATOR, Role.COFACILITATOR, Role.PARTICIPANT})
_FACILITATORS = frozenset({Role.FACILITATOR, Role.COFACILITATOR})

PERMISSIONS: dict[Command, frozenset[Role]] = {
    Command.JOIN: _EVERYONE,
    Command.LEAVE: _EVERYONE,
    # Observers (trainees, supervisors) see and hear, never publish.
    Command.PUBLISH_AUDIO: _PUBLISHERS,
    Command.PUBLISH_VIDEO: _PUBLISHERS,
    # Observers still negotiate, to receive.
    Command.SIGNAL: _EVERYONE,
    Command.SYNC: _EVERYONE,
    # Stop a participant's audio/video at the server (the SFU drops it).
    Command.MODERATE_MEDIA: _FACILITATORS,
}


def allowed(role: Role, command: Command) -> bool:
    return role in PERMISSIONS[command]


def require(role: Role, command: Command) -> None:
    if not allowed(role, command):
        raise Refused(ErrorCode.NOT_PERMITTED)
