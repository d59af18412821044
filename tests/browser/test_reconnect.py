"""A dropped connection comes back to the same seat: never a second tile, media again."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from playwright.async_api import Page, expect

from rooms.model import Role
from tests.browser.conftest import NewPerson
from tests.browser.helpers import expect_media_flowing, join, tile
from tests.support.services import ServerProcess

OUTAGE_SECONDS = 10


async def tile_history(page: Page, name: str) -> dict[str, int]:
    """How often the tile showing `name` appeared and vanished, and the most seen at once."""
    history: dict[str, int] = await page.evaluate("(name) => window.__testTiles[name]", name)
    return history


async def test_connection_cut_then_back_keeps_one_seat(
    make_server: Callable[..., ServerProcess],
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
) -> None:
    # A grace period well beyond the outage, so the seat is held.
    server = make_server(grace_seconds=60)
    names = [
        ("Dana Rivera", Role.FACILITATOR),
        ("Sam", Role.PARTICIPANT),
        ("Alex", Role.PARTICIPANT),
    ]
    people = []
    for name, role in names:
        token = mint(session_id, name, role)
        people.append(await new_person(f"{server.base_url}/s/{session_id}#token={token}", name))
    dana, sam, alex = people
    await asyncio.gather(*(join(p.page) for p in people))
    await expect_media_flowing([p.page for p in people], 2)
    others = (dana.page, sam.page)

    # Alex's network goes away for a while.
    await alex.context.set_offline(True)
    await expect(alex.page.get_by_role("status").filter(has_text="Reconnecting…")).to_be_visible()
    for page in others:
        await expect(tile(page, "Alex").get_by_text("Reconnecting…")).to_be_visible()
    await asyncio.sleep(OUTAGE_SECONDS)  # the outage itself
    await alex.context.set_offline(False)

    await expect(alex.page.get_by_text("Connected", exact=True)).to_be_visible(timeout=20_000)
    await expect(alex.page.get_by_role("status").filter(has_text="Reconnecting…")).to_have_count(0)
    for page in others:
        await expect(tile(page, "Alex").get_by_text("Reconnecting…")).to_be_hidden()
        await expect(tile(page, "Alex")).to_have_count(1)
        assert await tile_history(page, "Alex") == {
            "max": 1,
            "appeared": 1,
            "vanished": 0,
            "present": True,
        }
    await expect_media_flowing([p.page for p in people], 2)

    # Alex reloads the page: the same seat again, over fresh peer connections.
    await alex.page.reload()
    await join(alex.page)
    for page in others:
        await expect(tile(page, "Alex")).to_have_count(1)
    await expect_media_flowing([p.page for p in people], 2)
    for page in others:
        assert await tile_history(page, "Alex") == {
            "max": 1,
            "appeared": 1,
            "vanished": 0,
            "present": True,
        }
