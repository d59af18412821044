"""Engagement signals, the mood check-in and reactions through the real server, with
python-socketio clients that record every event they receive: facilitators get the
signals and the answers, participants and observers never do; requests are checked,
limited, and refused for roles that may not make them."""

from __future__ import annotations

import math
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

NAMES = ["Dr Quinn", "Cora Vale", "Abe Stone", "Ola Watcher"]
WORDS = ["heavy-hearted", "How is the week going for you?"]
# Events only facilitators may ever receive.
FACILITATORS_ONLY = {"engagement.updated", "mood.updated"}


@pytest.fixture(scope="module")
def engagement_server(secret: str) -> Iterator[ServerProcess]:
    # Pushes every half second, so that tests await them rather than a quarter of a minute.
    server = ServerProcess(secret=secret, extra_args=["--engagement-interval", "0.5"]).start()
    yield server
    server.stop()
    # Whatever happened, the audit log carries no name, no mood word, no question.
    assert server.audit_log is not None
    text = server.audit_log.read_text()
    assert not [w for w in NAMES + WORDS if w in text]


class Member(Person):
    """A client that also keeps every event it received, to check what never came."""

    def __init__(self, *args: Any) -> None:
        self.seen: list[tuple[str, Any]] = []
        super().__init__(*args)

    async def _on_any(self, event: str, data: Any = None) -> None:
        self.seen.append((event, data))
        await super()._on_any(event, data)

    def received(self, names: set[str]) -> list[str]:
        return [e for e, _ in self.seen if e in names]

    async def code(self, event: str, data: dict[str, Any] | None = None) -> str:
        """The error code of a request that must be refused."""
        ack = await self.call(event, data)
        assert not ack["ok"], (event, ack)
        return str(ack["error"]["code"])


class Group:
    def __init__(self, server: ServerProcess, secret: str) -> None:
        self.server, self.secret = server, secret
        self.session = "engage-" + uuid.uuid4().hex[:8]
        self.people: list[Member] = []

    async def join(self, name: str, role: Role = Role.PARTICIPANT, **join: Any) -> Member:
        token = tokens.mint(self.secret, session=self.session, name=name, role=role)
        person = Member(self.server, token, self.session)
        self.people.append(person)
        await person.join(**join)
        return person


@pytest.fixture
async def group(engagement_server: ServerProcess, secret: str) -> AsyncIterator[Group]:
    g = Group(engagement_server, secret)
    yield g
    for p in g.people:
        await p.close()


def row(view: dict[str, Any], pid: str) -> dict[str, Any]:
    (found,) = [r for r in view["participants"] if r["participant_id"] == pid]
    return found


async def test_signals_and_mood_answers_reach_facilitators_and_never_participants(
    group: Group, engagement_server: ServerProcess
) -> None:
    fac = await group.join(NAMES[0], Role.FACILITATOR)
    cora = await group.join(NAMES[1])
    abe = await group.join(NAMES[2], video_off=True)
    ola = await group.join(NAMES[3], Role.OBSERVER)
    await fac.ok("session.configure", {"engagement": {"away_seconds": 1, "camera_off_seconds": 1}})
    await cora.ok("activity.report", {"visible": True})
    await abe.ok("activity.report", {"visible": False})  # another tab

    await fac.ok("mood.start", {"scale": "ten", "question": WORDS[1]})
    for person in (cora, abe):
        asked = await person.expect("mood.asked")
        # The question, nothing of anyone's answers.
        assert set(asked) == {"id", "question", "scale"} and asked["question"] == WORDS[1]
    await abe.ok("mood.answer", {"value": 2, "word": WORDS[0]})
    update = await fac.expect("mood.updated", lambda d: d["summary"]["count"] == 1)
    assert update["answers"][0]["word"] == WORDS[0]
    assert update["summary"]["low"] == [abe.id]

    # The periodic push: Abe away, camera off and low; Cora flags nothing.
    pushed = await fac.expect(
        "engagement.updated", lambda d: set(row(d, abe.id)["flags"]) >= {"away", "camera_off"}
    )
    assert row(pushed, abe.id)["flags"] == ["camera_off", "away", "mood_low"]
    assert "mood 2/10" in row(pushed, abe.id)["reasons"]
    assert row(pushed, cora.id)["flagged"] is False
    assert [r["participant_id"] for r in pushed["participants"]] == [abe.id, cora.id]
    got = await fac.ok("engagement.get")
    assert row(got["engagement"], abe.id)["flagged"]
    assert got["mood"]["summary"]["count"] == 1

    await fac.ok("mood.end")
    for person in (cora, abe):
        await person.expect("mood.closed")
    # A message to the room after all this: by the time it arrives, anything sent to a
    # participant's or observer's connection before it would have arrived too.
    await fac.ok("chat.send", {"to": "room", "text": "Thank you all."})
    for person in (cora, abe, ola):
        await person.expect("chat.message")
        assert person.received(FACILITATORS_ONLY) == []
    assert ola.received({"mood.asked", "mood.closed"}) == []
    actions = [line["action"] for line in audit_lines(engagement_server, group.session)]
    assert actions == [
        "set_engagement_thresholds", "start_mood_check", "view_engagement", "end_mood_check",
    ]


async def test_participants_and_observers_are_refused_what_is_not_theirs(group: Group) -> None:
    fac = await group.join(NAMES[0], Role.FACILITATOR)
    cora = await group.join(NAMES[1])
    ola = await group.join(NAMES[3], Role.OBSERVER)
    for person in (cora, ola):
        assert await person.code("engagement.get") == "not_permitted"
        assert await person.code("mood.start", {"scale": "ten"}) == "not_permitted"
        assert await person.code("mood.end") == "not_permitted"
        assert await person.code(
            "session.configure", {"engagement": {"silent_seconds": 1}}
        ) == "not_permitted"
    await fac.ok("mood.start", {"scale": "faces"})
    assert await fac.code("mood.answer", {"value": 3}) == "not_permitted"
    for event, data in (
        ("mood.answer", {"value": 3}),
        ("activity.report", {"visible": False}),
        ("reaction.send", {"kind": "wave"}),
    ):
        assert await ola.code(event, data) == "not_permitted"
    # Nothing changed: the thresholds are the defaults, nobody answered.
    got = await fac.ok("engagement.get")
    assert got["engagement"]["settings"]["silent_seconds"] == 600
    assert got["mood"]["summary"]["count"] == 0


async def test_activity_reports_are_validated_capped_and_limited(group: Group) -> None:
    fac = await group.join(NAMES[0], Role.FACILITATOR)
    started = time.monotonic()
    cora = await group.join(NAMES[1])
    for bad in (
        {},
        {"visible": "yes"},
        {"visible": True, "speaking_seconds": -1},
        {"visible": True, "speaking_seconds": 61},
        {"visible": True, "speaking_seconds": math.nan},
        {"visible": True, "camera": "off"},
    ):
        assert await cora.code("activity.report", bad) == "invalid_payload", bad
    # A client claiming a full minute of speech just after joining gets the time that
    # really passed, no more.
    await cora.ok("activity.report", {"visible": True, "speaking_seconds": 60})
    elapsed = time.monotonic() - started
    talk = row((await fac.ok("engagement.get"))["engagement"], cora.id)["talk_seconds"]
    assert talk <= elapsed + 0.1
    # A flood: the burst goes through, then reports are refused and change nothing.
    codes = [
        (await cora.call("activity.report", {"visible": True}))["ok"] for _ in range(6)
    ]
    assert codes.count(False) >= 2 and codes[0]
    assert await cora.code("activity.report", {"visible": False}) == "rate_limited"
    assert row((await fac.ok("engagement.get"))["engagement"], cora.id)["away"] is False


async def test_reactions_reach_the_room_and_are_limited(group: Group) -> None:
    await group.join(NAMES[0], Role.FACILITATOR)
    cora = await group.join(NAMES[1])
    abe = await group.join(NAMES[2])
    await cora.ok("reaction.send", {"kind": "heart"})
    for person in (cora, abe):
        shown = await person.expect("reaction.shown")
        assert (shown["participant_id"], shown["kind"]) == (cora.id, "heart")
    assert await cora.code("reaction.send", {"kind": "confetti"}) == "invalid_payload"
    results = [(await cora.call("reaction.send", {"kind": "clap"}))["ok"] for _ in range(5)]
    assert results.count(False) >= 2
    assert (await cora.call("reaction.send", {"kind": "clap"}))["error"]["code"] == "rate_limited"


async def test_thresholds_are_checked_and_pushed_to_the_facilitators(group: Group) -> None:
    fac = await group.join(NAMES[0], Role.FACILITATOR)
    await group.join(NAMES[1])
    for bad in (
        {"silent_seconds": -1},
        {"away_seconds": 5 * 3600},
        {"mood_low": 10},
        {"talkativeness": 3},
        {"camera_off_seconds": "five"},
    ):
        assert await fac.code("session.configure", {"engagement": bad}) == "invalid_payload", bad
    await fac.ok("session.configure", {"engagement": {"silent_seconds": 90, "mood_low": 0}})
    pushed = await fac.expect(
        "engagement.updated", lambda d: d["settings"]["silent_seconds"] == 90
    )
    assert pushed["settings"] == {
        "silent_seconds": 90, "group_talk_seconds": 180, "camera_off_seconds": 300,
        "away_seconds": 120, "mood_low": 0,
    }


async def test_the_clinic_sets_thresholds_ahead_over_http(group: Group, secret: str) -> None:
    token = tokens.mint(secret, session=group.session, name=NAMES[0], role=Role.FACILITATOR)
    url = f"{group.server.base_url}/api/sessions/{group.session}/admission"
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession() as client:
        body = {"engagement": {"silent_seconds": 300, "away_seconds": 60}}
        async with client.put(url, headers=headers, json=body) as response:
            assert response.status == 200
        async with client.put(url, headers=headers,
                              json={"engagement": {"away_seconds": -5}}) as response:
            assert response.status == 400
    fac = await group.join(NAMES[0], Role.FACILITATOR)
    settings = (await fac.ok("engagement.get"))["engagement"]["settings"]
    assert (settings["silent_seconds"], settings["away_seconds"]) == (300, 60)
