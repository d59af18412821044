"""The Janus API client against a real Janus: secrets, typed errors, lost connections."""

from __future__ import annotations

import asyncio

import pytest

from signaling.janus.client import JanusClient, JanusConnectionLost, JanusError
from signaling.janus.config import JanusInstall, JanusSettings
from signaling.janus.process import JanusProcess
from signaling.janus.videoroom import RoomAdmin, new_janus_id
from tests.support.services import free_port


async def test_janus_refuses_a_client_without_the_api_secret(janus: JanusProcess) -> None:
    with pytest.raises(JanusError) as refused:
        await JanusClient.connect(janus.url, "not-the-secret")
    assert refused.value.code == 403


async def test_a_plugin_error_is_raised_with_its_code(admin: RoomAdmin) -> None:
    with pytest.raises(JanusError) as error:
        await admin.destroy_room(new_janus_id())
    assert error.value.code == 426  # JANUS_VIDEOROOM_ERROR_NO_SUCH_ROOM
    assert "No such room" in error.value.reason


async def test_rooms_come_and_go(admin: RoomAdmin) -> None:
    room = new_janus_id()
    assert not await admin.exists(room)
    await admin.create_room(room, max_publishers=2)
    assert await admin.exists(room)
    assert await admin.list_participants(room) == []
    await admin.destroy_room(room)
    assert not await admin.exists(room)


async def test_when_janus_stops_pending_requests_and_event_streams_fail_clearly(
    janus: JanusProcess, client: JanusClient, admin: RoomAdmin
) -> None:
    lost = asyncio.Event()

    async def on_lost() -> None:
        lost.set()

    client.on_lost(on_lost)
    with admin.handle.events() as events:
        waiting = asyncio.create_task(events.get())
        await asyncio.sleep(0)  # let it start waiting
        await janus.stop()
        async with asyncio.timeout(5):
            await lost.wait()
            with pytest.raises(JanusConnectionLost):
                await waiting
    assert client.closed
    with pytest.raises(JanusConnectionLost):
        await admin.exists(new_janus_id())


async def test_keepalives_hold_an_idle_session_that_janus_would_otherwise_drop(
    media_address: str, janus_install: JanusInstall
) -> None:
    # A 2 s session timeout instead of 60 s, so the test sees both outcomes quickly:
    # the server's control handle is idle for long stretches between room changes.
    settings = JanusSettings(media_address=media_address, ws_port=free_port(),
                             session_timeout=2)
    async with JanusProcess(settings, janus_install) as janus:
        kept = await JanusClient.connect(janus.url, janus.api_secret, keepalive_seconds=0.5)
        idle = await JanusClient.connect(janus.url, janus.api_secret, keepalive_seconds=3600)
        dropped = asyncio.Event()

        async def on_lost() -> None:
            dropped.set()

        idle.on_lost(on_lost)
        try:
            async with asyncio.timeout(10):
                await dropped.wait()  # Janus timed out the idle session, and said so
            assert idle.closed
            admin = await RoomAdmin.attach(kept)  # the kept session still works
            assert not await admin.exists(new_janus_id())
        finally:
            await kept.close()
