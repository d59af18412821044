"""A real coturn accepts the credentials this server mints, and refuses anything else.

Each test makes a TURN allocation with aioice's TURN client, as a browser or aiortc peer
does when it gathers a relay candidate.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from aioice import stun, turn

from signaling.turn import TurnCredentials, mint_credentials
from tests.support.coturn import CoturnProcess

Client = turn.TurnClientUdpProtocol


async def allocate(server: CoturnProcess, username: str, password: str) -> Client:
    """A TURN allocation over UDP: the first Allocate gets 401 with a realm and nonce, the
    client retries with the credentials. Raises stun.TransactionFailed when refused."""
    loop = asyncio.get_running_loop()
    _, client = await loop.create_datagram_endpoint(
        lambda: Client(
            server.address, username, password, lifetime=600, channel_refresh_time=500
        ),
        remote_addr=server.address,
    )
    try:
        await client.connect()
    except BaseException:
        client.transport.close()
        raise
    return client


def error_code(failure: pytest.ExceptionInfo[stun.TransactionFailed]) -> int:
    code: int = failure.value.response.attributes["ERROR-CODE"][0]
    return code


async def refused_with(server: CoturnProcess, username: str, password: str) -> int:
    with pytest.raises(stun.TransactionFailed) as failure:
        client = await allocate(server, username, password)
        await client.delete()
    return error_code(failure)


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    made: list[Client] = []
    yield made
    for client in made:
        await client.delete()  # frees the relay port at once, not when it expires


async def test_minted_credentials_get_a_relay_address(
    coturn: CoturnProcess, clients: list[Client]
) -> None:
    creds = mint_credentials(coturn.secret, "p-allocate", ttl=600)
    client = await allocate(coturn, creds.username, creds.credential)
    clients.append(client)
    assert client.relayed_address is not None
    host, port = client.relayed_address
    assert host == "127.0.0.1"
    assert coturn.min_port <= port <= coturn.max_port
    assert client.realm == coturn.realm


async def test_a_credential_minted_with_another_secret_is_refused(coturn: CoturnProcess) -> None:
    creds = mint_credentials("not-the-turn-servers-secret", "p-wrong-secret", ttl=600)
    assert await refused_with(coturn, creds.username, creds.credential) == 401


async def test_a_username_changed_after_minting_is_refused(coturn: CoturnProcess) -> None:
    creds = mint_credentials(coturn.secret, "p-tamper", ttl=600)
    # Someone stretches the expiry (or swaps the id) of a credential they were given.
    stretched = f"{creds.expires_at + 86400}:p-tamper"
    assert await refused_with(coturn, stretched, creds.credential) == 401
    someone_else = f"{creds.expires_at}:p-someone-else"
    assert await refused_with(coturn, someone_else, creds.credential) == 401


async def test_an_expired_username_is_refused(coturn: CoturnProcess) -> None:
    creds = mint_credentials(coturn.secret, "p-expired", ttl=60, now=time.time() - 120)
    assert await refused_with(coturn, creds.username, creds.credential) == 401


async def _wait_until_expired(creds: TurnCredentials) -> None:
    # coturn compares the expiry with a clock of whole seconds that it updates once a
    # second (measured: still accepted 0.1 s after, refused from 1.1 s after): be 2 s past.
    await asyncio.sleep(max(0.0, creds.expires_at + 2 - time.time()))


async def test_a_relay_made_before_expiry_keeps_working_after_it(
    coturn: CoturnProcess, clients: list[Client]
) -> None:
    """A session that overruns its credentials' validity keeps its relayed media: the
    expiry only stops new allocations."""
    creds = mint_credentials(coturn.secret, "p-overrun", ttl=1)
    client = await allocate(coturn, creds.username, creds.credential)
    clients.append(client)
    await _wait_until_expired(creds)

    assert await refused_with(coturn, creds.username, creds.credential) == 401
    # The existing allocation still refreshes and still opens permissions to new peers
    # (what a browser does every few minutes during a call).
    refresh = stun.Message(message_method=stun.Method.REFRESH, message_class=stun.Class.REQUEST)
    refresh.attributes["LIFETIME"] = 600
    response, _ = await client.request_with_retry(refresh)
    assert response.attributes["LIFETIME"] == 600
    permission = stun.Message(
        message_method=stun.Method.CREATE_PERMISSION, message_class=stun.Class.REQUEST
    )
    permission.attributes["XOR-PEER-ADDRESS"] = ("127.0.0.2", 40000)
    await client.request_with_retry(permission)


@pytest.fixture
def guarded_coturn() -> Iterator[CoturnProcess]:
    """coturn set up as docs/turn.md sets up production: a whole range denied as peers
    (there: the private ranges), with one address allowed back (there: the SFU)."""
    server = CoturnProcess(
        extra_args=["--denied-peer-ip=127.0.0.0-127.255.255.255", "--allowed-peer-ip=127.0.0.2"]
    ).start()
    yield server
    server.stop()


async def test_denied_peer_addresses_cannot_be_reached_through_the_relay(
    guarded_coturn: CoturnProcess, clients: list[Client]
) -> None:
    """A participant with valid credentials still cannot use the relay to reach an address
    in a denied range (in production: the clinic's own network), while the one allowed
    address stays reachable; even with loopback peers allowed, as in the tests."""
    creds = mint_credentials(guarded_coturn.secret, "p-ssrf", ttl=600)
    client = await allocate(guarded_coturn, creds.username, creds.credential)
    clients.append(client)

    def permission(host: str) -> stun.Message:
        message = stun.Message(
            message_method=stun.Method.CREATE_PERMISSION, message_class=stun.Class.REQUEST
        )
        message.attributes["XOR-PEER-ADDRESS"] = (host, 40000)
        return message

    await client.request_with_retry(permission("127.0.0.2"))  # allowed back in
    await client.request_with_retry(permission("192.0.2.7"))  # outside the denied range
    for denied in ("127.0.0.1", "127.0.0.3"):
        with pytest.raises(stun.TransactionFailed) as failure:
            await client.request_with_retry(permission(denied))
        assert error_code(failure) == 403
