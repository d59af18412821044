"""Breakout rooms in the browser, with Python (aiortc) participants alongside: the
facilitator runs them from the "Breakout rooms" panel; people are told where they are
going and find themselves there, hearing and seeing only their roommates; a message
reaches every room; a moved person gets their new roommates; a call for help brings the
facilitator; a dropped connection comes back to its breakout; closing (by hand, then by
the timer) brings everyone back to the main room, receiving everyone again. Nobody
reloads or rejoins."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Callable

from playwright.async_api import Locator, Page, expect

from rooms.model import Role
from signaling.python_participant import KINDS, PythonParticipant
from tests.browser.conftest import NewPerson, Person
from tests.browser.helpers import (
    expect_audio_from,
    expect_peer_to_peer_only,
    expect_video_from,
    figure,
    join,
    join_url,
    open_panel,
    pid,
    python_joined,
    tile,
)
from tests.support.services import ServerProcess

BROWSERS = ["Ana", "Ben", "Cleo"]
PYTHONS = ["Dev", "Eli", "Fay"]
SIX = BROWSERS + PYTHONS
FACILITATOR = "Dana Rivera"
MAIN = "main"
PANEL = "Breakout rooms"


def people_list(page: Page) -> Locator:
    return page.get_by_role("list", name="People in the session").get_by_role("listitem")


async def expect_room(page: Page, title: str, others: list[str]) -> None:
    """The page says which room it is in and shows exactly these other people."""
    await expect(page.get_by_role("heading", level=1, name=title, exact=True)).to_be_visible()
    await expect(people_list(page)).to_have_count(len(others) + 1, timeout=20_000)
    for name in others:
        await expect(tile(page, name)).to_have_count(1)


async def test_six_people_in_three_breakouts_then_back_in_the_main_room(
    group_server: ServerProcess,
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
    python_people: list[PythonParticipant],
) -> None:
    def url(name: str, role: Role = Role.PARTICIPANT) -> str:
        return join_url(group_server, mint, session_id, name, role)

    # The Python participants first (aiortc subscribes to the SFU best before the
    # browsers' video flows), then the facilitator and three browsers.
    pythons = {
        name: await python_joined(group_server, mint, session_id, name, python_people)
        for name in PYTHONS
    }
    dana = await new_person(url(FACILITATOR, Role.FACILITATOR), FACILITATOR, width=1280, height=900)
    browsers: dict[str, Person] = {n: await new_person(url(n), n) for n in BROWSERS}
    await join(dana.page)
    for someone in browsers.values():
        await join(someone.page)
    everyone = [FACILITATOR, *SIX]
    await expect_video_from(dana.page, SIX, frames=1)

    # ---- the facilitator makes three rooms and spreads the six over them at random ----
    bo = await open_panel(dana.page, PANEL)
    await bo.get_by_label("How many rooms").fill("3")
    await bo.get_by_role("button", name="Create rooms").click()
    await expect(bo.get_by_role("status")).to_have_text("3 rooms made.")
    await bo.get_by_role("button", name="Assign at random").click()
    await expect(bo.get_by_role("status")).to_contain_text("spread evenly")
    rooms: dict[str, str] = {}
    for name in SIX:
        select = bo.get_by_role("combobox", name=f"Room for {name}")
        await expect(select).not_to_have_value(MAIN)
        rooms[name] = await select.input_value()
    assert sorted(Counter(rooms.values()).values()) == [2, 2, 2]
    title = {f"breakout-{n}": f"Room {n}" for n in (1, 2, 3)}

    def mates(name: str) -> list[str]:
        return [n for n in SIX if n != name and rooms[n] == rooms[name]]

    opening = time.monotonic()
    await bo.get_by_role("button", name="Open rooms").click()

    # ---- everyone is in their room, with only their roommate's media ----
    async def in_breakout(name: str) -> None:
        if name in browsers:
            page = browsers[name].page
            await expect_room(page, title[rooms[name]], mates(name))
            await expect_video_from(page, mates(name), frames=5)
            await expect_audio_from(page, mates(name))
            await expect_peer_to_peer_only(page, len(mates(name)))
            where = f"You are in the breakout room {title[rooms[name]]}."
            await expect(page.get_by_text(where, exact=True)).to_be_visible()
        else:
            py = pythons[name]
            await py.wait_for_room(rooms[name])
            for mate in mates(name):
                for kind in KINDS:
                    enough = 5 if kind == "video" else 20
                    await py.wait_for_more_media(pid(mate), kind, enough, timeout=30)
            assert set(py.participants) == {pid(m) for m in mates(name)}
            assert set(py.links) == {pid(m) for m in mates(name)}
            assert py.sfu is None

    await asyncio.gather(*(in_breakout(n) for n in SIX))
    figure("breakouts open -> everyone receives their roommate", time.monotonic() - opening)
    await expect_room(dana.page, "Group session", [])

    # ---- a message to all rooms reaches every room ----
    marks = {n: p.mark() for n, p in pythons.items()}
    words = "Five more minutes, then we come back together."
    await bo.get_by_label("Your message to every room").fill(words)
    await bo.get_by_role("button", name="Send to all rooms").click()
    for someone in browsers.values():
        await expect(someone.page.get_by_role("status").filter(has_text=words)).to_be_visible()
        sender = someone.page.get_by_text(f"Message to all rooms from {FACILITATOR}", exact=True)
        await expect(sender).to_be_visible()
    for name, py in pythons.items():
        got = await py.wait_for_event("breakout.broadcast", since=marks[name])
        assert got["text"] == words

    # ---- Ana is moved to another room: her new roommates' media, not her old one's ----
    ana = browsers["Ana"].page
    old_mate = mates("Ana")[0]
    target = next(r for r in title if r != rooms["Ana"])
    await bo.get_by_role("combobox", name="Room for Ana").select_option(label=title[target])
    await expect(bo.get_by_role("status")).to_have_text(f"Ana is moving to {title[target]}.")
    rooms["Ana"] = target
    await expect_room(ana, title[target], mates("Ana"))
    await expect_video_from(ana, mates("Ana"), frames=5)
    await expect_audio_from(ana, mates("Ana"))
    await expect_peer_to_peer_only(ana, len(mates("Ana")))
    await expect(tile(ana, old_mate)).to_have_count(0)
    for name in mates("Ana"):
        if name in browsers:
            await expect_video_from(browsers[name].page, ["Ana"], frames=5)
        else:
            await pythons[name].wait_for_more_media(pid("Ana"), "video", 5, timeout=30)

    # ---- Ana calls for a facilitator; Dana goes to her room and comes back ----
    await ana.get_by_role("button", name="Call facilitator").click()
    await expect(ana.get_by_text("The facilitators know you would like help.")).to_be_visible()
    call = bo.get_by_role("listitem").filter(
        has_text=f"Ana in {title[target]} would like a facilitator."
    )
    await expect(call).to_be_visible()
    await call.get_by_role("button", name=f"Go to {title[target]}").click()
    await expect_room(dana.page, title[target], [*mates("Ana"), "Ana"])
    await expect_video_from(dana.page, ["Ana"], frames=5)
    await expect(tile(ana, FACILITATOR)).to_have_count(1)
    await bo.get_by_role("button", name="Back to the main room").click()
    await expect_room(dana.page, "Group session", [])
    await expect(tile(ana, FACILITATOR)).to_have_count(0)

    # ---- Ben's connection drops: he comes back to his breakout, not the main room ----
    ben = browsers["Ben"]
    await ben.context.set_offline(True)
    await expect(ben.page.get_by_role("status").filter(has_text="Reconnecting…")).to_be_visible()
    await ben.context.set_offline(False)
    await expect(ben.page.get_by_text("Connected", exact=True)).to_be_visible(timeout=20_000)
    await expect_room(ben.page, title[rooms["Ben"]], mates("Ben"))
    await expect_video_from(ben.page, mates("Ben"), frames=5)

    # ---- closed by hand: everyone back in the main room, receiving everyone ----
    closing = time.monotonic()
    await bo.get_by_role("button", name="Close rooms").click()
    await dana.page.get_by_role("dialog", name="Close the breakout rooms?").get_by_role(
        "button", name="Close rooms"
    ).click()
    seen = await everyone_back(dana, browsers, pythons, everyone)
    figure("rooms closed -> every page shows video from everyone in main", seen - closing)

    # ---- opened again with a time limit: the countdown, the warning, then back ----
    await bo.get_by_label("Time limit in minutes (leave empty for none)").fill("0.5")
    await bo.get_by_role("button", name="Open rooms").click()
    cleo = browsers["Cleo"].page
    await expect(cleo.get_by_role("heading", level=1, name=title[rooms["Cleo"]])).to_be_visible()
    # The countdown, from the server's timer: under half a minute left, and running.
    countdown = cleo.get_by_text(re.compile(r"^0:[0-3]\d left$"))
    await expect(countdown).to_be_visible()
    shown = await countdown.text_content()
    await expect(countdown).not_to_have_text(shown or "")
    await expect(cleo.get_by_text("Less than a minute left.")).to_be_visible()
    await expect(bo.get_by_text("The rooms are open:")).to_be_visible()
    # The server's timer closes the rooms; nobody clicks anything.
    await everyone_back(dana, browsers, pythons, everyone, within=60)
    await expect(cleo.get_by_text("You are in the breakout room")).to_be_hidden()


async def everyone_back(
    dana: Person,
    browsers: dict[str, Person],
    pythons: dict[str, PythonParticipant],
    everyone: list[str],
    within: float = 30.0,
) -> float:
    """Everyone is in the main room again: every page shows everyone, every browser
    decodes video from everyone, and the Python participants receive the browsers.
    Returns when every page first showed video from everyone."""
    pages = {FACILITATOR: dana.page, **{n: p.page for n, p in browsers.items()}}
    await asyncio.gather(*(
        expect(page.get_by_role("heading", level=1, name="Group session")).to_be_visible(
            timeout=within * 1000
        )
        for page in pages.values()
    ))
    await asyncio.gather(*(py.wait_for_room(MAIN, timeout=within) for py in pythons.values()))
    await asyncio.gather(*(
        expect_video_from(page, [n for n in everyone if n != me], frames=1, within=within)
        for me, page in pages.items()
    ))
    seen_everyone = time.monotonic()
    await asyncio.gather(*(
        expect_audio_from(page, [n for n in everyone if n != me]) for me, page in pages.items()
    ))
    await asyncio.gather(*(
        py.wait_for_more_media(pid(name), "audio", 20, timeout=within)
        for py in pythons.values()
        for name in [FACILITATOR, *BROWSERS]
    ))
    for page in pages.values():
        await expect(people_list(page)).to_have_count(len(everyone))
    return seen_everyone


async def test_participants_choose_their_room_and_go_there_when_it_opens(
    group_server: ServerProcess, mint: Callable[..., str], session_id: str, new_person: NewPerson
) -> None:
    def url(name: str, role: Role = Role.PARTICIPANT) -> str:
        return join_url(group_server, mint, session_id, name, role)

    dana = await new_person(url(FACILITATOR, Role.FACILITATOR), FACILITATOR, width=1280, height=900)
    sam = await new_person(url("Sam"), "Sam")
    await join(dana.page)
    await join(sam.page)
    bo = await open_panel(dana.page, PANEL)
    await bo.get_by_label("New room name").fill("Quiet corner")
    await bo.get_by_role("button", name="Add room").click()
    await expect(bo.get_by_role("status")).to_have_text("Quiet corner made.")
    await bo.get_by_role("button", name="Let participants choose").click()
    await expect(bo.get_by_role("button", name="Let participants choose")).to_have_attribute(
        "aria-pressed", "true"
    )

    # Sam sees the rooms to choose from, and picks one.
    choices = sam.page.get_by_role("group", name="Choose your breakout room")
    await choices.get_by_role("button", name="Join Quiet corner").click()
    await expect(sam.page.get_by_text("You chose Quiet corner.")).to_be_visible()
    await expect(bo.get_by_role("combobox", name="Room for Sam")).to_have_value("breakout-1")

    await bo.get_by_role("button", name="Open rooms").click()
    await expect(sam.page.get_by_role("heading", level=1, name="Quiet corner")).to_be_visible()
    await expect(people_list(sam.page)).to_have_count(1)
    await expect(choices.get_by_role("button", name="Join Quiet corner")).to_have_attribute(
        "aria-pressed", "true"
    )
    # Sam wants company: the facilitator comes in and they see each other.
    await bo.get_by_role("button", name="Go to Quiet corner").click()
    await expect_room(sam.page, "Quiet corner", [FACILITATOR])
    await expect_video_from(sam.page, [FACILITATOR], frames=5)
    await expect_video_from(dana.page, ["Sam"], frames=5)

    # Lee arrives late, in the main room: Dana, away in Quiet corner, sees Lee in her plan
    # and sends Lee to join them.
    lee = await new_person(url("Lee"), "Lee")
    await join(lee.page)
    room_for_lee = bo.get_by_role("combobox", name="Room for Lee")
    await expect(room_for_lee).to_have_value(MAIN)
    await room_for_lee.select_option(label="Quiet corner")
    await expect_room(lee.page, "Quiet corner", [FACILITATOR, "Sam"])
    # Lee leaves: gone from the plan too.
    await lee.page.get_by_role("button", name="Leave session").click()
    await expect(lee.page.get_by_role("heading", name="You have left the session.")).to_be_visible()
    await expect(room_for_lee).to_have_count(0)
