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

Media. Each connection gets its own small synthetic video track (160x120) and a tone, so
a test costs little CPU. Every received track is consumed and counted per remote
participant, so callers can await `wait_for_peer_media(peer, "video", n)`.

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
    RTCConfiguration,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import MediaStreamError
from aiortc.sdp import candidate_from_sdp
from aiortc.stats import RTCInboundRtpStreamStats
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
    consumers: set[asyncio.Task[None]] = field(default_factory=set)


@dataclass
class _Waiter:
    peer_id: str
    kind: Kind
    target: int
    future: asyncio.Future[int]


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

        self.sio = socketio.AsyncClient(reconnection=False, serializer="msgpack")
        self.participant_id = ""
        self.room = ""
        self.seq = 0
        self.participants: dict[str, dict[str, Any]] = {}
        self.ice_servers: list[dict[str, Any]] = []
        self.closed_reason: dict[str, Any] | None = None

        self.links: dict[str, PeerLink] = {}
        # Per remote participant, per kind: frames decoded from its tracks, across
        # connections (a reconnect does not reset them).
        self.frames: dict[str, dict[Kind, int]] = {}
        self._waiters: list[_Waiter] = []
        self._inboxes: dict[str, asyncio.Queue[Callable[[], Awaitable[None]]]] = {}
        self._workers: dict[str, asyncio.Task[None]] = {}
        self._sync_task: asyncio.Task[None] | None = None
        # Room events that arrive between entering the room and the join ack.
        self._early_events: list[dict[str, Any]] = []
        self._background: set[asyncio.Task[None]] = set()

        self.sio.on("room.event", self._on_room_event)
        self.sio.on("signal", self._on_signal)
        self.sio.on("session.closed", self._on_session_closed)

    # ---- session ------------------------------------------------------------------------
    async def join(self, *, audio_muted: bool = False, video_off: bool = False) -> dict[str, Any]:
        """Connect and take a seat; returns the `join` acknowledgement."""
        await self.sio.connect(
            self.base_url,
            transports=["websocket"],
            auth={"token": self.token, "session": self.session},
            wait_timeout=10,
        )
        ack = await self.request("join", {"audio_muted": audio_muted, "video_off": video_off})
        self.participant_id = ack["self"]["id"]
        self._apply_snapshot(ack["room"])
        early, self._early_events = self._early_events, []
        for event in early:
            await self._on_room_event(event)
        self.ice_servers = list(ack.get("ice_servers") or [])
        log.info("joined session %s as %s", self.session, self.participant_id)
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

    async def close(self) -> None:
        """Close every connection and the socket (the seat is held for the grace period)."""
        for task in [*self._workers.values(), *self._background]:
            task.cancel()
        if self._sync_task is not None:
            self._sync_task.cancel()
        self._workers.clear()
        self._inboxes.clear()
        for link in list(self.links.values()):
            await self._close_link(link)
        if self.sio.connected:
            await self.sio.disconnect()
        for waiter in self._waiters:
            if not waiter.future.done():
                waiter.future.cancel()
        self._waiters.clear()

    async def __aenter__(self) -> PythonParticipant:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    # ---- room events --------------------------------------------------------------------
    def _apply_snapshot(self, snapshot: dict[str, Any]) -> None:
        self.room = snapshot["room"]
        self.seq = snapshot["seq"]
        self.participants = {
            p["id"]: p for p in snapshot["participants"] if p["id"] != self.participant_id
        }

    async def _on_room_event(self, event: dict[str, Any]) -> None:
        if not self.room:
            self._early_events.append(event)
            return
        if event.get("room") != self.room:
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
        name, payload = event["name"], event["payload"]
        if name in ("participant.joined", "participant.updated"):
            person = payload["participant"]
            if person["id"] == self.participant_id:
                return
            is_new = person["id"] not in self.participants
            self.participants[person["id"]] = person
            if name == "participant.joined" and is_new and self.offer_to_all:
                self._spawn(self.offer_to(person["id"]))
        elif name == "participant.left":
            gone = payload["participant_id"]
            self.participants.pop(gone, None)
            self._enqueue(gone, functools.partial(self._hang_up, gone))

    async def _sync(self) -> None:
        ack = await self.request("sync", {"room": self.room, "since": self.seq})
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

    # ---- signaling ----------------------------------------------------------------------
    async def _on_signal(self, data: dict[str, Any]) -> None:
        peer = data.get("from")
        if isinstance(peer, str):
            self._enqueue(peer, lambda: self._handle_signal(peer, data))

    def _enqueue(self, peer: str, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job` after everything queued before it for this peer. python-socketio runs
        each handler as its own task, so this is queued without awaiting: one peer's
        signals (and our own offers to it) are handled strictly in order."""
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
                log.exception("negotiation with %s failed", peer)

    async def _handle_signal(self, peer: str, data: dict[str, Any]) -> None:
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
        old = self.links.get(peer_id)
        if old is not None:
            await self._close_link(old)
        link = self._new_link(peer_id, remote_pc=None, offered=True)
        for kind in KINDS:
            track = self._outgoing_track(kind)
            if track is not None:
                link.tracks.append(track)
                link.pc.addTrack(track)
            else:
                link.pc.addTransceiver(kind, direction="recvonly")
        # aiortc gathers its candidates inside setLocalDescription and puts them in the
        # SDP, so there is nothing to trickle afterwards.
        await link.pc.setLocalDescription(await link.pc.createOffer())
        await self._send_description(link)

    async def _send_description(self, link: PeerLink) -> None:
        desc = link.pc.localDescription
        await self.request(
            "signal",
            {"to": link.peer_id, "pc": link.local_pc,
             "description": {"type": desc.type, "sdp": desc.sdp}},
        )

    def _new_link(self, peer: str, *, remote_pc: str | None, offered: bool) -> PeerLink:
        config = RTCConfiguration(iceServers=[_ice_server(s) for s in self.ice_servers])
        pc = RTCPeerConnection(configuration=config)
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
            free = any(
                t.kind == kind and t.sender.track is None for t in link.pc.getTransceivers()
            )
            track = self._outgoing_track(kind) if free else None
            if track is not None:
                link.tracks.append(track)
                link.pc.addTrack(track)  # takes the first free transceiver of its kind

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
        counts = self.frames.setdefault(peer, {"audio": 0, "video": 0})
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
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
        """Wait until at least `min_frames` frames of `kind` came from `peer_id` in total;
        returns the count. Raises TimeoutError with the counts seen so far."""
        count = self.received(peer_id, kind)
        if count >= min_frames:
            return count
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(peer_id, kind, min_frames, future)
        self._waiters.append(waiter)
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            link = self.links.get(peer_id)
            state = link.pc.connectionState if link else "no connection"
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
        """RTP packets received from `peer_id` per kind, from the connection's getStats()."""
        link = self.links.get(peer_id)
        totals: dict[str, int] = {"audio": 0, "video": 0}
        if link is None:
            return totals
        for stats in (await link.pc.getStats()).values():
            if isinstance(stats, RTCInboundRtpStreamStats):
                totals[stats.kind] = totals.get(stats.kind, 0) + stats.packetsReceived
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
        """Our connection to `peer_id`: aiortc's connectionState, or "closed" when none."""
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
