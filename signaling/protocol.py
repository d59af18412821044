"""The Socket.IO protocol: every event, its payload schema and its error codes.

This module is the single reference: the server validates every inbound payload here,
`web_client/src/protocol.ts` mirrors these shapes, and `docs/protocol.md` describes them
for integrators. Transport: Socket.IO over WebSocket only, msgpack parser.

Requests (client -> server) are acknowledged with `{ok: true, ...}` or
`{ok: false, error: {code, message}}`. Room events (server -> client) carry the room's
sequence number so a client can tell that it missed one.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from facilitation.board import (
    COORD_LIMIT,
    MAX_DELETE_IDS,
    MAX_DRAWERS,
    MAX_STROKE_POINTS,
    MAX_TEXT_CHARS,
    MAX_WIDTH,
    MIN_WIDTH,
    Add,
    Clear,
    Delete,
    Op,
    Update,
)
from facilitation.errors import MESSAGES, ErrorCode, Refused

# Limits on what a client may send.
MAX_MESSAGE_BYTES = 96 * 1024  # an SDP offer for a full mesh stays well under this
MAX_SDP_CHARS = 64 * 1024
MAX_CANDIDATE_CHARS = 1024
ID_PATTERN = r"^[A-Za-z0-9._:-]{1,64}$"

# Per connection: a token bucket (burst, then a steady rate per second).
RATE_BURST = 200
RATE_PER_SECOND = 50.0
# Chat, per connection: a few at once, then one every two seconds.
CHAT_BURST = 5
CHAT_PER_SECOND = 0.5
MAX_CHAT_CHARS = 1000
# Reactions and activity reports, per connection: a few at once, then one every two
# seconds (the web client reports on change and every few seconds at most).
REACTION_BURST = 3
REACTION_PER_SECOND = 0.5
ACTIVITY_BURST = 4
ACTIVITY_PER_SECOND = 0.5
# Whiteboard, per connection: drawing operations (a stroke is sent once, on pen-up, so a
# burst covers quick scribbling), and cursors (more are dropped silently).
WHITEBOARD_BURST = 60
WHITEBOARD_PER_SECOND = 20.0
CURSOR_BURST = 5
CURSOR_PER_SECOND = 15.0

ParticipantId = Annotated[str, Field(pattern=ID_PATTERN)]


class _Payload(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# ---- Connection (Socket.IO `auth` on connect) -------------------------------------------
class ConnectAuth(_Payload):
    """Sent as Socket.IO's `auth` when connecting. A refused connection gets
    `connect_error` with `data = {code, message}` (token_* codes)."""

    token: Annotated[str, Field(min_length=1, max_length=4096)]
    session: Annotated[str, Field(pattern=ID_PATTERN)]


# ---- Requests ------------------------------------------------------------------------------
class JoinRequest(_Payload):
    """`join`: take (or take back) your seat in the session.

    Ack: `{ok, self, room: {room, seq, participants}, resumed, missed, ice_servers,
    grace_seconds, session, chat, lobby, breakouts, mood}`; `missed` lists the room events
    after `last_seq` when the server still has them and you are still in `last_room` (on
    a reconnect), else null. `breakouts` is the breakout rooms' state (the whole plan for
    facilitators), as in `breakouts.public` / `breakouts.updated`. `mood` is the open mood
    check-in's question `{id, question, scale}` (as `mood.asked`) for a participant who has
    not answered it yet, else null."""

    # Your microphone and camera state; on a rejoin, null keeps what the server has.
    audio_muted: bool | None = None
    video_off: bool | None = None
    last_seq: Annotated[int, Field(ge=0)] | None = None
    # The room `last_seq` counts in (the snapshot's `room`): after a move between rooms
    # while away, the numbers of the old room say nothing about the new one.
    last_room: Annotated[str, Field(max_length=200)] | None = None


class LeaveRequest(_Payload):
    """`leave`: leave the session for good (the seat is given up at once)."""


class MediaUpdateRequest(_Payload):
    """`media.update`: report your own microphone / camera state."""

    audio_muted: bool | None = None
    video_off: bool | None = None


class SessionDescription(_Payload):
    type: Literal["offer", "answer"]
    sdp: Annotated[str, Field(min_length=1, max_length=MAX_SDP_CHARS)]


class IceCandidate(_Payload):
    candidate: Annotated[str, Field(max_length=MAX_CANDIDATE_CHARS)]
    sdpMid: Annotated[str, Field(max_length=32)] | None = None  # WebRTC's names
    sdpMLineIndex: Annotated[int, Field(ge=0, le=64)] | None = None
    usernameFragment: Annotated[str, Field(max_length=256)] | None = None


class SignalRequest(_Payload):
    """`signal`: WebRTC negotiation for one peer in your room, relayed as the `signal`
    event. `pc` names the sender's peer connection, so the receiver can tell a new
    connection (after a reload or reconnect) from a renegotiation of the current one."""

    to: ParticipantId
    pc: Annotated[str, Field(pattern=ID_PATTERN)]
    description: SessionDescription | None = None
    candidate: IceCandidate | None = None

    @model_validator(mode="after")
    def _one_of(self) -> SignalRequest:
        if (self.description is None) == (self.candidate is None):
            raise ValueError("exactly one of description and candidate")
        return self


class SyncRequest(_Payload):
    """`sync`: the room events after `since`. Ack: `{ok, events}` or, when the server no
    longer has them all, `{ok, snapshot}`."""

    room: Annotated[str, Field(min_length=1, max_length=140)]
    since: Annotated[int, Field(ge=0)]


# ---- The SFU (rooms whose `media.mode` is "sfu") ---------------------------------------
Epoch = Annotated[int, Field(ge=0)]


class SfuPublishRequest(_Payload):
    """`sfu.publish`: your camera and microphone to the SFU. Ack: `{ok, jsep}` (the
    SFU's answer). A new offer replaces your previous publication."""

    epoch: Epoch
    jsep: SessionDescription


class SfuSubscribeRequest(_Payload):
    """`sfu.subscribe`: receive everyone else. Ack: `{ok, jsep, streams}`: the SFU's
    offer (null while nobody publishes; it then comes as `sfu.offer`) and which
    participant each m-line (`mid`) carries."""

    epoch: Epoch


class SfuAnswerRequest(_Payload):
    """`sfu.answer`: your answer to the latest SFU offer."""

    epoch: Epoch
    jsep: SessionDescription


class SfuTrickleRequest(_Payload):
    """`sfu.trickle`: an ICE candidate for your publishing or receiving connection
    (null: gathering is complete)."""

    epoch: Epoch
    target: Literal["publisher", "subscriber"]
    candidate: IceCandidate | None = None


class SfuReceiveRequest(_Payload):
    """`sfu.receive`: how you receive: each tile's drawn height in device pixels (by
    participant id) and the packet loss on your receiving connection since the last
    report (0 to 1). The server picks the video layer for each tile and pauses video
    (audio only) when your connection cannot carry it. Ack: `{ok, video_paused}`."""

    epoch: Epoch
    tiles: Annotated[dict[ParticipantId, Annotated[int, Field(ge=0, le=8192)]],
                     Field(max_length=64)]
    loss: Annotated[float, Field(ge=0.0, le=1.0)]


class ModerateMediaRequest(_Payload):
    """`moderate.media` (facilitators): stop (true) or let through again (false) a
    participant's audio and/or video at the server. Enforced at the SFU; in peer-to-peer
    rooms the others' clients stop playing it. The person cannot lift it themselves."""

    participant_id: ParticipantId
    audio_blocked: bool | None = None
    video_blocked: bool | None = None


# ---- Coming in ----------------------------------------------------------------------------
class Empty(_Payload):
    """A request without fields."""


class ParticipantTarget(_Payload):
    participant_id: ParticipantId


class DenyRequest(_Payload):
    """`admission.deny` (facilitators): turn a waiting person away, with an optional
    message they see; their link no longer admits them to this session."""

    participant_id: ParticipantId
    message: Annotated[str, Field(max_length=300)] | None = None


# A time as Unix seconds, up to the year 2100.
UnixTime = Annotated[float, Field(ge=0, le=4_102_444_800, allow_inf_nan=False)]


# Seconds for an engagement threshold: up to four hours; 0 switches its rule off.
ThresholdSeconds = Annotated[float, Field(ge=0, le=4 * 3600, allow_inf_nan=False)]


class EngagementSettings(_Payload):
    """The thresholds of the "may be withdrawn" flag (facilitation/thresholds.py); those
    not given stay as they are."""

    silent_seconds: ThresholdSeconds | None = None
    group_talk_seconds: ThresholdSeconds | None = None
    camera_off_seconds: ThresholdSeconds | None = None
    away_seconds: ThresholdSeconds | None = None
    mood_low: Annotated[float, Field(ge=0, le=9, allow_inf_nan=False)] | None = None


class ConfigureSessionRequest(_Payload):
    """`session.configure` (facilitators): lock or unlock, the roster, the ground rules,
    when the session is scheduled (attendance measures late and early against it), and
    the engagement thresholds."""

    locked: bool | None = None
    roster_only: bool | None = None
    roster: Annotated[list[ParticipantId], Field(max_length=200)] | None = None
    rules_text: Annotated[str, Field(min_length=1, max_length=4000)] | None = None
    scheduled_start: UnixTime | None = None
    scheduled_end: UnixTime | None = None
    engagement: EngagementSettings | None = None


# ---- Facilitator controls -------------------------------------------------------------------
class MuteRequest(_Payload):
    """`moderate.mute` (facilitators): mute someone's microphone (`audio`) and/or stop
    their camera (`video`), at the server."""

    participant_id: ParticipantId
    audio: bool = False
    video: bool = False


class AskToUnmuteRequest(_Payload):
    """`moderate.ask_to_unmute` (facilitators): participants must ask before unmuting."""

    on: bool


class AllowUnmuteRequest(_Payload):
    """`unmute.allow` (facilitators): let one person (or, with null, everyone) unmute."""

    participant_id: ParticipantId | None = None


class RemoveRequest(_Payload):
    """`moderate.remove` (facilitators): take someone out; `keep_out` for the session."""

    participant_id: ParticipantId
    keep_out: bool = False


class PromoteRequest(_Payload):
    """`moderate.promote` (facilitators): make a participant co-facilitator, or back."""

    participant_id: ParticipantId
    role: Literal["cofacilitator", "participant"]


class SpotlightRequest(_Payload):
    """`room.spotlight` (facilitators): put someone first in everyone's layout."""

    participant_id: ParticipantId | None = None


class EndSessionRequest(_Payload):
    """`session.end` (facilitators): end the session for everyone, with a message."""

    message: Annotated[str, Field(max_length=500)] | None = None


class LowerHandRequest(_Payload):
    """`hand.lower`: your own hand, or (facilitators) someone else's."""

    participant_id: ParticipantId | None = None


class ChatSendRequest(_Payload):
    """`chat.send`: to everyone in your room, or privately to the facilitators."""

    to: Literal["room", "facilitators"]
    text: Annotated[str, Field(min_length=1, max_length=MAX_CHAT_CHARS)]
    # The room (its key) the client sent this for: refused with `not_in_room` when you
    # were moved meanwhile, so nothing lands in a room it was not meant for.
    room: Annotated[str, Field(max_length=200)] | None = None


class ChatRemoveRequest(_Payload):
    """`chat.remove` (facilitators): remove a message for everyone."""

    message_id: Annotated[str, Field(pattern=ID_PATTERN)]


# ---- Breakouts -------------------------------------------------------------------------------
RoomId = Annotated[str, Field(pattern=ID_PATTERN)]


class BreakoutsCreateRequest(_Payload):
    """`breakouts.create` (facilitators): new rooms with these names."""

    names: Annotated[list[Annotated[str, Field(min_length=1, max_length=60)]],
                     Field(min_length=1, max_length=20)]


class BreakoutsAssignRequest(_Payload):
    """`breakouts.assign` (facilitators): participant id -> room id ("main" to stay)."""

    assignments: Annotated[dict[ParticipantId, RoomId], Field(max_length=200)]


class BreakoutsRandomRequest(_Payload):
    """`breakouts.assign_randomly` (facilitators): everyone but `keep`, evenly."""

    keep: Annotated[list[ParticipantId], Field(max_length=200)] = []


class BreakoutsChoiceRequest(_Payload):
    """`breakouts.let_choose` (facilitators): participants may pick their room."""

    on: bool


class BreakoutsChooseRequest(_Payload):
    """`breakouts.choose` (participants, when allowed): go to this room."""

    room_id: RoomId


class BreakoutsOpenRequest(_Payload):
    """`breakouts.open` (facilitators): everyone goes to their room; optional timer."""

    duration_seconds: Annotated[int, Field(ge=5, le=4 * 3600)] | None = None


class BreakoutsExtendRequest(_Payload):
    """`breakouts.extend` (facilitators): more time."""

    seconds: Annotated[int, Field(ge=30, le=3600)]


class BreakoutsBroadcastRequest(_Payload):
    """`breakouts.broadcast` (facilitators): a message to every room at once."""

    text: Annotated[str, Field(min_length=1, max_length=500)]


class BreakoutsVisitRequest(_Payload):
    """`breakouts.visit` (facilitators): go into a room ("main" to come back)."""

    room_id: RoomId


# ---- Private check-ins ------------------------------------------------------------------------
class CheckInInviteRequest(_Payload):
    """`checkin.invite` (facilitators): ask a participant for a private word."""

    participant_id: ParticipantId


class CheckInAnswerRequest(_Payload):
    """`checkin.answer` (the invited participant): accept, or "not now"."""

    checkin_id: Annotated[str, Field(pattern=ID_PATTERN)]
    accept: bool


# ---- Engagement, mood check-in, reactions ------------------------------------------------------
class ReactionSendRequest(_Payload):
    """`reaction.send`: shown for a moment on your tile, for everyone in your room."""

    kind: Literal["thumbs_up", "heart", "clap", "smile", "wave"]


class ActivityReportRequest(_Payload):
    """`activity.report`: whether your page is in view (not another tab, not the app in
    the background), and in peer-to-peer rooms the seconds your microphone carried speech
    since your previous report (ignored in SFU rooms, where the server measures it)."""

    visible: bool
    speaking_seconds: Annotated[float, Field(ge=0, le=60, allow_inf_nan=False)] | None = None


class MoodStartRequest(_Payload):
    """`mood.start` (facilitators): ask the participants how they feel."""

    scale: Literal["ten", "faces"]
    question: Annotated[str, Field(max_length=200)] | None = None


class MoodAnswerRequest(_Payload):
    """`mood.answer` (participants): 1 to 10, or 1 to 5 on the faces scale, and a word."""

    value: Annotated[int, Field(ge=1, le=10)]
    word: Annotated[str, Field(max_length=40)] | None = None
# ---- The whiteboard: always the board of your current room ------------------------------
ElementId = Annotated[str, Field(pattern=ID_PATTERN)]
Coord = Annotated[float, Field(ge=-COORD_LIMIT, le=COORD_LIMIT, allow_inf_nan=False)]
Size = Annotated[float, Field(ge=0, le=COORD_LIMIT, allow_inf_nan=False)]
# [x, y, pressure], relative to the element's (x, y); pressure 0 to 1.
Point = Annotated[list[Coord], Field(min_length=3, max_length=3)]
Points = Annotated[list[Point], Field(max_length=MAX_STROKE_POINTS)]
Width = Annotated[float, Field(ge=MIN_WIDTH, le=MAX_WIDTH, allow_inf_nan=False)]
Colour = Annotated[str, Field(max_length=16)]  # one of the board's palette
BoardText = Annotated[str, Field(max_length=MAX_TEXT_CHARS)]


class NewElement(_Payload):
    """An element as a client draws it: `points` for strokes (1 to 2000) and lines and
    arrows (exactly 2), else []; `w`, `h` the size of rectangles, ellipses, text and notes;
    `text` for text and notes; `fill` a note colour or null."""

    id: ElementId
    kind: Literal["stroke", "line", "arrow", "rect", "ellipse", "text", "note"]
    x: Coord
    y: Coord
    w: Size
    h: Size
    points: Points
    color: Colour
    fill: Colour | None
    width: Width
    text: BoardText


class ElementChanges(_Payload):
    """Move, resize, recolour, edit the text: the fields given are changed."""

    x: Coord | None = None
    y: Coord | None = None
    w: Size | None = None
    h: Size | None = None
    points: Points | None = None
    color: Colour | None = None
    fill: Colour | None = None  # null: no fill (given as null, not left out)
    width: Width | None = None
    text: BoardText | None = None


class AddOp(_Payload):
    type: Literal["add"]
    element: NewElement


class UpdateOp(_Payload):
    type: Literal["update"]
    id: ElementId
    changes: ElementChanges


class DeleteOp(_Payload):
    type: Literal["delete"]
    ids: Annotated[list[ElementId], Field(min_length=1, max_length=MAX_DELETE_IDS)]


class ClearOp(_Payload):
    """(facilitators) everything on the board goes; undoable."""

    type: Literal["clear"]


class WhiteboardOpRequest(_Payload):
    """`whiteboard.op`: draw on your room's board. Ack: `{ok, seq}`; everyone in the room
    (you too) gets `whiteboard.applied`. `client_op_id` comes back in it."""

    op: Annotated[AddOp | UpdateOp | DeleteOp | ClearOp, Field(discriminator="type")]
    client_op_id: ElementId
    # The room (its key) the client sent this for: refused with `not_in_room` when you
    # were moved meanwhile, so nothing lands in a room it was not meant for.
    room: Annotated[str, Field(max_length=200)] | None = None

    def board_op(self) -> Op:
        op = self.op
        if isinstance(op, AddOp):
            return Add(op.element.model_dump())
        if isinstance(op, UpdateOp):
            # Only the fields the client gave: `fill: null` differs from no fill given.
            return Update(op.id, op.changes.model_dump(exclude_unset=True))
        if isinstance(op, DeleteOp):
            return Delete(list(op.ids))
        return Clear()


class WhiteboardUndoRequest(_Payload):
    """`whiteboard.undo` / `whiteboard.redo`: take back (or do again) your latest own
    operation. Ack: `{ok, seq}`."""

    # The room (its key) the client sent this for: refused with `not_in_room` when you
    # were moved meanwhile, so nothing lands in a room it was not meant for.
    room: Annotated[str, Field(max_length=200)] | None = None


class WhiteboardSyncRequest(_Payload):
    """`whiteboard.sync`: the ops after `since` (your last seq), or with null (or when
    the server no longer has them all) the whole board. Ack: `{ok, board: {seq, settings,
    snapshot, ops, hash}}`."""

    since: Annotated[int, Field(ge=0)] | None = None


class WhiteboardCursorRequest(_Payload):
    """`whiteboard.cursor`: where you point on the board; no ack needed. Everyone in the
    room gets the room's cursors in one `whiteboard.cursors` ten times a second (skip your
    own); more than 15 a second are dropped silently."""

    x: Coord
    y: Coord
    # The room (its key) the client sent this for: refused with `not_in_room` when you
    # were moved meanwhile, so nothing lands in a room it was not meant for.
    room: Annotated[str, Field(max_length=200)] | None = None


class WhiteboardConfigureRequest(_Payload):
    """`whiteboard.configure` (facilitators): "open" (everyone in the room draws) or
    "locked" (only facilitators and the listed `drawers`). Ack: `{ok, settings}`."""

    mode: Literal["open", "locked"]
    drawers: Annotated[list[ParticipantId], Field(max_length=MAX_DRAWERS)] = []


REQUESTS: dict[str, type[_Payload]] = {
    "join": JoinRequest,
    "leave": LeaveRequest,
    "media.update": MediaUpdateRequest,
    "signal": SignalRequest,
    "sync": SyncRequest,
    "sfu.publish": SfuPublishRequest,
    "sfu.subscribe": SfuSubscribeRequest,
    "sfu.answer": SfuAnswerRequest,
    "sfu.trickle": SfuTrickleRequest,
    "sfu.receive": SfuReceiveRequest,
    "moderate.media": ModerateMediaRequest,
    "rules.accept": Empty,
    "admission.admit": ParticipantTarget,
    "admission.admit_all": Empty,
    "admission.deny": DenyRequest,
    "session.configure": ConfigureSessionRequest,
    "moderate.mute": MuteRequest,
    "moderate.mute_all": Empty,
    "moderate.ask_to_unmute": AskToUnmuteRequest,
    "unmute.request": Empty,
    "unmute.allow": AllowUnmuteRequest,
    "moderate.remove": RemoveRequest,
    "moderate.promote": PromoteRequest,
    "room.spotlight": SpotlightRequest,
    "session.end": EndSessionRequest,
    "hand.raise": Empty,
    "hand.lower": LowerHandRequest,
    "hand.next": Empty,
    "chat.send": ChatSendRequest,
    "chat.remove": ChatRemoveRequest,
    "breakouts.create": BreakoutsCreateRequest,
    "breakouts.assign": BreakoutsAssignRequest,
    "breakouts.assign_randomly": BreakoutsRandomRequest,
    "breakouts.let_choose": BreakoutsChoiceRequest,
    "breakouts.choose": BreakoutsChooseRequest,
    "breakouts.open": BreakoutsOpenRequest,
    "breakouts.extend": BreakoutsExtendRequest,
    "breakouts.broadcast": BreakoutsBroadcastRequest,
    "breakouts.visit": BreakoutsVisitRequest,
    "breakouts.close": Empty,
    "breakouts.help": Empty,
    "checkin.invite": CheckInInviteRequest,
    "checkin.answer": CheckInAnswerRequest,
    # Either of the two ends it (the facilitator may withdraw an invitation); harmless twice.
    "checkin.end": Empty,
    # Ack: `{ok, attendance, csv}` (facilitators): the ledger as JSON and as CSV text.
    "attendance.export": Empty,
    "reaction.send": ReactionSendRequest,
    "activity.report": ActivityReportRequest,
    # Ack: `{ok, engagement, mood}` (facilitators): as `engagement.updated`, `mood.updated`.
    "engagement.get": Empty,
    "mood.start": MoodStartRequest,
    "mood.answer": MoodAnswerRequest,
    "mood.end": Empty,
    "whiteboard.op": WhiteboardOpRequest,
    "whiteboard.undo": WhiteboardUndoRequest,
    "whiteboard.redo": WhiteboardUndoRequest,
    "whiteboard.sync": WhiteboardSyncRequest,
    "whiteboard.cursor": WhiteboardCursorRequest,
    "whiteboard.configure": WhiteboardConfigureRequest,
}

# ---- Server events --------------------------------------------------------------------------
# Name -> description. Room events arrive as `room.event` {room, seq, name, payload}.
SERVER_EVENTS: dict[str, str] = {
    "room.event": "A numbered change in your room: {room, seq, name, payload}.",
    "signal": "WebRTC negotiation from a peer: {from, pc, description | candidate}.",
    "session.closed": "The server is closing this connection: {code, message}.",
    "sfu.offer": "A new SFU offer for your receiving connection: {room, epoch, jsep, streams}.",
    "participant.speaking": "{room, participant_id, speaking}: not numbered, not kept.",
    "room.entered": "{self, room, chat, session, breakouts, mood}: you are now in this room.",
    "waiting.status": "{admitted, rules_accepted, rules_required}: where you stand while waiting.",
    "waiting.updated": "{waiting: [...]}: (facilitators) who waits to be admitted.",
    "admission.denied": "{code, message}: a facilitator did not admit you.",
    "unmute.allowed": "{}: a facilitator lets you unmute.",
    "session.ended": "{message}: the facilitator ended the session.",
    "chat.message": "{room, message}: a chat message you may see.",
    "chat.removed": "{room, id}: a facilitator removed a message.",
    "breakouts.updated": "{rooms, open, end_at, now, self_select, assignments, people}:"
    " (facilitators).",
    "breakouts.public": "{rooms, open, end_at, now, self_select}: the rooms and the timer.",
    "breakout.moving": "{room_id, name}: you are going to this room.",
    "breakout.warning": "{seconds_left}: the rooms close soon.",
    "breakout.broadcast": "{text, from, name}: a facilitator's message to every room.",
    "breakout.help": "{participant_id, name, room_id}: (facilitators) someone asks for you.",
    "checkin.invited": "{checkin_id, facilitator_id, name}: a facilitator asks you for a word.",
    "checkin.updated": "{checkin_id, state, participant_id?, name?}: invited, declined, active,"
    " withdrawn or ended.",
    "checkin.stepped_out": "{participant_id, name}: a facilitator stepped out for a moment.",
    "reaction.shown": "{room, participant_id, kind}: a reaction on someone's tile; not kept.",
    "engagement.updated": "{now, settings, participants}: (facilitators) everyone's signals.",
    "mood.asked": "{id, question, scale}: (participants) a mood check-in to answer or skip.",
    "mood.closed": "{id}: (participants) the check-in ended.",
    "mood.updated": "{check, answers, summary}: (facilitators) the check-in's answers.",
    "whiteboard.applied": (
        "{room, op: {seq, author, client_op_id, kind, elements}}: an operation on your "
        "room's board, numbered by the board's own seq; a gap means: whiteboard.sync."
    ),
    "whiteboard.cursors": "{room, cursors: [{participant_id, name, x, y}]}: where people"
    " point, ten times a second at most; not kept.",
    "whiteboard.settings": "{room, settings: {mode, drawers}}: who may draw now.",
}

ROOM_EVENTS: dict[str, str] = {
    "participant.joined": "{participant}: someone took a seat in the room.",
    "participant.updated": "{participant}: media or connection state changed.",
    "participant.left": (
        "{participant_id, reason}: 'left', 'connection_lost', 'removed' or 'moved'."
    ),
    "room.media": "{mode, epoch}: the room's media set-up changed; set up media again.",
    "hands.updated": "{queue, called}: raised hands in order; `called` was just called.",
    "room.spotlight": "{participant_id}: whom everyone's layout puts first (or null).",
    "session.updated": "{locked, ask_to_unmute, roster_only}: the session's settings.",
}


def ok(**fields: Any) -> dict[str, Any]:
    return {"ok": True, **fields}


def error(code: ErrorCode, message: str | None = None) -> dict[str, Any]:
    return {"ok": False, "error": {"code": code.value, "message": message or MESSAGES[code]}}


def parse(event: str, data: Any) -> _Payload:
    """Validate an inbound payload; raise `Refused` with a clear code if it is not valid."""
    model = REQUESTS.get(event)
    if model is None:
        raise Refused(ErrorCode.UNKNOWN_EVENT)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Refused(ErrorCode.INVALID_PAYLOAD, "The request must be an object.")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "request"
        code = (
            ErrorCode.PAYLOAD_TOO_LARGE
            if first["type"] in ("string_too_long", "too_long")
            else ErrorCode.INVALID_PAYLOAD
        )
        raise Refused(code, f"{where}: {first['msg']}") from None
