"""Reading what a page shows and what its media does, from outside the client."""

from __future__ import annotations

import asyncio

from playwright.async_api import Locator, Page, expect


def tile(page: Page, name: str) -> Locator:
    """The tile of another person, found by the name it shows."""
    return page.get_by_role("listitem").filter(has=page.get_by_text(name, exact=True))


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
