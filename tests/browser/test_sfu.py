"""Group rooms through the SFU (Janus), in the browser: people see and hear each other
through it, a room moves there while people are in it, and it comes back after Janus
dies; a facilitator's block is enforced there and explained to the person."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from playwright.async_api import Page, expect

from rooms.model import Role
from signaling.janus.config import JanusSettings
from signaling.janus.process import JanusProcess, find_janus
from signaling.python_participant import PythonParticipant
from tests.browser.conftest import NewPerson, Person
from tests.browser.helpers import (
    FacilitatorControls,
    expect_audio_from,
    expect_audio_stopped,
    expect_media_flowing,
    expect_sfu_media_flowing,
    expect_video_from,
    figure,
    join,
    media_paths,
    tile,
)
from tests.support.services import ServerProcess, free_port

# Python participants send small, slow video: they share two cores with three browsers.
PY_VIDEO_SIZE = (160, 120)
PY_VIDEO_FPS = 10


@pytest.fixture(scope="module")
def sfu_server(secret: str) -> Iterator[ServerProcess]:
    """A server with its own Janus; rooms move to the SFU from three people on."""
    proc = ServerProcess(
        secret=secret, grace_seconds=3.0, janus="auto", extra_args=["--sfu-threshold", "2"]
    ).start()
    yield proc
    proc.stop()


# A facilitator and two participants: the room most of these tests start from.
THREE = [("Dana Rivera", Role.FACILITATOR), ("Sam", Role.PARTICIPANT), ("Alex", Role.PARTICIPANT)]


async def open_people(
    server: ServerProcess,
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
    names: list[tuple[str, Role]],
) -> list[Person]:
    return [
        await new_person(
            f"{server.base_url}/s/{session_id}#token={mint(session_id, name, role)}", name
        )
        for name, role in names
    ]


async def mark_page(page: Page) -> None:
    """A mark that a reload or a navigation would wipe out."""
    await page.evaluate("() => { window.__testSamePage = true; }")


async def same_page(page: Page) -> bool:
    return bool(await page.evaluate("() => window.__testSamePage === true"))


async def expect_through_sfu(page: Page) -> None:
    """The page's media goes through the SFU: two connected connections (publishing,
    with simulcast, and receiving), both to Janus, and nothing peer to peer."""
    deadline = asyncio.get_running_loop().time() + 20
    while True:
        paths = await media_paths(page)
        connected = [p for p in paths if p["state"] == "connected"]
        if (
            len(connected) == 2
            and all(p["sfu"] for p in connected)
            and not any(p["state"] == "connected" and not p["sfu"] for p in paths)
            and sum(1 for p in connected if p["simulcast"]) == 1
        ):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not through the SFU: {paths}")
        await asyncio.sleep(0.25)


async def test_a_room_that_grows_past_the_threshold_moves_to_the_sfu_without_reload(
    sfu_server: ServerProcess, mint: Callable[..., str], session_id: str, new_person: NewPerson
) -> None:
    dana, sam = await open_people(
        sfu_server,
        mint,
        session_id,
        new_person,
        [("Dana Rivera", Role.FACILITATOR), ("Sam", Role.PARTICIPANT)],
    )
    await asyncio.gather(join(dana.page), join(sam.page))
    await expect_media_flowing([dana.page, sam.page], 1)  # peer to peer
    for person in (dana, sam):
        assert not any(p["sfu"] for p in await media_paths(person.page))
        await mark_page(person.page)

    (alex,) = await open_people(
        sfu_server, mint, session_id, new_person, [("Alex", Role.PARTICIPANT)]
    )
    started = time.monotonic()
    await join(alex.page)
    people = {p.name: p.page for p in (dana, sam, alex)}
    await expect_sfu_media_flowing(people)
    figure("mesh -> SFU: third join to media flowing on every page", time.monotonic() - started)
    for person in (dana, sam, alex):
        await expect_through_sfu(person.page)
    for person in (dana, sam):
        assert await same_page(person.page), f"{person.name}'s page was reloaded"
        await expect(
            person.page.get_by_text("Sam (you)" if person is sam else "Dana Rivera (you)")
        ).to_be_visible()


# ---- six people, browsers and Python participants --------------------------------------------
async def test_six_people_through_the_sfu_browsers_and_python_participants(
    sfu_server: ServerProcess,
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
    python_people: list[PythonParticipant],
) -> None:
    browser_names = ["Ana", "Ben", "Dev"]
    python_names = ["Cleo", "Eli", "Fay"]
    ids = {name: f"id-{name.lower()}" for name in browser_names + python_names}

    def browser_url(name: str) -> str:
        token = mint(session_id, name, Role.PARTICIPANT, participant_id=ids[name])
        return f"{sfu_server.base_url}/s/{session_id}#token={token}"

    def python_person(name: str) -> PythonParticipant:
        token = mint(session_id, name, Role.PARTICIPANT, participant_id=ids[name])
        person = PythonParticipant(
            sfu_server.base_url,
            session_id,
            token,
            video_size=PY_VIDEO_SIZE,
            video_fps=PY_VIDEO_FPS,
        )
        python_people.append(person)
        return person

    async def small_tiles(person: PythonParticipant) -> None:
        await person.wait_for_media_mode("sfu")
        # Small tiles: the SFU sends them the browsers' smaller simulcast layer.
        await person.report_receive({ids[n]: 150 for n in browser_names}, 0.0)

    # The Python participants first: the third moves the room to the SFU. They are
    # subscribed before the browsers publish: aiortc 1.16 (RtpRouter) learns an unknown
    # SSRC by payload type while a bundled connection's receivers are still being
    # registered, so feeds already running when it subscribes end in its first video
    # receiver (reported to the python_participant's owner).
    cleo, eli, fay = [python_person(n) for n in python_names]
    for person in (cleo, eli, fay):
        await person.join()
    await asyncio.gather(*(small_tiles(person) for person in (cleo, eli, fay)))
    ana, ben, dev = [await new_person(browser_url(n), n) for n in browser_names]
    await asyncio.gather(join(ana.page), join(ben.page))
    await expect_video_from(ana.page, ["Ben", *python_names], frames=1)
    # Dev joins a room already on the SFU, where five people publish.
    started = time.monotonic()
    await join(dev.page)
    await expect_video_from(dev.page, ["Ana", "Ben", *python_names], frames=1)
    figure("SFU room: Dev's join to a first frame from all five others", time.monotonic() - started)

    pages = {p.name: p.page for p in (ana, ben, dev)}
    await expect_sfu_media_flowing(pages, python_names)
    for page in pages.values():
        await expect_through_sfu(page)
    # Each Python participant receives every browser's audio and video.
    await asyncio.gather(
        *(
            person.wait_for_more_media(ids[name], kind, 8 if kind == "video" else 25, timeout=30)
            for person in (cleo, eli, fay)
            for name in browser_names
            for kind in ("audio", "video")
        )
    )
    for person in (cleo, eli, fay):
        assert person.links == {}, "a Python participant kept a peer-to-peer connection"


# ---- a dropped connection, a reload ------------------------------------------------------------
async def test_in_an_sfu_room_a_dropped_connection_and_a_reload_get_media_back(
    sfu_server: ServerProcess, mint: Callable[..., str], session_id: str, new_person: NewPerson
) -> None:
    people = await open_people(
        sfu_server,
        mint,
        session_id,
        new_person,
        THREE,
    )
    await asyncio.gather(*(join(p.page) for p in people))
    pages = {p.name: p.page for p in people}
    await expect_sfu_media_flowing(pages)
    dana, sam, alex = people

    # Alex's connection to the server drops, then comes back: the same seat, and media
    # through the SFU again (offers sent meanwhile were lost: Alex subscribes afresh).
    await alex.context.set_offline(True)
    await expect(alex.page.get_by_role("status").filter(has_text="Reconnecting…")).to_be_visible()
    await alex.context.set_offline(False)
    await expect(alex.page.get_by_text("Connected", exact=True)).to_be_visible(timeout=20_000)
    for page in (dana.page, sam.page):
        await expect(tile(page, "Alex").get_by_text("Reconnecting…")).to_be_hidden()
        await expect(tile(page, "Alex")).to_have_count(1)
    await expect_sfu_media_flowing(pages)
    await expect_through_sfu(alex.page)

    # Alex reloads the page: the same seat, new connections to the SFU.
    await alex.page.reload()
    await join(alex.page)
    await expect_sfu_media_flowing(pages)
    await expect_through_sfu(alex.page)
    for page in (dana.page, sam.page):
        await expect(tile(page, "Alex")).to_have_count(1)


# ---- Janus dies mid-session --------------------------------------------------------------------
def janus_child(parent: int) -> int | None:
    """The pid of the `janus` process whose parent is `parent` (from /proc)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if comm == "janus" and ppid == parent:
            return int(entry)
    return None


async def expect_fresh_sfu_connections(page: Page, made_before: int) -> None:
    """Connections made after the first `made_before` ones carry the page's media: two of
    them connected to the SFU."""
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        states = await page.evaluate(
            """(n) => window.__testPeerConnections.slice(n).map(pc => pc.connectionState)""",
            made_before,
        )
        if states.count("connected") >= 2:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"no fresh SFU connections: {states}")
        await asyncio.sleep(0.25)


@pytest.fixture
def own_sfu_server(secret: str) -> Iterator[ServerProcess]:
    """A server of its own, for a test that breaks its Janus. Stopped after the pages
    are closed (requested before `new_person`)."""
    proc = ServerProcess(
        secret=secret, grace_seconds=3.0, janus="auto", extra_args=["--sfu-threshold", "2"]
    ).start()
    yield proc
    proc.stop()


async def test_media_comes_back_after_janus_is_killed(
    own_sfu_server: ServerProcess,
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
) -> None:
    server = own_sfu_server
    people = await open_people(
        server,
        mint,
        session_id,
        new_person,
        [
            ("Dana Rivera", Role.FACILITATOR),
            ("Sam", Role.PARTICIPANT),
            ("Alex", Role.PARTICIPANT),
        ],
    )
    await asyncio.gather(*(join(p.page) for p in people))
    pages = {p.name: p.page for p in people}
    await expect_sfu_media_flowing(pages)
    for page in pages.values():
        await expect_through_sfu(page)
        await mark_page(page)
    made = {
        name: await page.evaluate("window.__testPeerConnections.length")
        for name, page in pages.items()
    }

    assert server.proc is not None
    pid = janus_child(server.proc.pid)
    assert pid is not None, "no janus child of the server"
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()

    await asyncio.gather(
        *(expect_fresh_sfu_connections(page, made[name]) for name, page in pages.items())
    )
    await expect_sfu_media_flowing(pages)
    figure("Janus killed -> media flowing again on every page", time.monotonic() - killed)
    for page in pages.values():
        assert await same_page(page), "a page was reloaded"
        await expect_through_sfu(page)
    new_pid = janus_child(server.proc.pid)
    assert new_pid is not None and new_pid != pid


# ---- Janus gone for good: back to peer to peer -----------------------------------------------
@pytest.fixture
async def external_janus() -> AsyncIterator[JanusProcess]:
    """A Janus the server only connects to (`--janus URL`): nobody restarts it."""
    install = find_janus()
    address = os.environ.get("FACILITATION_TEST_MEDIA_ADDR")
    assert install is not None, "Janus is not installed; run scripts/install.sh"
    assert address, "run inside scripts/in-netns.sh"
    janus = JanusProcess(
        JanusSettings(media_address=address, ws_port=free_port(), rtp_ports=(44000, 44999)),
        install,
    )
    await janus.start()
    yield janus
    await janus.stop()


@pytest.fixture
def external_janus_server(secret: str, external_janus: JanusProcess) -> Iterator[ServerProcess]:
    proc = ServerProcess(
        secret=secret,
        grace_seconds=3.0,
        janus=external_janus.url,
        # `=`: a random secret may start with "-", which argparse would take for an option.
        extra_args=[f"--janus-api-secret={external_janus.api_secret}", "--sfu-threshold", "2"],
    ).start()
    yield proc
    proc.stop()


async def test_when_janus_stays_away_the_room_falls_back_to_peer_to_peer(
    external_janus_server: ServerProcess,
    external_janus: JanusProcess,
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
) -> None:
    people = await open_people(
        external_janus_server,
        mint,
        session_id,
        new_person,
        THREE,
    )
    await asyncio.gather(*(join(p.page) for p in people))
    pages = {p.name: p.page for p in people}
    for page in pages.values():
        await expect_through_sfu(page)
        await mark_page(page)
    await expect_sfu_media_flowing(pages)

    await external_janus.stop()
    stopped = time.monotonic()
    # After the server's grace for the SFU, everyone connects peer to peer, same pages.
    await expect_media_flowing(list(pages.values()), 2)
    figure("Janus gone -> media flowing peer to peer", time.monotonic() - stopped)
    await expect_sfu_media_flowing(pages)
    for page in pages.values():
        assert await same_page(page), "a page was reloaded"
        paths = await media_paths(page)
        connected = [p for p in paths if p["state"] == "connected"]
        assert len(connected) == 2 and not any(p["sfu"] for p in connected), paths


# ---- a facilitator's block --------------------------------------------------------------------
async def self_audio_enabled(page: Page) -> bool:
    """Whether the page's own microphone track is on (read from its own tile)."""
    return bool(
        await page.evaluate(
            """() => document.querySelector('li.tile.self video').srcObject
             .getAudioTracks()[0].enabled"""
        )
    )


async def test_a_facilitator_block_stops_audio_at_the_sfu_and_is_explained(
    sfu_server: ServerProcess,
    mint: Callable[..., str],
    session_id: str,
    new_person: NewPerson,
    python_people: list[PythonParticipant],
) -> None:
    # The facilitator is a Python participant who speaks (a steady tone) without video.
    facilitator = PythonParticipant(
        sfu_server.base_url,
        session_id,
        mint(session_id, "Dana Rivera", Role.FACILITATOR),
        send_video=False,
    )
    python_people.append(facilitator)
    alex_id = "id-alex"
    sam = await new_person(
        f"{sfu_server.base_url}/s/{session_id}#token={mint(session_id, 'Sam')}", "Sam"
    )
    alex = await new_person(
        f"{sfu_server.base_url}/s/{session_id}#token="
        f"{mint(session_id, 'Alex', participant_id=alex_id)}",
        "Alex",
    )
    await asyncio.gather(join(sam.page), join(alex.page))
    await facilitator.join()  # three people: the room moves to the SFU
    pages = {"Sam": sam.page, "Alex": alex.page}
    for page in pages.values():
        await expect_through_sfu(page)
    await expect_sfu_media_flowing(pages)
    await expect_audio_from(sam.page, ["Dana Rivera"])
    # Who speaks comes from the SFU: the facilitator's tile shows it.
    for page in pages.values():
        await expect(tile(page, "Dana Rivera").get_by_text("Speaking", exact=True)).to_be_visible(
            timeout=15_000
        )
        await expect(
            tile(page, "Sam" if page is alex.page else "Alex").get_by_text("Speaking", exact=True)
        ).to_be_hidden()

    await facilitator.moderate_media(alex_id, audio_blocked=True)
    # Sam stops receiving Alex's sound (dropped at the SFU), and sees the mark.
    await expect_audio_stopped(sam.page, "Alex")
    await expect(tile(sam.page, "Alex").get_by_role("img", name="Microphone off")).to_be_visible()
    # Alex is told, calmly, on the tile and by the controls.
    page = alex.page
    await expect(page.get_by_text("The facilitator has muted your microphone")).to_be_visible()
    await expect(page.get_by_text("Muted by the facilitator", exact=True)).to_be_visible()
    unmute = page.get_by_role("button", name="Unmute microphone")
    await expect(unmute).to_have_attribute("aria-pressed", "true")
    assert not await self_audio_enabled(page)
    # Unmute explains instead of unmuting: the server refuses, in plain words.
    await unmute.click()
    await expect(page.get_by_text("The facilitator has muted you for now.")).to_be_visible()
    await expect(page.get_by_role("button", name="Unmute microphone")).to_be_visible()
    assert not await self_audio_enabled(page)
    # Alex still hears and sees Sam.
    await expect_audio_from(page, ["Sam"])
    await expect_video_from(page, ["Sam"])

    # The facilitator lets Alex's sound through again: it reaches Sam again at once (a
    # muted microphone still sends silence), the notice goes, and Alex may unmute.
    await facilitator.moderate_media(alex_id, audio_blocked=False)
    await expect_audio_from(sam.page, ["Alex"])
    await expect(page.get_by_text("The facilitator has muted your microphone")).to_be_hidden()
    await expect(page.get_by_text("Muted by the facilitator", exact=True)).to_be_hidden()
    await page.get_by_role("button", name="Unmute microphone").click()
    await expect(page.get_by_role("button", name="Mute microphone")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert await self_audio_enabled(page)
    await expect_audio_from(sam.page, ["Alex"])
    await expect(tile(sam.page, "Alex").get_by_role("img", name="Microphone off")).to_be_hidden()


# ---- a receiver whose connection cannot carry video -------------------------------------------
# Chromium offers no packet loss on WebRTC connections to a test, so the page's own
# statistics say it: from `set_loss(page, f)` on, inbound-rtp stats count one packet lost
# for every (1 - f) / f received. The client computes its loss reports from these.
FAKE_LOSS_JS = """(fraction) => {
    if (!window.__testLossPatched) {
      const native = RTCPeerConnection.prototype.getStats;
      RTCPeerConnection.prototype.getStats = async function (...args) {
        const report = await native.apply(this, args);
        const loss = window.__testLoss;
        if (!loss || !loss.fraction) return report;
        const out = new Map();
        report.forEach((r, key) => {
          if (r.type === 'inbound-rtp') {
            const base = loss.base[r.id] ?? (loss.base[r.id] = r.packetsReceived || 0);
            const extra = ((r.packetsReceived || 0) - base) * loss.fraction / (1 - loss.fraction);
            r = { ...r, packetsLost: (r.packetsLost || 0) + Math.round(extra) };
          }
          out.set(key, r);
        });
        return out;
      };
      window.__testLossPatched = true;
    }
    window.__testLoss = { fraction, base: {} };
}"""


async def set_loss(page: Page, fraction: float) -> None:
    await page.evaluate(FAKE_LOSS_JS, fraction)


async def test_video_pauses_with_a_calm_notice_when_the_connection_cannot_carry_it(
    sfu_server: ServerProcess, mint: Callable[..., str], session_id: str, new_person: NewPerson
) -> None:
    facilitator = FacilitatorControls(
        sfu_server, session_id, mint(session_id, "Dana Rivera", Role.FACILITATOR)
    )
    sam, alex = await open_people(
        sfu_server,
        mint,
        session_id,
        new_person,
        [("Sam", Role.PARTICIPANT), ("Alex", Role.PARTICIPANT)],
    )
    try:
        await asyncio.gather(join(sam.page), join(alex.page))
        await facilitator.join()  # three people: the room moves to the SFU
        await expect_sfu_media_flowing({"Sam": sam.page, "Alex": alex.page})
        notice = sam.page.get_by_text("Video is paused to keep the sound clear on your connection.")
        await expect(notice).to_be_hidden()

        # Sam's downlink loses a quarter of its packets: the server steps Sam's video down
        # layer by layer, then pauses it; the sound goes on.
        await set_loss(sam.page, 0.25)
        await expect(notice).to_be_visible(timeout=30_000)
        await expect(tile(sam.page, "Alex").get_by_text("Video paused")).to_be_visible()
        await expect_audio_from(sam.page, ["Alex"])
        await expect(alex.page.get_by_text("Video is paused")).to_be_hidden()

        # The link recovers: after a while of good reports, video comes back.
        await set_loss(sam.page, 0.0)
        await expect(notice).to_be_hidden(timeout=40_000)
        await expect(tile(sam.page, "Alex").get_by_text("Video paused")).to_be_hidden()
        await expect_video_from(sam.page, ["Alex"])
    finally:
        await facilitator.close()
