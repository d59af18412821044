"""Zoom on the whiteboard, as someone on a phone uses it: the buttons and keys zoom in and
back to the whole board, the status says the level, the frame scrolls to the rest of the
board, and what is drawn zoomed in lands where it was drawn (the server's board has it at
the board units under the pointer). Ctrl+wheel zooms around the mouse without zooming the
page; two fingers pinch and pan while one finger still draws. The zoom is each person's
own: another page keeps the whole board in view and sees the same board throughout; a move
to a breakout room shows that room's whole board."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import pytest
from playwright.async_api import Locator, Page, expect

from rooms.model import Role
from tests.browser.conftest import NewPerson
from tests.browser.helpers import FacilitatorControls
from tests.browser.test_whiteboard import (
    DANA,
    SAM,
    Point,
    board,
    board_people,
    choose,
    draw_shape,
    element_of,
    enter,
    link,
    region,
    same_board,
    shown_count,
)
from tests.support.services import ServerProcess

PHONE = {"width": 360, "height": 700}


def frame(page: Page) -> Locator:
    return region(page).locator(".wb-frame")


def zoom_button(page: Page, name: str) -> Locator:
    zoom = region(page).get_by_role("group", name="Zoom")
    return zoom.get_by_role("button", name=name, exact=True)


def status(page: Page) -> Locator:
    return region(page).get_by_role("status")


ZOOMED = re.compile(r"^Zoom (\d+)%$")


async def zoom_said(page: Page) -> int:
    """The zoom level the status says now that it says one (zoomed in)."""
    await expect(status(page)).to_have_text(ZOOMED)
    said = ZOOMED.match(await status(page).inner_text())
    assert said is not None
    return int(said.group(1))


async def sheet_box(page: Page) -> dict[str, float]:
    box = await page.locator("svg.wb-board rect.wb-sheet").bounding_box()
    assert box is not None
    return box


async def frame_box(page: Page) -> dict[str, float]:
    box = await frame(page).bounding_box()
    assert box is not None
    return box


async def scrolls(page: Page) -> bool:
    result: bool = await frame(page).evaluate(
        "f => f.scrollWidth > f.clientWidth && f.scrollHeight > f.clientHeight")
    return result


async def in_view(page: Page, fx: float, fy: float) -> Point:
    """A point of the screen at (fx, fy) of the frame's visible part."""
    f = await frame_box(page)
    return f["x"] + fx * f["width"], f["y"] + fy * f["height"]


async def board_at(page: Page, screen: Point) -> Point:
    """The board units (1600 x 1000) under a screen point, from where the board's white
    sheet is drawn: worked out apart from the page's own mapping (getScreenCTM)."""
    s = await sheet_box(page)
    return (screen[0] - s["x"]) * 1600 / s["width"], (screen[1] - s["y"]) * 1000 / s["height"]


async def fits(page: Page) -> None:
    """The whole board is in the frame again: nothing to scroll, the sheet inside it."""
    await expect(frame(page)).not_to_have_class(re.compile(r"\bwb-zoomed\b"))
    assert not await frame(page).evaluate("f => f.scrollWidth > f.clientWidth")
    s, f = await sheet_box(page), await frame_box(page)
    assert f["x"] - 1 <= s["x"] and s["x"] + s["width"] <= f["x"] + f["width"] + 1
    assert f["y"] - 1 <= s["y"] and s["y"] + s["height"] <= f["y"] + f["height"] + 1


async def test_on_a_phone_sam_zooms_in_draws_where_he_points_and_zooms_back_out(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    (d,) = await board_people(wb_server, mint, session_id, new_person, DANA)
    sam = await new_person(link(wb_server, mint, session_id, SAM), SAM, **PHONE)
    s = await enter(sam)
    fit_width = (await sheet_box(s))["width"]
    assert not await scrolls(s)

    # Two presses of "Zoom in": 200%, said in the status; the sheet is twice the size it
    # had and the frame scrolls both ways to the rest of it.
    await zoom_button(s, "Zoom in").click()
    await expect(status(s)).to_have_text("Zoom 150%")
    await zoom_button(s, "Zoom in").click()
    await expect(status(s)).to_have_text("Zoom 200%")
    sheet, f = await sheet_box(s), await frame_box(s)
    assert sheet["width"] == pytest.approx(2 * fit_width, abs=2)
    assert sheet["width"] >= 1.9 * f["width"]
    assert await scrolls(s)
    # The page itself stays the phone's width: only the board's frame scrolls.
    assert await s.evaluate("() => document.documentElement.scrollWidth") <= 360

    # Scrolled away from the corner, Sam drags a rectangle between two points on the
    # screen: the server's rectangle is at the board units under those points.
    await frame(s).evaluate(
        "f => { f.scrollLeft = (f.scrollWidth - f.clientWidth) * 0.6;"
        " f.scrollTop = (f.scrollHeight - f.clientHeight) * 0.4; }")
    a, b = await in_view(s, 0.2, 0.25), await in_view(s, 0.8, 0.75)
    (ax, ay), (bx, by) = await board_at(s, a), await board_at(s, b)
    assert ax > 400 and ay > 150  # not the top-left corner the fitted board had there
    await choose(s, "Rectangle")
    await s.mouse.move(*a)
    await s.mouse.down()
    await s.mouse.move(*b, steps=6)
    await s.mouse.up()
    drawn = await same_board([s, d], checker, Counter(rect=1))
    rect = element_of(drawn, "rect")
    assert rect["x"] == pytest.approx(ax, abs=4) and rect["y"] == pytest.approx(ay, abs=4)
    assert rect["w"] == pytest.approx(bx - ax, abs=4) and rect["h"] == pytest.approx(by - ay, abs=4)
    # Dana's view was never zoomed: the zoom is Sam's own.
    await fits(d)
    await expect(status(d)).not_to_contain_text("Zoom")

    # Keys on the board: - steps out, 0 shows the whole board, + and = step in.
    await board(s).focus()
    await s.keyboard.press("-")
    await expect(status(s)).to_have_text("Zoom 150%")
    await s.keyboard.press("0")
    await expect(status(s)).to_have_text("Zoom 100%: the whole board")
    await fits(s)
    await s.keyboard.press("=")
    await expect(status(s)).to_have_text("Zoom 150%")
    await s.keyboard.press("+")
    await expect(status(s)).to_have_text("Zoom 200%")
    assert await scrolls(s)
    await expect(board(s)).to_be_focused()  # zooming keeps the keyboard where it was
    # Zoomed in with nothing picked, the arrows look around the board.
    await frame(s).evaluate("f => { f.scrollLeft = 0; f.scrollTop = 0; }")
    await s.keyboard.press("ArrowRight")
    await s.keyboard.press("Shift+ArrowDown")
    await s.wait_for_function(
        "() => { const f = document.querySelector('.wb-frame');"
        " return f.scrollLeft > 0 && f.scrollTop > 0; }")

    # "Fit the board" brings the whole of it back.
    await zoom_button(s, "Fit the board").click()
    await expect(status(s)).to_have_text("Zoom 100%: the whole board")
    await fits(s)
    # Nothing about the zoom reached the board: both pages and the server agree still, and
    # the rectangle is where Sam drew it (the arrows scrolled, they did not move it).
    after = await same_board([s, d], checker, Counter(rect=1))
    still = element_of(after, "rect")
    assert (still["x"], still["y"]) == (rect["x"], rect["y"])
    assert after["seq"] == drawn["seq"]  # not one operation since the rectangle


async def test_ctrl_wheel_zooms_around_the_mouse_and_two_fingers_pinch_and_pan(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    sam = await new_person(link(wb_server, mint, session_id, SAM), SAM, **PHONE)
    s = await enter(sam)
    await s.evaluate("() => window.addEventListener('wheel', (e) => {"
                     " window.__wheelKept = e.defaultPrevented; })")

    # Ctrl+wheel over the board zooms in; the board point under the mouse stays under it,
    # and the page itself does not zoom (the wheel is kept from the browser).
    mouse = await in_view(s, 0.7, 0.4)
    before = await board_at(s, mouse)
    await s.mouse.move(*mouse)
    await s.keyboard.down("Control")
    await s.mouse.wheel(0, -200)
    await s.keyboard.up("Control")
    assert 150 < await zoom_said(s) <= 400
    assert await s.evaluate("() => window.__wheelKept") is True
    assert await scrolls(s)
    after = await board_at(s, mouse)
    assert after == pytest.approx(before, abs=3)

    # Back to the whole board; then two fingers spread apart zoom in around them.
    await zoom_button(s, "Fit the board").click()
    await fits(s)
    cdp = await s.context.new_cdp_session(s)

    async def touch(kind: str, *points: Point) -> None:
        touches = [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]
        await cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": touches})

    await choose(s, "Pen")
    fit_width = (await sheet_box(s))["width"]
    (lx, y), (rx, _) = await in_view(s, 0.4, 0.5), await in_view(s, 0.6, 0.5)
    centre = await board_at(s, ((lx + rx) / 2, y))
    await touch("touchStart", (lx, y))
    await touch("touchStart", (lx, y), (rx, y))
    for spread in range(10, 61, 10):
        await touch("touchMove", (lx - spread, y), (rx + spread, y))
    level = (rx - lx + 120) / (rx - lx)  # the fingers' distance, over its start
    # Touch moves reach the page with its next frame: wait for the last one.
    await s.wait_for_function(
        "w => Math.abs(document.querySelector('svg.wb-board rect.wb-sheet')"
        ".getBoundingClientRect().width - w) < 2", arg=level * fit_width)
    shown = await board_at(s, ((lx + rx) / 2, y))
    assert shown == pytest.approx(centre, abs=4)  # what was between them still is
    # Both fingers moving together pan the board.
    left = await frame(s).evaluate("f => f.scrollLeft")
    await touch("touchMove", (lx - 100, y), (rx + 20, y))
    await s.wait_for_function(
        "x => Math.abs(document.querySelector('.wb-frame').scrollLeft - x) <= 2", arg=left + 40)
    await touch("touchEnd")
    assert await zoom_said(s) == pytest.approx(level * 100, abs=1)
    assert await scrolls(s)

    # The pinch drew nothing; one finger still draws, where it touches.
    start, end = await in_view(s, 0.3, 0.3), await in_view(s, 0.7, 0.6)
    await touch("touchStart", start)
    await touch("touchMove", ((start[0] + end[0]) / 2, end[1]))
    await touch("touchMove", end)
    await touch("touchEnd")
    drawn = await same_board([s], checker, Counter(stroke=1))
    stroke = element_of(drawn, "stroke")
    sx, sy = await board_at(s, start)
    assert stroke["x"] == pytest.approx(sx, abs=4) and stroke["y"] == pytest.approx(sy, abs=4)
    await cdp.detach()


async def test_a_move_to_a_breakout_room_shows_its_whole_board(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    fac = FacilitatorControls(wb_server, session_id, mint(session_id, DANA, Role.FACILITATOR))
    await fac.join()
    try:
        sam = await new_person(link(wb_server, mint, session_id, SAM, pid="p-sam"), SAM, **PHONE)
        s = await enter(sam)
        await draw_shape(s, "Rectangle", (700, 400), (900, 600))
        await same_board([s], checker, Counter(rect=1))
        await zoom_button(s, "Zoom in").click()
        await zoom_button(s, "Zoom in").click()
        await expect(status(s)).to_have_text("Zoom 200%")
        assert await scrolls(s)

        await fac.request("breakouts.create", {"names": ["Pairs"]})
        await fac.request("breakouts.assign", {"assignments": {"p-sam": "breakout-1"}})
        await fac.request("breakouts.open", {})
        await shown_count(s, 0)  # the breakout's own (empty) board
        await fits(s)
        # Zooming works there as before.
        await zoom_button(s, "Zoom in").click()
        await expect(status(s)).to_have_text("Zoom 150%")
        assert await scrolls(s)
    finally:
        await fac.close()
