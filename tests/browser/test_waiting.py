"""Coming in through the waiting room: the ground rules to accept, then a facilitator
lets the person in, and the room works as for everyone else."""

from __future__ import annotations

from collections.abc import Callable

from playwright.async_api import expect

from rooms.model import Role
from tests.browser.conftest import NewPerson
from tests.browser.helpers import (
    FacilitatorControls,
    expect_audio_from,
    expect_video_from,
    join,
    tile,
)
from tests.support.services import ServerProcess


async def test_a_participant_accepts_the_ground_rules_and_is_let_in(
    make_server: Callable[..., ServerProcess],
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
) -> None:
    server = make_server(waiting_room="on", ground_rules="on")
    facilitator = FacilitatorControls(
        server, session_id, mint(session_id, "Dana Rivera", Role.FACILITATOR)
    )
    ids = {"Sam": "id-sam", "Alex": "id-alex"}
    people = [
        await new_person(
            f"{server.base_url}/s/{session_id}#token="
            f"{mint(session_id, name, participant_id=ids[name])}",
            name,
        )
        for name in ids
    ]
    try:
        await facilitator.join()
        for person in people:
            page = person.page
            await join(page)
            await expect(
                page.get_by_text("the facilitator will let you in shortly")
            ).to_be_visible()
            await expect(page.get_by_role("heading", name="Ground rules")).to_be_visible()
            await page.get_by_role("button", name="I agree to the ground rules").click()
            await expect(page.get_by_role("heading", name="Ground rules")).to_be_hidden()
            # Still waiting: nobody else is shown yet.
            await expect(tile(page, "Dana Rivera")).to_have_count(0)

        for person in people:
            await facilitator.request("admission.admit", {"participant_id": ids[person.name]})
        for person in people:
            page = person.page
            await expect(page.get_by_text("the facilitator will let you in shortly")).to_be_hidden()
            await expect(tile(page, "Dana Rivera")).to_have_count(1)
        await expect(tile(people[0].page, "Alex")).to_have_count(1)
        sam, alex = people
        await expect_video_from(sam.page, ["Alex"])
        await expect_video_from(alex.page, ["Sam"])
        await expect_audio_from(sam.page, ["Alex"])
        await expect_audio_from(alex.page, ["Sam"])
    finally:
        await facilitator.close()
