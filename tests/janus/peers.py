"""aiortc peers that publish to and subscribe from Janus VideoRoom, for the tests.

They use the Python participant's cheap synthetic tracks (a 160x120 sweeping bar and a
quiet tone). aiortc does not trickle: it gathers inside setLocalDescription and puts the
candidates (here one host candidate on the netns's media address) in the SDP.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from aiortc.stats import RTCInboundRtpStreamStats, RTCOutboundRtpStreamStats

from signaling.janus.videoroom import Jsep, Publisher, StreamRef, Subscriber
from signaling.python_participant import SyntheticVideoTrack, ToneAudioTrack

Kind = Literal["audio", "video"]


def _pc() -> RTCPeerConnection:
    # No STUN server: aiortc's default is a public one, unreachable (and unwanted) here.
    return RTCPeerConnection(RTCConfiguration(iceServers=[]))


def _jsep(description: RTCSessionDescription) -> Jsep:
    return Jsep(type=description.type, sdp=description.sdp)


@dataclass
class PublishingPeer:
    """An aiortc PeerConnection sending a tone and a small video to a `Publisher`."""

    pc: RTCPeerConnection = field(default_factory=_pc)
    tracks: list[MediaStreamTrack] = field(default_factory=list)

    async def publish(self, publisher: Publisher) -> None:
        self.tracks = [ToneAudioTrack(), SyntheticVideoTrack(160, 120, fps=10)]
        for track in self.tracks:
            self.pc.addTrack(track)
        await self.pc.setLocalDescription(await self.pc.createOffer())
        # Subscribing needs an active feed: wait for Janus's `webrtcup` on this handle.
        with publisher.handle.events() as events:
            answer = await publisher.publish(_jsep(self.pc.localDescription))
            await self.pc.setRemoteDescription(RTCSessionDescription(**answer))
            await events.wait_for(lambda e: e.kind == "webrtcup", timeout=10)

    async def packets_sent(self, kind: Kind) -> int:
        """Outbound RTP packets of `kind` so far, from getStats()."""
        total = 0
        for stats in (await self.pc.getStats()).values():
            if isinstance(stats, RTCOutboundRtpStreamStats) and stats.kind == kind:
                total += stats.packetsSent
        return total

    def mid(self, kind: Kind) -> str:
        for transceiver in self.pc.getTransceivers():
            if transceiver.kind == kind and transceiver.mid is not None:
                return str(transceiver.mid)
        raise LookupError(f"no {kind} m-line")

    async def close(self) -> None:
        for track in self.tracks:
            track.stop()
        await self.pc.close()


class FrameCounts:
    """Frames decoded per kind, with waiters (`await counts.reach("video", 5)`)."""

    def __init__(self) -> None:
        self.counts: dict[Kind, int] = {"audio": 0, "video": 0}
        self._changed = asyncio.Condition()

    async def add(self, kind: Kind) -> None:
        async with self._changed:
            self.counts[kind] += 1
            self._changed.notify_all()

    async def reach(self, kind: Kind, target: int) -> int:
        async with self._changed:
            await self._changed.wait_for(lambda: self.counts[kind] >= target)
            return self.counts[kind]


@dataclass
class SubscribingPeer:
    """An aiortc PeerConnection receiving what a `Subscriber` forwards; counts frames."""

    pc: RTCPeerConnection = field(default_factory=_pc)
    frames: FrameCounts = field(default_factory=FrameCounts)
    _consumers: set[asyncio.Task[None]] = field(default_factory=set)

    def __post_init__(self) -> None:
        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            task = asyncio.create_task(self._consume(track))
            self._consumers.add(task)
            task.add_done_callback(self._consumers.discard)

    async def _consume(self, track: MediaStreamTrack) -> None:
        kind: Kind = "video" if track.kind == "video" else "audio"
        with contextlib.suppress(MediaStreamError):
            while True:
                await track.recv()
                await self.frames.add(kind)

    async def subscribe(self, subscriber: Subscriber, room: int, feed: int) -> None:
        subscription = await subscriber.join(room, [StreamRef(feed=feed)])
        assert subscription.offer is not None
        await self.answer(subscriber, subscription.offer)

    async def answer(self, subscriber: Subscriber, offer: Jsep) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(**offer))
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        await subscriber.start(_jsep(self.pc.localDescription))

    async def packets_received(self, kind: Kind) -> int:
        """Inbound RTP packets of `kind` so far, from getStats()."""
        total = 0
        for stats in (await self.pc.getStats()).values():
            if isinstance(stats, RTCInboundRtpStreamStats) and stats.kind == kind:
                total += stats.packetsReceived
        return total

    async def close(self) -> None:
        for task in list(self._consumers):
            task.cancel()
        await self.pc.close()


async def until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:  # noqa: ASYNC109
    """Poll `check` (e.g. RTP statistics, which notify nobody) until it holds."""
    try:
        async with asyncio.timeout(timeout):
            # Statistics notify nobody, so poll them.
            while not await check():  # noqa: ASYNC110
                await asyncio.sleep(0.05)
    except TimeoutError:
        raise AssertionError(f"{what}: not within {timeout}s") from None
