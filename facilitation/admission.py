"""Coming in: the waiting room, the ground rules, locking and the roster.

A participant who opens a link waits until a facilitator admits them, and reads and
accepts the group's ground rules; once both are done they enter the main room.
Facilitators come straight in. Denied and removed people are kept out for the session.
"""

from __future__ import annotations

from typing import Any

from facilitation import attendance
from facilitation.base import SessionCommands
from facilitation.engagement import UPDATED as ENGAGEMENT_UPDATED
from facilitation.engagement import engagement_view
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import Audit, Delivery, Disconnect, ToParticipant
from facilitation.permissions import Command, require
from facilitation.thresholds import Thresholds, set_thresholds
from rooms.model import MAIN_ROOM, WAITING_ROOM, Participant, Session

SESSION_UPDATED = "session.updated"
MAX_ROSTER = 200


class Admission(SessionCommands):
    async def _ready_to_enter(self, p: Participant, tell_plan: bool = True) -> list[Delivery]:
        """Enter the main room when admitted and the rules are accepted (as required);
        otherwise tell the person where they stand. `tell_plan`: update the facilitators'
        breakout plan now (admitting everyone does it once, at the end)."""
        rules_done = p.rules_accepted_at is not None or not self.admission.ground_rules
        if p.admitted and rules_done:
            entering = list(await self._enter(p, MAIN_ROOM))
            if tell_plan:
                entering += await self._plan_followers(p.session_id)
            return entering + await attendance.entered(self.store, p, self.clock())
        await self.store.put_participant(p)
        await attendance.arrived(self.store, p, self.clock())  # the rules accepted, maybe
        status = {
            "admitted": p.admitted,
            "rules_accepted": p.rules_accepted_at is not None,
            "rules_required": self.admission.ground_rules,
        }
        return [
            ToParticipant(p.session_id, p.id, "waiting.status", status),
            *await self._waiting_changed(p.session_id),
        ]

    async def _waiting(self, actor: Participant, participant_id: str) -> Participant:
        p = await self._other(actor, participant_id)
        if p.room_id != WAITING_ROOM:
            raise Refused(ErrorCode.NOT_FOUND, "That person is not waiting.")
        return p

    async def admit(self, identity: Identity, participant_id: str) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.ADMIT)
            p = await self._waiting(actor, participant_id)
            p.admitted = True
            return [self._audit(actor, "admit", p.id), *await self._ready_to_enter(p)]

    async def admit_all(self, identity: Identity) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.ADMIT)
            deliveries: list[Delivery] = []
            for p in await self.store.list_participants(actor.session_id):
                if p.room_id == WAITING_ROOM and not p.admitted:
                    p.admitted = True
                    deliveries.append(self._audit(actor, "admit", p.id, all=True))
                    deliveries += await self._ready_to_enter(p, tell_plan=False)
            if deliveries:
                deliveries += await self._plan_followers(actor.session_id)
            return deliveries

    async def deny(
        self, identity: Identity, participant_id: str, message: str | None = None
    ) -> list[Delivery]:
        """Turn someone away: they see the message, and their link no longer gets them
        into this session."""
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.ADMIT)
            p = await self._waiting(actor, participant_id)
            session = await self._session(actor.session_id)
            session.denied.append(p.id)
            await self.store.put_session(session)
            await self.store.delete_participant(p.session_id, p.id)
            await attendance.left(self.store, p, self.clock(), "denied")
            words = {"code": ErrorCode.DENIED.value, "message": message or ""}
            return [
                self._audit(actor, "deny", p.id, with_message=bool(message)),
                ToParticipant(p.session_id, p.id, "admission.denied", words),
                Disconnect(p.connection_id, ErrorCode.DENIED),
                *await self._waiting_changed(p.session_id),
            ]

    async def accept_rules(self, identity: Identity) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            p = await self._member(identity)
            require(p.role, Command.ACCEPT_RULES)
            if p.room_id != WAITING_ROOM:
                return []  # already in: nothing to accept
            if p.rules_accepted_at is None:
                p.rules_accepted_at = self.clock()
            return await self._ready_to_enter(p)

    async def configure(
        self, identity: Identity, **settings: Any
    ) -> list[Delivery]:
        """Lock or unlock the session, set the roster, replace the ground rules
        (`locked`, `roster_only`, `roster`, `rules_text`; None leaves one as it is)."""
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.CONFIGURE_SESSION)
            session = await self._session(actor.session_id)
            return await self._configure(session, actor.id, actor.room_id, **settings)

    async def configure_ahead(self, identity: Identity, **settings: Any) -> list[Delivery]:
        """The clinic's system sets a session up before anyone joins (its roster of
        participant ids, for a roster-only session), with a facilitator's token."""
        require(identity.role, Command.CONFIGURE_SESSION)
        async with self._session_lock(identity.session_id):
            session = await self.store.get_session(identity.session_id)
            if session is None:
                session = Session(id=identity.session_id, created_at=self.clock())
            if session.ended:
                raise Refused(ErrorCode.SESSION_ENDED)
            out = await self._configure(session, identity.participant_id, None, **settings)
            await self.store.put_session(session)  # also when nothing changed: it exists now
            return out

    async def _configure(
        self,
        session: Session,
        actor_id: str,
        room_id: str | None,
        *,
        locked: bool | None = None,
        roster_only: bool | None = None,
        roster: list[str] | None = None,
        rules_text: str | None = None,
        scheduled_start: float | None = None,
        scheduled_end: float | None = None,
        engagement: dict[str, float] | None = None,
    ) -> list[Delivery]:
        def audit(action: str, **detail: Any) -> Audit:
            return Audit(self.clock(), session.id, room_id, actor_id, action, None,
                         detail or None)

        deliveries: list[Delivery] = []
        if locked is not None and locked != session.locked:
            session.locked = locked
            deliveries.append(audit("lock" if locked else "unlock"))
        if roster_only is not None and roster_only != session.roster_only:
            session.roster_only = roster_only
            deliveries.append(audit("roster_only", on=roster_only))
        if roster is not None:
            if len(roster) > MAX_ROSTER:
                raise Refused(ErrorCode.INVALID_PAYLOAD, "The roster is too long.")
            session.roster = sorted(set(roster))
            deliveries.append(audit("set_roster", size=len(session.roster)))
        if rules_text is not None and rules_text != session.rules_text:
            session.rules_text = rules_text
            deliveries.append(audit("set_rules"))
        if scheduled_start is not None or scheduled_end is not None:
            start = session.scheduled_start if scheduled_start is None else scheduled_start
            end = session.scheduled_end if scheduled_end is None else scheduled_end
            if start is not None and end is not None and end <= start:
                raise Refused(ErrorCode.INVALID_PAYLOAD, "The session must end after it starts.")
            if (start, end) != (session.scheduled_start, session.scheduled_end):
                session.scheduled_start, session.scheduled_end = start, end
                await attendance.rescheduled(self.store, session)
                deliveries.append(audit("set_schedule"))
        tuned = set_thresholds(session, engagement or {})
        if not deliveries and not tuned:
            return []
        public = bool(deliveries)  # the engagement thresholds are the facilitators' alone
        if tuned:
            deliveries.append(audit("set_engagement_thresholds", settings=tuned))
        await self.store.put_session(session)
        if public:
            deliveries += await self._session_event(
                session.id, SESSION_UPDATED, session.public_view()
            )
        if tuned:
            # The facilitators see the signals under the new thresholds at once.
            view = engagement_view(await self.store.list_participants(session.id),
                                   Thresholds.of(session), self.clock())
            deliveries += await self._to_facilitators(session.id, ENGAGEMENT_UPDATED, view)
        return deliveries
