"""Mood check-in: a facilitator asks the group "How are you feeling right now?"; each
participant answers on a scale (1 to 10, or five faces) with an optional word, or skips.

Answers go to the facilitators only (`mood.updated`, with a summary) and feed the
engagement signals (a low answer flags the person). The check-in itself lives on the
session (one at a time: starting a new one replaces the last); each answer lives on the
person's record, so it goes when they do. The audit log notes that a check-in started and
ended, by its opaque id: never an answer or a word.
"""

from __future__ import annotations

import uuid
from typing import Any

from facilitation.base import SessionCommands
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import Delivery, ToParticipant
from facilitation.permissions import Command, allowed
from facilitation.thresholds import MOOD_SCALES, Thresholds, is_low
from rooms.model import WAITING_ROOM, Participant, Session

DEFAULT_QUESTION = "How are you feeling right now?"
MAX_QUESTION = 200
MAX_WORD = 40

ASKED = "mood.asked"
CLOSED = "mood.closed"
UPDATED = "mood.updated"


def _asked(people: list[Participant]) -> list[Participant]:
    """Who a check-in asks: the participants in a room (not facilitators, not observers,
    not people still waiting to come in)."""
    return [p for p in people
            if allowed(p.role, Command.ANSWER_MOOD) and p.room_id != WAITING_ROOM]


def question_for(session: Session, p: Participant) -> dict[str, Any] | None:
    """The open check-in's question for `p`, if they are asked and have not answered: so
    someone who comes in (or back) while it is open is asked too, not only those who were
    in a room when it started."""
    check = session.mood_check
    if check is None or not check["open"] or not _asked([p]):
        return None
    if p.activity.mood is not None and p.activity.mood.get("check") == check["id"]:
        return None
    return _question(check)


def _question(check: dict[str, Any]) -> dict[str, Any]:
    """What a participant is asked (`mood.asked`): never the answers or the summary."""
    return {"id": check["id"], "question": check["question"], "scale": check["scale"]}


def mood_view(session: Session, people: list[Participant]) -> dict[str, Any]:
    """The latest check-in, its answers and their summary (facilitators only)."""
    check = session.mood_check
    if check is None:
        return {"check": None, "answers": [], "summary": None}
    th = Thresholds.of(session)
    answered = [
        (p, p.activity.mood) for p in _asked(people)
        if p.activity.mood is not None and p.activity.mood.get("check") == check["id"]
    ]
    answers = sorted(
        (
            {"participant_id": p.id, "name": p.name, "value": m["value"],
             "word": m.get("word"), "at": m["at"]}
            for p, m in answered
        ),
        key=lambda a: a["at"],
    )
    values = [a["value"] for a in answers]
    summary = {
        "count": len(values),
        "asked": len(_asked(people)),
        "average": round(sum(values) / len(values), 1) if values else None,
        "low": [p.id for p, m in answered if is_low(m, th)],
    }
    return {"check": check, "answers": answers, "summary": summary}


class Mood(SessionCommands):
    async def _updated(self, session: Session) -> list[Delivery]:
        people = await self.store.list_participants(session.id)
        return list(await self._to_facilitators(session.id, UPDATED, mood_view(session, people)))

    async def _open_check(
        self, identity: Identity, command: Command, closed: str
    ) -> tuple[Participant, Session, dict[str, Any]]:
        """The actor, their session and its open check-in (call with the session lock)."""
        actor = await self._actor(identity, command)
        session = await self._session(actor.session_id)
        check = session.mood_check
        if check is None or not check["open"]:
            raise Refused(ErrorCode.NOT_FOUND, closed)
        return actor, session, check

    async def view(self, identity: Identity) -> dict[str, Any]:
        """The latest check-in as facilitators see it (with `engagement.get`)."""
        actor = await self._actor(identity, Command.RUN_MOOD_CHECK)
        session = await self._session(actor.session_id)
        return mood_view(session, await self.store.list_participants(session.id))

    async def start(
        self, identity: Identity, scale: str, question: str | None = None
    ) -> list[Delivery]:
        if scale not in MOOD_SCALES:
            raise Refused(ErrorCode.INVALID_PAYLOAD, "scale: 'ten' or 'faces'")
        question = (question or "").strip() or DEFAULT_QUESTION
        if len(question) > MAX_QUESTION:
            raise Refused(ErrorCode.PAYLOAD_TOO_LARGE, "The question is too long.")
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.RUN_MOOD_CHECK)
            session = await self._session(actor.session_id)
            check = {
                "id": uuid.uuid4().hex[:12],
                "question": question,
                "scale": scale,
                "open": True,
                "started_at": self.clock(),
                "ended_at": None,
            }
            session.mood_check = check
            await self.store.put_session(session)
            people = await self.store.list_participants(session.id)
            return [
                self._audit(actor, "start_mood_check", check=check["id"], scale=scale),
                *(ToParticipant(p.session_id, p.id, ASKED, _question(check))
                  for p in _asked(people)),
                *await self._updated(session),
            ]

    async def answer(
        self, identity: Identity, value: int, word: str | None = None
    ) -> list[Delivery]:
        """A participant's answer to the open check-in (answering again replaces it)."""
        word = (word or "").strip() or None
        if word is not None and len(word) > MAX_WORD:
            raise Refused(ErrorCode.PAYLOAD_TOO_LARGE, "The word is too long.")
        async with self._session_lock(identity.session_id):
            p, session, check = await self._open_check(
                identity, Command.ANSWER_MOOD, "The check-in has ended."
            )
            top = MOOD_SCALES[check["scale"]]
            if not 1 <= value <= top:
                raise Refused(ErrorCode.INVALID_PAYLOAD, f"value: from 1 to {top}")
            p.activity.mood = {
                "check": check["id"], "scale": check["scale"], "value": value,
                "word": word, "at": self.clock(),
            }
            await self.store.put_participant(p)
            return await self._updated(session)

    async def end(self, identity: Identity) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            actor, session, check = await self._open_check(
                identity, Command.RUN_MOOD_CHECK, "No check-in is open."
            )
            session.mood_check = {**check, "open": False, "ended_at": self.clock()}
            await self.store.put_session(session)
            people = await self.store.list_participants(session.id)
            closed = {"id": check["id"]}
            return [
                self._audit(actor, "end_mood_check", check=check["id"]),
                *(ToParticipant(p.session_id, p.id, CLOSED, closed) for p in _asked(people)),
                *await self._updated(session),
            ]
