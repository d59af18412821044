"""Chat: to everyone in the room, or privately to the facilitators. Facilitators can
remove a message for everyone. Texts stay in the session's state (dropped with it) and
never reach a log."""

from __future__ import annotations

import uuid
from typing import Literal

from facilitation.base import SessionCommands
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import Delivery, ToParticipant, ToRoomVolatile
from facilitation.permissions import Command
from rooms.model import ChatMessage, room_key

MAX_CHAT_CHARS = 1000


class Chat(SessionCommands):
    async def send(
        self,
        identity: Identity,
        to: Literal["room", "facilitators"],
        text: str,
        room: str | None = None,
    ) -> list[Delivery]:
        text = text.strip()
        if not text:
            raise Refused(ErrorCode.INVALID_PAYLOAD, "The message is empty.")
        if len(text) > MAX_CHAT_CHARS:
            raise Refused(ErrorCode.PAYLOAD_TOO_LARGE, "The message is too long.")
        command = Command.CHAT_ROOM if to == "room" else Command.CHAT_FACILITATORS
        async with self._session_lock(identity.session_id):
            p = await self._actor(identity, command)
            self._still_in(p, room)
            message = ChatMessage(
                id=uuid.uuid4().hex[:16],
                room=room_key(p.session_id, p.room_id),
                sender=p.id,
                sender_name=p.name,
                to=to,
                text=text,
                at=self.clock(),
            )
            await self.store.add_chat(message)
            p.activity.chat_messages += 1
            await self.store.put_participant(p)
            if to == "room":
                return [ToRoomVolatile(message.room, "chat.message", {"message": message.view()})]
            payload = {"room": message.room, "message": message.view()}
            out: list[Delivery] = list(
                await self._to_facilitators(p.session_id, "chat.message", payload)
            )
            if not any(isinstance(d, ToParticipant) and d.participant_id == p.id for d in out):
                out.append(ToParticipant(p.session_id, p.id, "chat.message", payload))
            return out

    async def remove(self, identity: Identity, message_id: str) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.REMOVE_CHAT)
            room = room_key(actor.session_id, actor.room_id)
            removed = await self.store.remove_chat(room, message_id)
            if removed is None:
                raise Refused(ErrorCode.NOT_FOUND, "That message is not in this room's chat.")
            return [
                ToRoomVolatile(room, "chat.removed", {"id": message_id}),
                self._audit(actor, "remove_chat_message", removed.sender, message=message_id),
            ]
