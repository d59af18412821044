"""The engagement thresholds a session runs with, and the mood scales they read.

Facilitators change the thresholds per session (`session.configure` {engagement}); what
they leave unset keeps the defaults below. A threshold of 0 switches its rule off.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from facilitation.errors import ErrorCode, Refused
from rooms.model import Session

# How a mood check-in is answered: 1 to 10, or one of five faces (1 = very low).
MOOD_SCALES: dict[str, int] = {"ten": 10, "faces": 5}
FACE_WORDS = ("very low", "low", "okay", "good", "very good")


@dataclass(frozen=True, slots=True)
class Thresholds:
    """When someone "may be withdrawn" (any one rule is enough)."""

    # Silent this long, while the others in the room talked at least group_talk_seconds
    # in that time (the silence counts from when they last spoke, or joined).
    silent_seconds: float = 600.0
    group_talk_seconds: float = 180.0
    # Camera off this long without a break.
    camera_off_seconds: float = 300.0
    # Page hidden or app in the background this long without a break.
    away_seconds: float = 120.0
    # Their latest mood answer at or below this, out of 10 (faces count 2 each).
    mood_low: float = 3.0

    @classmethod
    def of(cls, session: Session | None) -> Thresholds:
        overrides = session.engagement if session else {}
        known = {k: float(v) for k, v in overrides.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


SETTING_NAMES = tuple(Thresholds.__dataclass_fields__)


def set_thresholds(session: Session, settings: dict[str, float]) -> dict[str, float]:
    """Change some of the session's thresholds; returns those that changed."""
    if set(settings) - set(SETTING_NAMES):
        raise Refused(ErrorCode.INVALID_PAYLOAD, "engagement: unknown setting")
    changed = {k: float(v) for k, v in settings.items() if session.engagement.get(k) != float(v)}
    session.engagement = {**session.engagement, **changed}
    return changed


def out_of_ten(answer: dict[str, Any]) -> float:
    """A mood answer on the 1-to-10 scale, whichever scale it was given on."""
    top = MOOD_SCALES.get(str(answer.get("scale")), 10)
    return float(answer["value"]) * 10 / top


def is_low(answer: dict[str, Any], thresholds: Thresholds) -> bool:
    return thresholds.mood_low > 0 and out_of_ten(answer) <= thresholds.mood_low


def mood_words(answer: dict[str, Any]) -> str:
    """An answer as facilitators read it: "mood 2/10", "mood 1/5 (very low)"."""
    value, scale = int(answer["value"]), str(answer.get("scale"))
    if scale == "faces":
        return f"mood {value}/5 ({FACE_WORDS[value - 1]})"
    return f"mood {value}/10"
