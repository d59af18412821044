"""Two aiortc peers, each restricted to relay candidates (aiortc 1.16's
`iceTransportPolicy`), exchange video through the test coturn: how a Python participant
(tests, load generation, the pre-join check) gets through a network that only lets TURN out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiortc import (
    MediaStreamTrack,
    RTCConfiguration,
    RTCIceServer,
    RTCIceTransportPolicy,
    RTCPeerConnection,
)
from aiortc.mediastreams import MediaStreamError

from signaling.python_participant import SyntheticVideoTrack
from signaling.turn import ice_servers, mint_credentials
from tests.support.coturn import CoturnProcess

pytestmark = pytest.mark.usefixtures("media_netns")

# The synthetic track runs at 15 fps: 30 frames is two seconds of video.
ENOUGH_FRAMES = 30


def relay_only(servers: list[dict[str, Any]]) -> RTCConfiguration:
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(
                urls=s["urls"], username=s.get("username"), credential=s.get("credential")
            )
            for s in servers
        ],
        iceTransportPolicy=RTCIceTransportPolicy.RELAY,
    )


class FrameCounter:
    """Consumes a received track, counting decoded frames; `reached(n)` awaits the n-th."""

    def __init__(self) -> None:
        self.frames = 0
        self._changed = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def consume(self, track: MediaStreamTrack) -> None:
        self.task = asyncio.ensure_future(self._run(track))

    async def _run(self, track: MediaStreamTrack) -> None:
        try:
            while True:
                await track.recv()
                self.frames += 1
                self._changed.set()
        except MediaStreamError:
            pass

    async def reached(self, count: int, timeout: float = 20) -> None:  # noqa: ASYNC109
        async with asyncio.timeout(timeout):
            while self.frames < count:
                self._changed.clear()
                await self._changed.wait()


@pytest.fixture
async def peers() -> AsyncIterator[list[RTCPeerConnection]]:
    made: list[RTCPeerConnection] = []
    yield made
    for pc in made:
        await pc.close()


def local_candidate_types(pc: RTCPeerConnection) -> list[str]:
    sdp = pc.localDescription.sdp
    return [line.split(" typ ")[1].split()[0] for line in sdp.splitlines() if " typ " in line]


def selected_local_candidate_type(pc: RTCPeerConnection) -> str:
    # aiortc has no candidate-pair statistics; the nominated pair lives in aioice.
    ice = pc.getTransceivers()[0].receiver.transport.transport
    (pair,) = ice._connection._nominated.values()
    kind: str = pair.local_candidate.type
    return kind


async def connect(sender: RTCPeerConnection, receiver: RTCPeerConnection) -> None:
    # aiortc gathers all candidates before setLocalDescription returns (no trickle).
    await sender.setLocalDescription(await sender.createOffer())
    await receiver.setRemoteDescription(sender.localDescription)
    await receiver.setLocalDescription(await receiver.createAnswer())
    await sender.setRemoteDescription(receiver.localDescription)


async def test_aiortc_peer_receives_video_relayed_by_coturn(
    coturn: CoturnProcess, peers: list[RTCPeerConnection]
) -> None:
    sender = RTCPeerConnection(relay_only(ice_servers([coturn.url], coturn.secret, "p-py-a")))
    receiver = RTCPeerConnection(relay_only(ice_servers([coturn.url], coturn.secret, "p-py-b")))
    peers += [sender, receiver]
    counter = FrameCounter()
    receiver.on("track", counter.consume)
    sender.addTrack(SyntheticVideoTrack())

    await connect(sender, receiver)
    assert set(local_candidate_types(sender)) == {"relay"}
    assert set(local_candidate_types(receiver)) == {"relay"}

    await counter.reached(ENOUGH_FRAMES)
    assert selected_local_candidate_type(sender) == "relay"
    assert selected_local_candidate_type(receiver) == "relay"
    # Still flowing.
    await counter.reached(counter.frames + ENOUGH_FRAMES)


async def test_aiortc_peer_with_a_wrong_credential_gathers_nothing_and_no_call_starts(
    coturn: CoturnProcess, peers: list[RTCPeerConnection]
) -> None:
    good = ice_servers([coturn.url], coturn.secret, "p-py-good")
    bad = mint_credentials("not-the-turn-servers-secret", "p-py-bad")
    sender = RTCPeerConnection(relay_only(good))
    receiver = RTCPeerConnection(
        relay_only([{"urls": [coturn.url], "username": bad.username, "credential": bad.credential}])
    )
    peers += [sender, receiver]
    counter = FrameCounter()
    receiver.on("track", counter.consume)
    sender_failed = asyncio.Event()
    sender.on(
        "connectionstatechange",
        lambda: sender_failed.set() if sender.connectionState == "failed" else None,
    )
    sender.addTrack(SyntheticVideoTrack())

    await connect(sender, receiver)
    # coturn refused the allocation (401), so the receiver has no candidate to offer...
    assert local_candidate_types(receiver) == []
    assert local_candidate_types(sender) == ["relay"]
    # ...and the other side, with nothing to check against, gives up at once.
    async with asyncio.timeout(10):
        await sender_failed.wait()
    # aiortc does not even start ICE without a local candidate: the peer with the bad
    # credential stays "new" (it never reports "failed" itself) and receives nothing.
    assert receiver.connectionState == "new"
    assert counter.frames == 0
