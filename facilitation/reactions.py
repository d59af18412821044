"""Reactions: a thumbs up, a heart, ... shown for a moment on the sender's tile, for
everyone in the room. Passing, like who is speaking: not numbered, not kept; only their
count is (an engagement signal). The transport limits how fast one may react."""

from __future__ import annotations

from facilitation.base import SessionCommands
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import Delivery, ToRoomVolatile
from facilitation.permissions import Command
from rooms.model import room_key

# Kinds and their words (the client shows a picture with these words as its text).
REACTIONS: dict[str, str] = {
    "thumbs_up": "thumbs up",
    "heart": "heart",
    "clap": "applause",
    "smile": "smile",
    "wave": "wave",
}
SHOWN = "reaction.shown"


class Reactions(SessionCommands):
    async def send(self, identity: Identity, kind: str) -> list[Delivery]:
        if kind not in REACTIONS:
            raise Refused(ErrorCode.INVALID_PAYLOAD, "kind: not a reaction")
        async with self._session_lock(identity.session_id):
            p = await self._actor(identity, Command.REACT)
            p.activity.reactions += 1
            await self.store.put_participant(p)
            room = room_key(p.session_id, p.room_id)
            return [ToRoomVolatile(room, SHOWN, {"participant_id": p.id, "kind": kind})]
