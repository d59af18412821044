"""Every error code a client can receive, in one list.

Commands raise `Refused`; the signaling layer turns it into
`{ok: false, error: {code, message}}`. Transport-level codes (bad payload, rate limit,
token problems) are listed here too so integrators find them all in one place.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    # Transport and validation
    INVALID_PAYLOAD = "invalid_payload"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNKNOWN_EVENT = "unknown_event"
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal_error"
    # Join tokens
    TOKEN_MISSING = "token_missing"
    TOKEN_INVALID = "token_invalid"
    TOKEN_EXPIRED = "token_expired"
    TOKEN_NOT_YET_VALID = "token_not_yet_valid"
    TOKEN_CLAIMS = "token_claims_invalid"
    TOKEN_WRONG_SESSION = "token_wrong_session"
    # Session and room rules
    NOT_JOINED = "not_joined"
    ALREADY_JOINED = "already_joined"
    NOT_PERMITTED = "not_permitted"
    NOT_IN_ROOM = "not_in_room"
    PEER_NOT_IN_ROOM = "peer_not_in_room"
    PEER_UNAVAILABLE = "peer_unavailable"
    SESSION_ENDED = "session_ended"
    MUTED_BY_FACILITATOR = "muted_by_facilitator"
    MEDIA_UNAVAILABLE = "media_unavailable"
    MEDIA_CHANGED = "media_changed"
    WAITING = "waiting"
    DENIED = "denied"
    REMOVED = "removed"
    SESSION_LOCKED = "session_locked"
    NOT_ON_ROSTER = "not_on_roster"
    UNMUTE_NOT_ALLOWED = "unmute_not_allowed"
    NOT_FOUND = "not_found"
    REPLACED = "replaced"
    # The whiteboard
    WHITEBOARD_LOCKED = "whiteboard_locked"
    WHITEBOARD_FULL = "whiteboard_full"
    NOTHING_TO_UNDO = "nothing_to_undo"
    NOTHING_TO_REDO = "nothing_to_redo"


# Plain words a client may show as they are.
MESSAGES: dict[ErrorCode, str] = {
    ErrorCode.INVALID_PAYLOAD: "The request was not in the expected form.",
    ErrorCode.PAYLOAD_TOO_LARGE: "The request was too large.",
    ErrorCode.UNKNOWN_EVENT: "The server does not know this request.",
    ErrorCode.RATE_LIMITED: "Too many requests; please slow down.",
    ErrorCode.INTERNAL: "Something went wrong on the server.",
    ErrorCode.TOKEN_MISSING: "This join link is incomplete.",
    ErrorCode.TOKEN_INVALID: "This join link is not valid.",
    ErrorCode.TOKEN_EXPIRED: "This join link has expired.",
    ErrorCode.TOKEN_NOT_YET_VALID: "This join link is not valid yet.",
    ErrorCode.TOKEN_CLAIMS: "This join link is missing information.",
    ErrorCode.TOKEN_WRONG_SESSION: "This join link is for a different session.",
    ErrorCode.NOT_JOINED: "Join the session first.",
    ErrorCode.ALREADY_JOINED: "You have already joined.",
    ErrorCode.NOT_PERMITTED: "Your role does not allow this.",
    ErrorCode.NOT_IN_ROOM: "You are not in that room.",
    ErrorCode.PEER_NOT_IN_ROOM: "That person is not in your room.",
    ErrorCode.PEER_UNAVAILABLE: "That person is not connected right now.",
    ErrorCode.SESSION_ENDED: "This session has ended.",
    ErrorCode.MUTED_BY_FACILITATOR: "The facilitator has muted you for now.",
    ErrorCode.MEDIA_UNAVAILABLE: "Audio and video are being set up again; please wait.",
    ErrorCode.MEDIA_CHANGED: "The room's audio and video set-up changed; follow the new one.",
    ErrorCode.WAITING: "Please wait: the facilitator will let you in shortly.",
    ErrorCode.DENIED: "The facilitator did not admit you to this session.",
    ErrorCode.REMOVED: "The facilitator has removed you from this session.",
    ErrorCode.SESSION_LOCKED: "This session is closed to newcomers right now.",
    ErrorCode.NOT_ON_ROSTER: "This session is for invited members only.",
    ErrorCode.UNMUTE_NOT_ALLOWED: "Please ask the facilitator, who will let you unmute.",
    ErrorCode.NOT_FOUND: "That no longer exists.",
    ErrorCode.REPLACED: "You joined from another window or device.",
    ErrorCode.WHITEBOARD_LOCKED: "Only the facilitators can draw on this board right now.",
    ErrorCode.WHITEBOARD_FULL: "The board is full: remove something before adding more.",
    ErrorCode.NOTHING_TO_UNDO: "There is nothing of yours to undo.",
    ErrorCode.NOTHING_TO_REDO: "There is nothing of yours to redo.",
}


class Refused(Exception):
    """A command that is not carried out; nothing was changed."""

    def __init__(self, code: ErrorCode, message: str | None = None) -> None:
        self.code = code
        self.message = message or MESSAGES[code]
        super().__init__(f"{code}: {self.message}")
