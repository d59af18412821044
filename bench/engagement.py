"""What the engagement monitor costs.

1. In process: computing one facilitator's view (`engagement_view`) for a group of 12
   whose talk histories are full (every participant at the cap of kept talk stretches),
   and the size of that view on the wire (msgpack).
2. The real server: S sessions of 12 participants and a facilitator (python-socketio
   clients, no media); each participant reports its activity every 6 s (the web client's
   pace while speaking), and the facilitators get the view pushed every `--interval`
   seconds (15 by default; 1 here, to load the server far more than in use). Prints the
   server process's CPU while that runs, and the pushes received.

    .venv/bin/python bench/engagement.py
    .venv/bin/python bench/engagement.py --sessions 20 --interval 1 --seconds 30
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import msgpack  # type: ignore[import-untyped]  # noqa: E402
import socketio  # noqa: E402

from bench._common import cpu_seconds, header, summary_row  # noqa: E402
from facilitation.activity import MAX_TALK_STRETCHES  # noqa: E402
from facilitation.engagement import engagement_view  # noqa: E402
from facilitation.thresholds import Thresholds  # noqa: E402
from rooms.model import Participant, Role  # noqa: E402
from signaling import tokens  # noqa: E402
from tests.support.services import ServerProcess  # noqa: E402

SECRET = "bench-secret-" + "x" * 40
GROUP = 12


def full_group(now: float) -> list[Participant]:
    start = now - 5400
    people = [Participant("fac", "s", "Facilitator", Role.FACILITATOR, joined_at=start)]
    for i in range(GROUP):
        p = Participant(f"p{i}", "s", f"Person {i}", Role.PARTICIPANT, seat=i + 1,
                        joined_at=now - 5400)
        # Stretches spread over the 90 minutes, interleaved between people.
        step = 5400 / MAX_TALK_STRETCHES
        p.activity.talk = [
            [now - 5400 + k * step + i * 0.3, now - 5400 + k * step + i * 0.3 + 1.5]
            for k in range(MAX_TALK_STRETCHES)
        ]
        p.activity.last_spoke_at = p.activity.talk[-1][1]
        p.talk_seconds = 1.5 * MAX_TALK_STRETCHES
        people.append(p)
    return people


def in_process(runs: int) -> None:
    now = time.time()
    people = full_group(now)
    th = Thresholds()
    took = []
    for _ in range(runs):
        start = time.perf_counter()
        view = engagement_view(people, th, now)
        took.append(time.perf_counter() - start)
    size = len(msgpack.packb(view, use_bin_type=True))
    print(summary_row(f"one view, {GROUP} people x {MAX_TALK_STRETCHES} stretches", took,
                      "ms", 1000))
    print(f"{'view size on the wire (msgpack)':52} {size / 1024:8.1f} KB")


async def member(url: str, session: str, name: str, role: Role) -> socketio.AsyncClient:
    client = socketio.AsyncClient(reconnection=False, serializer="msgpack")
    token = tokens.mint(SECRET, session=session, name=name, role=role)
    await client.connect(url, transports=["websocket"],
                         auth={"token": token, "session": session}, wait_timeout=20)
    ack = await client.call("join", {"audio_muted": True}, timeout=20)
    assert ack["ok"], ack
    return client


async def reporting(client: socketio.AsyncClient, offset: float, stop: asyncio.Event) -> None:
    await asyncio.sleep(offset)
    visible = True
    while not stop.is_set():
        visible = not visible
        await client.call("activity.report", {"visible": visible, "speaking_seconds": 2.0})
        try:
            await asyncio.wait_for(stop.wait(), 6.0)
        except TimeoutError:
            pass


async def on_server(sessions: int, interval: float, seconds: float) -> None:
    server = ServerProcess(secret=SECRET, extra_args=["--engagement-interval", str(interval)])
    server.start()
    assert server.proc is not None
    clients: list[socketio.AsyncClient] = []
    pushes: list[int] = []
    try:
        for s in range(sessions):
            session = f"bench-{uuid.uuid4().hex[:8]}"
            fac = await member(server.base_url, session, f"fac-{s}", Role.FACILITATOR)
            fac.on("engagement.updated", lambda data: pushes.append(len(data["participants"])))
            clients.append(fac)
            for i in range(GROUP):
                clients.append(await member(server.base_url, session, f"p-{s}-{i}",
                                            Role.PARTICIPANT))
        stop = asyncio.Event()
        participants = [c for i, c in enumerate(clients) if i % (GROUP + 1)]
        tasks = [asyncio.create_task(reporting(c, 6.0 * k / len(participants), stop))
                 for k, c in enumerate(participants)]
        await asyncio.sleep(2.0)  # every report loop running
        pushes.clear()
        cpu0, t0 = cpu_seconds(server.proc.pid), time.monotonic()
        await asyncio.sleep(seconds)
        cpu = cpu_seconds(server.proc.pid) - cpu0
        wall = time.monotonic() - t0
        stop.set()
        await asyncio.gather(*tasks)
        people = sessions * (GROUP + 1)
        label = f"server CPU, {sessions} sessions ({people} people), push every {interval:g} s"
        print(f"{label:52} {100 * cpu / wall:8.1f} % of a core")
        print(f"{'pushes received per facilitator per second':52}"
              f" {len(pushes) / sessions / wall:8.2f}")
        if pushes:
            print(f"{'participants per push':52} {statistics.median(pushes):8.0f}")
    finally:
        for c in clients:
            await c.disconnect()
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    header("engagement monitor")
    in_process(args.runs)
    asyncio.run(on_server(args.sessions, args.interval, args.seconds))


if __name__ == "__main__":
    main()
