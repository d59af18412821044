"""A Python participant and real headless Chromium (the web client) in one session.

The browser offers (perfect negotiation) and the Python participant answers; the Python
side must keep decoding the browser's fake camera and microphone, and the browser must
show the Python participant's 160x120 synthetic video.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from signaling.python_participant import KINDS, PythonParticipant
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.services import ServerProcess

pytestmark = pytest.mark.browser

STATIC_INDEX = Path(__file__).resolve().parents[2] / "signaling" / "static" / "index.html"

# Chromium's fake camera sends 30 fps; 30 frames is about a second, 50 audio frames 1 s.
ENOUGH = {"video": 30, "audio": 50}
# The Python participant's own video, as the browser must show it.
SHOWS_PYTHON_VIDEO = """() => [...document.querySelectorAll('video')]
    .some(v => v.videoWidth === 160 && v.videoHeight === 120 && v.currentTime > 0)"""


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not STATIC_INDEX.is_file():
        raise RuntimeError("the web client is not built: npm --prefix web_client run build")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


@pytest.fixture
async def open_page(
    browser: Browser, server: ServerProcess, mint: Callable[..., str], session_id: str
) -> AsyncIterator[Callable[[str], Awaitable[Page]]]:
    """Open the join link of a new browser participant with the given id and click Join."""
    contexts: list[BrowserContext] = []

    async def join(participant_id: str) -> Page:
        context = await browser.new_context()
        contexts.append(context)
        page = await context.new_page()
        token = mint(session_id, "Browser", participant_id=participant_id)
        await page.goto(f"{server.base_url}/s/{session_id}#token={token}")
        await page.get_by_role("button", name="Join", exact=True).click()
        return page

    yield join
    for context in contexts:
        await context.close()


async def _receives_browser_media(python: PythonParticipant, browser_id: str) -> None:
    for kind in KINDS:
        await python.wait_for_peer_media(browser_id, kind, ENOUGH[kind], timeout=30)
    # Still arriving: more decoded frames, and RTP statistics that keep growing.
    packets = await python.inbound_packets(browser_id)
    for kind in KINDS:
        await python.wait_for_more_media(browser_id, kind, ENOUGH[kind])
    later = await python.inbound_packets(browser_id)
    assert later["audio"] > packets["audio"] and later["video"] > packets["video"]


async def test_python_participant_receives_a_browsers_audio_and_video(
    python_participant: Callable[..., PythonParticipant],
    open_page: Callable[[str], Awaitable[Page]],
) -> None:
    python = python_participant("Py")
    await python.join()
    browser_id = "browser-" + uuid.uuid4().hex[:8]
    page = await open_page(browser_id)

    await python.wait_for_participant(browser_id)
    await _receives_browser_media(python, browser_id)
    # The browser offered; the Python participant only answered.
    assert not python.links[browser_id].offered
    await page.wait_for_function(SHOWS_PYTHON_VIDEO, timeout=20_000)


async def test_browser_already_in_the_room_connects_to_a_python_participant_who_joins(
    python_participant: Callable[..., PythonParticipant],
    open_page: Callable[[str], Awaitable[Page]],
) -> None:
    browser_id = "browser-" + uuid.uuid4().hex[:8]
    page = await open_page(browser_id)
    python = python_participant("Py")
    await python.join()
    await python.wait_for_participant(browser_id)  # in the join snapshot (or soon after)
    await _receives_browser_media(python, browser_id)
    await page.wait_for_function(SHOWS_PYTHON_VIDEO, timeout=20_000)


async def test_a_reloaded_browser_gets_a_fresh_connection(
    python_participant: Callable[..., PythonParticipant],
    open_page: Callable[[str], Awaitable[Page]],
) -> None:
    python = python_participant("Py")
    await python.join()
    browser_id = "browser-" + uuid.uuid4().hex[:8]
    page = await open_page(browser_id)
    await python.wait_for_peer_media(browser_id, "video", ENOUGH["video"], timeout=30)
    first = python.links[browser_id]

    # A reload takes the same seat back and offers from a new connection (new pc id).
    await page.reload()
    await page.get_by_role("button", name="Join", exact=True).click()
    await _receives_browser_media(python, browser_id)
    assert python.links[browser_id] is not first
    assert first.pc.connectionState == "closed"
    await page.wait_for_function(SHOWS_PYTHON_VIDEO, timeout=20_000)
