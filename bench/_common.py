"""What the benches share: Chromium with a probe that records when remote video frames
are presented, percentiles, CPU time of a process, and a header naming the machine."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.async_api import Browser, BrowserContext, Page

# Records, inside the page: the moment "Join" is clicked, the first presented frame of any
# remote video, and the first frame of each remote tile (by participant id).
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
    for (const v of document.querySelectorAll('li.tile:not(.self) video')) {
      if (hooked.has(v)) continue;
      hooked.add(v);
      const onFrame = (now) => {
        const b = window.__bench;
        if (b.first === null) b.first = now;
        const id = v.closest('li').querySelector('.name').textContent;
        if (!b.perVideo.has(id)) b.perVideo.set(id, now);
      };
      v.requestVideoFrameCallback(onFrame);
    }
  };
  setInterval(scan, 20);
})();
"""


async def open_and_join(
    browser: Browser, url: str, probe: bool = False
) -> tuple[BrowserContext, Page]:
    context = await browser.new_context(viewport={"width": 640, "height": 480})
    if probe:
        await context.add_init_script(PROBE)
    page = await context.new_page()
    await page.goto(url)
    await page.get_by_role("button", name="Join", exact=True).click()
    return context, page


async def probe_result(page: Page, remote_tiles: int) -> dict[str, float]:
    """Seconds from navigation start to the first remote frame and to a frame from each
    of `remote_tiles` others, and from the Join click to the first remote frame."""
    await page.wait_for_function(
        f"() => window.__bench && window.__bench.perVideo.size >= {remote_tiles}",
        timeout=60_000,
        polling=50,
    )
    b: dict[str, Any] = await page.evaluate(
        "() => ({click: __bench.click, first: __bench.first,"
        " last: Math.max(...__bench.perVideo.values())})"
    )
    return {
        "first": b["first"] / 1000,
        "all": b["last"] / 1000,
        "after_click": (b["first"] - b["click"]) / 1000,
    }


def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank); 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary_row(label: str, values: list[float], unit: str = "s", scale: float = 1.0) -> str:
    v = [x * scale for x in values]
    return (f"{label:52} {statistics.median(v):8.3f} {pct(v, 95):8.3f} {max(v):8.3f} "
            f" {unit}")


def header(title: str, columns: bool = True) -> None:
    print(f"# {title}")
    print(f"# {time.strftime('%Y-%m-%d')}  {platform.node()}  {os.cpu_count()} cores  "
          f"{platform.python_implementation()} {platform.python_version()}")
    if columns:
        print(f"{'measure':52} {'p50':>8} {'p95':>8} {'max':>8}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def child_named(parent: int, name: str) -> int | None:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if comm == name and ppid == parent:
            return int(entry.name)
    return None
