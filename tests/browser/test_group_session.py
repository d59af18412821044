"""Three people join one session from links made by `facilitation invite`, and see and
hear each other; a camera turned off and a person leaving show up for the others."""

from __future__ import annotations

import asyncio

from playwright.async_api import expect

from tests.browser.conftest import NewPerson, invite
from tests.browser.helpers import expect_media_flowing, join, tile
from tests.support.services import ServerProcess


async def test_three_people_see_and_hear_each_other(
    server: ServerProcess, secret: str, session_id: str, new_person: NewPerson
) -> None:
    links = invite(
        secret,
        server.base_url,
        session_id,
        "--facilitator",
        "Dana Rivera",
        "--participant",
        "Sam",
        "--participant",
        "Alex",
    )
    assert [(role, name) for role, name, _ in links] == [
        ("facilitator", "Dana Rivera"),
        ("participant", "Sam"),
        ("participant", "Alex"),
    ]
    people = [await new_person(url, name) for _, name, url in links]
    dana, sam, alex = people

    for person in people:
        # The device check greets the person by the name in their link.
        welcome = person.page.get_by_role("heading", name=f"Welcome, {person.name}")
        await expect(welcome).to_be_visible()
        # The token is gone from the address bar.
        assert "token" not in person.page.url
    await asyncio.gather(*(join(p.page) for p in people))

    for person in people:
        page = person.page
        for other in people:
            if other is not person:
                await expect(tile(page, other.name)).to_have_count(1)
        await expect(page.get_by_text(f"{person.name} (you)", exact=True)).to_be_visible()
    await expect_media_flowing([p.page for p in people], 2)

    # Sam turns the camera off: the others see it on Sam's tile.
    camera = sam.page.get_by_role("button", name="Turn camera off")
    await expect(camera).to_have_attribute("aria-pressed", "false")
    await camera.click()
    await expect(sam.page.get_by_role("button", name="Turn camera on")).to_have_attribute(
        "aria-pressed", "true"
    )
    for page in (dana.page, alex.page):
        await expect(tile(page, "Sam").get_by_role("img", name="Camera off")).to_be_visible()
        await expect(
            tile(page, "Alex" if page is dana.page else "Dana Rivera").get_by_role(
                "img", name="Camera off"
            )
        ).to_be_hidden()

    # Alex mutes, with the keyboard only: the microphone mark shows for the others.
    mute = alex.page.get_by_role("button", name="Mute microphone")
    for _ in range(10):
        await alex.page.keyboard.press("Tab")
        if await mute.evaluate("el => el === document.activeElement"):
            break
    await expect(mute).to_be_focused()
    await alex.page.keyboard.press("Enter")
    await expect(alex.page.get_by_role("button", name="Unmute microphone")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(tile(dana.page, "Alex").get_by_role("img", name="Microphone off")).to_be_visible()

    # Alex leaves: the tile disappears for the others.
    await alex.page.get_by_role("button", name="Leave session").click()
    left = alex.page.get_by_role("heading", name="You have left the session.")
    await expect(left).to_be_visible()
    for page in (dana.page, sam.page):
        await expect(tile(page, "Alex")).to_have_count(0)
        await expect(page.get_by_text("Alex left the session.")).to_have_count(1)
    # The two who stayed still see and hear each other.
    await expect_media_flowing([dana.page, sam.page], 1)

    # Nothing went wrong in the pages along the way (errors, blocked by the CSP).
    for person in people:
        problems = [
            m for m in person.console if m.startswith("pageerror") or "Content Security" in m
        ]
        assert not problems, (person.name, problems)
