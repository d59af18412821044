"""The shared whiteboard in the browser: people drawing at the same time with the mouse end
with the same board, the same as the server's (compared by the board's state hash); a late
joiner and a reconnecting browser catch up; undo is per person; a facilitator clears the
board and brings it back; a locked board leaves participants watching; cursors, export, a
phone-sized screen. Controls are found by their roles and names, as a person finds them."""

from __future__ import annotations

import asyncio
import struct
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import msgpack  # type: ignore[import-untyped]
import pytest
from playwright.async_api import Locator, Page, WebSocket, expect

from rooms.model import Role
from tests.browser.conftest import NewPerson, Person
from tests.browser.helpers import FacilitatorControls, join
from tests.support.services import ServerProcess

WIDE = {"width": 1100, "height": 760}
DANA, SAM, ALEX, KIM = "Dana Rivera", "Sam Okafor", "Alex Brandt", "Kim Lee"

Point = tuple[float, float]


def link(server: ServerProcess, mint: Callable[..., str], session: str, name: str,
         role: Role = Role.PARTICIPANT, pid: str | None = None) -> str:
    pid = pid or "p-" + uuid.uuid4().hex[:10]
    return f"{server.base_url}/s/{session}#token={mint(session, name, role, participant_id=pid)}"


async def server_board(checker: FacilitatorControls) -> dict[str, Any]:
    ack = await checker.request("whiteboard.sync", {"since": None})
    board: dict[str, Any] = ack["board"]
    return board


def kinds(board: dict[str, Any]) -> Counter[str]:
    snapshot = board["snapshot"] or {"elements": []}
    return Counter(e["kind"] for e in snapshot["elements"] if not e["deleted"])


# ---- the board in a page -------------------------------------------------------------------
def board(page: Page) -> Locator:
    return page.get_by_role("application", name="Whiteboard", exact=True)


def region(page: Page) -> Locator:
    return page.get_by_role("region", name="Whiteboard", exact=True)


def tool(page: Page, name: str) -> Locator:
    tools = region(page).get_by_role("group", name="Drawing tools")
    return tools.get_by_role("button", name=name, exact=True)


def board_toggle(page: Page) -> Locator:
    return page.get_by_role("group", name="Your controls").get_by_role("button", name="Whiteboard")


async def open_board(page: Page) -> None:
    toggle = board_toggle(page)
    await toggle.click()
    await expect(toggle).to_have_attribute("aria-pressed", "true")
    await expect(board(page)).to_be_visible()


async def enter(person: Person) -> Page:
    await join(person.page)
    await open_board(person.page)
    return person.page


async def board_people(
    server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, *names: str,
) -> list[Page]:
    """Open the links of `names` (Dana as the facilitator), pass the device check and open
    the board on each page, at once."""
    people = [
        await new_person(
            link(server, mint, session_id, n, Role.FACILITATOR if n == DANA else Role.PARTICIPANT),
            n, **WIDE,
        )
        for n in names
    ]
    return list(await asyncio.gather(*(enter(p) for p in people)))


async def to_screen(page: Page, p: Point) -> Point:
    """Board units (1600 x 1000) to the page's pixels, as the board is drawn now. Zoomed in,
    this still holds, but the point may be scrolled out of the frame's view (see
    test_whiteboard_zoom.py `in_view`)."""
    xy: list[float] = await page.evaluate(
        """([x, y]) => {
            const svg = document.querySelector('svg.wb-board');
            const q = new DOMPoint(x, y).matrixTransform(svg.getScreenCTM());
            return [q.x, q.y];
        }""",
        [p[0], p[1]],
    )
    return xy[0], xy[1]


async def choose(page: Page, name: str) -> None:
    await tool(page, name).click()
    await expect(tool(page, name)).to_have_attribute("aria-pressed", "true")


async def drag(page: Page, points: list[Point], steps: int = 6) -> None:
    """Press the mouse at the first point, move through the others, release."""
    screen = [await to_screen(page, p) for p in points]
    await page.mouse.move(*screen[0])
    await page.mouse.down()
    for x, y in screen[1:]:
        await page.mouse.move(x, y, steps=steps)
    await page.mouse.up()


async def elements(page: Page) -> Counter[str]:
    found: list[str] = await page.evaluate(
        "() => [...document.querySelectorAll('svg.wb-board g.wb-elements > g[data-kind]')]"
        ".map((g) => g.dataset.kind)"
    )
    return Counter(found)


async def shown_count(page: Page, total: int) -> None:
    await expect(page.locator("svg.wb-board g.wb-elements > g[data-kind]")).to_have_count(total)


async def draw_stroke(page: Page, start: Point) -> None:
    await choose(page, "Pen")
    x, y = start
    await drag(page, [(x, y), (x + 60, y + 40), (x + 120, y - 10), (x + 180, y + 30)])


async def draw_shape(page: Page, name: str, a: Point, b: Point) -> None:
    await choose(page, name)
    await drag(page, [a, b])


async def write(page: Page, name: str, at: Point, words: str) -> None:
    await choose(page, name)
    await page.mouse.click(*(await to_screen(page, at)))
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Words").fill(words)
    await dialog.get_by_role("button", name="Add").click()
    await expect(dialog).to_have_count(0)


async def same_board(pages: list[Page], checker: FacilitatorControls, expected: Counter[str],
                     within: float = 20.0,
                     until: Callable[[dict[str, Any]], bool] = lambda b: True) -> dict[str, Any]:
    """Every page shows the server's board (same state hash), with `expected` elements.

    `until` waits for a change that leaves the counts as they were (a move, an edit):
    pages agreeing on the board from before the change would otherwise pass."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        b = await server_board(checker)
        hashes = [await board(p).get_attribute("data-board-hash") for p in pages]
        if kinds(b) == expected and until(b) and all(h == b["hash"] for h in hashes):
            break
        if loop.time() > deadline:
            raise AssertionError(f"boards differ: server {kinds(b)} {b['hash']}, pages {hashes}")
        await asyncio.sleep(0.2)
    for page in pages:
        assert await elements(page) == expected
    return b


def record_syncs(page: Page) -> list[Any]:
    """The `since` of every `whiteboard.sync` the page sends (Socket.IO frames, msgpack)."""
    sent: list[Any] = []

    def frame(payload: str | bytes) -> None:
        if isinstance(payload, bytes):
            packet = msgpack.unpackb(payload)
            data = packet.get("data") if isinstance(packet, dict) else None
            if isinstance(data, list) and data and data[0] == "whiteboard.sync":
                sent.append(data[1]["since"])

    def socket(ws: WebSocket) -> None:
        ws.on("framesent", frame)

    page.on("websocket", socket)
    return sent


def element_of(b: dict[str, Any], kind: str, text: str | None = None) -> dict[str, Any]:
    """The one live `kind` on the server's board (with these words, when given)."""
    found = [e for e in b["snapshot"]["elements"]
             if e["kind"] == kind and not e["deleted"] and text in (None, e["text"])]
    assert len(found) == 1, found
    element: dict[str, Any] = found[0]
    return element


# ---- tests -----------------------------------------------------------------------------------
async def test_three_people_draw_at_once_and_see_the_same_board(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    server = wb_server
    pages = await board_people(server, mint, session_id, new_person, DANA, SAM, ALEX)
    d, s, a = pages
    await expect(tool(d, "Pen")).to_be_enabled()

    async def dana_draws() -> None:
        await draw_stroke(d, (100, 100))
        await draw_shape(d, "Rectangle", (100, 300), (400, 500))
        await write(d, "Text", (100, 700), "What helped this week?")

    async def sam_draws() -> None:
        await draw_stroke(s, (600, 100))
        await draw_shape(s, "Ellipse", (600, 300), (850, 480))
        await draw_shape(s, "Arrow", (600, 600), (900, 800))

    async def alex_draws() -> None:
        await draw_stroke(a, (1100, 100))
        await write(a, "Sticky note", (1100, 300), "Sleep better")
        await draw_shape(a, "Line", (1100, 700), (1400, 900))

    await asyncio.gather(dana_draws(), sam_draws(), alex_draws())
    drawn = Counter(stroke=3, rect=1, text=1, ellipse=1, arrow=1, note=1, line=1)
    before = await same_board(pages, checker, drawn)

    # Freehand strokes are sent once, on pen-up, with their points relative to (x, y),
    # rounded to 2 decimals; the note carries its words.
    for e in before["snapshot"]["elements"]:
        if e["kind"] == "stroke":
            assert len(e["points"]) >= 4
            assert all(p[0] >= 0 and p[1] >= 0 for p in e["points"])
            assert all(round(v, 2) == v for p in e["points"] for v in p)
    assert element_of(before, "note")["text"] == "Sleep better"
    assert element_of(before, "text")["text"] == "What helped this week?"

    # Sam moves the ellipse (select, drag); Alex deletes the line (select, Delete key).
    ellipse = element_of(before, "ellipse")
    await choose(s, "Select and move")
    cx, cy = ellipse["x"] + ellipse["w"] / 2, ellipse["y"] + ellipse["h"] / 2
    await drag(s, [(cx, cy), (cx + 100, cy + 50)])
    await choose(a, "Select and move")
    await a.mouse.click(*(await to_screen(a, (1250, 800))))
    await expect(region(a).get_by_role("button", name="Delete selected")).to_be_enabled()
    await a.keyboard.press("Delete")

    after = await same_board(pages, checker, drawn - Counter(line=1),
                             until=lambda b: element_of(b, "ellipse")["x"] != ellipse["x"])
    moved = element_of(after, "ellipse")
    assert moved["x"] == pytest.approx(ellipse["x"] + 100, abs=3)
    assert moved["y"] == pytest.approx(ellipse["y"] + 50, abs=3)
    assert moved["version"] == ellipse["version"] + 1

    # Dana makes the rectangle larger by its handle, and changes the words of the text.
    rect = element_of(after, "rect")
    await choose(d, "Select and move")
    await d.mouse.click(*(await to_screen(d, (rect["x"] + 20, rect["y"] + 20))))
    corner = (rect["x"] + rect["w"] + 4, rect["y"] + rect["h"] + 4)
    await drag(d, [corner, (corner[0] + 120, corner[1] + 60)])
    text = element_of(after, "text")
    await d.mouse.dblclick(*(await to_screen(d, (text["x"] + 20, text["y"] + 20))))
    dialog = d.get_by_role("dialog", name="Edit the text")
    await expect(dialog.get_by_label("Words")).to_have_value("What helped this week?")
    await dialog.get_by_label("Words").fill("What helped you this week?")
    await dialog.get_by_role("button", name="Save").click()
    edited = await same_board(
        pages, checker, drawn - Counter(line=1),
        until=lambda b: (element_of(b, "text")["text"] != text["text"]
                         and element_of(b, "rect")["w"] != rect["w"]))
    assert element_of(edited, "rect")["w"] == pytest.approx(rect["w"] + 120, abs=3)
    assert element_of(edited, "rect")["h"] == pytest.approx(rect["h"] + 60, abs=3)
    assert element_of(edited, "text")["text"] == "What helped you this week?"

    # Someone's pointer over the board shows with their name to the others, then fades.
    await s.mouse.move(*(await to_screen(s, (800, 900))))
    await s.mouse.move(*(await to_screen(s, (820, 910))))
    cursor = d.locator("svg.wb-board g.wb-cursors text", has_text=SAM)
    await expect(cursor).to_have_count(1)
    await expect(cursor).to_have_count(0, timeout=10_000)


async def test_a_late_joiner_and_a_browser_that_was_offline_see_the_same_board(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    server = wb_server
    d, s = await board_people(server, mint, session_id, new_person, DANA, SAM)
    await draw_stroke(d, (200, 200))
    await draw_shape(s, "Rectangle", (700, 200), (900, 400))
    await write(s, "Sticky note", (1000, 200), "Breathe")
    await same_board([d, s], checker, Counter(stroke=1, rect=1, note=1))

    # Alex comes in late: the whole board is there.
    alex = await new_person(link(server, mint, session_id, ALEX), ALEX, **WIDE)
    a = await enter(alex)
    syncs = record_syncs(a)  # the connections made from now on
    seen = await same_board([d, s, a], checker, Counter(stroke=1, rect=1, note=1))

    # Alex's network goes away; the others go on drawing and deleting meanwhile.
    await alex.context.set_offline(True)
    await expect(a.get_by_role("status").filter(has_text="Reconnecting…")).to_be_visible()
    await draw_shape(d, "Ellipse", (200, 500), (500, 700))
    await draw_stroke(s, (700, 600))
    await choose(s, "Select and move")
    await s.mouse.click(*(await to_screen(s, (800, 300))))
    await s.get_by_role("button", name="Delete selected").click()
    missed = Counter(stroke=2, ellipse=1, note=1)
    await same_board([d, s], checker, missed)
    # What Alex shows is still the board from before.
    assert await elements(a) == Counter(stroke=1, rect=1, note=1)

    await alex.context.set_offline(False)
    await expect(a.get_by_text("Connected", exact=True)).to_be_visible(timeout=30_000)
    await same_board([d, s, a], checker, missed)
    # After the outage the page asked only for what it missed (the board's seq before it).
    assert syncs == [seen["seq"]]


async def test_undo_and_redo_are_per_person(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    server = wb_server
    s, a = await board_people(server, mint, session_id, new_person, SAM, ALEX)

    await draw_stroke(s, (200, 200))
    await same_board([s, a], checker, Counter(stroke=1))
    # Letters choose tools.
    await a.keyboard.press("r")
    await expect(tool(a, "Rectangle")).to_have_attribute("aria-pressed", "true")
    await drag(a, [(700, 200), (900, 400)])
    await same_board([s, a], checker, Counter(stroke=1, rect=1))

    # Sam's undo takes back Sam's stroke, never Alex's later rectangle.
    await s.keyboard.press("Control+z")
    await same_board([s, a], checker, Counter(rect=1))
    before_undo = await server_board(checker)
    await region(s).get_by_role("button", name="Undo").click()
    await expect(region(s).get_by_role("status")).to_have_text("There is nothing of yours to undo.")
    after_undo = await same_board([s, a], checker, Counter(rect=1))
    assert after_undo["seq"] == before_undo["seq"]  # the refused undo changed nothing
    # Redo brings the stroke back; Alex's undo then takes only the rectangle.
    await s.keyboard.press("Control+Shift+z")
    await same_board([s, a], checker, Counter(stroke=1, rect=1))
    await a.keyboard.press("Control+z")
    await same_board([s, a], checker, Counter(stroke=1))
    await a.keyboard.press("Control+y")
    await same_board([s, a], checker, Counter(stroke=1, rect=1))


async def test_the_facilitator_clears_the_board_and_brings_it_back(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    server = wb_server
    d, s = await board_people(server, mint, session_id, new_person, DANA, SAM)
    await draw_stroke(s, (200, 200))
    await write(s, "Text", (200, 600), "Hope")
    await draw_shape(d, "Ellipse", (800, 300), (1100, 500))
    full = await same_board([d, s], checker, Counter(stroke=1, text=1, ellipse=1))

    # Only facilitators are offered "Clear board".
    await expect(region(s).get_by_role("button", name="Clear board")).to_have_count(0)
    await region(d).get_by_role("button", name="Clear board").click()
    dialog = d.get_by_role("dialog", name="Clear the whiteboard?")
    await expect(dialog).to_be_visible()
    await dialog.get_by_role("button", name="Clear board").click()
    await same_board([d, s], checker, Counter())
    await shown_count(s, 0)

    # Undo brings back exactly what was there.
    await region(d).get_by_role("button", name="Undo").click()
    restored = await same_board([d, s], checker, Counter(stroke=1, text=1, ellipse=1))
    assert restored["hash"] == full["hash"]


async def test_a_locked_board_leaves_participants_watching(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    server = wb_server
    d, s, a = await board_people(server, mint, session_id, new_person, DANA, SAM, ALEX)
    watching = "The facilitator is drawing; you can watch."

    await region(d).get_by_role("checkbox", name="Only facilitators draw").check()
    for page in (s, a):
        await expect(region(page).get_by_text(watching)).to_be_visible()
        for name in ("Pen", "Rectangle", "Sticky note", "Select and move"):
            await expect(tool(page, name)).to_be_disabled()
        await expect(region(page).get_by_role("button", name="Undo")).to_be_disabled()
        await expect(region(page).get_by_role("button", name="Colour: Red")).to_be_disabled()
        # Saving stays open to everyone.
        await expect(region(page).get_by_role("button", name="Save as SVG")).to_be_enabled()
    await expect(region(d).get_by_text(watching)).to_be_hidden()

    # The facilitator draws; Sam's mouse on the board changes nothing.
    await draw_shape(d, "Rectangle", (100, 100), (300, 300))
    await same_board([d, s, a], checker, Counter(rect=1))
    await drag(s, [(600, 600), (800, 800)])
    await shown_count(s, 1)
    await same_board([d, s, a], checker, Counter(rect=1))

    # Sam may draw again; Alex still watches.
    await region(d).get_by_role("checkbox", name=f"{SAM} may draw").check()
    await expect(region(s).get_by_text(watching)).to_be_hidden()
    await expect(tool(s, "Pen")).to_be_enabled()
    await expect(tool(a, "Pen")).to_be_disabled()
    await draw_stroke(s, (600, 600))
    await same_board([d, s, a], checker, Counter(rect=1, stroke=1))

    # Everyone draws again.
    await region(d).get_by_role("checkbox", name="Only facilitators draw").uncheck()
    await expect(region(a).get_by_text(watching)).to_be_hidden()
    await expect(tool(a, "Pen")).to_be_enabled()


async def test_the_board_is_saved_as_svg_and_png(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    sam = await new_person(link(wb_server, mint, session_id, SAM), SAM, **WIDE)
    s = await enter(sam)
    await draw_stroke(s, (200, 200))
    await write(s, "Sticky note", (700, 300), "Call my sister")
    await same_board([s], checker, Counter(stroke=1, note=1))

    async with s.expect_download() as svg_download:
        await region(s).get_by_role("button", name="Save as SVG").click()
    svg_file = await (await svg_download.value).path()
    text = svg_file.read_text()
    assert text.startswith("<?xml") and 'viewBox="0 0 1600 1000"' in text
    assert "Call my sister" in text and "<path" in text
    assert "data-" not in text  # nothing of the page's workings

    async with s.expect_download() as png_download:
        await region(s).get_by_role("button", name="Save as PNG").click()
    png = (await (await png_download.value).path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert struct.unpack(">II", png[16:24]) == (1600, 1000)


async def pen_stroke(page: Page, points: list[tuple[float, float, float]]) -> None:
    """A stroke with a pen: (x, y, pressure) in board units, through Chromium's input."""
    cdp = await page.context.new_cdp_session(page)
    kinds = ["mousePressed"] + ["mouseMoved"] * (len(points) - 2) + ["mouseReleased"]
    for kind, (x, y, force) in zip(kinds, points, strict=True):
        sx, sy = await to_screen(page, (x, y))
        await cdp.send("Input.dispatchMouseEvent", {
            "type": kind, "x": sx, "y": sy, "button": "left", "buttons": 1,
            "clickCount": 1, "pointerType": "pen", "force": force,
        })
    await cdp.detach()


async def finger_stroke(page: Page, points: list[Point]) -> None:
    """A stroke with a finger on a touch screen, through Chromium's input."""
    cdp = await page.context.new_cdp_session(page)
    kinds = ["touchStart"] + ["touchMove"] * (len(points) - 2) + ["touchEnd"]
    for kind, p in zip(kinds, points, strict=True):
        sx, sy = await to_screen(page, p)
        touches = [] if kind == "touchEnd" else [{"x": sx, "y": sy}]
        await cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})
    await cdp.detach()


async def test_pen_pressure_and_a_finger_draw_too(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    sam = await new_person(link(wb_server, mint, session_id, SAM), SAM, **WIDE)
    s = await enter(sam)
    await choose(s, "Pen")
    pressures = [0.2, 0.3, 0.45, 0.6, 0.75, 0.9, 0.9]
    await pen_stroke(s, [(200 + 40 * i, 300 + 10 * i, f) for i, f in enumerate(pressures)])
    b = await same_board([s], checker, Counter(stroke=1))
    # The pen's pressure travels with each point (the first and last as pressed).
    sent = [p[2] for p in element_of(b, "stroke")["points"]]
    assert sent[0] == pytest.approx(0.2, abs=0.01) and max(sent) == pytest.approx(0.9, abs=0.01)

    await finger_stroke(s, [(700, 600), (760, 640), (820, 620), (900, 700)])
    await same_board([s], checker, Counter(stroke=2))


async def test_on_a_phone_the_board_replaces_the_people(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    sam = await new_person(link(wb_server, mint, session_id, SAM), SAM, width=360, height=700)
    s = await enter(sam)
    await expect(s.get_by_role("list", name="People in the session")).to_be_hidden()
    # Everything fits the width: nothing to scroll sideways.
    assert await s.evaluate("() => document.documentElement.scrollWidth") <= 360
    # The board itself (its white sheet) takes nearly the whole width, so words on it can
    # be read: not a strip squeezed between the tools and the buttons.
    sheet = await s.locator("svg.wb-board rect.wb-sheet").bounding_box()
    assert sheet is not None and sheet["width"] >= 0.85 * 360
    # A touch screen: every button by the board is at least 44 px high, for fingers.
    cdp = await s.context.new_cdp_session(s)
    await cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
    assert await s.evaluate("() => matchMedia('(pointer: coarse)').matches")
    heights = await region(s).locator("button.wb-button, button.wb-swatch").evaluate_all(
        "(buttons) => buttons.filter((b) => b.getClientRects().length)"
        ".map((b) => b.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 44, heights
    await draw_stroke(s, (300, 300))
    await same_board([s], checker, Counter(stroke=1))
    await board_toggle(s).click()
    await expect(s.get_by_role("list", name="People in the session")).to_be_visible()
    await expect(region(s)).to_be_hidden()


async def test_a_breakout_room_has_its_own_board(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    server = wb_server
    fac = FacilitatorControls(server, session_id, mint(session_id, DANA, Role.FACILITATOR))
    await fac.join()
    try:
        sam = await new_person(link(server, mint, session_id, SAM, pid="p-sam"), SAM, **WIDE)
        alex = await new_person(link(server, mint, session_id, ALEX), ALEX, **WIDE)
        s, a = await asyncio.gather(enter(sam), enter(alex))
        await draw_stroke(s, (200, 200))
        await draw_shape(a, "Rectangle", (700, 200), (900, 400))
        main = await same_board([s, a], checker, Counter(stroke=1, rect=1))

        # Sam goes to a breakout: its board is empty, and what Sam draws there stays there.
        await fac.request("breakouts.create", {"names": ["Pairs"]})
        await fac.request("breakouts.assign", {"assignments": {"p-sam": "breakout-1"}})
        await fac.request("breakouts.open", {})
        await shown_count(s, 0)
        await draw_shape(s, "Ellipse", (300, 300), (600, 500))
        await shown_count(s, 1)
        await fac.request("breakouts.visit", {"room_id": "breakout-1"})
        pairs = await same_board([s], fac, Counter(ellipse=1))
        assert await board(a).get_attribute("data-board-hash") == main["hash"]
        assert (await server_board(checker))["hash"] == main["hash"]  # main's board untouched
        assert pairs["hash"] != main["hash"]

        # Everyone back: Sam sees the main room's board again.
        await fac.request("breakouts.close", {})
        await same_board([s, a], checker, Counter(stroke=1, rect=1))
    finally:
        await fac.close()


async def test_the_board_hash_agrees_with_the_server_on_awkward_numbers_and_words(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    """Elements written by another client, with numbers whose rounding ties and words that
    JSON escapes: the page's hash is still the server's."""
    fac = FacilitatorControls(wb_server, session_id, mint(session_id, DANA, Role.FACILITATOR))
    await fac.join()
    try:
        sam = await new_person(link(wb_server, mint, session_id, SAM), SAM, **WIDE)
        s = await enter(sam)
        base = {"points": [], "color": "#1f2933", "fill": None, "width": 2.5, "text": ""}
        awkward = [
            {"id": "t-1", "kind": "text", "x": 0.125, "y": 2.675, "w": 10.005, "h": 0.5,
             **base, "text": 'Café \u2013 ✓ 日本 "quoted" \\ back\nnext\ttab \u0001'},
            {"id": "n-2", "kind": "note", "x": 1.005, "y": 0.015, "w": 200, "h": 100,
             **base, "fill": "#ffd9e0", "text": "😊 emoji, \u2028 separator"},
            {"id": "a-3", "kind": "arrow", "x": -0.005, "y": 999.995, "w": 0, "h": 0,
             **base, "points": [[0, 0, 0.5], [0.125, -0.375, 0.625]]},
        ]
        for i, element in enumerate(awkward):
            await fac.request("whiteboard.op", {"op": {"type": "add", "element": element},
                                                "client_op_id": f"op-{i}"})
        await same_board([s], checker, Counter(text=1, note=1, arrow=1))
    finally:
        await fac.close()
