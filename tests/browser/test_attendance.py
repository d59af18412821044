"""A facilitator downloads the session's attendance from the facilitator's panel, as a CSV
for a spreadsheet and as JSON, and it lists everyone who came."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable

from playwright.async_api import Page, expect

from rooms.model import Role
from tests.browser.conftest import NewPerson
from tests.browser.helpers import feedback, join, panel, tile
from tests.signaling.test_facilitator_protocol import Person as SocketPerson
from tests.support.services import ServerProcess

DANA, SAM, ALEX = "Dana Rivera", "Sam Okafor", "Élodie Brandt"


async def download(page: Page, button: str) -> tuple[str, str]:
    """Click a download button; the file's suggested name and its text."""
    async with page.expect_download() as info:
        await panel(page, "Facilitator controls").get_by_role("button", name=button).click()
    done = await info.value
    path = await done.path()
    return done.suggested_filename, path.read_text(encoding="utf-8-sig")


async def test_a_facilitator_downloads_the_attendance_and_it_lists_the_participants(
    make_server: Callable[..., ServerProcess],
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
) -> None:
    server = make_server()
    token = mint(session_id, DANA, Role.FACILITATOR, participant_id="f-dana")
    dana = await new_person(f"{server.base_url}/s/{session_id}#token={token}", DANA,
                            width=1280, height=800)
    await join(dana.page)
    # Two participants, from plain Socket.IO clients (no media needed here).
    others = [SocketPerson(server, mint(session_id, name, participant_id=pid), session_id)
              for name, pid in ((SAM, "p-sam"), (ALEX, "p-alex"))]
    try:
        for person in others:
            await person.join(audio_muted=True, video_off=True)
        page = dana.page
        await expect(tile(page, ALEX)).to_have_count(1)
        await expect(panel(page, "Facilitator controls")).to_be_visible()

        name, text = await download(page, "Download attendance (CSV)")
        assert re.fullmatch(rf"attendance-{session_id}-\d{{4}}-\d\d-\d\d\.csv", name)
        rows = {r["participant_id"]: r for r in csv.DictReader(io.StringIO(text))}
        assert {pid: r["name"] for pid, r in rows.items()} == {
            "f-dana": DANA, "p-sam": SAM, "p-alex": ALEX,
        }
        assert {r["status"] for r in rows.values()} == {"present"}
        await feedback(page, "Attendance downloaded (CSV).")

        name, text = await download(page, "Download attendance (JSON)")
        assert name.endswith(".json")
        ledger = json.loads(text)
        assert ledger["session"] == session_id
        assert [p["name"] for p in ledger["participants"]] == [DANA, SAM, ALEX]
    finally:
        for person in others:
            await person.close()
