"""The facilitator's view in the browser, on a server with the waiting room and the ground
rules on: letting people in (or not), locking the session, hands, the spotlight, the chat
(to everyone, privately to the facilitators, a message removed) and ending the session.
Everything is done as a person would: by clicking buttons found by their names."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.async_api import Locator, Page, expect

from rooms.model import Role
from tests.browser.conftest import NewPerson, Person
from tests.browser.helpers import (
    assert_audit_log_is_opaque,
    chat_message,
    feedback,
    join,
    open_panel,
    panel,
    send_chat,
    tile,
    wait_and_accept_rules,
)
from tests.support.services import ServerProcess

WIDE = {"width": 1280, "height": 800}
# Every display name and chat text used here: none may reach the audit log.
DANA, SAM, ALEX, CYD, EVE = "Dana Rivera", "Sam Okafor", "Alex Brandt", "Cyd Marsh", "Eve Lindqvist"
TEXTS = [
    "I felt anxious this morning",
    "A note about my week, just for you",
    "Thank you all for listening",
    "See you all next Tuesday.",
    "This group is full today.",
]


@pytest.fixture(scope="module")
def gated_server(secret: str) -> Iterator[ServerProcess]:
    proc = ServerProcess(secret=secret, waiting_room="on", ground_rules="on").start()
    yield proc
    proc.stop()


def link(server: ServerProcess, mint: Callable[..., str], session: str, name: str,
         role: Role = Role.PARTICIPANT) -> str:
    # Opaque ids, so that finding no name in the audit log means something.
    pid = "p-" + uuid.uuid4().hex[:10]
    return f"{server.base_url}/s/{session}#token={mint(session, name, role, participant_id=pid)}"


async def open_facilitator(server: ServerProcess, mint: Callable[..., str], session: str,
                           new_person: NewPerson) -> Person:
    dana = await new_person(link(server, mint, session, DANA, Role.FACILITATOR), DANA, **WIDE)
    await join(dana.page)
    # A wide screen: the facilitator's panel is open from the start.
    await expect(panel(dana.page, "Facilitator controls")).to_be_visible()
    return dana


def waiting_entry(page: Page, name: str) -> Locator:
    return panel(page, "Facilitator controls").get_by_role("listitem").filter(
        has=page.get_by_text(name, exact=True)
    )


async def test_people_wait_are_let_in_or_turned_away_and_a_locked_session_admits_nobody(
    gated_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson,
) -> None:
    server = gated_server
    dana = await open_facilitator(server, mint, session_id, new_person)
    fac = dana.page
    sam = await new_person(link(server, mint, session_id, SAM), SAM)
    alex = await new_person(link(server, mint, session_id, ALEX), ALEX)
    await asyncio.gather(wait_and_accept_rules(sam.page), join(alex.page))

    # The waiting list: who waits, for how long, and whether they accepted the rules.
    await expect(fac.get_by_role("heading", name="Waiting to come in (2)")).to_be_visible()
    await expect(waiting_entry(fac, SAM).get_by_text("Accepted the ground rules")).to_be_visible()
    await expect(waiting_entry(fac, SAM).get_by_text("Waiting less than a minute")).to_be_visible()
    await expect(
        waiting_entry(fac, ALEX).get_by_text("Has not accepted the ground rules yet")
    ).to_be_visible()
    # Nobody is shown to a waiting person.
    await expect(tile(sam.page, DANA)).to_have_count(0)

    await fac.get_by_role("button", name=f"Admit, {SAM}").click()
    await feedback(fac, f"{SAM} was let in.")
    await expect(sam.page.get_by_text("the facilitator will let you in shortly")).to_be_hidden()
    await expect(tile(sam.page, DANA)).to_have_count(1)
    await expect(tile(fac, SAM)).to_have_count(1)

    # Admitted before reading the rules: Alex comes in once they are accepted.
    await fac.get_by_role("button", name=f"Admit, {ALEX}").click()
    await feedback(fac, f"{ALEX} was admitted and will come in after accepting the ground rules.")
    await expect(waiting_entry(fac, ALEX).get_by_text("Admitted")).to_be_visible()
    await expect(tile(alex.page, DANA)).to_have_count(0)
    await alex.page.get_by_role("button", name="I agree to the ground rules").click()
    for page, others in ((fac, [SAM, ALEX]), (sam.page, [DANA, ALEX]), (alex.page, [DANA, SAM])):
        for name in others:
            await expect(tile(page, name)).to_have_count(1)
    await expect(fac.get_by_text("Nobody is waiting.")).to_be_visible()

    # Cyd is turned away, with a message; the link no longer lets Cyd in.
    cyd_url = link(server, mint, session_id, CYD)
    cyd = await new_person(cyd_url, CYD)
    await join(cyd.page)
    await fac.get_by_role("button", name=f"Deny, {CYD}").click()
    dialog = fac.get_by_role("dialog", name=f"Do not admit {CYD}?")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_have_attribute("aria-modal", "true")
    message = dialog.get_by_label(f"Message to {CYD} (optional)")
    await expect(message).to_be_focused()
    await message.fill(TEXTS[4])
    await dialog.get_by_role("button", name="Do not admit").click()
    await expect(dialog).to_be_hidden()
    await feedback(fac, f"{CYD} was not admitted.")
    await expect(cyd.page.get_by_role("heading", name="You were not let in")).to_be_visible()
    await expect(cyd.page.get_by_text(TEXTS[4])).to_be_visible()
    # A reload, then the link opened afresh: still refused, in plain words.
    await cyd.page.reload()
    await cyd.page.get_by_role("button", name="Join", exact=True).click()
    await expect(cyd.page.get_by_role("heading", name="You could not join")).to_be_visible()
    await expect(cyd.page.get_by_text("The facilitator did not admit you")).to_be_visible()
    again = await new_person(cyd_url, CYD)
    await again.page.get_by_role("button", name="Join", exact=True).click()
    await expect(again.page.get_by_text("The facilitator did not admit you")).to_be_visible()
    await expect(tile(fac, CYD)).to_have_count(0)

    # Locked: a new link gets nowhere, with plain words.
    lock = fac.get_by_role("button", name="Lock session")
    await expect(lock).to_have_attribute("aria-pressed", "false")
    await lock.click()
    await expect(lock).to_have_attribute("aria-pressed", "true")
    await feedback(fac, "The session is locked: nobody new can come in.")
    eve = await new_person(link(server, mint, session_id, EVE), EVE)
    await eve.page.get_by_role("button", name="Join", exact=True).click()
    await expect(eve.page.get_by_role("heading", name="You could not join")).to_be_visible()
    closed = eve.page.get_by_text("This session is closed to newcomers right now.")
    await expect(closed).to_be_visible()
    await expect(fac.get_by_text("Nobody is waiting.")).to_be_visible()

    assert_audit_log_is_opaque(server, [DANA, SAM, ALEX, CYD, EVE, *TEXTS])


async def test_chat_hands_spotlight_and_the_end_of_the_session(
    gated_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson,
) -> None:
    server = gated_server
    dana = await open_facilitator(server, mint, session_id, new_person)
    fac = dana.page
    sam = await new_person(link(server, mint, session_id, SAM), SAM)
    alex = await new_person(link(server, mint, session_id, ALEX), ALEX)
    await asyncio.gather(wait_and_accept_rules(sam.page), wait_and_accept_rules(alex.page))
    await expect(fac.get_by_role("heading", name="Waiting to come in (2)")).to_be_visible()
    await fac.get_by_role("button", name="Admit all").click()
    await feedback(fac, "Everyone waiting was admitted.")
    for page, others in ((fac, [SAM, ALEX]), (sam.page, [DANA, ALEX]), (alex.page, [DANA, SAM])):
        for name in others:
            await expect(tile(page, name)).to_have_count(1)

    # To everyone: it reaches the others, with the name and the time.
    await send_chat(sam.page, TEXTS[0])
    for page in (fac, alex.page):
        message = chat_message(page, TEXTS[0])
        if page is alex.page:
            # Alex's chat is closed: the toggle says a message came.
            toggle = page.get_by_role("group", name="Panels").get_by_role("button", name="Chat")
            await expect(toggle).to_contain_text("1 new")
            await open_panel(page, "Chat")
        else:
            await open_panel(page, "Chat")
        await expect(message).to_be_visible()
        await expect(message.get_by_text(SAM, exact=True)).to_be_visible()
        await expect(message.locator("time")).to_have_count(1)
    # Privately to the facilitators: Dana gets it, Alex never does (Alex gets the next
    # message to everyone, sent after it).
    await send_chat(sam.page, TEXTS[1], to="The facilitators only (private)")
    await expect(chat_message(fac, TEXTS[1])).to_be_visible()
    await expect(
        chat_message(fac, TEXTS[1]).get_by_text("to the facilitators, private")
    ).to_be_visible()
    await send_chat(sam.page, TEXTS[2])
    await expect(chat_message(alex.page, TEXTS[2])).to_be_visible()
    await expect(chat_message(alex.page, TEXTS[1])).to_have_count(0)
    # Only facilitators may remove a message.
    await expect(chat_message(alex.page, TEXTS[0]).get_by_role("button")).to_have_count(0)

    # Dana removes the first message: it disappears for everyone.
    await chat_message(fac, TEXTS[0]).get_by_role("button", name="Remove message").click()
    dialog = fac.get_by_role("dialog", name="Remove this message?")
    await dialog.get_by_role("button", name="Remove message").click()
    for page in (fac, sam.page, alex.page):
        chat = await open_panel(page, "Chat")
        await expect(chat.get_by_text(TEXTS[0])).to_have_count(0)
        await expect(chat.get_by_text("Message removed")).to_have_count(1)
        await expect(chat.get_by_text(TEXTS[2])).to_be_visible()

    # A refusal is shown in the server's plain words: too many messages at once.
    chat = await open_panel(alex.page, "Chat")
    box = chat.get_by_label("Your message")
    refused = chat.get_by_role("status").filter(has_text="Your message was not sent.")
    for i in range(10):
        await box.fill(f"quick note {i}")
        await box.press("Enter")
        # Either it went (it shows in the chat) or it was refused (a status says why).
        await expect(refused.or_(chat_message(alex.page, f"quick note {i}"))).to_be_visible()
        if await refused.is_visible():
            break
    # What was done, then the server's reason, as it gave it.
    await expect(refused).to_have_text(re.compile(r"^Your message was not sent\. \w.{10,}"))
    await expect(box).to_have_value(f"quick note {i}")  # kept, to send again later

    # Hands: Alex raises a hand; Dana sees the queue and calls on Alex.
    await alex.page.get_by_role("button", name="Close chat").click()
    await alex.page.get_by_role("button", name="Raise hand").click()
    await expect(alex.page.get_by_role("button", name="Lower hand")).to_have_attribute(
        "aria-pressed", "true"
    )
    controls = await open_panel(fac, "Facilitator controls")
    await expect(controls.get_by_role("heading", name="Raised hands (1)")).to_be_visible()
    await expect(tile(sam.page, ALEX).get_by_role("img", name="Hand raised")).to_be_visible()
    await controls.get_by_role("button", name="Call next").click()
    await feedback(fac, f"{ALEX} was called on.")
    await expect(alex.page.get_by_text("The facilitator has called on you.")).to_be_visible()
    await expect(alex.page.get_by_role("button", name="Raise hand")).to_be_visible()
    await expect(controls.get_by_text("No hands are raised.")).to_be_visible()

    # Spotlight: Sam is shown first, and larger, for everyone.
    await controls.get_by_role("button", name=f"More, {SAM}").click()
    await controls.get_by_role("button", name=f"Spotlight, {SAM}").click()
    await feedback(fac, f"{SAM} is in the spotlight.")
    for page in (fac, alex.page, sam.page):
        tiles = page.get_by_role("list", name="People in the session").get_by_role("listitem")
        first = SAM if page is not sam.page else f"{SAM} (you)"
        await expect(tiles.first.get_by_text(first, exact=True)).to_be_visible()
        await expect(tiles.first.get_by_text("Spotlight", exact=True)).to_be_visible()
        spot = await tiles.first.bounding_box()
        other = await tiles.nth(1).bounding_box()
        assert spot and other and spot["width"] > other["width"] * 1.2, (spot, other)

    # Promoted live: Sam becomes a co-facilitator and gets the facilitator's controls.
    await controls.get_by_role("button", name=f"Make co-facilitator, {SAM}").click()
    await feedback(fac, f"{SAM} is now a co-facilitator.")
    panels = sam.page.get_by_role("group", name="Panels")
    await expect(panels.get_by_role("button", name="Facilitator controls")).to_be_visible()

    # The end, with a closing message, for everyone.
    await controls.get_by_role("button", name="End session for everyone").click()
    dialog = fac.get_by_role("dialog", name="End the session for everyone?")
    await dialog.get_by_label("Closing message (optional)").fill(TEXTS[3])
    await dialog.get_by_role("button", name="End session").click()
    for page in (fac, sam.page, alex.page):
        await expect(page.get_by_role("heading", name="The session has ended")).to_be_visible()
        await expect(page.get_by_text(TEXTS[3])).to_be_visible()

    assert_audit_log_is_opaque(server, [DANA, SAM, ALEX, *TEXTS])
