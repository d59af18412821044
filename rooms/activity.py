"""One person's activity in a session, as the engagement monitor reads it.

Kept on the participant's record (`Participant.activity`), dropped with it, and seen by
facilitators only (facilitation/engagement.py decides what they see; `public_view` never
includes it). Counts and times only; the one text is the optional word of a mood answer,
which the person wrote for the facilitators.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(slots=True)
class Activity:
    # When they last stopped speaking, and their recent stretches of speech ([start, end],
    # oldest first, capped): others' silence is measured against these.
    last_spoke_at: float | None = None
    talk: list[list[float]] = field(default_factory=list)
    # The last activity report from their client (peer-to-peer talk time is capped by the
    # time since, so a client cannot claim more than wall time).
    reported_at: float | None = None
    # Page hidden or app in the background: since when (None: visible), and in total.
    away_since: float | None = None
    away_seconds: float = 0.0
    # Camera off: since when (None: on), and in total.
    camera_off_since: float | None = None
    camera_off_seconds: float = 0.0
    hand_raises: int = 0
    chat_messages: int = 0
    reactions: int = 0
    # Packet loss on their receiving connection, as their last SFU report said (0 to 1).
    loss: float | None = None
    # Their latest mood check-in answer: {check, scale, value, word, at}.
    mood: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Activity:
        return cls(**d) if d else cls()
