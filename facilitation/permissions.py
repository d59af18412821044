"""Who may do what: the one permission table every command is checked against.

Roles come from the participant's record (a co-facilitator can be promoted live), not
only from the join token.
"""

from __future__ import annotations

from collections.abc import Collection
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
    # Coming in
    ACCEPT_RULES = "accept_rules"
    ADMIT = "admit"  # admit, deny, admit all
    CONFIGURE_SESSION = "configure_session"  # lock, roster, ground rules text
    # During the session
    MUTE_OTHERS = "mute_others"  # mute one or all, stop a camera
    ASK_TO_UNMUTE = "ask_to_unmute"  # switch the mode, allow someone to unmute
    REQUEST_UNMUTE = "request_unmute"
    REMOVE = "remove"
    PROMOTE = "promote"
    SPOTLIGHT = "spotlight"
    END_SESSION = "end_session"
    RAISE_HAND = "raise_hand"  # raise or lower your own hand
    MANAGE_HANDS = "manage_hands"  # lower someone's hand, call the next
    CHAT_ROOM = "chat_room"
    CHAT_FACILITATORS = "chat_facilitators"
    REMOVE_CHAT = "remove_chat"
    # Breakouts
    RUN_BREAKOUTS = "run_breakouts"  # create, assign, open, extend, broadcast, move, close
    CHOOSE_BREAKOUT = "choose_breakout"  # when the facilitator lets people choose
    CALL_FACILITATOR = "call_facilitator"
    # Private check-ins
    CHECK_IN = "check_in"  # invite a participant to a private word
    ANSWER_CHECK_IN = "answer_check_in"  # accept, or "not now"
    END_CHECK_IN = "end_check_in"  # either of the two, or the facilitator cancelling
    # Records
    EXPORT_ATTENDANCE = "export_attendance"
    # Engagement
    REACT = "react"  # a passing reaction on your tile (thumbs up, heart, ...)
    REPORT_ACTIVITY = "report_activity"  # your page's visibility, your own talk time
    VIEW_ENGAGEMENT = "view_engagement"  # everyone's signals and the "may be withdrawn" flag
    RUN_MOOD_CHECK = "run_mood_check"  # start and end a mood check-in, see the answers
    ANSWER_MOOD = "answer_mood"
    # The whiteboard
    DRAW = "draw"  # add, change, delete your drawing; undo and redo your own; cursor
    DRAW_WHEN_LOCKED = "draw_when_locked"  # besides the drawers a facilitator chose
    CLEAR_WHITEBOARD = "clear_whiteboard"  # (undoable)
    DELETE_ANY_DRAWING = "delete_any_drawing"  # delete what someone else drew
    CONFIGURE_WHITEBOARD = "configure_whiteboard"  # lock it, choose who draws
    EXPORT_WHITEBOARD = "export_whiteboard"  # the board as SVG over the HTTP API


_EVERYONE = frozenset(Role)
_PUBLISHERS = frozenset({Role.FACILITATOR, Role.COFACILITATOR, Role.PARTICIPANT})
FACILITATORS = frozenset({Role.FACILITATOR, Role.COFACILITATOR})
_PARTICIPANTS = frozenset({Role.PARTICIPANT})
# Observers (trainees, supervisors) see and hear; they speak to the facilitators only.
_NOT_FACILITATORS = frozenset({Role.PARTICIPANT, Role.OBSERVER})

PERMISSIONS: dict[Command, frozenset[Role]] = {
    Command.JOIN: _EVERYONE,
    Command.LEAVE: _EVERYONE,
    # Observers see and hear, never publish.
    Command.PUBLISH_AUDIO: _PUBLISHERS,
    Command.PUBLISH_VIDEO: _PUBLISHERS,
    # Observers still negotiate, to receive.
    Command.SIGNAL: _EVERYONE,
    Command.SYNC: _EVERYONE,
    # Stop a participant's audio/video at the server (the SFU drops it).
    Command.MODERATE_MEDIA: FACILITATORS,
    Command.ACCEPT_RULES: _NOT_FACILITATORS,
    Command.ADMIT: FACILITATORS,
    Command.CONFIGURE_SESSION: FACILITATORS,
    Command.MUTE_OTHERS: FACILITATORS,
    Command.ASK_TO_UNMUTE: FACILITATORS,
    Command.REQUEST_UNMUTE: _PARTICIPANTS,
    Command.REMOVE: FACILITATORS,
    Command.PROMOTE: FACILITATORS,
    Command.SPOTLIGHT: FACILITATORS,
    Command.END_SESSION: FACILITATORS,
    Command.RAISE_HAND: _PUBLISHERS,
    Command.MANAGE_HANDS: FACILITATORS,
    Command.CHAT_ROOM: _PUBLISHERS,
    Command.CHAT_FACILITATORS: _EVERYONE,
    Command.REMOVE_CHAT: FACILITATORS,
    Command.RUN_BREAKOUTS: FACILITATORS,
    Command.CHOOSE_BREAKOUT: _PARTICIPANTS,
    Command.CALL_FACILITATOR: _NOT_FACILITATORS,
    Command.CHECK_IN: FACILITATORS,
    Command.ANSWER_CHECK_IN: _PARTICIPANTS,
    Command.END_CHECK_IN: _PUBLISHERS,
    Command.EXPORT_ATTENDANCE: FACILITATORS,
    Command.REACT: _PUBLISHERS,
    Command.REPORT_ACTIVITY: _PUBLISHERS,
    # Never shown to participants.
    Command.VIEW_ENGAGEMENT: FACILITATORS,
    Command.RUN_MOOD_CHECK: FACILITATORS,
    Command.ANSWER_MOOD: _PARTICIPANTS,
    # Observers watch the board; they never draw on it.
    Command.DRAW: _PUBLISHERS,
    Command.DRAW_WHEN_LOCKED: FACILITATORS,
    Command.CLEAR_WHITEBOARD: FACILITATORS,
    # Participants delete only their own drawing: nobody wipes out another's.
    Command.DELETE_ANY_DRAWING: FACILITATORS,
    Command.CONFIGURE_WHITEBOARD: FACILITATORS,
    Command.EXPORT_WHITEBOARD: FACILITATORS,
}


def allowed(role: Role, command: Command) -> bool:
    return role in PERMISSIONS[command]


def require(role: Role, command: Command) -> None:
    if not allowed(role, command):
        raise Refused(ErrorCode.NOT_PERMITTED)


def require_drawing(
    role: Role, participant_id: str, locked: bool, drawers: Collection[str]
) -> None:
    """Drawing on a room's board: the role must allow it, and on a locked board only
    those who draw on locked boards (facilitators) and the chosen drawers may."""
    require(role, Command.DRAW)
    if locked and not allowed(role, Command.DRAW_WHEN_LOCKED) and participant_id not in drawers:
        raise Refused(ErrorCode.WHITEBOARD_LOCKED)


def is_facilitator(role: Role) -> bool:
    return role in FACILITATORS
