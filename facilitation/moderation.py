"""The facilitator's controls during the session: mute, ask-to-unmute, remove, promote,
spotlight, end. Each takes effect at the server and goes to the audit log."""

from __future__ import annotations

from facilitation import attendance
from facilitation.activity import camera_changed
from facilitation.base import SessionCommands
from facilitation.checkins import check_ins_cut_short, end_check_ins_of
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.media import enforce, stopped_media
from facilitation.outbox import (
    Delivery,
    Disconnect,
    MediaTopology,
    ToParticipant,
)
from facilitation.permissions import Command, is_facilitator
from rooms.model import MAIN_ROOM, WAITING_ROOM, Participant, Role, Session

UPDATED = "participant.updated"
SPOTLIGHT = "room.spotlight"
SESSION_UPDATED = "session.updated"


class Moderation(SessionCommands):
    async def _updated(self, p: Participant, before: tuple[bool, bool]) -> list[Delivery]:
        camera_changed(p, self.clock())
        await self.store.put_participant(p)
        out: list[Delivery] = [
            await self._publish(p, UPDATED, {"participant": p.public_view()})
        ]
        if stopped_media(p) != before:
            out.append(enforce(p))
        return out

    def _mute(self, p: Participant, audio: bool, video: bool) -> None:
        if audio:
            p.audio_muted = p.audio_held = True
            p.may_unmute = False
        if video:
            p.video_off = p.video_held = True

    async def mute(
        self, identity: Identity, participant_id: str, *, audio: bool = False, video: bool = False
    ) -> list[Delivery]:
        """Mute someone's microphone and/or stop their camera, at the server."""
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.MUTE_OTHERS)
            p = await self._other(actor, participant_id)
            if p.room_id == WAITING_ROOM:
                raise Refused(ErrorCode.NOT_FOUND, "That person is still waiting.")
            before = stopped_media(p)
            self._mute(p, audio, video)
            out = await self._updated(p, before)
            if audio:
                out.append(self._audit(actor, "mute", p.id))
            if video:
                out.append(self._audit(actor, "stop_camera", p.id))
            return out

    async def mute_all(self, identity: Identity) -> list[Delivery]:
        """Mute everyone in the room but the facilitators."""
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.MUTE_OTHERS)
            out: list[Delivery] = [self._audit(actor, "mute_all")]
            for p in await self.store.list_participants(actor.session_id):
                if p.room_id != actor.room_id or is_facilitator(p.role):
                    continue
                before = stopped_media(p)
                self._mute(p, audio=True, video=False)
                out += await self._updated(p, before)
            return out

    async def set_ask_to_unmute(self, identity: Identity, on: bool) -> list[Delivery]:
        """In ask-to-unmute mode participants cannot unmute themselves: they ask, and a
        facilitator allows it. Whoever is muted when it starts is held muted."""
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.ASK_TO_UNMUTE)
            session = await self._session(actor.session_id)
            if session.ask_to_unmute == on:
                return []
            session.ask_to_unmute = on
            await self.store.put_session(session)
            out: list[Delivery] = [self._audit(actor, "ask_to_unmute", on=on)]
            out += await self._session_event(
                actor.session_id, SESSION_UPDATED, session.public_view()
            )
            for p in await self.store.list_participants(actor.session_id):
                if p.role is not Role.PARTICIPANT or p.room_id == WAITING_ROOM:
                    continue
                before = stopped_media(p)
                p.may_unmute = False
                if on and p.audio_muted:
                    p.audio_held = True
                out += await self._updated(p, before)
            return out

    async def request_unmute(self, identity: Identity) -> list[Delivery]:
        async with self._session_lock(identity.session_id):
            p = await self._actor(identity, Command.REQUEST_UNMUTE)
            if p.unmute_requested:
                return []
            p.unmute_requested = True
            return await self._updated(p, stopped_media(p))

    async def allow_unmute(
        self, identity: Identity, participant_id: str | None = None
    ) -> list[Delivery]:
        """Let one person (or, with None, everyone) unmute themselves."""
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.ASK_TO_UNMUTE)
            if participant_id is None:
                targets = [
                    p for p in await self.store.list_participants(actor.session_id)
                    if p.role is Role.PARTICIPANT and p.room_id == actor.room_id
                ]
            else:
                targets = [await self._other(actor, participant_id)]
            out: list[Delivery] = [self._audit(actor, "allow_unmute", participant_id)]
            for p in targets:
                if p.audio_blocked:
                    continue  # a block is lifted with moderate.media, on purpose
                before = stopped_media(p)
                p.may_unmute, p.unmute_requested = True, False
                out += await self._updated(p, before)
                out.append(ToParticipant(p.session_id, p.id, "unmute.allowed", {}))
            return out

    async def remove(
        self, identity: Identity, participant_id: str, *, keep_out: bool = False
    ) -> list[Delivery]:
        """Take someone out of the session; with keep_out their link no longer admits
        them, also after a reconnect."""
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.REMOVE)
            p = await self._other(actor, participant_id)
            if p.role is Role.FACILITATOR:
                raise Refused(ErrorCode.NOT_PERMITTED, "The facilitator cannot be removed.")
            session = await self._session(actor.session_id)
            if keep_out and p.id not in session.kept_out:
                session.kept_out.append(p.id)
                await self.store.put_session(session)
            await self.store.delete_participant(p.session_id, p.id)
            out: list[Delivery] = [
                self._audit(actor, "remove", p.id, keep_out=keep_out),
                Disconnect(p.connection_id, ErrorCode.REMOVED),
                *await self._departed(p, "removed"),
            ]
            return out

    async def promote(self, identity: Identity, participant_id: str, role: Role) -> list[Delivery]:
        """Make someone a co-facilitator (same powers), or back a participant."""
        if role not in (Role.COFACILITATOR, Role.PARTICIPANT):
            raise Refused(ErrorCode.INVALID_PAYLOAD, "Promote to cofacilitator or participant.")
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.PROMOTE)
            p = await self._other(actor, participant_id)
            if p.role in (Role.FACILITATOR, Role.OBSERVER) or p.room_id == WAITING_ROOM:
                raise Refused(ErrorCode.NOT_PERMITTED, "Only participants in the room change role.")
            if p.role == role:
                return []
            p.role = role
            out = await self._updated(p, stopped_media(p))
            if role is Role.PARTICIPANT:
                # No longer a facilitator: a check-in they run ends (the other goes back).
                out += await end_check_ins_of(self, p.session_id, p.id)
            out.append(self._audit(actor, "promote", p.id, role=role.value))
            if role is Role.COFACILITATOR:
                out.append(ToParticipant(p.session_id, p.id, "waiting.updated",
                                         await self._waiting_view(p.session_id)))
            return out

    async def spotlight(self, identity: Identity, participant_id: str | None) -> list[Delivery]:
        """Put someone first in everyone's layout (None: nobody)."""
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.SPOTLIGHT)
            if participant_id is not None:
                target = await self.store.get_participant(actor.session_id, participant_id)
                if target is None or target.room_id != actor.room_id:
                    raise Refused(ErrorCode.PEER_NOT_IN_ROOM)
            room = await self._room(actor.session_id, actor.room_id)
            if room.spotlight == participant_id:
                return []
            room.spotlight = participant_id
            await self.store.put_room(room)
            return [
                await self._publish(actor, SPOTLIGHT, {"participant_id": participant_id}),
                self._audit(actor, "spotlight", participant_id),
            ]

    async def end(self, identity: Identity, message: str | None = None) -> list[Delivery]:
        """End the session for everyone, with a closing message. Its state is dropped; only
        the fact that it ended is kept, so links no longer open it."""
        async with self._session_lock(identity.session_id):
            actor = await self._actor(identity, Command.END_SESSION)
            session = await self._session(actor.session_id)
            people = await self.store.list_participants(actor.session_id)
            out: list[Delivery] = [self._audit(actor, "end_session")]
            words = {"message": message or ""}
            # Every room's media set-up closes, the main room's too even if everyone was
            # in breakouts; a check-in cut short still says how long it lasted.
            rooms = {MAIN_ROOM}
            out += check_ins_cut_short(session, self.clock())
            for p in people:
                out.append(ToParticipant(p.session_id, p.id, "session.ended", words))
                if p.id != actor.id:  # the facilitator gets the answer, then closes
                    out.append(Disconnect(p.connection_id, ErrorCode.SESSION_ENDED))
                if p.room_id != WAITING_ROOM:
                    rooms.add(p.room_id)
            await self.store.drop_session(actor.session_id)
            await self.store.put_session(
                Session(id=session.id, created_at=session.created_at, ended=True)
            )
            out += [MediaTopology(actor.session_id, r, "closed", 0) for r in sorted(rooms)]
            out += await attendance.ended(self.store, actor.session_id, self.clock(), "ended")
            return out
