"""Socket.IO event handlers: a thin shell between the wire and `facilitation`.

Each inbound message is rate-limited and validated by `protocol`, handed to
`facilitation`, and what that returns is delivered. No rule of the group lives here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import socketio

from facilitation import (
    ActivityReports,
    Admission,
    Attendance,
    Audit,
    Breakouts,
    Chat,
    CheckIns,
    Delivery,
    Disconnect,
    EnforceMedia,
    Engagement,
    EnterRoom,
    ErrorCode,
    Hands,
    Identity,
    MediaControl,
    MediaTopology,
    Moderation,
    Mood,
    Presence,
    Reactions,
    Refused,
    ReleaseMedia,
    ToParticipant,
    ToRoom,
    ToRoomVolatile,
    WakeAt,
    Webhook,
    Whiteboard,
)
from rooms.model import Role, room_key
from signaling import protocol, tokens, turn
from signaling.attendance_csv import to_csv
from signaling.audit import AuditLog
from signaling.config import Config
from signaling.cursors import CURSORS, CursorBatcher
from signaling.engagement_push import EngagementPush
from signaling.janus.client import JanusConnectionLost, JanusError
from signaling.ratelimit import TokenBucket
from signaling.sfu import SfuPlane
from signaling.webhooks import WebhookOutbox

log = logging.getLogger("facilitation.signaling")


def room_channel(room: str) -> str:
    return f"room:{room}"


def person_channel(session_id: str, participant_id: str) -> str:
    return f"person:{session_id}/{participant_id}"


@dataclass(slots=True)
class Connection:
    sid: str
    identity: Identity
    bucket: TokenBucket
    chat_bucket: TokenBucket = field(
        default_factory=lambda: TokenBucket(protocol.CHAT_BURST, protocol.CHAT_PER_SECOND)
    )
    reaction_bucket: TokenBucket = field(
        default_factory=lambda: TokenBucket(protocol.REACTION_BURST, protocol.REACTION_PER_SECOND)
    )
    activity_bucket: TokenBucket = field(
        default_factory=lambda: TokenBucket(protocol.ACTIVITY_BURST, protocol.ACTIVITY_PER_SECOND)
    )
    draw_bucket: TokenBucket = field(
        default_factory=lambda: TokenBucket(
            protocol.WHITEBOARD_BURST, protocol.WHITEBOARD_PER_SECOND
        )
    )
    cursor_bucket: TokenBucket = field(
        default_factory=lambda: TokenBucket(protocol.CURSOR_BURST, protocol.CURSOR_PER_SECOND)
    )
    room: str | None = None  # the room channel joined, once in a room
    seated: bool = False  # joined the session (in a room, or waiting to be admitted)
    extra: dict[str, Any] = field(default_factory=dict)


class Handlers:
    def __init__(
        self,
        sio: socketio.AsyncServer,
        presence: Presence,
        media: MediaControl,
        config: Config,
        audit: AuditLog,
        webhooks: WebhookOutbox | None = None,
    ) -> None:
        self.sio = sio
        self.webhooks = webhooks
        self.presence = presence
        self.media = media
        self.config = config
        self.audit = audit
        shared = {
            "locks": presence.locks,
            "policy": presence.policy,
            "admission": presence.admission,
        }
        self.admission = Admission(presence.store, **shared)  # type: ignore[arg-type]
        self.moderation = Moderation(presence.store, **shared)  # type: ignore[arg-type]
        self.hands = Hands(presence.store, **shared)  # type: ignore[arg-type]
        self.chat = Chat(presence.store, **shared)  # type: ignore[arg-type]
        self.breakouts = Breakouts(presence.store, **shared)  # type: ignore[arg-type]
        self.checkins = CheckIns(presence.store, **shared)  # type: ignore[arg-type]
        self.attendance = Attendance(presence.store, **shared)  # type: ignore[arg-type]
        self.activity = ActivityReports(presence.store, **shared)  # type: ignore[arg-type]
        self.engagement = Engagement(presence.store, **shared)  # type: ignore[arg-type]
        self.mood = Mood(presence.store, **shared)  # type: ignore[arg-type]
        self.reactions = Reactions(presence.store, **shared)  # type: ignore[arg-type]
        self.whiteboard = Whiteboard(presence.store, **shared)  # type: ignore[arg-type]
        self.sfu = SfuPlane(media, presence.policy, self.emit_to_person, self.deliver)
        self.connections: dict[str, Connection] = {}
        self.engagement_push = EngagementPush(
            self.engagement, self.deliver, self._session_connected, config.engagement_interval
        )
        self.cursors = CursorBatcher(
            lambda room, payload: self.sio.emit(CURSORS, payload, room=room_channel(room))
        )
        self._timers: dict[tuple[str, str], asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._routes = {
            "join": self.join,
            "leave": self.leave,
            "media.update": self.media_update,
            "signal": self.signal,
            "sync": self.sync,
            "sfu.publish": self.sfu_publish,
            "sfu.subscribe": self.sfu_subscribe,
            "sfu.answer": self.sfu_answer,
            "sfu.trickle": self.sfu_trickle,
            "sfu.receive": self.sfu_receive,
            "moderate.media": self.moderate_media,
            "rules.accept": self.simple(lambda c, r: self.admission.accept_rules(c.identity)),
            "admission.admit": self.simple(
                lambda c, r: self.admission.admit(c.identity, r.participant_id)
            ),
            "admission.admit_all": self.simple(lambda c, r: self.admission.admit_all(c.identity)),
            "admission.deny": self.simple(
                lambda c, r: self.admission.deny(c.identity, r.participant_id, r.message)
            ),
            "session.configure": self.simple(  # `engagement` as a plain dict
                lambda c, r: self.admission.configure(c.identity, **r.model_dump(exclude_none=True))
            ),
            "moderate.mute": self.simple(
                lambda c, r: self.moderation.mute(
                    c.identity, r.participant_id, audio=r.audio, video=r.video
                )
            ),
            "moderate.mute_all": self.simple(lambda c, r: self.moderation.mute_all(c.identity)),
            "moderate.ask_to_unmute": self.simple(
                lambda c, r: self.moderation.set_ask_to_unmute(c.identity, r.on)
            ),
            "unmute.request": self.simple(lambda c, r: self.moderation.request_unmute(c.identity)),
            "unmute.allow": self.simple(
                lambda c, r: self.moderation.allow_unmute(c.identity, r.participant_id)
            ),
            "moderate.remove": self.simple(
                lambda c, r: self.moderation.remove(
                    c.identity, r.participant_id, keep_out=r.keep_out
                )
            ),
            "moderate.promote": self.simple(
                lambda c, r: self.moderation.promote(c.identity, r.participant_id, Role(r.role))
            ),
            "room.spotlight": self.simple(
                lambda c, r: self.moderation.spotlight(c.identity, r.participant_id)
            ),
            "session.end": self.simple(lambda c, r: self.moderation.end(c.identity, r.message)),
            "hand.raise": self.simple(lambda c, r: self.hands.raise_hand(c.identity)),
            "hand.lower": self.simple(
                lambda c, r: self.hands.lower_hand(c.identity, r.participant_id)
            ),
            "hand.next": self.simple(lambda c, r: self.hands.call_next(c.identity)),
            "chat.send": self.chat_send,
            "chat.remove": self.simple(lambda c, r: self.chat.remove(c.identity, r.message_id)),
            "breakouts.create": self.simple(
                lambda c, r: self.breakouts.create(c.identity, r.names)
            ),
            "breakouts.assign": self.simple(
                lambda c, r: self.breakouts.assign(c.identity, dict(r.assignments))
            ),
            "breakouts.assign_randomly": self.simple(
                lambda c, r: self.breakouts.assign_randomly(c.identity, list(r.keep))
            ),
            "breakouts.let_choose": self.simple(
                lambda c, r: self.breakouts.let_choose(c.identity, r.on)
            ),
            "breakouts.choose": self.simple(
                lambda c, r: self.breakouts.choose(c.identity, r.room_id)
            ),
            "breakouts.open": self.simple(
                lambda c, r: self.breakouts.open(c.identity, r.duration_seconds)
            ),
            "breakouts.extend": self.simple(
                lambda c, r: self.breakouts.extend(c.identity, r.seconds)
            ),
            "breakouts.broadcast": self.simple(
                lambda c, r: self.breakouts.broadcast(c.identity, r.text)
            ),
            "breakouts.visit": self.simple(
                lambda c, r: self.breakouts.visit(c.identity, r.room_id)
            ),
            "breakouts.close": self.simple(lambda c, r: self.breakouts.close(c.identity)),
            "breakouts.help": self.simple(
                lambda c, r: self.breakouts.call_facilitator(c.identity)
            ),
            "checkin.invite": self.simple(
                lambda c, r: self.checkins.invite(c.identity, r.participant_id)
            ),
            "checkin.answer": self.simple(
                lambda c, r: self.checkins.answer(c.identity, r.checkin_id, r.accept)
            ),
            "checkin.end": self.simple(lambda c, r: self.checkins.end(c.identity)),
            "attendance.export": self.attendance_export,
            "reaction.send": self.reaction_send,
            "activity.report": self.activity_report,
            "engagement.get": self.engagement_get,
            "mood.start": self.simple(
                lambda c, r: self.mood.start(c.identity, r.scale, r.question)
            ),
            "mood.answer": self.simple(lambda c, r: self.mood.answer(c.identity, r.value, r.word)),
            "mood.end": self.simple(lambda c, r: self.mood.end(c.identity)),
            "whiteboard.op": self.drawing(
                lambda c, r: self.whiteboard.apply(
                    c.identity, r.board_op(), r.client_op_id, r.room
                )
            ),
            "whiteboard.undo": self.drawing(lambda c, r: self.whiteboard.undo(c.identity, r.room)),
            "whiteboard.redo": self.drawing(lambda c, r: self.whiteboard.redo(c.identity, r.room)),
            "whiteboard.sync": self.whiteboard_sync,
            "whiteboard.cursor": self.whiteboard_cursor,
            "whiteboard.configure": self.whiteboard_configure,
        }
        sio.on("connect", self.on_connect)
        sio.on("disconnect", self.on_disconnect)
        sio.on("*", self.on_event)

    # ---- connection lifecycle ---------------------------------------------------------
    def _sent_by_client(self, sid: str) -> bool:
        """Socket.IO also calls the connect and disconnect handlers for ordinary events a
        client names 'connect' or 'disconnect'. Those can only come from an established
        connection, while a real connect or disconnect is pending in the manager."""
        return bool(self.sio.manager.is_connected(sid, "/"))

    async def on_connect(
        self, sid: str, environ: Any = None, auth: Any = None, *_: Any
    ) -> dict[str, Any] | None:
        if self._sent_by_client(sid):
            return protocol.error(ErrorCode.UNKNOWN_EVENT)
        try:
            parsed = protocol.ConnectAuth.model_validate(auth if isinstance(auth, dict) else {})
        except Exception:
            self._refuse(Refused(ErrorCode.TOKEN_MISSING))
        try:
            identity = tokens.verify(self.config.secret, parsed.token, session=parsed.session)
        except Refused as refused:
            log.info("connection refused: %s", refused.code)
            self._refuse(refused)
        self.connections[sid] = Connection(
            sid=sid,
            identity=identity,
            bucket=TokenBucket(protocol.RATE_BURST, protocol.RATE_PER_SECOND),
        )
        return None

    @staticmethod
    def _refuse(refused: Refused) -> NoReturn:
        raise socketio.exceptions.ConnectionRefusedError(
            refused.code.value, {"code": refused.code.value, "message": refused.message}
        )

    async def on_disconnect(self, sid: str, reason: Any = None, *_: Any) -> dict[str, Any] | None:
        if self._sent_by_client(sid):
            return protocol.error(ErrorCode.UNKNOWN_EVENT)
        conn = self.connections.pop(sid, None)
        if conn is None or not conn.seated:
            return None
        await self.deliver(await self.presence.connection_lost(conn.identity, sid))
        self._schedule_expiry(conn.identity)
        return None

    def _schedule_expiry(self, identity: Identity) -> None:
        key = (identity.session_id, identity.participant_id)
        if old := self._timers.pop(key, None):
            old.cancel()

        def fire() -> None:
            self._timers.pop(key, None)
            task = asyncio.ensure_future(self._expire(identity))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        loop = asyncio.get_running_loop()
        # A little after the grace period, so the seat is surely past it.
        self._timers[key] = loop.call_later(self.presence.grace_seconds + 0.05, fire)

    async def _expire(self, identity: Identity) -> None:
        try:
            await self.deliver(await self.presence.expire(identity))
        except Exception:
            log.exception("expiring a seat failed (session %s)", identity.session_id)

    def _session_connected(self, session_id: str) -> bool:
        return any(
            c.seated and c.identity.session_id == session_id for c in self.connections.values()
        )

    async def close(self) -> None:
        await self.engagement_push.close()
        await self.cursors.close()
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        for task in list(self._tasks):
            task.cancel()

    # ---- dispatch ---------------------------------------------------------------------
    async def on_event(self, event: str, sid: str, data: Any = None, *_: Any) -> dict[str, Any]:
        conn = self.connections.get(sid)
        if conn is None:
            return protocol.error(ErrorCode.NOT_JOINED)
        if not conn.bucket.take():
            return protocol.error(ErrorCode.RATE_LIMITED)
        try:
            request = protocol.parse(event, data)
            if event != "join" and not conn.seated:
                raise Refused(ErrorCode.NOT_JOINED)
            return await self._routes[event](conn, request)
        except Refused as refused:
            return protocol.error(refused.code, refused.message)
        except (JanusError, JanusConnectionLost) as exc:
            log.warning("SFU request failed: event=%s %s", event, exc)
            return protocol.error(ErrorCode.MEDIA_UNAVAILABLE)
        except Exception:
            log.exception("handler failed: event=%s session=%s", event, conn.identity.session_id)
            return protocol.error(ErrorCode.INTERNAL)

    async def emit_to_person(
        self, session_id: str, participant_id: str, name: str, payload: dict[str, Any]
    ) -> None:
        await self.sio.emit(name, payload, room=person_channel(session_id, participant_id))

    async def deliver(self, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            if isinstance(d, ToRoom):
                await self.sio.emit(
                    "room.event", d.event.to_dict(), room=room_channel(d.event.room)
                )
            elif isinstance(d, ToParticipant):
                await self.sio.emit(
                    d.name, d.payload, room=person_channel(d.session_id, d.participant_id)
                )
            elif isinstance(d, Disconnect):
                await self.sio.emit(
                    "session.closed",
                    protocol.error(ErrorCode(d.code))["error"],
                    to=d.connection_id,
                )
                old = self.connections.get(d.connection_id)
                if old is not None:
                    # Its seat moved to a new connection, or it was removed.
                    old.room, old.seated = None, False
                await self.sio.disconnect(d.connection_id)
            elif isinstance(d, ToRoomVolatile):
                payload = {"room": d.room, **d.payload}
                await self.sio.emit(d.name, payload, room=room_channel(d.room))
            elif isinstance(d, EnforceMedia):
                await self._media_plane(self.sfu.enforce(d))
            elif isinstance(d, MediaTopology):
                await self._media_plane(self.sfu.topology(d.session_id, d.room_id, d.mode, d.epoch))
            elif isinstance(d, ReleaseMedia):
                await self._media_plane(self.sfu.release(d.session_id, d.room_id, d.participant_id))
            elif isinstance(d, EnterRoom):
                await self._enter_room(d)
            elif isinstance(d, Audit):
                self.audit.write(d)
            elif isinstance(d, WakeAt):
                self._wake_at(d)
            elif isinstance(d, Webhook) and self.webhooks is not None:
                await self.webhooks.send(d)

    def _wake_at(self, d: WakeAt) -> None:
        """The breakout timer: call `Breakouts.due` at the time asked (it checks itself
        whether there is anything to do, so stale timers are harmless)."""
        loop = asyncio.get_running_loop()

        key = (d.session_id, f"wake:{d.at}")

        def fire() -> None:
            self._timers.pop(key, None)
            task = asyncio.ensure_future(self._due(d.session_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        delay = max(0.0, d.at - self.breakouts.clock())
        if (old := self._timers.pop(key, None)) is not None:
            old.cancel()
        self._timers[key] = loop.call_later(delay, fire)

    async def _due(self, session_id: str) -> None:
        try:
            await self.deliver(await self.breakouts.due(session_id))
        except Exception:
            log.exception("breakout timer failed (session %s)", session_id)

    async def _enter_room(self, d: EnterRoom) -> None:
        # Deliveries of two commands may overtake each other (handing one out can wait
        # for the session again): follow only the move that matches where the record says
        # the person is now, so a connection never listens to a room its person left.
        p = await self.presence.store.get_participant(d.session_id, d.participant_id)
        if p is None or room_key(p.session_id, p.room_id) != d.room:
            log.debug("a stale move of %s to %s is skipped", d.participant_id, d.room)
            return
        for conn in list(self.connections.values()):
            ident = conn.identity
            if (ident.session_id, ident.participant_id) != (d.session_id, d.participant_id):
                continue
            if not conn.seated:
                continue
            if conn.room is not None:
                await self.sio.leave_room(conn.sid, room_channel(conn.room))
            conn.room = d.room
            await self.sio.enter_room(conn.sid, room_channel(d.room))
            await self.sio.emit("room.entered", d.payload, to=conn.sid)

    async def _media_plane(self, work: Any) -> None:
        """The SFU is a separate process: a failure there must not undo or block the
        state change that has already happened (it is retried on the next set-up)."""
        try:
            await work
        except (JanusError, JanusConnectionLost, Refused) as exc:
            log.warning("media plane: %s", exc)

    # ---- requests ---------------------------------------------------------------------
    async def join(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.JoinRequest)
        if conn.seated:
            raise Refused(ErrorCode.ALREADY_JOINED)
        ident = conn.identity
        result = await self.presence.join(
            ident,
            conn.sid,
            audio_muted=req.audio_muted,
            video_off=req.video_off,
            last_seq=req.last_seq,
            last_room=req.last_room,
        )
        if timer := self._timers.pop((ident.session_id, ident.participant_id), None):
            timer.cancel()
        # Replaced connections go first, so nothing meant for the seat reaches them.
        await self.deliver([d for d in result.deliveries if isinstance(d, Disconnect)])
        if self.connections.get(conn.sid) is not conn:
            # The connection closed while the seat was being taken (its disconnect handler
            # found no seat yet): hold the seat as dropped, or it stays "connected" forever.
            await self.deliver([d for d in result.deliveries if not isinstance(d, Disconnect)])
            await self.deliver(await self.presence.connection_lost(ident, conn.sid))
            self._schedule_expiry(ident)
            raise Refused(ErrorCode.NOT_JOINED)
        conn.seated = True
        if result.snapshot is not None:
            conn.room = result.snapshot.room
            await self.sio.enter_room(conn.sid, room_channel(conn.room))
        await self.sio.enter_room(conn.sid, person_channel(ident.session_id, ident.participant_id))
        await self.deliver([d for d in result.deliveries if not isinstance(d, Disconnect)])
        self.engagement_push.start(ident.session_id)
        return protocol.ok(
            self=result.participant.public_view(),
            room=result.snapshot.to_dict() if result.snapshot is not None else None,
            waiting=result.waiting,
            rules=result.rules_text,
            session=result.session,
            chat=result.chat,
            lobby=result.lobby,
            breakouts=result.breakouts,
            mood=result.mood,
            resumed=result.resumed,
            missed=[e.to_dict() for e in result.missed] if result.missed is not None else None,
            ice_servers=[
                *self.config.ice_servers,
                *turn.ice_servers(
                    self.config.turn_urls,
                    self.config.turn_secret,
                    ident.participant_id,
                    ttl=self.config.turn_ttl,
                ),
            ],
            grace_seconds=self.presence.grace_seconds,
        )

    async def leave(self, conn: Connection, req: Any) -> dict[str, Any]:
        deliveries = await self.presence.leave(conn.identity)
        ident = conn.identity
        if conn.room is not None:
            await self.sio.leave_room(conn.sid, room_channel(conn.room))
        # The seat is given up: what is sent to it later is for whoever takes it next.
        await self.sio.leave_room(conn.sid, person_channel(ident.session_id, ident.participant_id))
        conn.room, conn.seated = None, False
        await self.deliver(deliveries)
        return protocol.ok()

    async def media_update(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.MediaUpdateRequest)
        await self.deliver(
            await self.presence.set_media(
                conn.identity, audio_muted=req.audio_muted, video_off=req.video_off
            )
        )
        return protocol.ok()

    async def signal(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.SignalRequest)
        payload = req.model_dump(exclude={"to"}, exclude_none=True)
        await self.deliver(await self.presence.relay_signal(conn.identity, req.to, payload))
        return protocol.ok()

    async def sync(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.SyncRequest)
        result = await self.presence.sync(conn.identity, req.room, req.since)
        if result.events is not None:
            return protocol.ok(events=[e.to_dict() for e in result.events])
        assert result.snapshot is not None
        return protocol.ok(snapshot=result.snapshot.to_dict())

    # ---- commands whose only answer is {ok} ------------------------------------------------
    def simple(
        self, command: Callable[[Connection, Any], Awaitable[list[Delivery]]]
    ) -> Callable[[Connection, Any], Awaitable[dict[str, Any]]]:
        """A request that runs one facilitation command and delivers what follows."""

        async def handle(conn: Connection, req: Any) -> dict[str, Any]:
            await self.deliver(await command(conn, req))
            return protocol.ok()

        return handle

    async def chat_send(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.ChatSendRequest)
        # Chat has its own, slower rate: a burst, then one message every two seconds.
        if not conn.chat_bucket.take():
            raise Refused(ErrorCode.RATE_LIMITED, "Please wait a moment before sending more.")
        await self.deliver(await self.chat.send(conn.identity, req.to, req.text, req.room))
        return protocol.ok()

    async def reaction_send(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.ReactionSendRequest)
        if not conn.reaction_bucket.take():
            raise Refused(ErrorCode.RATE_LIMITED, "Please wait a moment before reacting again.")
        await self.deliver(await self.reactions.send(conn.identity, req.kind))
        return protocol.ok()

    async def activity_report(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.ActivityReportRequest)
        if not conn.activity_bucket.take():
            raise Refused(ErrorCode.RATE_LIMITED, "Activity reports come too often.")
        await self.deliver(await self.activity.report(
            conn.identity, visible=req.visible, speaking_seconds=req.speaking_seconds
        ))
        return protocol.ok()

    async def engagement_get(self, conn: Connection, req: Any) -> dict[str, Any]:
        view, deliveries = await self.engagement.get(conn.identity)
        mood = await self.mood.view(conn.identity)
        await self.deliver(deliveries)
        return protocol.ok(engagement=view, mood=mood)

    async def attendance_export(self, conn: Connection, req: Any) -> dict[str, Any]:
        ledger, deliveries = await self.attendance.export(conn.identity)
        await self.deliver(deliveries)
        return protocol.ok(attendance=ledger, csv=to_csv(ledger))
    # ---- the whiteboard -----------------------------------------------------------------
    def drawing(
        self, command: Callable[[Connection, Any], Awaitable[tuple[int, list[Delivery]]]]
    ) -> Callable[[Connection, Any], Awaitable[dict[str, Any]]]:
        """A drawing operation: its own rate per connection, and the board's seq in the ack."""

        async def handle(conn: Connection, req: Any) -> dict[str, Any]:
            if not conn.draw_bucket.take():
                raise Refused(ErrorCode.RATE_LIMITED, "Drawing very fast: please wait a moment.")
            seq, deliveries = await command(conn, req)
            await self.deliver(deliveries)
            return protocol.ok(seq=seq)

        return handle

    async def whiteboard_sync(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.WhiteboardSyncRequest)
        return protocol.ok(board=await self.whiteboard.sync(conn.identity, req.since))

    async def whiteboard_cursor(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.WhiteboardCursorRequest)
        # Beyond the throttle cursors are dropped without a word: the next one will do.
        if conn.cursor_bucket.take():
            try:
                room, cursor = await self.whiteboard.cursor(conn.identity, req.x, req.y, req.room)
            except Refused:
                return protocol.ok()  # passing: a refused pointer is simply not shown
            self.cursors.put(room, cursor)
        return protocol.ok()

    async def whiteboard_configure(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.WhiteboardConfigureRequest)
        settings, deliveries = await self.whiteboard.configure(
            conn.identity, req.mode, list(req.drawers)
        )
        await self.deliver(deliveries)
        return protocol.ok(settings=settings)

    # ---- the SFU ------------------------------------------------------------------------
    async def sfu_publish(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.SfuPublishRequest)
        if req.jsep.type != "offer":
            raise Refused(ErrorCode.INVALID_PAYLOAD, "jsep: publish with an offer")
        answer = await self.sfu.publish(conn.identity, req.epoch, req.jsep.model_dump())  # type: ignore[arg-type]
        return protocol.ok(jsep=dict(answer))

    async def sfu_subscribe(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.SfuSubscribeRequest)
        return protocol.ok(**await self.sfu.subscribe(conn.identity, req.epoch))

    async def sfu_answer(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.SfuAnswerRequest)
        if req.jsep.type != "answer":
            raise Refused(ErrorCode.INVALID_PAYLOAD, "jsep: answer the offer")
        await self.sfu.answer(conn.identity, req.epoch, req.jsep.model_dump())  # type: ignore[arg-type]
        return protocol.ok()

    async def sfu_trickle(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.SfuTrickleRequest)
        candidate = req.candidate.model_dump(exclude_none=True) if req.candidate else None
        await self.sfu.trickle(conn.identity, req.epoch, req.target, candidate)
        return protocol.ok()

    async def sfu_receive(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.SfuReceiveRequest)
        paused = await self.sfu.receive(conn.identity, req.epoch, dict(req.tiles), req.loss)
        await self.deliver(await self.activity.receive_loss(conn.identity, req.loss))
        return protocol.ok(video_paused=paused)

    async def moderate_media(self, conn: Connection, req: Any) -> dict[str, Any]:
        assert isinstance(req, protocol.ModerateMediaRequest)
        await self.deliver(
            await self.media.block(
                conn.identity,
                req.participant_id,
                audio=req.audio_blocked,
                video=req.video_blocked,
            )
        )
        return protocol.ok()
