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
import statistics
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.async_api import async_playwright

from bench._common import header, open_and_join, probe_result, summary_row
from rooms.model import Role
from signaling import tokens
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.services import ServerProcess


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
                await open_and_join(browser, link("Facilitator", Role.FACILITATOR)),
                await open_and_join(browser, link("Sam")),
            ]
            await present[1][1].wait_for_function(
                "() => document.querySelectorAll('li.tile video').length >= 2"
            )
            for i in range(rounds):
                context, page = await open_and_join(browser, link(f"Newcomer {i}"), probe=True)
                times = await probe_result(page, remote_tiles=2)
                first.append(times["first"])
                all_remote.append(times["all"])
                after_click.append(times["after_click"])
                await page.get_by_role("button", name="Leave session").click()
                await context.close()
            for context, _ in present:
                await context.close()
            await browser.close()
    finally:
        server.stop()

    header(f"join latency, {rounds} rounds, 3 participants, peer to peer")
    print(summary_row("link opened -> first remote frame", first))
    print(summary_row("link opened -> frames from both others", all_remote))
    print(summary_row("Join clicked -> first remote frame", after_click))
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
