"""Media rules: which topology a room uses, and the facilitator's server-enforced mute.

A room goes through the SFU when one is available and it holds more people than the
threshold (default 4): beyond that a full mesh makes everyone upload too many streams.
Once a room has moved to the SFU it stays there until it empties, so people coming and
going around the threshold do not make everyone renegotiate over and over.
"""

from __future__ import annotations

from typing import Any

from facilitation.activity import camera_changed, spoke
from facilitation.base import MediaPolicy, SessionCommands
from facilitation.errors import ErrorCode, Refused
from facilitation.identity import Identity
from facilitation.outbox import Delivery, EnforceMedia, MediaTopology, ToRoomVolatile
from facilitation.permissions import Command, allowed, require
from rooms.model import (
    MAIN_ROOM,
    WAITING_ROOM,
    MediaMode,
    Participant,
    Room,
    is_private_room,
    room_key,
)

MEDIA_CHANGED = "room.media"
SPEAKING = "participant.speaking"
UPDATED = "participant.updated"



def stopped_media(p: Participant) -> tuple[bool, bool]:
    """Whether the server drops this person's (audio, video): blocked by a facilitator,
    or held after a facilitator's mute until they may and do unmute."""
    return (p.audio_blocked or p.audio_held, p.video_blocked or p.video_held)


def enforce(p: Participant) -> EnforceMedia:
    audio, video = stopped_media(p)
    return EnforceMedia(p.session_id, p.room_id, p.id, audio, video)


async def _set_topology(
    commands: SessionCommands, session_id: str, room_id: str, mode: MediaMode
) -> list[Delivery]:
    room = await commands._room(session_id, room_id)
    room.media_mode = mode
    room.media_epoch += 1
    await commands.store.put_room(room)
    event = await commands._publish_in(session_id, room_id, MEDIA_CHANGED, room.media_view())
    return [event, MediaTopology(session_id, room_id, mode.value, room.media_epoch)]


async def switch_topology_if_needed(
    commands: SessionCommands, session_id: str, room_id: str, policy: MediaPolicy | None = None
) -> list[Delivery]:
    """After someone joined: move the room to the SFU if it has outgrown the mesh.
    Call with the session lock held."""
    policy = policy or commands.policy
    if is_private_room(room_id):
        return []  # a private check-in stays peer to peer: no server sees its media
    room = await commands._room(session_id, room_id)
    if room.media_mode is MediaMode.SFU:
        return []
    people = [p for p in await commands.store.list_participants(session_id) if p.room_id == room_id]
    if not policy.wants_sfu(len(people)):
        return []
    return await _set_topology(commands, session_id, room_id, MediaMode.SFU)


async def forget_if_empty(
    commands: SessionCommands, session_id: str, room_id: str
) -> list[Delivery]:
    """After someone left a room (moved, left, removed, lost): a breakout nobody is in
    forgets its SFU set-up, so whoever comes in next (the rooms opened again) starts peer
    to peer, as in any room, and moves to the SFU only if they outgrow it. The main room
    keeps its set-up: people come back to it. Call with the session lock held."""
    if room_id in (MAIN_ROOM, WAITING_ROOM):
        return []
    if any(p.room_id == room_id for p in await commands.store.list_participants(session_id)):
        return []
    room = await commands._room(session_id, room_id)
    if room.media_mode is not MediaMode.MESH:
        room.media_mode = MediaMode.MESH
        room.media_epoch += 1
        await commands.store.put_room(room)
    return [MediaTopology(session_id, room_id, "closed", 0)]


class MediaControl(SessionCommands):
    """Facilitator mute (enforced), SFU life events, and talk time."""

    async def _target(self, actor: Identity, participant_id: str) -> Participant:
        if participant_id == actor.participant_id:
            raise Refused(ErrorCode.NOT_PERMITTED, "Use your own microphone and camera buttons.")
        await self._member(actor)
        target = await self.store.get_participant(actor.session_id, participant_id)
        if target is None:
            raise Refused(ErrorCode.PEER_NOT_IN_ROOM, "That person is not in this session.")
        return target

    async def block(
        self,
        actor: Identity,
        participant_id: str,
        *,
        audio: bool | None = None,
        video: bool | None = None,
    ) -> list[Delivery]:
        """Stop (True) or let through again (False) a participant's audio and/or video.

        Blocking also marks the media muted / camera off. Letting it through again does not
        switch the microphone back on: the person does that themselves when ready.
        """
        require(actor.role, Command.MODERATE_MEDIA)
        async with self._session_lock(actor.session_id):
            acting = await self._actor(actor, Command.MODERATE_MEDIA)
            p = await self._target(actor, participant_id)
            before = stopped_media(p)
            if audio is not None:
                p.audio_blocked = audio
                p.audio_muted = p.audio_muted or audio
            if video is not None:
                p.video_blocked = video
                p.video_off = p.video_off or video
            if stopped_media(p) == before:
                return []
            camera_changed(p, self.clock())
            await self.store.put_participant(p)
            return [
                await self._publish(p, UPDATED, {"participant": p.public_view()}),
                enforce(p),
                self._audit(acting, "block_media", p.id, audio=audio, video=video),
            ]

    async def sfu_member(
        self, identity: Identity, epoch: int, *, publishing: bool = False
    ) -> tuple[Participant, Room]:
        """Check a request to the SFU: the person is in a room whose media goes through
        the SFU, in the set-up (`epoch`) they think; to publish, their role may publish."""
        if publishing and not (
            allowed(identity.role, Command.PUBLISH_AUDIO)
            or allowed(identity.role, Command.PUBLISH_VIDEO)
        ):
            raise Refused(ErrorCode.NOT_PERMITTED)
        p = await self._member(identity)
        room = await self._room(p.session_id, p.room_id)
        if room.media_mode is not MediaMode.SFU or room.media_epoch != epoch:
            raise Refused(ErrorCode.MEDIA_CHANGED)
        return p, room

    async def renegotiate(self, session_id: str, room_id: str, mode: MediaMode) -> list[Delivery]:
        """The media plane was rebuilt (SFU restarted) or is gone (mode MESH): everyone in
        the room sets up media again, without reloading."""
        async with self._session_lock(session_id):
            return await _set_topology(self, session_id, room_id, mode)

    async def speaking(
        self, session_id: str, participant_id: str, talking: bool
    ) -> list[Delivery]:
        """The SFU heard someone start or stop talking: keep their talk time, and tell the
        room so tiles can show who speaks."""
        async with self._session_lock(session_id):
            p = await self.store.get_participant(session_id, participant_id)
            if p is None:
                return []
            now = self.clock()
            if talking == (p.speaking_since is not None):
                return []
            if talking:
                p.speaking_since = now
            else:
                assert p.speaking_since is not None
                p.talk_seconds += max(0.0, now - p.speaking_since)
                spoke(p, p.speaking_since, now)
                p.speaking_since = None
            await self.store.put_participant(p)
            payload: dict[str, Any] = {"participant_id": p.id, "speaking": talking}
            return [ToRoomVolatile(room_key(session_id, p.room_id), SPEAKING, payload)]
