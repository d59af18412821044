"""The engagement monitor: each participant's signals, and who "may be withdrawn" and why.

For facilitators only. Signals are what people do (talk, camera, whether their page is in
view, hands, chat, reactions), what they say of themselves (mood check-ins) and how their
connection fares (loss, reconnects); nothing watches faces or guesses emotions. They are
computed from the records (facilitation/activity.py keeps them) whenever asked: by
facilitators (`engagement.get`), and by a timer in signaling (`tick`) that pushes
`engagement.updated` to the facilitators every few seconds. Nothing here ever reaches a
participant: every delivery goes through `_to_facilitators`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from facilitation.base import SessionCommands
from facilitation.identity import Identity
from facilitation.mood import UPDATED as MOOD_UPDATED
from facilitation.mood import mood_view
from facilitation.outbox import Delivery
from facilitation.permissions import Command, is_facilitator
from facilitation.thresholds import Thresholds, is_low, mood_words
from rooms.model import WAITING_ROOM, Participant, Role

UPDATED = "engagement.updated"


# ---- the rules, on records ----------------------------------------------------------------
def _plural(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def duration_words(seconds: float) -> str:
    """"40 seconds", "12 minutes", "1 hour 5 minutes" (rounded down)."""
    s = int(max(0.0, seconds))
    if s < 60:
        return _plural(s, "second")
    minutes = s // 60
    if minutes < 60:
        return _plural(minutes, "minute")
    hours, minutes = divmod(minutes, 60)
    return _plural(hours, "hour") + (f" {_plural(minutes, 'minute')}" if minutes else "")


def talk_stretches(p: Participant, now: float) -> list[tuple[float, float]]:
    """When `p` spoke (recently), including the stretch going on now."""
    out = [(s[0], s[1]) for s in p.activity.talk]
    if p.speaking_since is not None:
        out.append((p.speaking_since, now))
    return out


def covered(stretches: Iterable[tuple[float, float]], start: float, end: float) -> float:
    """Seconds between `start` and `end` during which at least one stretch runs (people
    talking over each other count once)."""
    total, reach = 0.0, start
    for s, e in sorted(st for st in stretches if st[1] > start and st[0] < end):
        s, e = max(s, reach), min(e, end)
        if e > s:
            total += e - s
            reach = e
    return total


def talk_seconds(p: Participant, now: float) -> float:
    return p.talk_seconds + (now - p.speaking_since if p.speaking_since is not None else 0.0)


def signals(
    p: Participant,
    roommates: list[Participant],
    group_talk: float,
    th: Thresholds,
    now: float,
) -> dict[str, Any]:
    """One participant's signals and flag. `roommates`: the others in their room (whose
    talk their silence is measured against); `group_talk`: everyone's talk time."""
    a = p.activity
    speaking = p.speaking_since is not None
    talk = talk_seconds(p, now)
    silence_from = a.last_spoke_at if a.last_spoke_at is not None else p.joined_at
    silent = 0.0 if speaking else max(0.0, now - silence_from)
    others_talked = covered(
        (s for q in roommates for s in talk_stretches(q, now)), silence_from, now
    )
    camera_for = now - a.camera_off_since if a.camera_off_since is not None else 0.0
    away_for = now - a.away_since if a.away_since is not None else 0.0

    flags: list[str] = []
    reasons: list[str] = []
    if th.silent_seconds and silent >= th.silent_seconds and others_talked >= th.group_talk_seconds:
        flags.append("silent")
        reasons.append(f"silent for {duration_words(silent)} while others talked")
    if th.camera_off_seconds and camera_for >= th.camera_off_seconds:
        flags.append("camera_off")
        reasons.append(f"camera off for {duration_words(camera_for)}")
    if th.away_seconds and away_for >= th.away_seconds:
        flags.append("away")
        reasons.append(f"away for {duration_words(away_for)}")
    if a.mood is not None and is_low(a.mood, th):
        flags.append("mood_low")
        reasons.append(mood_words(a.mood))

    return {
        "participant_id": p.id,
        "name": p.name,
        "room_id": p.room_id,
        "seat": p.seat,
        "connection": "connected" if p.connected else "reconnecting",
        "talk_seconds": round(talk, 1),
        "talk_share": round(talk / group_talk, 3) if group_talk > 0 else None,
        "speaking": speaking,
        "silent_seconds": round(silent, 1),
        "others_talked_seconds": round(others_talked, 1),
        "last_spoke_at": now if speaking else a.last_spoke_at,
        "camera_off": a.camera_off_since is not None,
        "camera_off_for": round(camera_for, 1),
        "camera_off_seconds": round(a.camera_off_seconds + camera_for, 1),
        "away": a.away_since is not None,
        "away_for": round(away_for, 1),
        "away_seconds": round(a.away_seconds + away_for, 1),
        "hand_raises": a.hand_raises,
        "chat_messages": a.chat_messages,
        "reactions": a.reactions,
        "mood": a.mood,
        "loss": a.loss,
        "reconnects": p.reconnects,
        "flagged": bool(flags),
        "flags": flags,
        "reasons": reasons,
    }


def engagement_view(people: list[Participant], th: Thresholds, now: float) -> dict[str, Any]:
    """Every participant's signals (flagged first, then by seat) and the thresholds."""
    present = [q for q in people if q.room_id != WAITING_ROOM]
    group_talk = sum(talk_seconds(q, now) for q in present)
    rows = [
        signals(
            p, [q for q in present if q.room_id == p.room_id and q.id != p.id], group_talk, th, now
        )
        for p in present
        if p.role is Role.PARTICIPANT
    ]
    rows.sort(key=lambda r: (not r["flagged"], r["seat"]))
    return {"now": now, "settings": th.to_dict(), "participants": rows}


# ---- the commands -------------------------------------------------------------------------
class Engagement(SessionCommands):
    async def _view(self, session_id: str) -> dict[str, Any]:
        session = await self.store.get_session(session_id)
        people = await self.store.list_participants(session_id)
        return engagement_view(people, Thresholds.of(session), self.clock())

    async def get(self, identity: Identity) -> tuple[dict[str, Any], list[Delivery]]:
        """`engagement.get` (facilitators): the signals now."""
        actor = await self._actor(identity, Command.VIEW_ENGAGEMENT)
        await self._session(actor.session_id)
        return await self._view(actor.session_id), [self._audit(actor, "view_engagement")]

    async def tick(self, session_id: str) -> list[Delivery]:
        """The periodic update: the signals to every facilitator (none: nothing to do),
        and an open mood check-in's answers."""
        session = await self.store.get_session(session_id)
        if session is None or session.ended:
            return []
        people = await self.store.list_participants(session_id)
        if not any(is_facilitator(q.role) and q.room_id != WAITING_ROOM for q in people):
            return []
        view = engagement_view(people, Thresholds.of(session), self.clock())
        out: list[Delivery] = list(await self._to_facilitators(session_id, UPDATED, view))
        if session.mood_check is not None and session.mood_check["open"]:
            # Who is asked changes as people come and go: the summary's "n of m" follows.
            out += await self._to_facilitators(
                session_id, MOOD_UPDATED, mood_view(session, people)
            )
        return out
