"""The whiteboard with the keyboard only, as a person who cannot use a mouse or uses a screen
reader: Tab to the board, add sticky notes and text, pick what is on it with ] and [ (each
pick said in the board's status), move it with the arrow keys, change its words with Enter,
remove it with Delete. Another page sees every change; the server's board is the same.
Someone who may not draw presses the same keys and nothing changes; the status says why."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from playwright.async_api import Locator, Page, expect

from tests.browser.conftest import NewPerson
from tests.browser.helpers import FacilitatorControls, join
from tests.browser.test_whiteboard import (
    DANA,
    SAM,
    WIDE,
    board,
    board_people,
    board_toggle,
    element_of,
    link,
    region,
    same_board,
    server_board,
    tool,
)
from tests.support.services import ServerProcess

LOCKED_OUT = "Only the facilitator can draw now; you can watch."
WATCHING = "The facilitator is drawing; you can watch."


async def focused(locator: Locator) -> bool:
    result: bool = await locator.evaluate("el => el === document.activeElement")
    return result


async def tab_to(page: Page, target: Locator, *, back: bool = False, limit: int = 80) -> None:
    """Press Tab (Shift+Tab) until `target` has the keyboard."""
    for _ in range(limit):
        if await focused(target):
            return
        await page.keyboard.press("Shift+Tab" if back else "Tab")
    await expect(target).to_be_focused()


async def words_in_dialog(page: Page, title: str, words: str, confirm: str) -> None:
    """Write `words` in the dialog (replacing what is there) and confirm, by keyboard; the
    keyboard is back on the board after."""
    dialog = page.get_by_role("dialog", name=title)
    field = dialog.get_by_label("Words")
    await expect(field).to_be_focused()
    await page.keyboard.press("Control+a")
    await page.keyboard.type(words)
    await tab_to(page, dialog.get_by_role("button", name=confirm, exact=True), limit=5)
    await page.keyboard.press("Enter")
    await expect(dialog).to_have_count(0)
    await expect(board(page)).to_be_focused()


async def test_a_person_using_only_the_keyboard_adds_picks_moves_edits_and_deletes(
    wb_server: ServerProcess, mint: Callable[..., str], session_id: str,
    new_person: NewPerson, checker: FacilitatorControls,
) -> None:
    (d,) = await board_people(wb_server, mint, session_id, new_person, DANA)
    sam = await new_person(link(wb_server, mint, session_id, SAM), SAM, **WIDE)
    s = sam.page
    await join(s)
    status = region(s).get_by_role("status")

    # Sam opens the board and reaches it with Tab; Tab and Shift+Tab leave and come back.
    await tab_to(s, board_toggle(s))
    await s.keyboard.press("Enter")
    await expect(board_toggle(s)).to_have_attribute("aria-pressed", "true")
    await tab_to(s, board(s))
    await s.keyboard.press("Tab")
    await expect(board(s)).not_to_be_focused()
    await s.keyboard.press("Shift+Tab")
    await expect(board(s)).to_be_focused()

    # N, Enter: a sticky note in the middle of the board; Space adds a second one beside it,
    # not on top of it; T, Enter: a text.
    await s.keyboard.press("n")
    await expect(tool(s, "Sticky note")).to_have_attribute("aria-pressed", "true")
    await s.keyboard.press("Enter")
    await words_in_dialog(s, "Add a sticky note", "Sleep better", "Add")
    await s.keyboard.press(" ")
    await words_in_dialog(s, "Add a sticky note", "Call my sister", "Add")
    await s.keyboard.press("t")
    await s.keyboard.press("Enter")
    await words_in_dialog(s, "Add text", "Go for a walk", "Add")
    added = await same_board([s, d], checker, Counter(note=2, text=1))
    first = element_of(added, "note", "Sleep better")
    second = element_of(added, "note", "Call my sister")
    centre = (first["x"] + first["w"] / 2, first["y"] + first["h"] / 2)
    assert centre == (800, 500)
    assert (second["x"], second["y"]) != (first["x"], first["y"])

    # ] and [ pick in reading order (top to bottom), going round; each pick is said.
    await s.keyboard.press("]")
    await expect(status).to_have_text("Sticky note: Sleep better, by you (1 of 3)")
    await expect(tool(s, "Select and move")).to_have_attribute("aria-pressed", "true")
    await s.keyboard.press("]")
    await expect(status).to_have_text("Sticky note: Call my sister, by you (2 of 3)")
    await s.keyboard.press("[")
    await s.keyboard.press("[")
    await expect(status).to_have_text("Text: Go for a walk, by you (3 of 3)")
    await s.keyboard.press("]")
    await expect(status).to_have_text("Sticky note: Sleep better, by you (1 of 3)")
    await expect(region(s).get_by_role("button", name="Delete selected")).to_be_enabled()

    # Arrows move it 10, Shift+arrow 50: one change per key press.
    await s.keyboard.press("ArrowRight")
    await s.keyboard.press("ArrowRight")
    await s.keyboard.press("Shift+ArrowDown")
    moved = await same_board(
        [s, d], checker, Counter(note=2, text=1),
        until=lambda b: element_of(b, "note", "Sleep better")["y"] != first["y"])
    note = element_of(moved, "note", "Sleep better")
    assert (note["x"], note["y"]) == (first["x"] + 20, first["y"] + 50)
    assert moved["seq"] == added["seq"] + 3
    assert note["version"] == first["version"] + 3

    # The text, now next in reading order, goes left as far as the board goes, no further.
    await s.keyboard.press("]")
    await expect(status).to_have_text("Text: Go for a walk, by you (3 of 3)")
    text = element_of(moved, "text")
    steps = -(-text["x"] // 50)  # presses to reach the left edge
    for _ in range(int(steps) + 2):
        await s.keyboard.press("Shift+ArrowLeft")
    await expect(status).to_have_text("That is the edge of the board.")
    at_edge = await same_board([s, d], checker, Counter(note=2, text=1),
                               until=lambda b: element_of(b, "text")["x"] == 0)
    assert element_of(at_edge, "text")["y"] == text["y"]
    assert at_edge["seq"] == moved["seq"] + steps

    # Enter changes the words of what is picked; Delete removes it; Escape lets go.
    await s.keyboard.press("[")
    await expect(status).to_have_text("Sticky note: Sleep better, by you (2 of 3)")
    await s.keyboard.press("Enter")
    dialog = s.get_by_role("dialog", name="Edit the sticky note")
    await expect(dialog.get_by_label("Words")).to_have_value("Sleep better")
    await words_in_dialog(s, "Edit the sticky note", "Sleep eight hours", "Save")
    await same_board([s, d], checker, Counter(note=2, text=1),
                     until=lambda b: any(e["text"] == "Sleep eight hours"
                                         for e in b["snapshot"]["elements"]))
    await s.keyboard.press("Delete")
    await same_board([s, d], checker, Counter(note=1, text=1))
    await expect(board(s)).to_be_focused()
    await s.keyboard.press("]")
    await expect(region(s).get_by_role("button", name="Delete selected")).to_be_enabled()
    await s.keyboard.press("Escape")
    await expect(region(s).get_by_role("button", name="Delete selected")).to_be_disabled()

    # Dana lets only facilitators draw: Sam's keys change nothing, and the status says why.
    before = await same_board([s, d], checker, Counter(note=1, text=1))
    await region(d).get_by_role("checkbox", name="Only facilitators draw").check()
    await expect(region(s).get_by_text(WATCHING)).to_be_visible()
    await expect(board(s)).to_be_focused()
    for key in ("]", "ArrowRight", "Enter", " ", "Delete", "n", "Control+z"):
        await s.keyboard.press(key)
    await expect(status).to_have_text(LOCKED_OUT)
    await expect(s.get_by_role("dialog")).to_have_count(0)
    await expect(region(s).get_by_role("button", name="Delete selected")).to_be_disabled()
    await expect(tool(s, "Select and move")).to_have_attribute("aria-pressed", "true")
    # Sam may still read the board with ] and [ (the ] above read the first thing): each
    # thing is said, nothing is selected.
    await s.keyboard.press("]")
    await expect(status).to_have_text(re.compile(r"\(2 of 2\)$"))
    await s.keyboard.press("]")
    await expect(status).to_have_text(re.compile(r"\(1 of 2\)$"))
    await s.keyboard.press("[")
    await expect(status).to_have_text(re.compile(r"\(2 of 2\)$"))
    await expect(region(s).get_by_role("button", name="Delete selected")).to_be_disabled()
    after = await server_board(checker)
    assert (after["seq"], after["hash"]) == (before["seq"], before["hash"])
    await same_board([s, d], checker, Counter(note=1, text=1))

    # Dana reads the board too: Sam's things are said without Sam's name (the board does
    # not show who wrote what), and the board's description says what is on it.
    await expect(board(d)).to_have_accessible_description(
        re.compile(r"^On it: 1 note, 1 text\.")
    )
    await board(d).focus()
    await d.keyboard.press("]")
    dana_status = region(d).get_by_role("status")
    await expect(dana_status).to_have_text(re.compile(r"^(Sticky note|Text): [^,]+ \(1 of 2\)$"))
