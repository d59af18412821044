"""Chromium, restricted to relay candidates, gets media through the test coturn with the
credentials this server mints, and gets nothing with bad ones.

A participant behind a firewall that blocks everything but the TURN server is in exactly
this situation: `iceTransportPolicy: "relay"` takes every other path away.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from playwright.async_api import Browser, Page, async_playwright

from signaling.turn import ice_servers, mint_credentials
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.coturn import CoturnProcess
from tests.support.services import free_port

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media_netns")]

PAGE = Path(__file__).with_name("relay_page.html")
# Chromium's fake camera sends 30 fps: 60 decoded frames is two seconds of video.
ENOUGH_FRAMES = 60


@pytest.fixture(scope="module")
async def page_url() -> AsyncIterator[str]:
    """The test page, served over http on loopback (a secure context, so the camera works)."""
    async def index(_: web.Request) -> web.FileResponse:
        return web.FileResponse(PAGE)

    app = web.Application()
    app.router.add_get("/", index)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    yield f"http://127.0.0.1:{port}/"
    await runner.cleanup()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        await chromium.close()


@pytest.fixture
async def page(browser: Browser, page_url: str) -> AsyncIterator[Page]:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(page_url)
    yield page
    await context.close()


async def stats(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate("window.callStats()")
    return result


async def test_browser_receives_video_relayed_by_coturn(
    page: Page, coturn: CoturnProcess
) -> None:
    servers = ice_servers([coturn.url], coturn.secret, "p-browser", ttl=600)
    candidates = await page.evaluate("(servers) => window.startCall(servers)", servers)
    # Only relay candidates exist, on both sides: media can only go through coturn.
    assert candidates["sender"] and set(candidates["sender"]) == {"relay"}
    assert candidates["receiver"] and set(candidates["receiver"]) == {"relay"}

    await page.wait_for_function(
        f"window.callStats().then(s => s.frames >= {ENOUGH_FRAMES})", polling=100, timeout=20_000
    )
    first = await stats(page)
    assert first["receiverIce"] in ("connected", "completed")
    for side in ("senderPair", "receiverPair"):
        assert first[side] == {"state": "succeeded", "local": "relay", "remote": "relay"}

    # And it keeps coming.
    await page.wait_for_function(
        f"window.callStats().then(s => s.packets > {first['packets']} "
        f"&& s.frames >= {first['frames'] + ENOUGH_FRAMES})",
        polling=100,
        timeout=10_000,
    )


@pytest.mark.parametrize("problem", ["wrong secret", "expired"])
async def test_browser_with_bad_credentials_gets_no_relay_and_no_connection(
    page: Page, coturn: CoturnProcess, problem: str
) -> None:
    if problem == "wrong secret":
        creds = mint_credentials("not-the-turn-servers-secret", "p-browser-bad", ttl=600)
    else:
        creds = mint_credentials(coturn.secret, "p-browser-bad", ttl=600, now=time.time() - 900)
    servers = [{"urls": [coturn.url], "username": creds.username, "credential": creds.credential}]

    # Gathering completes (coturn answers 401 at once) with no candidate at all.
    candidates = await page.evaluate("(servers) => window.startCall(servers)", servers)
    assert candidates == {"sender": [], "receiver": []}
    after = await stats(page)
    assert after["receiverIce"] not in ("connected", "completed")
    assert after["senderPair"] is None and after["receiverPair"] is None
    assert after["packets"] == 0
