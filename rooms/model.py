"""Plain records of session state, and their (msgpack-friendly) dict form."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from rooms.activity import Activity

MAIN_ROOM = "main"
# Where people wait until a facilitator admits them (not a room: nobody sees anybody).
WAITING_ROOM = "waiting"

DEFAULT_GROUND_RULES = (
    "What is shared in the group stays in the group: please do not record, "
    "screenshot or repeat what others say.\n"
    "Listen with respect; speak for yourself, and let others finish.\n"
    "Join on time and from a private place where others cannot overhear.\n"
    "If you need a break, it is fine to turn your camera off for a moment."
)


class Role(StrEnum):
    FACILITATOR = "facilitator"
    COFACILITATOR = "cofacilitator"
    PARTICIPANT = "participant"
    OBSERVER = "observer"


# Rooms whose id starts so are private check-ins: a facilitator and one participant,
# always peer to peer (no server sees the media), forgotten when the check-in ends.
CHECKIN_PREFIX = "checkin-"


def is_private_room(room_id: str) -> bool:
    return room_id.startswith(CHECKIN_PREFIX)


def room_key(session_id: str, room_id: str) -> str:
    """The key a room's event log and sequence number live under."""
    return f"{session_id}/{room_id}"


@dataclass(slots=True)
class Session:
    """A group session as the clinic scheduled it."""

    id: str
    created_at: float
    ended: bool = False
    # Coming in: no new admissions while locked; with roster_only, only the listed
    # participant ids may wait to be admitted; kept_out ids were removed for good.
    locked: bool = False
    roster_only: bool = False
    roster: list[str] = field(default_factory=list)
    kept_out: list[str] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)
    rules_text: str = DEFAULT_GROUND_RULES
    # Participants may unmute only when a facilitator allows it.
    ask_to_unmute: bool = False
    # Breakout rooms: [{id, name}], who goes where (participant id -> room id; absent or
    # "main": stays in the main room), whether they are open and until when.
    breakouts: list[dict[str, str]] = field(default_factory=list)
    assignments: dict[str, str] = field(default_factory=dict)
    breakouts_open: bool = False
    breakouts_end_at: float | None = None
    breakouts_self_select: bool = False
    # Private check-ins by id: {id, facilitator, participant, state ("invited" or
    # "active"), invited_at, started_at, back: {participant id: room to return to}}.
    checkins: dict[str, dict[str, Any]] = field(default_factory=dict)
    # When the clinic scheduled it (Unix seconds): attendance measures late arrivals and
    # early leaves against these.
    scheduled_start: float | None = None
    scheduled_end: float | None = None
    # Engagement: the facilitators' thresholds (overriding the defaults of
    # facilitation/engagement.py), and the latest mood check-in {id, question, scale, open,
    # started_at, ended_at} (the answers stay on each participant's record).
    engagement: dict[str, float] = field(default_factory=dict)
    mood_check: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Session:
        return cls(**d)

    def public_view(self) -> dict[str, Any]:
        """The session's settings as everyone in it may see them."""
        return {
            "locked": self.locked,
            "ask_to_unmute": self.ask_to_unmute,
            "roster_only": self.roster_only,
        }


class MediaMode(StrEnum):
    MESH = "mesh"  # peer to peer: the server only relays negotiation
    SFU = "sfu"  # through the selective forwarding unit (Janus)


@dataclass(slots=True)
class Room:
    """A room of a session (the main room; later breakouts and check-ins).

    `media_epoch` counts media set-ups: every change of topology or SFU restart bumps it,
    and clients renegotiate all media when it changes.
    """

    session_id: str
    id: str
    media_mode: MediaMode = MediaMode.MESH
    media_epoch: int = 0
    # Whom everyone's layout puts first, if anyone.
    spotlight: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["media_mode"] = self.media_mode.value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Room:
        d = dict(d)
        d["media_mode"] = MediaMode(d["media_mode"])
        return cls(**d)

    def media_view(self) -> dict[str, Any]:
        return {"mode": self.media_mode.value, "epoch": self.media_epoch}


@dataclass(slots=True)
class ChatMessage:
    """One chat message. `to` is "room" (everyone in the room) or "facilitators"."""

    id: str
    room: str
    sender: str
    sender_name: str
    to: str
    text: str
    at: float
    removed: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChatMessage:
        return cls(**d)

    def view(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "from": self.sender,
            "name": self.sender_name,
            "to": self.to,
            "text": "" if self.removed else self.text,
            "at": self.at,
            "removed": self.removed,
        }


@dataclass(slots=True)
class Participant:
    """One person's seat in a session.

    The seat survives a dropped connection for the grace period: `connected` goes false,
    `disconnected_at` is set, and a rejoin with the same token id takes the same record back.
    """

    id: str
    session_id: str
    name: str
    role: Role
    room_id: str = MAIN_ROOM
    seat: int = 0
    joined_at: float = 0.0
    audio_muted: bool = False
    video_off: bool = False
    # Set by a facilitator and enforced by the server: media is dropped at the SFU (or
    # not played by peers) and the person cannot lift it themselves.
    audio_blocked: bool = False
    video_blocked: bool = False
    # Held at the server after a facilitator's mute (or a mute in ask-to-unmute mode):
    # dropped like a block, but lifted when the person may and does unmute.
    audio_held: bool = False
    video_held: bool = False
    # Talk time, from the SFU's audio levels (in peer-to-peer rooms from the person's own
    # client, see facilitation/activity.py); read by the engagement monitor.
    talk_seconds: float = 0.0
    speaking_since: float | None = None
    # Coming in: admitted by a facilitator (facilitators are admitted at once), and
    # when the ground rules were accepted.
    admitted: bool = True
    waiting_since: float | None = None
    rules_accepted_at: float | None = None
    # In ask-to-unmute mode: a facilitator allowed this person to unmute.
    may_unmute: bool = False
    unmute_requested: bool = False
    hand_raised_at: float | None = None
    connected: bool = True
    disconnected_at: float | None = None
    # Opaque id of the transport connection currently holding the seat.
    connection_id: str = ""
    reconnects: int = 0
    extra: dict[str, Any] = field(default_factory=dict)
    # What the engagement monitor reads (facilitators only; never in public_view).
    activity: Activity = field(default_factory=Activity)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["role"] = self.role.value
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Participant:
        d = dict(d)
        d["role"] = Role(d["role"])
        d["activity"] = Activity.from_dict(d.get("activity"))
        return cls(**d)

    def public_view(self) -> dict[str, Any]:
        """What every member of the room may see of this participant."""
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role.value,
            "seat": self.seat,
            "audio_muted": self.audio_muted,
            "video_off": self.video_off,
            # What the server stops (peers in a mesh stop playing it too).
            "audio_blocked": self.audio_blocked or self.audio_held,
            "video_blocked": self.video_blocked or self.video_held,
            "may_unmute": self.may_unmute,
            "unmute_requested": self.unmute_requested,
            "connection": "connected" if self.connected else "reconnecting",
        }


@dataclass(slots=True, frozen=True)
class RoomEvent:
    """A state change in a room, numbered by the room's own sequence."""

    room: str
    seq: int
    name: str
    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"room": self.room, "seq": self.seq, "name": self.name, "payload": self.payload}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RoomEvent:
        return cls(room=d["room"], seq=d["seq"], name=d["name"], payload=d["payload"])


@dataclass(slots=True)
class AttendanceEntry:
    """One person's attendance, under their opaque participant id. The name is kept for
    the facilitator's export only (facilitation/attendance.py decides what else sees it).
    """

    participant_id: str
    name: str
    role: str
    # First opened their link (the waiting room counts: waiting is not being late).
    arrived_at: float
    # First came into the group (admitted, ground rules accepted).
    admitted_at: float | None = None
    rules_accepted_at: float | None = None
    # Each stretch in the group as [start, end]; end is None while there.
    intervals: list[list[float | None]] = field(default_factory=list)
    # Times they came back after dropping out or leaving.
    reconnects: int = 0
    # "waiting", "present", "reconnecting" (dropped, seat held), "left", "denied",
    # "not_admitted" (never let in).
    status: str = "waiting"
    left_reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AttendanceEntry:
        return cls(**d)


@dataclass(slots=True)
class AttendanceLedger:
    """Who attended a session. Unlike the rest of a session's state it outlives the
    session's end: the store keeps it for a retention period, for the clinic's records."""

    session_id: str
    scheduled_start: float | None = None
    scheduled_end: float | None = None
    ended_at: float | None = None
    entries: dict[str, AttendanceEntry] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AttendanceLedger:
        d = dict(d)
        d["entries"] = {k: AttendanceEntry.from_dict(v) for k, v in d["entries"].items()}
        return cls(**d)
