"""Engagement in the browser. The facilitator sets short thresholds in the Engagement
panel and sees a participant who keeps the camera off and the page hidden listed first,
flagged, with the reasons in words; starts a mood check-in that a participant answers in
a dialog (by its labels, as a screen reader would), and reads the summary; a reaction shows
on the sender's tile. The participant's page shows nothing of the engagement signals."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.async_api import expect

from rooms.model import Role
from tests.browser.conftest import NewPerson, Person
from tests.browser.helpers import (
    FacilitatorControls,
    assert_audit_log_is_opaque,
    join,
    open_panel,
    tile,
)
from tests.browser.test_facilitation import link
from tests.support.services import ServerProcess

WIDE = {"width": 1280, "height": 900}
DANA, SAM, BEN = "Dana Rivera", "Sam Okafor", "Ben Quill"
WORD = "tired"


@pytest.fixture(scope="module")
def engagement_server(secret: str) -> Iterator[ServerProcess]:
    # The facilitators' view is pushed every second here (15 s by default).
    proc = ServerProcess(secret=secret, extra_args=["--engagement-interval", "1"]).start()
    yield proc
    proc.stop()


async def facilitator(server: ServerProcess, mint: Callable[..., str], session_id: str,
                      new_person: NewPerson) -> Person:
    """Dana, the facilitator, in the session on a wide screen."""
    dana = await new_person(link(server, mint, session_id, DANA, Role.FACILITATOR), DANA, **WIDE)
    await join(dana.page)
    return dana


async def test_the_facilitator_sees_who_may_be_withdrawn_and_the_mood_summary(
    engagement_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson,
) -> None:
    server = engagement_server
    dana = await facilitator(server, mint, session_id, new_person)
    sam = await new_person(link(server, mint, session_id, SAM), SAM)
    await join(sam.page)
    # Ben: a participant with the camera off who switched to another tab (a plain client
    # that sends no media).
    ben = FacilitatorControls(server, session_id, mint(session_id, BEN, Role.PARTICIPANT,
                                                       participant_id="p-ben-" + session_id))
    await ben.join()
    cof = FacilitatorControls(server, session_id, mint(session_id, "Co", Role.COFACILITATOR,
                                                       participant_id="p-cof-" + session_id))
    await cof.join()
    try:
        await ben.request("activity.report", {"visible": False})
        fac = dana.page
        await expect(tile(fac, BEN)).to_have_count(1)

        # Short thresholds for this session, set in the panel (minutes; 0 switches off).
        engagement = await open_panel(fac, "Engagement")
        await engagement.get_by_text("When to flag someone").click()
        for label, minutes in (
            ("Silent for (minutes)", "0"),
            ("Camera off for (minutes)", "0.05"),
            ("Away for (minutes)", "0.05"),
        ):
            await engagement.get_by_label(label, exact=True).fill(minutes)
        await engagement.get_by_role("button", name="Save thresholds").click()
        await expect(engagement.get_by_role("status")).to_have_text(
            "The thresholds were saved for this session."
        )

        # Ben comes first, flagged, with the reasons in words; Sam is not flagged.
        rows = engagement.get_by_role("list", name="Participants and their signals")
        first = rows.get_by_role("listitem").first
        await expect(first.get_by_role("paragraph").first).to_have_text(BEN)
        await expect(first.get_by_text("May be withdrawn")).to_be_visible()
        reasons = first.get_by_role("list", name="Why").get_by_role("listitem")
        await expect(reasons.filter(has_text="Camera off for")).to_have_count(1)
        await expect(reasons.filter(has_text="Away for")).to_have_count(1)
        sam_row = rows.get_by_role("listitem").filter(has=fac.get_by_text(SAM, exact=True))
        await expect(sam_row).to_have_count(1)
        await expect(sam_row.get_by_text("May be withdrawn")).to_be_hidden()
        toggle = fac.get_by_role("group", name="Panels").get_by_role("button", name="Engagement")
        await expect(toggle).to_contain_text("1 may be withdrawn")

        # A mood check-in: Sam answers in the dialog, Ben from his client.
        await engagement.get_by_role("button", name="Start mood check-in").click()
        dialog = sam.page.get_by_role("dialog", name="A quick check-in")
        await expect(dialog).to_be_visible()
        scale = dialog.get_by_role("group", name="How are you feeling right now?")
        await expect(scale.get_by_role("radio")).to_have_count(10)
        await expect(scale.get_by_role("radio", name="1", exact=True)).to_be_focused()
        await scale.get_by_role("radio", name="3", exact=True).check()
        await dialog.get_by_label("One word about how you feel (optional)").fill(WORD)
        await dialog.get_by_role("button", name="Send answer").click()
        await expect(dialog).to_be_hidden()
        await expect(
            sam.page.get_by_text("Thank you. Your answer went to the facilitators only.")
        ).to_be_visible()
        await ben.request("mood.answer", {"value": 8})
        await expect(engagement.get_by_text(
            f"2 of 2 answered. Average 5.5 out of 10. Low: {SAM}."
        )).to_be_visible()
        answers = engagement.get_by_role("list", name="Answers")
        await expect(answers.get_by_role("listitem").filter(has_text=SAM)).to_have_text(
            f"{SAM} 3 out of 10 “{WORD}”"
        )
        # The low answer flags Sam too, once the next update comes.
        await expect(sam_row.get_by_text("Mood 3 out of 10: “tired”.")).to_be_visible()
        await expect(sam_row.get_by_role("list", name="Why")).to_have_text("Mood 3/10")
        # Noticing it, Dana asks Sam for a private word from the same row.
        await sam_row.get_by_role("button", name=f"Check in privately, {SAM}").click()
        await expect(engagement.get_by_role("status")).to_have_text(
            f"{SAM} is asked for a private word. Waiting for their answer."
        )
        invitation = sam.page.get_by_role("dialog", name=f"{DANA} would like a private word")
        await invitation.get_by_role("button", name="Not now").click()
        await expect(fac.get_by_text(f"{SAM} said not now.")).to_be_visible()
        # The keyboard on that button when Sam is no longer flagged (a co-facilitator
        # switches the mood rule off): the button goes, the keyboard stays on Sam's row.
        invite = sam_row.get_by_role("button", name=f"Check in privately, {SAM}")
        await invite.focus()
        await cof.request("session.configure", {"engagement": {"mood_low": 0}})
        await expect(invite).to_be_hidden()
        await expect(sam_row.get_by_text(SAM, exact=True)).to_be_focused()

        # A reaction from Sam shows on Sam's tile for everyone, with words for it.
        await sam.page.get_by_role("button", name="React").click()
        await sam.page.get_by_role("menuitem", name="Heart").click()
        await expect(tile(fac, SAM).get_by_role("img", name=f"Heart from {SAM}")).to_be_visible()

        await engagement.get_by_role("button", name="End mood check-in").click()
        await expect(engagement.get_by_text("Last asked (ended)", exact=False)).to_be_visible()

        # Sam's page: no Engagement panel, nothing of anyone's signals or answers.
        await expect(sam.page.get_by_role("button", name="Engagement")).to_have_count(0)
        await expect(sam.page.get_by_role("region", name="Engagement")).to_have_count(0)
        body = await sam.page.locator("body").inner_text()
        for words in ("May be withdrawn", "Camera off for", "Away for", "answered", "8 out of 10"):
            assert words not in body
        assert_audit_log_is_opaque(server, [DANA, SAM, BEN, WORD])
    finally:
        await ben.close()
        await cof.close()


async def test_someone_who_comes_in_during_a_mood_check_in_is_asked_once(
    engagement_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson,
) -> None:
    server = engagement_server
    dana = await facilitator(server, mint, session_id, new_person)
    engagement = await open_panel(dana.page, "Engagement")
    await engagement.get_by_label("Question").fill("How is your energy today?")
    await engagement.get_by_role("radio", name="Five faces").check()
    await engagement.get_by_role("button", name="Start mood check-in").click()
    await expect(engagement.get_by_text("0 of 0 answered", exact=False)).to_be_visible()

    # Sam and Ben come in after it started: each is asked the same question.
    sam = await new_person(link(server, mint, session_id, SAM), SAM)
    await join(sam.page)
    dialog = sam.page.get_by_role("dialog", name="A quick check-in")
    scale = dialog.get_by_role("group", name="How is your energy today?")
    await expect(scale.get_by_role("radio")).to_have_count(5)
    await scale.get_by_role("radio", name="Good", exact=True).check()
    await dialog.get_by_role("button", name="Send answer").click()
    await expect(dialog).to_be_hidden()
    ben = await new_person(link(server, mint, session_id, BEN), BEN)
    await join(ben.page)
    ben_dialog = ben.page.get_by_role("dialog", name="A quick check-in")
    await expect(ben_dialog.get_by_role("group", name="How is your energy today?")).to_be_visible()
    # A reload before answering or skipping: the question is still there after it.
    await ben.page.reload()
    await join(ben.page)
    await expect(ben_dialog.get_by_role("group", name="How is your energy today?")).to_be_visible()
    await ben_dialog.get_by_role("button", name="Skip").click()
    await expect(ben_dialog).to_be_hidden()
    await expect(engagement.get_by_text("1 of 2 answered", exact=False)).to_be_visible()

    # Coming back (a reload) asks neither again: Sam answered, Ben chose to skip it.
    for person in (sam, ben):
        await person.page.reload()
        await join(person.page)
        await expect(tile(person.page, DANA)).to_have_count(1)
        await expect(person.page.get_by_role("dialog", name="A quick check-in")).to_have_count(0)
