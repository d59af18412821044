"""Join link opened -> first remote video frame, with 3 participants, in real Chromium.

Two people are already in the session; a third opens a fresh join link (a new browser
context each round), passes the device check by clicking "Join" as soon as it can, and
the page records when the first remote video frame is presented
(requestVideoFrameCallback), and when frames from both others have been. Times are
measured inside the page from navigation start, so Python's own overhead is not counted.

    scripts/in-netns.sh .venv/bin/python bench/join_latency.py --rounds 15

Runs in the project's network namespace (WebRTC needs a non-loopback-flagged device).
Target: first remote frame < 1.0 s after the link is opened.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.async_api import Browser, async_playwright

from rooms.model import Role
from signaling import tokens
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.services import ServerProcess

# Records, inside the page: the moment "Join" is clicked, the first presented frame of any
# remote video, and the moment every expected remote video has presented one.
PROBE = r"""
(() => {
  window.__bench = { click: null, first: null, perVideo: new Map() };
  document.addEventListener('click', (e) => {
    const b = e.target.closest && e.target.closest('button');
    if (b && b.textContent.trim() === 'Join' && window.__bench.click === null)
      window.__bench.click = performance.now();
  }, true);
  const hooked = new WeakSet();
  const scan = () => {
    for (const v of document.querySelectorAll(
        'li[data-participant-id]:not([data-participant-id="self"]) video')) {
      if (hooked.has(v)) continue;
      hooked.add(v);
      v.requestVideoFrameCallback((now) => {
        const b = window.__bench;
        if (b.first === null) b.first = now;
        const id = v.closest('li').getAttribute('data-participant-id');
        if (!b.perVideo.has(id)) b.perVideo.set(id, now);
      });
    }
    requestAnimationFrame(scan);
  };
  requestAnimationFrame(scan);
  setInterval(scan, 20);
})();
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


async def joined(browser: Browser, url: str, probe: bool = False):  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport={"width": 640, "height": 480})
    if probe:
        await context.add_init_script(PROBE)
    page = await context.new_page()
    await page.goto(url)
    await page.get_by_role("button", name="Join", exact=True).click()
    return context, page


async def run(rounds: int) -> int:
    secret = tokens.generate_secret()
    server = ServerProcess(secret=secret).start()
    session = "bench-" + uuid.uuid4().hex[:8]

    def link(name: str, role: Role = Role.PARTICIPANT) -> str:
        token = tokens.mint(secret, session=session, name=name, role=role)
        return f"{server.base_url}/s/{session}#token={token}"

    first: list[float] = []
    all_remote: list[float] = []
    after_click: list[float] = []
    try:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            present = [
                await joined(browser, link("Facilitator", Role.FACILITATOR)),
                await joined(browser, link("Sam")),
            ]
            await present[1][1].wait_for_function(
                "() => document.querySelectorAll('li[data-participant-id] video').length >= 2"
            )
            for i in range(rounds):
                context, page = await joined(browser, link(f"Newcomer {i}"), probe=True)
                await page.wait_for_function(
                    "() => window.__bench && window.__bench.perVideo.size >= 2",
                    timeout=30_000,
                    polling=50,
                )
                b = await page.evaluate(
                    "() => ({click: __bench.click, first: __bench.first,"
                    " last: Math.max(...__bench.perVideo.values())})"
                )
                first.append(b["first"] / 1000)
                all_remote.append(b["last"] / 1000)
                after_click.append((b["first"] - b["click"]) / 1000)
                await page.get_by_role("button", name="Leave session").click()
                await context.close()
            for context, _ in present:
                await context.close()
            await browser.close()
    finally:
        server.stop()

    print(f"# join latency, {rounds} rounds, 3 participants, peer to peer")
    print(f"# {time.strftime('%Y-%m-%d')}  {platform.node()}  {os.cpu_count()} cores  "
          f"{platform.python_implementation()} {platform.python_version()}")
    print(f"{'measure':44} {'p50':>7} {'p95':>7} {'max':>7}")
    for label, values in (
        ("link opened -> first remote frame (s)", first),
        ("link opened -> frames from both others (s)", all_remote),
        ("Join clicked -> first remote frame (s)", after_click),
    ):
        print(f"{label:44} {statistics.median(values):7.3f} {pct(values, 95):7.3f} "
              f"{max(values):7.3f}")
    target_met = statistics.median(first) < 1.0
    print(f"target: first remote frame p50 < 1.0 s: {'met' if target_met else 'NOT met'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    return asyncio.run(run(args.rounds))


if __name__ == "__main__":
    sys.exit(main())
