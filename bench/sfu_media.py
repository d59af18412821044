"""The SFU's figures: join -> first frame in a room of 6, facilitator mute -> media stops
at the peers, and CPU of Janus and of the server while media flows.

Five people sit in an SFU room: two in Chromium (publishing three simulcast layers of the
fake camera, as real participants do) and three Python (aiortc) participants with small
frames (aiortc encodes in Python, so more of them would measure aiortc, not us).

1. Join: each round a sixth person opens a join link in Chromium; the page records when
   the first remote frame is presented and when every other person's has been.
2. Mute: a facilitator blocks one aiortc participant's audio (`moderate.media`); that
   participant keeps sending (it ignores the block, as a modified client would). Every
   other aiortc participant records when the last audio frame from it arrived; the
   latency is that moment minus the moment the request was sent (an upper bound: it
   includes aiortc's own receive path).
3. CPU: with six people in the room, CPU seconds of the Janus process and of the server
   process over a window, per forwarded stream for Janus.

    scripts/in-netns.sh .venv/bin/python bench/sfu_media.py --rounds 5

Targets: first remote frame < 1.0 s; mute -> stop < 200 ms; server CPU < 5% of Janus's.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.async_api import async_playwright

from bench._common import (
    child_named,
    cpu_seconds,
    header,
    open_and_join,
    probe_result,
    summary_row,
)
from rooms.model import Role
from signaling import tokens
from signaling.python_participant import PythonParticipant
from tests.support.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.support.services import ServerProcess

SMALL = {"video_size": (160, 120), "video_fps": 10}


async def last_audio_after(
    receivers: list[PythonParticipant], sender: str, since: float, window: float
) -> list[float]:
    """For each receiver: seconds from `since` to the last audio frame from `sender`
    seen within `window` seconds (frames polled every 2 ms)."""
    last = {id(r): since for r in receivers}
    counts = {id(r): r.received(sender, "audio") for r in receivers}
    flowing = {id(r): 0 for r in receivers}
    end = since + window
    while time.monotonic() < end:
        now = time.monotonic()
        for r in receivers:
            n = r.received(sender, "audio")
            if n != counts[id(r)]:
                flowing[id(r)] += n - counts[id(r)]
                counts[id(r)], last[id(r)] = n, now
        await asyncio.sleep(0.002)
    return [last[id(r)] - since for r in receivers]


async def run(rounds: int, mutes: int, cpu_window: float) -> int:
    secret = tokens.generate_secret()
    server = ServerProcess(secret=secret, janus="auto").start()
    session = "bench-" + uuid.uuid4().hex[:8]

    def token(name: str, role: Role = Role.PARTICIPANT) -> str:
        return tokens.mint(secret, session=session, name=name, role=role)

    def link(name: str) -> str:
        return f"{server.base_url}/s/{session}#token={token(name)}"

    join_first: list[float] = []
    join_all: list[float] = []
    mute_stop: list[float] = []
    cpu: dict[str, float] = {}
    pythons: list[PythonParticipant] = []
    try:
        facilitator = PythonParticipant(server.base_url, session,
                                        token("Facilitator", Role.FACILITATOR), **SMALL)
        cheat = PythonParticipant(server.base_url, session, token("Kim"),
                                  obey_moderation=False, **SMALL)
        listener = PythonParticipant(server.base_url, session, token("Lee"), **SMALL)
        pythons = [facilitator, cheat, listener]
        for p in pythons:
            await p.join()
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
            )
            present = [await open_and_join(browser, link(n)) for n in ("Sam", "Alex")]
            for p in pythons:
                await p.wait_for_media_mode("sfu", timeout=30)
            for p in pythons:
                for q in pythons:
                    if q is not p:
                        await p.wait_for_peer_media(q.participant_id, "audio", 20, timeout=30)

            for i in range(rounds):
                context, page = await open_and_join(browser, link(f"Newcomer {i}"), probe=True)
                times = await probe_result(page, remote_tiles=5)
                join_first.append(times["first"])
                join_all.append(times["all"])
                if i == rounds - 1:
                    # Six people: measure CPU while everyone sends and receives.
                    assert server.proc is not None
                    server_pid = server.proc.pid
                    janus_pid = child_named(server_pid, "janus")
                    assert janus_pid is not None, "the server runs no Janus"
                    await asyncio.sleep(2)
                    j0, s0 = cpu_seconds(janus_pid), cpu_seconds(server_pid)
                    t0 = time.monotonic()
                    await asyncio.sleep(cpu_window)
                    elapsed = time.monotonic() - t0
                    cpu = {
                        "janus": (cpu_seconds(janus_pid) - j0) / elapsed,
                        "server": (cpu_seconds(server_pid) - s0) / elapsed,
                    }
                await page.get_by_role("button", name="Leave session").click()
                await context.close()

            receivers = [facilitator, listener]
            for _ in range(mutes):
                await listener.wait_for_more_media(cheat.participant_id, "audio", 25, timeout=20)
                sent = time.monotonic()
                # Watch from before the request goes out, so no frame slips past.
                watch = asyncio.create_task(
                    last_audio_after(receivers, cheat.participant_id, sent, 1.5)
                )
                await asyncio.sleep(0)
                await facilitator.moderate_media(cheat.participant_id, audio_blocked=True)
                mute_stop += await watch
                await facilitator.moderate_media(cheat.participant_id, audio_blocked=False)
            for context, _ in present:
                await context.close()
            await browser.close()
    finally:
        for p in pythons:
            await p.close()
        server.stop()

    header(f"SFU room of 6 (2+1 Chromium, 3 aiortc), {rounds} joins, {mutes} mutes")
    print(summary_row("link opened -> first remote frame", join_first))
    print(summary_row("link opened -> frames from all 5 others", join_all))
    print(summary_row("facilitator mute -> last audio frame at peers", mute_stop, "ms", 1000))
    streams = 6 * 5 * 2  # each of 6 receives 5 others' audio and video
    print(f"\nCPU over {cpu_window:.0f} s with 6 people ({streams} forwarded streams):")
    print(f"  Janus  {cpu['janus'] * 100:6.2f} % of a core "
          f"({cpu['janus'] * 100 / streams:.3f} % per forwarded stream)")
    print(f"  server {cpu['server'] * 100:6.2f} % of a core "
          f"({cpu['server'] / cpu['janus'] * 100 if cpu['janus'] else 0:.1f} % of Janus's)")
    print(f"targets: first frame p50 < 1.0 s: "
          f"{'met' if statistics.median(join_first) < 1.0 else 'NOT met'}; "
          f"mute p95 < 200 ms: "
          f"{'met' if sorted(mute_stop)[int(0.95 * (len(mute_stop) - 1))] < 0.2 else 'NOT met'}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mutes", type=int, default=10)
    parser.add_argument("--cpu-window", type=float, default=10.0)
    args = parser.parse_args()
    return asyncio.run(run(args.rounds, args.mutes, args.cpu_window))


if __name__ == "__main__":
    sys.exit(main())
