"""Signed webhooks to the clinic's system, through the real server process: every event
arrives signed and verifiable with the docs' receiver code, in order, exactly once per
id, also when the receiver was down for a while and when the server was killed with
events still undelivered."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from facilitation import ErrorCode, Refused
from rooms.model import Role
from signaling import tokens
from signaling.webhook_verify import InvalidWebhook, verify_webhook
from signaling.webhooks import WebhookOutbox, sign
from tests.signaling.test_facilitator_protocol import Person
from tests.support.services import ServerProcess
from tests.support.webhooks import WebhookReceiver

NAMES = ("Dr Okafor", "Amy Lindqvist", "Bea Tran")


@pytest.fixture
async def receiver(secret: str) -> AsyncIterator[WebhookReceiver]:
    made = WebhookReceiver(secret)
    yield made
    await made.stop()


async def run_a_session(server: ServerProcess, secret: str) -> str:
    """A facilitator and two participants come in; Amy leaves; the facilitator ends it."""
    session = "hooks-" + uuid.uuid4().hex[:8]

    def person(pid: str, name: str, role: Role = Role.PARTICIPANT) -> Person:
        token = tokens.mint(secret, session=session, name=name, role=role, participant_id=pid)
        return Person(server, token, session)

    fac, amy, bea = (person("f-1", NAMES[0], Role.FACILITATOR), person("p-amy", NAMES[1]),
                     person("p-bea", NAMES[2]))
    try:
        await fac.join()
        await amy.join()
        await bea.join()
        await amy.ok("leave")
        await fac.ok("session.end", {"message": "Thank you"})
    finally:
        for p in (fac, amy, bea):
            await p.close()
    return session


EXPECTED = [
    ("participant_joined", "f-1"),
    ("participant_joined", "p-amy"),
    ("participant_joined", "p-bea"),
    ("participant_left", "p-amy"),
    ("participant_left", "f-1"),
    ("participant_left", "p-bea"),
    ("session_ended", None),
]


async def health(server: ServerProcess) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http, http.get(f"{server.base_url}/healthz") as r:
        assert r.status == 200
        body: dict[str, Any] = await r.json()
        return body


def story(events: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    return [(e["event"], e.get("participant", {}).get("id")) for e in events]


def ended(receiver: WebhookReceiver, session: str) -> Callable[[], bool]:
    return lambda: any(e["event"] == "session_ended" for e in receiver.unique(session))


async def test_the_clinic_gets_a_signed_event_for_each_coming_and_going(
    make_server: Callable[..., ServerProcess], receiver: WebhookReceiver, secret: str
) -> None:
    await receiver.start()
    server = make_server(webhook_url=receiver.url)
    receiver.issuer = server.base_url  # the default server id: its public address
    session = await run_a_session(server, secret)

    await receiver.wait_for(ended(receiver, session))
    events = receiver.unique(session)
    assert story(events) == EXPECTED
    assert receiver.invalid == []
    assert receiver.content_types == {"application/webhook+json"}
    assert len({e["id"] for e in receiver.events}) == len(receiver.events)
    assert [e["session"] for e in events] == [session] * len(EXPECTED)
    assert all(isinstance(e["created_at"], float) for e in events)
    left = events[3]["participant"]
    assert (left["reason"], left["role"]) == ("left", "participant")

    attendance = events[-1]["attendance"]
    assert events[-1]["reason"] == "ended"
    rows = {r["participant_id"]: r for r in attendance["participants"]}
    assert set(rows) == {"f-1", "p-amy", "p-bea"}
    assert rows["p-amy"]["left_reason"] == "left"
    assert rows["p-bea"]["left_reason"] == "session_ended"
    # The clinic knows who its ids are: names never leave the server in a webhook.
    text = json.dumps(receiver.events)
    assert not [name for name in NAMES if name in text]


async def test_events_wait_while_the_receiver_is_down_and_arrive_in_order(
    make_server: Callable[..., ServerProcess], receiver: WebhookReceiver, secret: str
) -> None:
    receiver.down = True  # answers 503 to everything
    await receiver.start()
    server = make_server(webhook_url=receiver.url, extra_args=["--server-id", "groups-1"])
    receiver.issuer = "groups-1"
    session = await run_a_session(server, secret)

    # Tried, and tried again, while down; the admin's health check shows the backlog.
    await receiver.wait_for(lambda: receiver.refused >= 3)
    assert receiver.events == []
    backlog = (await health(server))["webhooks"]
    assert backlog["pending"] == len(EXPECTED) and backlog["last_failure"] == "status 503"
    assert backlog["oldest_seconds"] > 0
    receiver.down = False

    await receiver.wait_for(ended(receiver, session))
    assert story(receiver.unique(session)) == EXPECTED
    async with asyncio.timeout(30):
        while True:  # the server takes the last event off once it has read the 2xx: poll
            backlog = (await health(server))["webhooks"]
            if backlog["pending"] == 0:
                break
            await asyncio.sleep(0.05)
    assert backlog == {"pending": 0, "oldest_seconds": None, "last_failure": None}
    assert receiver.invalid == []
    # Nothing beyond what the ids deduplicate: every delivery is one of the seven.
    assert {e["id"] for e in receiver.events} == {e["id"] for e in receiver.unique(session)}


def spool_files(spool: Path) -> list[str]:
    return sorted(p.name for p in spool.glob("*.json"))


async def spooled(spool: Path, count: int) -> None:
    """Until the spool holds `count` events (polled, with a generous deadline)."""
    async with asyncio.timeout(30):
        while True:  # files have no event to await: look again shortly
            if len(await asyncio.to_thread(spool_files, spool)) == count:
                return
            await asyncio.sleep(0.05)


async def test_undelivered_events_survive_a_server_crash(
    make_server: Callable[..., ServerProcess],
    receiver: WebhookReceiver,
    secret: str,
    tmp_path: Path,
) -> None:
    spool = tmp_path / "spool"
    same_id = ["--server-id", "groups-1"]
    # The clinic's system is not up yet: nothing answers at its address.
    first = make_server(webhook_url=receiver.url, webhook_spool=spool, extra_args=same_id)
    session = await run_a_session(first, secret)
    await spooled(spool, len(EXPECTED))
    first.kill()

    await receiver.start()
    receiver.issuer = "groups-1"
    make_server(webhook_url=receiver.url, webhook_spool=spool, extra_args=same_id)
    await receiver.wait_for(ended(receiver, session))

    assert story(receiver.unique(session)) == EXPECTED
    assert {e["id"] for e in receiver.events} == {e["id"] for e in receiver.unique(session)}
    assert receiver.invalid == []
    await spooled(spool, 0)  # delivered events are not kept


# ---- the signature ------------------------------------------------------------------------
SECRET = "webhook-test-secret-" + "y" * 30
BODY = b'{"id":"e1","event":"participant_joined","session":"s"}'


def test_only_the_exact_body_signed_with_the_secret_passes() -> None:
    now = time.time()
    good = sign(BODY, SECRET, "groups-1", now)
    assert verify_webhook(BODY, good, SECRET, issuer="groups-1")["id"] == "e1"
    assert verify_webhook(BODY, f"Bearer {good}", SECRET)["event"] == "participant_joined"

    forgeries = [
        (BODY.replace(b"joined", b"left"), good, SECRET, "groups-1"),  # body changed
        (BODY, sign(BODY, "another-secret-" + "z" * 30, "groups-1", now), SECRET, None),
        (BODY, good, SECRET, "groups-2"),  # another server
        (BODY, sign(BODY, SECRET, "groups-1", now - 3600), SECRET, None),  # expired
        (BODY, "", SECRET, None),
    ]
    for body, authorization, secret, issuer in forgeries:
        with pytest.raises(InvalidWebhook):
            verify_webhook(body, authorization, secret, issuer=issuer)


def test_join_links_and_webhook_signatures_cannot_stand_in_for_each_other() -> None:
    """Both are signed with the server's secret; neither is accepted as the other."""
    join = tokens.mint(SECRET, session="s", name="Amy", role=Role.FACILITATOR)
    with pytest.raises(InvalidWebhook):
        verify_webhook(BODY, join, SECRET)
    with pytest.raises(Refused) as info:
        tokens.verify(SECRET, sign(BODY, SECRET, "groups-1", time.time()))
    assert info.value.code == ErrorCode.TOKEN_CLAIMS


def test_the_docs_show_the_very_code_that_verifies_in_these_tests() -> None:
    """docs/webhooks.md's receiver example is signaling/webhook_verify.py, to the byte."""
    repo = Path(__file__).resolve().parents[2]
    docs = (repo / "docs" / "webhooks.md").read_text()
    shown = docs.split("## Verifying, in Python", 1)[1].split("```python\n", 1)[1]
    assert shown.split("```", 1)[0] == (repo / "signaling" / "webhook_verify.py").read_text()


def test_retries_back_off_exponentially_with_jitter_up_to_the_cap() -> None:
    outbox = WebhookOutbox("http://127.0.0.1:9/hooks", SECRET, "groups-1", "unused",
                           max_delay=300, rng=random.Random(7))
    delays = [outbox.retry_delay(failures) for failures in range(40)]
    for failures, delay in enumerate(delays):
        ceiling = min(300.0, 2.0**failures)
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(delays[10:])) > 1  # jittered: retries of many sessions do not align
