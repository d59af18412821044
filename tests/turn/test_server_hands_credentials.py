"""The server hands each participant working TURN credentials at join.

End to end: a server started with `--turn-url` and `--turn-secret`, a participant who
joins through the real protocol, and the real coturn accepting what the join ack holds
(and refusing it once tampered with).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import socketio
from aioice import stun

from rooms.model import Role
from tests.support.coturn import CoturnProcess
from tests.support.services import ServerProcess
from tests.turn.test_coturn_auth import allocate, error_code


@pytest.fixture
def turn_server(coturn: CoturnProcess, secret: str) -> Iterator[ServerProcess]:
    server = ServerProcess(
        secret=secret,
        # `=`: a random secret may start with "-", which argparse would take for an option.
        extra_args=["--turn-url", coturn.url, f"--turn-secret={coturn.secret}",
                    "--turn-ttl", "600"],
    ).start()
    yield server
    server.stop()


async def join_ack(server: ServerProcess, token: str, session: str) -> dict[str, object]:
    client = socketio.AsyncClient(reconnection=False, serializer="msgpack")
    await client.connect(server.base_url, transports=["websocket"],
                         auth={"token": token, "session": session}, wait_timeout=10)
    try:
        ack: dict[str, object] = await client.call("join", {}, timeout=10)
    finally:
        await client.disconnect()
    return ack


async def test_a_participant_gets_credentials_coturn_accepts(
    turn_server: ServerProcess, coturn: CoturnProcess, mint: Callable[..., str]
) -> None:
    ack = await join_ack(turn_server, mint("turn-e2e", "Sam", Role.PARTICIPANT,
                                           participant_id="p-sam"), "turn-e2e")
    assert ack["ok"] is True
    servers = ack["ice_servers"]
    assert isinstance(servers, list) and len(servers) == 1
    entry = servers[0]
    assert entry["urls"] == [coturn.url]
    expiry, _, who = entry["username"].partition(":")
    assert who == "p-sam"  # the opaque id, never the name
    assert 0 < int(expiry) - time.time() <= 600

    client = await allocate(coturn, entry["username"], entry["credential"])
    assert client.relayed_address is not None
    await client.delete()

    # The same credential with someone else's id (or a later expiry) is refused.
    forged = f"{int(expiry) + 3600}:p-sam"
    with pytest.raises(stun.TransactionFailed) as failure:
        await allocate(coturn, forged, entry["credential"])
    assert error_code(failure) == 401


async def test_each_participant_gets_their_own_credentials(
    turn_server: ServerProcess, mint: Callable[..., str]
) -> None:
    first = await join_ack(turn_server, mint("turn-e2e-2", "Ana", participant_id="p-ana"),
                           "turn-e2e-2")
    second = await join_ack(turn_server, mint("turn-e2e-2", "Ben", participant_id="p-ben"),
                            "turn-e2e-2")
    a, b = first["ice_servers"][0], second["ice_servers"][0]  # type: ignore[index]
    assert a["username"].endswith(":p-ana") and b["username"].endswith(":p-ben")
    assert a["credential"] != b["credential"]


def test_turn_urls_without_a_secret_stop_the_server_at_start(secret: str) -> None:
    server = ServerProcess(secret=secret, extra_args=["--turn-url", "turn:127.0.0.1:3478"])
    with pytest.raises(RuntimeError, match="exited"):
        server.start()
    assert "TURN" in server.log()
