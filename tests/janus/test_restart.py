"""Janus dies mid-session: the supervisor notices, restarts it, and media can flow again."""

from __future__ import annotations

import asyncio
import signal

import pytest

from signaling.janus.client import JanusClient, JanusConnectionLost, JanusError
from signaling.janus.process import JanusProcess
from signaling.janus.videoroom import Publisher, RoomAdmin, Subscriber, new_janus_id
from tests.janus.conftest import Peers

ENOUGH_VIDEO = 8


async def _session(client: JanusClient, room: int, peers: Peers) -> None:
    """Create `room`, publish into it, subscribe to that feed, and see video arrive."""
    admin = await RoomAdmin.attach(client)
    await admin.create_room(room, max_publishers=4)
    publisher = await Publisher.attach(client)
    feed = new_janus_id()
    await publisher.join(room, feed, "speaker")
    await peers.publishing().publish(publisher)
    viewer = peers.subscribing()
    await viewer.subscribe(await Subscriber.attach(client), room, feed)
    async with asyncio.timeout(15):
        await viewer.frames.reach("video", ENOUGH_VIDEO)


async def test_a_killed_janus_is_restarted_and_the_room_can_be_rebuilt(
    janus: JanusProcess, client: JanusClient, peers: Peers
) -> None:
    room = new_janus_id()
    await _session(client, room, peers)

    lost = asyncio.Event()
    ready: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    client_lost = asyncio.Event()

    async def on_lost() -> None:
        lost.set()

    async def on_ready(url: str, api_secret: str) -> None:
        ready.put_nowait((url, api_secret))

    async def on_client_lost() -> None:
        client_lost.set()

    janus.on_lost(on_lost)
    janus.on_ready(on_ready)
    client.on_lost(on_client_lost)
    old_pid, old_secret = janus.pid, janus.api_secret

    janus.send_signal(signal.SIGKILL)

    async with asyncio.timeout(10):
        await client_lost.wait()  # the server's client learns at once ...
        await lost.wait()  # ... and so does the supervisor's owner
        url, api_secret = await ready.get()
    assert janus.pid != old_pid and janus.starts == 2
    assert api_secret != old_secret

    # The old client is done: requests fail clearly instead of hanging.
    with pytest.raises(JanusConnectionLost):
        await client.attach("janus.plugin.videoroom")
    # The old secret died with the old process.
    with pytest.raises(JanusError) as refused:
        await JanusClient.connect(url, old_secret)
    assert refused.value.code == 403

    # The server rebuilds the room under the same id; people publish and subscribe again.
    fresh_client = await JanusClient.connect(url, api_secret)
    try:
        await _session(fresh_client, room, peers)
    finally:
        await fresh_client.close()
