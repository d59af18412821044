"""Server memory per idle participant.

Starts the real server process (`python -m signaling serve`) on a free loopback port,
connects N python-socketio clients that each `join` a session (as the browser does:
WebSocket only, msgpack, auth = {token, session}) and then stay idle, and reads the server
process's VmRSS from /proc before and after. Each round uses a fresh server, so memory
freed by an earlier round cannot be reused and hide the real cost; the result is the
median over rounds. Target: under 50 KB per idle participant.

    .venv/bin/python bench/idle_memory.py                 # 500 participants, 10 sessions
    .venv/bin/python bench/idle_memory.py -n 1000 --per-session 12 --rounds 5
    .venv/bin/python bench/idle_memory.py --profile       # where the server's memory goes

`--profile` runs the server under tracemalloc (through bench/_traced_server.py, a wrapper
that is bench code only) and prints the allocation sites that grew most while the
participants connected.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import statistics
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from subprocess import DEVNULL, Popen, TimeoutExpired

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import socketio  # noqa: E402

from rooms.model import Role  # noqa: E402
from signaling import tokens  # noqa: E402
from tests.support.services import free_port  # noqa: E402

TARGET_KB = 50.0


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def settled_rss_kb(pid: int, *, samples: int = 5, interval: float = 0.4) -> int:
    """The median of a few readings taken once the RSS stops moving (or after 10 s):
    connection set-up leaves buffers and tasks that are freed shortly after."""
    deadline = time.monotonic() + 10
    last = rss_kb(pid)
    while time.monotonic() < deadline:
        await asyncio.sleep(interval)
        now = rss_kb(pid)
        if abs(now - last) <= max(64, last // 500):
            break
        last = now
    readings = []
    for _ in range(samples):
        readings.append(rss_kb(pid))
        await asyncio.sleep(interval)
    return int(statistics.median(readings))


async def connect_idle(
    url: str, secret: str, session: str, index: int
) -> socketio.AsyncClient:
    token = tokens.mint(secret, session=session, name=f"idle-{index}", role=Role.PARTICIPANT)
    client = socketio.AsyncClient(reconnection=False, serializer="msgpack")
    await client.connect(
        url, transports=["websocket"], auth={"token": token, "session": session},
        wait_timeout=20,
    )
    ack = await client.call("join", {}, timeout=30)
    if not ack.get("ok"):
        raise RuntimeError(f"join refused: {ack.get('error')}")
    return client


async def connect_all(
    url: str, secret: str, count: int, per_session: int, batch: int, tag: str
) -> list[socketio.AsyncClient]:
    clients: list[socketio.AsyncClient] = []
    for start in range(0, count, batch):
        clients += await asyncio.gather(
            *(
                connect_idle(url, secret, f"bench-{tag}-{i // per_session}", i)
                for i in range(start, min(count, start + batch))
            )
        )
    return clients


async def disconnect_all(clients: list[socketio.AsyncClient]) -> None:
    await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)


@dataclass
class Round:
    before_kb: int
    after_kb: int
    connected: int
    connect_seconds: float

    @property
    def per_participant_kb(self) -> float:
        return (self.after_kb - self.before_kb) / self.connected


def start_server(secret: str, *, traced: bool, trace_dir: Path | None) -> tuple[Popen[bytes], str]:
    """`python -m signaling serve` on a free loopback port, or the same through the
    tracemalloc wrapper; returns once /healthz answers."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    entry = [str(REPO / "bench" / "_traced_server.py")] if traced else ["-m", "signaling"]
    env = {**os.environ, "FACILITATION_SECRET": secret}
    if trace_dir is not None:
        env["BENCH_TRACE_DIR"] = str(trace_dir)
    proc = Popen(
        [sys.executable, *entry, "serve", "--host", "127.0.0.1", "--port", str(port),
         "--public-url", url, "--grace-seconds", "600"],
        cwd=REPO, env=env, stdout=DEVNULL, stderr=DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("the server did not come up")


async def one_round(args: argparse.Namespace, number: int, trace_dir: Path | None) -> Round:
    secret = tokens.generate_secret()
    proc, url = start_server(secret, traced=trace_dir is not None, trace_dir=trace_dir)
    clients: list[socketio.AsyncClient] = []
    try:
        # Warm up: the first joins import and compile code paths once per process; that
        # is not a per-participant cost. Those clients leave before the baseline.
        warm = await connect_all(url, secret, 10, 10, 10, f"warm{number}")
        await asyncio.gather(*(c.call("leave", {}) for c in warm))
        await disconnect_all(warm)
        before = await settled_rss_kb(proc.pid)
        if trace_dir is not None:
            await snapshot(proc.pid, trace_dir, "before")
        started = time.monotonic()
        clients = await connect_all(
            url, secret, args.participants, args.per_session, args.batch, f"r{number}"
        )
        took = time.monotonic() - started
        after = await settled_rss_kb(proc.pid)
        if trace_dir is not None:
            await snapshot(proc.pid, trace_dir, "after")
        return Round(before, after, len(clients), took)
    finally:
        await disconnect_all(clients)
        proc.terminate()
        try:
            proc.wait(10)
        except TimeoutExpired:
            proc.kill()
            proc.wait()


# ---- profiling (bench only) ------------------------------------------------------------
async def snapshot(pid: int, directory: Path, label: str) -> None:
    """Ask the traced server (SIGUSR1) for a tracemalloc snapshot; wait for the file."""
    path = directory / f"{label}.snapshot"
    (directory / "next-label").write_text(label)
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 120
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError("the traced server wrote no snapshot")
        await asyncio.sleep(0.1)


def _short(filename: str) -> str:
    """A path relative to the repository, site-packages or the standard library."""
    where = filename.replace(str(REPO) + "/", "")
    for marker in ("site-packages/", "/lib/python3.11/", "/lib/python3."):
        if marker in where:
            return where.split(marker, 1)[1]
    return where


def _owner(short: str) -> str:
    top = short.split("/", 1)[0]
    if top in ("rooms", "facilitation", "signaling"):
        return "this project (rooms, facilitation, signaling)"
    if top in ("asyncio", "selectors.py", "_weakrefset.py", "weakref.py"):
        return "asyncio (tasks, futures, queues, transports)"
    return top.removesuffix(".py")


def print_profile(directory: Path, participants: int, top: int) -> None:
    import tracemalloc

    before = tracemalloc.Snapshot.load(str(directory / "before.snapshot"))
    after = tracemalloc.Snapshot.load(str(directory / "after.snapshot"))
    by_file = after.compare_to(before, "filename")
    total = sum(s.size_diff for s in by_file)
    print(f"\nSnapshots (tracemalloc.Snapshot.load): {directory}/{{before,after}}.snapshot")
    print(f"Python heap growth seen by tracemalloc: {total / 1024:.0f} KB "
          f"= {total / 1024 / participants:.1f} KB per participant")

    owners: dict[str, int] = {}
    for stat in by_file:
        owner = _owner(_short(stat.traceback[0].filename))
        owners[owner] = owners.get(owner, 0) + stat.size_diff
    print("\nBy owner of the allocating code (KB per participant):")
    for owner, size in sorted(owners.items(), key=lambda item: -item[1]):
        if abs(size) / participants >= 50:
            print(f"  {size / 1024 / participants:6.1f} KB  {owner}")

    for group in ("filename", "lineno"):
        print(f"\nTop {top} by {group} (bytes, allocations; per participant):")
        for stat in after.compare_to(before, group)[:top]:
            frame = stat.traceback[0]
            where = _short(frame.filename) + (f":{frame.lineno}" if group == "lineno" else "")
            print(f"  {stat.size_diff / participants:9.0f} B  "
                  f"{stat.count_diff / participants:6.1f}  {where}")


# ---- main ---------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--participants", type=int, default=500)
    parser.add_argument("--per-session", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="fresh server each round")
    parser.add_argument("--batch", type=int, default=50, help="joins in flight at once")
    parser.add_argument("--profile", action="store_true", help="tracemalloc the server")
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()

    profile_dir = Path(tempfile.mkdtemp(prefix="bench-trace-")) if args.profile else None
    rounds: list[Round] = []
    for number in range(1 if args.profile else args.rounds):
        rounds.append(asyncio.run(one_round(args, number, profile_dir)))
        r = rounds[-1]
        print(f"round {number + 1}: {r.connected} joined in {r.connect_seconds:.1f} s", flush=True)

    print(f"\nIdle participants: {args.participants} in sessions of {args.per_session}, "
          f"{platform.python_implementation()} {platform.python_version()}, "
          f"{os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}")
    if args.profile:
        print("(server under tracemalloc: RSS figures include tracing overhead)")
    print(f"{'round':>5}  {'RSS before':>12}  {'RSS after':>12}  {'growth':>10}  "
          f"{'per participant':>16}")
    for i, r in enumerate(rounds, 1):
        print(f"{i:>5}  {r.before_kb / 1024:9.1f} MB  {r.after_kb / 1024:9.1f} MB  "
              f"{(r.after_kb - r.before_kb) / 1024:7.1f} MB  {r.per_participant_kb:13.1f} KB")
    median = statistics.median(r.per_participant_kb for r in rounds)
    verdict = "within" if median < TARGET_KB else "ABOVE"
    print(f"median: {median:.1f} KB per idle participant ({verdict} the {TARGET_KB:.0f} KB target)")

    if profile_dir is not None:
        print_profile(profile_dir, args.participants, args.top)
    return 0 if median < TARGET_KB or args.profile else 1


if __name__ == "__main__":
    sys.exit(main())
