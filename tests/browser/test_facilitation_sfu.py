"""The facilitator's controls in a room that goes through the SFU (three people), on a
server with the waiting room and the ground rules on: a mute from the participants panel
silences the person at the SFU, ask-to-unmute turns their Unmute into a request until the
facilitator allows it, and a person removed and kept out cannot come back with the link."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator

import pytest
from playwright.async_api import Page, expect

from rooms.model import Role
from tests.browser.conftest import NewPerson
from tests.browser.helpers import (
    assert_audit_log_is_opaque,
    expect_audio_from,
    expect_audio_stopped,
    expect_sfu_media_flowing,
    feedback,
    join,
    media_paths,
    panel,
    tile,
    wait_and_accept_rules,
)
from tests.support.services import ServerProcess

DANA, SAM, ALEX = "Dana Rivera", "Sam Okafor", "Alex Brandt"


@pytest.fixture(scope="module")
def gated_sfu_server(secret: str) -> Iterator[ServerProcess]:
    """Waiting room and ground rules on; rooms go through the SFU from three people on."""
    proc = ServerProcess(
        secret=secret,
        grace_seconds=3.0,
        waiting_room="on",
        ground_rules="on",
        janus="auto",
        extra_args=["--sfu-threshold", "2"],
    ).start()
    yield proc
    proc.stop()


async def own_audio_on(page: Page) -> bool:
    """Whether the page's own microphone track is on (read from its own tile)."""
    return bool(
        await page.evaluate(
            """() => document.querySelector('li.tile.self video').srcObject
             .getAudioTracks()[0].enabled"""
        )
    )


async def through_sfu(page: Page) -> bool:
    connected = [p for p in await media_paths(page) if p["state"] == "connected"]
    return len(connected) == 2 and all(p["sfu"] for p in connected)


async def test_mute_ask_to_unmute_and_remove_are_enforced_through_the_sfu(
    gated_sfu_server: ServerProcess,
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
) -> None:
    server = gated_sfu_server

    def link(name: str, role: Role = Role.PARTICIPANT) -> str:
        token = mint(session_id, name, role, participant_id="p-" + uuid.uuid4().hex[:10])
        return f"{server.base_url}/s/{session_id}#token={token}"

    dana = await new_person(link(DANA, Role.FACILITATOR), DANA, width=1280, height=800)
    sam = await new_person(link(SAM), SAM)
    alex_url = link(ALEX)
    alex = await new_person(alex_url, ALEX)
    fac = dana.page
    await join(fac)
    await asyncio.gather(wait_and_accept_rules(sam.page), wait_and_accept_rules(alex.page))
    controls = panel(fac, "Facilitator controls")
    await expect(controls.get_by_role("heading", name="Waiting to come in (2)")).to_be_visible()
    await controls.get_by_role("button", name="Admit all").click()
    await feedback(fac, "Everyone waiting was admitted.")

    # Three people: the room goes through the SFU, and everyone hears everyone.
    pages = {DANA: fac, SAM: sam.page, ALEX: alex.page}
    await expect_sfu_media_flowing(pages)
    for page in pages.values():
        assert await through_sfu(page), await media_paths(page)

    # Dana mutes Sam from the participants panel: the SFU stops Sam's sound for everyone.
    sam_row = controls.get_by_role("listitem").filter(has=fac.get_by_text(SAM, exact=True))
    await expect(sam_row.get_by_text("Microphone on")).to_be_visible()
    await sam_row.get_by_role("button", name=f"Mute microphone, {SAM}").click()
    await feedback(fac, f"{SAM} was muted.")
    await expect(sam_row.get_by_text("Microphone off")).to_be_visible()
    await asyncio.gather(expect_audio_stopped(alex.page, SAM), expect_audio_stopped(fac, SAM))
    await expect(sam.page.get_by_text("The facilitator has muted your microphone")).to_be_visible()
    await expect(tile(alex.page, SAM).get_by_role("img", name="Microphone off")).to_be_visible()

    # Ask to unmute: Sam's Unmute becomes a request, and nothing is heard.
    ask = controls.get_by_role("button", name="Ask to unmute")
    await ask.click()
    await expect(ask).to_have_attribute("aria-pressed", "true")
    await feedback(fac, "Ask to unmute is on: participants ask before they unmute.")
    await expect(sam.page.get_by_role("button", name="Unmute microphone")).to_have_count(0)
    await sam.page.get_by_role("button", name="Ask to unmute").click()
    await expect(sam.page.get_by_text("You asked to unmute.")).to_be_visible()
    assert not await own_audio_on(sam.page)
    await expect(sam_row.get_by_text("Asked to unmute")).to_be_visible()
    await expect_audio_stopped(alex.page, SAM)

    # Dana allows it; Sam unmutes and is heard again.
    await sam_row.get_by_role("button", name=f"Allow to unmute, {SAM}").click()
    await feedback(fac, f"{SAM} may unmute now.")
    await expect(sam.page.get_by_text("The facilitator has let you unmute.")).to_be_visible()
    await sam.page.get_by_role("button", name="Unmute microphone").click()
    await expect(sam.page.get_by_role("button", name="Mute microphone")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert await own_audio_on(sam.page)
    await asyncio.gather(expect_audio_from(alex.page, [SAM]), expect_audio_from(fac, [SAM]))
    await expect(sam_row.get_by_text("Microphone on")).to_be_visible()

    # Dana removes Alex and keeps them out: the link no longer gets Alex in.
    alex_row = controls.get_by_role("listitem").filter(has=fac.get_by_text(ALEX, exact=True))
    more = alex_row.get_by_role("button", name=f"More, {ALEX}")
    await more.click()
    await expect(more).to_have_attribute("aria-expanded", "true")
    await alex_row.get_by_role("button", name=f"Remove, {ALEX}").click()
    dialog = fac.get_by_role("dialog", name=f"Remove {ALEX} from the session?")
    await expect(dialog).to_have_attribute("aria-modal", "true")
    await dialog.get_by_label("Keep them out of this session").check()
    await dialog.get_by_role("button", name="Remove", exact=True).click()
    await feedback(fac, f"{ALEX} was removed and cannot come back to this session.")
    gone = alex.page.get_by_role("heading", name="You are no longer in the session")
    await expect(gone).to_be_visible()
    await expect(alex.page.get_by_text("The facilitator has removed you")).to_be_visible()
    await expect(tile(fac, ALEX)).to_have_count(0)
    await expect(tile(sam.page, ALEX)).to_have_count(0)
    back = await new_person(alex_url, ALEX)
    await back.page.get_by_role("button", name="Join", exact=True).click()
    await expect(back.page.get_by_role("heading", name="You could not join")).to_be_visible()
    await expect(back.page.get_by_text("The facilitator has removed you")).to_be_visible()
    await expect(tile(fac, ALEX)).to_have_count(0)

    assert_audit_log_is_opaque(server, [DANA, SAM, ALEX])
