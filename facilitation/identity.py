"""Who is acting: what a verified join token says about its holder."""

from __future__ import annotations

from dataclasses import dataclass

from rooms.model import Role


@dataclass(frozen=True, slots=True)
class Identity:
    participant_id: str
    name: str
    session_id: str
    role: Role
    token_id: str
    expires_at: float
