"""Attendance through the real server (waiting room and ground rules on): a facilitator
exports the ledger over Socket.IO during the session and over HTTP after it ended, and
the ledger says who came late, who dropped and came back, who left early."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import aiohttp
import pytest

from rooms.model import Role
from signaling import tokens
from tests.signaling.test_facilitator_protocol import Person, audit_lines
from tests.support.services import ServerProcess

NAMES = ["Dr Abara", "Amy Late", "Bob Flaky", "Cy Early", "=HYPERLINK(\"x\")"]
MINUTE = 60.0


@pytest.fixture(scope="module")
def ledger_server(secret: str) -> Iterator[ServerProcess]:
    # A long grace period: a dropped connection surely comes back within it.
    server = ServerProcess(secret=secret, grace_seconds=120, waiting_room="on",
                           ground_rules="on").start()
    yield server
    server.stop()
    assert server.audit_log is not None
    text = server.audit_log.read_text()
    assert not [name for name in NAMES if name in text]


class Group:
    def __init__(self, server: ServerProcess, secret: str) -> None:
        self.server, self.secret = server, secret
        self.session = "ledger-" + uuid.uuid4().hex[:8]
        self.people: list[Person] = []

    def token(self, pid: str, name: str, role: Role = Role.PARTICIPANT) -> str:
        return tokens.mint(self.secret, session=self.session, name=name, role=role,
                           participant_id=pid)

    def person(self, pid: str, name: str, role: Role = Role.PARTICIPANT) -> Person:
        p = Person(self.server, self.token(pid, name, role), self.session)
        self.people.append(p)
        return p

    async def come_in(self, facilitator: Person, pid: str, name: str) -> Person:
        """Open the link, accept the ground rules, be admitted."""
        p = self.person(pid, name)
        await p.join()
        await p.ok("rules.accept")
        await facilitator.ok("admission.admit", {"participant_id": pid})
        await p.expect("room.entered")
        return p

    async def http(self, path: str, token: str | None, method: str = "GET",
                   body: Any = None) -> tuple[int, str, dict[str, str]]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with aiohttp.ClientSession() as client, client.request(
            method, f"{self.server.base_url}/api/sessions/{self.session}/{path}",
            headers=headers, data=None if body is None else json.dumps(body),
        ) as response:
            return response.status, await response.text(), dict(response.headers)


@pytest.fixture
async def group(ledger_server: ServerProcess, secret: str) -> AsyncIterator[Group]:
    g = Group(ledger_server, secret)
    yield g
    for p in g.people:
        await p.close()


def rows_by_id(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["participant_id"]: row for row in view["participants"]}


async def test_the_ledger_says_who_was_late_dropped_and_left_early(group: Group) -> None:
    fac = group.person("f-1", NAMES[0], Role.FACILITATOR)
    await fac.join()
    now = time.time()
    # The session started ten and a half minutes ago and runs for fifty more.
    await fac.ok("session.configure", {"scheduled_start": now - 10.5 * MINUTE,
                                       "scheduled_end": now + 50 * MINUTE})
    await group.come_in(fac, "p-amy", NAMES[1])
    bob = await group.come_in(fac, "p-bob", NAMES[2])
    cy = await group.come_in(fac, "p-cy", NAMES[3])

    await bob.close()  # Bob's connection drops ...
    await fac.expect("participant.updated", lambda e: e["participant"]["id"] == "p-bob"
                     and e["participant"]["connection"] == "reconnecting")
    bob_again = group.person("p-bob", NAMES[2])
    assert (await bob_again.join())["resumed"]  # ... and comes back within the grace period
    await cy.ok("leave")  # Cy leaves fifty minutes early

    ack = await fac.ok("attendance.export")
    rows = rows_by_id(ack["attendance"])
    assert set(rows) == {"f-1", "p-amy", "p-bob", "p-cy"}
    assert (rows["p-amy"]["late"], rows["p-amy"]["late_by_minutes"]) == (True, 10)
    assert rows["p-amy"]["status"] == "present"
    assert rows["p-amy"]["rules_accepted_at"] is not None
    assert (rows["p-bob"]["reconnects"], rows["p-bob"]["status"]) == (1, "present")
    assert len(rows["p-bob"]["presence"]) == 2
    assert (rows["p-cy"]["status"], rows["p-cy"]["left_reason"]) == ("left", "left")
    assert rows["p-cy"]["left_early"] is True
    assert rows["p-cy"]["left_early_by_minutes"] >= 49
    assert rows["p-amy"]["name"] == NAMES[1]

    table = list(csv.DictReader(io.StringIO(ack["csv"])))
    assert [r["name"] for r in table] == [NAMES[0], NAMES[1], NAMES[2], NAMES[3]]
    cy_row = next(r for r in table if r["participant_id"] == "p-cy")
    assert (cy_row["left_early"], cy_row["status"]) == ("yes", "left")
    assert cy_row["left_at"].endswith("+00:00")

    # Participants may not export; nothing is written for their attempt.
    refused = await bob_again.call("attendance.export")
    assert refused["error"]["code"] == "not_permitted"
    exports = [a["actor"] for a in audit_lines(group.server, group.session)
               if a["action"] == "export_attendance"]
    assert exports == ["f-1"]


async def test_the_clinic_fetches_the_ledger_over_http_after_the_session(
    group: Group,
) -> None:
    clinic = group.token("clinic-system", "Scheduler", Role.FACILITATOR)
    start = time.time() + 30 * MINUTE
    status, _, _ = await group.http("admission", clinic, "PUT",
                                    {"scheduled_start": start, "scheduled_end": start - 1})
    assert status == 400  # ends before it starts: refused, nothing set
    for bad in ({"scheduled_start": "tomorrow"}, {"scheduled_start": -5},
                {"scheduled_end": True}):
        assert (await group.http("admission", clinic, "PUT", bad))[0] == 400
    status, _, _ = await group.http("admission", clinic, "PUT",
                                    {"scheduled_start": start,
                                     "scheduled_end": start + 60 * MINUTE})
    assert status == 200

    fac = group.person("f-1", NAMES[0], Role.FACILITATOR)
    await fac.join()
    await group.come_in(fac, "p-odd", NAMES[4])
    await fac.ok("session.end")

    status, text, headers = await group.http("attendance.json", clinic)
    assert status == 200 and headers["Cache-Control"] == "no-store"
    view = json.loads(text)
    assert view["ended_at"] is not None and view["scheduled_start"] == start
    rows = rows_by_id(view)
    assert rows["p-odd"]["late"] is False  # came half an hour before the start
    assert rows["p-odd"]["left_reason"] == "session_ended"

    status, text, headers = await group.http("attendance.csv", clinic)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert "attachment" in headers["Content-Disposition"]
    (odd,) = [r for r in csv.DictReader(io.StringIO(text)) if r["participant_id"] == "p-odd"]
    assert odd["name"] == "'" + NAMES[4]  # a spreadsheet shows it, never runs it

    participant = group.token("p-odd", NAMES[4])
    elsewhere = tokens.mint(group.secret, session="another-session", name="F",
                            role=Role.FACILITATOR)
    expect: list[tuple[str | None, int, str]] = [
        (None, 401, "token_missing"),
        ("not-a-token", 401, "token_invalid"),
        (elsewhere, 401, "token_wrong_session"),
        (participant, 403, "not_permitted"),
    ]
    for token, code, error in expect:
        status, text, _ = await group.http("attendance.json", token)
        assert (status, json.loads(text)["error"]["code"]) == (code, error)
    exports = [a for a in audit_lines(group.server, group.session)
               if a["action"] == "export_attendance"]
    assert [a["actor"] for a in exports] == ["clinic-system", "clinic-system"]


async def test_nothing_is_served_for_a_session_nobody_held(group: Group) -> None:
    clinic = group.token("clinic-system", "Scheduler", Role.FACILITATOR)
    status, text, _ = await group.http("attendance.csv", clinic)
    assert (status, json.loads(text)["error"]["code"]) == (404, "not_found")
    status, _, _ = await group.http("attendance.xml", clinic)
    assert status == 404
