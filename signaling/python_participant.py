"""A participant written in Python: joins a session the way the browser does, exchanges media.

Tests and benches use it where a real person's browser would be too heavy or too opaque. It
speaks exactly the browser's protocol (`signaling.protocol`): Socket.IO over WebSocket with
the msgpack parser, `auth = {token, session}`, then `join`; it follows the room's numbered
events; and it negotiates WebRTC with every peer through `signal` {to, pc, description |
candidate}.

Negotiation roles. Browsers use perfect negotiation and offer to every peer they see.
aiortc cannot roll back a local offer, so this participant cannot play the polite side of
that pattern; by default it only ever answers. Two Python participants would then wait
for each other forever, so one of them is told to `offer_to(peer)`. A new `pc` id from a
peer means that peer made a new connection (reload, reconnect): the old one is replaced.

Rooms whose media goes through the SFU. The join snapshot's `media` {mode, epoch} and the
`room.media` event say how the room's media flows. In an `sfu` room this participant has
no peer-to-peer connection: it publishes its tracks on one connection (`sfu.publish`,
unless it is an observer) and receives everyone else on another (`sfu.subscribe`, then
`sfu.answer` to every offer, the first and each `sfu.offer` renegotiation). The offers'
`streams` say which person each m-line carries, so frames and packets are still counted
per remote participant. A new epoch (a move between topologies, or the SFU restarted)
closes every media connection and sets up again for the new mode, without rejoining.
Everything about the SFU runs in one queue, in order, like each peer's negotiation.

Moving between rooms (breakouts, back to the main room, admitted from the waiting room).
`room.entered` {self, room, chat, session} says the server moved our connection: every
media connection of the old room is closed, the room, its people, its `seq` and its media
set-up are replaced by the new snapshot, and media is set up again there (peer to peer or
through the SFU, as the snapshot says), even when the new room's epoch happens to equal
the old room's. A roommate who moves away arrives as `participant.left` with reason
`moved`. Unnumbered events (breakout notices, chat) are recorded in `events`, so tests
can await them (`wait_for_event`). `drop()` then `rejoin()` is a lost connection coming
back: the same token, `join` with `last_seq`, into whatever room the seat is in now.

Media. Each connection gets its own small synthetic video track (160x120) and a tone, so
a test costs little CPU. Every received track is consumed and counted per remote
participant, so callers can await `wait_for_peer_media(peer, "video", n)` in either
topology. A facilitator's block (`audio_blocked` / `video_blocked` in our own record)
stops what we send, as the web client does, unless `obey_moderation=False` (a client
that cheats, to test that the server enforces the block).

Logs carry opaque ids only, never names.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import functools
import logging
import math
import secrets
import struct
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import socketio
from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp
from aiortc.stats import RTCInboundRtpStreamStats, RTCOutboundRtpStreamStats
from av import AudioFrame, VideoFrame

log = logging.getLogger("facilitation.python_participant")

Kind = Literal["audio", "video"]
KINDS: tuple[Kind, Kind] = ("audio", "video")


class ParticipantError(Exception):
    """The server refused a request; `code` is the protocol's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


# ---- outgoing media ---------------------------------------------------------------------
class _Pacer:
    """Hands out timestamps at a fixed rate, sleeping until each one is due (real time)."""

    def __init__(self, clock_rate: int, step: int) -> None:
        self.clock_rate = clock_rate
        self.step = step
        self.pts = -step
        self.start: float | None = None

    async def next(self) -> int:
        loop = asyncio.get_running_loop()
        self.pts += self.step
        if self.start is None:
            self.start = loop.time()
        else:
            await asyncio.sleep(self.start + self.pts / self.clock_rate - loop.time())
        return self.pts


class SyntheticVideoTrack(MediaStreamTrack):
    """A grey frame with a white bar sweeping across it: cheap to make and to encode,
    and it changes, so the encoder keeps sending real frames."""

    kind = "video"
    CLOCK_RATE = 90_000

    def __init__(self, width: int = 160, height: int = 120, fps: int = 15) -> None:
        super().__init__()
        self.width, self.height = width, height
        self._pacer = _Pacer(self.CLOCK_RATE, self.CLOCK_RATE // fps)
        self._lumas = _sweep_lumas(width, height)
        self._chroma = bytes([128]) * ((width // 2) * (height // 2))
        self._index = 0

    async def recv(self) -> VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        pts = await self._pacer.next()
        frame = VideoFrame(width=self.width, height=self.height, format="yuv420p")
        luma = self._lumas[self._index % len(self._lumas)]
        self._index += 1
        half = self.width // 2
        for plane, data, width in zip(
            frame.planes, (luma, self._chroma, self._chroma), (self.width, half, half), strict=True
        ):
            _fill_plane(plane, data, width)
        frame.pts = pts
        frame.time_base = fractions.Fraction(1, self.CLOCK_RATE)
        return frame


@functools.cache
def _sweep_lumas(width: int, height: int) -> tuple[bytes, ...]:
    """One luma plane per bar position, built once per size and shared by all tracks."""
    bar = max(2, width // 16)
    return tuple(
        bytes(235 if x0 <= x < x0 + bar else 100 for x in range(width)) * height
        for x0 in range(0, width, bar)
    )


def _fill_plane(plane: Any, data: bytes, width: int) -> None:
    """Copy tightly packed rows into a plane whose rows may be padded (`line_size`)."""
    stride = plane.line_size
    if stride == width:
        plane.update(data)
        return
    rows = len(data) // width
    padded = b"".join(
        data[r * width : (r + 1) * width] + bytes(stride - width) for r in range(rows)
    )
    plane.update(padded)


class ToneAudioTrack(MediaStreamTrack):
    """A quiet 400 Hz tone at 48 kHz in 20 ms frames (a whole number of periods, so one
    precomputed frame repeats seamlessly). A tone rather than silence: audio levels and
    decoded samples then show that real audio arrived."""

    kind = "audio"
    RATE = 48_000
    SAMPLES = 960  # 20 ms

    def __init__(self, frequency: int = 400, amplitude: int = 2000) -> None:
        super().__init__()
        self._pacer = _Pacer(self.RATE, self.SAMPLES)
        self._pcm = struct.pack(
            f"<{self.SAMPLES}h",
            *(
                int(amplitude * math.sin(2 * math.pi * frequency * i / self.RATE))
                for i in range(self.SAMPLES)
            ),
        )

    async def recv(self) -> AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        pts = await self._pacer.next()
        frame = AudioFrame(format="s16", layout="mono", samples=self.SAMPLES)
        frame.planes[0].update(self._pcm)
        frame.pts = pts
        frame.sample_rate = self.RATE
        frame.time_base = fractions.Fraction(1, self.RATE)
        return frame

# ---- one WebRTC connection to one peer ---------------------------------------------------
@dataclass
class PeerLink:
    """Our connection to one remote participant. `local_pc` is the id we sign our signals
    with; `remote_pc` is the peer's id for its side (unknown until it answers our offer)."""

    peer_id: str
    pc: RTCPeerConnection
    local_pc: str
    remote_pc: str | None
    offered: bool
    tracks: list[MediaStreamTrack] = field(default_factory=list)
    senders: list[RTCRtpSender] = field(default_factory=list)
    consumers: set[asyncio.Task[None]] = field(default_factory=set)


# ---- the two connections to the SFU --------------------------------------------------------
@dataclass
class SfuLink:
    """Our media through the SFU for one media set-up (`epoch`): `publisher` sends our
    tracks, `subscriber` receives everyone else's (one m-line per person and kind, added
    and removed as the server renegotiates). `streams` maps each of the subscriber's mids
    to (participant id, kind), as the server's latest offer said."""

    epoch: int
    # The room this set-up belongs to (epochs count per room).
    room: str = ""
    publisher: RTCPeerConnection | None = None
    subscriber: RTCPeerConnection | None = None
    streams: dict[str, tuple[str, Kind]] = field(default_factory=dict)
    tracks: list[MediaStreamTrack] = field(default_factory=list)
    senders: list[RTCRtpSender] = field(default_factory=list)
    consumers: set[asyncio.Task[None]] = field(default_factory=set)
    offers_answered: int = 0
    # The SSRC each receiving m-line carried when its receiver started. aiortc keeps a
    # started receiver's SSRC for good, so when the SFU reuses an m-line for someone
    # else (a new SSRC), we subscribe again on a fresh connection.
    ssrcs: dict[str, int] = field(default_factory=dict)
    # Counts our subscriptions in this set-up: an `sfu.offer` queued for an earlier one
    # is stale.
    subscription: int = 0
    resubscribed: int = 0


class _Superseded(Exception):
    """The media set-up we were negotiating for is over (the room moved on, or its SFU
    is being set up again)."""


@dataclass
class _Waiter:
    peer_id: str
    kind: Kind
    target: int
    future: asyncio.Future[int]


# Unnumbered events recorded in `PythonParticipant.events` (besides `room.entered`),
# so that tests can await them.
RECORDED = (
    "breakout.moving",
    "breakout.broadcast",
    "breakout.warning",
    "breakout.help",
    "breakouts.public",
    "breakouts.updated",
    "chat.message",
    "chat.removed",
    "waiting.status",
    "session.ended",
    "reaction.shown",
    "mood.asked",
    "mood.closed",
    # Facilitators only: recorded so that tests can also check they never come to others.
    "engagement.updated",
    "mood.updated",
)

# Our negotiation with the SFU runs in its own lane of the per-peer job queues; no
# participant id can take this name ('#' is outside the id pattern).
SFU_LANE = "#sfu"


# ---- the participant ----------------------------------------------------------------------
class PythonParticipant:
    def __init__(
        self,
        base_url: str,
        session: str,
        token: str,
        *,
        send_audio: bool = True,
        send_video: bool = True,
        video_size: tuple[int, int] = (160, 120),
        video_fps: int = 15,
        offer_to_all: bool = False,
        obey_moderation: bool = True,
    ) -> None:
        self.base_url = base_url
        self.session = session
        self.token = token
        self.send_audio = send_audio
        self.send_video = send_video
        self.video_size = video_size
        self.video_fps = video_fps
        # Offer to every peer that joins after us (only for Python-to-Python tests:
        # browsers offer themselves, and aiortc cannot resolve the glare).
        self.offer_to_all = offer_to_all
        # Stop sending what a facilitator blocked, as the web client does, until the block
        # is lifted (with no microphone button to press, sending then resumes by itself).
        # False makes a client that cheats (keeps sending), to test that the server
        # enforces the block.
        self.obey_moderation = obey_moderation

        self.sio = self._new_socket()
        self.participant_id = ""
        self.role = ""
        self.room = ""
        self.seq = 0
        self.participants: dict[str, dict[str, Any]] = {}
        # Our own participant record, as the server last sent it.
        self.me: dict[str, Any] = {}
        # The room's media set-up: {mode: "mesh" | "sfu", epoch}.
        self.media: dict[str, Any] | None = None
        # Every numbered room event applied, in order (tests check who joined or left).
        self.room_events: list[dict[str, Any]] = []
        # From `participant.speaking`: who is talking now, by participant id.
        self.speaking: dict[str, bool] = {}
        self.ice_servers: list[dict[str, Any]] = []
        self.closed_reason: dict[str, Any] | None = None
        # The room's chat so far (from `join` or `room.entered`), then as it arrives.
        self.chat: list[dict[str, Any]] = []
        # The session's settings, as `join` or `room.entered` last said.
        self.session_settings: dict[str, Any] | None = None
        # Unnumbered events as they arrived, oldest first: (name, payload). Room moves,
        # breakout notices, chat; see `RECORDED`.
        self.events: list[tuple[str, dict[str, Any]]] = []
        # The last `join` acknowledgement (after `rejoin`, the rejoin's).
        self.join_ack: dict[str, Any] = {}

        self.links: dict[str, PeerLink] = {}
        self.sfu: SfuLink | None = None
        # Per remote participant, per kind: frames decoded from its tracks, across
        # connections and topologies (a reconnect or a move to the SFU does not reset them).
        self.frames: dict[str, dict[Kind, int]] = {}
        self._blocked: dict[str, bool] = {"audio": False, "video": False}
        self._waiters: list[_Waiter] = []
        self._inboxes: dict[str, asyncio.Queue[Callable[[], Awaitable[None]]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._sync_task: asyncio.Task[None] | None = None
        # Room events that arrive between entering the room and the join ack.
        self._early_events: list[dict[str, Any]] = []
        # Room events for a room we are not (yet) in: replayed if we enter it.
        self._stray_events: list[dict[str, Any]] = []
        self._background: set[asyncio.Task[None]] = set()
        # Counts media set-ups (a new room, or a new epoch in the room): a queued SFU
        # set-up runs only if it is still the latest.
        self._setup = 0

    def _new_socket(self) -> socketio.AsyncClient:
        sio = socketio.AsyncClient(reconnection=False, serializer="msgpack")
        sio.on("room.event", self._on_room_event)
        sio.on("signal", self._on_signal)
        sio.on("session.closed", self._on_session_closed)
        sio.on("sfu.offer", self._on_sfu_offer)
        sio.on("participant.speaking", self._on_speaking)
        sio.on("room.entered", self._on_room_entered)
        for name in RECORDED:
            sio.on(name, self._recorder(name))
        return sio

    def _recorder(self, name: str) -> Callable[[Any], None]:
        def record(data: Any) -> None:
            self._record(name, data if isinstance(data, dict) else {})

        return record

    # ---- session ------------------------------------------------------------------------
    async def join(self, *, audio_muted: bool = False, video_off: bool = False) -> dict[str, Any]:
        """Connect and take a seat; returns the `join` acknowledgement. In a room whose
        media goes through the SFU, publishing and subscribing start right after. A person
        who must wait (waiting room, ground rules) gets `room: null`; `room.entered`
        brings them in later."""
        await self._connect()
        ack = await self.request("join", {"audio_muted": audio_muted, "video_off": video_off})
        self._take_seat(ack)
        log.info("joined session %s as %s", self.session, self.participant_id)
        return ack

    async def _connect(self) -> None:
        await self.sio.connect(
            self.base_url,
            transports=["websocket"],
            auth={"token": self.token, "session": self.session},
            wait_timeout=10,
        )

    def _take_seat(self, ack: dict[str, Any]) -> None:
        self.join_ack = ack
        self.participant_id = ack["self"]["id"]
        self.role = str(ack["self"]["role"])
        self.ice_servers = list(ack.get("ice_servers") or [])
        if ack.get("session") is not None:
            self.session_settings = ack["session"]
        self._apply_own(ack["self"])
        if ack.get("room") is None:
            return  # waiting to be let in
        self.chat = list(ack.get("chat") or [])
        self._enter(ack["room"])

    async def drop(self) -> None:
        """Lose the connection the way a network drop does: every media connection and
        the socket close without `leave`, so the server holds the seat for its grace
        period. Frame counts, waiters and what we knew of the room stay for `rejoin`."""
        await self._shut_down()
        log.info("%s dropped its connection", self.participant_id)

    async def _shut_down(self) -> None:
        self._stop_work()
        for link in list(self.links.values()):
            await self._close_link(link)
        await self._close_sfu()
        if self.sio.connected:
            await self.sio.disconnect()

    async def rejoin(self) -> dict[str, Any]:
        """Come back after `drop` (or a lost socket): a new connection with the same
        token, `join` with the last `seq` we applied, into whatever room the seat is in
        now (the server may have moved it meanwhile). Returns the ack (`resumed`,
        `missed`; `missed` counts only when the room is still the one we left, else the
        fresh snapshot is all there is). Media is set up again; in a peer-to-peer room we
        offer to everyone when `offer_to_all` (our old connections are gone, and the
        others do not know it yet)."""
        previous, last_seq = self.room, self.seq
        self._stop_work()
        if self.sio.connected:
            await self.sio.disconnect()
        self.sio = self._new_socket()
        self.room = ""  # room events wait for the ack
        await self._connect()
        ack = await self.request("join", {"last_seq": last_seq, "last_room": previous or None})
        self._take_seat(ack)
        log.info("%s rejoined (%s the room it left)", self.participant_id,
                 "in" if self.room == previous else "not in")
        if self.room and self._mesh and self.offer_to_all:
            for peer, person in self.participants.items():
                if person.get("connection") == "connected":
                    self._spawn(self.offer_to(peer))
        return ack

    async def request(self, event: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send a request and return its `{ok: true, ...}` ack, or raise `ParticipantError`."""
        ack: dict[str, Any] = await self.sio.call(event, data or {}, timeout=15)
        if not ack.get("ok"):
            err = ack.get("error") or {}
            raise ParticipantError(str(err.get("code")), str(err.get("message")))
        return ack

    async def leave(self) -> None:
        """Give up the seat for good, then close."""
        if self.sio.connected:
            with contextlib.suppress(ParticipantError, socketio.exceptions.SocketIOError):
                await self.request("leave")
        await self.close()

    def _stop_work(self) -> None:
        """Cancel every queued negotiation and background task."""
        for task in [*self._workers.values(), *self._background]:
            task.cancel()
        if self._sync_task is not None:
            self._sync_task.cancel()
        self._workers.clear()
        self._inboxes.clear()

    async def close(self) -> None:
        """Close every connection and the socket (the seat is held for the grace period)."""
        await self._shut_down()
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.cancel()
        self._waiters.clear()

    async def __aenter__(self) -> PythonParticipant:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # ---- breakout rooms and chat ----------------------------------------------------------
    @property
    def room_id(self) -> str:
        """Our room's id within the session: "main", "breakout-1", ... ("" before)."""
        return self.room.partition("/")[2]

    async def create_breakouts(self, names: list[str]) -> None:
        """`breakouts.create` (facilitators)."""
        await self.request("breakouts.create", {"names": names})

    async def assign_breakouts(self, assignments: dict[str, str]) -> None:
        """`breakouts.assign` (facilitators): participant id -> room id or "main"; while
        the rooms are open, people move at once."""
        await self.request("breakouts.assign", {"assignments": assignments})

    async def assign_breakouts_randomly(self, keep: list[str] | None = None) -> None:
        """`breakouts.assign_randomly` (facilitators): everyone but `keep`, evenly."""
        await self.request("breakouts.assign_randomly", {"keep": keep or []})

    async def open_breakouts(self, duration_seconds: int | None = None) -> None:
        """`breakouts.open` (facilitators); the server's timer closes them after
        `duration_seconds` (at least 5)."""
        payload = {} if duration_seconds is None else {"duration_seconds": duration_seconds}
        await self.request("breakouts.open", payload)

    async def extend_breakouts(self, seconds: int) -> None:
        await self.request("breakouts.extend", {"seconds": seconds})

    async def broadcast_to_rooms(self, text: str) -> None:
        """`breakouts.broadcast` (facilitators): a message to every room."""
        await self.request("breakouts.broadcast", {"text": text})

    async def visit_room(self, room_id: str) -> None:
        """`breakouts.visit` (facilitators): into a room, or "main" to come back."""
        await self.request("breakouts.visit", {"room_id": room_id})

    async def close_breakouts(self) -> None:
        """`breakouts.close` (facilitators): everyone returns to the main room."""
        await self.request("breakouts.close")

    async def call_facilitator(self) -> None:
        """`breakouts.help`: every facilitator gets `breakout.help`."""
        await self.request("breakouts.help")

    async def send_chat(self, text: str, to: str = "room") -> None:
        """`chat.send` to our room ("room") or to the facilitators."""
        await self.request("chat.send", {"to": to, "text": text})

    # ---- engagement ------------------------------------------------------------------------
    async def set_engagement_thresholds(self, **seconds: float) -> None:
        """`session.configure` {engagement} (facilitators): silent_seconds, ..."""
        await self.request("session.configure", {"engagement": seconds})

    def _record(self, name: str, data: dict[str, Any]) -> None:
        self.events.append((name, data))
        if name == "chat.message" and data.get("room", self.room) == self.room:
            self.chat.append(data["message"])

    def mark(self) -> int:
        """A position in `events`: pass it as `since` to see only what comes after."""
        return len(self.events)

    def events_named(self, name: str, *, since: int = 0) -> list[dict[str, Any]]:
        """Payloads of the recorded `name` events (from position `since` on)."""
        return [data for n, data in self.events[since:] if n == name]

    async def wait_for_event(
        self,
        name: str,
        match: Callable[[dict[str, Any]], bool] | None = None,
        *,
        since: int = 0,
        timeout: float = 15.0,  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """The first recorded `name` event (from position `since` on) that `match`
        accepts, waiting for it if needed; returns its payload."""

        def found() -> dict[str, Any] | None:
            return next(
                (d for d in self.events_named(name, since=since) if match is None or match(d)),
                None,
            )

        event: dict[str, Any] = await _poll(found, timeout, f"{self.participant_id}: {name}")
        return event

    async def wait_for_room(self, room_id: str, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        """Wait until we are in room `room_id` ("main", "breakout-1", ...)."""
        await _poll(
            lambda: True if self.room_id == room_id else None,
            timeout,
            f"{self.participant_id} in room {room_id} (now {self.room_id or 'none'})",
        )

    # ---- requests besides media negotiation ---------------------------------------------
    async def update_media(
        self, *, audio_muted: bool | None = None, video_off: bool | None = None
    ) -> dict[str, Any]:
        """`media.update`: report our own microphone / camera state."""
        fields = {"audio_muted": audio_muted, "video_off": video_off}
        return await self.request(
            "media.update", {k: v for k, v in fields.items() if v is not None}
        )

    async def moderate_media(
        self,
        participant_id: str,
        *,
        audio_blocked: bool | None = None,
        video_blocked: bool | None = None,
    ) -> dict[str, Any]:
        """`moderate.media` (facilitators): stop or let through someone's audio / video."""
        fields = {"audio_blocked": audio_blocked, "video_blocked": video_blocked}
        chosen = {k: v for k, v in fields.items() if v is not None}
        return await self.request("moderate.media", {"participant_id": participant_id, **chosen})

    async def report_receive(self, tiles: dict[str, int], loss: float) -> bool:
        """`sfu.receive` for the current set-up: our tiles' drawn heights and our downlink
        loss (0 to 1). Returns `video_paused` (the server sends us audio only)."""
        epoch = self.media["epoch"] if self.media else 0
        ack = await self.request("sfu.receive", {"epoch": epoch, "tiles": tiles, "loss": loss})
        return bool(ack["video_paused"])

    # ---- room events --------------------------------------------------------------------
    def _apply_snapshot(self, snapshot: dict[str, Any], *, new_setup: bool = False) -> None:
        self.room = snapshot["room"]
        self.seq = snapshot["seq"]
        self.participants = {}
        for person in snapshot["participants"]:
            if person["id"] == self.participant_id:
                self._apply_own(person)
            else:
                self.participants[person["id"]] = person
        self._set_media(snapshot.get("media"), new_setup=new_setup)

    def _enter(self, snapshot: dict[str, Any]) -> None:
        """Into the room of `snapshot` (a join, a rejoin, or a move): its people, its
        events from the snapshot's `seq` on, and a fresh media set-up. Synchronous, so
        that every event handled after it (python-socketio starts one task per event, in
        order) already sees the new room."""
        self.speaking = {}
        self._apply_snapshot(snapshot, new_setup=True)
        held = [*self._early_events, *self._stray_events]
        self._early_events = []
        self._stray_events = [e for e in held if e.get("room") != self.room]
        for event in sorted(
            (e for e in held if e.get("room") == self.room), key=lambda e: int(e["seq"])
        ):
            self._take_room_event(event)

    async def _on_room_entered(self, data: dict[str, Any]) -> None:
        """The server moved us to another room (or let us in): leave the old room's media
        behind and set up in the new one."""
        self._record("room.entered", data)
        self.chat = list(data.get("chat") or [])
        if data.get("session") is not None:
            self.session_settings = data["session"]
        self._apply_own(data["self"])
        left = self.room_id
        self._enter(data["room"])
        log.info("%s moved from %s to %s (%s)", self.participant_id, left or "-",
                 self.room_id, self.media["mode"] if self.media else "-")

    async def _on_room_event(self, event: dict[str, Any]) -> None:
        self._take_room_event(event)

    def _take_room_event(self, event: dict[str, Any]) -> None:
        if not self.room:
            self._early_events.append(event)
            return
        if event.get("room") != self.room:
            # A room we left, or one we are entering whose events overtook `room.entered`:
            # kept a while, in case it is the latter.
            self._stray_events = [*self._stray_events[-63:], event]
            return
        seq = int(event["seq"])
        if seq <= self.seq:
            return  # already applied (a sync raced with the live event)
        if seq != self.seq + 1:
            # We missed some: fetch them (or a snapshot) rather than guess.
            if self._sync_task is None or self._sync_task.done():
                self._sync_task = asyncio.create_task(self._sync())
            return
        self._apply_event(event)

    def _apply_event(self, event: dict[str, Any]) -> None:
        self.seq = int(event["seq"])
        self.room_events.append(event)
        name, payload = event["name"], event["payload"]
        if name in ("participant.joined", "participant.updated"):
            person = payload["participant"]
            if person["id"] == self.participant_id:
                self._apply_own(person)
                return
            is_new = person["id"] not in self.participants
            self.participants[person["id"]] = person
            # Not to someone whose connection is down: they offer when they are back.
            if (name == "participant.joined" and is_new and self.offer_to_all and self._mesh
                    and person.get("connection", "connected") == "connected"):
                self._spawn(self.offer_to(person["id"]))
        elif name == "participant.left":
            # Reason "left", "connection_lost", or "moved" (to another room).
            gone = payload["participant_id"]
            self.participants.pop(gone, None)
            self.speaking.pop(gone, None)
            self._enqueue(gone, functools.partial(self._hang_up, gone))
        elif name == "room.media":
            self._set_media(payload)

    async def _sync(self) -> None:
        room, since = self.room, self.seq
        try:
            ack = await self.request("sync", {"room": room, "since": since})
        except ParticipantError as exc:
            if exc.code == "not_in_room":
                return  # we were moved meanwhile: `room.entered` brings the new room
            raise
        if self.room != room:
            return
        if ack.get("events") is not None:
            for event in ack["events"]:
                if int(event["seq"]) == self.seq + 1:
                    self._apply_event(event)
        else:
            self._apply_snapshot(ack["snapshot"])
            for gone in [p for p in self.links if p not in self.participants]:
                self._enqueue(gone, functools.partial(self._hang_up, gone))

    async def _on_session_closed(self, data: dict[str, Any]) -> None:
        self.closed_reason = data
        log.info("session %s closed this connection: %s", self.session, data.get("code"))

    async def _on_speaking(self, data: dict[str, Any]) -> None:
        who = data.get("participant_id")
        if data.get("room") == self.room and isinstance(who, str):
            self.speaking[who] = bool(data.get("speaking"))

    def _apply_own(self, person: dict[str, Any]) -> None:
        """Our own record changed: follow a facilitator's block (unless told to cheat)."""
        self.me = person
        blocked: dict[str, bool] = {kind: bool(person.get(f"{kind}_blocked")) for kind in KINDS}
        if blocked != self._blocked:
            self._blocked = blocked
            log.info("%s: blocked by a facilitator: %s", self.participant_id, blocked)
            holders: list[PeerLink | SfuLink] = [*self.links.values()]
            if self.sfu is not None:
                holders.append(self.sfu)
            for holder in holders:
                self._apply_blocks(holder)

    # ---- the room's media set-up ----------------------------------------------------------
    @property
    def _mesh(self) -> bool:
        return self.media is None or self.media["mode"] == "mesh"

    def _set_media(self, media: dict[str, Any] | None, *, new_setup: bool = False) -> None:
        """The room's media set-up, from a snapshot or a `room.media` event. A new epoch,
        or a new room (`new_setup`: epochs count per room, so a new room's may equal the
        old one's), closes every media connection; then we set up again for its mode."""
        mode, epoch = (str(media["mode"]), int(media["epoch"])) if media else ("mesh", 0)
        new: dict[str, Any] = {"mode": mode, "epoch": epoch}
        old, self.media = self.media, new
        if old == new and not new_setup:
            return
        self._setup += 1
        log.info("%s: media %s epoch %d in %s", self.participant_id, mode, epoch, self.room_id)
        for peer in list(self.links):
            self._enqueue(peer, functools.partial(self._hang_up, peer))
        # Tears down the previous SFU connections, if any; publishes and subscribes in
        # an SFU room.
        self._enqueue(SFU_LANE, functools.partial(self._set_up_sfu, self._setup))
        if old is not None and not new_setup and mode == "mesh" and self.offer_to_all:
            # Back to peer to peer: of two Python participants, the one with the smaller
            # id offers (each only answers otherwise; both offering would be glare).
            # (Entering a room is different: those already there offer to the newcomer.)
            for peer in self.participants:
                if peer > self.participant_id:
                    self._spawn(self.offer_to(peer))

    async def wait_for_media_mode(
        self, mode: str, *, after_epoch: int = -1, timeout: float = 15.0  # noqa: ASYNC109
    ) -> int:
        """Wait until the room's media is in `mode` at an epoch above `after_epoch`;
        returns the epoch."""
        epoch: int = await _poll(
            lambda: self.media["epoch"]
            if self.media and self.media["mode"] == mode and self.media["epoch"] > after_epoch
            else None,
            timeout,
            f"media mode {mode} after epoch {after_epoch}",
        )
        return epoch

    async def wait_for_speaking(
        self, peer_id: str, speaking: bool = True, timeout: float = 10.0  # noqa: ASYNC109
    ) -> None:
        """Wait until the server says `peer_id` is (or is no longer) talking."""
        await _poll(
            lambda: True if self.speaking.get(peer_id, False) == speaking else None,
            timeout,
            f"{peer_id} speaking={speaking}",
        )

    # ---- through the SFU --------------------------------------------------------------------
    def _publishes(self) -> bool:
        return self.role != "observer" and (self.send_audio or self.send_video)

    async def _set_up_sfu(self, setup: int) -> None:
        """(SFU lane) Close the previous SFU connections; if the room's media set-up is
        still number `setup` and goes through the SFU, publish our tracks and subscribe
        to everyone else."""
        if self.media is None or setup != self._setup:
            return  # a newer set-up is queued behind us
        await self._close_sfu()
        if self.media["mode"] != "sfu":
            return
        epoch = int(self.media["epoch"])
        sfu = self.sfu = SfuLink(epoch, room=self.room)
        try:
            if self._publishes():
                await self._sfu_publish(sfu)
            ack = await self._sfu_request(sfu, "sfu.subscribe", {})
            if ack.get("jsep") is not None:
                await self._sfu_answer(sfu, ack["jsep"], ack.get("streams") or [])
            # else: nobody publishes yet; the offer comes as an `sfu.offer` event.
        except _Superseded as exc:
            log.info("%s: media set-up %d is over (%s)", self.participant_id, epoch, exc)

    async def _sfu_request(self, sfu: SfuLink, event: str, data: dict[str, Any]) -> dict[str, Any]:
        """An `sfu.*` request for `sfu`'s set-up. Raises `_Superseded` when that set-up is
        over: the room moved on (`media_changed`), or its SFU is going away
        (`media_unavailable`); either way a `room.media` event for the next set-up
        follows, and we start over then."""
        if self.sfu is not sfu:
            raise _Superseded
        try:
            return await self.request(event, {"epoch": sfu.epoch, **data})
        except ParticipantError as exc:
            if exc.code in ("media_changed", "media_unavailable"):
                raise _Superseded(exc.code) from None
            raise

    async def _sfu_publish(self, sfu: SfuLink) -> None:
        pc = sfu.publisher = self._new_pc()
        for kind in KINDS:
            track = self._outgoing_track(kind)
            if track is not None:
                sfu.tracks.append(track)
                sfu.senders.append(pc.addTrack(track))
        self._apply_blocks(sfu)
        # aiortc gathers inside setLocalDescription: the offer carries its candidates.
        await pc.setLocalDescription(await pc.createOffer())
        offer = {"type": "offer", "sdp": pc.localDescription.sdp}
        ack = await self._sfu_request(sfu, "sfu.publish", {"jsep": offer})
        await pc.setRemoteDescription(RTCSessionDescription(sdp=ack["jsep"]["sdp"], type="answer"))

    async def _sfu_answer(
        self, sfu: SfuLink, jsep: dict[str, Any], streams: list[dict[str, Any]]
    ) -> None:
        """Answer the SFU's offer for our receiving connection (the first, or a
        renegotiation as people start or stop publishing)."""
        pc = sfu.subscriber
        if pc is not None and pc.signalingState == "closed":
            # The SFU ended this connection (we are leaving the room, or its SFU went
            # away); a new set-up follows.
            raise _Superseded("receiving connection closed")
        offered = _sdp_ssrcs(jsep["sdp"])
        if pc is not None and any(sfu.ssrcs.get(m, ssrc) != ssrc for m, ssrc in offered.items()):
            await self._sfu_resubscribe(sfu)
            return
        for mid, ssrc in offered.items():
            sfu.ssrcs.setdefault(mid, ssrc)
        sfu.streams = {
            str(s["mid"]): (str(s["participant_id"]), "video" if s["kind"] == "video" else "audio")
            for s in streams
        }
        if pc is None:
            # Max-bundle: the SFU's first offer may carry several video m-lines (people
            # already publishing). With aiortc's default (balanced) policy, the second
            # video m-line of one offer is put on the first one's transport, which the
            # BUNDLE then discards, so only the first person's video ever arrives
            # (aiortc 1.16). Janus always bundles everything on the first m-line.
            pc = sfu.subscriber = self._new_pc(max_bundle=True)
            receiver_pc = pc

            @pc.on("track")
            def on_track(track: MediaStreamTrack) -> None:
                mid = next(
                    (t.mid for t in receiver_pc.getTransceivers() if t.receiver.track is track),
                    None,
                )
                task = asyncio.create_task(self._consume_sfu(sfu, mid, track))
                sfu.consumers.add(task)
                task.add_done_callback(sfu.consumers.discard)

        await pc.setRemoteDescription(RTCSessionDescription(sdp=jsep["sdp"], type="offer"))
        await pc.setLocalDescription(await pc.createAnswer())
        answer = {"type": "answer", "sdp": pc.localDescription.sdp}
        await self._sfu_request(sfu, "sfu.answer", {"jsep": answer})
        sfu.offers_answered += 1

    async def _sfu_resubscribe(self, sfu: SfuLink) -> None:
        """(SFU lane) A fresh receiving connection, subscribed to everyone publishing
        now (the SFU reused an m-line, which aiortc cannot follow)."""
        log.info("%s: the SFU reused an m-line; subscribing again", self.participant_id)
        old, sfu.subscriber = sfu.subscriber, None
        for task in list(sfu.consumers):
            task.cancel()
        sfu.streams, sfu.ssrcs = {}, {}
        if old is not None:
            await old.close()
        ack = await self._sfu_request(sfu, "sfu.subscribe", {})
        # Offers of the old subscription were sent before this answer, so they are
        # queued already (stale); offers queued from now on are for the new one.
        sfu.subscription += 1
        sfu.resubscribed += 1
        if ack.get("jsep") is not None:
            await self._sfu_answer(sfu, ack["jsep"], ack.get("streams") or [])

    async def _on_sfu_offer(self, data: dict[str, Any]) -> None:
        if data.get("room") == self.room:
            sfu = self.sfu
            stamp = (sfu, sfu.subscription) if sfu is not None else None
            self._enqueue(SFU_LANE, functools.partial(self._sfu_renegotiate, data, stamp))

    async def _sfu_renegotiate(
        self, data: dict[str, Any], stamp: tuple[SfuLink, int] | None
    ) -> None:
        sfu = self.sfu
        if (sfu is None or stamp != (sfu, sfu.subscription) or data.get("room") != sfu.room
                or data.get("epoch") != sfu.epoch or not data.get("jsep")):
            return  # for a set-up (or a subscription) we already left
        with contextlib.suppress(_Superseded):
            await self._sfu_answer(sfu, data["jsep"], list(data.get("streams") or []))

    async def _consume_sfu(self, sfu: SfuLink, mid: str | None, track: MediaStreamTrack) -> None:
        """Count what arrives on one m-line for whoever it carries now (the SFU may give
        an m-line to another person after a renegotiation)."""
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                owner = sfu.streams.get(mid) if mid is not None else None
                if owner is not None:
                    self._count(owner[0], owner[1])

    async def _close_sfu(self) -> None:
        sfu, self.sfu = self.sfu, None
        if sfu is None:
            return
        for task in list(sfu.consumers):
            task.cancel()
        for track in sfu.tracks:
            track.stop()
        for pc in (sfu.publisher, sfu.subscriber):
            if pc is not None:
                await pc.close()

    def sfu_state(self) -> str:
        """Our SFU connections' states, for messages: "publisher=..., subscriber=..."."""
        if self.sfu is None:
            return "no SFU connection"
        states = {
            name: pc.connectionState if pc is not None else "none"
            for name, pc in (("publisher", self.sfu.publisher), ("subscriber", self.sfu.subscriber))
        }
        return f"epoch {self.sfu.epoch}: " + ", ".join(f"{k}={v}" for k, v in states.items())

    # ---- peer to peer: signaling ----------------------------------------------------------
    async def _on_signal(self, data: dict[str, Any]) -> None:
        peer = data.get("from")
        if isinstance(peer, str):
            self._enqueue(peer, lambda: self._handle_signal(peer, data))

    def _enqueue(self, peer: str, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job` after everything queued before it for this peer (or for the SFU, in
        its lane). python-socketio runs each handler as its own task, so this is queued
        without awaiting: one peer's signals (and our own offers to it) are handled
        strictly in order."""
        inbox = self._inboxes.get(peer)
        if inbox is None:
            inbox = self._inboxes[peer] = asyncio.Queue()
            self._workers[peer] = asyncio.create_task(self._peer_worker(peer, inbox))
        inbox.put_nowait(job)

    async def _peer_worker(
        self, peer: str, inbox: asyncio.Queue[Callable[[], Awaitable[None]]]
    ) -> None:
        while True:
            job = await inbox.get()
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("%s: negotiation with %s failed", self.participant_id, peer)

    async def _handle_signal(self, peer: str, data: dict[str, Any]) -> None:
        if not self._mesh:
            log.debug("signal from %s ignored: the room's media goes through the SFU", peer)
            return
        remote_pc = str(data.get("pc"))
        link = self.links.get(peer)
        description = data.get("description")
        if description is not None:
            if description["type"] == "offer":
                await self._answer(peer, remote_pc, description["sdp"])
            elif link is not None and link.offered and link.pc.signalingState == "have-local-offer":
                link.remote_pc = remote_pc
                await link.pc.setRemoteDescription(
                    RTCSessionDescription(sdp=description["sdp"], type="answer")
                )
            else:
                log.debug("stale answer from %s ignored", peer)
            return
        candidate = data.get("candidate") or {}
        text = str(candidate.get("candidate") or "")
        if link is None or link.remote_pc != remote_pc or not text:
            return  # for a replaced connection, or end-of-candidates (aiortc needs none)
        parsed = candidate_from_sdp(text.removeprefix("candidate:"))
        parsed.sdpMid = candidate.get("sdpMid")
        parsed.sdpMLineIndex = candidate.get("sdpMLineIndex")
        await link.pc.addIceCandidate(parsed)

    async def _answer(self, peer: str, remote_pc: str, sdp: str) -> None:
        link = self.links.get(peer)
        if link is not None and link.remote_pc != remote_pc:
            if link.pc.signalingState == "have-local-offer" and link.remote_pc is None:
                # Glare with our own offer; aiortc cannot roll back, so we stay impolite.
                log.info("offer from %s ignored: our own offer is pending", peer)
                return
            # A new connection from this peer (it reloaded or reconnected).
            await self._close_link(link)
            link = None
        if link is None:
            link = self._new_link(peer, remote_pc=remote_pc, offered=False)
        await link.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        self._attach_outgoing(link)
        await link.pc.setLocalDescription(await link.pc.createAnswer())
        await self._send_description(link)

    async def offer_to(self, peer_id: str) -> None:
        """Open a connection to `peer_id` by offering (for a peer that only answers, such
        as another Python participant; browsers offer by themselves). Returns once the
        offer is sent."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        async def job() -> None:
            try:
                await self._offer(peer_id)
            except Exception as exc:  # the caller gets it
                done.set_exception(exc)
            else:
                done.set_result(None)

        self._enqueue(peer_id, job)
        # The worker ends only when we close; then the offer will never be sent.
        await asyncio.wait([done, self._workers[peer_id]], return_when=asyncio.FIRST_COMPLETED)
        if not done.done():
            raise ConnectionError("closed before the offer was sent")
        done.result()

    async def _offer(self, peer_id: str) -> None:
        if not self._mesh:
            log.info("no offer to %s: the room's media goes through the SFU", peer_id)
            return
        old = self.links.get(peer_id)
        if old is not None:
            await self._close_link(old)
        link = self._new_link(peer_id, remote_pc=None, offered=True)
        for kind in KINDS:
            track = self._outgoing_track(kind)
            if track is not None:
                link.tracks.append(track)
                link.senders.append(link.pc.addTrack(track))
            else:
                link.pc.addTransceiver(kind, direction="recvonly")
        self._apply_blocks(link)
        # aiortc gathers its candidates inside setLocalDescription and puts them in the
        # SDP, so there is nothing to trickle afterwards.
        await link.pc.setLocalDescription(await link.pc.createOffer())
        try:
            await self._send_description(link)
        except ParticipantError:
            # Never delivered (the peer's connection is down, or it left our room): a
            # pending offer left behind would make us ignore the peer's own offer later.
            await self._close_link(link)
            raise

    async def _send_description(self, link: PeerLink) -> None:
        desc = link.pc.localDescription
        await self.request(
            "signal",
            {"to": link.peer_id, "pc": link.local_pc,
             "description": {"type": desc.type, "sdp": desc.sdp}},
        )

    def _new_pc(self, *, max_bundle: bool = False) -> RTCPeerConnection:
        config = RTCConfiguration(
            iceServers=[_ice_server(s) for s in self.ice_servers],
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE if max_bundle else RTCBundlePolicy.BALANCED,
        )
        return RTCPeerConnection(configuration=config)

    def _new_link(self, peer: str, *, remote_pc: str | None, offered: bool) -> PeerLink:
        pc = self._new_pc()
        link = PeerLink(peer, pc, secrets.token_hex(8), remote_pc, offered)
        self.links[peer] = link

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            task = asyncio.create_task(self._consume(peer, track))
            link.consumers.add(task)
            task.add_done_callback(link.consumers.discard)

        @pc.on("connectionstatechange")
        def on_state() -> None:
            log.info("connection to %s: %s", peer, pc.connectionState)

        return link

    def _outgoing_track(self, kind: Kind) -> MediaStreamTrack | None:
        # A track per connection: an aiortc track feeds a single sender.
        if kind == "video" and self.send_video:
            return SyntheticVideoTrack(*self.video_size, fps=self.video_fps)
        if kind == "audio" and self.send_audio:
            return ToneAudioTrack()
        return None

    def _attach_outgoing(self, link: PeerLink) -> None:
        """Send on the offer's own m-lines only: a track of a kind the offer lacks would
        need an m-line that an answer cannot add."""
        for kind in KINDS:
            if any(s.kind == kind for s in link.senders):
                continue  # a renegotiation: we already send this kind
            free = any(
                t.kind == kind and t.sender.track is None for t in link.pc.getTransceivers()
            )
            track = self._outgoing_track(kind) if free else None
            if track is not None:
                link.tracks.append(track)
                # Takes the first free transceiver of its kind.
                link.senders.append(link.pc.addTrack(track))
        self._apply_blocks(link)

    def _apply_blocks(self, holder: PeerLink | SfuLink) -> None:
        """Send each kind on `holder`'s senders unless a facilitator blocked it and we
        obey: a blocked sender carries no track (its m-line stays, so sending can
        resume without renegotiating)."""
        for sender in holder.senders:
            kind: Kind = "video" if sender.kind == "video" else "audio"
            blocked = self.obey_moderation and self._blocked[kind]
            if blocked and sender.track is not None:
                sender.replaceTrack(None)
            elif not blocked and sender.track is None:
                track = self._outgoing_track(kind)
                if track is not None:
                    holder.tracks.append(track)
                    sender.replaceTrack(track)

    async def _hang_up(self, peer: str) -> None:
        if (link := self.links.get(peer)) is not None:
            await self._close_link(link)

    async def _close_link(self, link: PeerLink) -> None:
        for task in list(link.consumers):
            task.cancel()
        for track in link.tracks:
            track.stop()
        await link.pc.close()
        # Forgotten only once closed, so "no link" always means "hung up".
        if self.links.get(link.peer_id) is link:
            del self.links[link.peer_id]

    # ---- received media -------------------------------------------------------------------
    async def _consume(self, peer: str, track: MediaStreamTrack) -> None:
        kind: Kind = "video" if track.kind == "video" else "audio"
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                self._count(peer, kind)

    def _count(self, peer: str, kind: Kind) -> None:
        counts = self.frames.setdefault(peer, {"audio": 0, "video": 0})
        counts[kind] += 1
        if self._waiters:
            self._wake(peer, kind, counts[kind])

    def _wake(self, peer: str, kind: Kind, count: int) -> None:
        still: list[_Waiter] = []
        for w in self._waiters:
            if w.peer_id == peer and w.kind == kind and count >= w.target:
                if not w.future.done():
                    w.future.set_result(count)
            elif not w.future.done():
                still.append(w)
        self._waiters = still

    def received(self, peer_id: str, kind: Kind) -> int:
        """Frames of `kind` decoded so far from `peer_id` (audio: one per 20 ms packet)."""
        return self.frames.get(peer_id, {}).get(kind, 0)

    # A `timeout` argument (ASYNC109) rather than the caller's `asyncio.timeout`, so the
    # error can say how far the media got.
    async def wait_for_peer_media(
        self, peer_id: str, kind: Kind, min_frames: int = 1, timeout: float = 20.0  # noqa: ASYNC109
    ) -> int:
        """Wait until at least `min_frames` frames of `kind` came from `peer_id` in total
        (peer to peer or through the SFU); returns the count. Raises TimeoutError with
        the counts seen so far."""
        count = self.received(peer_id, kind)
        if count >= min_frames:
            return count
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(peer_id, kind, min_frames, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            if self._mesh:
                link = self.links.get(peer_id)
                state = link.pc.connectionState if link else "no connection"
            else:
                state = f"through the SFU, {self.sfu_state()}"
            raise TimeoutError(
                f"{kind} from {peer_id}: {self.received(peer_id, kind)} of {min_frames} "
                f"frames after {timeout}s (connection: {state})"
            ) from None
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)

    async def wait_for_more_media(
        self, peer_id: str, kind: Kind, more: int, timeout: float = 20.0  # noqa: ASYNC109
    ) -> int:
        """Wait for `more` frames beyond those counted now: media is still flowing."""
        return await self.wait_for_peer_media(
            peer_id, kind, self.received(peer_id, kind) + more, timeout
        )

    async def inbound_packets(self, peer_id: str) -> dict[str, int]:
        """RTP packets received from `peer_id` per kind on the current connection, from
        getStats(): the peer-to-peer link's, or, through the SFU, those of the receiving
        connection's m-lines that carry `peer_id`."""
        totals: dict[str, int] = {"audio": 0, "video": 0}
        if not self._mesh:
            sfu = self.sfu
            if sfu is None or sfu.subscriber is None:
                return totals
            for transceiver in sfu.subscriber.getTransceivers():
                owner = sfu.streams.get(transceiver.mid or "")
                if owner is None or owner[0] != peer_id:
                    continue
                for stats in (await transceiver.receiver.getStats()).values():
                    if isinstance(stats, RTCInboundRtpStreamStats):
                        totals[owner[1]] += stats.packetsReceived
            return totals
        link = self.links.get(peer_id)
        if link is None:
            return totals
        for stats in (await link.pc.getStats()).values():
            if isinstance(stats, RTCInboundRtpStreamStats):
                totals[stats.kind] = totals.get(stats.kind, 0) + stats.packetsReceived
        return totals

    async def outbound_packets(self) -> dict[str, int]:
        """RTP packets we sent per kind over our current connections (peer to peer, or
        to the SFU): what we send, whatever the server then does with it."""
        totals: dict[str, int] = {"audio": 0, "video": 0}
        pcs = [link.pc for link in self.links.values()]
        if self.sfu is not None and self.sfu.publisher is not None:
            pcs.append(self.sfu.publisher)
        for pc in pcs:
            for stats in (await pc.getStats()).values():
                if isinstance(stats, RTCOutboundRtpStreamStats):
                    totals[stats.kind] = totals.get(stats.kind, 0) + stats.packetsSent
        return totals

    async def wait_for_participant(
        self, peer_id: str, timeout: float = 10.0  # noqa: ASYNC109
    ) -> dict[str, Any]:
        """Wait until `peer_id` is in our room (as the room events told us)."""
        person: dict[str, Any] = await _poll(
            lambda: self.participants.get(peer_id), timeout, f"{peer_id} in room"
        )
        return person

    def connection_state(self, peer_id: str) -> str:
        """Our peer-to-peer connection to `peer_id`: aiortc's connectionState, or
        "closed" when none."""
        link = self.links.get(peer_id)
        return str(link.pc.connectionState) if link is not None else "closed"

    async def wait_for_connection(
        self, peer_id: str, state: str = "connected", timeout: float = 20.0  # noqa: ASYNC109
    ) -> None:
        """Wait until our connection to `peer_id` is in `state` ("closed": hung up)."""
        await _poll(
            lambda: True if self.connection_state(peer_id) == state else None,
            timeout,
            f"connection to {peer_id} {state}",
        )

    # ---- helpers --------------------------------------------------------------------------
    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        # Keep a reference until done (the loop holds only weak ones).
        self._background.add(task)
        task.add_done_callback(self._background.discard)


def _sdp_ssrcs(sdp: str) -> dict[str, int]:
    """The first SSRC of each m-line that has one, by mid."""
    found: dict[str, int] = {}
    mid: str | None = None
    ssrc: int | None = None
    for line in [*sdp.splitlines(), "m="]:
        if line.startswith("m="):
            if mid is not None and ssrc is not None:
                found[mid] = ssrc
            mid = ssrc = None
        elif line.startswith("a=mid:"):
            mid = line[6:].strip()
        elif line.startswith("a=ssrc:") and ssrc is None:
            ssrc = int(line[7:].split(" ", 1)[0])
    return found


def _ice_server(server: dict[str, Any]) -> RTCIceServer:
    return RTCIceServer(
        urls=server["urls"], username=server.get("username"), credential=server.get("credential")
    )


async def _poll(check: Callable[[], Any], timeout: float, what: str) -> Any:  # noqa: ASYNC109
    """Await a condition that only room events change; these are rare, so a short poll is
    simpler than a notification per event."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (value := check()) is None:
        if loop.time() > deadline:
            raise TimeoutError(f"waiting for {what}")
        await asyncio.sleep(0.02)
    return value
