"""Reading what a page shows and what its media does, from outside the client."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import socketio
from playwright.async_api import Locator, Page, expect

from rooms.model import Role
from signaling.python_participant import PythonParticipant
from tests.support.participants import VIDEO_FPS, VIDEO_SIZE
from tests.support.services import ServerProcess


def tile(page: Page, name: str) -> Locator:
    """The tile of another person, found by the name it shows (in the list of tiles, not
    in the chat or a facilitator's panel)."""
    return (
        page.get_by_role("list", name="People in the session")
        .get_by_role("listitem")
        .filter(has=page.get_by_text(name, exact=True))
    )


async def join(page: Page) -> None:
    """Pass the device check."""
    await page.get_by_role("button", name="Join", exact=True).click()
    await expect(page.get_by_role("heading", name="Group session")).to_be_visible()
    await expect(page.get_by_text("Connected", exact=True)).to_be_visible()


async def expect_remote_video_flowing(page: Page, count: int, *, frames: int = 10) -> None:
    """Each of `count` remote videos decodes `frames` new frames, and then again.

    Counted per video element across polls, so a counter that restarts (a new stream on
    the same element) still counts the frames decoded since.
    """
    for _ in range(2):
        await page.wait_for_function(
            """([count, frames]) => {
                const videos = [...document.querySelectorAll(
                  'li.tile:not(.self) video')];
                const seen = window.__testFrameWatch || (window.__testFrameWatch = new WeakMap());
                const round = (window.__testFrameRound = window.__testFrameRound || {});
                let ok = videos.length === count;
                for (const v of videos) {
                  const now = v.getVideoPlaybackQuality().totalVideoFrames;
                  let w = seen.get(v);
                  if (!w || w.round !== round.id) {
                    w = { round: round.id, last: now, gained: 0 };
                    seen.set(v, w);
                  }
                  w.gained += now >= w.last ? now - w.last : now;
                  w.last = now;
                  if (w.gained < frames) ok = false;
                }
                return ok;
            }""",
            arg=[count, frames],
            polling=200,
        )
        # Start the next round's counts afresh.
        await page.evaluate("() => { window.__testFrameRound = { id: Math.random() }; }")


async def until(page: Page, js: str, arg: object, *, what: str, within: float = 20.0) -> None:
    """Poll an (async) page function until it returns {ok: true}.

    `wait_for_function` does not await a returned promise, and stats need `await`.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await page.evaluate(js, arg)
        if result.get("ok"):
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last seen: {result}")
        await asyncio.sleep(0.25)


async def expect_remote_audio_flowing(page: Page, count: int, *, packets: int = 20) -> None:
    """`count` connected peer connections each receive `packets` new audio packets, and
    then again (inbound-rtp stats, read from the connections the init script collected)."""
    for _ in range(2):
        await until(
            page,
            """async ([count, packets]) => {
                const seen = window.__testAudioWatch || (window.__testAudioWatch = new WeakMap());
                const round = (window.__testAudioRound = window.__testAudioRound || {});
                const open = (window.__testPeerConnections || [])
                  .filter(pc => pc.connectionState === 'connected');
                const gained = [];
                for (const pc of open) {
                  let now = 0;
                  (await pc.getStats()).forEach(r => {
                    if (r.type === 'inbound-rtp' && r.kind === 'audio') {
                      now += r.packetsReceived || 0;
                    }
                  });
                  let w = seen.get(pc);
                  if (!w || w.round !== round.id) {
                    w = { round: round.id, first: now };
                    seen.set(pc, w);
                  }
                  gained.push(now - w.first);
                }
                return { ok: open.length === count && gained.every(g => g >= packets), gained };
            }""",
            [count, packets],
            what=f"audio packets on {count} connections",
        )
        await page.evaluate("() => { window.__testAudioRound = { id: Math.random() }; }")


async def expect_media_flowing(pages: list[Page], count: int) -> None:
    """On every page, video and audio from `count` others keep arriving."""
    await asyncio.gather(*(expect_remote_video_flowing(p, count) for p in pages))
    await asyncio.gather(*(expect_remote_audio_flowing(p, count) for p in pages))


# ---- reading media per person (either topology) ---------------------------------------------
# The audio a tile plays is the audio track of its video element's stream; the receiver
# carrying that track (on whichever connection the page made) has its inbound-rtp stats.
AUDIO_PACKETS_JS = """async (names) => {
    const pcs = (window.__testPeerConnections || []).filter(pc => pc.connectionState !== 'closed');
    const out = {};
    for (const name of names) {
      const li = [...document.querySelectorAll('li.tile:not(.self)')]
        .find(li => li.querySelector('.name')?.textContent === name);
      const stream = li?.querySelector('video')?.srcObject;
      const track = stream ? stream.getAudioTracks()[0] : null;
      let packets = null;
      for (const pc of track ? pcs : []) {
        for (const receiver of pc.getReceivers()) {
          if (receiver.track !== track) continue;
          (await receiver.getStats()).forEach(r => {
            if (r.type === 'inbound-rtp' && r.kind === 'audio') packets = r.packetsReceived || 0;
          });
        }
      }
      out[name] = packets;
    }
    return out;
}"""


async def audio_packets(page: Page, names: list[str]) -> dict[str, int | None]:
    """Audio packets received so far from each named person's tile (None: no audio yet)."""
    packets: dict[str, int | None] = await page.evaluate(AUDIO_PACKETS_JS, names)
    return packets


async def expect_audio_from(
    page: Page, names: list[str], *, packets: int = 20, within: float = 30.0
) -> None:
    """Audio from each named person keeps arriving on this page: `packets` more than
    when we started looking (counted per tile, so a fresh track starts a fresh count)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    first: dict[str, tuple[object, int]] = {}
    while True:
        now = await audio_packets(page, names)
        tracks: dict[str, object] = await page.evaluate(
            """(names) => Object.fromEntries(names.map(n => {
                const li = [...document.querySelectorAll('li.tile:not(.self)')]
                  .find(li => li.querySelector('.name')?.textContent === n);
                const t = li?.querySelector('video')?.srcObject?.getAudioTracks()[0];
                return [n, t ? t.id : null];
            }))""",
            names,
        )
        gained: dict[str, int] = {}
        for name in names:
            count = now.get(name)
            if count is None:
                gained[name] = 0
                continue
            if name not in first or first[name][0] != tracks[name]:
                first[name] = (tracks[name], count)
            gained[name] = count - first[name][1]
        if all(g >= packets for g in gained.values()):
            return
        if loop.time() > deadline:
            raise AssertionError(f"audio from {names} did not keep arriving: gained {gained}")
        await asyncio.sleep(0.25)


async def expect_audio_stopped(
    page: Page, name: str, *, quiet_for: float = 1.5, within: float = 15.0
) -> None:
    """No new audio packets from `name` for `quiet_for` seconds (a few in flight allowed)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    since, base = loop.time(), (await audio_packets(page, [name]))[name] or 0
    while True:
        await asyncio.sleep(0.25)
        count = (await audio_packets(page, [name]))[name] or 0
        if count - base > 3:
            since, base = loop.time(), count
        elif loop.time() - since >= quiet_for:
            return
        if loop.time() > deadline:
            raise AssertionError(f"audio from {name} kept arriving ({count} packets)")


async def expect_video_from(
    page: Page, names: list[str], *, frames: int = 10, within: float = 30.0
) -> None:
    """Each named person's tile decodes `frames` new video frames, counted per video
    element across polls (a new stream on the same element keeps counting)."""
    await page.wait_for_function(
        """([names, frames]) => {
            const seen = window.__testVideoFrom || (window.__testVideoFrom = {});
            let ok = true;
            for (const name of names) {
              const li = [...document.querySelectorAll('li.tile:not(.self)')]
                .find(li => li.querySelector('.name')?.textContent === name);
              const v = li?.querySelector('video');
              if (!v) { ok = false; continue; }
              const now = v.getVideoPlaybackQuality().totalVideoFrames;
              const w = seen[name] || (seen[name] = { last: now, gained: 0 });
              w.gained += now >= w.last ? now - w.last : now;
              w.last = now;
              if (w.gained < frames) ok = false;
            }
            return ok;
        }""",
        arg=[names, frames],
        polling=200,
        timeout=within * 1000,
    )
    await page.evaluate("() => { window.__testVideoFrom = {}; }")


async def expect_sfu_media_flowing(pages: dict[str, Page], others: list[str] | None = None) -> None:
    """On every page (by the name of its person), video frames and audio packets from
    every other person (the pages' people and `others`) keep arriving."""
    names = [*pages, *(others or [])]
    await asyncio.gather(
        *(expect_video_from(page, [n for n in names if n != me]) for me, page in pages.items())
    )
    await asyncio.gather(
        *(expect_audio_from(page, [n for n in names if n != me]) for me, page in pages.items())
    )


MEDIA_PATHS_JS = """() => (window.__testPeerConnections || [])
    .filter(pc => pc.connectionState !== 'closed')
    .map(pc => ({
      state: pc.connectionState,
      sfu: /^s=VideoRoom/m.test(pc.remoteDescription?.sdp || '')
        || /Janus/i.test(pc.remoteDescription?.sdp || ''),
      simulcast: /a=simulcast:send/.test(pc.localDescription?.sdp || ''),
    }))"""


async def media_paths(page: Page) -> list[dict[str, object]]:
    """The page's open peer connections: their state, whether the far end is the SFU,
    and whether they send simulcast."""
    paths: list[dict[str, object]] = await page.evaluate(MEDIA_PATHS_JS)
    return paths


class FacilitatorControls:
    """A facilitator's requests (`moderate.media`, `admission.admit`, ...) from a plain
    Socket.IO client, for tests about what a participant's page does (the facilitator's
    own page is tested in test_facilitation*.py). Joins without sending any media."""

    def __init__(self, server: ServerProcess, session_id: str, token: str) -> None:
        self.server, self.session_id, self.token = server, session_id, token
        self.sio = socketio.AsyncClient(reconnection=False, serializer="msgpack")

    async def join(self) -> None:
        await self.sio.connect(
            self.server.base_url,
            transports=["websocket"],
            auth={"token": self.token, "session": self.session_id},
            wait_timeout=10,
        )
        ack = await self.sio.call("join", {"audio_muted": True, "video_off": True}, timeout=10)
        assert ack["ok"], ack

    async def request(self, event: str, payload: dict[str, Any]) -> dict[str, Any]:
        ack: dict[str, Any] = await self.sio.call(event, payload, timeout=10)
        assert ack["ok"], ack
        return ack

    async def moderate(self, participant_id: str, **blocks: bool) -> None:
        await self.request("moderate.media", {"participant_id": participant_id, **blocks})

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.sio.disconnect()


# ---- the facilitator's panel and the chat -------------------------------------------------
def panel(page: Page, name: str) -> Locator:
    """A side panel ("Facilitator controls", "Chat"), found by its heading."""
    return page.get_by_role("region", name=name, exact=True)


async def open_panel(page: Page, name: str) -> Locator:
    """Open a side panel with its toggle in the header (if it is not open yet)."""
    toggle = page.get_by_role("group", name="Panels").get_by_role("button", name=name)
    if await toggle.get_attribute("aria-expanded") != "true":
        await toggle.click()
    region = panel(page, name)
    await expect(region).to_be_visible()
    return region


async def feedback(page: Page, text: str) -> None:
    """The facilitator's panel says, politely, what an action did."""
    await expect(panel(page, "Facilitator controls").get_by_role("status")).to_have_text(text)


async def wait_and_accept_rules(page: Page) -> None:
    """Pass the device check, see the waiting notice and the ground rules, accept them."""
    await join(page)
    await expect(page.get_by_text("the facilitator will let you in shortly")).to_be_visible()
    await expect(page.get_by_role("heading", name="Ground rules")).to_be_visible()
    await page.get_by_role("button", name="I agree to the ground rules").click()
    await expect(page.get_by_role("heading", name="Ground rules")).to_be_hidden()


async def send_chat(page: Page, text: str, to: str = "Everyone") -> None:
    chat = await open_panel(page, "Chat")
    if await chat.get_by_label("Send to").is_visible():
        await chat.get_by_label("Send to").select_option(label=to)
    await chat.get_by_label("Your message").fill(text)
    await chat.get_by_role("button", name="Send", exact=True).click()
    await expect(chat.get_by_label("Your message")).to_have_value("")


def chat_message(page: Page, text: str) -> Locator:
    """A message in the chat panel, found by its text."""
    return panel(page, "Chat").get_by_role("listitem").filter(has_text=text)


def assert_audit_log_is_opaque(server: ServerProcess, words: list[str]) -> None:
    """The audit log has lines, and none carries a display name or a chat text."""
    assert server.audit_log is not None
    text = server.audit_log.read_text()
    assert text.strip(), "nothing was written to the audit log"
    for word in words:
        assert word not in text, f"{word!r} reached the audit log"


async def expect_peer_to_peer_only(page: Page, count: int, *, within: float = 20.0) -> None:
    """The page's media goes peer to peer: `count` connected connections, none to the
    SFU (a breakout or a private check-in)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        connected = [p for p in await media_paths(page) if p["state"] == "connected"]
        if len(connected) == count and not any(p["sfu"] for p in connected):
            return
        if loop.time() > deadline:
            raise AssertionError(f"expected {count} peer-to-peer connection(s): {connected}")
        await asyncio.sleep(0.25)


# ---- people with fixed ids, browsers and Python participants side by side -----------------
def pid(name: str) -> str:
    """The participant id a test gives a person (first name, lower case)."""
    return f"id-{name.split()[0].lower()}"


def join_url(
    server: ServerProcess, mint: Callable[..., str], session_id: str, name: str,
    role: Role = Role.PARTICIPANT,
) -> str:
    """The join link of `name` (participant id `pid(name)`) on `server`."""
    token = mint(session_id, name, role, participant_id=pid(name))
    return f"{server.base_url}/s/{session_id}#token={token}"


async def python_joined(
    server: ServerProcess, mint: Callable[..., str], session_id: str, name: str,
    made: list[PythonParticipant],
) -> PythonParticipant:
    """An aiortc participant (small video) in the session, closed by the `python_people`
    fixture. Already in a peer-to-peer room, it offers to whoever comes in: a browser
    newcomer offers too, and gives way (the browsers' ids are smaller: polite side)."""
    person = PythonParticipant(
        server.base_url, session_id, mint(session_id, name, participant_id=pid(name)),
        video_size=VIDEO_SIZE, video_fps=VIDEO_FPS, offer_to_all=True,
    )
    made.append(person)
    await person.join()
    return person


def figure(what: str, seconds: float) -> None:
    """A measurement worth reading in the test output (never asserted)."""
    print(f"\nFIGURE {what}: {seconds:.1f} s")
