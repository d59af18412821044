"""Starting Janus: what the server sees when it cannot."""

from __future__ import annotations

import socket

import pytest

from signaling.janus.client import JanusClient, JanusConnectionLost
from signaling.janus.config import JanusInstall, JanusSettings
from signaling.janus.process import JanusProcess, JanusStartError, find_janus
from tests.support.services import free_port


def test_find_janus_finds_the_installed_one_and_nothing_where_there_is_none(
    janus_install: JanusInstall,
) -> None:
    assert janus_install.binary.exists()
    # The server falls back to peer to peer when this is None.
    assert find_janus("/nonexistent/bin/janus") is None


async def test_a_janus_that_cannot_take_its_port_fails_with_its_own_reason(
    janus_settings: JanusSettings, janus_install: JanusInstall
) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", janus_settings.ws_port))
        squatter.listen()
        process = JanusProcess(janus_settings, janus_install, start_timeout=5)
        with pytest.raises(JanusStartError, match="No Janus API transport"):
            await process.start()
    assert process.pid is None and process.config_folder is None  # nothing left behind


async def test_connecting_where_no_janus_listens_says_so() -> None:
    with pytest.raises(JanusConnectionLost, match="cannot reach Janus"):
        await JanusClient.connect(f"ws://127.0.0.1:{free_port()}", "secret")
