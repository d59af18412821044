"""`facilitation serve` under tracemalloc, for bench/idle_memory.py --profile only.

On SIGUSR1 it writes a snapshot to $BENCH_TRACE_DIR/<label>.snapshot, the label being read
from $BENCH_TRACE_DIR/next-label. Bench code: the server itself carries no such hook.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import tracemalloc
from pathlib import Path
from types import FrameType

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

tracemalloc.start(int(os.environ.get("BENCH_TRACE_FRAMES", "1")))


def dump(_signum: int, _frame: FrameType | None) -> None:
    directory = Path(os.environ["BENCH_TRACE_DIR"])
    label = (directory / "next-label").read_text().strip()
    gc.collect()
    partial = directory / f"{label}.partial"
    tracemalloc.take_snapshot().dump(str(partial))
    partial.rename(directory / f"{label}.snapshot")  # appears whole, never half-written


signal.signal(signal.SIGUSR1, dump)

from signaling.cli import main  # noqa: E402  (after tracing starts, so imports are traced)

sys.exit(main(sys.argv[1:]))
