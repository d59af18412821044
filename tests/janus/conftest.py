"""Fixtures for the Janus tests: a real Janus (started by `JanusProcess`), a client, a room.

These tests run inside the private network namespace made by `scripts/in-netns.sh`:
Janus gathers ICE candidates only on a non-loopback device, which there is `media0`
carrying FACILITATION_TEST_MEDIA_ADDR (see /work/shared/notes/test-network.md).
A missing namespace or a missing Janus fails the tests: a media test that never ran
must not look like a pass.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator

import pytest

from signaling.janus.client import JanusClient
from signaling.janus.config import JanusInstall, JanusSettings
from signaling.janus.process import JanusProcess, find_janus
from signaling.janus.videoroom import RoomAdmin, new_janus_id
from tests.janus.peers import PublishingPeer, SubscribingPeer
from tests.support.services import free_port

# Few enough for a quick start, plenty for a handful of PeerConnections.
RTP_PORTS = (42000, 42999)


@pytest.fixture(scope="session")
def media_address() -> str:
    address = os.environ.get("FACILITATION_TEST_MEDIA_ADDR")
    if not os.environ.get("FACILITATION_TEST_NETNS") or not address:
        pytest.fail(
            "Janus tests run inside the test network namespace: "
            "scripts/in-netns.sh .venv/bin/python -m pytest tests/janus",
            pytrace=False,
        )
    return address


@pytest.fixture(scope="session")
def janus_install() -> JanusInstall:
    install = find_janus()
    if install is None:
        # In CI a missing dependency is an error, never a skip.
        pytest.fail("Janus is not installed; run scripts/install.sh", pytrace=False)
    return install


@pytest.fixture
def janus_settings(media_address: str) -> JanusSettings:
    return JanusSettings(media_address=media_address, ws_port=free_port(), rtp_ports=RTP_PORTS)


@pytest.fixture
async def janus(
    janus_settings: JanusSettings, janus_install: JanusInstall
) -> AsyncIterator[JanusProcess]:
    """A Janus of this test's own: it starts in well under a second."""
    process = JanusProcess(janus_settings, janus_install)
    await process.start()
    yield process
    await process.stop()


@pytest.fixture
async def client(janus: JanusProcess) -> AsyncIterator[JanusClient]:
    janus_client = await JanusClient.connect(janus.url, janus.api_secret)
    yield janus_client
    await janus_client.close()


@pytest.fixture
async def admin(client: JanusClient) -> RoomAdmin:
    return await RoomAdmin.attach(client)


@pytest.fixture
async def room(admin: RoomAdmin) -> int:
    room_id = new_janus_id()
    await admin.create_room(room_id, max_publishers=4)
    return room_id


class Peers:
    """Makes aiortc peers and closes them all after the test."""

    def __init__(self) -> None:
        self.made: list[PublishingPeer | SubscribingPeer] = []

    def publishing(self) -> PublishingPeer:
        peer = PublishingPeer()
        self.made.append(peer)
        return peer

    def subscribing(self) -> SubscribingPeer:
        peer = SubscribingPeer()
        self.made.append(peer)
        return peer

    async def close(self) -> None:
        for peer in self.made:
            await peer.close()


@pytest.fixture
async def peers() -> AsyncIterator[Peers]:
    made = Peers()
    yield made
    await made.close()


@pytest.fixture(autouse=True)
def _quiet_aiortc_decoder(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    # A subscriber that joins mid-stream fails to decode VP8 until the next keyframe;
    # aiortc logs each failure as a warning, which is noise here.
    caplog.set_level("ERROR", logger="aiortc.rtcrtpreceiver")
    yield
