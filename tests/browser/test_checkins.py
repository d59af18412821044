"""A private check-in in the browser: the facilitator asks one participant for a word; the
participant can say not now, or accept; then the two are in a room of their own, peer to
peer, receiving only each other, while the rest of the group (browsers and aiortc peers,
through the SFU) still receives each other and is told only that the facilitator stepped
out. Either ends it and both come back to the group's media."""

from __future__ import annotations

import json
from collections.abc import Callable

from playwright.async_api import expect

from rooms.model import Role
from signaling.python_participant import PythonParticipant
from tests.browser.conftest import NewPerson
from tests.browser.helpers import (
    assert_audit_log_is_opaque,
    expect_audio_from,
    expect_peer_to_peer_only,
    expect_video_from,
    join,
    join_url,
    open_panel,
    pid,
    python_joined,
    tile,
)
from tests.support.services import ServerProcess

FACILITATOR = "Dana Rivera"


async def test_a_private_check_in_while_the_group_goes_on(
    group_server: ServerProcess,
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
    python_people: list[PythonParticipant],
) -> None:
    def url(name: str, role: Role = Role.PARTICIPANT) -> str:
        return join_url(group_server, mint, session_id, name, role)

    pythons = [
        await python_joined(group_server, mint, session_id, name, python_people)
        for name in ("Dev", "Eli")
    ]
    dana = await new_person(url(FACILITATOR, Role.FACILITATOR), FACILITATOR, width=1280, height=900)
    sam = await new_person(url("Sam"), "Sam")
    ana = await new_person(url("Ana"), "Ana")
    for someone in (dana, sam, ana):
        await join(someone.page)
    group = [FACILITATOR, "Sam", "Ana", "Dev", "Eli"]
    await expect_video_from(dana.page, [n for n in group if n != FACILITATOR], frames=1)

    # Dana asks Sam for a word from Sam's row; Sam says not now first.
    controls = await open_panel(dana.page, "Facilitator controls")
    row = controls.get_by_role("listitem").filter(has=dana.page.get_by_text("Sam", exact=True))
    await row.get_by_role("button", name="More, Sam").click()
    await row.get_by_role("button", name="Check in privately, Sam").click()
    invitation = sam.page.get_by_role("dialog", name=f"{FACILITATOR} would like a private word")
    await expect(invitation).to_be_visible()
    await invitation.get_by_role("button", name="Not now").click()
    await expect(dana.page.get_by_text("Sam said not now.")).to_be_visible()
    await expect(sam.page.get_by_role("heading", level=1, name="Group session")).to_be_visible()

    # Asked again, Sam accepts: the two of them, alone, peer to peer.
    await row.get_by_role("button", name="Check in privately, Sam").click()
    await expect(invitation).to_be_visible()
    await invitation.get_by_role("button", name="Yes, join").click()
    for me, other in ((sam, FACILITATOR), (dana, "Sam")):
        heading = me.page.get_by_role("heading", level=1, name="Private check-in")
        await expect(heading).to_be_visible()
        await expect(
            me.page.get_by_text(f"You are in a private check-in with {other}.")
        ).to_be_visible()
        await expect(
            me.page.get_by_role("list", name="People in the session").get_by_role("listitem")
        ).to_have_count(2)
        await expect_video_from(me.page, [other], frames=5)
        await expect_audio_from(me.page, [other])
        await expect_peer_to_peer_only(me.page, 1)

    # The group goes on: Ana, Dev and Eli still receive each other; Ana is told only
    # that the facilitator stepped out.
    await expect(ana.page.get_by_text(f"{FACILITATOR} stepped out for a moment")).to_be_visible()
    await expect(tile(ana.page, FACILITATOR)).to_have_count(0)
    await expect(tile(ana.page, "Sam")).to_have_count(0)
    await expect_video_from(ana.page, ["Dev", "Eli"], frames=5)
    await expect_audio_from(ana.page, ["Dev", "Eli"])
    for person, peer in ((pythons[0], pythons[1]), (pythons[1], pythons[0])):
        await person.wait_for_more_media(pid("Ana"), "video", 5, timeout=30)
        await person.wait_for_more_media(peer.participant_id, "audio", 20, timeout=30)
        assert pid("Sam") not in person.participants and pid(FACILITATOR) not in person.participants

    # Sam ends it: both are back, and everyone receives everyone again.
    await sam.page.get_by_role("button", name="End check-in").click()
    for someone in (dana, sam, ana):
        page = someone.page
        await expect(page.get_by_role("heading", level=1, name="Group session")).to_be_visible()
        others = [n for n in group if n != someone.name]
        await expect_video_from(page, others, frames=3, within=30)
    await expect(sam.page.get_by_text("The private check-in has ended.")).to_be_visible()
    for person in pythons:
        await person.wait_for_more_media(pid("Sam"), "audio", 20, timeout=30)

    # The audit log says who and how long, never a name.
    assert group_server.audit_log is not None
    lines = [json.loads(x) for x in group_server.audit_log.read_text().splitlines()]
    ours = [x for x in lines if x["session"] == session_id]
    actions = [x["action"] for x in ours]
    assert actions.count("invite_check_in") == 2
    assert "start_check_in" in actions
    (ended,) = [x for x in ours if x["action"] == "end_check_in"]
    assert ended["actor"] == pid(FACILITATOR) and ended["target"] == pid("Sam")
    assert isinstance(ended["detail"]["seconds"], int)
    assert_audit_log_is_opaque(group_server, [FACILITATOR, "Sam", "Ana"])
