"""A roster listed ahead by the clinic's system: a listed person waits to be admitted, a
person not on it is told plainly, in the browser, that the session is for invited members."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import aiohttp
import pytest
from playwright.async_api import expect

from rooms.model import Role
from tests.browser.conftest import NewPerson
from tests.support.services import ServerProcess


@pytest.fixture(scope="module")
def gated_server(secret: str) -> Iterator[ServerProcess]:
    proc = ServerProcess(secret=secret, waiting_room="on", ground_rules="on").start()
    yield proc
    proc.stop()


async def test_only_people_on_the_roster_get_to_the_waiting_room(
    gated_server: ServerProcess, mint: Callable[..., str], new_person: NewPerson
) -> None:
    session = "roster-" + uuid.uuid4().hex[:8]
    clinic = mint(session, "Scheduler", Role.FACILITATOR, participant_id="clinic-system")
    async with aiohttp.ClientSession() as http, http.put(
        f"{gated_server.base_url}/api/sessions/{session}/admission",
        data=json.dumps({"roster_only": True, "roster": ["p-invited"]}),
        headers={"Authorization": f"Bearer {clinic}"},
    ) as response:
        assert response.status == 200

    def link(name: str, pid: str) -> str:
        token = mint(session, name, Role.PARTICIPANT, participant_id=pid)
        return f"{gated_server.base_url}/s/{session}#token={token}"

    outsider = await new_person(link("Olive Stranger", "p-outsider"), "Olive Stranger")
    await outsider.page.get_by_role("button", name="Join", exact=True).click()
    await expect(outsider.page.get_by_role("heading", name="You could not join")).to_be_visible()
    await expect(
        outsider.page.get_by_text("This session is for invited members only.")
    ).to_be_visible()

    invited = await new_person(link("Ivy Invited", "p-invited"), "Ivy Invited")
    await invited.page.get_by_role("button", name="Join", exact=True).click()
    # The ground rules to accept, while waiting to be admitted.
    await expect(
        invited.page.get_by_role("button", name="I agree to the ground rules")
    ).to_be_visible()
