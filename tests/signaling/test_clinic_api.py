"""The clinic's system lists a roster ahead over HTTP; the session then admits only the
listed people to its waiting room."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp

from rooms.model import Role
from signaling import tokens
from tests.signaling.test_facilitator_protocol import (  # noqa: F401 (fixtures)
    Person,
    audit_lines,
    gated_server,
)
from tests.support.services import ServerProcess


async def put(server: ServerProcess, session: str, token: str | None, body: Any) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as http, http.put(
        f"{server.base_url}/api/sessions/{session}/admission",
        data=json.dumps(body) if not isinstance(body, str) else body,
        headers=headers,
    ) as response:
        return response.status, await response.json()


async def test_a_roster_listed_ahead_admits_only_listed_people(
    gated_server: ServerProcess, secret: str  # noqa: F811
) -> None:
    session = "roster-" + uuid.uuid4().hex[:8]
    mint: Callable[..., str] = lambda name, role=Role.PARTICIPANT, **kw: tokens.mint(  # noqa: E731
        secret, session=session, name=name, role=role, **kw
    )
    clinic = mint("Clinic scheduler", Role.FACILITATOR, participant_id="clinic-system")
    status, reply = await put(gated_server, session, clinic,
                              {"roster_only": True, "roster": ["p-ana", "p-ben"]})
    assert (status, reply) == (200, {"ok": True})

    listed = Person(gated_server, mint("Ana", participant_id="p-ana"), session)
    stranger = Person(gated_server, mint("Zed", participant_id="p-zed"), session)
    try:
        assert (await listed.join())["waiting"] is not None
        await stranger.connect()
        refused = await stranger.call("join")
        assert refused["error"]["code"] == "not_on_roster"
    finally:
        await listed.close()
        await stranger.close()
    actions = [line["action"] for line in audit_lines(gated_server, session)]
    assert actions == ["roster_only", "set_roster"]
    assert audit_lines(gated_server, session)[0]["actor"] == "clinic-system"


async def test_the_api_refuses_what_it_should_and_changes_nothing(
    gated_server: ServerProcess, secret: str  # noqa: F811
) -> None:
    session = "roster-" + uuid.uuid4().hex[:8]
    participant = tokens.mint(secret, session=session, name="P", role=Role.PARTICIPANT)
    other = tokens.mint(secret, session="elsewhere", name="F", role=Role.FACILITATOR)
    facilitator = tokens.mint(secret, session=session, name="F", role=Role.FACILITATOR)
    body = {"roster_only": True, "roster": []}
    assert (await put(gated_server, session, None, body))[0] == 401
    assert (await put(gated_server, session, "not-a-token", body))[0] == 401
    status, reply = await put(gated_server, session, other, body)
    assert status == 401 and reply["error"]["code"] == "token_wrong_session"
    status, reply = await put(gated_server, session, participant, body)
    assert status == 403 and reply["error"]["code"] == "not_permitted"
    status, reply = await put(gated_server, session, facilitator, {"roster": "p-1"})
    assert status == 400 and reply["error"]["code"] == "invalid_payload"
    status, reply = await put(gated_server, session, facilitator, "{not json")
    assert status == 400 and reply["error"]["code"] == "invalid_payload"
    # Nothing was set: anyone may still wait to be admitted.
    person = Person(gated_server, participant, session)
    try:
        assert (await person.join())["waiting"] is not None
    finally:
        await person.close()
    assert audit_lines(gated_server, session) == []
