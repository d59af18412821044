"""The raised-hand queue: in the order hands went up; facilitators call the next."""

from __future__ import annotations

from facilitation.base import HANDS_UPDATED, SessionCommands, hand_queue
from facilitation.identity import Identity
from facilitation.outbox import Delivery
from facilitation.permissions import Command
from rooms.model import Participant

HANDS = HANDS_UPDATED


class Hands(SessionCommands):
    async def _queue_event(self, p: Participant, called: str | None = None) -> Delivery:
        return await self._hands_event(p.session_id, p.room_id, called)

    async def raise_hand(self, identity: Identity) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            p = await self._actor(identity, Command.RAISE_HAND)
            if p.hand_raised_at is not None:
                return []
            p.hand_raised_at = self.clock()
            p.activity.hand_raises += 1
            await self.store.put_participant(p)
            return [await self._queue_event(p)]

    async def lower_hand(
        self, identity: Identity, participant_id: str | None = None
    ) -> list[Delivery]:
        """Lower your own hand, or (facilitators) someone else's."""
        async with self._session_lock(identity.session_id):
            if participant_id is None or participant_id == identity.participant_id:
                actor = p = await self._actor(identity, Command.RAISE_HAND)
            else:
                actor = await self._actor(identity, Command.MANAGE_HANDS)
                p = await self._other(actor, participant_id)
            if p.hand_raised_at is None:
                return []
            p.hand_raised_at = None
            await self.store.put_participant(p)
            out = [await self._queue_event(p)]
            if actor.id != p.id:
                out.append(self._audit(actor, "lower_hand", p.id))
            return out

    async def call_next(self, identity: Identity) -> list[Delivery]:
        """Lower the first hand in the queue and tell the room whose turn it is."""
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.MANAGE_HANDS)
            people = [
                q for q in await self.store.list_participants(actor.session_id)
                if q.room_id == actor.room_id
            ]
            queue = hand_queue(people)
            if not queue:
                return []
            first = next(q for q in people if q.id == queue[0])
            first.hand_raised_at = None
            await self.store.put_participant(first)
            return [
                await self._queue_event(first, called=first.id),
                self._audit(actor, "call_next_hand", first.id),
            ]
